#!/usr/bin/env bash
# The project's test command: installs missing dependencies, builds the workspace in release
# mode, then runs every test in release mode, so the end-to-end tests (tests/) find the
# release `wasmpi` and `wasmpirun` in target/release. Extra arguments go to `cargo test`
# (e.g. `scripts/test.sh -- trap_` to run only the trap tests). Exits with cargo's status.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$cargo_bin/cargo" ]; then
    export PATH="$cargo_bin:$PATH"
fi

cargo build --release --workspace
exec cargo test --release --workspace "$@"

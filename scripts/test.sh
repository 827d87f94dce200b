#!/usr/bin/env bash
# The project's test command: installs missing dependencies, builds the workspace in release
# mode, then runs every test in release mode, so the end-to-end tests (tests/) find the
# release `wasmpi` and `wasmpirun` in target/release. The launcher is built against Open MPI;
# then a second launcher is built against MPICH (target/mpich) and the MPI tests run again
# with it. Extra arguments go to `cargo test` (e.g. `scripts/test.sh -- trap_` to run only
# the trap tests). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$cargo_bin/cargo" ]; then
    export PATH="$cargo_bin:$PATH"
fi

# Debian's default mpicc is Open MPI's; say so explicitly in case both are installed.
export MPICC=mpicc.openmpi
cargo build --release --workspace

# The launcher for aarch64, run under qemu-aarch64 by tests/tests/aarch64.rs and by the
# aarch64 pass of the MPI tests below.
if command -v rustup >/dev/null 2>&1; then
    rustup target add aarch64-unknown-linux-gnu
fi
scripts/build-aarch64-launcher.sh
# Lints (the workspace's [workspace.lints] plus clippy's defaults) are errors, for the
# launcher without MPI (for machines with no MPI library, which must still build) too.
if ! cargo clippy --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
    rustup component add clippy
fi
cargo clippy --release --workspace --all-targets -- -D warnings
cargo clippy --release -p wasmpi-launcher --no-default-features --all-targets -- -D warnings
export WASMPI_AARCH64_LAUNCHER="$PWD/target/aarch64-unknown-linux-gnu/release/wasmpirun"

cargo test --release --workspace "$@"

echo "test.sh: MPI tests again against MPICH"
MPICC=mpicc.mpich CARGO_TARGET_DIR=target/mpich cargo build --release -p wasmpi-launcher
mkdir -p target/mpich/bin
ln -sf "$PWD/target/release/wasmpi" target/mpich/bin/wasmpi
ln -sf "$PWD/target/mpich/release/wasmpirun" target/mpich/bin/wasmpirun
WASMPI_BIN_DIR="$PWD/target/mpich/bin" WASMPI_TEST_MPI=mpich \
    cargo test --release -p wasmpi-tests --test mpi "$@"

echo "test.sh: MPI tests again with the wasm ranks on aarch64 (qemu-aarch64, arm64 MPICH)"
WASMPI_BIN_DIR="$PWD/target/mpich/bin" WASMPI_TEST_MPI=mpich WASMPI_TEST_ARCH=aarch64 \
    cargo test --release -p wasmpi-tests --test mpi "$@"

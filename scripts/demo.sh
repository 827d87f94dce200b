#!/usr/bin/env bash
# The main job on the bundled example: build wasmpi, compile examples/heat.c to wasm,
# AOT-compile it into the cache, and run it under mpirun on 4 ranks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --workspace
out=target/demo
mkdir -p "$out"
export WASMPI_CACHE_DIR="$PWD/$out/cache"
# Compile and link in two steps: linking with -O makes clang run binaryen's wasm-opt (when
# installed), which strips the function names wasmpi shows in traps and profiles.
clang --target=wasm32-wasi --sysroot=/usr -O2 -c examples/heat.c -o "$out/heat.o"
clang --target=wasm32-wasi --sysroot=/usr "$out/heat.o" -o "$out/heat.wasm"
target/release/wasmpi compile "$out/heat.wasm"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe -np 4 target/release/wasmpirun "$out/heat.wasm" 100000 2000

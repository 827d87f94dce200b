#!/usr/bin/env bash
# The main job on the bundled example: build wasmpi, compile the MPI program
# examples/heat.c to wasm with `wasmpi cc`, compile it ahead of time into the cache with
# `wasmpi compile`, and run it under mpirun on 4 ranks with `wasmpirun` (then, for
# comparison, the same program built natively with mpicc).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export MPICC=mpicc.openmpi
cargo build --release --workspace
out=target/demo
mkdir -p "$out"
export WASMPI_CACHE_DIR="$PWD/$out/cache"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
set -x
target/release/wasmpi cc -O2 examples/heat.c -o "$out/heat.wasm"
target/release/wasmpi compile "$out/heat.wasm"
mpirun.openmpi --oversubscribe -np 4 target/release/wasmpirun "$out/heat.wasm" 400000 2000
mpicc.openmpi -O2 examples/heat.c -o "$out/heat.native"
mpirun.openmpi --oversubscribe -np 4 "$out/heat.native" 400000 2000

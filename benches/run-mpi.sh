#!/usr/bin/env bash
# MPI overhead of wasmpi: benches/mpi/pingpong.c built with mpicc and with `wasmpi cc`, run
# on 2 ranks with Open MPI, alternating native and wasm RUNS times; for every line the best
# (lowest latency) of the runs is kept. Prints a markdown table: one-way latency, bandwidth,
# the ratio wasm/native and the nanoseconds wasmpi adds per call.
# Usage: benches/run-mpi.sh            (RUNS=5 by default; MPIRUN_ARGS adds mpirun options)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
out=target/bench/mpi
mkdir -p "$out"
[ -x target/release/wasmpi ] && [ -x target/release/wasmpirun ] || cargo build --release --workspace
export WASMPI_CACHE_DIR="$PWD/$out/cache" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpicc.openmpi -O2 benches/mpi/pingpong.c -o "$out/pingpong.native"
target/release/wasmpi cc -O2 benches/mpi/pingpong.c -o "$out/pingpong.wasm"
target/release/wasmpi compile "$out/pingpong.wasm" 2>/dev/null
run() { mpirun.openmpi --bind-to none ${MPIRUN_ARGS:-} -np 2 "$@"; }
: > "$out/native.txt"
: > "$out/wasm.txt"
for i in $(seq "$RUNS"); do
    run "$out/pingpong.native" >> "$out/native.txt"
    run target/release/wasmpirun "$out/pingpong.wasm" >> "$out/wasm.txt"
done
python3 - "$out/native.txt" "$out/wasm.txt" <<'PY'
import sys
def best(path):
    rows = {}
    for line in open(path):
        kind, size, us, *rest = line.split()
        key = (kind, int(size))
        if key not in rows or float(us) < rows[key][0]:
            rows[key] = (float(us), float(rest[0]) if rest else None)
    return rows
native, wasm = best(sys.argv[1]), best(sys.argv[2])
print("| benchmark | bytes | native us | wasmpi us | ratio | added ns/call | native MB/s | wasmpi MB/s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for key in sorted(native):
    n, w = native[key], wasm[key]
    bw = lambda v: f"{v:.0f}" if v else "-"
    digits = 4 if key[0].startswith("call_") else 3
    print(f"| {key[0]} | {key[1]} | {n[0]:.{digits}f} | {w[0]:.{digits}f} | {w[0]/n[0]:.3f} | {(w[0]-n[0])*1000:+.1f} | {bw(n[1])} | {bw(w[1])} |")
PY

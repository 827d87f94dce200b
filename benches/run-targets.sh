#!/usr/bin/env bash
# Code quality per CPU target: a scalar kernel (matmul) and a SIMD kernel (simd_mandel,
# -msimd128) compiled once to wasm and then by `wasmpi compile --cpu` for x86-64 (SSE2
# only), x86-64-v3 (AVX2) and this machine (`native`), timed in one run beside the native
# gcc build. Prints a markdown table of median times and ratios to native.
# Usage: benches/run-targets.sh        (RUNS=5; CPUS="x86-64 x86-64-v3 x86-64-v4 native")
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
CPUS=${CPUS:-"x86-64 x86-64-v3 native"}
out=target/bench/targets
mkdir -p "$out"
[ -x target/release/wasmpi ] && [ -x target/release/wasmpirun ] || cargo build --release --workspace
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); awk "BEGIN { print $t1 - $t0 }"; }
echo "| kernel | build | median s | ratio to native |"
echo "|---|---|---:|---:|"
for kernel in matmul simd_mandel; do
    simd=""
    [[ $kernel == simd_* ]] && simd=-msimd128
    gcc -O2 -march=native -ffp-contract=off -fno-math-errno "benches/kernels/$kernel.c" -o "$out/$kernel.native" -lm
    clang --target=wasm32-wasi --sysroot=/usr -O2 $simd -c "benches/kernels/$kernel.c" -o "$out/$kernel.o"
    clang --target=wasm32-wasi --sysroot=/usr $simd -Wl,--strip-debug "$out/$kernel.o" -o "$out/$kernel.wasm" -lm
    for cpu in $CPUS; do
        target/release/wasmpi compile --cpu "$cpu" "$out/$kernel.wasm" -o "$out/$kernel-$cpu.wasmpi" 2>/dev/null
    done
    declare -A times=()
    for run in $(seq "$RUNS"); do
        times[gcc]+="$(seconds "$out/$kernel.native")"$'\n'
        for cpu in $CPUS; do
            times[$cpu]+="$(seconds target/release/wasmpirun "$out/$kernel-$cpu.wasmpi")"$'\n'
        done
    done
    native=$(printf "%s" "${times[gcc]}" | median)
    printf '| %s | native gcc | %.3f | 1.00 |\n' "$kernel" "$native"
    for cpu in $CPUS; do
        t=$(printf '%s' "${times[$cpu]}" | median)
        printf '| %s | wasmpi --cpu %s | %.3f | %.2f |\n' "$kernel" "$cpu" "$t" "$(awk "BEGIN { print $t / $native }")"
    done
    unset times
done

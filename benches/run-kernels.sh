#!/usr/bin/env bash
# Compute-kernel benchmark: wasmpi-compiled wasm vs. the same C built natively.
#
# Usage: benches/run-kernels.sh [KERNEL...]      (default: every benches/kernels/*.c)
#
# For each kernel: build natively (gcc) and to wasm32-wasi (clang + wasi-libc),
# AOT-compile the wasm with `wasmpi compile -o`, check that both print the same
# checksum, then time both, interleaved (native, wasmpi, native, wasmpi, ...) so
# that load from other processes hits both alike. Prints a markdown table with
# the median times, the ratio of the medians, the ratio of the minima, and the
# geometric means of the ratios. Build products go to target/bench/kernels/.
#
# Environment (all optional):
#   RUNS=5           timed runs of each binary (after one untimed checking run)
#   QUICK=1          tiny problem sizes: a smoke test of the script, not a benchmark
#   WASMPI_OPT=-O2   optimization level passed to `wasmpi compile`
#   WASMPI_JOBS=     -j for `wasmpi compile` (default: the compiler's default)
#   NATIVE_CC=gcc    NATIVE_CFLAGS="-O2 -march=native -ffp-contract=off -fno-math-errno"
#   WASM_CC=clang    WASM_CFLAGS="-O2"   (SIMD kernels, simd_*.c, also get -msimd128)
#   WITH_NODE=1      also time the .wasm under Node's WASI (V8), as a reference column
#   BUILD=1          run `cargo build --release` even if the binaries exist
#   OUT=FILE         also write the table to FILE (default target/bench/kernels.md)
#   WASMPI=, WASMPIRUN=  other binaries than target/release/{wasmpi,wasmpirun}
#
# Exit status: 0 if every kernel built, ran and matched; 1 otherwise (the
# table is still printed, failing kernels are listed with their error text).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KDIR=$ROOT/benches/kernels
BDIR=$ROOT/target/bench/kernels
WASMPI=${WASMPI:-$ROOT/target/release/wasmpi}
WASMPIRUN=${WASMPIRUN:-$ROOT/target/release/wasmpirun}
RUNS=${RUNS:-5}
WASMPI_OPT=${WASMPI_OPT:--O2}
NATIVE_CC=${NATIVE_CC:-gcc}
# -ffp-contract=off: gcc fuses a*b+c into FMA by default with -march=native, which
# changes FP results; wasm has no fused multiply-add, so the checksums would differ.
# -fno-math-errno: what clang does for wasm32 anyway (f64.sqrt sets no errno); without
# it gcc guards every sqrt() with a check and a libm call, and native loses ~2x on nbody.
NATIVE_CFLAGS=${NATIVE_CFLAGS:--O2 -march=native -ffp-contract=off -fno-math-errno}
WASM_CC=${WASM_CC:-clang}
WASM_CFLAGS=${WASM_CFLAGS:--O2}
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
OUT=${OUT:-$ROOT/target/bench/kernels.md}

# Tiny sizes for QUICK=1 (argument strings per kernel).
declare -A QUICK_ARGS=(
    [jacobi]="128 20" [matmul]="96" [sort]="20000" [nbody]="20000"
    [sha256]="2" [spmv]="2000 5" [simd_mandel]="64 50"
)

log() { printf '%s\n' "$*" >&2; }
die() { log "run-kernels: $*"; exit 1; }

# --- tools -----------------------------------------------------------------
if [[ ! -x $WASMPI || ! -x $WASMPIRUN || ${BUILD:-0} == 1 ]]; then
    log "building wasmpi and wasmpirun (cargo build --release)..."
    (cd "$ROOT" && cargo build --release -p wasmpi-compiler -p wasmpi-launcher) >&2 \
        || die "cargo build --release failed"
fi
command -v "$NATIVE_CC" >/dev/null || die "$NATIVE_CC not found"
command -v "$WASM_CC" >/dev/null || die "$WASM_CC not found"
if [[ ${WITH_NODE:-0} == 1 ]]; then command -v node >/dev/null || die "WITH_NODE=1 but node not found"; fi
mkdir -p "$BDIR"

# Node's WASI runner, for the optional V8 reference column.
cat >"$BDIR/node-wasi.mjs" <<'EOF'
import { WASI } from 'node:wasi';
import { readFileSync } from 'node:fs';
const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const mod = await WebAssembly.compile(readFileSync(file));
process.exitCode = wasi.start(await WebAssembly.instantiate(mod, wasi.getImportObject()));
EOF

# Build a C file to wasm keeping the `name` section. clang runs binaryen's
# wasm-opt after linking whenever it finds it and -O is given at link time, and
# wasm-opt drops the name section; so compile with -O2 and link without -O.
# --strip-debug drops wasi-libc's DWARF but keeps the function names.
wasm_build() { # SRC OUT EXTRA_CFLAGS...
    local src=$1 out=$2
    shift 2
    # shellcheck disable=SC2086
    "$WASM_CC" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" $WASM_CFLAGS "$@" -c -o "$out.o" "$src" &&
        "$WASM_CC" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" "$@" -Wl,--strip-debug -o "$out" "$out.o" -lm
}

now() { echo "$EPOCHREALTIME"; }
# Time one command (stdout/stderr discarded); prints seconds, or "fail".
time_cmd() {
    local t0 t1
    t0=$(now)
    if "$@" >/dev/null 2>&1; then
        t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
    else
        echo fail
    fi
}
# Node 20 sometimes segfaults after the program has printed its output and
# returned (in its own teardown); such a run counts if the output is right, and
# is reported as "crashed at exit". Prints "SECONDS" or "SECONDS!" (crashed) or "fail".
time_node() { # EXPECTED_OUTPUT ARGS...
    local exp=$1 t0 t1 rc out
    shift
    t0=$(now)
    out=$(node --no-warnings "$BDIR/node-wasi.mjs" "$@" 2>/dev/null)
    rc=$?
    t1=$(now)
    if [[ $out != "$exp" ]]; then echo fail; return; fi
    awk -v a="$t0" -v b="$t1" -v c="$rc" 'BEGIN { printf "%.4f%s\n", b - a, c ? "!" : "" }'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { tr ' ' '\n' | grep -v '^$' | sort -g | head -n1; }

# --- kernels ---------------------------------------------------------------
if (($# > 0)); then
    kernels=("$@")
else
    kernels=()
    for f in "$KDIR"/*.c; do kernels+=("$(basename "$f" .c)"); done
fi

load=$(cut -d' ' -f1-3 /proc/loadavg)
failures=()
rows=()
ratios_med=()
ratios_min=()
scalar_med=() # ratios of the kernels without wasm SIMD (native is scalar C in simd_*)
scalar_min=()
log "wasmpi: $("$WASMPI" --version 2>&1 | head -n1), git $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo '+dirty')"
for k in "${kernels[@]}"; do
    src=$KDIR/$k.c
    [[ -f $src ]] || { failures+=("$k: no such kernel $src"); continue; }
    args=()
    if [[ ${QUICK:-0} == 1 && -n ${QUICK_ARGS[$k]:-} ]]; then read -r -a args <<<"${QUICK_ARGS[$k]}"; fi
    simd=()
    [[ $k == simd_* ]] && simd=(-msimd128)
    log "== $k ${args[*]}"

    # shellcheck disable=SC2086
    if ! err=$("$NATIVE_CC" $NATIVE_CFLAGS -o "$BDIR/$k.native" "$src" -lm 2>&1); then
        failures+=("$k: native build failed: $err"); continue
    fi
    if ! err=$(wasm_build "$src" "$BDIR/$k.wasm" "${simd[@]}" 2>&1); then
        failures+=("$k: wasm build failed: $err"); continue
    fi
    if command -v wasm-objdump >/dev/null && ! wasm-objdump -h "$BDIR/$k.wasm" | grep -q '"name"'; then
        log "   warning: $k.wasm has no name section"
    fi
    t0=$(now)
    # shellcheck disable=SC2086
    if ! err=$("$WASMPI" compile $WASMPI_OPT ${WASMPI_JOBS:+-j "$WASMPI_JOBS"} -o "$BDIR/$k.wasmpi" "$BDIR/$k.wasm" 2>&1); then
        failures+=("$k: wasmpi compile failed: $err"); continue
    fi
    ctime=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
    log "   wasm $(stat -c %s "$BDIR/$k.wasm") B, wasmpi compile ${ctime}s, artifact $(stat -c %s "$BDIR/$k.wasmpi") B"

    # Checking run (also the warm-up).
    exp=$("$BDIR/$k.native" "${args[@]}" 2>&1); st=$?
    if ((st != 0)); then failures+=("$k: native run exited $st: $exp"); continue; fi
    got=$("$WASMPIRUN" "$BDIR/$k.wasmpi" "${args[@]}" 2>&1); st=$?
    if ((st != 0)); then
        failures+=("$k: wasmpirun exited $st: $(head -c 2000 <<<"$got")"); continue
    fi
    if [[ $got != "$exp" ]]; then
        failures+=("$k: checksum mismatch: native \`$exp\` vs wasmpi \`$(head -c 2000 <<<"$got")\`"); continue
    fi
    log "   ok: $exp"
    if [[ ${WITH_NODE:-0} == 1 ]]; then
        got=$(node --no-warnings "$BDIR/node-wasi.mjs" "$BDIR/$k.wasm" "${args[@]}" 2>/dev/null)
        [[ $got == "$exp" ]] || log "   warning: node output differs: $got"
    fi

    tn=() tw=() tv=()
    for ((r = 0; r < RUNS; r++)); do
        tn+=("$(time_cmd "$BDIR/$k.native" "${args[@]}")")
        tw+=("$(time_cmd "$WASMPIRUN" "$BDIR/$k.wasmpi" "${args[@]}")")
        if [[ ${WITH_NODE:-0} == 1 ]]; then
            tv+=("$(time_node "$exp" "$BDIR/$k.wasm" "${args[@]}")")
        fi
    done
    if [[ " ${tn[*]} ${tw[*]} " == *" fail "* ]]; then
        failures+=("$k: a timed run failed (native: ${tn[*]}; wasmpi: ${tw[*]})"); continue
    fi
    log "   native: ${tn[*]}"
    log "   wasmpi: ${tw[*]}"
    [[ ${WITH_NODE:-0} == 1 ]] && log "   node:   ${tv[*]}"
    mn=$(median <<<"${tn[*]}") mw=$(median <<<"${tw[*]}")
    nn=$(minimum <<<"${tn[*]}") nw=$(minimum <<<"${tw[*]}")
    rmed=$(awk -v a="$mw" -v b="$mn" 'BEGIN { printf "%.2f", a / b }')
    rmin=$(awk -v a="$nw" -v b="$nn" 'BEGIN { printf "%.2f", a / b }')
    ratios_med+=("$rmed")
    ratios_min+=("$rmin")
    if [[ $k != simd_* ]]; then scalar_med+=("$rmed"); scalar_min+=("$rmin"); fi
    row="| $k | $mn | $mw | **$rmed** | $rmin |"
    if [[ ${WITH_NODE:-0} == 1 ]]; then
        # Node is only a reference: runs with wrong output are left out, runs that
        # crashed in Node's teardown after the right output are counted and noted.
        ok_tv=$(tr ' ' '\n' <<<"${tv[*]}" | grep -v fail | tr -d '!' | tr '\n' ' ')
        nfail=$(tr ' ' '\n' <<<"${tv[*]}" | grep -c fail)
        ncrash=$(tr ' ' '\n' <<<"${tv[*]}" | grep -c '!')
        if [[ -n ${ok_tv// /} ]]; then
            mv=$(median <<<"$ok_tv")
            note=
            ((ncrash)) && note+=" (node crashed at exit in $ncrash of $RUNS runs)"
            ((nfail)) && note+=" ($nfail of $RUNS runs wrong/failed)"
            row+=" $mv$note | $(awk -v a="$mv" -v b="$mn" 'BEGIN { printf "%.2f", a / b }') |"
        else
            row+=" all runs failed | |"
        fi
    fi
    rows+=("$row")
done

geomean() { awk '{ s = 0; for (i = 1; i <= NF; i++) s += log($i); if (NF) printf "%.2f", exp(s / NF); else print "n/a" }'; }
{
    echo "Kernels: native = \`$NATIVE_CC $NATIVE_CFLAGS\`, wasm = \`$WASM_CC --target=wasm32-wasi $WASM_CFLAGS\` + \`wasmpi compile $WASMPI_OPT\`; median and min of $RUNS interleaved runs; $(nproc) CPUs, load average at start: $load$([[ ${QUICK:-0} == 1 ]] && echo ' (QUICK sizes: not a benchmark)')."
    echo
    if [[ ${WITH_NODE:-0} == 1 ]]; then
        echo "| kernel | native s | wasmpi s | ratio (median) | ratio (min) | node s | node ratio |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
    else
        echo "| kernel | native s | wasmpi s | ratio (median) | ratio (min) |"
        echo "|---|---:|---:|---:|---:|"
    fi
    printf '%s\n' "${rows[@]}"
    echo "| **geometric mean, all** | | | **$(geomean <<<"${ratios_med[*]}")** | $(geomean <<<"${ratios_min[*]}") |"
    echo "| **geometric mean, without simd_\\*** | | | **$(geomean <<<"${scalar_med[*]}")** | $(geomean <<<"${scalar_min[*]}") |"
    if ((${#failures[@]})); then
        echo
        echo "Failed kernels (not in the table or the means):"
        echo
        for f in "${failures[@]}"; do echo "- $f"; done
    fi
} | tee "$OUT"
((${#failures[@]} == 0))

#!/usr/bin/env bash
# Compile throughput and start-up benchmark for wasmpi.
#
# Usage: benches/compile-throughput.sh
#
# 1. Generates a large C program (benches/gen-big.py: NFUNCS functions with loops,
#    switches, integer/double arithmetic, direct and indirect calls), builds it to
#    wasm32-wasi (clang -O2, several MB of wasm) and natively (for a checksum).
# 2. Times `wasmpi compile` of that module at -O2 and -O0, each with -j1 and -j2
#    (wall time, min and median of RUNS), and reports wasm MB/s.
# 3. Checks the compiled big module gives the native checksum (`big.wasmpi run`).
# 4. Start-up: hyperfine of `wasmpirun big.wasmpi` (main returns at once, so this is
#    exec -> load/map artifact -> _start -> exit), of a tiny module likewise, of
#    `wasmpirun big.wasm` through the artifact cache, and of a trivial native binary.
#
# Build products go to target/bench/compile/; the table is also written to
# target/bench/compile.md. The generated C and its wasm are reused while
# gen-big.py and NFUNCS are unchanged (clang takes a minute or two on them).
#
# Environment (all optional):
#   NFUNCS=8000      functions in the generated program (8000: about 6.5 MB of wasm)
#   RUNS=3           timed compiles per configuration
#   JOBS="1 2"       -j values;  OPTS="2 0"  optimization levels
#   STARTUP_RUNS=200 hyperfine runs per start-up command
#   BUILD=1          run `cargo build --release` even if the binaries exist
#   WASMPI=, WASMPIRUN=  other binaries than target/release/{wasmpi,wasmpirun}
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BDIR=$ROOT/target/bench/compile
WASMPI=${WASMPI:-$ROOT/target/release/wasmpi}
WASMPIRUN=${WASMPIRUN:-$ROOT/target/release/wasmpirun}
NFUNCS=${NFUNCS:-8000}
RUNS=${RUNS:-3}
JOBS=${JOBS:-1 2}
OPTS=${OPTS:-2 0}
STARTUP_RUNS=${STARTUP_RUNS:-200}
OUT=${OUT:-$ROOT/target/bench/compile.md}
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
status=0
load=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '%s\n' "$*" >&2; }
die() { log "compile-throughput: $*"; exit 1; }

if [[ ! -x $WASMPI || ! -x $WASMPIRUN || ${BUILD:-0} == 1 ]]; then
    log "building wasmpi and wasmpirun (cargo build --release)..."
    (cd "$ROOT" && cargo build --release -p wasmpi-compiler -p wasmpi-launcher) >&2 \
        || die "cargo build --release failed"
fi
command -v hyperfine >/dev/null || die "hyperfine not found"
command -v jq >/dev/null || die "jq not found"
mkdir -p "$BDIR"

# Compile with -O2 and link without -O so that clang does not run wasm-opt, which
# would drop the name section (see run-kernels.sh); --strip-debug drops libc's DWARF.
wasm_build() { # SRC OUT
    clang --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O2 -w -c -o "$2.o" "$1" &&
        clang --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -Wl,--strip-debug -o "$2" "$2.o"
}

# --- the big module --------------------------------------------------------
big=$BDIR/big-$NFUNCS
stamp="$(sha256sum "$ROOT/benches/gen-big.py" | cut -c1-16) $NFUNCS"
if [[ ! -f $big.wasm || ! -f $big.native || "$(cat "$big.stamp" 2>/dev/null)" != "$stamp" ]]; then
    log "generating $big.c ($NFUNCS functions) and building it (takes a while)..."
    python3 "$ROOT/benches/gen-big.py" "$NFUNCS" >"$big.c" || die "gen-big.py failed"
    t0=$EPOCHREALTIME
    wasm_build "$big.c" "$big.wasm" || die "clang failed on $big.c"
    log "  clang -O2 to wasm: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
    gcc -O1 -w -o "$big.native" "$big.c" || die "gcc failed on $big.c"
    echo "$stamp" >"$big.stamp"
fi
wasm_bytes=$(stat -c %s "$big.wasm")
code_hex=$(wasm-objdump -h "$big.wasm" 2>/dev/null | sed -n 's/.* Code .*(size=\(0x[0-9a-f]*\)).*/\1/p')
code_bytes=${code_hex:+$((code_hex))}
nfun=$(wasm-objdump -h "$big.wasm" 2>/dev/null | awk '/ Code /{ print $NF }')
wasm_mb=$(awk -v b="$wasm_bytes" 'BEGIN { printf "%.2f", b / 1e6 }')
log "big module: $big.wasm, $wasm_bytes bytes (code section ${code_bytes:-?} bytes, ${nfun:-?} functions)"

# Tiny module for the start-up baseline, and a trivial native binary.
printf 'int main(void) { return 0; }\n' >"$BDIR/empty.c"
wasm_build "$BDIR/empty.c" "$BDIR/empty.wasm" || die "clang failed on empty.c"
gcc -O2 -o "$BDIR/true.native" "$BDIR/empty.c" || die "gcc failed on empty.c"

# --- compile throughput ----------------------------------------------------
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { tr ' ' '\n' | grep -v '^$' | sort -g | head -n1; }

rows=()
for o in $OPTS; do
    for j in $JOBS; do
        art=$BDIR/big-O$o-j$j.wasmpi
        ts=() cs=()
        for ((r = 0; r < RUNS; r++)); do
            rm -f "$art"
            # bash's `time`: wall, user and sys seconds of the compile.
            if ! tm=$( { TIMEFORMAT='%3R %3U %3S'; time "$WASMPI" compile -O"$o" -j"$j" -o "$art" "$big.wasm" >/dev/null 2>"$BDIR/err.txt"; } 2>&1 ); then
                err=$(cat "$BDIR/err.txt")
                log "wasmpi compile -O$o -j$j FAILED: $err"
                rows+=("| -O$o | $j | failed: $(head -c 300 <<<"$err" | tr '\n|' '  ') | | | | |")
                status=1
                continue 2
            fi
            read -r wall usr sys <<<"$tm"
            ts+=("$wall")
            cs+=("$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')")
        done
        med=$(median <<<"${ts[*]}") mn=$(minimum <<<"${ts[*]}") cpu=$(median <<<"${cs[*]}")
        log "-O$o -j$j: wall ${ts[*]} s, cpu ${cs[*]} s"
        rows+=("| -O$o | $j | $med | $mn | $cpu | $(awk -v b="$wasm_bytes" -v t="$med" 'BEGIN { printf "%.2f", b / 1e6 / t }') | $(awk -v b="$wasm_bytes" -v t="$cpu" 'BEGIN { printf "%.2f", b / 1e6 / t }') | $(stat -c %s "$art" | awk '{ printf "%.1f", $1 / 1e6 }') |")
    done
done
# One verbose compile for the phase breakdown.
"$WASMPI" compile -O2 -j2 -v -o "$BDIR/big-verbose.wasmpi" "$big.wasm" >"$BDIR/verbose-O2-j2.txt" 2>&1
first_o=${OPTS%% *} first_j=${JOBS%% *}
art=$BDIR/big-O$first_o-j$first_j.wasmpi

# --- correctness of the big module -----------------------------------------
check="not run"
if [[ -f $art ]]; then
    exp=$("$big.native" run 2>&1)
    got=$("$WASMPIRUN" "$art" run 2>&1); st=$?
    if ((st == 0)) && [[ $got == "$exp" ]]; then
        check="ok ($exp)"
    else
        check="FAILED: exit $st, native \`$exp\`, wasmpi \`$(head -c 1000 <<<"$got")\`"
        status=1
    fi
    log "big module checksum: $check"
fi

# --- start-up --------------------------------------------------------------
"$WASMPI" compile -O2 -o "$BDIR/empty.wasmpi" "$BDIR/empty.wasm" >/dev/null 2>&1 || log "wasmpi compile empty.wasm failed"
# Through the cache: compile into a private cache, then run the .wasm.
export WASMPI_CACHE_DIR=$BDIR/cache
rm -rf "$WASMPI_CACHE_DIR"
cache_ok=0
if "$WASMPI" compile -O2 "$big.wasm" >/dev/null 2>&1 && "$WASMPIRUN" "$big.wasm" >/dev/null 2>&1; then cache_ok=1; fi
cmds=("$BDIR/true.native" "$WASMPIRUN $BDIR/empty.wasmpi")
names=("native \`true\` (gcc, dynamic glibc)" "wasmpirun empty.wasmpi ($(stat -c %s "$BDIR/empty.wasm") B wasm)")
if [[ -f $art ]]; then
    cmds+=("$WASMPIRUN $art")
    names+=("wasmpirun big.wasmpi ($wasm_mb MB wasm, $(stat -c %s "$art" | awk '{ printf "%.1f", $1 / 1e6 }') MB artifact)")
fi
if ((cache_ok)); then
    cmds+=("$WASMPIRUN $big.wasm")
    names+=("wasmpirun big.wasm (artifact from the cache)")
fi
for c in "${cmds[@]}"; do
    $c >/dev/null 2>&1 || { log "start-up command failed: $c"; status=1; }
done
hyperfine -N --warmup 20 --runs "$STARTUP_RUNS" --export-json "$BDIR/startup.json" "${cmds[@]}" >"$BDIR/startup.txt" 2>&1 \
    || { log "hyperfine failed: $(tail -n 5 "$BDIR/startup.txt")"; status=1; }
srows=()
native_ms=
for i in "${!cmds[@]}"; do
    read -r mean med mn sd < <(jq -r ".results[$i] | [.mean, .median, .min, .stddev] | map(. * 1000) | @tsv" "$BDIR/startup.json" 2>/dev/null) || continue
    [[ -z $native_ms ]] && native_ms=$med
    srows+=("| ${names[$i]} | $(printf '%.2f' "$med") | $(printf '%.2f' "$mean") ± $(printf '%.2f' "$sd") | $(printf '%.2f' "$mn") | $(awk -v a="$med" -v b="$native_ms" 'BEGIN { printf "%+.2f", a - b }') |")
done

{
    echo "Compile throughput: \`wasmpi compile\` of a generated module, $NFUNCS C functions, $wasm_bytes bytes of wasm (code section ${code_bytes:-?} bytes, ${nfun:-?} functions); $RUNS runs each; $(nproc) CPUs, load average at start: $load."
    echo
    echo "| opt | -j | wall s (median) | wall s (min) | CPU s (user+sys, median) | wasm MB/s (wall) | wasm MB/s per CPU-second | artifact MB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Big module run (\`wasmpirun big.wasmpi run\` vs native): $check"
    echo
    echo "Phases (-O2 -j2 -v):"
    echo
    echo '```'
    cat "$BDIR/verbose-O2-j2.txt"
    echo '```'
    echo
    echo "Start-up, exec to exit of a program whose main returns at once (hyperfine -N, $STARTUP_RUNS runs, ms):"
    echo
    echo "| command | median ms | mean ms | min ms | median - native |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s\n' "${srows[@]}"
} | tee "$OUT"
exit $status

#!/usr/bin/env bash
# Long differential fuzzing run: wasmpi against the wasmi interpreter on wasm-smith modules
# (tests/tests/differential.rs), seed chunk after seed chunk, until a time budget is spent.
#
#   scripts/fuzz-differential.sh                 # one hour from seed 1000000
#   FUZZ_SECONDS=36000 FUZZ_START=5000000 scripts/fuzz-differential.sh
#
# Environment:
#   FUZZ_SECONDS  time budget in seconds (default 3600)
#   FUZZ_START    first seed (default 1000000: above the range `cargo test` checks)
#   FUZZ_CHUNK    seeds per test process (default 50000): a crash loses one chunk's report,
#                 and names the chunk to bisect with WASMPI_DIFF_SEEDS
#   FUZZ_THREADS  worker threads (default 2)
#
# Every chunk's output is kept in target/tmp/differential/chunk-<first seed>.log; a failing
# seed's module is saved as target/tmp/differential/seed-<seed>.wasm. Reproduce one with
#   WASMPI_DIFF_SEED=<seed> cargo test --release -p wasmpi-tests --test differential \
#       bounded_run -- --nocapture
# At the end: seeds checked, time, executions per second, and every failing seed. Exits 1
# if any seed failed.
set -uo pipefail
cd "$(dirname "$0")/.."

budget=${FUZZ_SECONDS:-3600}
seed=${FUZZ_START:-1000000}
chunk=${FUZZ_CHUNK:-50000}
threads=${FUZZ_THREADS:-2}
logs=target/tmp/differential
mkdir -p "$logs"

cargo test --release -p wasmpi-tests --test differential --no-run -j "$threads" || exit 2

first=$seed
started=$(date +%s)
cases=0
failures=()
crashed=()
while :; do
    now=$(date +%s)
    left=$((budget - (now - started)))
    [ "$left" -gt 0 ] || break
    log="$logs/chunk-$seed.log"
    WASMPI_DIFF_SEEDS="$seed..$((seed + chunk))" WASMPI_DIFF_SECONDS="$left" \
        WASMPI_DIFF_THREADS="$threads" \
        cargo test --release -q -p wasmpi-tests --test differential -j "$threads" bounded_run \
        -- --nocapture >"$log" 2>&1
    status=$?
    summary=$(grep -m1 '^differential: seeds' "$log")
    if [ -z "$summary" ]; then
        echo "chunk $seed..$((seed + chunk)): the test process died (status $status); see $log"
        crashed+=("$seed..$((seed + chunk))")
        seed=$((seed + chunk))
        continue
    fi
    echo "$summary"
    done_cases=$(sed -E 's/.*\(([0-9]+) cases\).*/\1/' <<<"$summary")
    cases=$((cases + done_cases))
    while IFS= read -r line; do
        failures+=("$line")
    done < <(grep -E '^seed [0-9]+: (mismatch|panic)' "$log")
    seed=$((seed + done_cases))
    [ "$done_cases" -ge "$chunk" ] || break
done
elapsed=$(( $(date +%s) - started ))
echo
echo "seeds $first..$seed: $cases modules in ${elapsed} s ($(awk "BEGIN { printf \"%.1f\", $cases / ($elapsed > 0 ? $elapsed : 1) }") executions/s)"
echo "${#failures[@]} failing seeds, ${#crashed[@]} crashed chunks"
for f in "${failures[@]}"; do echo "  $f"; done
for c in "${crashed[@]}"; do echo "  crashed chunk: $c"; done
[ "${#failures[@]}" -eq 0 ] && [ "${#crashed[@]}" -eq 0 ]

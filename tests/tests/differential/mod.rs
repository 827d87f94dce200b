//! Differential testing of wasmpi against the `wasmi` interpreter.
//!
//! [`generate`] turns a seed into a module (`wasm-smith`), [`native`] runs it the wasmpi
//! way (compile in-process, load the artifact, instantiate, call), [`reference`] runs it in
//! `wasmi`, and [`oracle`] drives both with the same calls and compares what is observable:
//! results, traps, linear memory and exported globals.
//!
//! Shared by `tests/differential.rs` (bounded run, long runs, regression cases) and the
//! `differential` cargo-fuzz target in `fuzz/`.

#![allow(dead_code)]

pub mod generate;
pub mod native;
pub mod oracle;
pub mod reference;
pub mod value;

//! Fuzz target: the artifact loader. Bytes written to a file must be refused by
//! `Artifact::load` with a clean error, or loaded; never a panic or a crash.
//!
//! The first input byte picks the mode:
//! - odd: the rest of the input is the whole file (ELF parsing, section lookup, header);
//! - even: a real artifact (compiled once from a small module) has the rest of the input
//!   XOR-ed into its encoded metadata and its checksum re-sealed, which reaches what the
//!   checksum normally guards: metadata decoding and validation.

#![no_main]

#[path = "../../tests/tests/robustness/artifact_file.rs"]
mod artifact_file;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use wasmpi_compiler::target::{OptLevel, Target};
use wasmpi_compiler::{compile_module, Options};
use wasmpi_launcher::{Artifact, Error};

const MODULE: &str = r#"
(module
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (elem (i32.const 0) $add $start)
  (global $g (mut i64) (i64.const 40))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $start (global.set $g (i64.const 2)))
  (start $start)
  (data (i32.const 16) "wasmpi"))
"#;

fn template() -> &'static [u8] {
    static TEMPLATE: OnceLock<Vec<u8>> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let wasm = wat::parse_str(MODULE).expect("valid wat");
        let target = Target::native(OptLevel::O2).expect("native target");
        let options = Options {
            jobs: Some(1),
            progress: None,
        };
        compile_module(&wasm, &target, &options)
            .expect("compiles")
            .bytes
    })
}

fn scratch() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("scratch directory"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        rest.to_vec()
    } else {
        let mut bytes = template().to_vec();
        let layout = artifact_file::layout(&bytes).expect("template layout");
        for (byte, x) in bytes[layout.encoded()].iter_mut().zip(rest) {
            *byte ^= x;
        }
        artifact_file::reseal(&mut bytes);
        bytes
    };
    let path = scratch().path().join("input.wasmpi");
    std::fs::write(&path, &bytes).expect("input written");
    match Artifact::load(&path) {
        Ok(_) | Err(Error::Artifact { .. }) => {}
        Err(other) => panic!("unexpected error kind: {other}"),
    }
});

//! Fuzz target: the wasm front end. Any bytes given to `compile_module` must come back as a
//! compiled module or a clean error; a panic (or a crash) is a bug.
//!
//! Seed the corpus with real modules to get past the header quickly, e.g. the `.wasm` files
//! the end-to-end tests build (`target/tmp/wasmpi-tests/build/`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use wasmpi_compiler::target::{OptLevel, Target};
use wasmpi_compiler::{compile_module, Options};

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| Target::native(OptLevel::O2).expect("native target"))
}

fuzz_target!(|data: &[u8]| {
    let options = Options {
        jobs: Some(1),
        progress: None,
    };
    if let Err(error) = compile_module(data, target(), &options) {
        assert!(!format!("{error:#}").is_empty());
    }
});

//! Modules compiled and instantiated in this process through the compiler's and the
//! launcher's libraries, from wat text.

use std::sync::Arc;
use wasmpi_abi::artifact::Metadata;
use wasmpi_compiler::target::{OptLevel, Target};
use wasmpi_compiler::{compile_module, Options};
use wasmpi_launcher::wasi::WasiCtx;
use wasmpi_launcher::{Artifact, Instance};

/// The artifact of `wat_text` compiled for this machine (-O2, one thread), and its metadata.
pub fn compiled(wat_text: &str) -> (Vec<u8>, Metadata) {
    let wasm = wat::parse_str(wat_text).expect("valid wat");
    let target = Target::native(OptLevel::O2).expect("native target");
    let out = compile_module(
        &wasm,
        &target,
        &Options {
            jobs: Some(1),
            progress: None,
        },
    )
    .expect("compiles");
    (out.bytes, out.metadata)
}

/// `bytes` written as `module.wasmpi` in a new temporary directory.
pub fn write_artifact(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("module.wasmpi");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// `wat_text` compiled for this machine and instantiated with WASI host functions.
pub fn instance(wat_text: &str) -> Instance {
    let (bytes, _) = compiled(wat_text);
    let (_dir, path) = write_artifact(&bytes);
    let artifact = Arc::new(Artifact::load(&path).expect("artifact loads"));
    Instance::new(
        artifact,
        &wasmpi_launcher::wasi::host_functions(),
        WasiCtx::default(),
    )
    .expect("instantiates")
}

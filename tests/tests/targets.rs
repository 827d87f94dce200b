//! CPU targets: the same programs compiled for each x86-64 level must behave exactly like
//! the native build. The baseline (`x86-64`, SSE2 only) exercises the rounding and byte
//! shuffle routines wasmpi compiles into artifacts for CPUs without SSE4.1/SSSE3.

use crate::common::*;
use std::process::Command;

#[cfg(target_arch = "x86_64")]
const CPUS: &[&str] = &["x86-64", "x86-64-v2", "x86-64-v3"];
#[cfg(target_arch = "aarch64")]
const CPUS: &[&str] = &["aarch64", "neoverse-n1"];

fn same_as_native_on_every_cpu(name: &str, status: i32) {
    let built = build(name);
    let native_exe = built.native.as_ref().expect("program has a native build");
    let native_out = run(
        &mut native(native_exe, &[], &[]),
        &format!("{name} (native)"),
    );
    assert_eq!(
        native_out.status.code(),
        Some(status),
        "{}",
        native_out.describe()
    );
    let dir = temp_dir("targets");
    for cpu in CPUS.iter().copied().filter(|cpu| {
        wasmpi_abi::cpu::preset_named(cpu)
            .is_some_and(|p| p.features.iter().all(|f| wasmpi_abi::cpu::host_has(f)))
    }) {
        let artifact = dir.path().join(format!("{name}-{cpu}.wasmpi"));
        let mut compile = Command::new(&bins().wasmpi);
        compile
            .args(["compile", "--cpu", cpu])
            .arg(&built.wasm)
            .arg("-o")
            .arg(&artifact);
        let out = run(&mut compile, &format!("wasmpi compile --cpu {cpu} {name}"));
        assert!(out.status.success(), "{}", out.describe());
        let wasm_out = run(
            Command::new(&bins().wasmpirun).arg(&artifact),
            &format!("{name} for {cpu}"),
        );
        assert_same(&format!("{name}-{cpu}"), &native_out, &wasm_out);
    }
}

#[test]
fn float_arithmetic_on_every_cpu_level() {
    same_as_native_on_every_cpu("float_arith", 12);
}

#[test]
fn simd_on_every_cpu_level() {
    same_as_native_on_every_cpu("simd", 20);
}

#[test]
fn integer_arithmetic_on_every_cpu_level() {
    same_as_native_on_every_cpu("int_arith", 11);
}

fn compile_error(args: &[&str]) -> String {
    let built = build("exit_return");
    let mut cmd = Command::new(&bins().wasmpi);
    cmd.arg("compile")
        .args(args)
        .arg(&built.wasm)
        .arg("-o")
        .arg(temp_dir("targets-err").path().join("x.wasmpi"));
    let out = run(&mut cmd, &format!("wasmpi compile {args:?}"));
    assert_eq!(out.status.code(), Some(1), "{}", out.describe());
    assert_eq!(out.stderr_text().lines().count(), 1, "{}", out.describe());
    out.stderr_text()
}

#[test]
fn unknown_cpus_features_and_mismatched_targets_are_refused() {
    let message = compile_error(&["--cpu", "pentium4"]);
    assert!(
        message.contains("unknown CPU `pentium4`") && message.contains("x86-64-v3"),
        "{message}"
    );
    let message = compile_error(&["--cpu", "x86-64-v3+avx1024"]);
    assert!(
        message.contains("unknown x86_64 CPU feature `avx1024`"),
        "{message}"
    );
    let message = compile_error(&["--cpu", "neoverse-v1", "--target", "x86_64-linux"]);
    assert!(
        message.contains("is aarch64, but the target is x86_64"),
        "{message}"
    );
    let message = compile_error(&["--cpu", "x86-64,x86-64-v2"]);
    assert!(message.contains("-o writes one artifact"), "{message}");
}

#[test]
fn cross_compiled_artifacts_record_their_cpu_and_are_refused_here() {
    let built = build("exit_return");
    let dir = temp_dir("targets-cross");
    let foreign = if cfg!(target_arch = "x86_64") {
        "neoverse-v1"
    } else {
        "x86-64-v3"
    };
    let artifact = dir.path().join("foreign.wasmpi");
    let mut compile = Command::new(&bins().wasmpi);
    compile
        .args(["compile", "--cpu", foreign])
        .arg(&built.wasm)
        .arg("-o")
        .arg(&artifact);
    let out = run(&mut compile, "cross compile");
    assert!(out.status.success(), "{}", out.describe());
    let run_out = run(
        Command::new(&bins().wasmpirun).arg(&artifact),
        "run foreign artifact",
    );
    assert_eq!(run_out.status.code(), Some(125), "{}", run_out.describe());
    assert!(
        run_out.stderr_text().contains("compiled for"),
        "{}",
        run_out.describe()
    );
}

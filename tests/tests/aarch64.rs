//! aarch64, for real: programs cross-compiled with `wasmpi compile --target aarch64-linux`
//! run under `qemu-aarch64` with a launcher cross-built for aarch64 and must print exactly
//! what the native x86-64 build prints; traps must report the same kind, function and status.
//! (MPI programs run on aarch64 through the MPI harness: `WASMPI_TEST_ARCH=aarch64`, see
//! common/mpi.rs.)
//!
//! Needs `WASMPI_AARCH64_LAUNCHER` (path of the aarch64 `wasmpirun`, built by
//! scripts/build-aarch64-launcher.sh), qemu-user, and arm64 glibc and MPICH installed through
//! Debian multiarch (scripts/install-deps.sh). Without the variable the tests say so and do
//! nothing.

use crate::common::*;
use std::path::PathBuf;
use std::process::Command;
use wasmpi_abi::trap::TrapKind;

/// Compiles `name` for aarch64 and runs it under qemu with `args`.
fn run_on_aarch64(launcher: &PathBuf, name: &str, args: &[&str]) -> Output {
    let built = build(name);
    let dir = temp_dir("aarch64");
    let artifact = dir.path().join(format!("{name}.wasmpi"));
    let mut compile = Command::new(&bins().wasmpi);
    compile
        .args(["compile", "--target", "aarch64-linux"])
        .arg(&built.wasm)
        .arg("-o")
        .arg(&artifact);
    let out = run(
        &mut compile,
        &format!("wasmpi compile --target aarch64-linux {name}"),
    );
    assert!(out.status.success(), "{}", out.describe());
    let mut cmd = Command::new("qemu-aarch64");
    cmd.arg(launcher).arg(&artifact).args(args);
    run(&mut cmd, &format!("{name} under qemu-aarch64"))
}

#[test]
fn c_programs_print_the_same_on_aarch64() {
    let Some(launcher) = aarch64_launcher() else {
        eprintln!("skipped: {AARCH64_LAUNCHER_ENV} is not set (scripts/test.sh sets it)");
        return;
    };
    for (name, status) in [
        ("int_arith", 11),
        ("float_arith", 12),
        ("float_sat", 13),
        ("memory_growth", 14),
        ("big_alloc", 15),
        ("func_ptr", 16),
        ("control_flow", 17),
        ("simd", 20),
        ("cpp_features", 21),
        ("exit_return", 3),
        ("exit_call", 42),
    ] {
        let built = build(name);
        let native_out = run(
            &mut native(built.native.as_ref().expect("native build"), &[], &[]),
            name,
        );
        assert_eq!(
            native_out.status.code(),
            Some(status),
            "{}",
            native_out.describe()
        );
        let out = run_on_aarch64(&launcher, name, &[]);
        assert_same(&format!("{name}-aarch64"), &native_out, &out);
    }
}

#[test]
fn traps_are_reported_the_same_on_aarch64() {
    let Some(launcher) = aarch64_launcher() else {
        eprintln!("skipped: {AARCH64_LAUNCHER_ENV} is not set (scripts/test.sh sets it)");
        return;
    };
    for (name, kind, function) in [
        ("trap_unreachable", TrapKind::Unreachable, "hit_unreachable"),
        ("trap_oob", TrapKind::MemoryOutOfBounds, "load_far"),
        ("trap_div_zero", TrapKind::IntegerDivisionByZero, "divide"),
        ("trap_overflow", TrapKind::IntegerOverflow, "divide_signed"),
        (
            "trap_null_call",
            TrapKind::IndirectCallToNull,
            "call_through",
        ),
        ("trap_bad_sig", TrapKind::BadSignature, "call_wrong_type"),
        ("trap_stack", TrapKind::StackOverflow, "recurse"),
    ] {
        let out = run_on_aarch64(&launcher, name, &[]);
        assert_eq!(
            out.status.code(),
            Some(kind.exit_status()),
            "{name}\n{}",
            out.describe()
        );
        let prefix = format!(
            "wasmpirun: wasm trap: {} in {function} (+0x",
            kind.description()
        );
        assert!(
            out.stderr_text().lines().any(|l| l.starts_with(&prefix)),
            "{name}\n{}",
            out.describe()
        );
    }
}

//! Programs of `tests/c/` run natively and under wasmpi must behave identically; trap
//! programs must trap with the right message and status; escape attempts from a preopened
//! directory must fail.
//!
//! Needs the `wasmpi` and `wasmpirun` binaries (`cargo build --release --workspace`, then
//! `cargo test --release`), clang with wasi-libc and libc++ for wasm32, and gcc/g++.

use crate::common::*;
use regex::Regex;
use wasmpi_abi::trap::TrapKind;

/// Builds `name`, runs it natively and under wasmpi with the same arguments, and requires
/// the same exit status (`expected_status`), stdout and stderr.
fn same_as_native(name: &str, args: &[&str], expected_status: i32) {
    let built = prepared(name);
    let native_exe = built.native.as_ref().expect("program has a native build");
    let native_out = run(
        &mut native(native_exe, &[], args),
        &format!("{name} (native)"),
    );
    assert_eq!(
        native_out.code(name),
        expected_status,
        "{name}: the NATIVE build exited with an unexpected status: the test program itself is wrong\n{}",
        native_out.describe()
    );
    let wasm_out = run(
        &mut wasmpirun(&built.wasm, &[], &[], args),
        &format!("{name} (wasmpirun)"),
    );
    assert_same(name, &native_out, &wasm_out);
}

#[test]
fn toolchain_works() {
    check_toolchain();
}

#[test]
fn int_arith() {
    same_as_native("int_arith", &[], 11);
}

#[test]
fn float_arith() {
    same_as_native("float_arith", &[], 12);
}

#[test]
fn float_saturating_conversions() {
    same_as_native("float_sat", &[], 13);
}

#[test]
fn memory_growth() {
    same_as_native("memory_growth", &[], 14);
}

#[test]
fn big_alloc_400_mib() {
    same_as_native("big_alloc", &[], 15);
}

#[test]
fn function_pointers() {
    same_as_native("func_ptr", &[], 16);
}

#[test]
fn control_flow() {
    same_as_native("control_flow", &[], 17);
}

#[test]
fn simd128() {
    same_as_native("simd", &[], 20);
}

#[test]
fn cpp_features() {
    same_as_native("cpp_features", &[], 21);
}

#[test]
fn exit_status_returned_from_main() {
    same_as_native("exit_return", &[], 3);
}

#[test]
fn exit_status_from_exit_call() {
    same_as_native("exit_call", &[], 42);
}

#[test]
fn args_and_env() {
    let name = "args_env";
    let built = prepared(name);
    let args = ["one", "two words", "", "héllo wörld ✓", "--flag=x", "-"];
    let envs = [
        ("WASMPI_TEST_GREETING", "hello, world"),
        ("WASMPI_TEST_EMPTY", ""),
        ("WASMPI_TEST_EQUALS", "a=b=c"),
    ];
    let native_out = run(
        &mut native(built.native.as_ref().unwrap(), &envs, &args),
        "args_env (native)",
    );
    assert_eq!(
        native_out.code(name),
        19,
        "args_env: native run failed\n{}",
        native_out.describe()
    );
    let mut cmd = wasmpirun(&built.wasm, &[], &envs, &args);
    // Host variables must not leak into the guest: give wasmpirun one that the native run
    // lacks (native runs get exactly `envs`).
    cmd.env("WASMPI_TEST_HOST_ONLY", "leaked");
    let wasm_out = run(&mut cmd, "args_env (wasmpirun)");
    assert_same(name, &native_out, &wasm_out);
}

#[test]
fn file_io_in_preopened_dir() {
    let name = "file_io";
    let built = prepared(name);
    let native_dir = temp_dir("wasmpi-file-io-native");
    let wasm_dir = temp_dir("wasmpi-file-io-wasm");
    let native_path = native_dir
        .path()
        .to_str()
        .expect("utf-8 temp path")
        .to_string();
    let native_out = run(
        &mut native(built.native.as_ref().unwrap(), &[], &[&native_path]),
        "file_io (native)",
    );
    assert_eq!(
        native_out.code(name),
        18,
        "file_io: native run failed\n{}",
        native_out.describe()
    );
    let preopen = format!("{}::/data", wasm_dir.path().display());
    let wasm_out = run(
        &mut wasmpirun(&built.wasm, &[preopen], &[], &["/data"]),
        "file_io (wasmpirun)",
    );
    assert_same(name, &native_out, &wasm_out);
    assert_eq!(
        describe_tree(wasm_dir.path()),
        describe_tree(native_dir.path()),
        "file_io: the files left in the preopened directory differ from the native run's"
    );
}

/// What escape.c prints when every attempt is denied.
const ESCAPE_EXPECTED: &str = "\
control: inside.txt: OPENED [inside]
relative ../secret: denied
preopen/../secret: denied
preopen/./sub/../../secret: denied
/etc/passwd: denied
/secret: denied
symlink to absolute host path: denied
symlink to ../secret: denied
through symlink to ..: denied
openat(dir, ../secret): denied
openat(dir, /etc/passwd): denied
openat(dir, link_dir/secret): denied
openat(dir, link_rel): denied
stat preopen/../secret: denied
opendir preopen/..: denied
create preopen/../created: denied
create through symlink to ..: denied
rename inside.txt to preopen/../moved: denied
unlink preopen/../secret: denied
mkdir preopen/../newdir: denied
follow a new symlink to ../secret: denied
after chdir: ../secret: denied
after chdir: ../../../secret: denied
";

#[test]
fn escape_attempts_from_preopen_are_denied() {
    let built = prepared("escape");
    let root = temp_dir("wasmpi-escape");
    let outside = root.path();
    let pre = outside.join("pre");
    std::fs::create_dir(&pre).unwrap();
    std::fs::write(outside.join("secret"), "TOPSECRET\n").unwrap();
    std::fs::write(pre.join("inside.txt"), "inside\n").unwrap();
    std::os::unix::fs::symlink(outside.join("secret"), pre.join("link_abs")).unwrap();
    std::os::unix::fs::symlink("../secret", pre.join("link_rel")).unwrap();
    std::os::unix::fs::symlink("..", pre.join("link_dir")).unwrap();

    let preopen = format!("{}::/data", pre.display());
    let out = run(
        &mut wasmpirun(&built.wasm, &[preopen], &[], &["/data"]),
        "escape (wasmpirun)",
    );
    assert_eq!(
        out.stdout_text(),
        ESCAPE_EXPECTED,
        "escape: some attempt was not denied\n{}",
        out.describe()
    );
    assert_eq!(
        out.code("escape"),
        0,
        "escape: unexpected exit status\n{}",
        out.describe()
    );

    // Nothing outside the preopen was created, moved or changed.
    for name in ["created", "created2", "moved", "newdir"] {
        assert!(
            !outside.join(name).exists(),
            "escape: {name} was created outside the preopened directory"
        );
    }
    assert_eq!(
        std::fs::read_to_string(outside.join("secret")).unwrap(),
        "TOPSECRET\n"
    );
    assert_eq!(
        std::fs::read_to_string(pre.join("inside.txt")).unwrap(),
        "inside\n"
    );
}

// ---------------------------------------------------------------------------------------
// Traps

/// Runs trap program `name` and checks: stdout is what it printed before trapping, stderr
/// is exactly one line `wasmpirun: wasm trap: <description> in <function> (+0x<hex>)` and
/// the exit status is the kind's.
fn traps(name: &str, kind: TrapKind, function: &str) {
    let built = prepared(name);
    let out = run(
        &mut wasmpirun(&built.wasm, &[], &[], &[]),
        &format!("{name} (wasmpirun)"),
    );
    let stderr = out.stderr_text();
    let line = stderr.strip_suffix('\n').unwrap_or(&stderr);
    assert!(
        !line.contains('\n') && !line.is_empty(),
        "{name}: stderr must be exactly one line\n{}",
        out.describe()
    );
    let pattern = format!(
        r"^wasmpirun: wasm trap: {} in (\S+) \(\+0x[0-9a-f]+\)$",
        regex::escape(kind.description())
    );
    let re = Regex::new(&pattern).unwrap();
    let caps = re.captures(line).unwrap_or_else(|| {
        panic!(
            "{name}: stderr does not match {pattern:?}\n{}",
            out.describe()
        )
    });
    assert_eq!(
        &caps[1],
        function,
        "{name}: trap reported in the wrong function\n{}",
        out.describe()
    );
    assert_eq!(
        out.stdout_text(),
        "start\n",
        "{name}: stdout before the trap was lost\n{}",
        out.describe()
    );
    assert_eq!(
        out.status.code(),
        Some(kind.exit_status()),
        "{name}: wrong exit status for {kind:?}\n{}",
        out.describe()
    );
}

#[test]
fn trap_unreachable() {
    traps("trap_unreachable", TrapKind::Unreachable, "hit_unreachable");
}

#[test]
fn trap_out_of_bounds_memory() {
    traps("trap_oob", TrapKind::MemoryOutOfBounds, "load_far");
}

#[test]
fn trap_integer_divide_by_zero() {
    traps("trap_div_zero", TrapKind::IntegerDivisionByZero, "divide");
}

#[test]
fn trap_integer_overflow() {
    traps("trap_overflow", TrapKind::IntegerOverflow, "divide_signed");
}

#[test]
fn trap_invalid_conversion_to_integer() {
    traps(
        "trap_conversion",
        TrapKind::BadConversionToInteger,
        "to_int",
    );
}

#[test]
fn trap_indirect_call_to_null() {
    traps(
        "trap_null_call",
        TrapKind::IndirectCallToNull,
        "call_through",
    );
}

#[test]
fn trap_indirect_call_type_mismatch() {
    traps("trap_bad_sig", TrapKind::BadSignature, "call_wrong_type");
}

#[test]
fn trap_indirect_call_table_out_of_bounds() {
    traps("trap_table_oob", TrapKind::TableOutOfBounds, "call_index");
}

#[test]
fn trap_call_stack_exhausted() {
    traps("trap_stack", TrapKind::StackOverflow, "recurse");
}

/// The trap descriptions and exit statuses are part of wasmpirun's interface: pin them, so a
/// change to `abi/src/trap.rs` is a deliberate one.
#[test]
fn trap_descriptions_and_statuses_are_stable() {
    let expected = [
        (TrapKind::StackOverflow, "call stack exhausted", 100),
        (
            TrapKind::MemoryOutOfBounds,
            "out of bounds memory access",
            101,
        ),
        (
            TrapKind::TableOutOfBounds,
            "undefined element: table index out of bounds",
            102,
        ),
        (
            TrapKind::IndirectCallToNull,
            "uninitialized element: indirect call to null",
            103,
        ),
        (TrapKind::BadSignature, "indirect call type mismatch", 104),
        (TrapKind::IntegerOverflow, "integer overflow", 105),
        (
            TrapKind::IntegerDivisionByZero,
            "integer divide by zero",
            106,
        ),
        (
            TrapKind::BadConversionToInteger,
            "invalid conversion to integer",
            107,
        ),
        (TrapKind::Unreachable, "unreachable executed", 108),
        (TrapKind::NullReference, "null reference", 109),
    ];
    assert_eq!(TrapKind::ALL.len(), expected.len());
    for (kind, description, status) in expected {
        assert_eq!(kind.description(), description, "{kind:?}");
        assert_eq!(kind.exit_status(), status, "{kind:?}");
    }
}

/// Every C source in tests/c/ is listed in the harness (and so built and run).
#[test]
fn every_source_is_tested() {
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(sources_dir()).unwrap().flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str());
        if matches!(ext, Some("c") | Some("cpp")) {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            if !PROGRAMS
                .iter()
                .any(|s| s.name == stem && s.source() == path)
            {
                unlisted.push(stem);
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "sources in tests/c/ not listed in PROGRAMS: {unlisted:?}"
    );
}

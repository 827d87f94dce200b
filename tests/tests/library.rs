//! The launcher as a library: compile in-process, instantiate, call exports with typed
//! values, get traps back as values, and refuse artifacts this machine cannot run.

use crate::common::in_process::{compiled, instance, write_artifact};
use std::sync::Arc;
use wasmpi_abi::artifact::{self, Header, Metadata};
use wasmpi_abi::trap::TrapKind;
use wasmpi_compiler::emit;
use wasmpi_launcher::wasi::WasiCtx;
use wasmpi_launcher::{Artifact, Error, Instance, Val};

const MODULE: &str = r#"
(module
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (elem (i32.const 0) $add $twice)
  (type $binop (func (param i32 i32) (result i32)))
  (global $counter (mut i64) (i64.const 40))
  (func $add (export "add") (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $twice (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "dispatch") (param i32 i32 i32) (result i32)
    (call_indirect (type $binop) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "bump") (result i64)
    (global.set $counter (i64.add (global.get $counter) (i64.const 2)))
    (global.get $counter))
  (func (export "mix") (param f32 f64 i64) (result f64 i64 f32)
    (f64.add (f64.promote_f32 (local.get 0)) (local.get 1))
    (i64.mul (local.get 2) (i64.const 3))
    (local.get 0))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (data (i32.const 16) "wasmpi"))
"#;

#[test]
fn calls_exports_with_typed_values() {
    let mut inst = instance(MODULE);
    assert_eq!(
        inst.call("add", &[Val::I32(40), Val::I32(2)]).unwrap(),
        vec![Val::I32(42)]
    );
    assert_eq!(
        inst.call("add", &[Val::I32(i32::MAX), Val::I32(1)])
            .unwrap(),
        vec![Val::I32(i32::MIN)]
    );
    assert_eq!(inst.call("bump", &[]).unwrap(), vec![Val::I64(42)]);
    assert_eq!(inst.call("bump", &[]).unwrap(), vec![Val::I64(44)]);
    let results = inst
        .call(
            "mix",
            &[
                Val::F32(1.5f32.to_bits()),
                Val::F64(2.25f64.to_bits()),
                Val::I64(-7),
            ],
        )
        .unwrap();
    assert_eq!(
        results,
        vec![
            Val::F64(3.75f64.to_bits()),
            Val::I64(-21),
            Val::F32(1.5f32.to_bits())
        ]
    );
    assert_eq!(&inst.memory()[16..22], b"wasmpi");
}

#[test]
fn indirect_calls_check_type_and_bounds() {
    let mut inst = instance(MODULE);
    assert_eq!(
        inst.call("dispatch", &[Val::I32(0), Val::I32(5), Val::I32(6)])
            .unwrap(),
        vec![Val::I32(11)]
    );
    let Err(Error::Trap(trap)) = inst.call("dispatch", &[Val::I32(1), Val::I32(5), Val::I32(6)])
    else {
        panic!("calling $twice as a binop must trap")
    };
    assert_eq!(trap.kind, TrapKind::BadSignature);
    let Err(Error::Trap(trap)) = inst.call("dispatch", &[Val::I32(2), Val::I32(5), Val::I32(6)])
    else {
        panic!("index past the table must trap")
    };
    assert_eq!(trap.kind, TrapKind::TableOutOfBounds);
}

#[test]
fn traps_are_values_and_the_instance_stays_usable() {
    let mut inst = instance(MODULE);
    let Err(Error::Trap(trap)) = inst.call("div", &[Val::I32(1), Val::I32(0)]) else {
        panic!("must trap")
    };
    assert_eq!(trap.kind, TrapKind::IntegerDivisionByZero);
    let Err(Error::Trap(trap)) = inst.call("div", &[Val::I32(i32::MIN), Val::I32(-1)]) else {
        panic!("must trap")
    };
    assert_eq!(trap.kind, TrapKind::IntegerOverflow);
    let Err(Error::Trap(trap)) = inst.call("store", &[Val::I32(65534), Val::I32(1)]) else {
        panic!("must trap")
    };
    assert_eq!(trap.kind, TrapKind::MemoryOutOfBounds);
    let Err(Error::Trap(trap)) = inst.call("deep", &[Val::I32(0)]) else {
        panic!("must trap")
    };
    assert_eq!(trap.kind, TrapKind::StackOverflow);
    assert!(
        trap.to_string()
            .starts_with("wasm trap: call stack exhausted in "),
        "{trap}"
    );
    assert_eq!(
        inst.call("add", &[Val::I32(1), Val::I32(2)]).unwrap(),
        vec![Val::I32(3)]
    );
}

#[test]
fn memory_grows_in_place_up_to_its_maximum() {
    let mut inst = instance(MODULE);
    let base = inst.memory().as_ptr();
    assert_eq!(
        inst.call("grow", &[Val::I32(2)]).unwrap(),
        vec![Val::I32(1)]
    );
    assert_eq!(inst.call("size", &[]).unwrap(), vec![Val::I32(3)]);
    assert_eq!(inst.memory().as_ptr(), base, "memory must never move");
    inst.call("store", &[Val::I32(3 * 65536 - 4), Val::I32(7)])
        .unwrap();
    assert_eq!(
        inst.call("grow", &[Val::I32(2)]).unwrap(),
        vec![Val::I32(-1)],
        "past the maximum of 4 pages"
    );
    let Err(Error::Trap(trap)) =
        inst.call("fill", &[Val::I32(3 * 65536 - 2), Val::I32(0), Val::I32(3)])
    else {
        panic!("memory.fill past the end must trap")
    };
    assert_eq!(trap.kind, TrapKind::MemoryOutOfBounds);
}

#[test]
fn wrong_arguments_and_missing_exports_are_errors() {
    let mut inst = instance(MODULE);
    assert!(matches!(
        inst.call("nope", &[]),
        Err(Error::NoSuchExport(_))
    ));
    assert!(matches!(
        inst.call("add", &[Val::I64(1), Val::I32(2)]),
        Err(Error::Call(_))
    ));
}

#[test]
fn missing_imports_are_all_listed_at_load_time() {
    let (bytes, _) = compiled(
        r#"(module (import "env" "MPI_Bogus" (func (param i32)))
                   (import "env" "other_missing" (func))
                   (func (export "f")))"#,
    );
    let (_dir, path) = write_artifact(&bytes);
    let artifact = Arc::new(Artifact::load(&path).unwrap());
    let Err(Error::Link(message)) = Instance::new(
        artifact,
        &wasmpi_launcher::wasi::host_functions(),
        WasiCtx::default(),
    ) else {
        panic!("instantiation must fail")
    };
    assert!(
        message.contains("env.MPI_Bogus") && message.contains("env.other_missing"),
        "{message}"
    );
}

/// Re-emits an artifact after changing its metadata (with a valid checksum).
fn with_metadata(bytes: &[u8], change: impl FnOnce(&mut Metadata)) -> Vec<u8> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).unwrap();
    let section = |name: &str| file.section_by_name(name).unwrap().data().unwrap().to_vec();
    let meta_section = section(artifact::METADATA_SECTION);
    let (_, encoded) = Header::parse(&meta_section).unwrap();
    let mut metadata = Metadata::decode(encoded).unwrap();
    change(&mut metadata);
    emit::artifact_bytes(
        &metadata,
        &section(artifact::TEXT_SECTION),
        &section(artifact::DATA_SECTION),
        &[],
    )
    .unwrap()
}

fn load_error(bytes: &[u8]) -> String {
    let (_dir, path) = write_artifact(bytes);
    match Artifact::load(&path) {
        Ok(_) => panic!("artifact must be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn artifacts_from_another_version_are_refused() {
    let (bytes, _) = compiled(MODULE);
    let message = load_error(&with_metadata(&bytes, |m| {
        m.compiler_version = "0.0.0-other".into()
    }));
    assert!(
        message.contains("built by wasmpi 0.0.0-other") && message.contains("recompile"),
        "{message}"
    );
}

#[test]
fn artifacts_needing_a_missing_cpu_feature_are_refused_and_name_it() {
    let (bytes, _) = compiled(MODULE);
    let message = load_error(&with_metadata(&bytes, |m| {
        m.cpu_features.push("imaginary-simd".into())
    }));
    assert!(
        message.contains("imaginary-simd") && message.contains("lacks"),
        "{message}"
    );
}

#[test]
fn artifacts_for_another_architecture_are_refused() {
    let (bytes, _) = compiled(MODULE);
    let other = if cfg!(target_arch = "x86_64") {
        "aarch64"
    } else {
        "x86_64"
    };
    let message = load_error(&with_metadata(&bytes, |m| m.arch = other.into()));
    assert!(
        message.contains(&format!("compiled for {other}")),
        "{message}"
    );
}

#[test]
fn foreign_files_and_bad_headers_are_refused() {
    let message = load_error(b"\x7fELF but not really an object");
    assert!(message.contains("damaged ELF file"), "{message}");
    let message = load_error(b"#!/bin/sh\necho not an artifact\n");
    assert!(message.contains("not a wasmpi artifact"), "{message}");
    let (bytes, _) = compiled(MODULE);
    let mut wrong_format = bytes.clone();
    let at = find(&wrong_format, &artifact::MAGIC);
    wrong_format[at + 8] ^= 0xff;
    let message = load_error(&wrong_format);
    assert!(message.contains("format version"), "{message}");
    let mut bad_magic = bytes;
    bad_magic[at] ^= 0xff;
    let message = load_error(&bad_magic);
    assert!(message.contains("not a wasmpi artifact"), "{message}");
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("magic present")
}

#[test]
fn exported_globals_can_be_read() {
    let mut inst = instance(
        r#"(module
             (global (export "counter") (mut i64) (i64.const 40))
             (global (export "half") f32 (f32.const 1.5))
             (func (export "bump") (global.set 0 (i64.add (global.get 0) (i64.const 2)))))"#,
    );
    assert_eq!(inst.global("counter"), Some(Val::I64(40)));
    inst.call("bump", &[]).unwrap();
    assert_eq!(inst.global("counter"), Some(Val::I64(42)));
    assert_eq!(inst.global("half"), Some(Val::F32(1.5f32.to_bits())));
    assert_eq!(inst.global("bump"), None, "a function is not a global");
}

/// A module that hands out function references and calls whatever reference it is given.
const REFS: &str = r#"
(module
  (type $answer (func (result i32)))
  (table $t 1 funcref)
  (func $forty_two (type $answer) (i32.const 42))
  (func $seven (type $answer) (i32.const 7))
  (elem declare func $forty_two $seven)
  (global (export "favourite") funcref (ref.func $seven))
  (func (export "get") (result funcref) (ref.func $forty_two))
  (func (export "call") (param funcref) (result i32)
    (table.set $t (i32.const 0) (local.get 0))
    (call_indirect (type $answer) (i32.const 0))))
"#;

#[test]
fn function_references_are_handles_checked_against_their_instance() {
    let mut first = instance(REFS);
    let mut second = instance(REFS);
    let Val::FuncRef(Some(forty_two)) = first.call("get", &[]).unwrap()[0] else {
        panic!("`get` returns a function reference");
    };
    let Some(Val::FuncRef(Some(seven))) = first.global("favourite") else {
        panic!("`favourite` is a function reference");
    };
    // A handle goes back into wasm, in its own instance and in another live one.
    assert_eq!(
        first
            .call("call", &[Val::FuncRef(Some(forty_two))])
            .unwrap(),
        vec![Val::I32(42)]
    );
    assert_eq!(
        second.call("call", &[Val::FuncRef(Some(seven))]).unwrap(),
        vec![Val::I32(7)]
    );
    // Null is null: the indirect call traps.
    let Err(Error::Trap(trap)) = second.call("call", &[Val::FuncRef(None)]) else {
        panic!("calling a null reference traps");
    };
    assert_eq!(trap.kind, TrapKind::IndirectCallToNull);
    // Once its instance is gone, a handle designates nothing: refused before wasm runs, and
    // host globals refuse it too. (Safe code cannot build a handle from an address at all:
    // see the compile_fail examples on `Val::FuncRef`.)
    drop(first);
    let err = second
        .call("call", &[Val::FuncRef(Some(forty_two))])
        .unwrap_err();
    assert!(
        matches!(&err, Error::Call(m) if m.contains("no longer alive")),
        "{err}"
    );
    let err = wasmpi_launcher::Global::new(Val::FuncRef(Some(seven)), false)
        .err()
        .expect("a dead instance's reference is refused");
    assert!(err.to_string().contains("no longer alive"), "{err}");
}

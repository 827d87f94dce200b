//! The front end and the artifact loader on hostile input, in the normal test suite: a few
//! thousand deterministic random and mutated inputs each (the `compile` and
//! `load_artifact` cargo-fuzz targets in `fuzz/` explore the same properties without end).
//!
//! - `compile_module` must return `Ok` or a clean `Err` for any bytes, never panic.
//! - `Artifact::load` must refuse every damaged artifact with a clean error before any of its
//!   code is mapped; a change it accepts must be one outside what the checksum covers (ELF
//!   symbol and string tables, padding), so the code and data it loads are the original's.
//! - With the checksum re-sealed over damaged metadata, loading must still not panic.

#[path = "robustness/artifact_file.rs"]
mod artifact_file;
#[path = "differential/generate.rs"]
#[allow(dead_code)]
mod generate;

use generate::Rng;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use wasmpi_compiler::target::{OptLevel, Target};
use wasmpi_compiler::{compile_module, Options};
use wasmpi_launcher::{Artifact, Error};

/// Inputs per property (fewer in debug builds, where compilation is far slower).
fn budget(release: usize) -> usize {
    if cfg!(debug_assertions) {
        release / 10
    } else {
        release
    }
}

fn options() -> Options {
    Options {
        jobs: Some(1),
        progress: None,
    }
}

/// One random damage to `bytes`, described. Three times out of four its position is drawn
/// from one of the `hot` ranges (if any) rather than from the whole input: an artifact is
/// mostly alignment padding, which nothing reads.
fn mutate(rng: &mut Rng, bytes: &[u8], hot: &[Range<usize>]) -> (Vec<u8>, String) {
    let mut out = bytes.to_vec();
    let len = out.len().max(1) as u64;
    let position = |rng: &mut Rng| -> usize {
        let range = if !hot.is_empty() && rng.chance(75) {
            hot[rng.below(hot.len() as u64) as usize].clone()
        } else {
            0..len as usize
        };
        range.start + rng.below(range.len().max(1) as u64) as usize
    };
    let what = match rng.below(6) {
        0 => {
            let keep = position(rng);
            out.truncate(keep);
            format!("truncated to {keep} bytes")
        }
        1 | 2 => {
            let flips = 1 + rng.below(4);
            let mut at = Vec::new();
            for _ in 0..flips {
                let pos = position(rng);
                let bit = rng.below(8);
                if let Some(byte) = out.get_mut(pos) {
                    *byte ^= 1 << bit;
                    at.push(format!("{pos}.{bit}"));
                }
            }
            format!("bits flipped at {}", at.join(", "))
        }
        3 => {
            let pos = position(rng);
            let value = [0u8, 0xff, 0x7f, 0x80][rng.below(4) as usize];
            if let Some(byte) = out.get_mut(pos) {
                *byte = value;
            }
            format!("byte {pos} set to {value:#x}")
        }
        4 => {
            let pos = position(rng);
            let value = rng.next_u64() as u8;
            out.insert(pos.min(out.len()), value);
            format!("byte {value:#x} inserted at {pos}")
        }
        _ => {
            let pos = position(rng).min(out.len());
            let n = (1 + rng.below(16) as usize).min(out.len().saturating_sub(pos));
            out.drain(pos..pos + n);
            format!("{n} bytes removed at {pos}")
        }
    };
    (out, what)
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn front_end_returns_ok_or_a_clean_error_for_any_bytes() {
    let target = Target::native(OptLevel::O2).expect("native target");
    let mut rng = Rng::new(0xf00d, 7);
    let mut failures = Vec::new();
    let (mut compiled, mut refused) = (0, 0);
    let mut check =
        |input: &[u8], what: &str| match std::panic::catch_unwind(AssertUnwindSafe(|| {
            compile_module(input, &target, &options())
        })) {
            Ok(Ok(_)) => compiled += 1,
            Ok(Err(e)) => {
                refused += 1;
                assert!(!format!("{e:#}").is_empty(), "{what}: empty error");
            }
            Err(panic) => failures.push(format!("{what}: panicked: {}", panic_message(&*panic))),
        };
    // Random bytes, with and without a valid wasm header.
    for i in 0..budget(1_000) {
        let len = rng.below(200) as usize;
        let mut input: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if i % 2 == 0 {
            input.splice(0..0, *b"\0asm\x01\0\0\0");
        }
        check(&input, &format!("random input {i}"));
    }
    // Valid generated modules, damaged once each.
    for seed in 0..budget(2_000) as u64 {
        let Some(module) = generate::module(seed) else {
            continue;
        };
        let (input, what) = mutate(&mut rng, &module.wasm, &[]);
        check(&input, &format!("module of seed {seed}, {what}"));
    }
    println!("front end: {compiled} compiled, {refused} refused cleanly");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(refused > 0 && compiled > 0);
}

/// A module with every kind of metadata: memory, data, table, elements, globals, exports,
/// traps, a start function.
const MODULE: &str = r#"
(module
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (elem (i32.const 0) $add $start)
  (global $g (mut i64) (i64.const 40))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $start (global.set $g (i64.const 2)))
  (start $start)
  (data (i32.const 16) "wasmpi"))
"#;

fn template() -> Vec<u8> {
    let wasm = wat::parse_str(MODULE).expect("valid wat");
    let target = Target::native(OptLevel::O2).expect("native target");
    compile_module(&wasm, &target, &options())
        .expect("compiles")
        .bytes
}

/// Loads `bytes` through a file; a panic is reported as `Err` too.
fn load(dir: &std::path::Path, bytes: &[u8]) -> std::thread::Result<Result<Artifact, Error>> {
    let path = dir.join("artifact.wasmpi");
    std::fs::write(&path, bytes).expect("artifact written");
    std::panic::catch_unwind(|| Artifact::load(&path))
}

#[test]
fn loader_refuses_damaged_artifacts_before_mapping_code() {
    let original = template();
    let layout = artifact_file::layout(&original).expect("artifact layout");
    let sealed = |bytes: &[u8]| {
        (
            bytes[layout.encoded()].to_vec(),
            bytes[layout.text.clone()].to_vec(),
            bytes[layout.data.clone()].to_vec(),
        )
    };
    let reference = sealed(&original);
    let dir = tempfile::tempdir().expect("scratch directory");
    let mut rng = Rng::new(0xa11f, 8);
    let mut failures = Vec::new();
    let (mut refused, mut harmless) = (0, 0);
    // The ELF header, the sections that matter and the section header table (at the end).
    let hot = [
        0..64,
        layout.meta.clone(),
        layout.text.clone(),
        layout.data.clone(),
        original.len().saturating_sub(1024)..original.len(),
    ];
    let mut inputs: Vec<(Vec<u8>, String)> = (0..budget(3_000))
        .map(|_| mutate(&mut rng, &original, &hot))
        .collect();
    // Every truncation point of the header area, and a spread of others.
    let header_end = layout.meta.start + wasmpi_abi::artifact::HEADER_SIZE;
    for keep in (0..64).chain(layout.meta.start..header_end) {
        inputs.push((
            original[..keep].to_vec(),
            format!("truncated to {keep} bytes"),
        ));
    }
    for (input, what) in inputs {
        if input == original {
            continue;
        }
        match load(dir.path(), &input) {
            Err(panic) => failures.push(format!("{what}: panicked: {}", panic_message(&*panic))),
            Ok(Err(Error::Artifact { why, .. })) => {
                assert!(!why.is_empty());
                refused += 1;
            }
            Ok(Err(other)) => failures.push(format!("{what}: unexpected error kind: {other}")),
            Ok(Ok(artifact)) => {
                // Accepted: only bytes outside the checksummed sections may have changed,
                // and the artifact must carry the original code and data.
                let same = artifact_file::layout(&input).map(|l| {
                    (
                        input[l.encoded()].to_vec(),
                        input[l.text.clone()].to_vec(),
                        input[l.data.clone()].to_vec(),
                    )
                });
                if same.as_ref() != Some(&reference)
                    || artifact.text() != reference.1.as_slice()
                    || artifact.data() != reference.2.as_slice()
                {
                    failures.push(format!("{what}: loaded with changed contents"));
                } else if input.len() < original.len() {
                    failures.push(format!("{what}: a truncated artifact loaded"));
                } else {
                    harmless += 1;
                }
            }
        }
    }
    println!("loader: {refused} damaged artifacts refused, {harmless} harmless changes accepted");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(refused > 0);
}

#[test]
fn loader_survives_damaged_metadata_behind_a_valid_checksum() {
    let original = template();
    let layout = artifact_file::layout(&original).expect("artifact layout");
    let encoded = layout.encoded();
    let dir = tempfile::tempdir().expect("scratch directory");
    let mut rng = Rng::new(0x5ea1, 9);
    let mut failures = Vec::new();
    let (mut refused, mut loaded) = (0, 0);
    for i in 0..budget(2_000) {
        let mut input = original.clone();
        // Damage only the encoded metadata, in place, so the layout stays the same.
        for _ in 0..1 + rng.below(3) {
            let pos = encoded.start + rng.below(encoded.len() as u64) as usize;
            input[pos] = match rng.below(3) {
                0 => input[pos] ^ (1 << rng.below(8)),
                1 => 0xff,
                _ => rng.next_u64() as u8,
            };
        }
        assert!(artifact_file::reseal(&mut input));
        match load(dir.path(), &input) {
            Err(panic) => failures.push(format!(
                "metadata mutation {i}: panicked: {}",
                panic_message(&*panic)
            )),
            Ok(Err(_)) => refused += 1,
            Ok(Ok(_)) => loaded += 1,
        }
    }
    println!("loader: {refused} inconsistent metadata refused, {loaded} loaded");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

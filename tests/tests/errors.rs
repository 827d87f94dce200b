//! Error paths of `wasmpi compile` and `wasmpirun` (bad input, corrupt artifacts, an empty
//! cache) and the artifact cache and `-o` artifacts they rely on.
//!
//! Needs the `wasmpi` and `wasmpirun` binaries (`cargo build --release --workspace`, then
//! `cargo test --release`), and clang with wasi-libc for the one valid module used here.

use crate::common::*;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use wasmpi_abi::artifact::{DATA_SECTION, HEADER_SIZE, METADATA_SECTION, TEXT_SECTION};

/// The small valid program used here and what it does.
const APP: &str = "exit_return";
const APP_STATUS: i32 = 3;
const APP_STDOUT: &str = "buffered line 0\nbuffered line 1\nbuffered line 2\n";

/// Sorted names of the entries of `dir`.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `wasmpi compile` on `input` twice, with `-o` and without, each time with an empty
/// cache; both must fail cleanly, mentioning `cause`, and write nothing.
fn compile_must_fail(input: &Path, what: &str, cause: &str) {
    let dir = input.parent().unwrap();
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let before = listing(dir);

    let artifact = dir.join("out.wasmpi");
    let out = wasmpi_compile(input, &cache, &[OsStr::new("-o"), artifact.as_os_str()]);
    assert_fails_cleanly(&out, &format!("wasmpi compile {what} -o out.wasmpi"), cause);
    assert!(
        !artifact.exists(),
        "{what}: an artifact was written to the -o path"
    );
    assert_eq!(
        listing(dir),
        before,
        "{what}: files were left next to the input or output"
    );
    assert_eq!(
        files_under(&cache),
        Vec::<PathBuf>::new(),
        "{what}: files were written into the cache"
    );

    let out = wasmpi_compile(input, &cache, &[]);
    assert_fails_cleanly(&out, &format!("wasmpi compile {what}"), cause);
    assert_eq!(
        listing(dir),
        before,
        "{what}: files were left next to the input"
    );
    assert_eq!(
        files_under(&cache),
        Vec::<PathBuf>::new(),
        "{what}: files were written into the cache"
    );
}

#[test]
fn compile_rejects_truncated_wasm() {
    bins();
    let valid = std::fs::read(build(APP).wasm).unwrap();
    let dir = temp_dir("wasmpi-truncated");
    let input = dir.path().join("truncated.wasm");
    std::fs::write(&input, &valid[..valid.len() / 2]).unwrap();
    compile_must_fail(
        &input,
        "on a truncated module",
        r"unexpected end|end.of.(file|input|data|module|section)|\beof\b|truncat|too short|incomplete|premature",
    );
}

#[test]
fn compile_rejects_non_wasm_file() {
    bins();
    let dir = temp_dir("wasmpi-not-wasm");
    let input = dir.path().join("notes.wasm");
    std::fs::write(&input, "This is a text file,\nnot a WebAssembly module.\n").unwrap();
    compile_must_fail(
        &input,
        "on a text file",
        r"magic|not a (valid )?(web ?assembly|wasm)|invalid (wasm|webassembly|module)|bad header",
    );
}

#[test]
fn compile_rejects_missing_input() {
    bins();
    let dir = temp_dir("wasmpi-missing");
    let input = dir.path().join("absent.wasm");
    compile_must_fail(
        &input,
        "on a missing file",
        r"no such file|not found|does not exist|cannot (open|read)",
    );
}

#[test]
fn run_with_empty_cache_says_to_compile() {
    let built = build(APP);
    let cache = temp_dir("wasmpi-empty-cache");
    let mut cmd = Command::new(&bins().wasmpirun);
    cmd.arg(&built.wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, cache.path());
    let out = run(&mut cmd, "wasmpirun with an empty cache");
    assert_fails_cleanly(
        &out,
        "wasmpirun app.wasm with an empty cache",
        "wasmpi compile",
    );
    assert!(
        out.stdout.is_empty(),
        "the program must not run\n{}",
        out.describe()
    );
}

#[test]
fn compile_fills_the_cache_and_run_uses_it() {
    let built = build(APP);
    let wasm = std::fs::read(&built.wasm).unwrap();
    let cache = temp_dir("wasmpi-cache");

    for attempt in ["first", "second (already cached)"] {
        let out = wasmpi_compile(&built.wasm, cache.path(), &[]);
        assert!(
            out.status.success(),
            "{attempt} wasmpi compile failed\n{}",
            out.describe()
        );
        let files = files_under(cache.path());
        let module_dir =
            wasmpi_abi::cache::module_dir(cache.path(), &wasmpi_abi::cache::wasm_hash(&wasm));
        assert_eq!(
            files.len(),
            1,
            "after the {attempt} compile, the cache must hold one artifact: {files:?}"
        );
        assert_eq!(
            files[0].parent(),
            Some(module_dir.as_path()),
            "artifact not in <cache>/<wasm hash>/"
        );
        assert_eq!(
            files[0].extension(),
            Some(OsStr::new(wasmpi_abi::artifact::EXTENSION)),
            "artifact name {}",
            files[0].display()
        );
    }

    let mut cmd = Command::new(&bins().wasmpirun);
    cmd.arg(&built.wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, cache.path());
    let out = run(&mut cmd, "wasmpirun from the cache");
    assert_eq!(out.status.code(), Some(APP_STATUS), "{}", out.describe());
    assert_eq!(out.stdout_text(), APP_STDOUT, "{}", out.describe());
}

/// Compiles the app with `-o` into `dir`; returns the artifact path.
fn compile_to_file(dir: &Path) -> PathBuf {
    let built = build(APP);
    let artifact = dir.join("app.wasmpi");
    let cache = dir.join("compile-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let out = wasmpi_compile(
        &built.wasm,
        &cache,
        &[OsStr::new("-o"), artifact.as_os_str()],
    );
    assert!(
        out.status.success(),
        "wasmpi compile -o failed\n{}",
        out.describe()
    );
    assert!(
        artifact.is_file(),
        "wasmpi compile -o wrote no file at {}",
        artifact.display()
    );
    artifact
}

/// `wasmpirun <artifact>` with an empty cache.
fn run_artifact(artifact: &Path, what: &str) -> Output {
    let cache = temp_dir("wasmpi-run-cache");
    let mut cmd = Command::new(&bins().wasmpirun);
    cmd.arg(artifact)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, cache.path());
    run(&mut cmd, what)
}

#[test]
fn run_artifact_written_with_o() {
    let dir = temp_dir("wasmpi-artifact");
    let artifact = compile_to_file(dir.path());
    let out = run_artifact(&artifact, "wasmpirun app.wasmpi");
    assert_eq!(out.status.code(), Some(APP_STATUS), "{}", out.describe());
    assert_eq!(out.stdout_text(), APP_STDOUT, "{}", out.describe());
}

/// A section of an ELF64 little-endian file: name, file offset, size.
struct Section {
    name: String,
    offset: usize,
    size: usize,
}

fn elf_sections(bytes: &[u8]) -> Option<Vec<Section>> {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize)
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()) as usize)
    };
    if bytes.get(0..6)? != b"\x7fELF\x02\x01" {
        return None; // not ELF64 little-endian
    }
    let shoff = u64_at(0x28)?;
    let shentsize = u16_at(0x3A)?;
    let shnum = u16_at(0x3C)?;
    let shstrndx = u16_at(0x3E)?;
    let header = |i: usize| shoff + i * shentsize;
    let strtab = u64_at(header(shstrndx) + 24)?;
    let mut out = Vec::new();
    for i in 0..shnum {
        let h = header(i);
        let name_off = strtab + u32_at(h)?;
        let kind = u32_at(h + 4)?;
        let end = bytes.get(name_off..)?.iter().position(|&b| b == 0)?;
        let name = String::from_utf8_lossy(&bytes[name_off..name_off + end]).into_owned();
        if kind == 8 {
            continue; // SHT_NOBITS: nothing in the file
        }
        out.push(Section {
            name,
            offset: u64_at(h + 24)?,
            size: u64_at(h + 32)?,
        });
    }
    Some(out)
}

#[test]
fn corrupt_artifact_is_rejected() {
    let dir = temp_dir("wasmpi-corrupt");
    let artifact = compile_to_file(dir.path());
    let good = std::fs::read(&artifact).unwrap();

    // Where to flip bytes: the middle of the code, of the metadata (past its fixed header)
    // and of the data section; the middle of the file if it cannot be parsed as ELF.
    let mut targets: Vec<(String, usize, usize)> = Vec::new();
    if let Some(sections) = elf_sections(&good) {
        for s in &sections {
            let (start, len) = if s.name == TEXT_SECTION || s.name == DATA_SECTION {
                (s.offset, s.size)
            } else if s.name == METADATA_SECTION && s.size > HEADER_SIZE {
                (s.offset + HEADER_SIZE, s.size - HEADER_SIZE)
            } else {
                continue;
            };
            if len > 0 && start + len <= good.len() {
                targets.push((
                    format!("middle of {}", s.name),
                    start + len / 2,
                    (len / 2).clamp(1, 16),
                ));
            }
        }
    }
    if targets.is_empty() {
        targets.push((
            "middle of the file".to_string(),
            good.len() / 2,
            16.min(good.len() / 2),
        ));
    }

    for (i, (where_, at, len)) in targets.iter().enumerate() {
        let mut bad = good.clone();
        for b in &mut bad[*at..*at + *len] {
            *b ^= 0xFF;
        }
        let path = dir.path().join(format!("corrupt-{i}.wasmpi"));
        std::fs::write(&path, &bad).unwrap();
        let what = format!(
            "wasmpirun on an artifact with {len} bytes flipped in the {where_} (offset {at:#x})"
        );
        let out = run_artifact(&path, &what);
        assert_fails_cleanly(&out, &what, "corrupt");
        assert!(
            out.stdout.is_empty(),
            "{what}: the program ran\n{}",
            out.describe()
        );
    }
}

//! Hostile input: guests probing the edges of their sandbox, adversarial modules, and faults
//! around compilation (a full disk, a cache directory the user cannot read).
//!
//! Each case must be refused with a clear error and leave the host as it was; nothing may
//! crash, hang or leave a partial file. `docs/conformance.md` lists every case with the test
//! that checks it (these and the MPI, WASI and artifact cases elsewhere in `tests/`).

use crate::common::wasm::*;
use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmpi_abi::trap::TrapKind;
use wasmpi_compiler::target::{OptLevel, Target};
use wasmpi_compiler::{compile_module, Options};
use wasmpi_launcher::wasi::WasiCtx;
use wasmpi_launcher::{Artifact, Error, Instance, Val};

// ---------------------------------------------------------------------------------------
// The sandbox's edges, in-process

/// One page of memory that may grow to three, and accesses at arbitrary addresses.
const EDGES: &str = r#"
(module
  (memory (export "memory") 1 3)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load32_past_page") (param i32) (result i32)
    (i32.load offset=0x10000 (local.get 0)))
  (func (export "load64_max_offset") (param i32) (result i64)
    (i64.load offset=0xffffffff (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "store64_max_offset") (param i32)
    (i64.store offset=0xffffffff (local.get 0) (i64.const -1)))
  (func (export "store128") (param i32) (v128.store (local.get 0) (v128.const i64x2 -1 -1)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
"#;

/// A module without a maximum: only the 4 GiB of wasm32 bound it.
const UNBOUNDED: &str = r#"
(module
  (memory 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
"#;

/// Compiles `wat_text` at `opt` and instantiates it with the WASI host functions.
fn instance(wat_text: &str, opt: OptLevel) -> (tempfile::TempDir, Instance) {
    let wasm = wat::parse_str(wat_text).expect("valid wat");
    let target = Target::native(opt).expect("native target");
    let options = Options {
        jobs: Some(1),
        progress: None,
    };
    let bytes = compile_module(&wasm, &target, &options)
        .expect("compiles")
        .bytes;
    let dir = temp_dir("wasmpi-hostile");
    let path = dir.path().join("module.wasmpi");
    std::fs::write(&path, bytes).expect("artifact written");
    let artifact = Arc::new(Artifact::load(&path).expect("artifact loads"));
    let instance = Instance::new(
        artifact,
        &wasmpi_launcher::wasi::host_functions(),
        WasiCtx::default(),
    )
    .expect("instantiates");
    (dir, instance)
}

/// Calls `name` and expects an out-of-bounds trap.
fn assert_oob(instance: &mut Instance, name: &str, args: &[Val]) {
    match instance.call(name, args) {
        Err(Error::Trap(trap)) => assert_eq!(
            trap.kind,
            TrapKind::MemoryOutOfBounds,
            "{name}{args:?}: wrong trap"
        ),
        other => panic!("{name}{args:?}: expected an out-of-bounds trap, got {other:?}"),
    }
}

fn call(instance: &mut Instance, name: &str, args: &[Val]) -> Vec<Val> {
    instance
        .call(name, args)
        .unwrap_or_else(|e| panic!("{name}{args:?}: {e}"))
}

fn i32s(values: &[u32]) -> Vec<Val> {
    values.iter().map(|&v| Val::I32(v as i32)).collect()
}

const PAGE: u32 = 65536;

#[test]
fn accesses_at_and_past_the_end_of_memory_trap_without_touching_it() {
    for opt in [OptLevel::O0, OptLevel::O2] {
        let (_dir, mut m) = instance(EDGES, opt);
        let marker: Vec<u8> = (0..32u8).map(|i| i ^ 0x5a).collect();
        let tail = (PAGE - 32) as usize..PAGE as usize;
        m.memory()[tail.clone()].copy_from_slice(&marker);

        // The last byte and the last word are in bounds; one byte further is not.
        assert_eq!(
            call(&mut m, "load8", &i32s(&[PAGE - 1])),
            [Val::I32(i32::from(marker[31]))]
        );
        call(&mut m, "load32", &i32s(&[PAGE - 4]));
        for address in [PAGE, PAGE - 3, PAGE + 4096, u32::MAX - 3, u32::MAX] {
            assert_oob(&mut m, "load32", &i32s(&[address]));
        }
        // Offsets: past the page with address 0; the largest offset with the largest
        // address reaches 8 GiB, beyond every guard region.
        assert_oob(&mut m, "load32_past_page", &i32s(&[0]));
        for address in [0, 1, PAGE, u32::MAX] {
            assert_oob(&mut m, "load64_max_offset", &i32s(&[address]));
            assert_oob(&mut m, "store64_max_offset", &i32s(&[address]));
        }
        // Stores and bulk operations crossing the end trap before writing anything.
        assert_oob(&mut m, "store32", &i32s(&[PAGE - 2, 0xffff_ffff]));
        assert_oob(&mut m, "store128", &i32s(&[PAGE - 15]));
        assert_oob(&mut m, "fill", &i32s(&[PAGE - 6, 0xaa, 7]));
        assert_oob(&mut m, "fill", &i32s(&[0, 0xaa, u32::MAX]));
        assert_oob(&mut m, "copy", &i32s(&[PAGE - 6, 0, 7]));
        assert_oob(&mut m, "copy", &i32s(&[0, PAGE - 6, 7]));
        assert_oob(&mut m, "copy", &i32s(&[u32::MAX, 0, 2]));
        assert_eq!(&m.memory()[tail], &marker[..], "{opt:?}: memory changed");

        // Growth stops at the declared maximum; the new end is exact.
        assert_eq!(call(&mut m, "grow", &i32s(&[3])), [Val::I32(-1)]);
        assert_eq!(call(&mut m, "grow", &i32s(&[u32::MAX])), [Val::I32(-1)]);
        assert_eq!(call(&mut m, "grow", &i32s(&[2])), [Val::I32(1)]);
        assert_eq!(call(&mut m, "grow", &i32s(&[1])), [Val::I32(-1)]);
        assert_eq!(call(&mut m, "size", &[]), [Val::I32(3)]);
        call(&mut m, "load32", &i32s(&[3 * PAGE - 4]));
        assert_oob(&mut m, "load32", &i32s(&[3 * PAGE - 3]));
        assert_eq!(m.memory().len(), 3 * PAGE as usize);

        let (_dir, mut unbounded) = instance(UNBOUNDED, opt);
        for pages in [PAGE, PAGE + 1, i32::MAX as u32, u32::MAX] {
            assert_eq!(
                call(&mut unbounded, "grow", &i32s(&[pages])),
                [Val::I32(-1)],
                "{opt:?}: memory.grow({pages}) past 4 GiB"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Adversarial modules

/// What `wasmpi compile` must do with an adversarial module.
enum Expect {
    /// Refuse it with an error matching this regex.
    Refused(&'static str),
    /// Compile it.
    Compiled,
}

/// Adversarial modules, each compiled with `-j 2` under a 2 GiB address-space limit: every
/// one must finish well inside the time limit, either refused with a one-line error naming
/// the problem or compiled.
#[test]
fn adversarial_modules_are_refused_or_compiled_in_bounded_time_and_memory() {
    let deep = 100_000;
    let mut nested = [2u8, 0x40].repeat(deep);
    nested.extend(std::iter::repeat_n(0x0b, deep));
    let wat = |text: &str| wat::parse_str(text).expect("valid wat");
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        (
            "a type section claiming 2^32-1 entries",
            module(&[section(1, &[0xff, 0xff, 0xff, 0xff, 0x0f, 0x60, 0, 0])]),
            Expect::Refused("types count exceeds limit"),
        ),
        (
            "a function section claiming 10^8 functions",
            module(&[one_type(), section(3, &[0x80, 0xc2, 0xd7, 0x2f, 0, 0, 0])]),
            Expect::Refused("functions count exceeds limit"),
        ),
        (
            "a function with 2^32-1 locals",
            one_function(&[1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f], &[]),
            Expect::Refused("too many locals"),
        ),
        (
            "a section length past the end of the file",
            module(&[vec![1, 0xff, 0xff, 0x03, 1, 0x60, 0, 0]]),
            Expect::Refused("unexpected end|end-of-file|out of bounds"),
        ),
        (
            "100,000 nested blocks",
            one_function(&[0], &nested),
            Expect::Compiled,
        ),
        (
            "one function of 3,000,000 instructions",
            one_function(&[0], &[0x41, 0, 0x1a].repeat(1_000_000)),
            Expect::Compiled,
        ),
        (
            "200,000 functions",
            many_functions(200_000),
            Expect::Compiled,
        ),
        (
            "shared memory and atomics (threads)",
            wat("(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))"),
            Expect::Refused("threads"),
        ),
        (
            "a 64-bit memory",
            wat("(module (memory i64 1))"),
            Expect::Refused("memory64"),
        ),
        (
            "two memories",
            wat("(module (memory 1) (memory 1))"),
            Expect::Refused("multiple memories"),
        ),
        (
            "a tail call",
            wat("(module (func $f return_call $f))"),
            Expect::Refused("tail call"),
        ),
        (
            "exception handling",
            wat("(module (tag $e) (func (throw $e)))"),
            Expect::Refused("exceptions"),
        ),
        (
            "a GC struct type",
            wat("(module (type (struct)))"),
            Expect::Refused("gc"),
        ),
    ];
    let dir = temp_dir("wasmpi-adversarial");
    for (i, (what, wasm, expect)) in cases.iter().enumerate() {
        let input = dir.path().join(format!("case{i}.wasm"));
        let output = dir.path().join(format!("case{i}.wasmpi"));
        std::fs::write(&input, wasm).unwrap();
        let mut cmd = Command::new("prlimit");
        cmd.arg("--as=2147483648")
            .arg("--")
            .arg(&bins().wasmpi)
            .args(["compile", "-j", "2", "-o"])
            .arg(&output)
            .arg(&input);
        let start = Instant::now();
        let out = run(&mut cmd, what);
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(60),
            "{what}: took {took:?}\n{}",
            out.describe()
        );
        match expect {
            Expect::Refused(cause) => {
                assert_fails_cleanly(&out, what, cause);
                assert!(!output.exists(), "{what}: an artifact was written");
            }
            Expect::Compiled => {
                assert_eq!(out.status.code(), Some(0), "{what}\n{}", out.describe());
                Artifact::load(&output)
                    .unwrap_or_else(|e| panic!("{what}: the artifact does not load: {e}"));
            }
        }
    }
}

/// Segments that do not fit and a start function that traps stop the program before
/// `_start`, with the reason.
#[test]
fn bad_segments_and_a_trapping_start_function_end_instantiation() {
    let cases = [
        (
            r#"(module (memory 1) (data (i32.const 65535) "ab") (func (export "_start")))"#,
            "data segment does not fit in linear memory",
        ),
        (
            r#"(module (table 1 funcref) (elem (i32.const 1) $f) (func $f (export "_start")))"#,
            "element segment does not fit in its table",
        ),
        (
            r#"(module (func $s unreachable) (start $s) (func (export "_start")))"#,
            "unreachable",
        ),
    ];
    let dir = temp_dir("wasmpi-segments");
    let cache = dir.path().join("cache");
    for (i, (text, cause)) in cases.iter().enumerate() {
        let input = dir.path().join(format!("case{i}.wasm"));
        std::fs::write(&input, wat::parse_str(text).unwrap()).unwrap();
        let out = wasmpi_compile(&input, &cache, &[]);
        assert_eq!(out.status.code(), Some(0), "{text}\n{}", out.describe());
        let mut cmd = Command::new(&bins().wasmpirun);
        cmd.arg(&input)
            .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache);
        let out = run(&mut cmd, text);
        assert_fails_cleanly(&out, text, cause);
    }
}

// ---------------------------------------------------------------------------------------
// Faults around the cache

/// A program to compile: big enough (a 20 MiB artifact) to overflow a small disk.
fn big_module(dir: &Path) -> PathBuf {
    let path = dir.join("big.wasm");
    std::fs::write(&path, many_functions(200_000)).unwrap();
    path
}

/// A tmpfs of `size` mounted at `at` (needs root), unmounted when dropped; `None` where
/// mounting is not allowed.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size}"))
            .arg("tmpfs")
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| SmallDisk(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_during_compile_leaves_no_partial_file() {
    let dir = temp_dir("wasmpi-full-disk");
    let input = big_module(dir.path());
    let Some(disk) = SmallDisk::mount(&dir.path().join("disk"), "1m") else {
        assert!(
            !is_root(),
            "mounting a tmpfs failed although running as root"
        );
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    };
    let cache = disk.0.join("cache");
    // An old artifact already in the cache must survive a failed recompile.
    std::fs::create_dir_all(&cache).unwrap();
    let out = wasmpi_compile(&input, &cache, &[]);
    assert_fails_cleanly(
        &out,
        "wasmpi compile into a full cache",
        "no space left on device",
    );
    assert_eq!(
        files_under(&cache),
        Vec::<PathBuf>::new(),
        "a partial file was left in the cache"
    );
    let artifact = disk.0.join("big.wasmpi");
    let out = wasmpi_compile(&input, &cache, &["-o".as_ref(), artifact.as_os_str()]);
    assert_fails_cleanly(
        &out,
        "wasmpi compile -o on a full disk",
        "no space left on device",
    );
    assert_eq!(
        files_under(&disk.0),
        Vec::<PathBuf>::new(),
        "a partial file was left next to the -o path"
    );
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs `program` as user `nobody` (uid and gid 65534, no supplementary groups).
fn as_nobody(program: &Path) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "--",
    ])
    .arg(program);
    cmd
}

#[test]
fn an_unreadable_or_unusable_cache_directory_is_named() {
    if !is_root() {
        eprintln!("skipped: needs root to run as another user");
        return;
    }
    let built = prepared("exit_return");
    let dir = tempfile::Builder::new()
        .prefix("wasmpi-unreadable-")
        .tempdir()
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let wasm = dir.path().join("app.wasm");
    std::fs::copy(&built.wasm, &wasm).unwrap();
    std::fs::set_permissions(&wasm, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cache = dir.path().join("cache");
    let out = wasmpi_compile(&wasm, &cache, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();

    // The binaries must be reachable by nobody: they live under the (world-readable) target.
    let mut run_cmd = as_nobody(&bins().wasmpirun);
    run_cmd
        .arg(&wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache);
    let out = run(&mut run_cmd, "wasmpirun with an unreadable cache");
    assert_fails_cleanly(
        &out,
        "wasmpirun with an unreadable cache",
        "permission denied",
    );
    assert!(
        out.stderr_text().contains(&cache.display().to_string()),
        "the error does not name the cache directory\n{}",
        out.describe()
    );

    let mut compile_cmd = as_nobody(&bins().wasmpi);
    compile_cmd
        .arg("compile")
        .arg(&wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache);
    let out = run(&mut compile_cmd, "wasmpi compile into an unreadable cache");
    assert_fails_cleanly(
        &out,
        "wasmpi compile into an unreadable cache",
        "permission denied",
    );

    // A cache path that is a file.
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    let out = wasmpi_compile(&wasm, &file, &[]);
    assert_fails_cleanly(&out, "wasmpi compile into a file", "not a directory");
    let mut run_cmd = Command::new(&bins().wasmpirun);
    run_cmd
        .arg(&wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, &file);
    let out = run(&mut run_cmd, "wasmpirun with a file as cache");
    assert_fails_cleanly(&out, "wasmpirun with a file as cache", "not a directory");
}

#[test]
fn a_corrupt_cache_entry_is_reported_and_recompiling_replaces_it() {
    let built = build("exit_return");
    let dir = temp_dir("wasmpi-corrupt-cache");
    let cache = dir.path().join("cache");
    let out = wasmpi_compile(&built.wasm, &cache, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let entries = files_under(&cache);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    let good = std::fs::read(entry).unwrap();
    let run_it = || {
        let mut cmd = Command::new(&bins().wasmpirun);
        cmd.arg(&built.wasm)
            .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache);
        run(&mut cmd, "wasmpirun")
    };
    for (what, damaged, cause) in [
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "damaged ELF file|truncated",
        ),
        (
            "bit-flipped",
            {
                use object::{Object, ObjectSection};
                let elf = object::File::parse(&good[..]).expect("an ELF artifact");
                let text = elf
                    .section_by_name(wasmpi_abi::artifact::TEXT_SECTION)
                    .and_then(|s| s.file_range())
                    .expect("a text section");
                let mut bytes = good.clone();
                bytes[(text.0 + text.1 / 2) as usize] ^= 0x10;
                bytes
            },
            "corrupt",
        ),
    ] {
        std::fs::write(entry, &damaged).unwrap();
        let out = run_it();
        assert_fails_cleanly(&out, &format!("a {what} cache entry"), cause);
        assert!(
            out.stderr_text().contains(&entry.display().to_string())
                && out.stderr_text().contains("wasmpi compile"),
            "the error must name the entry and the command to recompile\n{}",
            out.describe()
        );
        let out = wasmpi_compile(&built.wasm, &cache, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", out.describe());
        assert_eq!(
            std::fs::read(entry).unwrap(),
            good,
            "recompiling did not replace it"
        );
        assert_eq!(run_it().code("after recompiling"), 3);
    }
}

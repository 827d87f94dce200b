//! The harness shared by the end-to-end tests.
//!
//! - [`bins`] finds the `wasmpi` and `wasmpirun` binaries (`$WASMPI_BIN_DIR`, else the
//!   `target/<profile>` this test was built into);
//! - [`build`] builds a program of `tests/c/` natively (gcc/g++) and to wasm32-wasi
//!   (clang/clang++ with wasi-libc and libc++), once per test process, into
//!   `target/tmp/wasmpi-tests/build/`, reusing earlier builds of the same source, flags and
//!   compiler;
//! - [`prepared`] also compiles the wasm with `wasmpi compile` into this process's artifact
//!   cache (`$WASMPI_CACHE_DIR`), once per program;
//! - [`run`] runs a command with a timeout and captures its output; [`wasmpirun`] and
//!   [`native`] build the two commands to compare.
//!
//! Everything is safe to call from tests running in parallel threads.

#![allow(dead_code)]

pub mod in_process;
pub mod mpi;
pub mod wasm;

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Debian packages that provide the wasm32-wasi C and C++ toolchain.
pub const WASM_TOOLCHAIN_PACKAGES: &str =
    "clang lld wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32";
/// Debian packages that provide the native toolchain.
pub const NATIVE_TOOLCHAIN_PACKAGES: &str = "gcc g++";

/// Environment variable naming a directory that holds `wasmpi` and `wasmpirun`.
pub const BIN_DIR_ENV: &str = "WASMPI_BIN_DIR";
/// Environment variable overriding the per-command timeout, in seconds.
pub const TIMEOUT_ENV: &str = "WASMPI_TEST_TIMEOUT";

// ---------------------------------------------------------------------------------------
// Locations

/// The workspace root (the parent of this package).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `tests/c/`, where the C and C++ sources live.
pub fn sources_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("c")
}

/// Scratch space for the tests: `target/tmp/wasmpi-tests/`.
pub fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasmpi-tests");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// A fresh temporary directory (removed when dropped).
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("{prefix}-"))
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
}

// ---------------------------------------------------------------------------------------
// The binaries under test

/// Paths of the binaries under test.
#[derive(Clone, Debug)]
pub struct Bins {
    /// The compiler, `wasmpi`.
    pub wasmpi: PathBuf,
    /// The launcher, `wasmpirun`.
    pub wasmpirun: PathBuf,
}

fn exe(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn find_bins() -> Result<Bins, String> {
    let in_dir = |dir: &Path| Bins {
        wasmpi: exe(dir, "wasmpi"),
        wasmpirun: exe(dir, "wasmpirun"),
    };
    let complete = |b: &Bins| b.wasmpi.is_file() && b.wasmpirun.is_file();

    if let Some(dir) = std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        let bins = in_dir(Path::new(&dir));
        return if complete(&bins) {
            Ok(bins)
        } else {
            Err(format!(
                "{BIN_DIR_ENV}={} does not contain both `wasmpi` and `wasmpirun`",
                Path::new(&dir).display()
            ))
        };
    }

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let mut candidates: Vec<PathBuf> = Vec::new();
    // This test executable is target/<profile>/deps/<name>-<hash>: its grandparent is the
    // directory cargo put this profile's binaries in (it follows CARGO_TARGET_DIR, --target).
    if let Ok(me) = std::env::current_exe() {
        if let Some(dir) = me.parent().and_then(Path::parent) {
            if dir.file_name() == Some(OsStr::new(profile)) {
                candidates.push(dir.to_path_buf());
            }
        }
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        candidates.push(PathBuf::from(target).join(profile));
    }
    candidates.push(workspace_root().join("target").join(profile));
    candidates.dedup();

    for dir in &candidates {
        let bins = in_dir(dir);
        if complete(&bins) {
            warn_if_stale(&bins);
            return Ok(bins);
        }
    }
    let looked: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
    let build = if profile == "release" {
        "cargo build --release --workspace"
    } else {
        "cargo build --workspace"
    };
    Err(format!(
        "the wasmpi binaries are missing: no `wasmpi` and `wasmpirun` in {}.\n\
         These tests run the real binaries, which `cargo test` does not build: run `{build}` first \
         (this test was built in {profile} mode), or set {BIN_DIR_ENV} to a directory holding both.\n\
         scripts/test.sh does it all: cargo build --release --workspace && cargo test --release --workspace",
        looked.join(", "),
    ))
}

/// Prints a warning when a binary is older than the sources it is built from: a forgotten
/// `cargo build` would otherwise look like a failing test.
fn warn_if_stale(bins: &Bins) {
    fn newest(dir: &Path) -> Option<std::time::SystemTime> {
        let mut latest = None;
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let path = entry.path();
            let t = if path.is_dir() {
                newest(&path)
            } else if path.extension() == Some(OsStr::new("rs"))
                || path.file_name() == Some(OsStr::new("Cargo.toml"))
            {
                entry.metadata().ok().and_then(|m| m.modified().ok())
            } else {
                None
            };
            latest = latest.max(t);
        }
        latest
    }
    let root = workspace_root();
    let sources = ["abi", "compiler", "launcher"]
        .iter()
        .filter_map(|c| newest(&root.join(c)))
        .max();
    for bin in [&bins.wasmpi, &bins.wasmpirun] {
        let built = std::fs::metadata(bin).and_then(|m| m.modified()).ok();
        if let (Some(built), Some(sources)) = (built, sources) {
            if built < sources {
                eprintln!(
                    "warning: {} is older than the workspace sources; rebuild it (cargo build --release --workspace)",
                    bin.display()
                );
            }
        }
    }
}

/// The binaries under test; panics with instructions when they are missing.
pub fn bins() -> &'static Bins {
    static BINS: OnceLock<Result<Bins, String>> = OnceLock::new();
    match BINS.get_or_init(find_bins) {
        Ok(bins) => bins,
        Err(message) => panic!("{message}"),
    }
}

/// Environment variable naming the launcher cross-built for aarch64
/// (scripts/build-aarch64-launcher.sh builds it, against Debian's arm64 MPICH), which the
/// aarch64 tests run under `qemu-aarch64`.
pub const AARCH64_LAUNCHER_ENV: &str = "WASMPI_AARCH64_LAUNCHER";

/// The aarch64 launcher named by [`AARCH64_LAUNCHER_ENV`], if the variable is set.
pub fn aarch64_launcher() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os(AARCH64_LAUNCHER_ENV)?);
    assert!(
        path.is_file(),
        "{AARCH64_LAUNCHER_ENV}={} does not exist",
        path.display()
    );
    Some(path)
}

// ---------------------------------------------------------------------------------------
// Running commands

/// What a finished command produced.
#[derive(Clone, Debug)]
pub struct Output {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
    /// For MPI jobs, whose `stdout` holds what the ranks printed: what `mpirun` itself wrote
    /// to stdout (MPICH reports a rank's death there).
    pub launcher_stdout: Vec<u8>,
}

impl Output {
    /// The exit code; panics (with the output) if the process was killed by a signal.
    pub fn code(&self, what: &str) -> i32 {
        match self.status.code() {
            Some(code) => code,
            None => panic!(
                "{what}: {}\n{}",
                describe_status(&self.status),
                self.describe()
            ),
        }
    }
    /// stdout as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    /// stderr as text (lossy).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// Status, stdout and stderr, shortened, for failure messages.
    pub fn describe(&self) -> String {
        let launcher = if self.launcher_stdout.is_empty() {
            String::new()
        } else {
            format!(
                "\n--- launcher's stdout ---\n{}",
                shorten(&String::from_utf8_lossy(&self.launcher_stdout), 3000)
            )
        };
        format!(
            "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}{launcher}",
            describe_status(&self.status),
            shorten(&self.stdout_text(), 3000),
            shorten(&self.stderr_text(), 3000)
        )
    }
}

/// "exit status N" or "killed by signal N".
pub fn describe_status(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!(
            "killed by signal {signal}{}",
            if status.core_dumped() {
                " (core dumped)"
            } else {
                ""
            }
        ),
        _ => format!("{status}"),
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n[... {} more bytes]", &text[..cut], text.len() - cut)
}

fn timeout() -> Duration {
    let secs = std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// Runs `cmd` with stdin from /dev/null, capturing stdout and stderr, killing it after the
/// timeout (`$WASMPI_TEST_TIMEOUT` seconds, default 300). Panics if it cannot be started or
/// times out; `what` names it in messages.
pub fn run(cmd: &mut Command, what: &str) -> Output {
    run_watching(cmd, what, |_| false)
}

/// How long a launcher may outlive every process it started before [`run_watching`] ends it.
const STALLED_LAUNCHER_GRACE: Duration = Duration::from_secs(10);

/// [`run`] for a launcher (`mpirun`) whose children are the job's processes: when `stalled`
/// says, for [`STALLED_LAUNCHER_GRACE`] on end, that every child has exited while the
/// launcher lives on, the launcher is killed and the output so far returned, with a note on
/// stderr. Open MPI 4.1's `mpirun` sometimes deadlocks in `PMIx_server_finalize` after an
/// `MPI_Abort`, with every rank already gone; that is not ours to wait 300 s for.
pub fn run_watching(cmd: &mut Command, what: &str, stalled: impl Fn(u32) -> bool) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start {:?}: {e}", cmd.get_program()));
    let mut out_pipe = child.stdout.take().expect("piped stdout");
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let limit = timeout();
    let start = Instant::now();
    let mut stalled_since: Option<Instant> = None;
    let mut note = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if stalled(child.id()) => {
                let since = *stalled_since.get_or_insert_with(Instant::now);
                if since.elapsed() > STALLED_LAUNCHER_GRACE {
                    let _ = child.kill();
                    note = Some(format!(
                        "\n(test harness: every process {:?} started had exited {}s before; \
                         it did not exit and was killed)\n",
                        cmd.get_program(),
                        STALLED_LAUNCHER_GRACE.as_secs()
                    ));
                    match child.wait() {
                        Ok(status) => break status,
                        Err(e) => panic!("{what}: waiting for the process failed: {e}"),
                    }
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                let stdout = out_reader.join().unwrap_or_default();
                let stderr = err_reader.join().unwrap_or_default();
                panic!(
                    "{what}: still running after {}s (set {TIMEOUT_ENV} to wait longer); killed it.\n\
                     command: {cmd:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    limit.as_secs(),
                    shorten(&String::from_utf8_lossy(&stdout), 3000),
                    shorten(&String::from_utf8_lossy(&stderr), 3000)
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("{what}: waiting for the process failed: {e}"),
        }
    };
    let mut stderr = err_reader.join().expect("stderr reader");
    stderr.extend(note.unwrap_or_default().into_bytes());
    Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr,
        launcher_stdout: Vec::new(),
    }
}

/// Whether process `pid` has started children and every one of them has exited (is a zombie
/// it has not reaped). Reads `/proc`; false where that cannot be read.
pub fn all_children_exited(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    let mut children = Vec::new();
    for task in tasks.flatten() {
        if let Ok(list) = std::fs::read_to_string(task.path().join("children")) {
            children.extend(list.split_whitespace().map(str::to_string));
        }
    }
    !children.is_empty()
        && children.iter().all(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // The state follows the parenthesised command name, which may hold spaces.
                stat.rsplit_once(") ")
                    .is_some_and(|(_, rest)| rest.starts_with('Z'))
            })
        })
}

// ---------------------------------------------------------------------------------------
// Building the test programs

/// Source language of a test program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// C, built with clang / gcc.
    C,
    /// C++, built with clang++ and libc++ / g++ and libstdc++.
    Cxx,
}

/// How one program of `tests/c/` is built.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// File stem in `tests/c/`.
    pub name: &'static str,
    /// Language (and so file extension).
    pub lang: Lang,
    /// Extra clang flags for the wasm build (compile and link).
    pub wasm_flags: &'static [&'static str],
    /// Whether a native build exists to compare against.
    pub native: bool,
}

const fn c(name: &'static str) -> Spec {
    Spec {
        name,
        lang: Lang::C,
        wasm_flags: &[],
        native: true,
    }
}
const fn wasm_only(name: &'static str) -> Spec {
    Spec {
        name,
        lang: Lang::C,
        wasm_flags: &[],
        native: false,
    }
}

/// Every program of `tests/c/`.
pub const PROGRAMS: &[Spec] = &[
    c("int_arith"),
    c("float_arith"),
    Spec {
        name: "float_sat",
        lang: Lang::C,
        wasm_flags: &["-mnontrapping-fptoint"],
        native: true,
    },
    c("memory_growth"),
    c("big_alloc"),
    c("func_ptr"),
    c("control_flow"),
    c("file_io"),
    c("args_env"),
    Spec {
        name: "simd",
        lang: Lang::C,
        wasm_flags: &["-msimd128"],
        native: true,
    },
    Spec {
        name: "cpp_features",
        lang: Lang::Cxx,
        wasm_flags: &[],
        native: true,
    },
    c("exit_return"),
    c("exit_call"),
    wasm_only("escape"),
    wasm_only("trap_unreachable"),
    wasm_only("trap_oob"),
    wasm_only("trap_div_zero"),
    wasm_only("trap_overflow"),
    wasm_only("trap_conversion"),
    wasm_only("trap_null_call"),
    wasm_only("trap_bad_sig"),
    wasm_only("trap_table_oob"),
    wasm_only("trap_stack"),
];

/// The build spec of program `name`.
pub fn spec(name: &str) -> Spec {
    *PROGRAMS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no test program named {name}"))
}

impl Spec {
    /// Path of the source file.
    pub fn source(&self) -> PathBuf {
        let ext = match self.lang {
            Lang::C => "c",
            Lang::Cxx => "cpp",
        };
        sources_dir().join(format!("{}.{ext}", self.name))
    }
}

const WASM_TARGET: &[&str] = &["--target=wasm32-wasi", "--sysroot=/usr"];

/// Flags of the wasm compile step (`-c`), besides the spec's own.
fn wasm_compile_flags(lang: Lang) -> Vec<&'static str> {
    let mut flags = WASM_TARGET.to_vec();
    flags.extend(["-O2", "-ffp-contract=off"]);
    if lang == Lang::Cxx {
        flags.extend(["-std=c++17", "-fno-exceptions"]);
    }
    flags
}

/// Flags of the wasm link step. Linking is a separate step without -O on purpose: when
/// optimizing, clang 14 runs binaryen's `wasm-opt` on the linked module if it finds one on
/// PATH, and that drops the "name" section that trap messages need.
fn wasm_link_flags(lang: Lang) -> Vec<&'static str> {
    let mut flags = WASM_TARGET.to_vec();
    if lang == Lang::Cxx {
        flags.push("-fno-exceptions");
    }
    flags
}

fn native_flags(lang: Lang) -> Vec<&'static str> {
    let mut flags = vec!["-O2", "-ffp-contract=off"];
    if lang == Lang::Cxx {
        flags.extend(["-std=c++17", "-fno-exceptions"]);
    }
    flags
}

fn wasm_compiler(lang: Lang) -> &'static str {
    match lang {
        Lang::C => "clang",
        Lang::Cxx => "clang++",
    }
}

fn native_compiler(lang: Lang) -> &'static str {
    match lang {
        Lang::C => "gcc",
        Lang::Cxx => "g++",
    }
}

/// `<tool> --version`, cached: part of the build cache key.
pub fn tool_version(tool: &str) -> Result<String, String> {
    static VERSIONS: Mutex<Vec<(String, Result<String, String>)>> = Mutex::new(Vec::new());
    let mut versions = VERSIONS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, v)) = versions.iter().find(|(t, _)| t == tool) {
        return v.clone();
    }
    let v = match Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(format!(
            "`{tool} --version` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run `{tool}`: {e}")),
    };
    versions.push((tool.to_string(), v.clone()));
    v
}

/// Sizes and modification times of the wasm32-wasi libraries: part of the build cache key,
/// so that upgrading wasi-libc or libc++ rebuilds the modules.
fn sysroot_stamp() -> String {
    let mut stamp = String::new();
    for lib in ["libc.a", "libc++.a", "libc++abi.a", "crt1-command.o"] {
        let path = Path::new("/usr/lib/wasm32-wasi").join(lib);
        if let Ok(meta) = std::fs::metadata(&path) {
            let _ = write!(stamp, "{lib}:{}:{:?};", meta.len(), meta.modified().ok());
        }
    }
    stamp
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs a compiler; on failure returns its command line and stderr.
pub fn compile(tool: &str, args: &[&OsStr]) -> Result<(), String> {
    let mut cmd = Command::new(tool);
    cmd.args(args);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{tool}`: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{tool} {}` failed ({}):\n{}",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            describe_status(&out.status),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Checks once that the wasm32-wasi toolchain (C and C++) and the native one work, by
/// building tiny programs. Panics with the Debian packages to install otherwise.
pub fn check_toolchain() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = CHECKED.get_or_init(|| {
        let dir = work_dir().join(format!("probe-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let c_src = dir.join("probe.c");
        let cxx_src = dir.join("probe.cpp");
        std::fs::write(&c_src, "#include <stdio.h>\n#include <math.h>\nint main(void) { printf(\"%g\\n\", sqrt(2.0)); return 0; }\n")
            .map_err(|e| e.to_string())?;
        std::fs::write(&cxx_src, "#include <string>\n#include <vector>\n#include <cstdio>\nint main() { std::vector<std::string> v{\"a\"}; std::printf(\"%s\\n\", v[0].c_str()); }\n")
            .map_err(|e| e.to_string())?;
        let result = (|| {
            for lang in [Lang::C, Lang::Cxx] {
                let src = if lang == Lang::C { &c_src } else { &cxx_src };
                let obj = dir.join(format!("probe-{lang:?}.o"));
                let wasm = dir.join(format!("probe-{lang:?}.wasm"));
                let mut args: Vec<&OsStr> = wasm_compile_flags(lang).into_iter().map(OsStr::new).collect();
                args.extend([OsStr::new("-c"), src.as_os_str(), OsStr::new("-o"), obj.as_os_str()]);
                let mut link: Vec<&OsStr> = wasm_link_flags(lang).into_iter().map(OsStr::new).collect();
                link.extend([obj.as_os_str(), OsStr::new("-o"), wasm.as_os_str(), OsStr::new("-lm")]);
                compile(wasm_compiler(lang), &args).and_then(|()| compile(wasm_compiler(lang), &link)).map_err(|e| {
                    format!(
                        "the wasm32-wasi {} toolchain does not work: {e}\n\
                         Install the Debian packages {WASM_TOOLCHAIN_PACKAGES} (scripts/install-deps.sh does it).",
                        if lang == Lang::C { "C" } else { "C++" }
                    )
                })?;
                let native = dir.join(format!("probe-{lang:?}"));
                let mut args: Vec<&OsStr> = native_flags(lang).into_iter().map(OsStr::new).collect();
                args.extend([src.as_os_str(), OsStr::new("-o"), native.as_os_str(), OsStr::new("-lm")]);
                compile(native_compiler(lang), &args).map_err(|e| {
                    format!(
                        "the native toolchain does not work: {e}\n\
                         Install the Debian packages {NATIVE_TOOLCHAIN_PACKAGES} (scripts/install-deps.sh does it)."
                    )
                })?;
            }
            Ok(())
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    });
    if let Err(message) = result {
        panic!("{message}");
    }
}

/// A program built natively and to wasm.
#[derive(Clone, Debug)]
pub struct Built {
    /// Its spec.
    pub spec: Spec,
    /// The wasm32-wasi module.
    pub wasm: PathBuf,
    /// The native executable, for programs that have one.
    pub native: Option<PathBuf>,
}

/// Builds `out` with `steps` (each writing the path it is given) unless a build with the
/// same key already exists; writes to temporary names and renames into place, so parallel
/// tests and test processes never see a partial file.
pub fn build_cached(
    out: &Path,
    steps: &dyn Fn(&Path, &Path) -> Result<(), String>,
) -> Result<(), String> {
    if out.is_file() {
        return Ok(());
    }
    let tmp_out = out.with_extension(format!("tmp-{}", unique_suffix()));
    let tmp_obj = out.with_extension(format!("o-{}", unique_suffix()));
    let result = steps(&tmp_out, &tmp_obj).and_then(|()| {
        std::fs::rename(&tmp_out, out)
            .map_err(|e| format!("cannot rename to {}: {e}", out.display()))
    });
    let _ = std::fs::remove_file(&tmp_obj);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_out);
    }
    result
}

fn build_uncached(spec: Spec) -> Result<Built, String> {
    let source = spec.source();
    let text =
        std::fs::read(&source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    let dir = work_dir().join("build");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    // wasm: compile, then link in a separate step (see wasm_link_flags)
    let cc = wasm_compiler(spec.lang);
    let mut compile_flags: Vec<&str> = wasm_compile_flags(spec.lang);
    compile_flags.extend(spec.wasm_flags);
    let mut link_flags: Vec<&str> = wasm_link_flags(spec.lang);
    link_flags.extend(spec.wasm_flags);
    let mut h = DefaultHasher::new();
    (
        cc,
        tool_version(cc)?,
        sysroot_stamp(),
        &compile_flags,
        &link_flags,
        &text,
    )
        .hash(&mut h);
    let wasm = dir.join(format!("{}-{:016x}.wasm", spec.name, h.finish()));
    build_cached(&wasm, &|out, obj| {
        let mut args: Vec<&OsStr> = compile_flags.iter().map(OsStr::new).collect();
        args.extend([
            OsStr::new("-c"),
            source.as_os_str(),
            OsStr::new("-o"),
            obj.as_os_str(),
        ]);
        compile(cc, &args)?;
        let mut args: Vec<&OsStr> = link_flags.iter().map(OsStr::new).collect();
        args.extend([
            obj.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
            OsStr::new("-lm"),
        ]);
        compile(cc, &args)
    })
    .map_err(|e| {
        format!(
            "building the wasm of {}: {e}\n(toolchain: Debian packages {WASM_TOOLCHAIN_PACKAGES})",
            spec.name
        )
    })?;

    let native = if spec.native {
        let cc = native_compiler(spec.lang);
        let flags = native_flags(spec.lang);
        let mut h = DefaultHasher::new();
        (cc, tool_version(cc)?, &flags, &text).hash(&mut h);
        let exe = dir.join(format!("{}-{:016x}.native", spec.name, h.finish()));
        build_cached(&exe, &|out, _obj| {
            let mut args: Vec<&OsStr> = flags.iter().map(OsStr::new).collect();
            args.extend([
                source.as_os_str(),
                OsStr::new("-o"),
                out.as_os_str(),
                OsStr::new("-lm"),
            ]);
            compile(cc, &args)
        })
        .map_err(|e| format!("building {} natively: {e}", spec.name))?;
        Some(exe)
    } else {
        None
    };
    Ok(Built { spec, wasm, native })
}

type Slot<T> = Arc<OnceLock<Result<T, String>>>;

/// One slot per key, initialized once; different keys initialize in parallel.
fn slot<T>(map: &Mutex<HashMap<String, Slot<T>>>, key: &str) -> Slot<T> {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(key.to_string()).or_default().clone()
}

/// Builds program `name` (once per process); panics with the compiler's message on failure.
pub fn build(name: &str) -> Built {
    static BUILDS: OnceLock<Mutex<HashMap<String, Slot<Built>>>> = OnceLock::new();
    check_toolchain();
    let spec = spec(name);
    let slot = slot(BUILDS.get_or_init(Default::default), name);
    match slot.get_or_init(|| build_uncached(spec)) {
        Ok(built) => built.clone(),
        Err(message) => panic!("{message}"),
    }
}

// ---------------------------------------------------------------------------------------
// The artifact cache of this test process

/// This process's artifact cache: `target/tmp/wasmpi-tests/cache-<pid>/`, created empty.
/// Caches left by earlier test processes that have exited are removed.
pub fn run_cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let work = work_dir();
        if let Ok(entries) = std::fs::read_dir(&work) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name
                    .strip_prefix("cache-")
                    .and_then(|p| p.parse::<u32>().ok())
                {
                    if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
            }
        }
        let dir = work.join(format!("cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        dir
    })
}

/// Checks a failed command: a non-zero exit status (not a crash), and exactly one line on
/// stderr that matches `cause` (case-insensitive regex).
pub fn assert_fails_cleanly(out: &Output, what: &str, cause: &str) {
    match out.status.code() {
        Some(0) => panic!("{what}: succeeded but must fail\n{}", out.describe()),
        Some(_) => {}
        None => panic!(
            "{what}: crashed instead of reporting an error\n{}",
            out.describe()
        ),
    }
    let stderr = out.stderr_text();
    let line = stderr.strip_suffix('\n').unwrap_or(&stderr);
    assert!(
        !line.is_empty() && !line.contains('\n'),
        "{what}: the error must be exactly one line on stderr\n{}",
        out.describe()
    );
    let re = regex::Regex::new(&format!("(?i){cause}")).unwrap();
    assert!(
        re.is_match(line),
        "{what}: the error does not mention the cause (/{cause}/i)\n{}",
        out.describe()
    );
}

/// `wasmpi compile <wasm>` into `cache` (as `$WASMPI_CACHE_DIR`).
pub fn wasmpi_compile(wasm: &Path, cache: &Path, extra: &[&OsStr]) -> Output {
    let mut cmd = Command::new(&bins().wasmpi);
    cmd.arg("compile")
        .arg(wasm)
        .args(extra)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, cache);
    run(&mut cmd, &format!("wasmpi compile {}", wasm.display()))
}

/// Program `name`, built, with its wasm compiled into [`run_cache`] (once per process).
pub fn prepared(name: &str) -> Built {
    static COMPILED: OnceLock<Mutex<HashMap<String, Slot<()>>>> = OnceLock::new();
    bins();
    let built = build(name);
    let slot = slot(COMPILED.get_or_init(Default::default), name);
    let result = slot.get_or_init(|| {
        let out = wasmpi_compile(&built.wasm, run_cache(), &[]);
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "`wasmpi compile {}` failed\n{}",
                built.wasm.display(),
                out.describe()
            ))
        }
    });
    if let Err(message) = result {
        panic!("{message}");
    }
    built
}

// ---------------------------------------------------------------------------------------
// The two ways to run a program

/// A `wasmpirun [--dir ..] [--env ..] <wasm> <args>` command using [`run_cache`].
pub fn wasmpirun(wasm: &Path, dirs: &[String], envs: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(&bins().wasmpirun);
    for dir in dirs {
        cmd.arg("--dir").arg(dir);
    }
    for (k, v) in envs {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    cmd.arg(wasm)
        .args(args)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, run_cache());
    cmd
}

/// The native build of a program, with an environment holding exactly `envs`.
pub fn native(exe: &Path, envs: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args(args).env_clear().envs(envs.iter().copied());
    cmd
}

/// Asserts that the wasm run behaved exactly like the native one: same exit status, same
/// stdout, same stderr. On a difference, saves both outputs under
/// `target/tmp/wasmpi-tests/failures/<name>/` and reports the first differing line.
pub fn assert_same(name: &str, native: &Output, wasm: &Output) {
    let native_code = native.code(&format!("{name} (native)"));
    let mut problems = String::new();
    match wasm.status.code() {
        Some(code) if code == native_code => {}
        _ => {
            let _ = writeln!(
                problems,
                "exit status: native {native_code}, wasm {}",
                describe_status(&wasm.status)
            );
        }
    }
    for (stream, n, w) in [
        ("stdout", &native.stdout, &wasm.stdout),
        ("stderr", &native.stderr, &wasm.stderr),
    ] {
        if n != w {
            let _ = writeln!(problems, "{stream} differs: {}", first_difference(n, w));
        }
    }
    if problems.is_empty() {
        return;
    }
    let dir = work_dir().join("failures").join(name);
    let _ = std::fs::create_dir_all(&dir);
    for (file, bytes) in [
        ("native.stdout", &native.stdout),
        ("native.stderr", &native.stderr),
        ("wasm.stdout", &wasm.stdout),
        ("wasm.stderr", &wasm.stderr),
    ] {
        let _ = std::fs::write(dir.join(file), bytes);
    }
    panic!(
        "{name}: the wasm run differs from the native run:\n{problems}full outputs saved in {}\n\
         --- wasm stderr ---\n{}",
        dir.display(),
        shorten(&wasm.stderr_text(), 3000)
    );
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let a_text = String::from_utf8_lossy(a);
    let b_text = String::from_utf8_lossy(b);
    let mut a_lines = a_text.split_inclusive('\n');
    let mut b_lines = b_text.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                let show = |l: Option<&str>| match l {
                    Some(l) => format!("{:?}", shorten(l, 400)),
                    None => "<end of output>".to_string(),
                };
                return format!(
                    "first at line {line}:\n  native: {}\n  wasm:   {}\n  ({} vs {} bytes in all)",
                    show(x),
                    show(y),
                    a.len(),
                    b.len()
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Files

/// Every entry under `root`, sorted, as "path: description" lines (file contents as a
/// length and hash, symlink targets, directories): to compare the effects of two runs.
pub fn describe_tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .display()
                .to_string();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).expect("readlink");
                out.push(format!("{rel}: symlink -> {}", target.display()));
            } else if meta.is_dir() {
                out.push(format!("{rel}: dir"));
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                let mut h = DefaultHasher::new();
                bytes.hash(&mut h);
                out.push(format!(
                    "{rel}: file {} bytes, hash {:016x}",
                    bytes.len(),
                    h.finish()
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// Every file (not directory) under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

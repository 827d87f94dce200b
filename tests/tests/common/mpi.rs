//! Harness for MPI programs (`tests/mpi/*.c`): each is built natively with `mpicc` and to
//! wasm with `wasmpi cc`, run under the host's `mpirun`, and compared. The wasm ranks run
//! on this machine, or on aarch64 under `qemu-aarch64` ([`ARCH_ENV`]).

use super::*;
use std::collections::hash_map::DefaultHasher;
use std::ffi::OsStr;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const MPI_PACKAGES: &str = "libopenmpi-dev openmpi-bin (or libmpich-dev mpich)";

/// Environment variable choosing the MPI the tests run with: `openmpi` (default) or `mpich`.
/// With `mpich`, `WASMPI_BIN_DIR` must point at a `wasmpirun` built against MPICH
/// (`scripts/test.sh` does both runs).
pub const FLAVOR_ENV: &str = "WASMPI_TEST_MPI";

/// Which MPI implementation the tests use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Open MPI, through `mpicc.openmpi`/`mpirun.openmpi`.
    OpenMpi,
    /// MPICH, through `mpicc.mpich`/`mpirun.mpich`.
    Mpich,
}

impl Flavor {
    /// The flavor chosen by [`FLAVOR_ENV`].
    pub fn current() -> Flavor {
        match std::env::var(FLAVOR_ENV).as_deref() {
            Ok("mpich") => Flavor::Mpich,
            Ok("openmpi") | Err(_) => Flavor::OpenMpi,
            Ok(other) => panic!("{FLAVOR_ENV}={other}: expected openmpi or mpich"),
        }
    }

    /// The MPI C compiler wrapper.
    pub fn mpicc(self) -> &'static str {
        match self {
            Flavor::OpenMpi => "mpicc.openmpi",
            Flavor::Mpich => "mpicc.mpich",
        }
    }

    /// The MPI C++ compiler wrapper.
    pub fn mpicxx(self) -> &'static str {
        match self {
            Flavor::OpenMpi => "mpicxx.openmpi",
            Flavor::Mpich => "mpicxx.mpich",
        }
    }

    /// The MPI launcher.
    pub fn mpirun(self) -> &'static str {
        match self {
            Flavor::OpenMpi => "mpirun.openmpi",
            Flavor::Mpich => "mpirun.mpich",
        }
    }
}

/// Environment variable choosing the architecture the wasm ranks run on: unset or `host` for
/// this machine; `aarch64` to run each rank's launcher under `qemu-aarch64` (the launcher
/// named by [`AARCH64_LAUNCHER_ENV`], which links Debian's arm64 MPICH, so only with
/// `WASMPI_TEST_MPI=mpich`). The native builds they are compared with stay this machine's.
pub const ARCH_ENV: &str = "WASMPI_TEST_ARCH";

/// The architecture the wasm ranks run on.
#[derive(Clone, Debug)]
pub enum WasmArch {
    /// This machine's, with the launcher under test.
    Host,
    /// aarch64, with this launcher under `qemu-aarch64`.
    Aarch64(PathBuf),
}

impl WasmArch {
    /// The architecture chosen by [`ARCH_ENV`].
    pub fn current() -> &'static WasmArch {
        static ARCH: OnceLock<WasmArch> = OnceLock::new();
        ARCH.get_or_init(|| match std::env::var(ARCH_ENV).as_deref() {
            Ok("host") | Err(_) => WasmArch::Host,
            Ok("aarch64") => {
                assert_eq!(
                    Flavor::current(),
                    Flavor::Mpich,
                    "{ARCH_ENV}=aarch64 needs {FLAVOR_ENV}=mpich: the aarch64 launcher links arm64 MPICH"
                );
                let launcher = aarch64_launcher().unwrap_or_else(|| {
                    panic!("{ARCH_ENV}=aarch64 needs {AARCH64_LAUNCHER_ENV} (scripts/test.sh sets it)")
                });
                WasmArch::Aarch64(launcher)
            }
            Ok(other) => panic!("{ARCH_ENV}={other}: expected host or aarch64"),
        })
    }

    /// The `wasmpi compile` options that make artifacts for this architecture.
    fn compile_options(&self) -> &'static [&'static str] {
        match self {
            WasmArch::Host => &[],
            WasmArch::Aarch64(_) => &["--target", "aarch64-linux"],
        }
    }

    /// The command that starts the launcher on a rank; its options and the module follow.
    pub fn launcher(&self) -> Vec<&OsStr> {
        match self {
            WasmArch::Host => vec![bins().wasmpirun.as_os_str()],
            WasmArch::Aarch64(launcher) => vec![OsStr::new("qemu-aarch64"), launcher.as_os_str()],
        }
    }
}

/// Rank counts every program runs with.
pub const RANKS: &[u32] = &[1, 2, 4];

/// The source of test program `name`: `tests/mpi/NAME.c`, or `NAME.cpp` for C++.
pub fn source(name: &str) -> PathBuf {
    let dir = workspace_root().join("tests").join("mpi");
    let cxx = dir.join(format!("{name}.cpp"));
    if cxx.is_file() {
        cxx
    } else {
        dir.join(format!("{name}.c"))
    }
}

/// Whether test program source `src` is C++.
fn is_cxx(src: &Path) -> bool {
    src.extension().is_some_and(|e| e == "cpp")
}

/// Where builds of `name` go, keyed by its source, the guest header and the MPI compiler.
pub fn build_path(name: &str, extension: &str) -> (PathBuf, PathBuf) {
    let src = source(name);
    let text = std::fs::read(&src).unwrap_or_else(|e| panic!("cannot read {}: {e}", src.display()));
    let dir = work_dir().join("mpi");
    std::fs::create_dir_all(&dir).unwrap();
    let mut h = DefaultHasher::new();
    (
        &text,
        wasmpi_abi::MPI_H,
        // `mpicc --version` names only the underlying C compiler: the flavor tells builds apart.
        Flavor::current().mpicc(),
        // What `wasmpi cc`/`c++` add to every build.
        wasmpi_compiler::cc::DEFAULT_FEATURES,
        wasmpi_compiler::cc::TLS_MODEL,
        std::fs::read(workspace_root().join("compiler/src/cxxrt.cpp")).unwrap_or_default(),
        tool_version(Flavor::current().mpicc())
            .unwrap_or_else(|e| panic!("{e}\ninstall {MPI_PACKAGES}")),
    )
        .hash(&mut h);
    (
        src,
        dir.join(format!("{name}-{:016x}.{extension}", h.finish())),
    )
}

/// Builds `name` natively with mpicc (cached by content).
pub fn build_native(name: &str) -> PathBuf {
    let (src, native) = build_path(name, "native");
    let compiler = if is_cxx(&src) {
        Flavor::current().mpicxx()
    } else {
        Flavor::current().mpicc()
    };
    build_cached(&native, &|out, _| {
        compile(
            compiler,
            &[
                OsStr::new("-O2"),
                src.as_os_str(),
                OsStr::new("-o"),
                out.as_os_str(),
            ],
        )
    })
    .unwrap_or_else(|e| panic!("building {name} natively: {e}"));
    native
}

/// Builds `name` with `wasmpi cc` (cached by content) and compiles it into the run cache for
/// the architecture the wasm ranks run on.
pub fn build_wasm(name: &str) -> PathBuf {
    let (src, wasm) = build_path(name, "wasm");
    let wasmpi = bins().wasmpi.to_string_lossy().into_owned();
    let driver = if is_cxx(&src) { "c++" } else { "cc" };
    build_cached(&wasm, &|out, _| {
        compile(
            &wasmpi,
            &[
                OsStr::new(driver),
                OsStr::new("-O2"),
                src.as_os_str(),
                OsStr::new("-o"),
                out.as_os_str(),
            ],
        )
    })
    .unwrap_or_else(|e| panic!("building {name} with wasmpi cc: {e}"));
    let options: Vec<&OsStr> = WasmArch::current()
        .compile_options()
        .iter()
        .map(OsStr::new)
        .collect();
    let compiled = wasmpi_compile(&wasm, run_cache(), &options);
    assert!(
        compiled.status.success(),
        "wasmpi compile {name}: {}",
        compiled.describe()
    );
    wasm
}

/// `mpirun -np ranks [extra] program args`; with `stdout_dir`, each rank's stdout is also
/// written to a file of its own there (see [`rank_stdout`]).
pub fn mpirun(
    ranks: u32,
    extra: &[&str],
    program: &[&OsStr],
    stdout_dir: Option<&Path>,
) -> Command {
    let flavor = Flavor::current();
    let mut cmd = Command::new(flavor.mpirun());
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, run_cache());
    if flavor == Flavor::OpenMpi {
        cmd.args(["--oversubscribe", "--bind-to", "none"]);
    }
    if let WasmArch::Aarch64(_) = WasmArch::current() {
        // Under qemu-user, arm64 MPICH's UCX TCP transport hangs now and then (native aarch64
        // MPICH programs too); its shared-memory transports do not.
        cmd.env("UCX_TLS", "self,sm");
    }
    if let Some(dir) = stdout_dir {
        match flavor {
            Flavor::OpenMpi => cmd.arg("--output-filename").arg(dir),
            Flavor::Mpich => cmd.arg("-outfile-pattern").arg(dir.join("stdout.%r")),
        };
    }
    cmd.args(["-np", &ranks.to_string()])
        .args(extra)
        .args(program);
    cmd
}

/// What rank `rank` wrote to stdout, from the files `mpirun(.., Some(dir))` made.
fn rank_stdout(dir: &Path, rank: u32) -> Vec<u8> {
    match Flavor::current() {
        Flavor::Mpich => std::fs::read(dir.join(format!("stdout.{rank}"))).unwrap_or_default(),
        // Open MPI: <dir>/<job>/rank.<rank>/stdout
        Flavor::OpenMpi => std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .find_map(|job| {
                std::fs::read(job.path().join(format!("rank.{rank}")).join("stdout")).ok()
            })
            .unwrap_or_default(),
    }
}

/// Runs `program` under mpirun on `ranks` ranks. Each rank's stdout is written to a file of
/// its own and the files are concatenated in rank order: both launchers forward ranks' output
/// in chunks that can split a line when several ranks print at once. Stderr is as forwarded.
pub fn run_mpi(ranks: u32, extra: &[&str], program: &[&OsStr], what: &str) -> Output {
    let dir = temp_dir("mpi-stdout");
    let mut out = run_watching(
        &mut mpirun(ranks, extra, program, Some(dir.path())),
        what,
        all_children_exited,
    );
    out.launcher_stdout = std::mem::replace(
        &mut out.stdout,
        (0..ranks)
            .flat_map(|rank| rank_stdout(dir.path(), rank))
            .collect(),
    );
    out
}

pub fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// Runs `name` natively and as wasm on `ranks` ranks with extra `mpirun` arguments, asserting
/// the same output and status.
pub fn run_both(name: &str, ranks: u32, extra: &[&str]) {
    run_both_with(name, ranks, extra, false);
}

/// Runs `name` natively and as wasm on every rank count, and over TCP only on 2 ranks (the
/// network path), asserting the same output and status.
pub fn same_as_native(name: &str) {
    for &ranks in RANKS {
        run_both(name, ranks, &[]);
    }
    if Flavor::current() == Flavor::OpenMpi {
        run_both(name, 2, &["--mca", "btl", "self,tcp"]);
    }
}

/// Runs the wasm build of `name` with `args` on `ranks` ranks.
pub fn run_wasm(name: &str, ranks: u32, args: &[&str]) -> Output {
    let wasm = build_wasm(name);
    let mut program = WasmArch::current().launcher();
    program.push(wasm.as_os_str());
    program.extend(args.iter().map(OsStr::new));
    run_mpi(
        ranks,
        &[],
        &program,
        &format!("{name} {args:?} on {ranks} ranks"),
    )
}

/// Runs the wasm build of `name` on `ranks` ranks, with `wasmpirun_args` before the program
/// (e.g. `--dir HOST::GUEST`) and `args` after it.
pub fn run_wasm_with(name: &str, ranks: u32, wasmpirun_args: &[&str], args: &[&str]) -> Output {
    let wasm = build_wasm(name);
    let mut program = WasmArch::current().launcher();
    program.extend(wasmpirun_args.iter().map(OsStr::new));
    program.push(wasm.as_os_str());
    program.extend(args.iter().map(OsStr::new));
    run_mpi(
        ranks,
        &[],
        &program,
        &format!("{name} {wasmpirun_args:?} {args:?} on {ranks} ranks"),
    )
}

/// The files of `dir` (names and contents), sorted, for comparing two runs' results.
pub fn dir_contents(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap_or_default();
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Like [`run_both`] with extra `mpirun` arguments; with `with_dir`, the program gets a fresh
/// directory as argv[1] (natively its host path; in wasm `/data`, preopened with
/// `--dir <dir>::/data`), and both runs must leave the same files there.
pub fn run_both_with(name: &str, ranks: u32, extra: &[&str], with_dir: bool) {
    let (native, wasm) = (build_native(name), build_wasm(name));
    let what = format!("{name} on {ranks} ranks {extra:?}");
    let dirs = with_dir.then(|| (temp_dir(name), temp_dir(name)));
    let dir_spec = dirs
        .as_ref()
        .map(|(_, w)| format!("{}::/data", w.path().display()));
    let mut native_program = vec![native.as_os_str()];
    let mut wasm_program = WasmArch::current().launcher();
    if let (Some((n, _)), Some(spec)) = (&dirs, &dir_spec) {
        native_program.push(n.path().as_os_str());
        wasm_program.extend([OsStr::new("--dir"), OsStr::new(spec)]);
    }
    wasm_program.push(wasm.as_os_str());
    if with_dir {
        wasm_program.push(OsStr::new("/data"));
    }
    let native_out = run_mpi(ranks, extra, &native_program, &format!("{what} (native)"));
    let wasm_out = run_mpi(ranks, extra, &wasm_program, &format!("{what} (wasm)"));
    assert_eq!(
        native_out.status.code(),
        Some(0),
        "{what}: native run failed\n{}",
        native_out.describe()
    );
    assert_eq!(
        wasm_out.status.code(),
        native_out.status.code(),
        "{what}: exit status differs\n{}",
        wasm_out.describe()
    );
    assert_eq!(
        sorted_lines(&wasm_out.stdout_text()),
        sorted_lines(&native_out.stdout_text()),
        "{what}: output differs\n--- wasm:\n{}\n--- native:\n{}",
        wasm_out.stdout_text(),
        native_out.stdout_text()
    );
    assert!(
        !wasm_out.stdout_text().is_empty(),
        "{what}: printed nothing"
    );
    if let Some((n, w)) = &dirs {
        let (native_files, wasm_files) = (dir_contents(n.path()), dir_contents(w.path()));
        assert!(!native_files.is_empty(), "{what}: no file left behind");
        assert!(
            wasm_files == native_files,
            "{what}: files differ: wasm left {:?}, native {:?}",
            wasm_files.iter().map(|f| &f.0).collect::<Vec<_>>(),
            native_files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
    }
}

/// [`same_as_native`] for a program working on files in the directory given as argv[1]
/// (see [`run_both_with`]).
pub fn same_as_native_with_dir(name: &str) {
    for &ranks in RANKS {
        run_both_with(name, ranks, &[], true);
    }
    if Flavor::current() == Flavor::OpenMpi {
        run_both_with(name, 2, &["--mca", "btl", "self,tcp"], true);
    }
}

/// [`same_as_native`] for one-sided communication. Open MPI 4.1's default RMA component
/// (osc/rdma) needs a transport that reaches every peer with RDMA: it refuses windows on one
/// rank (BTL `self` only) and over `self,tcp`, where osc/pt2pt (RMA over messages) is used
/// instead; on 2 and 4 ranks the default runs (shared memory, direct access to the target's
/// window).
pub fn same_as_native_rma(name: &str) {
    let open_mpi = Flavor::current() == Flavor::OpenMpi;
    let pt2pt: &[&str] = if open_mpi {
        &["--mca", "osc", "pt2pt"]
    } else {
        &[]
    };
    run_both_with(name, 1, pt2pt, false);
    run_both_with(name, 2, &[], false);
    run_both_with(name, 4, &[], false);
    if open_mpi {
        run_both_with(
            name,
            2,
            &["--mca", "btl", "self,tcp", "--mca", "osc", "pt2pt"],
            false,
        );
    }
}

/// Asserts that an MPI job was aborted: a non-zero exit status, a line of the launcher's
/// report (stderr, or for MPICH `mpirun`'s own stdout) for which `names_cause` holds, and no
/// rank printing `unreachable` (what test programs print after the call that must end them).
pub fn assert_job_aborted(out: &Output, names_cause: impl Fn(&str) -> bool) {
    assert_ne!(out.status.code(), Some(0), "{}", out.describe());
    let report = format!(
        "{}{}",
        out.stderr_text(),
        String::from_utf8_lossy(&out.launcher_stdout)
    );
    assert!(
        report.lines().any(names_cause),
        "the abort does not name its cause\n{}",
        out.describe()
    );
    assert!(
        !out.stdout_text().contains("unreachable"),
        "a rank went on after the call that must end the job\n{}",
        out.describe()
    );
}

//! Harness for MPI programs (`tests/mpi/*.c`): each is built natively with `mpicc` and to
//! wasm with `wasmpi cc`, run under the host's `mpirun`, and compared.

use super::*;
use std::collections::hash_map::DefaultHasher;
use std::ffi::OsStr;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::process::Command;

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

    /// The MPI launcher.
    pub fn mpirun(self) -> &'static str {
        match self {
            Flavor::OpenMpi => "mpirun.openmpi",
            Flavor::Mpich => "mpirun.mpich",
        }
    }
}

/// Rank counts every program runs with.
pub const RANKS: &[u32] = &[1, 2, 4];

pub fn source(name: &str) -> PathBuf {
    workspace_root()
        .join("tests")
        .join("mpi")
        .join(format!("{name}.c"))
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
    build_cached(&native, &|out, _| {
        compile(
            Flavor::current().mpicc(),
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

/// Builds `name` with `wasmpi cc` (cached by content) and compiles it into the run cache.
pub fn build_wasm(name: &str) -> PathBuf {
    let (src, wasm) = build_path(name, "wasm");
    let wasmpi = bins().wasmpi.to_string_lossy().into_owned();
    build_cached(&wasm, &|out, _| {
        compile(
            &wasmpi,
            &[
                OsStr::new("cc"),
                OsStr::new("-O2"),
                src.as_os_str(),
                OsStr::new("-o"),
                out.as_os_str(),
            ],
        )
    })
    .unwrap_or_else(|e| panic!("building {name} with wasmpi cc: {e}"));
    let compiled = wasmpi_compile(&wasm, run_cache(), &[]);
    assert!(
        compiled.status.success(),
        "wasmpi compile {name}: {}",
        compiled.describe()
    );
    wasm
}

/// `mpirun -np ranks [extra] program args`.
pub fn mpirun(ranks: u32, extra: &[&str], program: &[&OsStr]) -> Command {
    let flavor = Flavor::current();
    let mut cmd = Command::new(flavor.mpirun());
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, run_cache());
    if flavor == Flavor::OpenMpi {
        cmd.args(["--oversubscribe", "--bind-to", "none"]);
    }
    cmd.args(["-np", &ranks.to_string()])
        .args(extra)
        .args(program);
    cmd
}

pub fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

pub fn run_both(name: &str, ranks: u32, extra: &[&str]) {
    let (native, wasm) = (build_native(name), build_wasm(name));
    let what = format!("{name} on {ranks} ranks {extra:?}");
    let native_out = run(
        &mut mpirun(ranks, extra, &[native.as_os_str()]),
        &format!("{what} (native)"),
    );
    let wasm_out = run(
        &mut mpirun(
            ranks,
            extra,
            &[bins().wasmpirun.as_os_str(), wasm.as_os_str()],
        ),
        &format!("{what} (wasm)"),
    );
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
    let mut program = vec![bins().wasmpirun.as_os_str(), wasm.as_os_str()];
    program.extend(args.iter().map(OsStr::new));
    run(
        &mut mpirun(ranks, &[], &program),
        &format!("{name} {args:?} on {ranks} ranks"),
    )
}

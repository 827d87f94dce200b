//! `wasmpirun`: runs a compiled wasm program, one per MPI rank.

use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use wasmpi_launcher::wasi::WasiCtx;
use wasmpi_launcher::{perfmap, resolve, Error, Instance};

/// Exit status when wasmpirun itself fails (bad arguments, missing artifact, ...).
const LAUNCHER_FAILURE: u8 = 125;

/// Run a WebAssembly program compiled by `wasmpi compile`, natively and sandboxed.
///
/// Under MPI, start one per rank: `mpirun -np 4 wasmpirun app.wasm ARGS...`.
/// Given APP.wasm, the artifact compiled for this CPU is taken from the cache; given an
/// artifact file (from `wasmpi compile -o`), it is run directly. The program sees only the
/// directories given with --dir and the variables given with --env/--inherit-env.
///
/// Exit status: the program's own; 100-109 when it trapped (one per trap kind); 125 when
/// wasmpirun could not run it.
#[derive(Parser)]
#[command(name = "wasmpirun", version, about, long_about)]
struct Cli {
    /// Give the program access to host directory HOST, seen as GUEST (default: same path).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set environment variable KEY for the program.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    envs: Vec<String>,
    /// Pass this process's whole environment to the program.
    #[arg(long)]
    inherit_env: bool,
    /// Write /tmp/perf-<pid>.map so `perf report` shows wasm function names
    /// (also enabled by WASMPI_PERF_MAP=1).
    #[arg(long)]
    perf_map: bool,
    /// Say which artifact runs, why, and how it was loaded.
    #[arg(short, long)]
    verbose: bool,
    /// Print this CPU as `wasmpi compile --cpu` takes it, then exit. Run it once on a compute
    /// node (`srun -n1 wasmpirun --print-cpu`) and compile for it on the login node.
    #[arg(long, exclusive = true)]
    print_cpu: bool,
    /// The program: a .wasm module compiled with `wasmpi compile`, or an artifact file.
    #[arg(required_unless_present = "print_cpu")]
    app: Option<PathBuf>,
    /// Arguments for the program.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.print_cpu {
        println!("{}", resolve::this_cpu());
        return ExitCode::SUCCESS;
    }
    match run(&cli) {
        Ok(status) => ExitCode::from(status),
        Err(Error::Trap(trap)) => {
            #[cfg(feature = "mpi")]
            wasmpi_launcher::mpi::abort_job_if_running(&trap.to_string(), trap.kind.exit_status());
            eprintln!("wasmpirun: {trap}");
            ExitCode::from(trap.kind.exit_status() as u8)
        }
        Err(error) => {
            eprintln!("wasmpirun: error: {error}");
            ExitCode::from(LAUNCHER_FAILURE)
        }
    }
}

fn wasi_context(cli: &Cli, app: &Path) -> Result<WasiCtx, Error> {
    let program = app
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut args = vec![program];
    args.extend(cli.args.iter().cloned());
    let mut wasi = WasiCtx::new(args);
    if cli.inherit_env {
        wasi.inherit_env();
    }
    for pair in &cli.envs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Error::Call(format!("--env {pair}: expected KEY=VALUE")));
        };
        wasi.push_env(key, value);
    }
    wasi.hint_at_paths_outside_preopens();
    for dir in &cli.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        wasi.preopen_dir(Path::new(host), guest)
            .map_err(|e| Error::Call(format!("--dir {dir}: {e}")))?;
    }
    Ok(wasi)
}

fn run(cli: &Cli) -> Result<u8, Error> {
    let Some(app) = cli.app.as_deref() else {
        return Err(Error::Call("no program given".to_string()));
    };
    let wasi = wasi_context(cli, app)?;
    let resolved = resolve::load(app)?;
    let artifact = Arc::new(resolved.artifact);
    if cli.verbose {
        for line in &resolved.report {
            eprintln!("wasmpirun: {line}");
        }
        let meta = artifact.metadata();
        let features = if meta.cpu_features.is_empty() {
            "-".to_string()
        } else {
            meta.cpu_features.join(",")
        };
        let copied = if artifact.code_was_copied() {
            "; code copied (file system refuses executable mappings)"
        } else {
            ""
        };
        eprintln!(
            "wasmpirun: {} code for CPU `{}` using {features}{copied}",
            meta.arch, meta.cpu_name
        );
    }
    if cli.perf_map || std::env::var_os(perfmap::ENV).is_some_and(|v| v == "1") {
        perfmap::write(&artifact)
            .map_err(|e| Error::Resource(format!("cannot write perf map: {e}")))?;
    }
    let mut instance = Instance::new(artifact, &wasmpi_launcher::host_functions(), wasi)?;
    match instance.call("_start", &[]) {
        Ok(_) => Ok(0),
        Err(Error::Exit(code)) => Ok(code as u8),
        Err(error) => Err(error),
    }
}

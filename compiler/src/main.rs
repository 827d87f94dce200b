//! `wasmpi`: the command-line front end of the compiler.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmpi_compiler::target::{OptLevel, Target};
use wasmpi_compiler::{cache, cc, compile_module, Options};

/// Ahead-of-time compiler for MPI programs compiled to WebAssembly.
///
/// Compile once on the login node; run the result on every rank with `wasmpirun`.
#[derive(Parser)]
#[command(name = "wasmpi", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a wasm32-wasi module to a native artifact for this CPU.
    ///
    /// By default the artifact goes into the cache (`$WASMPI_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/wasmpi`, else `~/.cache/wasmpi`), where `wasmpirun APP.wasm` finds it.
    /// With `-o`, it is written to FILE instead and run as `wasmpirun FILE`.
    Compile {
        /// The WebAssembly module (built with `clang --target=wasm32-wasi` or `wasmpi cc`).
        input: PathBuf,
        /// Write the artifact to FILE instead of the cache.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Optimization level: 0 (fastest compile), 1, or 2 (fastest code, default).
        #[arg(short = 'O', value_name = "LEVEL", default_value = "2", value_parser = clap::value_parser!(u8).range(0..=2))]
        opt: u8,
        /// Compile with at most N threads (default: all cores; be kind on shared login nodes).
        #[arg(short, long, value_name = "N")]
        jobs: Option<usize>,
        /// Print the time spent in each phase.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Compile C for wasm32-wasi with wasmpi's mpi.h: clang with the right target, sysroot
    /// and flags, like `mpicc`. Also available as `wasmpicc` (symlink or copy).
    ///
    /// Example: `wasmpi cc -O2 ring.c -o ring.wasm`, or `CC=wasmpicc make`.
    #[command(disable_help_flag = true)]
    Cc {
        /// Arguments passed to clang.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Compile C++ for wasm32-wasi with wasmpi's mpi.h and libc++ (no exceptions), like
    /// `mpicxx`. Also available as `wasmpicxx`.
    #[command(name = "c++", alias = "cxx", disable_help_flag = true)]
    Cxx {
        /// Arguments passed to clang++.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() {
    let argv0 = std::env::args().next().unwrap_or_default();
    let result = match cc::language_of_program_name(&argv0) {
        Some(language) => cc::run(language, &std::env::args().skip(1).collect::<Vec<_>>()),
        None => match Cli::parse().command {
            Command::Compile {
                input,
                output,
                opt,
                jobs,
                verbose,
            } => compile(&input, output.as_deref(), opt, jobs, verbose).map(|()| 0),
            Command::Cc { args } => cc::run(cc::Language::C, &args),
            Command::Cxx { args } => cc::run(cc::Language::Cxx, &args),
        },
    };
    match result {
        Ok(status) => std::process::exit(status),
        Err(error) => {
            eprintln!("wasmpi: error: {error:#}");
            std::process::exit(1);
        }
    }
}

fn compile(
    input: &Path,
    output: Option<&Path>,
    opt: u8,
    jobs: Option<usize>,
    verbose: bool,
) -> Result<()> {
    let started = Instant::now();
    let wasm = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    if jobs == Some(0) {
        bail!("-j needs at least 1 thread");
    }
    let opt = [OptLevel::O0, OptLevel::O1, OptLevel::O2][usize::from(opt)];
    let target = Target::native(opt)?;

    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} compiling {pos}/{len} functions [{bar:40}] {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let show_after = started + Duration::from_secs(1);
    let terminal = std::io::stderr().is_terminal();
    let progress_bar = bar.clone();
    let options = Options {
        jobs,
        progress: Some(Box::new(move |done, total| {
            if terminal && progress_bar.is_hidden() && Instant::now() >= show_after && done < total
            {
                progress_bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            progress_bar.set_length(total as u64);
            progress_bar.set_position(done as u64);
        })),
    };
    let compiled = compile_module(&wasm, &target, &options)
        .with_context(|| format!("cannot compile {}", input.display()))?;
    bar.finish_and_clear();

    let destination = match output {
        Some(path) => path.to_path_buf(),
        None => {
            let Some(dir) = wasmpi_abi::cache::cache_dir() else {
                bail!("no cache directory: set WASMPI_CACHE_DIR or HOME, or write the artifact with -o FILE");
            };
            let meta = &compiled.metadata;
            let key = wasmpi_abi::cache::variant_key(
                &meta.compiler_version,
                &meta.arch,
                &meta.cpu_features,
                &meta.settings,
            );
            wasmpi_abi::cache::artifact_path(&dir, &meta.wasm_hash, &key)
        }
    };
    let write_started = Instant::now();
    cache::write_atomically(&destination, &compiled.bytes)?;
    let meta = &compiled.metadata;
    eprintln!(
        "wasmpi: compiled {} ({} functions, {:.1} KiB) for {} [{}] in {:.2}s -> {}",
        input.display(),
        meta.functions.len(),
        compiled.bytes.len() as f64 / 1024.0,
        meta.arch,
        meta.cpu_name,
        started.elapsed().as_secs_f64(),
        destination.display()
    );
    if verbose {
        eprintln!("wasmpi:   cpu features: {}", meta.cpu_features.join(","));
        for (phase, time) in compiled
            .timings
            .iter()
            .chain([&("write file", write_started.elapsed())])
        {
            eprintln!("wasmpi:   {phase:<34} {:>9.3} ms", time.as_secs_f64() * 1e3);
        }
    }
    Ok(())
}

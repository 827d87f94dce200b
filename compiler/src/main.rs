//! `wasmpi`: the command-line front end of the compiler.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wasmpi_abi::cpu;
use wasmpi_compiler::target::{arch_of_target, OptLevel, Target};
use wasmpi_compiler::{cache, cc, compile, parse, Options};

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
    /// Compile a wasm32-wasi module to native artifacts, by default for this CPU.
    ///
    /// Artifacts go into the cache (`$WASMPI_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmpi`, else
    /// `~/.cache/wasmpi`), where `wasmpirun APP.wasm` finds the best one for the CPU it runs
    /// on. With `-o`, one artifact is written to FILE instead and run as `wasmpirun FILE`.
    ///
    /// To compile on a login node for different compute nodes, name their CPUs:
    /// `wasmpi compile --cpu icelake-server,znver4 app.wasm` (see `wasmpi targets`; on a
    /// compute node, `wasmpirun --print-cpu` prints the exact `--cpu` value for it).
    Compile(CompileArgs),
    /// List the CPUs `--cpu` accepts and the features each lets the code use.
    Targets,
    /// Inspect and tidy the artifact cache (`$WASMPI_CACHE_DIR`, else `~/.cache/wasmpi`).
    ///
    /// Site caches listed in `$WASMPI_CACHE_PATH` are shown by `list` and `info` but never
    /// changed.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
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

#[derive(Subcommand)]
enum CacheAction {
    /// Every cached artifact: module, CPU, size, last use.
    List,
    /// The artifacts of one module, in every cache searched.
    Info {
        /// The module (.wasm).
        app: PathBuf,
    },
    /// Remove every artifact from your cache.
    Clean,
    /// Remove least recently used artifacts until the cache is at most SIZE (e.g. 2G);
    /// artifacts in use by a running wasmpirun are kept.
    Prune {
        /// Largest size to keep: bytes, or with a K, M, G or T suffix.
        #[arg(long, value_name = "SIZE")]
        max_size: String,
    },
}

#[derive(Args)]
struct CompileArgs {
    /// The WebAssembly module (built with `wasmpi cc` or `clang --target=wasm32-wasi`).
    input: PathBuf,
    /// Write the artifact to FILE instead of the cache (one CPU only).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// CPUs to compile for, comma-separated: `native` (default), a preset from
    /// `wasmpi targets`, optionally adjusted: `x86-64-v3+avx512f`. One artifact each.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "native"
    )]
    cpu: Vec<String>,
    /// Adjust the features of every CPU: `+avx2,-avx512f`.
    #[arg(long, value_name = "+FEAT,-FEAT", allow_hyphen_values = true)]
    cpu_features: Vec<String>,
    /// Target architecture: `x86_64-linux` or `aarch64-linux` (default: this machine's, or
    /// the one the `--cpu` presets imply). With no `--cpu`, its baseline CPU.
    #[arg(long, value_name = "ARCH-linux")]
    target: Option<String>,
    /// Optimization level: 0 (fastest compile), 1, or 2 (fastest code, default).
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2", value_parser = clap::value_parser!(u8).range(0..=2))]
    opt: u8,
    /// Compile with at most N threads (default: all cores; be kind on shared login nodes).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Print the CPU features and the time spent in each phase.
    #[arg(short, long)]
    verbose: bool,
}

fn main() {
    let argv0 = std::env::args().next().unwrap_or_default();
    let result = match cc::language_of_program_name(&argv0) {
        Some(language) => cc::run(language, &std::env::args().skip(1).collect::<Vec<_>>()),
        None => match Cli::parse().command {
            Command::Compile(args) => run_compile(&args).map(|()| 0),
            Command::Targets => {
                print_targets();
                Ok(0)
            }
            Command::Cache { action } => run_cache(&action).map(|()| 0),
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

fn print_targets() {
    println!("{:<16} {:<8} features the code may use", "CPU", "arch");
    let host = cpu::host_features();
    println!(
        "{:<16} {:<8} {} (this machine: {})",
        "native",
        cpu::HOST_ARCH,
        host.join(","),
        cpu::describe(cpu::HOST_ARCH, &host)
    );
    for preset in cpu::PRESETS {
        let features = if preset.features.is_empty() {
            "-".to_string()
        } else {
            preset.features.join(",")
        };
        println!(
            "{:<16} {:<8} {features}\n{:<25}{}",
            preset.name, preset.arch, "", preset.description
        );
    }
    println!(
        "\nAdjust a CPU with +feature/-feature, e.g. --cpu x86-64-v3+avx512f+avx512vl+avx512dq."
    );
}

/// The targets `args` asks for.
fn targets(args: &CompileArgs, opt: OptLevel) -> Result<Vec<Target>> {
    let arch = args.target.as_deref().map(arch_of_target).transpose()?;
    let only_native = args.cpu == ["native"];
    let specs: Vec<&str> = match arch {
        // `--target aarch64-linux` without `--cpu`: that architecture's baseline.
        Some(arch) if only_native && arch != cpu::HOST_ARCH => vec![arch_baseline(arch)],
        _ => args.cpu.iter().map(String::as_str).collect(),
    };
    specs
        .iter()
        .map(|spec| Target::from_spec(spec, arch, &args.cpu_features, opt))
        .collect()
}

fn arch_baseline(arch: &str) -> &'static str {
    match arch {
        "aarch64" => "aarch64",
        _ => "x86-64",
    }
}

fn run_compile(args: &CompileArgs) -> Result<()> {
    let started = Instant::now();
    if args.jobs == Some(0) {
        bail!("-j needs at least 1 thread");
    }
    let opt = [OptLevel::O0, OptLevel::O1, OptLevel::O2][usize::from(args.opt)];
    let targets = targets(args, opt)?;
    if args.output.is_some() && targets.len() != 1 {
        bail!("-o writes one artifact: give one --cpu, or leave out -o to fill the cache");
    }
    let wasm = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let parsed =
        parse(&wasm).with_context(|| format!("cannot compile {}", args.input.display()))?;

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
        jobs: args.jobs,
        progress: Some(Box::new(move |done, total| {
            if terminal && progress_bar.is_hidden() && Instant::now() >= show_after && done < total
            {
                progress_bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            progress_bar.set_length(total as u64);
            progress_bar.set_position(done as u64);
        })),
    };
    for target in &targets {
        let target_started = Instant::now();
        let compiled = compile(&parsed, target, &options).with_context(|| {
            format!(
                "cannot compile {} for {}",
                args.input.display(),
                target.cpu_name
            )
        })?;
        bar.finish_and_clear();
        let meta = &compiled.metadata;
        let destination = match &args.output {
            Some(path) => path.clone(),
            None => {
                let Some(dir) = wasmpi_abi::cache::cache_dir() else {
                    bail!("no cache directory: set WASMPI_CACHE_DIR or HOME, or write the artifact with -o FILE");
                };
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
        eprintln!(
            "wasmpi: compiled {} ({} functions, {:.1} KiB) for {} [{}] in {:.2}s -> {}",
            args.input.display(),
            meta.functions.len(),
            compiled.bytes.len() as f64 / 1024.0,
            meta.arch,
            meta.cpu_name,
            target_started.elapsed().as_secs_f64(),
            destination.display()
        );
        if args.verbose {
            eprintln!(
                "wasmpi:   cpu features: {}",
                if meta.cpu_features.is_empty() {
                    "-".to_string()
                } else {
                    meta.cpu_features.join(",")
                }
            );
            for (phase, time) in compiled
                .timings
                .iter()
                .chain([&("write file", write_started.elapsed())])
            {
                eprintln!("wasmpi:   {phase:<34} {:>9.3} ms", time.as_secs_f64() * 1e3);
            }
        }
    }
    Ok(())
}

fn user_cache() -> Result<PathBuf> {
    wasmpi_abi::cache::cache_dir().context("no cache directory: set WASMPI_CACHE_DIR or HOME")
}

fn describe_entry(entry: &cache::Entry) -> String {
    let (cpu, arch) = entry
        .cpu
        .clone()
        .unwrap_or_else(|| ("?".into(), "unreadable".into()));
    let age = entry.last_used.elapsed().map(|d| d.as_secs()).unwrap_or(0);
    let age = match age {
        s if s < 120 => format!("{s} s ago"),
        s if s < 7200 => format!("{} min ago", s / 60),
        s if s < 172800 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86400),
    };
    format!(
        "{:<16} {:<8} {:>10.1} KiB  used {age:<14} {}",
        cpu,
        arch,
        entry.size as f64 / 1024.0,
        entry.path.display()
    )
}

fn run_cache(action: &CacheAction) -> Result<()> {
    match action {
        CacheAction::List => {
            for dir in wasmpi_abi::cache::search_dirs() {
                let entries = cache::entries(&dir, None);
                let total: u64 = entries.iter().map(|e| e.size).sum();
                println!(
                    "{} ({} artifacts, {:.1} MiB)",
                    dir.display(),
                    entries.len(),
                    total as f64 / 1048576.0
                );
                let mut last_module = String::new();
                for entry in &entries {
                    if entry.wasm_hash != last_module {
                        println!("  module {}", entry.wasm_hash);
                        last_module.clone_from(&entry.wasm_hash);
                    }
                    println!("    {}", describe_entry(entry));
                }
            }
        }
        CacheAction::Info { app } => {
            let wasm =
                std::fs::read(app).with_context(|| format!("cannot read {}", app.display()))?;
            let hash = wasmpi_abi::cache::wasm_hash(&wasm);
            println!("{} (module {hash})", app.display());
            let mut found = 0;
            for dir in wasmpi_abi::cache::search_dirs() {
                for entry in cache::entries(&dir, Some(&hash)) {
                    println!("  {}", describe_entry(&entry));
                    found += 1;
                }
            }
            if found == 0 {
                println!("  not compiled: run `wasmpi compile {}`", app.display());
            }
        }
        CacheAction::Clean => {
            let dir = user_cache()?;
            let entries = cache::entries(&dir, None);
            for entry in &entries {
                std::fs::remove_file(&entry.path)
                    .with_context(|| format!("cannot remove {}", entry.path.display()))?;
            }
            cache::prune(&dir, u64::MAX)?;
            println!("removed {} artifacts from {}", entries.len(), dir.display());
        }
        CacheAction::Prune { max_size } => {
            let dir = user_cache()?;
            let pruned = cache::prune(&dir, cache::parse_size(max_size)?)?;
            for (path, size) in &pruned.removed {
                println!(
                    "removed {} ({:.1} KiB)",
                    path.display(),
                    *size as f64 / 1024.0
                );
            }
            for path in &pruned.busy {
                println!("kept {} (in use)", path.display());
            }
            println!(
                "{} now holds {:.1} MiB",
                dir.display(),
                pruned.remaining as f64 / 1048576.0
            );
        }
    }
    Ok(())
}

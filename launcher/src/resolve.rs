//! Finding the artifact to run for a command-line argument.
//!
//! An artifact path is used as it is. A `.wasm` module is hashed and looked up in the caches:
//! the user's cache first, then the read-only site caches listed in `WASMPI_CACHE_PATH`
//! (colon-separated). Among the variants compiled for several CPUs, the launcher runs the one
//! this CPU can run that uses the most CPU features; ties go to the cache searched first,
//! then to the CPU listed first by `wasmpi targets`, then to the file name. The launcher
//! never compiles: on a compute node a missing artifact is an error that says which
//! `wasmpi compile` command to run.

use crate::{Artifact, Error};
use std::path::{Path, PathBuf};
use wasmpi_abi::artifact::Summary;
use wasmpi_abi::cpu;

/// Whether `bytes` start like a wasm module.
pub fn is_wasm(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
}

/// The loaded artifact and, for `-v`, how it was chosen.
pub struct Resolved {
    /// The artifact to run.
    pub artifact: Artifact,
    /// Where it came from and why, one line each.
    pub report: Vec<String>,
}

/// The `--cpu` value that describes this machine exactly.
pub fn this_cpu() -> String {
    cpu::describe(cpu::HOST_ARCH, &cpu::host_features())
}

struct Candidate {
    path: PathBuf,
    dir_rank: usize,
    meta: Summary,
}

impl Candidate {
    fn preset_rank(&self) -> usize {
        cpu::PRESETS
            .iter()
            .position(|p| p.name == self.meta.cpu_name)
            .unwrap_or(cpu::PRESETS.len())
    }
}

/// Loads the artifact for `path`: the artifact itself, or the best cached one for a module.
pub fn load(path: &Path) -> Result<Resolved, Error> {
    let mut head = [0u8; 4];
    let is_module = {
        use std::io::Read;
        let mut file = std::fs::File::open(path)
            .map_err(|e| Error::NotCompiled(format!("cannot open {}: {e}", path.display())))?;
        file.read_exact(&mut head).is_ok() && is_wasm(&head)
    };
    if !is_module {
        let artifact = Artifact::load(path)?;
        return Ok(Resolved {
            artifact,
            report: vec![format!("running artifact {}", path.display())],
        });
    }
    let cannot_read =
        |e: std::io::Error| Error::NotCompiled(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    // Hashed straight from the page cache: no copy of a module that can be many MB.
    // SAFETY: the module is only read; if another process changed it meanwhile, the hash
    // simply matches no artifact.
    let wasm = unsafe { memmap2::Mmap::map(&file) }.map_err(cannot_read)?;
    let hash = wasmpi_abi::cache::wasm_hash(&wasm);
    drop(wasm);
    let dirs = wasmpi_abi::cache::search_dirs();
    let compile_hint = format!(
        "run `wasmpi compile --cpu {} {}` (on the login node)",
        this_cpu(),
        path.display()
    );
    if dirs.is_empty() {
        return Err(Error::NotCompiled(format!(
            "no cache directory (WASMPI_CACHE_DIR, XDG_CACHE_HOME and HOME are unset); {compile_hint}"
        )));
    }
    let mut fitting = Vec::new();
    // Variants compiled for other CPUs, and entries or directories that cannot be used at
    // all (unreadable, damaged): the error names both kinds differently.
    let mut refused = Vec::new();
    let mut unusable = Vec::new();
    for (dir_rank, dir) in dirs.iter().enumerate() {
        let module_dir = wasmpi_abi::cache::module_dir(dir, &hash);
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&module_dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                unusable.push(format!("cannot read {}: {e}", module_dir.display()));
                Vec::new()
            }
        };
        paths.retain(|p| {
            p.extension()
                .is_some_and(|x| x == wasmpi_abi::artifact::EXTENSION)
        });
        paths.sort();
        for path in paths {
            match crate::artifact::peek(&path) {
                Ok(meta) => match crate::artifact::check_compatible(&meta) {
                    Ok(()) => fitting.push(Candidate {
                        path,
                        dir_rank,
                        meta,
                    }),
                    Err(why) => {
                        refused.push(format!("{} [{}]: {why}", path.display(), meta.cpu_name))
                    }
                },
                Err(why) => unusable.push(format!("{}: {why}", path.display())),
            }
        }
    }
    fitting.sort_by(|a, b| {
        b.meta
            .cpu_features
            .len()
            .cmp(&a.meta.cpu_features.len())
            .then(a.dir_rank.cmp(&b.dir_rank))
            .then(a.preset_rank().cmp(&b.preset_rank()))
            .then(a.path.cmp(&b.path))
    });
    let mut report = Vec::new();
    for candidate in fitting {
        match Artifact::load(&candidate.path) {
            Ok(artifact) => {
                for problem in &unusable {
                    eprintln!("wasmpirun: warning: skipped {problem}");
                }
                let host = cpu::host_features().len();
                report.push(format!(
                    "running {} compiled for CPU `{}` ({} of this CPU's {host} features) from {}",
                    path.display(),
                    candidate.meta.cpu_name,
                    candidate.meta.cpu_features.len(),
                    candidate.path.display()
                ));
                report.extend(refused.iter().map(|r| format!("  not usable here: {r}")));
                return Ok(Resolved { artifact, report });
            }
            Err(e) => unusable.push(e.to_string()),
        }
    }
    let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let message = match (refused.is_empty(), unusable.is_empty()) {
        (true, true) => format!(
            "{} has not been compiled (searched {}): {compile_hint}",
            path.display(),
            searched.join(", ")
        ),
        (true, false) => format!(
            "cannot use the cache for {}: {}; {compile_hint} (compiling replaces a damaged \
             artifact; an unreadable directory needs its permissions fixed or another \
             WASMPI_CACHE_DIR)",
            path.display(),
            unusable.join("; ")
        ),
        (false, _) => format!(
            "no cached artifact of {} can run on this CPU ({}): {}; {compile_hint}",
            path.display(),
            this_cpu(),
            refused
                .iter()
                .chain(&unusable)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    Err(Error::NotCompiled(message))
}

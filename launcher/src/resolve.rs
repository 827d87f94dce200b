//! Finding the artifact to run for a command-line argument: an artifact path is used as it
//! is; a `.wasm` module is hashed and looked up in the cache ([`wasmpi_abi::cache`]).
//! The launcher never compiles: on a compute node a missing artifact is an error that says
//! which `wasmpi compile` command to run.

use crate::{Artifact, Error};
use std::path::Path;

/// Whether `bytes` start like a wasm module.
pub fn is_wasm(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
}

/// Loads the artifact for `path`: the artifact itself, or the cached one for a wasm module.
pub fn load(path: &Path) -> Result<Artifact, Error> {
    let mut head = [0u8; 4];
    let is_module = {
        use std::io::Read;
        let mut file = std::fs::File::open(path)
            .map_err(|e| Error::NotCompiled(format!("cannot open {}: {e}", path.display())))?;
        file.read_exact(&mut head).is_ok() && is_wasm(&head)
    };
    if !is_module {
        return Artifact::load(path);
    }
    let wasm = std::fs::read(path)
        .map_err(|e| Error::NotCompiled(format!("cannot read {}: {e}", path.display())))?;
    let hash = wasmpi_abi::cache::wasm_hash(&wasm);
    let compile_hint = format!(
        "run `wasmpi compile {}` first (on the login node)",
        path.display()
    );
    let Some(cache) = wasmpi_abi::cache::cache_dir() else {
        return Err(Error::NotCompiled(format!(
            "no cache directory (WASMPI_CACHE_DIR and HOME are unset); {compile_hint}"
        )));
    };
    let dir = wasmpi_abi::cache::module_dir(&cache, &hash);
    let mut candidates: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x == wasmpi_abi::artifact::EXTENSION)
                })
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    let mut refused = Vec::new();
    let mut best: Option<Artifact> = None;
    for candidate in candidates {
        match Artifact::load(&candidate) {
            Ok(artifact) => {
                let better = best.as_ref().is_none_or(|b| {
                    artifact.metadata().cpu_features.len() > b.metadata().cpu_features.len()
                });
                if better {
                    best = Some(artifact);
                }
            }
            Err(e) => refused.push(e.to_string()),
        }
    }
    match best {
        Some(artifact) => Ok(artifact),
        None if refused.is_empty() => Err(Error::NotCompiled(format!(
            "{} has not been compiled for this machine (nothing in {}): {compile_hint}",
            path.display(),
            cache.display()
        ))),
        None => Err(Error::NotCompiled(format!(
            "no cached artifact of {} can run here ({}); {compile_hint}",
            path.display(),
            refused.join("; ")
        ))),
    }
}

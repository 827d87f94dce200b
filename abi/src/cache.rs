//! The artifact cache: where artifacts live and how they are keyed.
//!
//! Written by the compiler, searched by the launcher. Layout:
//! `<cache dir>/<wasm hash>/<variant key>.wasmpi`, where the wasm hash is the BLAKE3 of the
//! module bytes and the variant key hashes everything else that changes the code: compiler
//! version, target architecture, CPU features and code generation settings. One directory
//! per module lets the launcher pick, among the variants compiled for several CPUs, one this
//! CPU can run. Files are written to a temporary name in the same directory and renamed into
//! place, so concurrent compiles never expose a torn artifact.

use std::path::{Path, PathBuf};

/// Environment variable naming the cache directory.
pub const CACHE_DIR_ENV: &str = "WASMPI_CACHE_DIR";

/// The cache directory: `$WASMPI_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmpi`, else
/// `$HOME/.cache/wasmpi`. `None` when none of those variables is set.
pub fn cache_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty(CACHE_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("wasmpi"));
    }
    non_empty("HOME").map(|home| PathBuf::from(home).join(".cache").join("wasmpi"))
}

/// Environment variable listing read-only site caches (colon-separated), searched after the
/// user's cache: a centre can precompile popular modules for each partition.
pub const CACHE_PATH_ENV: &str = "WASMPI_CACHE_PATH";

/// The caches searched for artifacts, in order: the user's cache, then the site caches.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = cache_dir().into_iter().collect();
    if let Some(path) = std::env::var_os(CACHE_PATH_ENV) {
        dirs.extend(std::env::split_paths(&path).filter(|p| !p.as_os_str().is_empty()));
    }
    dirs
}

/// Prefix of the temporary files artifacts are written to before being renamed into place.
pub const TEMP_PREFIX: &str = ".wasmpi-tmp-";

/// BLAKE3 of a wasm module, hex: the name of its cache directory.
pub fn wasm_hash(wasm: &[u8]) -> String {
    blake3::hash(wasm).to_hex().to_string()
}

/// The key of one compiled variant of a module.
pub fn variant_key(
    compiler_version: &str,
    arch: &str,
    features: &[String],
    settings: &[String],
) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [compiler_version, arch] {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    for list in [features, settings] {
        for item in list {
            hasher.update(item.as_bytes());
            hasher.update(&[0]);
        }
        hasher.update(&[1]);
    }
    hasher.finalize().to_hex()[..32].to_string()
}

/// The directory holding every variant of the module with hash `wasm_hash`.
pub fn module_dir(cache_dir: &Path, wasm_hash: &str) -> PathBuf {
    cache_dir.join(wasm_hash)
}

/// The path of one variant.
pub fn artifact_path(cache_dir: &Path, wasm_hash: &str, variant_key: &str) -> PathBuf {
    module_dir(cache_dir, wasm_hash).join(format!("{variant_key}.{}", crate::artifact::EXTENSION))
}

//! The cache on disk: storing artifacts atomically, so that many ranks or users compiling the
//! same module at once never expose a torn file, and listing and pruning them. The layout is
//! defined in [`wasmpi_abi::cache`].

use anyhow::{Context, Result};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename:
/// readers see either the old file, or the complete new one. Nothing is left behind on error.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let mut temp = tempfile::Builder::new()
        .prefix(wasmpi_abi::cache::TEMP_PREFIX)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    // Artifacts are shared between ranks and users (site caches): readable by all.
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    // Through the plain file: its errors name the cause alone, not the temporary's path.
    temp.as_file_mut()
        .write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot rename into {}", path.display()))?;
    Ok(())
}

/// One artifact found in a cache.
pub struct Entry {
    /// Its path.
    pub path: PathBuf,
    /// BLAKE3 of the module it was compiled from.
    pub wasm_hash: String,
    /// CPU it was compiled for (`None` when its metadata cannot be read).
    pub cpu: Option<(String, String)>,
    /// Size in bytes.
    pub size: u64,
    /// Last use (the launcher marks the access time when it runs an artifact).
    pub last_used: std::time::SystemTime,
}

/// Reads an artifact's CPU name and architecture from its metadata.
fn artifact_cpu(path: &Path) -> Option<(String, String)> {
    use object::{Object, ObjectSection};
    let bytes = std::fs::read(path).ok()?;
    let elf = object::File::parse(&*bytes).ok()?;
    let section = elf
        .section_by_name(wasmpi_abi::artifact::METADATA_SECTION)?
        .data()
        .ok()?;
    let (_, encoded) = wasmpi_abi::artifact::Header::parse(section).ok()?;
    let meta = wasmpi_abi::artifact::Metadata::decode(encoded).ok()?;
    Some((meta.cpu_name, meta.arch))
}

/// Every artifact in cache directory `dir` (optionally only those of module `wasm_hash`).
pub fn entries(dir: &Path, wasm_hash: Option<&str>) -> Vec<Entry> {
    let mut out = Vec::new();
    let Ok(modules) = std::fs::read_dir(dir) else {
        return out;
    };
    for module in modules.flatten() {
        let hash = module.file_name().to_string_lossy().into_owned();
        if hash.len() != 64 || wasm_hash.is_some_and(|h| h != hash) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(module.path()) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            if path
                .extension()
                .is_none_or(|x| x != wasmpi_abi::artifact::EXTENSION)
            {
                continue;
            }
            let Ok(meta) = file.metadata() else { continue };
            out.push(Entry {
                cpu: artifact_cpu(&path),
                path,
                wasm_hash: hash.clone(),
                size: meta.len(),
                last_used: meta
                    .accessed()
                    .or_else(|_| meta.modified())
                    .unwrap_or(std::time::UNIX_EPOCH),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Parses a size such as `500M`, `2G`, `1.5GiB` or `1048576`.
pub fn parse_size(text: &str) -> Result<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .with_context(|| format!("invalid size `{text}` (examples: 500M, 2G)"))?;
    let scale = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1u64,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => anyhow::bail!("invalid size unit in `{text}` (use K, M, G or T)"),
    };
    Ok((value * scale as f64) as u64)
}

/// Whether some process holds the artifact open (the launcher keeps a shared lock on it).
fn in_use(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err()
}

/// What [`prune`] did.
pub struct Pruned {
    /// Artifacts removed, with their sizes.
    pub removed: Vec<(PathBuf, u64)>,
    /// Artifacts kept because a process was using them.
    pub busy: Vec<PathBuf>,
    /// Bytes left in the cache.
    pub remaining: u64,
}

/// Removes least recently used artifacts from `dir` until at most `max_size` bytes remain,
/// never one a running launcher holds; also removes temporary files left by interrupted
/// compiles (older than an hour) and empty module directories.
pub fn prune(dir: &Path, max_size: u64) -> Result<Pruned> {
    let mut entries = entries(dir, None);
    entries.sort_by_key(|e| e.last_used);
    let mut total: u64 = entries.iter().map(|e| e.size).sum();
    let mut pruned = Pruned {
        removed: Vec::new(),
        busy: Vec::new(),
        remaining: total,
    };
    for entry in entries {
        if total <= max_size {
            break;
        }
        if in_use(&entry.path) {
            pruned.busy.push(entry.path);
            continue;
        }
        std::fs::remove_file(&entry.path)
            .with_context(|| format!("cannot remove {}", entry.path.display()))?;
        total -= entry.size;
        pruned.removed.push((entry.path, entry.size));
    }
    pruned.remaining = total;
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for module in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(module.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let stale = file
                .file_name()
                .to_string_lossy()
                .starts_with(wasmpi_abi::cache::TEMP_PREFIX)
                && file
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < hour_ago);
            if stale {
                let _ = std::fs::remove_file(file.path());
            }
        }
        let _ = std::fs::remove_dir(module.path()); // only succeeds when empty
    }
    Ok(pruned)
}

//! Profiler support: a perf map file naming every wasm function.
//!
//! `perf` resolves JIT-style code through `/tmp/perf-<pid>.map` ("START SIZE NAME" per
//! line). The launcher writes it when `WASMPI_PERF_MAP=1` is set (or `wasmpirun --perf-map`),
//! so `perf record`/`perf report` show wasm function names even when the code was copied to
//! anonymous memory. (`objdump -d` on the artifact shows the same names from its ELF symbols.)

use crate::Artifact;
use std::io::Write;
use std::path::PathBuf;

/// Environment variable that turns the perf map on.
pub const ENV: &str = "WASMPI_PERF_MAP";

/// Writes `/tmp/perf-<pid>.map` for `artifact`'s code as mapped in this process.
pub fn write(artifact: &Artifact) -> std::io::Result<PathBuf> {
    let path = PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let base = artifact.text().as_ptr() as usize;
    for f in &artifact.metadata().functions {
        writeln!(
            out,
            "{:x} {:x} {}",
            base + f.code.offset as usize,
            f.code.len,
            f.name
        )?;
    }
    out.flush()?;
    Ok(path)
}

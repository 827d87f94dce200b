//! The sandbox's edge: telling the user when the program reaches for a path that no `--dir`
//! covers.
//!
//! wasi-libc resolves a path against the preopened directories itself, and when none
//! matches it fails with `ENOTCAPABLE` without asking the host: the launcher would never
//! know, and the program typically dies later of the failed `fopen`. So `wasmpirun` preopens
//! one more directory, named `/`, before the user's (wasi-libc prefers the longest matching
//! name, and of equal ones, such as `/` and `.` for a relative path, the one preopened last,
//! so every `--dir` still wins): an empty directory that no longer exists on the host.
//! Every path operation through it is refused with `ENOTCAPABLE`, as before, and the first
//! time the program uses a path there, one line on stderr names the rank, the path and the
//! `--dir` flag that would give access. The line appears once per path, and after
//! [`MAX_HINTS`] paths a last line says that further ones are not shown.

use std::cell::RefCell;
use std::os::fd::OwnedFd;

/// How many refused paths are named before the launcher falls silent.
pub const MAX_HINTS: usize = 8;

/// The guest name of the edge directory.
pub(crate) const EDGE_NAME: &[u8] = b"/";

/// The paths already named.
#[derive(Debug, Default)]
pub(crate) struct Hints {
    seen: RefCell<Vec<Vec<u8>>>,
}

impl Hints {
    /// Reports that the program used `path` (relative to the guest's `/`), once per path.
    pub(crate) fn refused(&self, path: &[u8]) {
        let mut seen = self.seen.borrow_mut();
        if seen.iter().any(|p| p == path) || seen.len() > MAX_HINTS {
            return;
        }
        seen.push(path.to_vec());
        let line = if seen.len() > MAX_HINTS {
            "further paths outside every --dir are refused without a message".to_string()
        } else {
            message(path)
        };
        let text = match rank() {
            Some(rank) => format!("wasmpirun: rank {rank}: {line}\n"),
            None => format!("wasmpirun: {line}\n"),
        };
        // One write, so that the lines of ranks sharing a pipe do not interleave.
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
    }
}

/// The hint for `path`, which wasi-libc passes relative to `/` (the guest's working
/// directory is `/`, so `report.txt` and `/report.txt` both arrive as `report.txt`).
fn message(path: &[u8]) -> String {
    let path = String::from_utf8_lossy(path);
    let path = path.trim_start_matches("./");
    match path.rsplit_once('/') {
        None => format!(
            "the sandbox refused `{path}`: no --dir gives access to it; run with --dir . to \
             give the program the working directory (or --dir HOST::GUEST for another one)"
        ),
        Some((parent, _)) => format!(
            "the sandbox refused `/{path}`: no --dir gives access to it; run with \
             --dir /{parent} (or --dir HOST::/{parent} to map another host directory there)"
        ),
    }
}

/// This process's rank in the MPI job, from the variables the MPI launchers set.
fn rank() -> Option<String> {
    ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
}

/// An empty directory that no longer exists on the host, for the edge's descriptor: even an
/// operation that reached it could find nothing and create nothing. `None` if no temporary
/// directory can be made (then no hints, and nothing else changes).
pub(crate) fn vanished_directory() -> Option<OwnedFd> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let path = std::env::temp_dir().join(format!("wasmpi-edge-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&path).ok()?;
    let flags =
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
    let fd = rustix::fs::open(&path, flags, rustix::fs::Mode::empty());
    let _ = std::fs::remove_dir(&path);
    fd.ok()
}

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn hints_name_the_path_and_the_flag() {
        assert_eq!(
            message(b"report.txt"),
            "the sandbox refused `report.txt`: no --dir gives access to it; run with --dir . \
             to give the program the working directory (or --dir HOST::GUEST for another one)"
        );
        assert_eq!(
            message(b"scratch/run1/out.dat"),
            "the sandbox refused `/scratch/run1/out.dat`: no --dir gives access to it; run \
             with --dir /scratch/run1 (or --dir HOST::/scratch/run1 to map another host \
             directory there)"
        );
    }
}

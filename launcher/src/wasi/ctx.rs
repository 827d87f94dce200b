//! The WASI state of one instance: arguments, environment and the descriptor table.

use super::types::*;
use std::ffi::OsStr;
use std::fmt;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Why [`WasiCtx`] could not be set up as asked.
#[derive(Debug, thiserror::Error)]
pub enum WasiSetupError {
    /// The host directory to preopen could not be opened (missing, no permission, ...).
    #[error("cannot preopen directory {}: {source}", path.display())]
    Open {
        /// The host path.
        path: PathBuf,
        /// The host error.
        source: std::io::Error,
    },
    /// The host path to preopen exists but is not a directory.
    #[error("cannot preopen {}: not a directory", path.display())]
    NotADirectory {
        /// The host path.
        path: PathBuf,
    },
    /// The guest name of a preopened directory is empty or contains a NUL byte.
    #[error("invalid guest path {0:?} for a preopened directory")]
    InvalidGuestPath(String),
    /// A host descriptor given for the guest's standard streams could not be used.
    #[error("cannot use host descriptor for guest fd {fd}: {source}")]
    Stdio {
        /// The guest fd (0, 1 or 2).
        fd: u32,
        /// The host error.
        source: std::io::Error,
    },
}

/// One entry of a directory listing, as `fd_readdir` reports it.
#[derive(Clone, Debug)]
pub(crate) struct DirEnt {
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
    pub(crate) name: Vec<u8>,
}

/// What a guest descriptor is.
#[derive(Debug)]
pub(crate) enum FdKind {
    /// Anything that is not a directory: regular file, stdio stream, device, pipe.
    File,
    /// A directory: a capability root for path operations.
    Dir {
        /// The guest name when this is a preopened directory.
        preopen: Option<Vec<u8>>,
        /// The listing `fd_readdir` serves cookies from; refreshed when cookie 0 is asked.
        listing: Option<Vec<DirEnt>>,
        /// Whether this is the sandbox's edge ([`super::edge`]): every path operation
        /// through it is refused.
        edge: bool,
    },
}

/// One open guest descriptor.
#[derive(Debug)]
pub(crate) struct FdEntry {
    /// The host descriptor (owned: a duplicate for stdio).
    pub(crate) fd: OwnedFd,
    pub(crate) kind: FdKind,
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
}

impl FdEntry {
    /// Is this a directory (usable as the base of path operations)?
    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, FdKind::Dir { .. })
    }
}

/// The guest descriptor table: index = guest fd.
#[derive(Debug, Default)]
pub(crate) struct FdTable {
    entries: Vec<Option<FdEntry>>,
}

/// Guest fd numbers above this are never allocated (host limits bite long before).
const MAX_FDS: usize = 1 << 20;

impl FdTable {
    fn slot(fd: u32) -> WasiResult<usize> {
        usize::try_from(fd).map_err(|_| Errno::BADF)
    }

    /// The entry of guest `fd`, or `EBADF`.
    pub(crate) fn get(&self, fd: u32) -> WasiResult<&FdEntry> {
        self.entries
            .get(Self::slot(fd)?)
            .and_then(Option::as_ref)
            .ok_or(Errno::BADF)
    }

    /// The entry of guest `fd`, mutably, or `EBADF`.
    pub(crate) fn get_mut(&mut self, fd: u32) -> WasiResult<&mut FdEntry> {
        self.entries
            .get_mut(Self::slot(fd)?)
            .and_then(Option::as_mut)
            .ok_or(Errno::BADF)
    }

    /// The host descriptor of guest directory `fd`: `EBADF` if closed, `ENOTDIR` if not a
    /// directory.
    pub(crate) fn dir(&self, fd: u32) -> WasiResult<BorrowedFd<'_>> {
        let e = self.get(fd)?;
        match e.kind {
            FdKind::Dir { edge: true, .. } => Err(Errno::NOTCAPABLE),
            FdKind::Dir { .. } => Ok(e.fd.as_fd()),
            FdKind::File => Err(Errno::NOTDIR),
        }
    }

    /// Whether guest `fd` is the sandbox's edge.
    fn is_edge(&self, fd: u32) -> bool {
        matches!(
            self.get(fd).map(|e| &e.kind),
            Ok(FdKind::Dir { edge: true, .. })
        )
    }

    /// The open preopened directories, in descriptor order: (guest name, host descriptor).
    #[cfg(feature = "mpi")]
    pub(crate) fn preopens(&self) -> impl Iterator<Item = (&[u8], BorrowedFd<'_>)> {
        self.entries.iter().flatten().filter_map(|e| match &e.kind {
            FdKind::Dir {
                preopen: Some(name),
                edge: false,
                ..
            } => Some((name.as_slice(), e.fd.as_fd())),
            _ => None,
        })
    }

    /// Stores `entry` in the lowest free slot from 3 on and returns its guest fd. Slots 0-2
    /// are never reused, so that a closed stdio stream cannot silently become a file.
    pub(crate) fn insert(&mut self, entry: FdEntry) -> WasiResult<u32> {
        let free = self
            .entries
            .iter()
            .enumerate()
            .skip(3)
            .find_map(|(i, e)| e.is_none().then_some(i));
        let i = match free {
            Some(i) => i,
            None => {
                if self.entries.len() >= MAX_FDS {
                    return Err(Errno::MFILE);
                }
                self.entries.push(None);
                self.entries.len() - 1
            }
        };
        let fd = u32::try_from(i).map_err(|_| Errno::MFILE)?;
        if let Some(slot) = self.entries.get_mut(i) {
            *slot = Some(entry);
        }
        Ok(fd)
    }

    /// Appends a slot at the end (setup only: stdio and preopens keep their order).
    fn push(&mut self, entry: Option<FdEntry>) -> u32 {
        self.entries.push(entry);
        u32::try_from(self.entries.len() - 1).unwrap_or(u32::MAX)
    }

    /// Replaces slot `fd` (setup only, `fd` < current length).
    fn replace(&mut self, fd: usize, entry: FdEntry) {
        if let Some(slot) = self.entries.get_mut(fd) {
            *slot = Some(entry);
        }
    }

    /// Removes and returns the entry of `fd`, or `EBADF`.
    pub(crate) fn remove(&mut self, fd: u32) -> WasiResult<FdEntry> {
        self.entries
            .get_mut(Self::slot(fd)?)
            .and_then(Option::take)
            .ok_or(Errno::BADF)
    }

    /// Moves the entry of `from` to `to` (closing what `to` held). Both must be open.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        self.get(from)?;
        self.get(to)?;
        if from == to {
            return Ok(());
        }
        let entry = self.remove(from)?;
        let slot = self.entries.get_mut(Self::slot(to)?).ok_or(Errno::BADF)?;
        *slot = Some(entry);
        Ok(())
    }
}

/// The WASI state of an instance: program arguments, environment variables and the
/// descriptor table (stdio at 0, 1, 2, then the preopened directories from 3 on).
///
/// Build it before instantiation: [`WasiCtx::new`], then [`WasiCtx::push_env`] /
/// [`WasiCtx::inherit_env`] and [`WasiCtx::preopen_dir`]. Guest output is written straight
/// to the host descriptors (no buffering), so there is nothing to flush at exit.
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: FdTable,
    /// Paths refused at the sandbox's edge, named once each.
    hints: super::edge::Hints,
}

impl Default for WasiCtx {
    /// No arguments, no environment, stdio 0/1/2 open, no preopened directory.
    fn default() -> Self {
        WasiCtx::new(Vec::new())
    }
}

impl fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args.len())
            .field("env", &self.env.len())
            .field("fds", &self.fds.entries.len())
            .finish()
    }
}

impl WasiCtx {
    /// A context with program arguments `args` (`args[0]` is the program name as the guest
    /// sees it), an empty environment, the host's stdin/stdout/stderr as fds 0/1/2 and no
    /// preopened directory.
    pub fn new(args: Vec<String>) -> WasiCtx {
        let mut fds = FdTable::default();
        for host in [
            rustix::stdio::stdin(),
            rustix::stdio::stdout(),
            rustix::stdio::stderr(),
        ] {
            // A duplicate, so that the guest closing its fd 1 does not close the launcher's.
            // A host stream that is not open leaves the guest slot closed (EBADF).
            let entry = rustix::io::fcntl_dupfd_cloexec(host, 3)
                .ok()
                .map(stdio_entry);
            fds.push(entry);
        }
        WasiCtx {
            args: args.into_iter().map(String::into_bytes).collect(),
            env: Vec::new(),
            fds,
            hints: super::edge::Hints::default(),
        }
    }

    /// Makes paths that no preopened directory covers visible to the launcher, so that the
    /// first use of each prints which `--dir` would give access ([`super::edge`]); the
    /// program still gets `ENOTCAPABLE`. Call before the first [`WasiCtx::preopen_dir`]:
    /// wasi-libc takes `/` and `.` for equally good matches of a relative path and prefers
    /// the one preopened last, so every `--dir` (`.` and `/` included) wins over the edge.
    /// Does nothing if no temporary directory can be made.
    pub fn hint_at_paths_outside_preopens(&mut self) {
        if let Some(fd) = super::edge::vanished_directory() {
            self.fds.push(Some(FdEntry {
                fd,
                kind: FdKind::Dir {
                    preopen: Some(super::edge::EDGE_NAME.to_vec()),
                    listing: None,
                    edge: true,
                },
                rights_base: RIGHTS_DIR,
                rights_inheriting: RIGHTS_ALL,
            }));
        }
    }

    /// The host descriptor of guest directory `fd` for an operation on `path`; at the
    /// sandbox's edge, names `path` on stderr (once) and refuses with `ENOTCAPABLE`.
    pub(crate) fn dir_for(&self, fd: u32, path: &[u8]) -> WasiResult<BorrowedFd<'_>> {
        if self.fds.is_edge(fd) {
            self.hints.refused(path);
            return Err(Errno::NOTCAPABLE);
        }
        self.fds.dir(fd)
    }

    /// Appends a program argument.
    pub fn push_arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.args.push(arg.as_ref().as_bytes().to_vec());
        self
    }

    /// Sets the environment variable `key=value`, replacing an earlier value of `key` (so
    /// `--env` given after [`WasiCtx::inherit_env`] wins). `key` should not contain `=`.
    pub fn push_env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        let key = key.as_ref().as_bytes();
        self.env
            .retain(|kv| !(kv.starts_with(key) && kv.get(key.len()) == Some(&b'=')));
        let mut kv = key.to_vec();
        kv.push(b'=');
        kv.extend_from_slice(value.as_ref().as_bytes());
        self.env.push(kv);
        self
    }

    /// Adds every environment variable of the host process.
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            self.push_env(k, v);
        }
        self
    }

    /// Makes the host directory `host_path` visible to the guest as `guest_path`, at the
    /// next free descriptor (3, 4, ... in call order). The guest can reach nothing outside
    /// it through this descriptor.
    pub fn preopen_dir(
        &mut self,
        host_path: &Path,
        guest_path: &str,
    ) -> Result<(), WasiSetupError> {
        if guest_path.is_empty() || guest_path.contains('\0') {
            return Err(WasiSetupError::InvalidGuestPath(guest_path.to_string()));
        }
        let flags = rustix::fs::OFlags::RDONLY
            | rustix::fs::OFlags::DIRECTORY
            | rustix::fs::OFlags::CLOEXEC;
        let fd = rustix::fs::open(host_path, flags, rustix::fs::Mode::empty()).map_err(|e| {
            if e == rustix::io::Errno::NOTDIR {
                WasiSetupError::NotADirectory {
                    path: host_path.to_path_buf(),
                }
            } else {
                WasiSetupError::Open {
                    path: host_path.to_path_buf(),
                    source: e.into(),
                }
            }
        })?;
        self.fds.push(Some(FdEntry {
            fd,
            kind: FdKind::Dir {
                preopen: Some(guest_path.as_bytes().to_vec()),
                listing: None,
                edge: false,
            },
            rights_base: RIGHTS_DIR,
            rights_inheriting: RIGHTS_ALL,
        }));
        Ok(())
    }

    /// Uses host descriptor `host` as the guest's fd `guest_fd` (0, 1 or 2) instead of the
    /// launcher's own stdin/stdout/stderr: e.g. a pipe or file to capture output.
    pub fn set_stdio(&mut self, guest_fd: u32, host: OwnedFd) -> Result<(), WasiSetupError> {
        if guest_fd > 2 {
            return Err(WasiSetupError::Stdio {
                fd: guest_fd,
                source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
            });
        }
        // guest_fd <= 2, so the slot exists (created by `new`).
        self.fds.replace(guest_fd as usize, stdio_entry(host));
        Ok(())
    }
}

/// The table entry for a host stream used as guest stdio.
fn stdio_entry(fd: OwnedFd) -> FdEntry {
    let mut rights = RIGHTS_FILE;
    if !is_seekable(fd.as_fd()) {
        // wasi-libc's isatty() wants a character device without SEEK/TELL rights.
        rights &= !(RIGHTS_FD_SEEK | RIGHTS_FD_TELL);
    }
    FdEntry {
        fd,
        kind: FdKind::File,
        rights_base: rights,
        rights_inheriting: 0,
    }
}

/// Whether `fd` is a seekable stream (not a terminal, pipe or socket).
fn is_seekable(fd: BorrowedFd<'_>) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: isatty only inspects the descriptor number; any value is allowed.
    let tty = unsafe { libc::isatty(fd.as_raw_fd()) } == 1;
    if tty {
        return false;
    }
    match rustix::fs::fstat(fd) {
        Ok(st) => !matches!(
            rustix::fs::FileType::from_raw_mode(st.st_mode),
            rustix::fs::FileType::Fifo | rustix::fs::FileType::Socket
        ),
        Err(_) => false,
    }
}

//! Sandboxed path resolution: turns a guest path relative to a directory descriptor into a
//! host directory descriptor plus one final name, never leaving that directory.
//!
//! The walk is done here, one component at a time, instead of handing the path to the host:
//!
//! * absolute paths are refused (`ENOTCAPABLE`);
//! * every intermediate component is opened with `openat(cur, name, O_PATH | O_DIRECTORY |
//!   O_NOFOLLOW)`, so the host never follows a symlink or `..` by itself; the opened
//!   directories form a stack whose bottom is the root descriptor;
//! * `.` is skipped, `..` pops the stack, and popping past the root is `ENOTCAPABLE`;
//! * a symlink met on the way (an intermediate component, or the final one when following
//!   was asked) is read with `readlinkat` and its target spliced into the remaining
//!   components; absolute targets are `ENOTCAPABLE`, more than [`MAX_SYMLINK_EXPANSIONS`]
//!   expansions is `ELOOP`.
//!
//! The result ([`Resolved`]) is a directory inside the root plus a final name that contains
//! no `/` and is never `..`. Callers act on it with `*at` calls that do not follow a final
//! symlink (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`): any symlink that had to be followed has
//! already been, by this walk, so a symlink appearing there later only makes the call fail.

use super::types::{Errno, WasiResult};
use rustix::fs::{Mode, OFlags};
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// Longest guest path accepted (Linux `PATH_MAX`).
pub(crate) const MAX_PATH_LEN: usize = 4096;

/// Most symlinks followed while resolving one path (Linux uses 40 too).
pub(crate) const MAX_SYMLINK_EXPANSIONS: u32 = 40;

/// The directory a resolved path ends in.
enum DirFd<'a> {
    /// The capability root itself.
    Root(BorrowedFd<'a>),
    /// A directory below it, opened during the walk.
    Owned(OwnedFd),
}

/// A guest path resolved inside its root: the host directory holding the final component,
/// and that component's name.
pub(crate) struct Resolved<'a> {
    dir: DirFd<'a>,
    name: CString,
    /// The guest path ended with `/`: the final component must be a directory.
    pub(crate) trailing_slash: bool,
}

impl Resolved<'_> {
    /// The directory holding the final component (inside the root).
    pub(crate) fn dir(&self) -> BorrowedFd<'_> {
        match &self.dir {
            DirFd::Root(fd) => *fd,
            DirFd::Owned(fd) => fd.as_fd(),
        }
    }

    /// The final component: a single name (no `/`), possibly `.`, never `..`.
    pub(crate) fn name(&self) -> &CStr {
        &self.name
    }
}

/// Splits `path` into its non-empty components, pushed in reverse order onto `pending` (so
/// that `pending.pop()` yields them first to last).
fn push_components(pending: &mut Vec<Vec<u8>>, path: &[u8]) {
    pending.extend(
        path.split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .rev()
            .map(<[u8]>::to_vec),
    );
}

/// Reads symlink `name` in `dir`: `Some(target)` for a symlink, `None` when `name` is not a
/// symlink or does not exist.
fn read_link(dir: BorrowedFd<'_>, name: &CStr) -> WasiResult<Option<Vec<u8>>> {
    match rustix::fs::readlinkat(dir, name, Vec::new()) {
        Ok(target) => Ok(Some(target.into_bytes())),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOENT => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Checks that `path` is an acceptable guest path (non-empty, relative, no NUL, not too long).
fn check_path(path: &[u8]) -> WasiResult<()> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.len() > MAX_PATH_LEN {
        return Err(Errno::NAMETOOLONG);
    }
    if path.contains(&0) {
        return Err(Errno::INVAL);
    }
    if path.first() == Some(&b'/') {
        return Err(Errno::NOTCAPABLE);
    }
    Ok(())
}

/// Resolves guest `path` below directory `root` (see the module doc).
///
/// `follow_final` says whether a symlink as the last component is followed
/// (`LOOKUPFLAGS_SYMLINK_FOLLOW`; callers also ask for it when POSIX follows because of a
/// trailing `/`). Intermediate symlinks are always followed.
pub(crate) fn resolve<'a>(
    root: BorrowedFd<'a>,
    path: &[u8],
    follow_final: bool,
) -> WasiResult<Resolved<'a>> {
    check_path(path)?;
    let mut trailing_slash = path.last() == Some(&b'/');
    let mut pending = Vec::new();
    push_components(&mut pending, path);
    // Directories opened below `root`; the last one is the current directory.
    let mut stack: Vec<OwnedFd> = Vec::new();
    let mut expansions = 0u32;

    let finish =
        |mut stack: Vec<OwnedFd>, name: &[u8], trailing_slash: bool| -> WasiResult<Resolved<'a>> {
            let dir = match stack.pop() {
                Some(fd) => DirFd::Owned(fd),
                None => DirFd::Root(root),
            };
            let name = CString::new(name).map_err(|_| Errno::INVAL)?;
            Ok(Resolved {
                dir,
                name,
                trailing_slash,
            })
        };

    loop {
        let Some(comp) = pending.pop() else {
            // Cannot happen for a checked path (it has at least one component), but
            // "nothing left" means the current directory.
            return finish(stack, b".", trailing_slash);
        };
        let is_last = pending.is_empty();
        match comp.as_slice() {
            b"." => {
                if is_last {
                    return finish(stack, b".", trailing_slash);
                }
            }
            b".." => {
                if stack.pop().is_none() {
                    return Err(Errno::NOTCAPABLE);
                }
                if is_last {
                    return finish(stack, b".", trailing_slash);
                }
            }
            name => {
                if is_last && !follow_final {
                    return finish(stack, name, trailing_slash);
                }
                let cname = CString::new(name).map_err(|_| Errno::INVAL)?;
                let cur = stack.last().map_or(root, |fd| fd.as_fd());
                let target = if is_last {
                    match read_link(cur, &cname)? {
                        Some(target) => target,
                        None => return finish(stack, name, trailing_slash),
                    }
                } else {
                    let flags =
                        OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                    match rustix::fs::openat(cur, &cname, flags, Mode::empty()) {
                        Ok(fd) => {
                            stack.push(fd);
                            continue;
                        }
                        Err(e)
                            if e == rustix::io::Errno::NOTDIR || e == rustix::io::Errno::LOOP =>
                        {
                            match read_link(cur, &cname)? {
                                Some(target) => target,
                                None => return Err(Errno::NOTDIR),
                            }
                        }
                        Err(e) => return Err(e.into()),
                    }
                };
                // A symlink: splice its target in place of this component.
                expansions += 1;
                if expansions > MAX_SYMLINK_EXPANSIONS {
                    return Err(Errno::LOOP);
                }
                if target.is_empty() {
                    return Err(Errno::NOENT);
                }
                if target.first() == Some(&b'/') {
                    return Err(Errno::NOTCAPABLE);
                }
                if is_last && target.last() == Some(&b'/') {
                    trailing_slash = true;
                }
                push_components(&mut pending, &target);
            }
        }
    }
}

/// A guest file name made openable by a host library that only takes paths (MPI-IO): the
/// directory holding the file, opened by the sandboxed walk, and a host path through it.
#[cfg(feature = "mpi")]
pub(crate) struct HostPath {
    /// The directory holding the file; `path` names the file through this descriptor, so it
    /// must stay open as long as the host library may use the path.
    pub(crate) dir: OwnedFd,
    /// `/proc/self/fd/<dir>/<name>`.
    pub(crate) path: CString,
}

/// wasi-libc's normalisation of a preopened directory's name: leading `/` and `./` and a
/// lone `.` are dropped (`/data` → `data`, `.` and `/` → the empty prefix).
#[cfg(feature = "mpi")]
fn strip_prefixes(mut name: &[u8]) -> &[u8] {
    loop {
        name = match name {
            [b'/', rest @ ..] => rest,
            [b'.', b'/', rest @ ..] => rest,
            [b'.'] => &[],
            _ => return name,
        };
    }
}

/// The part of `path` (without leading `/`) below preopen name `prefix` (normalised), if
/// `prefix` names whole leading components of it: wasi-libc's `prefix_matches`.
#[cfg(feature = "mpi")]
fn below_prefix<'p>(prefix: &[u8], path: &'p [u8]) -> Option<&'p [u8]> {
    let rest = path.strip_prefix(prefix)?;
    let without_slashes = prefix.len() - prefix.iter().rev().take_while(|&&b| b == b'/').count();
    match path.get(without_slashes) {
        _ if prefix.is_empty() => Some(rest),
        None | Some(b'/') => Some(rest),
        Some(_) => None,
    }
}

/// `path` without its leading `/`s.
#[cfg(feature = "mpi")]
fn unrooted(path: &[u8]) -> &[u8] {
    &path[path.iter().take_while(|&&b| b == b'/').count()..]
}

/// Resolves a guest file name the way a guest's own `open` would, for a host library that
/// opens files by path.
///
/// Like wasi-libc, the name is matched against the preopened directories' names (leading
/// `/` ignored, whole components, the longest match wins, later preopens on ties), so
/// `/data/x` and `data/x` both mean `x` in the directory preopened as `/data`; relative names
/// are taken from the root, wasi-libc's initial working directory. The rest is walked by
/// [`resolve`] inside that directory (`follow_final`: whether a final symlink is followed,
/// as `open` does; `unlink` does not). No preopen matching is `ENOTCAPABLE`, like any escape.
///
/// The result names the final component through `/proc/self/fd`, relative to a descriptor of
/// the directory the walk ended in; that component was not a symlink (or was followed inside
/// the sandbox) when resolved. A symlink put there afterwards, by another process, is beyond
/// this check.
#[cfg(feature = "mpi")]
pub(crate) fn host_path(
    wasi: &super::WasiCtx,
    path: &[u8],
    follow_final: bool,
) -> WasiResult<HostPath> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.len() > MAX_PATH_LEN {
        return Err(Errno::NAMETOOLONG);
    }
    if path.contains(&0) {
        return Err(Errno::INVAL);
    }
    let path = unrooted(path);
    let mut best: Option<(usize, BorrowedFd<'_>, &[u8])> = None;
    for (name, fd) in wasi.fds.preopens() {
        let prefix = strip_prefixes(name);
        if let Some(rest) = below_prefix(prefix, path) {
            if best.is_none_or(|(len, _, _)| prefix.len() >= len) {
                best = Some((prefix.len(), fd, rest));
            }
        }
    }
    let (_, root, rest) = best.ok_or(Errno::NOTCAPABLE)?;
    let rest = unrooted(rest);
    let resolved = resolve(
        root,
        if rest.is_empty() { b"." } else { rest },
        follow_final,
    )?;
    let dir = rustix::io::fcntl_dupfd_cloexec(resolved.dir(), 0)?;
    let mut host = format!("/proc/self/fd/{}/", std::os::fd::AsRawFd::as_raw_fd(&dir)).into_bytes();
    host.extend_from_slice(resolved.name().to_bytes());
    let path = CString::new(host).map_err(|_| Errno::INVAL)?;
    Ok(HostPath { dir, path })
}

#[cfg(all(test, feature = "mpi"))]
mod host_path_tests {
    use super::*;
    use crate::wasi::WasiCtx;

    #[test]
    fn preopen_names_match_like_wasi_libc() {
        assert_eq!(strip_prefixes(b"/data"), b"data");
        assert_eq!(strip_prefixes(b"./data/"), b"data/");
        assert_eq!(strip_prefixes(b"."), b"");
        assert_eq!(strip_prefixes(b"/"), b"");
        assert_eq!(below_prefix(b"data", b"data/x"), Some(&b"/x"[..]));
        assert_eq!(below_prefix(b"data", b"data"), Some(&b""[..]));
        assert_eq!(below_prefix(b"data/", b"data/x"), Some(&b"x"[..]));
        assert_eq!(below_prefix(b"data", b"database"), None);
        assert_eq!(below_prefix(b"data", b"etc/passwd"), None);
        assert_eq!(below_prefix(b"", b"../x"), Some(&b"../x"[..]));
    }

    #[test]
    fn host_paths_stay_in_the_preopened_directories() {
        let base = std::env::temp_dir().join(format!("wasmpi-hostpath-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("data/sub")).unwrap();
        std::fs::create_dir_all(base.join("deeper")).unwrap();
        std::fs::write(base.join("data/sub/f"), b"f").unwrap();
        std::fs::write(base.join("deeper/g"), b"g").unwrap();
        std::fs::write(base.join("secret"), b"s").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", base.join("data/abs")).unwrap();
        std::os::unix::fs::symlink("sub/f", base.join("data/rel")).unwrap();
        let mut wasi = WasiCtx::default();
        wasi.preopen_dir(&base.join("data"), "/data").unwrap();
        wasi.preopen_dir(&base.join("deeper"), "/data/sub/deeper")
            .unwrap();

        let read = |path: &[u8], follow| -> WasiResult<Vec<u8>> {
            let p = host_path(&wasi, path, follow)?;
            let host = std::path::PathBuf::from(p.path.to_str().unwrap());
            Ok(std::fs::read(host).unwrap_or_default())
        };
        assert_eq!(read(b"/data/sub/f", true).unwrap(), b"f");
        assert_eq!(read(b"data//sub/./f", true).unwrap(), b"f");
        assert_eq!(read(b"///data/rel", true).unwrap(), b"f");
        assert_eq!(
            read(b"/data/sub/deeper/g", true).unwrap(),
            b"g",
            "longest prefix"
        );
        for escape in [
            &b"/etc/passwd"[..],
            b"/data/../secret",
            b"/data/sub/../../secret",
            b"/data/abs",
            b"../secret",
            b"/dat",
        ] {
            assert_eq!(
                read(escape, true).err(),
                Some(Errno::NOTCAPABLE),
                "{}",
                String::from_utf8_lossy(escape)
            );
        }
        assert_eq!(read(b"", true).err(), Some(Errno::NOENT));
        assert_eq!(read(b"/data/a\0b", true).err(), Some(Errno::INVAL));
        // Not following the final symlink names the link itself (for unlink).
        let link = host_path(&wasi, b"/data/abs", false).unwrap();
        assert!(link.path.to_bytes().ends_with(b"/abs"));
        let _ = std::fs::remove_dir_all(&base);
    }
}

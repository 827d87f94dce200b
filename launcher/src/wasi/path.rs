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

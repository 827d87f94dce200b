//! Descriptor (`fd_*`) and path (`path_*`) functions.
//!
//! Path functions resolve their guest path with [`super::path::resolve`] (the sandbox) and
//! then act on the resulting (directory, name) pair with `*at` host calls that never follow
//! a final symlink. Rights are tracked per descriptor and reported by `fd_fdstat_get`; they
//! decide the host open mode in `path_open`, and `fd_read`/`fd_write` check `FD_READ` /
//! `FD_WRITE` (so `fd_fdstat_set_rights` can drop them). Everything else is left to the
//! host's own checks on the descriptor.

// The inner functions take the memory, the context and the WASI parameters: the arity is
// WASI's.
#![allow(clippy::too_many_arguments)]

use super::ctx::{DirEnt, FdEntry, FdKind, WasiCtx};
use super::mem;
use super::path::resolve;
use super::types::*;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, SeekFrom, Stat, Timespec, Timestamps};
use std::io::IoSlice;
use std::ops::Range;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

// ---------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------

/// Any host integer as `u64` (0 if negative): stat field types differ between targets.
fn to_u64<T: TryInto<u64>>(v: T) -> u64 {
    v.try_into().unwrap_or(0)
}

/// Seconds + nanoseconds since the epoch as a WASI timestamp (clamped to `u64`).
pub(crate) fn timestamp(sec: i128, nsec: i128) -> u64 {
    let ns = sec.saturating_mul(1_000_000_000).saturating_add(nsec);
    u64::try_from(ns.max(0)).unwrap_or(u64::MAX)
}

/// The WASI filetype of a host file type.
fn filetype(ft: FileType) -> u8 {
    match ft {
        FileType::RegularFile => FILETYPE_REGULAR_FILE,
        FileType::Directory => FILETYPE_DIRECTORY,
        FileType::Symlink => FILETYPE_SYMBOLIC_LINK,
        FileType::CharacterDevice => FILETYPE_CHARACTER_DEVICE,
        FileType::BlockDevice => FILETYPE_BLOCK_DEVICE,
        FileType::Socket => FILETYPE_SOCKET_STREAM,
        // WASI has no FIFO type.
        FileType::Fifo | FileType::Unknown => FILETYPE_UNKNOWN,
    }
}

/// The WASI filetype of a host `stat`.
fn filetype_of(st: &Stat) -> u8 {
    filetype(FileType::from_raw_mode(st.st_mode))
}

fn is_dir(st: &Stat) -> bool {
    FileType::from_raw_mode(st.st_mode) == FileType::Directory
}

/// The 64-byte WASI `filestat` of a host `stat`.
fn filestat_bytes(st: &Stat) -> [u8; SIZEOF_FILESTAT] {
    let mut b = [0u8; SIZEOF_FILESTAT];
    let fields: [(usize, u64); 7] = [
        (0, to_u64(st.st_dev)),
        (8, to_u64(st.st_ino)),
        (24, to_u64(st.st_nlink)),
        (32, to_u64(st.st_size)),
        (
            40,
            timestamp(i128::from(st.st_atime), i128::from(st.st_atime_nsec)),
        ),
        (
            48,
            timestamp(i128::from(st.st_mtime), i128::from(st.st_mtime_nsec)),
        ),
        (
            56,
            timestamp(i128::from(st.st_ctime), i128::from(st.st_ctime_nsec)),
        ),
    ];
    for (at, v) in fields {
        if let Some(dst) = b.get_mut(at..at + 8) {
            dst.copy_from_slice(&v.to_le_bytes());
        }
    }
    b[16] = filetype_of(st);
    b
}

/// Writes the `filestat` of `st` at guest address `buf`.
fn write_filestat(mem: &mut [u8], buf: u32, st: &Stat) -> WasiResult {
    Ok(mem::write_bytes(mem, buf, &filestat_bytes(st))?)
}

/// A WASI timestamp as a host `timespec`.
fn timespec(ns: u64) -> Timespec {
    Timespec {
        tv_sec: i64::try_from(ns / 1_000_000_000).unwrap_or(i64::MAX),
        tv_nsec: rustix::fs::Nsecs::try_from(ns % 1_000_000_000).unwrap_or(0),
    }
}

/// The host timestamps for `fd_filestat_set_times` / `path_filestat_set_times`.
fn timestamps(atim: u64, mtim: u64, fst_flags: u32) -> WasiResult<Timestamps> {
    let all = FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW | FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW;
    if fst_flags & !all != 0 {
        return Err(Errno::INVAL);
    }
    let pick = |t: u64, set: u32, now: u32| -> WasiResult<Timespec> {
        match (fst_flags & set != 0, fst_flags & now != 0) {
            (true, true) => Err(Errno::INVAL),
            (true, false) => Ok(timespec(t)),
            (false, true) => Ok(Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_NOW,
            }),
            (false, false) => Ok(Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_OMIT,
            }),
        }
    };
    Ok(Timestamps {
        last_access: pick(atim, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW)?,
        last_modification: pick(mtim, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW)?,
    })
}

/// Host open flags as WASI fdflags.
fn fdflags_of(host: OFlags) -> u16 {
    let bits = host.bits();
    let has = |f: libc::c_int| {
        let f = f as u32;
        bits & f == f
    };
    let mut out = 0u32;
    if has(libc::O_APPEND) {
        out |= FDFLAGS_APPEND;
    }
    if has(libc::O_NONBLOCK) {
        out |= FDFLAGS_NONBLOCK;
    }
    if has(libc::O_SYNC) {
        out |= FDFLAGS_SYNC;
    } else if has(libc::O_DSYNC) {
        out |= FDFLAGS_DSYNC;
    }
    out as u16
}

/// WASI fdflags as host open flags.
fn host_fdflags(fdflags: u32) -> OFlags {
    let mut bits = 0;
    if fdflags & FDFLAGS_APPEND != 0 {
        bits |= libc::O_APPEND;
    }
    if fdflags & FDFLAGS_NONBLOCK != 0 {
        bits |= libc::O_NONBLOCK;
    }
    if fdflags & FDFLAGS_DSYNC != 0 {
        bits |= libc::O_DSYNC;
    }
    if fdflags & FDFLAGS_RSYNC != 0 {
        bits |= libc::O_RSYNC;
    }
    if fdflags & FDFLAGS_SYNC != 0 {
        bits |= libc::O_SYNC;
    }
    OFlags::from_bits_retain(bits as u32)
}

// ---------------------------------------------------------------------------------------
// Host I/O on guest buffers
// ---------------------------------------------------------------------------------------

/// Reads into the guest buffers `ranges` (checked ranges of `mem`) with one `readv`
/// (`preadv` at `offset` when given). Returns the byte count.
fn host_readv(
    fd: BorrowedFd<'_>,
    mem: &mut [u8],
    ranges: &[Range<usize>],
    offset: Option<u64>,
) -> WasiResult<u32> {
    let base = mem.as_mut_ptr();
    let iov: Vec<libc::iovec> = ranges
        .iter()
        .map(|r| libc::iovec {
            iov_base: base.wrapping_add(r.start).cast(),
            iov_len: r.len(),
        })
        .collect();
    let count = libc::c_int::try_from(iov.len()).map_err(|_| Errno::INVAL)?;
    let offset = offset
        .map(|o| libc::off_t::try_from(o).map_err(|_| Errno::INVAL))
        .transpose()?;
    loop {
        let n = match offset {
            // SAFETY: every iovec points into `mem` (the ranges were bounds-checked against
            // it by `mem::iovecs`), which this function borrows exclusively, so the kernel
            // writes only into memory we own and no Rust reference to it is alive meanwhile.
            // Overlapping guest buffers are fine: only raw pointers alias.
            None => unsafe { libc::readv(fd.as_raw_fd(), iov.as_ptr(), count) },
            // SAFETY: as above.
            Some(off) => unsafe { libc::preadv(fd.as_raw_fd(), iov.as_ptr(), count, off) },
        };
        if n >= 0 {
            return u32::try_from(n).map_err(|_| Errno::OVERFLOW);
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err.into());
        }
    }
}

/// Writes the guest buffers `ranges` with one `writev` (`pwritev` at `offset` when given).
fn host_writev(
    fd: BorrowedFd<'_>,
    mem: &[u8],
    ranges: &[Range<usize>],
    offset: Option<u64>,
) -> WasiResult<u32> {
    let bufs = ranges
        .iter()
        .map(|r| mem.get(r.clone()).map(IoSlice::new).ok_or(Errno::FAULT))
        .collect::<WasiResult<Vec<_>>>()?;
    loop {
        let r = match offset {
            None => rustix::io::writev(fd, &bufs),
            Some(off) => rustix::io::pwritev(fd, &bufs, off),
        };
        match r {
            Ok(n) => return u32::try_from(n).map_err(|_| Errno::OVERFLOW),
            Err(e) if e == rustix::io::Errno::INTR => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The entry of `fd` for reading: `EISDIR` for a directory, `EBADF` without `FD_READ`.
fn readable(cx: &WasiCtx, fd: u32) -> WasiResult<&FdEntry> {
    let e = cx.fds.get(fd)?;
    if e.is_dir() {
        return Err(Errno::ISDIR);
    }
    if e.rights_base & RIGHTS_FD_READ == 0 {
        return Err(Errno::BADF);
    }
    Ok(e)
}

/// The entry of `fd` for writing: `EBADF` without `FD_WRITE` (directories never have it).
fn writable(cx: &WasiCtx, fd: u32) -> WasiResult<&FdEntry> {
    let e = cx.fds.get(fd)?;
    if e.rights_base & RIGHTS_FD_WRITE == 0 {
        return Err(Errno::BADF);
    }
    Ok(e)
}

// ---------------------------------------------------------------------------------------
// fd_*
// ---------------------------------------------------------------------------------------

/// `fd_advise(fd, offset, len, advice)`.
pub(crate) fn fd_advise(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult {
    use rustix::fs::Advice;
    let advice = match advice {
        ADVICE_NORMAL => Advice::Normal,
        ADVICE_SEQUENTIAL => Advice::Sequential,
        ADVICE_RANDOM => Advice::Random,
        ADVICE_WILLNEED => Advice::WillNeed,
        ADVICE_DONTNEED => Advice::DontNeed,
        ADVICE_NOREUSE => Advice::NoReuse,
        _ => return Err(Errno::INVAL),
    };
    let e = cx.fds.get(fd)?;
    if e.is_dir() {
        return Err(Errno::BADF);
    }
    rustix::fs::fadvise(&e.fd, offset, len, advice)?;
    Ok(())
}

/// `fd_allocate(fd, offset, len)`: makes sure the file has room for `[offset, offset+len)`.
pub(crate) fn fd_allocate(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    offset: u64,
    len: u64,
) -> WasiResult {
    let e = writable(cx, fd)?;
    rustix::fs::fallocate(&e.fd, rustix::fs::FallocateFlags::empty(), offset, len)?;
    Ok(())
}

/// `fd_close(fd)`.
pub(crate) fn fd_close(_mem: &mut [u8], cx: &mut WasiCtx, fd: u32) -> WasiResult {
    cx.fds.remove(fd).map(drop)
}

/// `fd_datasync(fd)`.
pub(crate) fn fd_datasync(_mem: &mut [u8], cx: &mut WasiCtx, fd: u32) -> WasiResult {
    rustix::fs::fdatasync(&cx.fds.get(fd)?.fd)?;
    Ok(())
}

/// `fd_sync(fd)`.
pub(crate) fn fd_sync(_mem: &mut [u8], cx: &mut WasiCtx, fd: u32) -> WasiResult {
    rustix::fs::fsync(&cx.fds.get(fd)?.fd)?;
    Ok(())
}

/// `fd_fdstat_get(fd, buf)`: filetype, fdflags and rights (24 bytes).
pub(crate) fn fd_fdstat_get(mem: &mut [u8], cx: &mut WasiCtx, fd: u32, buf: u32) -> WasiResult {
    let e = cx.fds.get(fd)?;
    let st = rustix::fs::fstat(&e.fd)?;
    let flags = fdflags_of(rustix::fs::fcntl_getfl(&e.fd)?);
    let mut b = [0u8; SIZEOF_FDSTAT];
    b[0] = filetype_of(&st);
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&e.rights_base.to_le_bytes());
    b[16..24].copy_from_slice(&e.rights_inheriting.to_le_bytes());
    Ok(mem::write_bytes(mem, buf, &b)?)
}

/// `fd_fdstat_set_flags(fd, flags)`: only `APPEND` and `NONBLOCK` can change on Linux.
pub(crate) fn fd_fdstat_set_flags(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    flags: u32,
) -> WasiResult {
    if flags & !FDFLAGS_ALL != 0 {
        return Err(Errno::INVAL);
    }
    if flags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC) != 0 {
        return Err(Errno::NOTSUP);
    }
    let e = cx.fds.get(fd)?;
    let changeable = OFlags::APPEND | OFlags::NONBLOCK;
    let cur = rustix::fs::fcntl_getfl(&e.fd)?;
    let new = (cur - changeable) | (host_fdflags(flags) & changeable);
    rustix::fs::fcntl_setfl(&e.fd, new)?;
    Ok(())
}

/// `fd_fdstat_set_rights(fd, base, inheriting)`: rights can only be dropped.
pub(crate) fn fd_fdstat_set_rights(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult {
    let e = cx.fds.get_mut(fd)?;
    if base & !e.rights_base != 0 || inheriting & !e.rights_inheriting != 0 {
        return Err(Errno::NOTCAPABLE);
    }
    e.rights_base = base;
    e.rights_inheriting = inheriting;
    Ok(())
}

/// `fd_filestat_get(fd, buf)`.
pub(crate) fn fd_filestat_get(mem: &mut [u8], cx: &mut WasiCtx, fd: u32, buf: u32) -> WasiResult {
    let st = rustix::fs::fstat(&cx.fds.get(fd)?.fd)?;
    write_filestat(mem, buf, &st)
}

/// `fd_filestat_set_size(fd, size)`.
pub(crate) fn fd_filestat_set_size(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    size: u64,
) -> WasiResult {
    rustix::fs::ftruncate(&cx.fds.get(fd)?.fd, size)?;
    Ok(())
}

/// `fd_filestat_set_times(fd, atim, mtim, fst_flags)`.
pub(crate) fn fd_filestat_set_times(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult {
    let times = timestamps(atim, mtim, fst_flags)?;
    rustix::fs::futimens(&cx.fds.get(fd)?.fd, &times)?;
    Ok(())
}

/// Which way `fd_read`/`fd_pread`/`fd_write`/`fd_pwrite` move bytes between the guest's
/// iovecs and a descriptor; [`Direction::transfer`] is their one body.
#[derive(Clone, Copy)]
enum Direction {
    /// From the descriptor into the guest buffers (`fd_read`, `fd_pread`).
    Read,
    /// From the guest buffers to the descriptor (`fd_write`, `fd_pwrite`).
    Write,
}

impl Direction {
    /// Checks the descriptor ([`readable`] or [`writable`]), then that the `u32` count at
    /// `ndone` is writable, then the iovec array at `iovs` (`EFAULT` for any of it outside
    /// memory); moves the bytes with one host call (`preadv`/`pwritev` at `offset` when given,
    /// which leaves the file position alone) and stores the byte count at `ndone`.
    fn transfer(
        self,
        mem: &mut [u8],
        cx: &WasiCtx,
        fd: u32,
        iovs: u32,
        iovs_len: u32,
        offset: Option<u64>,
        ndone: u32,
    ) -> WasiResult {
        let e = match self {
            Direction::Read => readable(cx, fd)?,
            Direction::Write => writable(cx, fd)?,
        };
        mem::check_writable(mem, ndone, 4)?;
        let ranges = mem::iovecs(mem, iovs, iovs_len)?;
        let n = match self {
            Direction::Read => host_readv(e.fd.as_fd(), mem, &ranges, offset)?,
            Direction::Write => host_writev(e.fd.as_fd(), mem, &ranges, offset)?,
        };
        Ok(mem::write_u32(mem, ndone, n)?)
    }
}

/// `fd_read(fd, iovs, iovs_len, nread)`.
pub(crate) fn fd_read(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> WasiResult {
    Direction::Read.transfer(mem, cx, fd, iovs, iovs_len, None, nread)
}

/// `fd_pread(fd, iovs, iovs_len, offset, nread)`: reads at `offset`, not moving the position.
pub(crate) fn fd_pread(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> WasiResult {
    Direction::Read.transfer(mem, cx, fd, iovs, iovs_len, Some(offset), nread)
}

/// `fd_write(fd, iovs, iovs_len, nwritten)`.
pub(crate) fn fd_write(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult {
    Direction::Write.transfer(mem, cx, fd, iovs, iovs_len, None, nwritten)
}

/// `fd_pwrite(fd, iovs, iovs_len, offset, nwritten)`: writes at `offset`, not moving the
/// position.
pub(crate) fn fd_pwrite(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult {
    Direction::Write.transfer(mem, cx, fd, iovs, iovs_len, Some(offset), nwritten)
}

/// `fd_prestat_get(fd, buf)`: `{tag: u8 = dir, name_len: u32}` for a preopened directory,
/// `EBADF` for anything else (wasi-libc scans fds from 3 until it gets `EBADF`).
pub(crate) fn fd_prestat_get(mem: &mut [u8], cx: &mut WasiCtx, fd: u32, buf: u32) -> WasiResult {
    let name = preopen_name(cx, fd)?;
    let len = u32::try_from(name.len()).map_err(|_| Errno::NAMETOOLONG)?;
    let mut b = [0u8; SIZEOF_PRESTAT];
    b[0] = PREOPENTYPE_DIR;
    b[4..8].copy_from_slice(&len.to_le_bytes());
    Ok(mem::write_bytes(mem, buf, &b)?)
}

/// `fd_prestat_dir_name(fd, path, path_len)`: the guest name of a preopened directory (no
/// NUL); `ENAMETOOLONG` if `path_len` is too small.
pub(crate) fn fd_prestat_dir_name(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    let name = preopen_name(cx, fd)?;
    if usize::try_from(path_len).map_or(true, |l| l < name.len()) {
        return Err(Errno::NAMETOOLONG);
    }
    Ok(mem::write_bytes(mem, path, name)?)
}

fn preopen_name(cx: &WasiCtx, fd: u32) -> WasiResult<&[u8]> {
    match &cx.fds.get(fd)?.kind {
        FdKind::Dir {
            preopen: Some(name),
            ..
        } => Ok(name),
        _ => Err(Errno::BADF),
    }
}

/// `fd_readdir(fd, buf, buf_len, cookie, bufused)`.
///
/// Fills `buf` with `dirent` records (24-byte header: `d_next: u64, d_ino: u64,
/// d_namlen: u32, d_type: u8`, then the name) starting at entry number `cookie`; the last
/// record may be cut short when the buffer is full (`bufused == buf_len` then tells the
/// guest to come back with a bigger buffer or the next cookie). Cookie `n` is entry `n` of a
/// listing taken when cookie 0 is asked (or on first use), `.` and `..` first.
pub(crate) fn fd_readdir(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult {
    let out_range = mem::range(mem.len(), buf, buf_len)?;
    mem::check_writable(mem, bufused, 4)?;
    let entry = cx.fds.get_mut(fd)?;
    let FdEntry { fd: host, kind, .. } = entry;
    let FdKind::Dir { listing, .. } = kind else {
        return Err(Errno::NOTDIR);
    };
    if cookie == 0 || listing.is_none() {
        *listing = Some(read_listing(host.as_fd())?);
    }
    let entries = listing.as_deref().unwrap_or(&[]);
    let out = mem.get_mut(out_range).ok_or(Errno::FAULT)?;
    let mut used = 0usize;
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, ent) in entries.iter().enumerate().skip(start) {
        let mut header = [0u8; SIZEOF_DIRENT];
        let next = u64::try_from(i).map_or(u64::MAX, |i| i.saturating_add(1));
        let namlen = u32::try_from(ent.name.len()).map_err(|_| Errno::NAMETOOLONG)?;
        header[0..8].copy_from_slice(&next.to_le_bytes());
        header[8..16].copy_from_slice(&ent.ino.to_le_bytes());
        header[16..20].copy_from_slice(&namlen.to_le_bytes());
        header[20] = ent.filetype;
        copy_partial(out, &mut used, &header);
        copy_partial(out, &mut used, &ent.name);
        if used >= out.len() {
            break;
        }
    }
    let used = u32::try_from(used).map_err(|_| Errno::OVERFLOW)?;
    Ok(mem::write_u32(mem, bufused, used)?)
}

/// Appends as much of `bytes` as fits to `out[*used..]`.
fn copy_partial(out: &mut [u8], used: &mut usize, bytes: &[u8]) {
    let room = out.len().saturating_sub(*used);
    let n = bytes.len().min(room);
    if let (Some(dst), Some(src)) = (out.get_mut(*used..*used + n), bytes.get(..n)) {
        dst.copy_from_slice(src);
        *used += n;
    }
}

/// The entries of directory `fd` (through a fresh descriptor, so positions are independent),
/// `.` and `..` first.
fn read_listing(fd: BorrowedFd<'_>) -> WasiResult<Vec<DirEnt>> {
    let mut dir = rustix::fs::Dir::read_from(fd)?;
    let mut dot = None;
    let mut dotdot = None;
    let mut rest = Vec::new();
    while let Some(ent) = dir.read() {
        let ent = ent?;
        let name = ent.file_name();
        let ft = match ent.file_type() {
            FileType::Unknown => rustix::fs::statat(fd, name, AtFlags::SYMLINK_NOFOLLOW)
                .map_or(FILETYPE_UNKNOWN, |st| filetype_of(&st)),
            t => filetype(t),
        };
        let d = DirEnt {
            ino: ent.ino(),
            filetype: ft,
            name: name.to_bytes().to_vec(),
        };
        match d.name.as_slice() {
            b"." => dot = Some(d),
            b".." => dotdot = Some(d),
            _ => rest.push(d),
        }
    }
    let dot = dot.unwrap_or_else(|| DirEnt {
        ino: rustix::fs::fstat(fd).map_or(0, |st| to_u64(st.st_ino)),
        filetype: FILETYPE_DIRECTORY,
        name: b".".to_vec(),
    });
    let dotdot = dotdot.unwrap_or_else(|| DirEnt {
        ino: 0,
        filetype: FILETYPE_DIRECTORY,
        name: b"..".to_vec(),
    });
    let mut all = Vec::with_capacity(rest.len() + 2);
    all.push(dot);
    all.push(dotdot);
    all.extend(rest);
    Ok(all)
}

/// `fd_renumber(from, to)`: moves `from` to `to`, closing what `to` was (both must be open).
pub(crate) fn fd_renumber(_mem: &mut [u8], cx: &mut WasiCtx, from: u32, to: u32) -> WasiResult {
    cx.fds.renumber(from, to)
}

/// `fd_seek(fd, offset, whence, newoffset)`.
pub(crate) fn fd_seek(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> WasiResult {
    mem::check_writable(mem, newoffset, 8)?;
    let pos = match whence {
        WHENCE_SET => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
        WHENCE_CUR => SeekFrom::Current(offset),
        WHENCE_END => SeekFrom::End(offset),
        _ => return Err(Errno::INVAL),
    };
    let e = cx.fds.get(fd)?;
    if e.is_dir() {
        return Err(Errno::BADF);
    }
    let n = rustix::fs::seek(&e.fd, pos)?;
    Ok(mem::write_u64(mem, newoffset, n)?)
}

/// `fd_tell(fd, offset)`.
pub(crate) fn fd_tell(mem: &mut [u8], cx: &mut WasiCtx, fd: u32, offset: u32) -> WasiResult {
    fd_seek(mem, cx, fd, 0, WHENCE_CUR, offset)
}

// ---------------------------------------------------------------------------------------
// path_*
// ---------------------------------------------------------------------------------------

/// Did the guest ask to follow a final symlink? (A trailing `/` makes POSIX follow too.)
fn follows(lookupflags: u32, path: &[u8]) -> bool {
    lookupflags & LOOKUPFLAGS_SYMLINK_FOLLOW != 0 || path.last() == Some(&b'/')
}

/// `path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting,
/// fdflags, opened_fd)`.
pub(crate) fn path_open(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    oflags: u32,
    rights_base: u64,
    rights_inheriting: u64,
    fdflags: u32,
    opened_fd: u32,
) -> WasiResult {
    mem::check_writable(mem, opened_fd, 4)?;
    if oflags & !OFLAGS_ALL != 0 || fdflags & !FDFLAGS_ALL != 0 {
        return Err(Errno::INVAL);
    }
    let path = mem::read_string(mem, path, path_len)?;
    let want_dir = oflags & OFLAGS_DIRECTORY != 0 || path.last() == Some(&b'/');
    if oflags & OFLAGS_CREAT != 0 && want_dir {
        return Err(if oflags & OFLAGS_DIRECTORY != 0 {
            Errno::INVAL
        } else {
            Errno::ISDIR
        });
    }
    let read = rights_base & (RIGHTS_FD_READ | RIGHTS_FD_READDIR) != 0;
    let write = rights_base
        & (RIGHTS_FD_WRITE | RIGHTS_FD_ALLOCATE | RIGHTS_FD_FILESTAT_SET_SIZE | RIGHTS_FD_DATASYNC)
        != 0;
    let mut flags = match (read, write) {
        (_, false) => OFlags::RDONLY,
        (false, true) => OFlags::WRONLY,
        (true, true) => OFlags::RDWR,
    };
    flags |= OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NOCTTY | host_fdflags(fdflags);
    if oflags & OFLAGS_CREAT != 0 {
        flags |= OFlags::CREATE;
    }
    if oflags & OFLAGS_EXCL != 0 {
        flags |= OFlags::EXCL;
    }
    if oflags & OFLAGS_TRUNC != 0 {
        flags |= OFlags::TRUNC;
    }
    if want_dir {
        flags |= OFlags::DIRECTORY;
    }

    let host = {
        let root = cx.dir_for(fd, &path)?;
        let r = resolve(root, &path, follows(dirflags, &path))?;
        rustix::fs::openat(r.dir(), r.name(), flags, Mode::from_raw_mode(0o666))?
    };
    let st = rustix::fs::fstat(&host)?;
    let (kind, mask) = if is_dir(&st) {
        (
            FdKind::Dir {
                preopen: None,
                listing: None,
                edge: false,
            },
            RIGHTS_DIR,
        )
    } else {
        (FdKind::File, RIGHTS_FILE)
    };
    let new_fd = cx.fds.insert(FdEntry {
        fd: host,
        kind,
        rights_base: rights_base & mask,
        rights_inheriting: rights_inheriting & RIGHTS_ALL,
    })?;
    if let Err(e) = mem::write_u32(mem, opened_fd, new_fd) {
        let _ = cx.fds.remove(new_fd);
        return Err(e.into());
    }
    Ok(())
}

/// `path_create_directory(fd, path, path_len)`.
pub(crate) fn path_create_directory(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    let path = mem::read_string(mem, path, path_len)?;
    let r = resolve(cx.dir_for(fd, &path)?, &path, false)?;
    rustix::fs::mkdirat(r.dir(), r.name(), Mode::from_raw_mode(0o777))?;
    Ok(())
}

/// `path_remove_directory(fd, path, path_len)`.
pub(crate) fn path_remove_directory(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    let path = mem::read_string(mem, path, path_len)?;
    let r = resolve(cx.dir_for(fd, &path)?, &path, false)?;
    rustix::fs::unlinkat(r.dir(), r.name(), AtFlags::REMOVEDIR)?;
    Ok(())
}

/// `path_unlink_file(fd, path, path_len)`.
pub(crate) fn path_unlink_file(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult {
    let path = mem::read_string(mem, path, path_len)?;
    let r = resolve(cx.dir_for(fd, &path)?, &path, false)?;
    if r.trailing_slash {
        let st = rustix::fs::statat(r.dir(), r.name(), AtFlags::SYMLINK_NOFOLLOW)?;
        return Err(if is_dir(&st) {
            Errno::ISDIR
        } else {
            Errno::NOTDIR
        });
    }
    rustix::fs::unlinkat(r.dir(), r.name(), AtFlags::empty())?;
    Ok(())
}

/// `path_rename(fd, old_path, old_path_len, new_fd, new_path, new_path_len)`.
pub(crate) fn path_rename(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult {
    let old_path = mem::read_string(mem, old_path, old_path_len)?;
    let new_path = mem::read_string(mem, new_path, new_path_len)?;
    let old = resolve(cx.dir_for(fd, &old_path)?, &old_path, false)?;
    let new = resolve(cx.dir_for(new_fd, &new_path)?, &new_path, false)?;
    if old.trailing_slash || new.trailing_slash {
        let st = rustix::fs::statat(old.dir(), old.name(), AtFlags::SYMLINK_NOFOLLOW)?;
        if !is_dir(&st) {
            return Err(Errno::NOTDIR);
        }
    }
    rustix::fs::renameat(old.dir(), old.name(), new.dir(), new.name())?;
    Ok(())
}

/// `path_filestat_get(fd, flags, path, path_len, buf)`.
pub(crate) fn path_filestat_get(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    buf: u32,
) -> WasiResult {
    mem::check_writable(mem, buf, SIZEOF_FILESTAT)?;
    let path = mem::read_string(mem, path, path_len)?;
    let st = {
        let r = resolve(cx.dir_for(fd, &path)?, &path, follows(flags, &path))?;
        let st = rustix::fs::statat(r.dir(), r.name(), AtFlags::SYMLINK_NOFOLLOW)?;
        if r.trailing_slash && !is_dir(&st) {
            return Err(Errno::NOTDIR);
        }
        st
    };
    write_filestat(mem, buf, &st)
}

/// `path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fst_flags)`.
pub(crate) fn path_filestat_set_times(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult {
    let times = timestamps(atim, mtim, fst_flags)?;
    let path = mem::read_string(mem, path, path_len)?;
    let r = resolve(cx.dir_for(fd, &path)?, &path, follows(flags, &path))?;
    if r.trailing_slash {
        let st = rustix::fs::statat(r.dir(), r.name(), AtFlags::SYMLINK_NOFOLLOW)?;
        if !is_dir(&st) {
            return Err(Errno::NOTDIR);
        }
    }
    rustix::fs::utimensat(r.dir(), r.name(), &times, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok(())
}

/// `path_link(old_fd, old_flags, old_path, old_path_len, new_fd, new_path, new_path_len)`:
/// a hard link.
pub(crate) fn path_link(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult {
    let old_path = mem::read_string(mem, old_path, old_path_len)?;
    let new_path = mem::read_string(mem, new_path, new_path_len)?;
    let old = resolve(
        cx.dir_for(old_fd, &old_path)?,
        &old_path,
        follows(old_flags, &old_path),
    )?;
    let new = resolve(cx.dir_for(new_fd, &new_path)?, &new_path, false)?;
    if old.trailing_slash || new.trailing_slash {
        let st = rustix::fs::statat(old.dir(), old.name(), AtFlags::SYMLINK_NOFOLLOW)?;
        return Err(if is_dir(&st) {
            Errno::PERM
        } else {
            Errno::NOTDIR
        });
    }
    rustix::fs::linkat(
        old.dir(),
        old.name(),
        new.dir(),
        new.name(),
        AtFlags::empty(),
    )?;
    Ok(())
}

/// `path_symlink(old_path, old_path_len, fd, new_path, new_path_len)`: creates symlink
/// `new_path` with contents `old_path`. Absolute contents are refused (`ENOTCAPABLE`):
/// they could never be followed inside the sandbox and would point host tools outside it.
pub(crate) fn path_symlink(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    old_path: u32,
    old_path_len: u32,
    fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> WasiResult {
    let target = mem::read_string(mem, old_path, old_path_len)?;
    let new_path = mem::read_string(mem, new_path, new_path_len)?;
    if target.is_empty() {
        return Err(Errno::NOENT);
    }
    if target.contains(&0) {
        return Err(Errno::INVAL);
    }
    if target.first() == Some(&b'/') {
        return Err(Errno::NOTCAPABLE);
    }
    let r = resolve(cx.dir_for(fd, &new_path)?, &new_path, false)?;
    if r.trailing_slash {
        return Err(
            match rustix::fs::statat(r.dir(), r.name(), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(_) => Errno::EXIST,
                Err(e) => e.into(),
            },
        );
    }
    rustix::fs::symlinkat(target.as_slice(), r.dir(), r.name())?;
    Ok(())
}

/// `path_readlink(fd, path, path_len, buf, buf_len, bufused)`: the contents of a symlink,
/// truncated to `buf_len` bytes (no NUL).
pub(crate) fn path_readlink(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult {
    mem::range(mem.len(), buf, buf_len)?;
    mem::check_writable(mem, bufused, 4)?;
    let path = mem::read_string(mem, path, path_len)?;
    let target = {
        let r = resolve(cx.dir_for(fd, &path)?, &path, follows(0, &path))?;
        rustix::fs::readlinkat(r.dir(), r.name(), Vec::new())?.into_bytes()
    };
    let n = target
        .len()
        .min(usize::try_from(buf_len).unwrap_or(usize::MAX));
    let bytes = target.get(..n).ok_or(Errno::FAULT)?;
    mem::write_bytes(mem, buf, bytes)?;
    Ok(mem::write_u32(
        mem,
        bufused,
        u32::try_from(n).map_err(|_| Errno::OVERFLOW)?,
    )?)
}

//! Tests of the inner WASI functions on a `Vec<u8>` memory and a context with a preopened
//! temporary directory.

use super::types::*;
use super::{clock, fs, misc, WasiCtx, WasiSetupError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

const MEM_SIZE: usize = 64 * 1024;
/// Where the helpers put path strings.
const PATH_AT: u32 = 1024;
/// Where the helpers put results.
const OUT_AT: u32 = 16;
/// The preopened directory's guest fd.
const ROOT: u32 = 3;

/// A temporary directory `<tmp>/wasmpi-wasi-<pid>-<n>` with `root/` (preopened) and
/// `outside/secret` (must never be reached), removed on drop.
struct Sandbox {
    base: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir().join(format!(
            "wasmpi-wasi-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("root")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::fs::write(base.join("outside/secret"), b"secret").unwrap();
        Sandbox { base }
    }

    fn root(&self) -> PathBuf {
        self.base.join("root")
    }

    fn outside(&self) -> PathBuf {
        self.base.join("outside")
    }

    /// A context with `root/` preopened as `/sandbox` (fd 3), and a zeroed memory.
    fn ctx(&self) -> (Vec<u8>, WasiCtx) {
        let mut cx = WasiCtx::default();
        cx.preopen_dir(&self.root(), "/sandbox").unwrap();
        (vec![0u8; MEM_SIZE], cx)
    }

    /// The outside directory is untouched: only `secret`, with its contents.
    fn assert_outside_untouched(&self) {
        let names: Vec<_> = std::fs::read_dir(self.outside())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("secret")]);
        assert_eq!(
            std::fs::read(self.outside().join("secret")).unwrap(),
            b"secret"
        );
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn put(mem: &mut [u8], at: u32, bytes: &[u8]) {
    mem[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
}

fn get_u32(mem: &[u8], at: u32) -> u32 {
    u32::from_le_bytes(mem[at as usize..at as usize + 4].try_into().unwrap())
}

fn get_u64(mem: &[u8], at: u32) -> u64 {
    u64::from_le_bytes(mem[at as usize..at as usize + 8].try_into().unwrap())
}

/// Puts `path` at `PATH_AT` and returns (ptr, len).
fn path_arg(mem: &mut [u8], path: &str) -> (u32, u32) {
    put(mem, PATH_AT, path.as_bytes());
    (PATH_AT, path.len() as u32)
}

const READ: u64 = RIGHTS_FD_READ | RIGHTS_FD_SEEK | RIGHTS_FD_TELL | RIGHTS_FD_FILESTAT_GET;
const WRITE: u64 = RIGHTS_FD_WRITE | RIGHTS_FD_SEEK | RIGHTS_FD_TELL | RIGHTS_FD_FILESTAT_GET;
const DIR_READ: u64 = RIGHTS_FD_READDIR | RIGHTS_FD_FILESTAT_GET;

/// `path_open` relative to `dir`, following symlinks.
fn open_at(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    dir: u32,
    path: &str,
    oflags: u32,
    rights: u64,
) -> Result<u32, Errno> {
    let (p, l) = path_arg(mem, path);
    fs::path_open(
        mem,
        cx,
        dir,
        LOOKUPFLAGS_SYMLINK_FOLLOW,
        p,
        l,
        oflags,
        rights,
        RIGHTS_ALL,
        0,
        OUT_AT,
    )?;
    Ok(get_u32(mem, OUT_AT))
}

fn open(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    path: &str,
    oflags: u32,
    rights: u64,
) -> Result<u32, Errno> {
    open_at(mem, cx, ROOT, path, oflags, rights)
}

/// Writes `data` to `fd` through two iovecs; returns nwritten.
fn write(mem: &mut [u8], cx: &mut WasiCtx, fd: u32, data: &[u8]) -> Result<u32, Errno> {
    let (a, b) = data.split_at(data.len() / 2);
    put(mem, 4096, a);
    put(mem, 8192, b);
    let iovs = 256;
    put(mem, iovs, &4096u32.to_le_bytes());
    put(mem, iovs + 4, &(a.len() as u32).to_le_bytes());
    put(mem, iovs + 8, &8192u32.to_le_bytes());
    put(mem, iovs + 12, &(b.len() as u32).to_le_bytes());
    fs::fd_write(mem, cx, fd, iovs, 2, OUT_AT)?;
    Ok(get_u32(mem, OUT_AT))
}

/// Reads up to `len` bytes from `fd` into one buffer.
fn read(mem: &mut [u8], cx: &mut WasiCtx, fd: u32, len: u32) -> Result<Vec<u8>, Errno> {
    let iovs = 256;
    put(mem, iovs, &4096u32.to_le_bytes());
    put(mem, iovs + 4, &len.to_le_bytes());
    fs::fd_read(mem, cx, fd, iovs, 1, OUT_AT)?;
    let n = get_u32(mem, OUT_AT) as usize;
    Ok(mem[4096..4096 + n].to_vec())
}

/// Puts the iovec array `bufs` (`(buf, len)` pairs) at `at`.
fn put_iovecs(mem: &mut [u8], at: u32, bufs: &[(u32, u32)]) {
    for (i, (buf, len)) in (0u32..).zip(bufs) {
        put(mem, at + 8 * i, &buf.to_le_bytes());
        put(mem, at + 8 * i + 4, &len.to_le_bytes());
    }
}

/// The file position of `fd`, from `fd_tell`.
fn tell(mem: &mut [u8], cx: &mut WasiCtx, fd: u32) -> u64 {
    fs::fd_tell(mem, cx, fd, 40).unwrap();
    get_u64(mem, 40)
}

/// Calls a path function taking `(fd, path, path_len)`.
fn path_op(
    f: fn(&mut [u8], &mut WasiCtx, u32, u32, u32) -> WasiResult,
    mem: &mut [u8],
    cx: &mut WasiCtx,
    path: &str,
) -> WasiResult {
    let (p, l) = path_arg(mem, path);
    f(mem, cx, ROOT, p, l)
}

/// `path_filestat_get` → (filetype, size).
fn stat(mem: &mut [u8], cx: &mut WasiCtx, path: &str, follow: bool) -> Result<(u8, u64), Errno> {
    let (p, l) = path_arg(mem, path);
    let flags = if follow {
        LOOKUPFLAGS_SYMLINK_FOLLOW
    } else {
        0
    };
    fs::path_filestat_get(mem, cx, ROOT, flags, p, l, 2048)?;
    Ok((mem[2048 + 16], get_u64(mem, 2048 + 32)))
}

fn rename(mem: &mut [u8], cx: &mut WasiCtx, from: &str, to: &str) -> WasiResult {
    put(mem, PATH_AT, from.as_bytes());
    put(mem, PATH_AT + 512, to.as_bytes());
    fs::path_rename(
        mem,
        cx,
        ROOT,
        PATH_AT,
        from.len() as u32,
        ROOT,
        PATH_AT + 512,
        to.len() as u32,
    )
}

fn symlink(mem: &mut [u8], cx: &mut WasiCtx, target: &str, link: &str) -> WasiResult {
    put(mem, PATH_AT, target.as_bytes());
    put(mem, PATH_AT + 512, link.as_bytes());
    fs::path_symlink(
        mem,
        cx,
        PATH_AT,
        target.len() as u32,
        ROOT,
        PATH_AT + 512,
        link.len() as u32,
    )
}

/// Reads the whole listing of directory `fd` with buffers of `buf_len` bytes, following
/// cookies; returns (name → (type, d_next)) and the number of calls.
fn list_dir(mem: &mut [u8], cx: &mut WasiCtx, fd: u32, buf_len: u32) -> Vec<(String, u8, u64)> {
    let buf = 16384;
    let mut cookie = 0u64;
    let mut out = Vec::new();
    loop {
        fs::fd_readdir(mem, cx, fd, buf, buf_len, cookie, OUT_AT).unwrap();
        let used = get_u32(mem, OUT_AT);
        let mut pos = 0u32;
        let mut progressed = false;
        while pos + 24 <= used {
            let at = buf + pos;
            let next = get_u64(mem, at);
            let namlen = get_u32(mem, at + 16);
            let ty = mem[(at + 20) as usize];
            if pos + 24 + namlen > used {
                break; // cut short: ask again from `cookie`
            }
            let name = &mem[(at + 24) as usize..(at + 24 + namlen) as usize];
            out.push((String::from_utf8(name.to_vec()).unwrap(), ty, next));
            cookie = next;
            pos += 24 + namlen;
            progressed = true;
        }
        if used < buf_len {
            return out;
        }
        assert!(progressed, "buffer too small for one entry");
    }
}

// ---------------------------------------------------------------------------------------

#[test]
fn args_layout() {
    let mut cx = WasiCtx::new(vec!["prog".into(), "a b".into(), String::new()]);
    let mut mem = vec![0u8; MEM_SIZE];
    misc::args_sizes_get(&mut mem, &mut cx, 0, 4).unwrap();
    assert_eq!(get_u32(&mem, 0), 3);
    assert_eq!(get_u32(&mem, 4), 5 + 4 + 1);
    misc::args_get(&mut mem, &mut cx, 101, 203).unwrap(); // unaligned on purpose
    assert_eq!(
        [get_u32(&mem, 101), get_u32(&mem, 105), get_u32(&mem, 109)],
        [203, 208, 212]
    );
    assert_eq!(&mem[203..213], b"prog\0a b\0\0");
}

#[test]
fn environ_layout() {
    let mut cx = WasiCtx::default();
    cx.push_env("A", "1").push_env("PATH", "/x:/y");
    let mut mem = vec![0u8; MEM_SIZE];
    misc::environ_sizes_get(&mut mem, &mut cx, 0, 4).unwrap();
    assert_eq!(get_u32(&mem, 0), 2);
    assert_eq!(get_u32(&mem, 4), 4 + 11);
    misc::environ_get(&mut mem, &mut cx, 100, 200).unwrap();
    assert_eq!([get_u32(&mem, 100), get_u32(&mem, 104)], [200, 204]);
    assert_eq!(&mem[200..215], b"A=1\0PATH=/x:/y\0");
    // Setting a variable again replaces it.
    cx.push_env("A", "22");
    misc::environ_sizes_get(&mut mem, &mut cx, 0, 4).unwrap();
    assert_eq!((get_u32(&mem, 0), get_u32(&mem, 4)), (2, 11 + 5));
    misc::environ_get(&mut mem, &mut cx, 100, 200).unwrap();
    assert_eq!(&mem[200..216], b"PATH=/x:/y\0A=22\0");
    // No args: zero and zero.
    misc::args_sizes_get(&mut mem, &mut cx, 0, 4).unwrap();
    assert_eq!((get_u32(&mem, 0), get_u32(&mem, 4)), (0, 0));
}

#[test]
fn args_out_of_bounds_is_efault() {
    let mut cx = WasiCtx::new(vec!["prog".into()]);
    let mut mem = vec![0u8; 64];
    assert_eq!(misc::args_get(&mut mem, &mut cx, 62, 0), Err(Errno::FAULT));
    assert_eq!(misc::args_get(&mut mem, &mut cx, 0, 60), Err(Errno::FAULT));
    assert_eq!(
        misc::args_get(&mut mem, &mut cx, u32::MAX - 1, 0),
        Err(Errno::FAULT)
    );
    assert_eq!(
        misc::args_sizes_get(&mut mem, &mut cx, 0, 61),
        Err(Errno::FAULT)
    );
}

#[test]
fn prestat_and_fdstat() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    fs::fd_prestat_get(&mut mem, &mut cx, ROOT, 100).unwrap();
    assert_eq!(mem[100], PREOPENTYPE_DIR);
    assert_eq!(get_u32(&mem, 104), 8);
    assert_eq!(
        fs::fd_prestat_dir_name(&mut mem, &mut cx, ROOT, 200, 7),
        Err(Errno::NAMETOOLONG)
    );
    fs::fd_prestat_dir_name(&mut mem, &mut cx, ROOT, 200, 8).unwrap();
    assert_eq!(&mem[200..208], b"/sandbox");
    // stdio and past the last preopen: EBADF (wasi-libc's scan stops there).
    assert_eq!(
        fs::fd_prestat_get(&mut mem, &mut cx, 1, 100),
        Err(Errno::BADF)
    );
    assert_eq!(
        fs::fd_prestat_get(&mut mem, &mut cx, 4, 100),
        Err(Errno::BADF)
    );

    fs::fd_fdstat_get(&mut mem, &mut cx, ROOT, 300).unwrap();
    assert_eq!(mem[300], FILETYPE_DIRECTORY);
    assert_eq!(get_u64(&mem, 308), RIGHTS_DIR);
    assert_eq!(get_u64(&mem, 316), RIGHTS_ALL);
    assert_eq!(
        fs::fd_fdstat_get(&mut mem, &mut cx, 77, 300),
        Err(Errno::BADF)
    );
}

#[test]
fn preopen_errors() {
    let sb = Sandbox::new();
    let mut cx = WasiCtx::default();
    let missing = sb.base.join("missing");
    let err = cx.preopen_dir(&missing, "/m").unwrap_err();
    assert!(matches!(err, WasiSetupError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("missing"), "{err}");
    let file = sb.outside().join("secret");
    let err = cx.preopen_dir(&file, "/f").unwrap_err();
    assert!(matches!(err, WasiSetupError::NotADirectory { .. }), "{err}");
    assert!(matches!(
        cx.preopen_dir(&sb.root(), ""),
        Err(WasiSetupError::InvalidGuestPath(_))
    ));
    // Failed attempts did not take fd numbers: the next preopen is fd 3.
    cx.preopen_dir(&sb.root(), ".").unwrap();
    let mut mem = vec![0u8; 256];
    fs::fd_prestat_get(&mut mem, &mut cx, 3, 0).unwrap();
    assert_eq!(get_u32(&mem, 4), 1);
}

#[test]
fn fd_write_to_file() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let fd = open(
        &mut mem,
        &mut cx,
        "out.txt",
        OFLAGS_CREAT | OFLAGS_TRUNC,
        WRITE,
    )
    .unwrap();
    assert!(fd > ROOT);
    assert_eq!(write(&mut mem, &mut cx, fd, b"hello world").unwrap(), 11);
    // Not readable: opened for writing only.
    assert_eq!(read(&mut mem, &mut cx, fd, 10), Err(Errno::BADF));
    fs::fd_close(&mut mem, &mut cx, fd).unwrap();
    assert_eq!(fs::fd_close(&mut mem, &mut cx, fd), Err(Errno::BADF));
    assert_eq!(
        std::fs::read(sb.root().join("out.txt")).unwrap(),
        b"hello world"
    );
}

#[test]
fn create_then_read_back() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let fd = open(
        &mut mem,
        &mut cx,
        "data.bin",
        OFLAGS_CREAT | OFLAGS_EXCL,
        READ | WRITE,
    )
    .unwrap();
    write(&mut mem, &mut cx, fd, b"0123456789").unwrap();
    // EXCL on an existing file.
    assert_eq!(
        open(
            &mut mem,
            &mut cx,
            "data.bin",
            OFLAGS_CREAT | OFLAGS_EXCL,
            READ
        ),
        Err(Errno::EXIST)
    );
    fs::fd_tell(&mut mem, &mut cx, fd, 40).unwrap();
    assert_eq!(get_u64(&mem, 40), 10);
    fs::fd_seek(&mut mem, &mut cx, fd, 2, WHENCE_SET, 40).unwrap();
    assert_eq!(get_u64(&mem, 40), 2);
    assert_eq!(read(&mut mem, &mut cx, fd, 3).unwrap(), b"234");
    fs::fd_seek(&mut mem, &mut cx, fd, -2, WHENCE_END, 40).unwrap();
    assert_eq!(read(&mut mem, &mut cx, fd, 100).unwrap(), b"89");
    assert_eq!(read(&mut mem, &mut cx, fd, 100).unwrap(), b"");
    assert_eq!(
        fs::fd_seek(&mut mem, &mut cx, fd, -1, WHENCE_SET, 40),
        Err(Errno::INVAL)
    );
    assert_eq!(
        fs::fd_seek(&mut mem, &mut cx, fd, 0, 9, 40),
        Err(Errno::INVAL)
    );

    // pread: at an offset, position unchanged; into two iovecs.
    put(&mut mem, 256, &4096u32.to_le_bytes());
    put(&mut mem, 260, &2u32.to_le_bytes());
    put(&mut mem, 264, &5000u32.to_le_bytes());
    put(&mut mem, 268, &3u32.to_le_bytes());
    fs::fd_pread(&mut mem, &mut cx, fd, 256, 2, 4, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 5);
    assert_eq!(&mem[4096..4098], b"45");
    assert_eq!(&mem[5000..5003], b"678");
    fs::fd_tell(&mut mem, &mut cx, fd, 40).unwrap();
    assert_eq!(get_u64(&mem, 40), 10);

    // pwrite, then filestat, set_size.
    put(&mut mem, 4096, b"AB");
    put(&mut mem, 256, &4096u32.to_le_bytes());
    put(&mut mem, 260, &2u32.to_le_bytes());
    fs::fd_pwrite(&mut mem, &mut cx, fd, 256, 1, 0, OUT_AT).unwrap();
    assert_eq!(
        std::fs::read(sb.root().join("data.bin")).unwrap(),
        b"AB23456789"
    );
    fs::fd_filestat_set_size(&mut mem, &mut cx, fd, 4).unwrap();
    fs::fd_filestat_get(&mut mem, &mut cx, fd, 2048).unwrap();
    assert_eq!(mem[2048 + 16], FILETYPE_REGULAR_FILE);
    assert_eq!(get_u64(&mem, 2048 + 32), 4);
    assert_eq!(get_u64(&mem, 2048 + 24), 1); // nlink
    fs::fd_sync(&mut mem, &mut cx, fd).unwrap();
    fs::fd_datasync(&mut mem, &mut cx, fd).unwrap();
    fs::fd_advise(&mut mem, &mut cx, fd, 0, 0, ADVICE_SEQUENTIAL).unwrap();
    fs::fd_allocate(&mut mem, &mut cx, fd, 0, 100).unwrap();
    assert_eq!(
        std::fs::metadata(sb.root().join("data.bin")).unwrap().len(),
        100
    );

    // Times: set mtime to a fixed value, keep atime.
    fs::fd_filestat_set_times(
        &mut mem,
        &mut cx,
        fd,
        0,
        1_500_000_000_123_456_789,
        FSTFLAGS_MTIM,
    )
    .unwrap();
    fs::fd_filestat_get(&mut mem, &mut cx, fd, 2048).unwrap();
    assert_eq!(get_u64(&mem, 2048 + 48), 1_500_000_000_123_456_789);
    assert_eq!(
        fs::fd_filestat_set_times(
            &mut mem,
            &mut cx,
            fd,
            0,
            0,
            FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW
        ),
        Err(Errno::INVAL)
    );

    // fdstat: regular file, rights as asked (minus nothing), flags none.
    fs::fd_fdstat_get(&mut mem, &mut cx, fd, 300).unwrap();
    assert_eq!(mem[300], FILETYPE_REGULAR_FILE);
    assert_eq!(get_u64(&mem, 308), READ | WRITE);
    // Dropping FD_WRITE makes writes fail; rights cannot come back.
    fs::fd_fdstat_set_rights(&mut mem, &mut cx, fd, READ, 0).unwrap();
    assert_eq!(write(&mut mem, &mut cx, fd, b"xy"), Err(Errno::BADF));
    assert_eq!(
        fs::fd_fdstat_set_rights(&mut mem, &mut cx, fd, READ | WRITE, 0),
        Err(Errno::NOTCAPABLE)
    );
}

#[test]
fn append_flag_and_renumber() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    std::fs::write(sb.root().join("log"), b"start;").unwrap();
    let (p, l) = path_arg(&mut mem, "log");
    fs::path_open(
        &mut mem,
        &mut cx,
        ROOT,
        0,
        p,
        l,
        0,
        WRITE,
        0,
        FDFLAGS_APPEND,
        OUT_AT,
    )
    .unwrap();
    let fd = get_u32(&mem, OUT_AT);
    fs::fd_fdstat_get(&mut mem, &mut cx, fd, 300).unwrap();
    assert_eq!(
        u16::from_le_bytes([mem[302], mem[303]]),
        FDFLAGS_APPEND as u16
    );
    write(&mut mem, &mut cx, fd, b"more").unwrap();
    assert_eq!(std::fs::read(sb.root().join("log")).unwrap(), b"start;more");
    // fd_pwrite passes the host's semantics through: on Linux, O_APPEND sends it to the end
    // as well, whatever the offset.
    put(&mut mem, 4096, b"!");
    put_iovecs(&mut mem, 256, &[(4096, 1)]);
    fs::fd_pwrite(&mut mem, &mut cx, fd, 256, 1, 0, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 1);
    assert_eq!(
        std::fs::read(sb.root().join("log")).unwrap(),
        b"start;more!"
    );
    fs::fd_fdstat_set_flags(&mut mem, &mut cx, fd, 0).unwrap();
    fs::fd_fdstat_get(&mut mem, &mut cx, fd, 300).unwrap();
    assert_eq!(u16::from_le_bytes([mem[302], mem[303]]), 0);

    let other = open(&mut mem, &mut cx, "other", OFLAGS_CREAT, WRITE).unwrap();
    fs::fd_renumber(&mut mem, &mut cx, fd, other).unwrap();
    assert_eq!(write(&mut mem, &mut cx, fd, b"x"), Err(Errno::BADF));
    fs::fd_seek(&mut mem, &mut cx, other, 0, WHENCE_SET, 40).unwrap();
    write(&mut mem, &mut cx, other, b"S").unwrap();
    assert_eq!(
        std::fs::read(sb.root().join("log")).unwrap(),
        b"Start;more!"
    );
    assert_eq!(
        fs::fd_renumber(&mut mem, &mut cx, other, 1000),
        Err(Errno::BADF)
    );
    // The freed slot is reused by the next open.
    let again = open(&mut mem, &mut cx, "other", 0, READ).unwrap();
    assert_eq!(again, fd);
}

#[test]
fn read_write_positions_and_scatter() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    std::fs::write(sb.root().join("f"), b"0123456789").unwrap();
    let fd = open(&mut mem, &mut cx, "f", 0, READ | WRITE).unwrap();

    // fd_read scatters over its iovecs in order (an empty one takes nothing) and moves the
    // position.
    put_iovecs(&mut mem, 256, &[(4096, 3), (5000, 0), (6000, 4)]);
    fs::fd_read(&mut mem, &mut cx, fd, 256, 3, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 7);
    assert_eq!(&mem[4096..4099], b"012");
    assert_eq!(mem[5000], 0);
    assert_eq!(&mem[6000..6004], b"3456");
    assert_eq!(tell(&mut mem, &mut cx, fd), 7);

    // fd_pwrite writes at its offset (past the end too, leaving a hole of zeros) and leaves
    // the position alone; fd_write then goes on at the position and moves it.
    put(&mut mem, 4096, b"XY");
    put_iovecs(&mut mem, 256, &[(4096, 2)]);
    fs::fd_pwrite(&mut mem, &mut cx, fd, 256, 1, 1, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 2);
    assert_eq!(tell(&mut mem, &mut cx, fd), 7);
    fs::fd_pwrite(&mut mem, &mut cx, fd, 256, 1, 12, OUT_AT).unwrap();
    assert_eq!(tell(&mut mem, &mut cx, fd), 7);
    assert_eq!(write(&mut mem, &mut cx, fd, b"ab").unwrap(), 2);
    assert_eq!(tell(&mut mem, &mut cx, fd), 9);
    assert_eq!(
        std::fs::read(sb.root().join("f")).unwrap(),
        b"0XY3456ab9\0\0XY"
    );

    // A short pread near the end, an empty one past it; the position stays.
    put_iovecs(&mut mem, 256, &[(4096, 10)]);
    fs::fd_pread(&mut mem, &mut cx, fd, 256, 1, 11, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 3);
    assert_eq!(&mem[4096..4099], b"\0XY");
    fs::fd_pread(&mut mem, &mut cx, fd, 256, 1, 100, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 0);
    assert_eq!(tell(&mut mem, &mut cx, fd), 9);

    // No iovecs: nothing moves, and the count says so.
    for f in [fs::fd_read, fs::fd_write] {
        put(&mut mem, OUT_AT, &7u32.to_le_bytes());
        f(&mut mem, &mut cx, fd, 256, 0, OUT_AT).unwrap();
        assert_eq!(get_u32(&mem, OUT_AT), 0);
    }
    assert_eq!(tell(&mut mem, &mut cx, fd), 9);

    // An offset the host cannot take (above i64::MAX).
    for f in [fs::fd_pread, fs::fd_pwrite] {
        assert_eq!(
            f(&mut mem, &mut cx, fd, 256, 1, u64::MAX, OUT_AT),
            Err(Errno::INVAL)
        );
    }
    assert_eq!(
        std::fs::read(sb.root().join("f")).unwrap(),
        b"0XY3456ab9\0\0XY"
    );
}

#[test]
fn streams_transfer_but_not_at_offsets() {
    use std::io::{Read, Write};
    let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut cx = WasiCtx::default();
    cx.set_stdio(0, ours.into()).unwrap();
    let mut mem = vec![0u8; MEM_SIZE];
    put_iovecs(&mut mem, 256, &[(4096, 16)]);
    // A socket has no file offsets.
    assert_eq!(
        fs::fd_pread(&mut mem, &mut cx, 0, 256, 1, 0, OUT_AT),
        Err(Errno::SPIPE)
    );
    assert_eq!(
        fs::fd_pwrite(&mut mem, &mut cx, 0, 256, 1, 0, OUT_AT),
        Err(Errno::SPIPE)
    );
    // A short read: what the other end has sent so far.
    theirs.write_all(b"hi").unwrap();
    fs::fd_read(&mut mem, &mut cx, 0, 256, 1, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 2);
    assert_eq!(&mem[4096..4098], b"hi");
    assert_eq!(write(&mut mem, &mut cx, 0, b"back").unwrap(), 4);
    let mut got = [0u8; 4];
    theirs.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"back");
}

/// The shape of `fd_read`/`fd_write`, for treating the four alike.
type Transfer = fn(&mut [u8], &mut WasiCtx, u32, u32, u32, u32) -> WasiResult;

#[test]
fn transfer_checks_come_before_any_byte_moves() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let end = MEM_SIZE as u32;
    std::fs::write(sb.root().join("f"), b"0123456789").unwrap();
    let ro = open(&mut mem, &mut cx, "f", 0, READ).unwrap();
    let wo = open(&mut mem, &mut cx, "f", 0, WRITE).unwrap();
    let pread: Transfer = |m, c, fd, iovs, n, out| fs::fd_pread(m, c, fd, iovs, n, 0, out);
    let pwrite: Transfer = |m, c, fd, iovs, n, out| fs::fd_pwrite(m, c, fd, iovs, n, 0, out);
    put_iovecs(&mut mem, 256, &[(4096, 4)]);
    // The second buffer runs past the end of memory.
    put_iovecs(&mut mem, 512, &[(4096, 4), (end - 1, 2)]);
    // Each case: (function, fd that may do it, fd without the right, errno for a directory).
    let cases: [(Transfer, u32, u32, Errno); 4] = [
        (fs::fd_read, ro, wo, Errno::ISDIR),
        (pread, ro, wo, Errno::ISDIR),
        (fs::fd_write, wo, ro, Errno::BADF),
        (pwrite, wo, ro, Errno::BADF),
    ];
    for (i, (f, ok, denied, dir)) in cases.into_iter().enumerate() {
        // The descriptor is checked first, even with a result pointer outside memory.
        assert_eq!(
            f(&mut mem, &mut cx, 99, 256, 1, end),
            Err(Errno::BADF),
            "{i}"
        );
        assert_eq!(f(&mut mem, &mut cx, ROOT, 256, 1, end), Err(dir), "{i}");
        assert_eq!(
            f(&mut mem, &mut cx, denied, 256, 1, end),
            Err(Errno::BADF),
            "{i}"
        );
        // Then the result pointer and every iovec, before the host call.
        assert_eq!(
            f(&mut mem, &mut cx, ok, 256, 1, end - 3),
            Err(Errno::FAULT),
            "{i}"
        );
        assert_eq!(
            f(&mut mem, &mut cx, ok, 512, 2, OUT_AT),
            Err(Errno::FAULT),
            "{i}"
        );
        assert_eq!(tell(&mut mem, &mut cx, ok), 0, "{i}");
    }
    assert_eq!(&mem[4096..4100], &[0; 4]);
    assert_eq!(std::fs::read(sb.root().join("f")).unwrap(), b"0123456789");
}

#[test]
fn iovecs_past_iov_max_make_a_short_transfer() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let end = MEM_SIZE as u32;
    let fd = open(&mut mem, &mut cx, "f", OFLAGS_CREAT, READ | WRITE).unwrap();
    let data: Vec<u8> = (0..1024u32).map(|i| b'a' + (i % 26) as u8).collect();
    put(&mut mem, 32768, &data);
    // 1024 one-byte buffers, then one outside memory: only the first 1024 are taken (and
    // checked).
    let mut iovs: Vec<(u32, u32)> = (0..1024).map(|i| (32768 + i, 1)).collect();
    iovs.push((end, 1));
    put_iovecs(&mut mem, 16384, &iovs);
    fs::fd_write(&mut mem, &mut cx, fd, 16384, 1025, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 1024);
    assert_eq!(std::fs::read(sb.root().join("f")).unwrap(), data);
    let mut iovs: Vec<(u32, u32)> = (0..1024).map(|i| (40960 + i, 1)).collect();
    iovs.push((end, 1));
    put_iovecs(&mut mem, 16384, &iovs);
    fs::fd_pread(&mut mem, &mut cx, fd, 16384, 1025, 0, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 1024);
    assert_eq!(&mem[40960..41984], &data[..]);
    // The whole array must be in memory, also the entries past IOV_MAX.
    let last_1024 = end - 8 * 1024;
    fs::fd_write(&mut mem, &mut cx, fd, last_1024, 1024, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 0);
    assert_eq!(
        fs::fd_write(&mut mem, &mut cx, fd, last_1024, 1025, OUT_AT),
        Err(Errno::FAULT)
    );
}

#[test]
fn readdir_lists_with_cookies() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    std::fs::write(sb.root().join("a"), b"").unwrap();
    std::fs::write(sb.root().join("bb"), b"").unwrap();
    std::fs::create_dir(sb.root().join("sub")).unwrap();
    std::os::unix::fs::symlink("a", sb.root().join("ln")).unwrap();
    let dir = open(&mut mem, &mut cx, ".", OFLAGS_DIRECTORY, DIR_READ).unwrap();

    let all = list_dir(&mut mem, &mut cx, dir, 4096);
    assert_eq!(all[0].0, ".");
    assert_eq!(all[1].0, "..");
    let by_name: BTreeMap<_, _> = all.iter().map(|(n, t, _)| (n.as_str(), *t)).collect();
    let expect: BTreeMap<_, _> = [
        (".", FILETYPE_DIRECTORY),
        ("..", FILETYPE_DIRECTORY),
        ("a", FILETYPE_REGULAR_FILE),
        ("bb", FILETYPE_REGULAR_FILE),
        ("ln", FILETYPE_SYMBOLIC_LINK),
        ("sub", FILETYPE_DIRECTORY),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_name, expect);
    // Cookies are 1, 2, 3, ...
    let nexts: Vec<u64> = all.iter().map(|e| e.2).collect();
    assert_eq!(nexts, (1..=6).collect::<Vec<u64>>());

    // Tiny buffers: entries cut short and asked again give the same listing.
    assert_eq!(list_dir(&mut mem, &mut cx, dir, 30), all);
    // A cut record fills the buffer exactly.
    fs::fd_readdir(&mut mem, &mut cx, dir, 16384, 10, 0, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 10);
    // Starting from a cookie skips what came before; past the end is empty.
    fs::fd_readdir(&mut mem, &mut cx, dir, 16384, 4096, 5, OUT_AT).unwrap();
    let used = get_u32(&mem, OUT_AT);
    assert_eq!(used, 24 + all[5].0.len() as u32);
    fs::fd_readdir(&mut mem, &mut cx, dir, 16384, 4096, 99, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 0);
    // On a file: ENOTDIR; buffer out of memory: EFAULT.
    let f = open(&mut mem, &mut cx, "a", 0, READ).unwrap();
    assert_eq!(
        fs::fd_readdir(&mut mem, &mut cx, f, 16384, 100, 0, OUT_AT),
        Err(Errno::NOTDIR)
    );
    assert_eq!(
        fs::fd_readdir(&mut mem, &mut cx, dir, MEM_SIZE as u32 - 10, 100, 0, OUT_AT),
        Err(Errno::FAULT)
    );
    // The preopened directory itself can be listed too.
    assert_eq!(list_dir(&mut mem, &mut cx, ROOT, 4096).len(), 6);
}

#[test]
fn mkdir_rename_unlink_rmdir() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let r = sb.root();
    path_op(fs::path_create_directory, &mut mem, &mut cx, "d").unwrap();
    assert!(r.join("d").is_dir());
    assert_eq!(
        path_op(fs::path_create_directory, &mut mem, &mut cx, "d"),
        Err(Errno::EXIST)
    );
    path_op(fs::path_create_directory, &mut mem, &mut cx, "d/e/").unwrap();
    assert!(r.join("d/e").is_dir());

    std::fs::write(r.join("f"), b"x").unwrap();
    rename(&mut mem, &mut cx, "f", "d/g").unwrap();
    assert!(!r.join("f").exists());
    assert_eq!(std::fs::read(r.join("d/g")).unwrap(), b"x");
    assert_eq!(
        stat(&mut mem, &mut cx, "d/g", true),
        Ok((FILETYPE_REGULAR_FILE, 1))
    );
    assert_eq!(stat(&mut mem, &mut cx, "d/g/", true), Err(Errno::NOTDIR));
    assert_eq!(
        stat(&mut mem, &mut cx, "d/./e/..", true).unwrap().0,
        FILETYPE_DIRECTORY
    );
    assert_eq!(rename(&mut mem, &mut cx, "nope", "x"), Err(Errno::NOENT));

    assert_eq!(
        path_op(fs::path_remove_directory, &mut mem, &mut cx, "d"),
        Err(Errno::NOTEMPTY)
    );
    assert_eq!(
        path_op(fs::path_unlink_file, &mut mem, &mut cx, "d/e"),
        Err(Errno::ISDIR)
    );
    assert_eq!(
        path_op(fs::path_unlink_file, &mut mem, &mut cx, "d/g/"),
        Err(Errno::NOTDIR)
    );
    path_op(fs::path_unlink_file, &mut mem, &mut cx, "d/g").unwrap();
    assert!(!r.join("d/g").exists());
    assert_eq!(
        path_op(fs::path_unlink_file, &mut mem, &mut cx, "d/g"),
        Err(Errno::NOENT)
    );
    path_op(fs::path_remove_directory, &mut mem, &mut cx, "d/e").unwrap();
    path_op(fs::path_remove_directory, &mut mem, &mut cx, "d").unwrap();
    assert!(!r.join("d").exists());
    assert_eq!(
        path_op(fs::path_remove_directory, &mut mem, &mut cx, "."),
        Err(Errno::INVAL)
    );
    assert_eq!(
        path_op(fs::path_create_directory, &mut mem, &mut cx, ""),
        Err(Errno::NOENT)
    );
}

#[test]
fn symlinks_and_links_inside() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let r = sb.root();
    std::fs::create_dir(r.join("dir")).unwrap();
    std::fs::write(r.join("dir/file"), b"content").unwrap();
    symlink(&mut mem, &mut cx, "dir", "dl").unwrap();
    symlink(&mut mem, &mut cx, "dl/file", "fl").unwrap();
    assert_eq!(std::fs::read_link(r.join("dl")).unwrap(), Path::new("dir"));

    // Followed inside the sandbox: intermediate and final.
    let fd = open(&mut mem, &mut cx, "dl/file", 0, READ).unwrap();
    assert_eq!(read(&mut mem, &mut cx, fd, 100).unwrap(), b"content");
    let fd = open(&mut mem, &mut cx, "fl", 0, READ).unwrap();
    assert_eq!(read(&mut mem, &mut cx, fd, 100).unwrap(), b"content");
    assert_eq!(
        stat(&mut mem, &mut cx, "fl", true),
        Ok((FILETYPE_REGULAR_FILE, 7))
    );
    assert_eq!(
        stat(&mut mem, &mut cx, "fl", false).unwrap().0,
        FILETYPE_SYMBOLIC_LINK
    );
    assert_eq!(
        stat(&mut mem, &mut cx, "dl/", false).unwrap().0,
        FILETYPE_DIRECTORY
    );

    // Not followed when asked so: O_NOFOLLOW semantics give ELOOP.
    let (p, l) = path_arg(&mut mem, "fl");
    assert_eq!(
        fs::path_open(&mut mem, &mut cx, ROOT, 0, p, l, 0, READ, 0, 0, OUT_AT),
        Err(Errno::LOOP)
    );

    // readlink, with truncation.
    let (p, l) = path_arg(&mut mem, "fl");
    fs::path_readlink(&mut mem, &mut cx, ROOT, p, l, 3000, 100, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 7);
    assert_eq!(&mem[3000..3007], b"dl/file");
    fs::path_readlink(&mut mem, &mut cx, ROOT, p, l, 3000, 3, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 3);
    let (p, l) = path_arg(&mut mem, "dir");
    assert_eq!(
        fs::path_readlink(&mut mem, &mut cx, ROOT, p, l, 3000, 100, OUT_AT),
        Err(Errno::INVAL)
    );

    // Hard link.
    put(&mut mem, PATH_AT, b"dir/file");
    put(&mut mem, PATH_AT + 512, b"hard");
    fs::path_link(
        &mut mem,
        &mut cx,
        ROOT,
        0,
        PATH_AT,
        8,
        ROOT,
        PATH_AT + 512,
        4,
    )
    .unwrap();
    assert_eq!(std::fs::read(r.join("hard")).unwrap(), b"content");

    // Loops.
    symlink(&mut mem, &mut cx, "loop2", "loop1").unwrap();
    symlink(&mut mem, &mut cx, "loop1", "loop2").unwrap();
    assert_eq!(open(&mut mem, &mut cx, "loop1", 0, READ), Err(Errno::LOOP));
    assert_eq!(
        open(&mut mem, &mut cx, "loop1/x", 0, READ),
        Err(Errno::LOOP)
    );

    // Unlinking a symlink removes the link, not the target.
    path_op(fs::path_unlink_file, &mut mem, &mut cx, "dl").unwrap();
    assert!(r.join("dir/file").exists());

    // Timestamps through a path.
    let (p, l) = path_arg(&mut mem, "dir/file");
    fs::path_filestat_set_times(
        &mut mem,
        &mut cx,
        ROOT,
        0,
        p,
        l,
        7_000_000_000,
        0,
        FSTFLAGS_ATIM,
    )
    .unwrap();
    fs::path_filestat_get(&mut mem, &mut cx, ROOT, 0, p, l, 2048).unwrap();
    assert_eq!(get_u64(&mem, 2048 + 40), 7_000_000_000);
}

#[test]
fn escapes_are_refused() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let r = sb.root();
    std::fs::create_dir(r.join("a")).unwrap();
    std::os::unix::fs::symlink("/etc", r.join("etc")).unwrap();
    std::os::unix::fs::symlink("..", r.join("up")).unwrap();
    std::os::unix::fs::symlink("a/../..", r.join("up2")).unwrap();
    std::os::unix::fs::symlink("../outside/secret", r.join("sec")).unwrap();
    std::os::unix::fs::symlink("../outside/new", r.join("dangling")).unwrap();
    std::os::unix::fs::symlink(sb.outside().join("secret"), r.join("abs")).unwrap();
    let refused = |e: Result<u32, Errno>| {
        assert!(
            matches!(e, Err(Errno::NOTCAPABLE) | Err(Errno::PERM)),
            "expected ENOTCAPABLE, got {e:?}"
        )
    };

    for path in [
        "../x",
        "..",
        "/etc/passwd",
        "/",
        "a/../../x",
        "a/../..",
        "./a/./../../outside/secret",
        "etc/passwd",
        "etc",
        "etc/",
        "up",
        "up/outside/secret",
        "up/",
        "up2/outside/secret",
        "sec",
        "abs",
        "a/../sec",
    ] {
        refused(open(&mut mem, &mut cx, path, 0, READ));
        refused(stat(&mut mem, &mut cx, path, true).map(|_| 0));
    }
    // Creating through escaping paths or dangling escaping symlinks.
    refused(open(&mut mem, &mut cx, "dangling", OFLAGS_CREAT, WRITE));
    refused(open(
        &mut mem,
        &mut cx,
        "../outside/new",
        OFLAGS_CREAT,
        WRITE,
    ));
    refused(open(
        &mut mem,
        &mut cx,
        "up/outside/new",
        OFLAGS_CREAT,
        WRITE,
    ));
    // Not following the final symlink: the link itself is opened, never its target.
    let (p, l) = path_arg(&mut mem, "dangling");
    assert_eq!(
        fs::path_open(
            &mut mem,
            &mut cx,
            ROOT,
            0,
            p,
            l,
            OFLAGS_CREAT,
            WRITE,
            0,
            0,
            OUT_AT
        ),
        Err(Errno::LOOP)
    );

    let refused_op = |e: WasiResult| refused(e.map(|_| 0));
    for path in ["../outside/x", "up/outside/x", "etc/x", "/tmp/x"] {
        refused_op(path_op(fs::path_create_directory, &mut mem, &mut cx, path));
    }
    for path in ["../outside/secret", "up/outside/secret", "/etc/passwd"] {
        refused_op(path_op(fs::path_unlink_file, &mut mem, &mut cx, path));
    }
    refused_op(path_op(
        fs::path_remove_directory,
        &mut mem,
        &mut cx,
        "../outside",
    ));
    refused_op(path_op(fs::path_remove_directory, &mut mem, &mut cx, ".."));
    refused_op(rename(&mut mem, &mut cx, "up/outside/secret", "stolen"));
    refused_op(rename(&mut mem, &mut cx, "a", "../outside/a"));
    refused_op(symlink(&mut mem, &mut cx, "/etc/passwd", "newlink"));
    refused_op(symlink(&mut mem, &mut cx, "x", "../outside/newlink"));
    put(&mut mem, PATH_AT, b"sec");
    put(&mut mem, PATH_AT + 512, b"hard");
    refused_op(fs::path_link(
        &mut mem,
        &mut cx,
        ROOT,
        LOOKUPFLAGS_SYMLINK_FOLLOW,
        PATH_AT,
        3,
        ROOT,
        PATH_AT + 512,
        4,
    ));
    let (p, l) = path_arg(&mut mem, "up/outside/secret");
    refused_op(fs::path_readlink(
        &mut mem, &mut cx, ROOT, p, l, 3000, 100, OUT_AT,
    ));
    refused_op(fs::path_filestat_set_times(
        &mut mem,
        &mut cx,
        ROOT,
        LOOKUPFLAGS_SYMLINK_FOLLOW,
        p,
        l,
        0,
        0,
        FSTFLAGS_MTIM_NOW,
    ));

    // A directory opened below the root is a root of its own.
    let a = open(&mut mem, &mut cx, "a", OFLAGS_DIRECTORY, DIR_READ).unwrap();
    refused(open_at(&mut mem, &mut cx, a, "..", 0, READ));
    refused(open_at(&mut mem, &mut cx, a, "../a", 0, READ));
    assert!(open_at(&mut mem, &mut cx, a, ".", OFLAGS_DIRECTORY, DIR_READ).is_ok());
    // Path functions on a non-directory descriptor.
    let f = open(&mut mem, &mut cx, "x", OFLAGS_CREAT, WRITE).unwrap();
    assert_eq!(
        open_at(&mut mem, &mut cx, f, "y", 0, READ),
        Err(Errno::NOTDIR)
    );

    // Symlinks whose target would escape are still readable as links (contents only).
    let (p, l) = path_arg(&mut mem, "etc");
    fs::path_readlink(&mut mem, &mut cx, ROOT, p, l, 3000, 100, OUT_AT).unwrap();
    assert_eq!(&mem[3000..3004], b"/etc");

    sb.assert_outside_untouched();
    assert!(!sb.base.join("stolen").exists());
}

#[test]
fn out_of_bounds_is_efault() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    let end = MEM_SIZE as u32;
    // iovec buffer past the end of memory.
    put(&mut mem, 256, &(end - 4).to_le_bytes());
    put(&mut mem, 260, &8u32.to_le_bytes());
    assert_eq!(
        fs::fd_write(&mut mem, &mut cx, 1, 256, 1, OUT_AT),
        Err(Errno::FAULT)
    );
    // iovec buffer whose address + length overflows u32.
    put(&mut mem, 256, &u32::MAX.to_le_bytes());
    put(&mut mem, 260, &2u32.to_le_bytes());
    assert_eq!(
        fs::fd_write(&mut mem, &mut cx, 1, 256, 1, OUT_AT),
        Err(Errno::FAULT)
    );
    // The iovec array itself out of memory, or too long.
    assert_eq!(
        fs::fd_write(&mut mem, &mut cx, 1, end - 4, 1, OUT_AT),
        Err(Errno::FAULT)
    );
    assert_eq!(
        fs::fd_write(&mut mem, &mut cx, 1, 256, u32::MAX, OUT_AT),
        Err(Errno::FAULT)
    );
    // The result pointer out of memory (checked before anything is written).
    put(&mut mem, 256, &4096u32.to_le_bytes());
    put(&mut mem, 260, &0u32.to_le_bytes());
    assert_eq!(
        fs::fd_write(&mut mem, &mut cx, 1, 256, 1, end - 2),
        Err(Errno::FAULT)
    );
    // Reading into memory that is not there.
    let fd = open(&mut mem, &mut cx, "f", OFLAGS_CREAT, READ | WRITE).unwrap();
    put(&mut mem, 256, &(end - 1).to_le_bytes());
    put(&mut mem, 260, &2u32.to_le_bytes());
    assert_eq!(
        fs::fd_read(&mut mem, &mut cx, fd, 256, 1, OUT_AT),
        Err(Errno::FAULT)
    );
    // Paths and result structures.
    assert_eq!(
        fs::path_open(
            &mut mem,
            &mut cx,
            ROOT,
            0,
            end - 1,
            5,
            0,
            READ,
            0,
            0,
            OUT_AT
        ),
        Err(Errno::FAULT)
    );
    let (p, l) = path_arg(&mut mem, "f");
    assert_eq!(
        fs::path_open(&mut mem, &mut cx, ROOT, 0, p, l, 0, READ, 0, 0, end),
        Err(Errno::FAULT)
    );
    assert_eq!(
        fs::path_filestat_get(&mut mem, &mut cx, ROOT, 0, p, l, end - 63),
        Err(Errno::FAULT)
    );
    assert_eq!(
        fs::fd_filestat_get(&mut mem, &mut cx, fd, end - 8),
        Err(Errno::FAULT)
    );
    assert_eq!(
        fs::fd_fdstat_get(&mut mem, &mut cx, fd, u32::MAX),
        Err(Errno::FAULT)
    );
    assert_eq!(
        fs::fd_prestat_dir_name(&mut mem, &mut cx, ROOT, end - 2, 100),
        Err(Errno::FAULT)
    );
    assert_eq!(
        clock::clock_time_get(&mut mem, &mut cx, CLOCK_MONOTONIC, 0, end - 7),
        Err(Errno::FAULT)
    );
    assert_eq!(
        misc::random_get(&mut mem, &mut cx, end - 10, 11),
        Err(Errno::FAULT)
    );
    assert_eq!(
        clock::poll_oneoff(&mut mem, &mut cx, end - 47, 0, 1, OUT_AT),
        Err(Errno::FAULT)
    );
    // An empty memory (module without memory): every pointer faults.
    let mut none: Vec<u8> = Vec::new();
    assert_eq!(
        misc::args_sizes_get(&mut none, &mut cx, 0, 4),
        Err(Errno::FAULT)
    );
    // Nothing was created by the failed open with a bad result pointer.
    assert_eq!(list_dir(&mut mem, &mut cx, ROOT, 4096).len(), 3);
}

#[test]
fn clocks_and_random() {
    let mut cx = WasiCtx::default();
    let mut mem = vec![0u8; 256];
    for id in [
        CLOCK_REALTIME,
        CLOCK_MONOTONIC,
        CLOCK_PROCESS_CPUTIME,
        CLOCK_THREAD_CPUTIME,
    ] {
        clock::clock_res_get(&mut mem, &mut cx, id, 0).unwrap();
        assert!(get_u64(&mem, 0) >= 1);
        clock::clock_time_get(&mut mem, &mut cx, id, 1, 8).unwrap();
        clock::clock_time_get(&mut mem, &mut cx, id, 1, 16).unwrap();
        assert!(get_u64(&mem, 16) >= get_u64(&mem, 8), "clock {id}");
    }
    clock::clock_time_get(&mut mem, &mut cx, CLOCK_REALTIME, 0, 8).unwrap();
    assert!(get_u64(&mem, 8) > 1_600_000_000_000_000_000); // after 2020
    assert_eq!(
        clock::clock_time_get(&mut mem, &mut cx, 4, 0, 8),
        Err(Errno::INVAL)
    );
    assert_eq!(
        clock::clock_res_get(&mut mem, &mut cx, 99, 8),
        Err(Errno::INVAL)
    );

    misc::random_get(&mut mem, &mut cx, 32, 64).unwrap();
    let first = mem[32..96].to_vec();
    misc::random_get(&mut mem, &mut cx, 32, 64).unwrap();
    assert_ne!(first, mem[32..96].to_vec());
    misc::random_get(&mut mem, &mut cx, 256, 0).unwrap();
}

/// Puts a subscription at `at`.
fn put_sub(mem: &mut [u8], at: u32, userdata: u64, tag: u8, a: u32, timeout: u64, flags: u16) {
    put(mem, at, &userdata.to_le_bytes());
    mem[at as usize + 8] = tag;
    put(mem, at + 16, &a.to_le_bytes());
    put(mem, at + 24, &timeout.to_le_bytes());
    put(mem, at + 32, &0u64.to_le_bytes());
    put(mem, at + 40, &flags.to_le_bytes());
}

#[test]
fn poll_oneoff_clock_and_fds() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    // One relative 20 ms timeout.
    put_sub(
        &mut mem,
        1000,
        0xabcd,
        EVENTTYPE_CLOCK,
        CLOCK_MONOTONIC,
        20_000_000,
        0,
    );
    let t = std::time::Instant::now();
    clock::poll_oneoff(&mut mem, &mut cx, 1000, 2000, 1, OUT_AT).unwrap();
    assert!(t.elapsed() >= std::time::Duration::from_millis(20));
    assert_eq!(get_u32(&mem, OUT_AT), 1);
    assert_eq!(get_u64(&mem, 2000), 0xabcd);
    assert_eq!(u16::from_le_bytes([mem[2008], mem[2009]]), 0);
    assert_eq!(mem[2010], EVENTTYPE_CLOCK);

    // An absolute realtime deadline in the past fires at once.
    put_sub(
        &mut mem,
        1000,
        7,
        EVENTTYPE_CLOCK,
        CLOCK_REALTIME,
        1,
        SUBCLOCKFLAGS_ABSTIME,
    );
    clock::poll_oneoff(&mut mem, &mut cx, 1000, 2000, 1, OUT_AT).unwrap();
    assert_eq!(get_u32(&mem, OUT_AT), 1);
    assert_eq!(get_u64(&mem, 2000), 7);

    // A file is ready for reading and writing at once, before a long timeout; a bad fd
    // reports EBADF in its event.
    let fd = open(&mut mem, &mut cx, "f", OFLAGS_CREAT, READ | WRITE).unwrap();
    write(&mut mem, &mut cx, fd, b"12345").unwrap();
    fs::fd_seek(&mut mem, &mut cx, fd, 1, WHENCE_SET, 40).unwrap();
    put_sub(
        &mut mem,
        1000,
        1,
        EVENTTYPE_CLOCK,
        CLOCK_MONOTONIC,
        60_000_000_000,
        0,
    );
    put_sub(&mut mem, 1048, 2, EVENTTYPE_FD_READ, fd, 0, 0);
    put_sub(&mut mem, 1096, 3, EVENTTYPE_FD_WRITE, fd, 0, 0);
    put_sub(&mut mem, 1144, 4, EVENTTYPE_FD_READ, 999, 0, 0);
    let t = std::time::Instant::now();
    clock::poll_oneoff(&mut mem, &mut cx, 1000, 2000, 4, OUT_AT).unwrap();
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(get_u32(&mem, OUT_AT), 3);
    let events: Vec<(u64, u16, u8, u64)> = (0..3)
        .map(|i| {
            let at = 2000 + 32 * i;
            (
                get_u64(&mem, at),
                u16::from_le_bytes([mem[at as usize + 8], mem[at as usize + 9]]),
                mem[at as usize + 10],
                get_u64(&mem, at + 16),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![
            (2, 0, EVENTTYPE_FD_READ, 4),
            (3, 0, EVENTTYPE_FD_WRITE, 0),
            (4, Errno::BADF.0, EVENTTYPE_FD_READ, 0),
        ]
    );

    // No subscriptions, or an unknown tag: EINVAL.
    assert_eq!(
        clock::poll_oneoff(&mut mem, &mut cx, 1000, 2000, 0, OUT_AT),
        Err(Errno::INVAL)
    );
    put_sub(&mut mem, 1000, 1, 9, 0, 0, 0);
    assert_eq!(
        clock::poll_oneoff(&mut mem, &mut cx, 1000, 2000, 1, OUT_AT),
        Err(Errno::INVAL)
    );
}

#[test]
fn unsupported_functions_fail_cleanly() {
    let sb = Sandbox::new();
    let (mut mem, mut cx) = sb.ctx();
    assert_eq!(misc::proc_raise(&mut mem, &mut cx, 2), Err(Errno::NOSYS));
    misc::sched_yield(&mut mem, &mut cx).unwrap();
    assert_eq!(
        misc::sock_accept(&mut mem, &mut cx, ROOT, 0, 0),
        Err(Errno::NOTSUP)
    );
    assert_eq!(
        misc::sock_accept(&mut mem, &mut cx, 99, 0, 0),
        Err(Errno::BADF)
    );
    assert_eq!(
        misc::sock_recv(&mut mem, &mut cx, ROOT, 0, 0, 0, 0, 0),
        Err(Errno::NOTSUP)
    );
    assert_eq!(
        misc::sock_send(&mut mem, &mut cx, ROOT, 0, 0, 0, 0),
        Err(Errno::NOTSUP)
    );
    assert_eq!(
        misc::sock_shutdown(&mut mem, &mut cx, ROOT, 0),
        Err(Errno::NOTSUP)
    );
    // Stdio is open in a default context; closing fd 1 closes only the guest's copy.
    fs::fd_close(&mut mem, &mut cx, 1).unwrap();
    assert_eq!(fs::fd_fdstat_get(&mut mem, &mut cx, 1, 0), Err(Errno::BADF));
    fs::fd_fdstat_get(&mut mem, &mut cx, 2, 0).unwrap();
}

#[test]
fn set_stdio_captures_output() {
    let sb = Sandbox::new();
    let path = sb.base.join("captured");
    let file = std::fs::File::create(&path).unwrap();
    let mut cx = WasiCtx::default();
    cx.set_stdio(1, file.into()).unwrap();
    let mut mem = vec![0u8; MEM_SIZE];
    assert_eq!(write(&mut mem, &mut cx, 1, b"out!").unwrap(), 4);
    assert_eq!(std::fs::read(&path).unwrap(), b"out!");
    let f2 = std::fs::File::open(&path).unwrap();
    assert!(cx.set_stdio(3, f2.into()).is_err());
}

/// The import signatures, written from wasi-libc's `wasi/api.h` and the preview 1 witx:
/// `i` = i32, `I` = i64, then `>` and the result.
const EXPECTED_SIGNATURES: &[(&str, &str)] = &[
    ("args_get", "ii>i"),
    ("args_sizes_get", "ii>i"),
    ("environ_get", "ii>i"),
    ("environ_sizes_get", "ii>i"),
    ("clock_res_get", "ii>i"),
    ("clock_time_get", "iIi>i"),
    ("fd_advise", "iIIi>i"),
    ("fd_allocate", "iII>i"),
    ("fd_close", "i>i"),
    ("fd_datasync", "i>i"),
    ("fd_fdstat_get", "ii>i"),
    ("fd_fdstat_set_flags", "ii>i"),
    ("fd_fdstat_set_rights", "iII>i"),
    ("fd_filestat_get", "ii>i"),
    ("fd_filestat_set_size", "iI>i"),
    ("fd_filestat_set_times", "iIIi>i"),
    ("fd_pread", "iiiIi>i"),
    ("fd_prestat_get", "ii>i"),
    ("fd_prestat_dir_name", "iii>i"),
    ("fd_pwrite", "iiiIi>i"),
    ("fd_read", "iiii>i"),
    ("fd_readdir", "iiiIi>i"),
    ("fd_renumber", "ii>i"),
    ("fd_seek", "iIii>i"),
    ("fd_sync", "i>i"),
    ("fd_tell", "ii>i"),
    ("fd_write", "iiii>i"),
    ("path_create_directory", "iii>i"),
    ("path_filestat_get", "iiiii>i"),
    ("path_filestat_set_times", "iiiiIIi>i"),
    ("path_link", "iiiiiii>i"),
    ("path_open", "iiiiiIIii>i"),
    ("path_readlink", "iiiiii>i"),
    ("path_remove_directory", "iii>i"),
    ("path_rename", "iiiiii>i"),
    ("path_symlink", "iiiii>i"),
    ("path_unlink_file", "iii>i"),
    ("poll_oneoff", "iiii>i"),
    ("proc_exit", "i>"),
    ("proc_raise", "i>i"),
    ("sched_yield", ">i"),
    ("random_get", "ii>i"),
    ("sock_accept", "iii>i"),
    ("sock_recv", "iiiiii>i"),
    ("sock_send", "iiiii>i"),
    ("sock_shutdown", "ii>i"),
];

#[test]
fn host_function_table_matches_witx() {
    use wasmpi_abi::types::ValType;
    let funcs = super::host_functions();
    let code = |t: &ValType| match t {
        ValType::I32 => 'i',
        ValType::I64 => 'I',
        _ => '?',
    };
    let got: BTreeMap<&str, String> = funcs
        .iter()
        .map(|f| {
            assert_eq!(f.module, "wasi_snapshot_preview1");
            assert_ne!(f.code, 0);
            let mut sig: String = f.params.iter().map(code).collect();
            sig.push('>');
            sig.extend(f.results.iter().map(code));
            (f.name, sig)
        })
        .collect();
    assert_eq!(got.len(), funcs.len(), "duplicate names");
    let expected: BTreeMap<&str, String> = EXPECTED_SIGNATURES
        .iter()
        .map(|(n, s)| (*n, s.to_string()))
        .collect();
    assert_eq!(got, expected);
}

/// A small deterministic generator for [`random_calls_never_panic`].
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A guest pointer or length: mostly plausible, sometimes hostile.
    fn p(&mut self) -> u32 {
        match self.below(6) {
            0 => self.next() as u32,
            1 => u32::MAX - self.below(64) as u32,
            2 => FUZZ_MEM - self.below(64) as u32,
            3 => self.below(16) as u32,
            _ => self.below(u64::from(FUZZ_MEM)) as u32,
        }
    }

    /// A guest path (address, length): mostly a planted path, sometimes anything.
    fn path(&mut self) -> (u32, u32) {
        if self.below(5) == 0 {
            (self.p(), self.p())
        } else {
            let (at, s) = FUZZ_PATHS[self.below(FUZZ_PATHS.len() as u64) as usize];
            (at, s.len() as u32)
        }
    }

    /// A guest fd: mostly the preopen or descriptors opened from it, sometimes bad ones;
    /// never stdio (a read there could block).
    fn fd(&mut self) -> u32 {
        match self.below(8) {
            0 => u32::MAX,
            1 => 1000,
            2..=4 => 3,
            _ => self.fd_above_root(),
        }
    }

    /// A guest fd other than the preopen (for close and renumber, to keep the root open).
    fn fd_above_root(&mut self) -> u32 {
        4 + self.below(5) as u32
    }

    /// Flags and small enums: mostly valid bits, sometimes anything.
    fn f(&mut self, valid: u32) -> u32 {
        if self.below(8) == 0 {
            self.next() as u32
        } else {
            self.next() as u32 & valid
        }
    }

    /// A 64-bit value (offsets, rights, timestamps).
    fn q(&mut self) -> u64 {
        match self.below(5) {
            0 => u64::MAX,
            1 => 1 << 63,
            2 => self.next(),
            _ => self.below(4096),
        }
    }

    /// A size for allocations and truncation: never huge.
    fn size(&mut self) -> u64 {
        self.below(65536)
    }
}

const FUZZ_MEM: u32 = 8192;
/// Paths planted in the fuzz memory, with their addresses.
const FUZZ_PATHS: &[(u32, &str)] = &[
    (6000, "a"),
    (6010, "a/b"),
    (6020, "../x"),
    (6030, "sub/../../outside/secret"),
    (6060, "up/outside/secret"),
    (6080, "."),
    (6090, "up"),
    (6100, "etc/passwd"),
    (6120, "f"),
    (6130, "sub/"),
    (6140, "/etc/passwd"),
    (6160, ".."),
    (6170, "sub/f2"),
    (6180, "a/../f"),
    (6190, "lnk"),
];

/// Random arguments to every function except `poll_oneoff` (it may sleep) and `proc_exit`:
/// no panic, and nothing outside the sandbox changes.
#[test]
fn random_calls_never_panic() {
    let sb = Sandbox::new();
    let r = sb.root();
    std::fs::create_dir(r.join("sub")).unwrap();
    std::fs::write(r.join("f"), b"file").unwrap();
    std::os::unix::fs::symlink("..", r.join("up")).unwrap();
    std::os::unix::fs::symlink("/etc", r.join("etc")).unwrap();
    std::os::unix::fs::symlink("sub", r.join("lnk")).unwrap();
    let mut cx = WasiCtx::new(vec!["prog".into(), "x".into()]);
    cx.push_env("K", "V");
    cx.preopen_dir(&r, "/sandbox").unwrap();
    let mut mem = vec![0u8; FUZZ_MEM as usize];
    let mut g = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut ok = 0;
    const FST: u32 = 15;
    for round in 0..20_000u32 {
        if round % 200 == 0 {
            // Re-plant the paths (random writes may have clobbered them).
            for (at, s) in FUZZ_PATHS {
                put(&mut mem, *at, s.as_bytes());
            }
        }
        let m = &mut mem[..];
        let c = &mut cx;
        let (p1, l1) = g.path();
        let (p2, l2) = g.path();
        let result = match g.below(40) {
            0 => misc::args_get(m, c, g.p(), g.p()),
            1 => misc::args_sizes_get(m, c, g.p(), g.p()),
            2 => misc::environ_get(m, c, g.p(), g.p()),
            3 => misc::environ_sizes_get(m, c, g.p(), g.p()),
            4 => clock::clock_res_get(m, c, g.f(3), g.p()),
            5 => clock::clock_time_get(m, c, g.f(3), g.q(), g.p()),
            6 => fs::fd_advise(m, c, g.fd(), g.q(), g.q(), g.f(7)),
            7 => fs::fd_close(m, c, g.fd_above_root()),
            8 => fs::fd_datasync(m, c, g.fd()),
            9 => fs::fd_fdstat_get(m, c, g.fd(), g.p()),
            10 => fs::fd_fdstat_set_flags(m, c, g.fd(), g.f(FDFLAGS_APPEND)),
            11 => fs::fd_fdstat_set_rights(m, c, g.fd(), g.q(), g.q()),
            12 => fs::fd_filestat_get(m, c, g.fd(), g.p()),
            13 => fs::fd_filestat_set_size(m, c, g.fd(), g.size()),
            14 => fs::fd_filestat_set_times(m, c, g.fd(), g.q(), g.q(), g.f(FST)),
            15 => fs::fd_pread(m, c, g.fd(), g.p(), g.f(7), g.q(), g.p()),
            16 => fs::fd_prestat_get(m, c, g.fd(), g.p()),
            17 => fs::fd_prestat_dir_name(m, c, g.fd(), g.p(), g.p()),
            18 => fs::fd_pwrite(m, c, g.fd(), g.p(), g.f(7), g.size(), g.p()),
            19 => fs::fd_read(m, c, g.fd(), g.p(), g.f(7), g.p()),
            20 => fs::fd_readdir(m, c, g.fd(), g.p(), g.p(), g.q(), g.p()),
            21 => fs::fd_renumber(m, c, g.fd_above_root(), g.fd_above_root()),
            22 => fs::fd_seek(m, c, g.fd(), g.q() as i64, g.f(3), g.p()),
            23 => fs::fd_sync(m, c, g.fd()),
            24 => fs::fd_tell(m, c, g.fd(), g.p()),
            25 => fs::fd_write(m, c, g.fd(), g.p(), g.f(7), g.p()),
            26 => fs::path_create_directory(m, c, g.fd(), p1, l1),
            27 => fs::path_filestat_get(m, c, g.fd(), g.f(1), p1, l1, g.p()),
            28 => fs::path_filestat_set_times(m, c, g.fd(), g.f(1), p1, l1, g.q(), g.q(), g.f(FST)),
            29 => fs::path_link(m, c, g.fd(), g.f(1), p1, l1, g.fd(), p2, l2),
            30 | 31 => {
                let (fd, dirflags, oflags) = (g.fd(), g.f(1), g.f(OFLAGS_ALL));
                let (base, inheriting) = (g.q() | g.next(), g.q());
                let fdflags = g.f(FDFLAGS_ALL & !FDFLAGS_NONBLOCK);
                let out = g.p();
                fs::path_open(
                    m, c, fd, dirflags, p1, l1, oflags, base, inheriting, fdflags, out,
                )
            }
            32 => fs::path_readlink(m, c, g.fd(), p1, l1, g.p(), g.p(), g.p()),
            33 => fs::path_remove_directory(m, c, g.fd(), p1, l1),
            34 => fs::path_rename(m, c, g.fd(), p1, l1, g.fd(), p2, l2),
            35 => fs::path_symlink(m, c, p1, l1, g.fd(), p2, l2),
            36 => fs::path_unlink_file(m, c, g.fd(), p1, l1),
            37 => misc::random_get(m, c, g.p(), g.p()),
            38 => fs::fd_allocate(m, c, g.fd(), g.size(), g.size()),
            _ => misc::sched_yield(m, c),
        };
        ok += u32::from(result.is_ok());
    }
    // The calls did real work, not only fail early.
    assert!(ok > 2_000, "only {ok} calls succeeded");
    sb.assert_outside_untouched();
    let mut siblings: Vec<_> = std::fs::read_dir(&sb.base)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    siblings.sort();
    assert_eq!(siblings, ["outside", "root"]);
}

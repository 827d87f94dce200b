//! Arguments, environment, randomness, scheduling, signals and sockets.

// The inner functions take the memory, the context and the WASI parameters: the arity is
// WASI's.
#![allow(clippy::too_many_arguments)]

use super::ctx::WasiCtx;
use super::mem;
use super::types::*;

/// Writes a C string vector: `ptrs[i]` = guest address of string `i`, the strings
/// NUL-terminated one after another from `buf`.
fn write_strings(mem: &mut [u8], strings: &[Vec<u8>], ptrs: u32, buf: u32) -> WasiResult {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| Errno::OVERFLOW)?;
        mem::write_u32(mem, mem::element(ptrs, i, 4)?, at)?;
        mem::write_bytes(mem, at, s)?;
        let len = u32::try_from(s.len()).map_err(|_| Errno::OVERFLOW)?;
        let nul = mem::offset(at, len)?;
        mem::write_bytes(mem, nul, &[0])?;
        at = mem::offset(nul, 1)?;
    }
    Ok(())
}

/// Writes the count of `strings` and their total size with NULs at `count_ptr` / `size_ptr`.
fn write_sizes(mem: &mut [u8], strings: &[Vec<u8>], count_ptr: u32, size_ptr: u32) -> WasiResult {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::OVERFLOW)?;
    let size = strings
        .iter()
        .try_fold(0u32, |acc, s| {
            let len = u32::try_from(s.len()).ok()?;
            acc.checked_add(len)?.checked_add(1)
        })
        .ok_or(Errno::OVERFLOW)?;
    mem::write_u32(mem, count_ptr, count)?;
    Ok(mem::write_u32(mem, size_ptr, size)?)
}

/// `args_get(argv, argv_buf)`.
pub(crate) fn args_get(mem: &mut [u8], cx: &mut WasiCtx, argv: u32, argv_buf: u32) -> WasiResult {
    write_strings(mem, &cx.args, argv, argv_buf)
}

/// `args_sizes_get(argc, argv_buf_size)`.
pub(crate) fn args_sizes_get(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    argc: u32,
    argv_buf_size: u32,
) -> WasiResult {
    write_sizes(mem, &cx.args, argc, argv_buf_size)
}

/// `environ_get(environ, environ_buf)`: `KEY=VALUE` strings.
pub(crate) fn environ_get(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    environ: u32,
    environ_buf: u32,
) -> WasiResult {
    write_strings(mem, &cx.env, environ, environ_buf)
}

/// `environ_sizes_get(count, buf_size)`.
pub(crate) fn environ_sizes_get(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    count: u32,
    buf_size: u32,
) -> WasiResult {
    write_sizes(mem, &cx.env, count, buf_size)
}

/// `random_get(buf, buf_len)`: fills the buffer from the host's `getrandom`.
pub(crate) fn random_get(mem: &mut [u8], _cx: &mut WasiCtx, buf: u32, buf_len: u32) -> WasiResult {
    let mut out = mem::slice_mut(mem, buf, buf_len)?;
    while !out.is_empty() {
        match rustix::rand::getrandom(out, rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => out = std::mem::take(&mut out).get_mut(n..).unwrap_or_default(),
            Err(e) if e == rustix::io::Errno::INTR => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// `sched_yield()`.
pub(crate) fn sched_yield(_mem: &mut [u8], _cx: &mut WasiCtx) -> WasiResult {
    rustix::process::sched_yield();
    Ok(())
}

/// `proc_raise(sig)`: signals are not supported.
pub(crate) fn proc_raise(_mem: &mut [u8], _cx: &mut WasiCtx, _sig: u32) -> WasiResult {
    Err(Errno::NOSYS)
}

/// The error of every socket function: `EBADF` for a closed descriptor, `ENOTSUP` otherwise
/// (no socket can be opened or inherited).
fn no_sockets(cx: &WasiCtx, fd: u32) -> WasiResult {
    cx.fds.get(fd)?;
    Err(Errno::NOTSUP)
}

/// `sock_accept(fd, flags, ro_fd)`: not supported.
pub(crate) fn sock_accept(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    _flags: u32,
    _ro_fd: u32,
) -> WasiResult {
    no_sockets(cx, fd)
}

/// `sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags)`: not supported.
pub(crate) fn sock_recv(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    _ri_data: u32,
    _ri_data_len: u32,
    _ri_flags: u32,
    _ro_datalen: u32,
    _ro_flags: u32,
) -> WasiResult {
    no_sockets(cx, fd)
}

/// `sock_send(fd, si_data, si_data_len, si_flags, so_datalen)`: not supported.
pub(crate) fn sock_send(
    _mem: &mut [u8],
    cx: &mut WasiCtx,
    fd: u32,
    _si_data: u32,
    _si_data_len: u32,
    _si_flags: u32,
    _so_datalen: u32,
) -> WasiResult {
    no_sockets(cx, fd)
}

/// `sock_shutdown(fd, how)`: not supported.
pub(crate) fn sock_shutdown(_mem: &mut [u8], cx: &mut WasiCtx, fd: u32, _how: u32) -> WasiResult {
    no_sockets(cx, fd)
}

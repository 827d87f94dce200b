//! Info objects: `MPI_Info_*`, backed by host info objects.
//!
//! Guest info handles index [`Mpi::infos`](super::Mpi); `MPI_INFO_ENV` is predefined there and
//! `MPI_INFO_NULL` has no entry, so the `MPI_Info_*` functions refuse it with `MPI_ERR_INFO`
//! while calls that take an optional info argument ([`info_arg`]) pass the host's
//! `MPI_INFO_NULL`. Keys and values are NUL-terminated guest strings, copied into host
//! `CString`s after a bounded scan; results are copied back within the guest's lengths.

use super::cx::{Cx, MpiError, MpiResult};
use super::group::check_handle_out;
use crate::guest;
use mpi::ffi;
use std::ffi::{c_char, CString};
use wasmpi_abi::mpi as abi;

/// The NUL-terminated guest string at `addr`, if it ends within `limit` bytes (not counting
/// the NUL); `Ok(None)` when it is longer. A string running off linear memory is an error.
pub(super) fn c_string(mem: &[u8], addr: u32, limit: usize) -> MpiResult<Option<Vec<u8>>> {
    let start = usize::try_from(addr).map_err(|_| guest::OutOfBounds)?;
    let rest = mem.get(start..).ok_or(guest::OutOfBounds)?;
    let window = &rest[..rest.len().min(limit.saturating_add(1))];
    match window.iter().position(|&b| b == 0) {
        Some(len) => Ok(Some(window[..len].to_vec())),
        None if window.len() > limit => Ok(None),
        None => Err(guest::OutOfBounds.into()),
    }
}

/// Writes `text` (cut to `capacity - 1` bytes) and a NUL at guest address `buf`, and the
/// length written (without the NUL) to `len_out` unless it is 0.
pub(super) fn write_c_string(
    cx: &mut Cx,
    buf: u32,
    capacity: usize,
    len_out: u32,
    text: &[u8],
) -> MpiResult<()> {
    let n = text.len().min(capacity.saturating_sub(1));
    let mut bytes = text[..n].to_vec();
    bytes.push(0);
    guest::write_bytes(cx.mem(), buf, &bytes)?;
    if len_out != 0 {
        cx.write_i32(len_out, n as i32)?;
    }
    Ok(())
}

/// The bytes of a host string written into `buf` up to its NUL.
pub(super) fn host_string(buf: &[u8]) -> &[u8] {
    &buf[..buf.iter().position(|&b| b == 0).unwrap_or(buf.len())]
}

/// The host info object behind a live guest info handle (`MPI_INFO_NULL` is refused).
pub(super) fn info(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Info> {
    cx.mpi
        .infos
        .get(handle)
        .copied()
        .ok_or_else(|| MpiError::new(abi::MPI_ERR_INFO, format!("invalid info handle {handle}")))
}

/// The host info object for an optional info argument: `MPI_INFO_NULL` is allowed.
pub(super) fn info_arg(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Info> {
    if handle == abi::MPI_INFO_NULL {
        return Ok(cx.mpi.host.infos["MPI_INFO_NULL"]);
    }
    info(cx, handle)
}

/// The info key at `addr` as a host string (at most `MPI_MAX_INFO_KEY` bytes).
fn key(cx: &mut Cx, addr: u32) -> MpiResult<CString> {
    let bytes = c_string(cx.mem(), addr, abi::MPI_MAX_INFO_KEY as usize)?.ok_or_else(|| {
        MpiError::new(
            abi::MPI_ERR_INFO_KEY,
            format!(
                "info key longer than MPI_MAX_INFO_KEY ({})",
                abi::MPI_MAX_INFO_KEY
            ),
        )
    })?;
    // No interior NUL: the scan stopped at the first one.
    CString::new(bytes).map_err(|_| MpiError::new(abi::MPI_ERR_INFO_KEY, "invalid info key"))
}

fn info_create(cx: &mut Cx, out: u32) -> MpiResult<()> {
    check_handle_out(cx, out)?;
    let mut host = cx.mpi.host.infos["MPI_INFO_NULL"];
    // SAFETY: valid out-pointer.
    cx.check(unsafe { ffi::MPI_Info_create(&mut host) })?;
    let handle = cx.mpi.infos.insert(host);
    cx.write_i32(out, handle)
}

fn info_set(cx: &mut Cx, info_handle: i32, key_addr: u32, value_addr: u32) -> MpiResult<()> {
    let host = info(cx, info_handle)?;
    let key = key(cx, key_addr)?;
    let value =
        c_string(cx.mem(), value_addr, abi::MPI_MAX_INFO_VAL as usize)?.ok_or_else(|| {
            MpiError::new(
                abi::MPI_ERR_INFO_VALUE,
                format!(
                    "info value longer than MPI_MAX_INFO_VAL ({})",
                    abi::MPI_MAX_INFO_VAL
                ),
            )
        })?;
    let value = CString::new(value)
        .map_err(|_| MpiError::new(abi::MPI_ERR_INFO_VALUE, "invalid info value"))?;
    // SAFETY: live info object, NUL-terminated host strings.
    cx.check(unsafe { ffi::MPI_Info_set(host, key.as_ptr(), value.as_ptr()) })
}

fn info_get(
    cx: &mut Cx,
    info_handle: i32,
    key_addr: u32,
    valuelen: i32,
    value: u32,
    flag: u32,
) -> MpiResult<()> {
    let host = info(cx, info_handle)?;
    let key = key(cx, key_addr)?;
    if valuelen < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("negative value length {valuelen}"),
        ));
    }
    // No host value is longer than the host's MPI_MAX_INFO_VAL: a buffer of that size suffices
    // whatever length the guest claims.
    let host_max = cx.mpi.host.int("MPI_MAX_INFO_VAL").max(0);
    let len = valuelen.min(host_max);
    let mut buf = vec![0u8; len as usize + 2];
    let mut found = 0;
    // SAFETY: the buffer holds len characters and the NUL; valid out-pointer.
    cx.check(unsafe {
        ffi::MPI_Info_get(
            host,
            key.as_ptr(),
            len,
            buf.as_mut_ptr().cast::<c_char>(),
            &mut found,
        )
    })?;
    if found != 0 {
        let text = host_string(&buf).to_vec();
        write_c_string(cx, value, valuelen as usize + 1, 0, &text)?;
    }
    cx.write_i32(flag, found)
}

fn info_get_valuelen(
    cx: &mut Cx,
    info_handle: i32,
    key_addr: u32,
    valuelen: u32,
    flag: u32,
) -> MpiResult<()> {
    let host = info(cx, info_handle)?;
    let key = key(cx, key_addr)?;
    let (mut len, mut found) = (0, 0);
    // SAFETY: live info object, host string, valid out-pointers.
    cx.check(unsafe { ffi::MPI_Info_get_valuelen(host, key.as_ptr(), &mut len, &mut found) })?;
    if found != 0 {
        cx.write_i32(valuelen, len)?;
    }
    cx.write_i32(flag, found)
}

fn info_delete(cx: &mut Cx, info_handle: i32, key_addr: u32) -> MpiResult<()> {
    let host = info(cx, info_handle)?;
    let key = key(cx, key_addr)?;
    // SAFETY: live info object, host string.
    cx.check(unsafe { ffi::MPI_Info_delete(host, key.as_ptr()) })
}

fn info_free(cx: &mut Cx, handle_addr: u32) -> MpiResult<()> {
    let handle = cx.read_i32(handle_addr)?;
    let mut host = info(cx, handle)?;
    if handle < abi::FIRST_DYNAMIC_HANDLE {
        return Err(MpiError::new(
            abi::MPI_ERR_INFO,
            "a predefined info object cannot be freed",
        ));
    }
    // SAFETY: a live info object the guest created.
    cx.check(unsafe { ffi::MPI_Info_free(&mut host) })?;
    cx.mpi.infos.remove(handle);
    cx.write_i32(handle_addr, abi::MPI_INFO_NULL)
}

fn info_dup(cx: &mut Cx, info_handle: i32, out: u32) -> MpiResult<()> {
    let host = info(cx, info_handle)?;
    check_handle_out(cx, out)?;
    let mut new = cx.mpi.host.infos["MPI_INFO_NULL"];
    // SAFETY: live info object, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Info_dup(host, &mut new) })?;
    let handle = cx.mpi.infos.insert(new);
    cx.write_i32(out, handle)
}

fn info_get_nkeys(cx: &mut Cx, info_handle: i32, nkeys: u32) -> MpiResult<()> {
    let host = info(cx, info_handle)?;
    let mut n = 0;
    // SAFETY: live info object, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Info_get_nkeys(host, &mut n) })?;
    cx.write_i32(nkeys, n)
}

fn info_get_nthkey(cx: &mut Cx, info_handle: i32, n: i32, key_out: u32) -> MpiResult<()> {
    let host = info(cx, info_handle)?;
    // Larger than any host's MPI_MAX_INFO_KEY + 1.
    let mut buf = vec![0u8; 1024];
    // SAFETY: the buffer is larger than any host key and its NUL.
    cx.check(unsafe { ffi::MPI_Info_get_nthkey(host, n, buf.as_mut_ptr().cast::<c_char>()) })?;
    let text = host_string(&buf).to_vec();
    write_c_string(cx, key_out, abi::MPI_MAX_INFO_KEY as usize + 1, 0, &text)
}

super::mpi_functions! {
    info_create => MPI_Info_create(info: u32);
    info_set => MPI_Info_set(info: i32, key: u32, value: u32);
    info_get => MPI_Info_get(info: i32, key: u32, valuelen: i32, value: u32, flag: u32);
    info_get_valuelen => MPI_Info_get_valuelen(info: i32, key: u32, valuelen: u32, flag: u32);
    info_delete => MPI_Info_delete(info: i32, key: u32);
    info_free => MPI_Info_free(info: u32);
    info_dup => MPI_Info_dup(info: i32, newinfo: u32);
    info_get_nkeys => MPI_Info_get_nkeys(info: i32, nkeys: u32);
    info_get_nthkey => MPI_Info_get_nthkey(info: i32, n: i32, key: u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_strings_are_bounded() {
        let mem = b"abc\0defg";
        assert_eq!(c_string(mem, 0, 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(c_string(mem, 0, 2).unwrap(), None, "longer than the limit");
        assert_eq!(c_string(mem, 3, 0).unwrap(), Some(Vec::new()));
        assert!(c_string(mem, 4, 10).is_err(), "runs off memory");
        assert!(c_string(mem, 9, 10).is_err(), "starts past memory");
        assert!(c_string(mem, 8, 0).is_err(), "no NUL before the end");
    }
}

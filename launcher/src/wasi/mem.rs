//! Bounds-checked access to guest linear memory.
//!
//! Every guest pointer and length goes through [`range`], which checks with overflow-free
//! arithmetic that the whole span lies inside the memory slice and returns `EFAULT`
//! otherwise. Values are read and written little-endian through byte copies, so guest
//! pointers need not be aligned. Nothing here can panic on guest input.

use super::types::{Errno, WasiResult, SIZEOF_IOVEC};
use std::ops::Range;

/// Most iovecs handed to one host `readv`/`writev` (Linux `IOV_MAX`); more make a short
/// transfer, which callers of `fd_read`/`fd_write` must handle anyway.
pub(crate) const IOV_MAX: u32 = 1024;

/// The byte range `[ptr, ptr + len)` of a memory of `mem_len` bytes, or `EFAULT`.
pub(crate) fn range(mem_len: usize, ptr: u32, len: u32) -> WasiResult<Range<usize>> {
    let start = usize::try_from(ptr).map_err(|_| Errno::FAULT)?;
    let len = usize::try_from(len).map_err(|_| Errno::FAULT)?;
    let end = start.checked_add(len).ok_or(Errno::FAULT)?;
    if end > mem_len {
        return Err(Errno::FAULT);
    }
    Ok(start..end)
}

/// `len` bytes at `ptr`.
pub(crate) fn slice(mem: &[u8], ptr: u32, len: u32) -> WasiResult<&[u8]> {
    let r = range(mem.len(), ptr, len)?;
    mem.get(r).ok_or(Errno::FAULT)
}

/// `len` writable bytes at `ptr`.
pub(crate) fn slice_mut(mem: &mut [u8], ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
    let r = range(mem.len(), ptr, len)?;
    mem.get_mut(r).ok_or(Errno::FAULT)
}

/// Length of a host-side buffer as a guest `u32`, or `EFAULT` when it cannot be one.
fn len32(len: usize) -> WasiResult<u32> {
    u32::try_from(len).map_err(|_| Errno::FAULT)
}

/// Checks that `len` bytes at `ptr` are writable, without writing (to fail before side effects).
pub(crate) fn check_writable(mem: &[u8], ptr: u32, len: usize) -> WasiResult<()> {
    range(mem.len(), ptr, len32(len)?).map(|_| ())
}

/// Copies `bytes` to guest address `ptr`.
pub(crate) fn write_bytes(mem: &mut [u8], ptr: u32, bytes: &[u8]) -> WasiResult<()> {
    slice_mut(mem, ptr, len32(bytes.len())?)?.copy_from_slice(bytes);
    Ok(())
}

/// Reads `N` bytes at `ptr`.
fn read_array<const N: usize>(mem: &[u8], ptr: u32) -> WasiResult<[u8; N]> {
    let mut out = [0u8; N];
    out.copy_from_slice(slice(mem, ptr, len32(N)?)?);
    Ok(out)
}

/// Reads a little-endian `u16`.
pub(crate) fn read_u16(mem: &[u8], ptr: u32) -> WasiResult<u16> {
    read_array(mem, ptr).map(u16::from_le_bytes)
}

/// Reads a little-endian `u32`.
pub(crate) fn read_u32(mem: &[u8], ptr: u32) -> WasiResult<u32> {
    read_array(mem, ptr).map(u32::from_le_bytes)
}

/// Reads a little-endian `u64`.
pub(crate) fn read_u64(mem: &[u8], ptr: u32) -> WasiResult<u64> {
    read_array(mem, ptr).map(u64::from_le_bytes)
}

/// Reads a byte.
pub(crate) fn read_u8(mem: &[u8], ptr: u32) -> WasiResult<u8> {
    read_array::<1>(mem, ptr).map(|b| b[0])
}

/// Writes a little-endian `u32`.
pub(crate) fn write_u32(mem: &mut [u8], ptr: u32, v: u32) -> WasiResult<()> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// Writes a little-endian `u64`.
pub(crate) fn write_u64(mem: &mut [u8], ptr: u32, v: u64) -> WasiResult<()> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// `base + offset` as a guest address, or `EFAULT` on overflow.
pub(crate) fn offset(base: u32, offset: u32) -> WasiResult<u32> {
    base.checked_add(offset).ok_or(Errno::FAULT)
}

/// `base + index * size` as a guest address, or `EFAULT` on overflow.
pub(crate) fn element(base: u32, index: u32, size: u32) -> WasiResult<u32> {
    index
        .checked_mul(size)
        .and_then(|o| base.checked_add(o))
        .ok_or(Errno::FAULT)
}

/// The guest byte string (a path) at `ptr`, copied out.
pub(crate) fn read_string(mem: &[u8], ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
    Ok(slice(mem, ptr, len)?.to_vec())
}

/// The buffers of the iovec (or ciovec) array at `iovs` (`count` entries of
/// `{buf: u32, len: u32}`), as checked byte ranges of `mem`. At most [`IOV_MAX`] entries are
/// taken; each taken buffer must lie inside memory or the result is `EFAULT`.
pub(crate) fn iovecs(mem: &[u8], iovs: u32, count: u32) -> WasiResult<Vec<Range<usize>>> {
    // The whole array must be addressable, even the part past IOV_MAX.
    range(
        mem.len(),
        iovs,
        count.checked_mul(SIZEOF_IOVEC).ok_or(Errno::FAULT)?,
    )?;
    let taken = count.min(IOV_MAX);
    let mut out = Vec::with_capacity(usize::try_from(taken).unwrap_or(0));
    for i in 0..taken {
        let at = element(iovs, i, SIZEOF_IOVEC)?;
        let buf = read_u32(mem, at)?;
        let len = read_u32(mem, offset(at, 4)?)?;
        out.push(range(mem.len(), buf, len)?);
    }
    Ok(out)
}

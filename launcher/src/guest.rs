//! Bounds-checked access to guest linear memory, for every host function (WASI, MPI).
//!
//! Every guest pointer and length goes through [`range`], which checks with overflow-free
//! arithmetic that the whole span lies inside the memory slice and returns [`OutOfBounds`]
//! otherwise. Values are read and written little-endian through byte copies, so guest
//! pointers need not be aligned. Nothing here can panic on guest input.

use std::ops::Range;

/// A guest pointer or length reaches outside linear memory (or overflows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfBounds;

/// Result of a guest memory access.
pub type GuestResult<T> = Result<T, OutOfBounds>;

/// The byte range `[ptr, ptr + len)` of a memory of `mem_len` bytes, or [`OutOfBounds`].
pub(crate) fn range(mem_len: usize, ptr: u32, len: u32) -> GuestResult<Range<usize>> {
    let start = usize::try_from(ptr).map_err(|_| OutOfBounds)?;
    let len = usize::try_from(len).map_err(|_| OutOfBounds)?;
    let end = start.checked_add(len).ok_or(OutOfBounds)?;
    if end > mem_len {
        return Err(OutOfBounds);
    }
    Ok(start..end)
}

/// `len` bytes at `ptr`.
pub(crate) fn slice(mem: &[u8], ptr: u32, len: u32) -> GuestResult<&[u8]> {
    let r = range(mem.len(), ptr, len)?;
    mem.get(r).ok_or(OutOfBounds)
}

/// `len` writable bytes at `ptr`.
pub(crate) fn slice_mut(mem: &mut [u8], ptr: u32, len: u32) -> GuestResult<&mut [u8]> {
    let r = range(mem.len(), ptr, len)?;
    mem.get_mut(r).ok_or(OutOfBounds)
}

/// Length of a host-side buffer as a guest `u32`, or [`OutOfBounds`] when it cannot be one.
fn len32(len: usize) -> GuestResult<u32> {
    u32::try_from(len).map_err(|_| OutOfBounds)
}

/// Checks that `len` bytes at `ptr` are writable, without writing (to fail before side effects).
pub(crate) fn check_writable(mem: &[u8], ptr: u32, len: usize) -> GuestResult<()> {
    range(mem.len(), ptr, len32(len)?).map(|_| ())
}

/// Copies `bytes` to guest address `ptr`.
pub(crate) fn write_bytes(mem: &mut [u8], ptr: u32, bytes: &[u8]) -> GuestResult<()> {
    slice_mut(mem, ptr, len32(bytes.len())?)?.copy_from_slice(bytes);
    Ok(())
}

/// Reads `N` bytes at `ptr`.
fn read_array<const N: usize>(mem: &[u8], ptr: u32) -> GuestResult<[u8; N]> {
    let mut out = [0u8; N];
    out.copy_from_slice(slice(mem, ptr, len32(N)?)?);
    Ok(out)
}

/// Reads a little-endian `u16`.
pub(crate) fn read_u16(mem: &[u8], ptr: u32) -> GuestResult<u16> {
    read_array(mem, ptr).map(u16::from_le_bytes)
}

/// Reads a little-endian `u32`.
pub(crate) fn read_u32(mem: &[u8], ptr: u32) -> GuestResult<u32> {
    read_array(mem, ptr).map(u32::from_le_bytes)
}

/// Reads a little-endian `u64`.
pub(crate) fn read_u64(mem: &[u8], ptr: u32) -> GuestResult<u64> {
    read_array(mem, ptr).map(u64::from_le_bytes)
}

/// Reads a byte.
pub(crate) fn read_u8(mem: &[u8], ptr: u32) -> GuestResult<u8> {
    read_array::<1>(mem, ptr).map(|b| b[0])
}

/// Writes a little-endian `u32`.
pub(crate) fn write_u32(mem: &mut [u8], ptr: u32, v: u32) -> GuestResult<()> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// Writes a little-endian `u64`.
pub(crate) fn write_u64(mem: &mut [u8], ptr: u32, v: u64) -> GuestResult<()> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// `base + offset` as a guest address, or [`OutOfBounds`] on overflow.
pub(crate) fn offset(base: u32, offset: u32) -> GuestResult<u32> {
    base.checked_add(offset).ok_or(OutOfBounds)
}

/// `base + index * size` as a guest address, or [`OutOfBounds`] on overflow.
pub(crate) fn element(base: u32, index: u32, size: u32) -> GuestResult<u32> {
    index
        .checked_mul(size)
        .and_then(|o| base.checked_add(o))
        .ok_or(OutOfBounds)
}

/// The guest byte string (a path) at `ptr`, copied out.
pub(crate) fn read_string(mem: &[u8], ptr: u32, len: u32) -> GuestResult<Vec<u8>> {
    Ok(slice(mem, ptr, len)?.to_vec())
}

//! Guest memory access for WASI: the generic checks of [`crate::guest`], whose
//! [`crate::guest::OutOfBounds`] becomes `EFAULT`, plus iovec arrays.

use super::types::{Errno, WasiResult, SIZEOF_IOVEC};
pub(crate) use crate::guest::*;
use std::ops::Range;

/// Most iovecs handed to one host `readv`/`writev` (Linux `IOV_MAX`); more make a short
/// transfer, which callers of `fd_read`/`fd_write` must handle anyway.
pub(crate) const IOV_MAX: u32 = 1024;

impl From<OutOfBounds> for Errno {
    fn from(_: OutOfBounds) -> Errno {
        Errno::FAULT
    }
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

//! Linear memory: one reservation that never moves.
//!
//! 4 GiB (every 32-bit address) plus a 2 GiB guard are reserved inaccessible up front; only
//! the pages the module has are made read-write, and `memory.grow` changes protections in
//! place. Compiled code therefore needs no bounds checks (an out-of-bounds access faults and
//! becomes a trap), and pointers into the memory stay valid for its whole life — MPI
//! requests and RMA windows rely on that.

use rustix::mm::{self, MapFlags, MprotectFlags, ProtFlags};
use wasmpi_abi::{WASM_MAX_PAGES, WASM_PAGE_SIZE};

/// Bytes reserved: 4 GiB of addressable memory and a 2 GiB guard (matches the compiler's
/// static heap bound and guard).
pub const RESERVATION: usize = (4 << 30) + (2 << 30);

/// A linear memory.
pub struct LinearMemory {
    base: *mut u8,
    size: usize,
    max_pages: u64,
}

/// The memory could not be reserved.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot reserve {} GiB of address space for linear memory ({source}); \
     raise the virtual memory limit (`ulimit -v unlimited`) or ask for it in your job script",
    RESERVATION >> 30
)]
pub struct ReserveError {
    source: rustix::io::Errno,
}

impl LinearMemory {
    /// Reserves a memory with `min_pages` accessible, growable up to `max_pages`.
    pub fn new(min_pages: u64, max_pages: Option<u64>) -> Result<LinearMemory, ReserveError> {
        // SAFETY: a fresh anonymous PROT_NONE mapping at an address of the kernel's choosing
        // aliases nothing.
        let base = unsafe {
            mm::mmap_anonymous(
                std::ptr::null_mut(),
                RESERVATION,
                ProtFlags::empty(),
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )
        }
        .map_err(|source| ReserveError { source })?;
        let mut memory = LinearMemory {
            base: base.cast(),
            size: 0,
            max_pages: max_pages.unwrap_or(WASM_MAX_PAGES).min(WASM_MAX_PAGES),
        };
        if memory.grow(min_pages).is_none() {
            return Err(ReserveError {
                source: rustix::io::Errno::NOMEM,
            });
        }
        Ok(memory)
    }

    /// Base address.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// Accessible size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` if it would exceed
    /// the maximum or the system refuses.
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old_pages = self.size as u64 / WASM_PAGE_SIZE;
        let new_pages = old_pages.checked_add(delta)?;
        if new_pages > self.max_pages {
            return None;
        }
        if delta > 0 {
            let new_size = (new_pages * WASM_PAGE_SIZE) as usize;
            // SAFETY: the range lies inside our own reservation (new_size <= 4 GiB).
            let start = unsafe { self.base.add(self.size) };
            // SAFETY: making reserved pages of our own mapping read-write.
            unsafe {
                mm::mprotect(
                    start.cast(),
                    new_size - self.size,
                    MprotectFlags::READ | MprotectFlags::WRITE,
                )
            }
            .ok()?;
            self.size = new_size;
        }
        Some(old_pages)
    }

    /// The accessible memory.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        if self.size == 0 {
            return &mut [];
        }
        // SAFETY: [base, base + size) is mapped read-write and owned by this memory; &mut self
        // guarantees exclusive access from Rust (wasm code is suspended while the host runs).
        unsafe { std::slice::from_raw_parts_mut(self.base, self.size) }
    }

    /// Whether `addr` lies in the reservation (accessible or guard).
    pub fn contains(&self, addr: usize) -> bool {
        (self.base as usize..self.base as usize + RESERVATION).contains(&addr)
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the reservation made in `new`; nothing refers to it any more.
        let _ = unsafe { mm::munmap(self.base.cast(), RESERVATION) };
    }
}

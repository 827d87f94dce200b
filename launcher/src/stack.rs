//! The wasm stack: wasm code runs on its own stack, with a guard below it, so runaway
//! recursion becomes a trap instead of crashing the launcher.
//!
//! Every compiled function checks, in its prologue, that its frame stays above the stack
//! limit stored in the VM context and traps with "call stack exhausted" otherwise. The limit
//! leaves [`HOST_RESERVE`] bytes free above the guard for host functions (WASI, MPI) that
//! wasm calls, which run on the same stack.

use rustix::mm::{self, MapFlags, MprotectFlags, ProtFlags};

/// Default size of the wasm stack.
pub const DEFAULT_SIZE: usize = 16 << 20;
/// Inaccessible guard at the bottom.
pub const GUARD: usize = 64 << 10;
/// Room left for host functions below the stack limit.
pub const HOST_RESERVE: usize = 1 << 20;

/// A stack for wasm code.
pub struct Stack {
    base: *mut u8,
    len: usize,
}

impl Stack {
    /// Allocates a stack of `size` usable bytes plus the guard.
    pub fn new(size: usize) -> rustix::io::Result<Stack> {
        let len = size + GUARD;
        // SAFETY: a fresh anonymous mapping aliases nothing.
        let base = unsafe {
            mm::mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )
        }?;
        // SAFETY: protecting the lowest GUARD bytes of our own mapping.
        unsafe { mm::mprotect(base, GUARD, MprotectFlags::empty()) }?;
        Ok(Stack {
            base: base.cast(),
            len,
        })
    }

    /// Highest address (exclusive), 16-byte aligned: where the stack starts.
    pub fn top(&self) -> usize {
        self.base as usize + self.len
    }

    /// Lowest address wasm frames may use.
    pub fn limit(&self) -> usize {
        self.base as usize + GUARD + HOST_RESERVE
    }

    /// The guard region.
    pub fn guard(&self) -> (usize, usize) {
        (self.base as usize, self.base as usize + GUARD)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly our mapping; no wasm code runs on it any more.
        let _ = unsafe { mm::munmap(self.base.cast(), self.len) };
    }
}

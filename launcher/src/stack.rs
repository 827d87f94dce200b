//! The wasm stack: wasm code runs on its own stack, with a guard below it, so runaway
//! recursion becomes a trap instead of crashing the launcher.
//!
//! Every compiled function checks, in its prologue, that its frame stays above the stack
//! limit stored in the VM context and traps with "call stack exhausted" otherwise. The limit
//! leaves [`HOST_RESERVE`] bytes free above the guard for host functions (WASI, MPI) that
//! wasm calls, which run on the same stack.
//!
//! All instances of a thread share one stack ([`for_this_thread`]): a call into another
//! instance's function (an import from it, or a shared table entry) keeps running on the
//! caller's stack, and the callee's prologue compares against its own VM context's limit,
//! so every instance of the thread must have the same one.

use rustix::mm::{self, MapFlags, MprotectFlags, ProtFlags};
use std::rc::Rc;

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

thread_local! {
    static THREAD_STACK: std::cell::RefCell<Option<Rc<Stack>>> = const { std::cell::RefCell::new(None) };
}

/// The wasm stack of this thread, allocated with [`DEFAULT_SIZE`] at first use. Instances
/// keep a reference, so it lives as long as the last instance of the thread.
pub fn for_this_thread() -> rustix::io::Result<Rc<Stack>> {
    THREAD_STACK.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(stack) = &*slot {
            return Ok(stack.clone());
        }
        let stack = Rc::new(Stack::new(DEFAULT_SIZE)?);
        *slot = Some(stack.clone());
        Ok(stack)
    })
}

/// The guard region of this thread's wasm stack, if it has one: for the fault handler, which
/// must neither allocate nor block (it only reads the thread-local slot).
pub fn this_thread_guard() -> Option<(usize, usize)> {
    THREAD_STACK
        .try_with(|slot| slot.try_borrow().ok()?.as_ref().map(|stack| stack.guard()))
        .ok()
        .flatten()
}

//! What runs on this thread: the code and linear memories of live instances, for the fault
//! handler.
//!
//! A trap can happen in the code of an instance other than the one the host called into (a
//! call to an imported function or through a shared table), and an out-of-bounds access can
//! hit a memory another instance defined. The handler therefore asks this per-thread
//! registry, not only the running activation, whether a faulting instruction is a trap site
//! and whether a faulting address lies in a linear memory's reservation. Instances and
//! memories cannot leave the thread that created them (they are not `Send`), so a
//! thread-local list is complete.

use crate::artifact::Artifact;
use std::cell::RefCell;
use wasmpi_abi::trap::TrapKind;

struct Code {
    start: usize,
    end: usize,
    artifact: *const Artifact,
}

thread_local! {
    static CODE: RefCell<Vec<Code>> = const { RefCell::new(Vec::new()) };
    static MEMORIES: RefCell<Vec<(usize, usize)>> = const { RefCell::new(Vec::new()) };
}

/// Registers `artifact`'s code until the returned guard is dropped. The artifact must stay
/// alive as long as the guard (instances hold both).
pub fn register_code(artifact: &Artifact) -> CodeGuard {
    let text = artifact.text();
    let start = text.as_ptr() as usize;
    CODE.with(|code| {
        code.borrow_mut().push(Code {
            start,
            end: start + text.len(),
            artifact,
        })
    });
    CodeGuard { start }
}

/// Keeps code registered; unregisters it when dropped.
pub struct CodeGuard {
    start: usize,
}

impl Drop for CodeGuard {
    fn drop(&mut self) {
        let _ = CODE.try_with(|code| {
            let mut code = code.borrow_mut();
            if let Some(at) = code.iter().position(|c| c.start == self.start) {
                code.swap_remove(at);
            }
        });
    }
}

/// Registers the address range of a linear memory's reservation until the guard is dropped.
pub fn register_memory(start: usize, len: usize) -> MemoryGuard {
    MEMORIES.with(|m| m.borrow_mut().push((start, start + len)));
    MemoryGuard { start }
}

/// Keeps a memory registered; unregisters it when dropped.
pub struct MemoryGuard {
    start: usize,
}

impl Drop for MemoryGuard {
    fn drop(&mut self) {
        let _ = MEMORIES.try_with(|m| {
            let mut m = m.borrow_mut();
            if let Some(at) = m.iter().position(|r| r.0 == self.start) {
                m.swap_remove(at);
            }
        });
    }
}

/// What the fault handler learns about a faulting instruction at `pc`.
pub struct Site {
    /// The recorded trap, if `pc` is a trap site.
    pub trap: Option<TrapKind>,
    /// Offset of `pc` in its artifact's `.text`.
    pub offset: u32,
}

/// Looks `pc` up in the code of the live instances of this thread. Called from the signal
/// handler: it neither allocates nor blocks (a registry being changed counts as not found).
pub fn site(pc: usize) -> Option<Site> {
    CODE.try_with(|code| {
        let code = code.try_borrow().ok()?;
        let region = code.iter().find(|c| (c.start..c.end).contains(&pc))?;
        let offset = (pc - region.start) as u32;
        // SAFETY: a registered artifact is alive until its guard unregisters it.
        let artifact = unsafe { &*region.artifact };
        Some(Site {
            trap: artifact.metadata().trap_at(offset).map(|t| t.kind),
            offset,
        })
    })
    .ok()
    .flatten()
}

/// Whether `addr` lies in the reservation of a live linear memory of this thread.
pub fn in_memory(addr: usize) -> bool {
    MEMORIES
        .try_with(|m| {
            m.try_borrow()
                .is_ok_and(|m| m.iter().any(|r| (r.0..r.1).contains(&addr)))
        })
        .unwrap_or(false)
}

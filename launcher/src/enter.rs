//! Entering wasm code and leaving it early.
//!
//! [`call_wasm`] switches to the wasm stack and calls an entry trampoline. Two things leave
//! wasm code other than returning: a trap (the signal handler redirects the faulting thread
//! to `wasmpi_unwind`) and `proc_exit` (a host function calls [`unwind`]). Both restore the
//! host stack pointer and callee-saved registers saved by `wasmpi_enter`, so control returns
//! from `wasmpi_enter` with a non-zero status. Only wasm frames (which own no resources) and
//! the exiting host function's frame are skipped; no Rust frame with destructors is.

use std::cell::Cell;
use wasmpi_abi::trap::TrapKind;

/// Status returned by `wasmpi_enter` when the callee returned normally.
const STATUS_RETURNED: u64 = 0;
/// Status when a trap unwound the call.
const STATUS_TRAPPED: u64 = 1;
/// Status when `proc_exit` unwound the call.
const STATUS_EXITED: u64 = 2;

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".text",
    ".globl wasmpi_enter",
    ".type wasmpi_enter,@function",
    "wasmpi_enter:",
    // rdi = trampoline, rsi = vmctx, rdx = callee, rcx = values, r8 = stack top or 0,
    // r9 = where to save the host stack pointer.
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "mov [r9], rsp",
    "test r8, r8",
    "cmovnz rsp, r8",
    "mov rax, rdi",
    "mov rdi, rsi",
    "mov rsi, rdx",
    "mov rdx, rcx",
    "call rax",
    "lea rsp, [rbp - 48]",
    "xor eax, eax",
    "jmp 2f",
    ".globl wasmpi_unwind",
    ".type wasmpi_unwind,@function",
    "wasmpi_unwind:",
    // rdi = saved host stack pointer, rsi = status.
    "mov rsp, rdi",
    "mov rax, rsi",
    "2:",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
);

#[cfg(target_arch = "aarch64")]
std::arch::global_asm!(
    ".text",
    ".globl wasmpi_enter",
    ".type wasmpi_enter,%function",
    "wasmpi_enter:",
    // x0 = trampoline, x1 = vmctx, x2 = callee, x3 = values, x4 = stack top or 0,
    // x5 = where to save the host stack pointer.
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    "stp x19, x20, [sp, #-16]!",
    "stp x21, x22, [sp, #-16]!",
    "stp x23, x24, [sp, #-16]!",
    "stp x25, x26, [sp, #-16]!",
    "stp x27, x28, [sp, #-16]!",
    "stp d8, d9, [sp, #-16]!",
    "stp d10, d11, [sp, #-16]!",
    "stp d12, d13, [sp, #-16]!",
    "stp d14, d15, [sp, #-16]!",
    "mov x9, sp",
    "str x9, [x5]",
    "cbz x4, 1f",
    "mov sp, x4",
    "1:",
    "mov x9, x0",
    "mov x0, x1",
    "mov x1, x2",
    "mov x2, x3",
    "blr x9",
    "sub sp, x29, #144",
    "mov x0, #0",
    "b 2f",
    ".globl wasmpi_unwind",
    ".type wasmpi_unwind,%function",
    "wasmpi_unwind:",
    // x0 = saved host stack pointer, x1 = status.
    "mov sp, x0",
    "mov x0, x1",
    "2:",
    "ldp d14, d15, [sp], #16",
    "ldp d12, d13, [sp], #16",
    "ldp d10, d11, [sp], #16",
    "ldp d8, d9, [sp], #16",
    "ldp x27, x28, [sp], #16",
    "ldp x25, x26, [sp], #16",
    "ldp x23, x24, [sp], #16",
    "ldp x21, x22, [sp], #16",
    "ldp x19, x20, [sp], #16",
    "ldp x29, x30, [sp], #16",
    "ret",
);

extern "C" {
    fn wasmpi_enter(
        trampoline: usize,
        vmctx: *mut u8,
        callee: usize,
        values: *mut u128,
        stack_top: usize,
        saved_sp: *mut usize,
    ) -> u64;
    fn wasmpi_unwind(saved_sp: usize, status: u64) -> !;
}

/// Address of `wasmpi_unwind`, where the signal handler sends a trapping thread.
pub fn unwind_address() -> usize {
    wasmpi_unwind as *const () as usize
}

/// What the signal handler needs to know about the wasm call running on this thread.
pub struct Activation {
    /// Host stack pointer saved by `wasmpi_enter`.
    pub saved_sp: Cell<usize>,
    /// The instance's VM context (host callbacks find their instance through it).
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub vmctx: *mut u8,
    /// Outcome of an unwinding: the trap, with its text offset, or the exit code.
    pub outcome: Cell<Option<Unwind>>,
    /// Enclosing activation (host → wasm → host → wasm).
    pub previous: *const Activation,
}

/// Why a wasm call ended early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unwind {
    /// A trap of this kind at this offset of `.text`.
    Trap(TrapKind, u32),
    /// `proc_exit(code)`.
    Exit(i32),
}

thread_local! {
    /// The innermost wasm activation of this thread, or null.
    static CURRENT: Cell<*const Activation> = const { Cell::new(std::ptr::null()) };
}

/// The innermost activation of this thread (null when no wasm runs). Async-signal-safe.
pub fn current() -> *const Activation {
    CURRENT.with(|c| c.get())
}

/// Calls wasm through `trampoline` and returns how it ended.
///
/// # Safety
/// `trampoline` and `callee` must be code of a loaded artifact matching each other's type,
/// `vmctx` its instance's VM context, and `values` must have a slot for every parameter and
/// result. `stack_top` is the top of a fresh stack to switch to, or 0 to stay on this one.
pub unsafe fn call_wasm(
    trampoline: usize,
    vmctx: *mut u8,
    callee: usize,
    values: &mut [u128],
    stack_top: usize,
) -> Result<(), Unwind> {
    let activation = Activation {
        saved_sp: Cell::new(0),
        vmctx,
        outcome: Cell::new(None),
        previous: current(),
    };
    CURRENT.with(|c| c.set(&activation));
    // SAFETY: the caller guarantees the code, context and value slots match; wasmpi_enter
    // saves and restores every callee-saved register whether the callee returns or unwinds.
    let status = unsafe {
        wasmpi_enter(
            trampoline,
            vmctx,
            callee,
            values.as_mut_ptr(),
            stack_top,
            activation.saved_sp.as_ptr(),
        )
    };
    CURRENT.with(|c| c.set(activation.previous));
    match (status, activation.outcome.get()) {
        (STATUS_RETURNED, _) => Ok(()),
        (_, Some(outcome)) => Err(outcome),
        _ => Err(Unwind::Trap(TrapKind::Unreachable, 0)),
    }
}

/// Leaves the innermost wasm call with `outcome`.
///
/// # Safety
/// Must be called from a host function that wasm called, with no live values needing drop
/// in that function's frame.
pub unsafe fn unwind(outcome: Unwind) -> ! {
    let activation = current();
    assert!(!activation.is_null(), "unwind outside of wasm");
    // SAFETY: a non-null CURRENT points at the live Activation of the enclosing call_wasm.
    let activation = unsafe { &*activation };
    activation.outcome.set(Some(outcome));
    let status = match outcome {
        Unwind::Trap(..) => STATUS_TRAPPED,
        Unwind::Exit(_) => STATUS_EXITED,
    };
    // SAFETY: saved_sp is the host stack pointer wasmpi_enter saved for this activation;
    // everything above it on the wasm stack belongs to frames being abandoned.
    unsafe { wasmpi_unwind(activation.saved_sp.get(), status) }
}

/// Status the signal handler passes to `wasmpi_unwind` for a trap.
pub const TRAP_STATUS: u64 = STATUS_TRAPPED;

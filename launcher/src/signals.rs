//! Turning hardware faults in wasm code into traps, and passing every other fault on.
//!
//! Compiled code traps by faulting: `ud2`/`udf` for explicit traps, a guard-page access for
//! out-of-bounds memory, a hardware divide fault on x86-64. The handler looks the faulting
//! instruction up in the trap tables of the artifacts of this thread's live instances
//! ([`crate::regions`]); if it is a trap site it records the trap and resumes the thread at
//! `wasmpi_unwind`, which returns from the call that entered wasm.
//!
//! # Chaining
//!
//! Every other SIGSEGV, SIGBUS, SIGILL or SIGFPE belongs to someone else: a bug in host code,
//! a fault that a library provokes and handles on purpose, or a signal sent with `kill`,
//! `raise` or `sigqueue`. MPI libraries and their transports install handlers of their own
//! for these signals, and such a signal must reach them. So [`ensure_installed`] saves the
//! action in place for each signal before installing ours, and the handler passes every
//! signal that is not a wasm trap on to that action, the way the kernel would have delivered
//! it:
//!
//! - a handler is called with one argument (`sa_handler`) or three (`SA_SIGINFO`), with its
//!   `sa_mask`, and the signal itself unless it has `SA_NODEFER`, blocked while it runs. With
//!   `SA_RESETHAND` the saved action becomes `SIG_DFL` before the call, as the kernel resets
//!   a one-shot action on delivery, so a fault that executes again or a signal the handler
//!   raises again gets the default action. A handler that restores `SIG_DFL` itself and
//!   returns counts on a fault executing again (Rust's std installs such a handler in every
//!   program, `wasmpirun` included, where no library installed one first): a sent signal,
//!   which returning does not deliver again, is then raised again;
//! - `SIG_DFL`: the default action is restored for the process and the handler returns, so
//!   the faulting instruction runs again and the process dies of the signal as it would have
//!   without us; a sent signal is raised again;
//! - `SIG_IGN`: a sent signal is ignored; a fault gets the default action, as the kernel
//!   does, since ignoring it would execute the faulting instruction forever.
//!
//! Only a signal that the kernel generated for a fault of the receiving thread (`si_code >
//! 0`) can be a trap: one sent with `kill` (`SI_USER`), `raise`/`tgkill` (`SI_TKILL`) or
//! `sigqueue` (`SI_QUEUE`) is passed on even when it interrupts wasm code.
//!
//! The guest calls `MPI_Init` after our handler is installed. What the MPI libraries do, as
//! found with Debian's builds: UCX (MPICH's transport) installs its handler, which prints
//! "Caught signal" and a backtrace, when libucs is loaded, so before ours: it is the action
//! we chain to, and `MPI_Init` changes nothing. Open MPI 4.1's opal installs its handler
//! ("Process received signal") for SIGSEGV, SIGBUS and SIGFPE in `MPI_Init`, but only where
//! the action is still `SIG_DFL` or `SIG_IGN`: under us it installs none, and what we chain
//! to is what was there before us (Rust's std handler in `wasmpirun`). A library that did
//! replace our handler in `MPI_Init` would take wasm traps away, so
//! [`reinstall_after_host_init`], called after a successful `MPI_Init`/`MPI_Init_thread`,
//! takes every signal whose action changed back and chains to what the library installed.
//!
//! The handler is async-signal-safe: it allocates nothing and takes no lock. The saved
//! actions are written (and leaked, so they outlive any handler still reading them) before
//! our handler is installed for their signal, and published through atomic pointers.

use crate::enter;
use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

/// The signals compiled code traps with; the index of a signal here is its slot in
/// [`PREVIOUS`].
const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
/// Size of the alternate signal stack of each thread that runs wasm.
const ALT_STACK_SIZE: usize = 64 << 10;

/// For each of [`SIGNALS`], the action to chain to: the one that was in place before ours.
/// Null means `SIG_DFL`. A non-null pointer is a leaked `sigaction` that is never written
/// after it is stored here, so the handler reads it without a lock.
static PREVIOUS: [AtomicPtr<libc::sigaction>; SIGNALS.len()] =
    [const { AtomicPtr::new(ptr::null_mut()) }; SIGNALS.len()];

/// Runs the installation of the handler once per process.
static INSTALL: Once = Once::new();

thread_local! {
    /// This thread's alternate signal stack (address), 0 until [`ensure_installed`] made it.
    static ALT_STACK: Cell<usize> = const { Cell::new(0) };
}

/// Installs the trap handlers (once per process), saving the actions they replace to chain
/// to, and an alternate signal stack for this thread (once per thread), so a fault on an
/// exhausted stack can still be handled.
pub fn ensure_installed() {
    INSTALL.call_once(take_over_from_whoever_owns_them);
    ALT_STACK.with(|stack| {
        if stack.get() != 0 {
            return;
        }
        // The stack is leaked on purpose: it must outlive any signal delivered to this thread.
        let memory: &'static mut [u8] = Vec::leak(vec![0u8; ALT_STACK_SIZE]);
        stack.set(memory.as_mut_ptr() as usize);
        register_alt_stack(memory.as_mut_ptr());
    });
}

/// Takes the trap signals back after the host MPI library initialized, so wasm traps keep
/// working: for each signal whose action is no longer ours, what the library installed is
/// saved as the action to chain to and our handler is installed again. Also registers this
/// thread's alternate signal stack again if the library disabled it. Call it on the thread
/// that called `MPI_Init`/`MPI_Init_thread`, after the call succeeded.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) fn reinstall_after_host_init() {
    if !INSTALL.is_completed() {
        // No handler of ours yet: ensure_installed will save what the library installed.
        return;
    }
    take_over_from_whoever_owns_them();
    let stack = ALT_STACK.with(Cell::get);
    if stack != 0 {
        // SAFETY: querying the current alternate stack into a zeroed out-parameter.
        let active = unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(ptr::null(), &mut current);
            current.ss_flags & libc::SS_DISABLE == 0
        };
        if !active {
            register_alt_stack(stack as *mut u8);
        }
    }
}

/// Registers the [`ALT_STACK_SIZE`] bytes at `memory`, which are never freed, as this
/// thread's alternate signal stack.
fn register_alt_stack(memory: *mut u8) {
    let alt = libc::stack_t {
        ss_sp: memory.cast(),
        ss_flags: 0,
        ss_size: ALT_STACK_SIZE,
    };
    // SAFETY: registering a valid, never-freed buffer as this thread's signal stack.
    unsafe { libc::sigaltstack(&alt, ptr::null_mut()) };
}

/// Installs our handler for every signal of [`SIGNALS`] whose action is not ours, saving
/// that action as the one to chain to.
fn take_over_from_whoever_owns_them() {
    for (slot, &signal) in SIGNALS.iter().enumerate() {
        let current = current_action(signal);
        if !is_ours(&current) {
            take_over(slot, signal, current);
        }
    }
}

/// The action now in place for `signal`.
fn current_action(signal: libc::c_int) -> libc::sigaction {
    // SAFETY: a zeroed sigaction is a valid out-parameter; a null new action only queries.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, ptr::null(), &mut current);
        current
    }
}

/// Whether `action` runs our handler.
fn is_ours(action: &libc::sigaction) -> bool {
    action.sa_sigaction == handler as *const () as usize
}

/// Saves `current` (the action in place for `signal`, the [`SIGNALS`] entry at `slot`) as
/// the one to chain to, then installs our handler for `signal`.
fn take_over(slot: usize, signal: libc::c_int, current: libc::sigaction) {
    // Published before our handler can run for this signal; an action saved earlier is
    // leaked rather than freed, as a handler on another thread may still be reading it.
    PREVIOUS[slot].store(Box::into_raw(Box::new(current)), Ordering::Release);
    // SAFETY: sigaction with a zeroed struct, our handler and an empty mask is the
    // documented way to install an SA_SIGINFO handler.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, ptr::null_mut());
    }
}

/// The handler of [`SIGNALS`]: turns a fault at a trap site of this thread's wasm code into
/// a trap, and passes every other signal on to the saved action ([`chain`]).
extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an SA_SIGINFO handler.
    unsafe {
        if generated_by_fault(info) && trap(signal, info, context) {
            return;
        }
        chain(signal, info, context);
    }
}

/// Whether the kernel generated the signal described by `info` for a fault of this thread
/// (`si_code > 0`; `SI_USER`, `SI_TKILL`, `SI_QUEUE` and the like, for sent signals, are not).
///
/// # Safety
/// `info` is null or points to a valid `siginfo_t`.
unsafe fn generated_by_fault(info: *const libc::siginfo_t) -> bool {
    // SAFETY: forwarded contract.
    !info.is_null() && unsafe { (*info).si_code } > 0
}

/// If the fault is a trap of the wasm code this thread is running, records it and redirects
/// the thread to `wasmpi_unwind`; returns whether it did.
///
/// # Safety
/// The arguments are those the kernel passed to the handler, for a fault of this thread.
unsafe fn trap(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) -> bool {
    let activation = enter::current();
    if activation.is_null() {
        return false;
    }
    // SAFETY: a non-null activation is the live one of this thread; info and context are
    // the handler's.
    unsafe {
        let activation = &*activation;
        let pc = program_counter(context);
        let fault = (*info).si_addr() as usize;
        let Some(outcome) = classify_fault(signal, pc, fault) else {
            return false;
        };
        activation.outcome.set(Some(outcome));
        redirect(
            context,
            enter::unwind_address(),
            activation.saved_sp.get(),
            enter::TRAP_STATUS,
        );
    }
    true
}

/// Passes a signal that is not a wasm trap on to the action that was in place before ours,
/// honouring its flags (see the module documentation).
///
/// # Safety
/// The arguments are those the kernel passed to the handler.
unsafe fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(slot) = SIGNALS.iter().position(|&s| s == signal) else {
        return;
    };
    // SAFETY: info is the handler's.
    let fault = unsafe { generated_by_fault(info) };
    // SAFETY: a non-null pointer in PREVIOUS is a leaked, never-written sigaction, published
    // with Release before it could be loaded here.
    let Some(previous) = (unsafe { PREVIOUS[slot].load(Ordering::Acquire).as_ref() }) else {
        return default_action(signal, fault);
    };
    match previous.sa_sigaction {
        libc::SIG_DFL => default_action(signal, fault),
        libc::SIG_IGN if fault => default_action(signal, fault),
        libc::SIG_IGN => {}
        address => {
            let flags = previous.sa_flags;
            if flags & libc::SA_RESETHAND != 0 {
                // What the kernel does to a one-shot action when it delivers the signal.
                PREVIOUS[slot].store(ptr::null_mut(), Ordering::Release);
            }
            let mut mask = previous.sa_mask;
            // SAFETY: sigaddset and pthread_sigmask on valid sets (async-signal-safe);
            // `address` is the handler the previous owner installed, with the signature its
            // flags say, called as the kernel would have called it; the signal mask is
            // restored after it returns.
            unsafe {
                if flags & libc::SA_NODEFER == 0 {
                    libc::sigaddset(&mut mask, signal);
                }
                let mut saved_mask: libc::sigset_t = std::mem::zeroed();
                libc::pthread_sigmask(libc::SIG_BLOCK, &mask, &mut saved_mask);
                if flags & libc::SA_SIGINFO != 0 {
                    let previous_handler: extern "C" fn(
                        libc::c_int,
                        *mut libc::siginfo_t,
                        *mut libc::c_void,
                    ) = std::mem::transmute(address);
                    previous_handler(signal, info, context);
                } else {
                    let previous_handler: extern "C" fn(libc::c_int) = std::mem::transmute(address);
                    previous_handler(signal);
                }
                libc::pthread_sigmask(libc::SIG_SETMASK, &saved_mask, ptr::null_mut());
            }
            if !fault && current_action(signal).sa_sigaction == libc::SIG_DFL {
                // The handler restored the default action and returned, counting on the
                // signal to come again as a fault does; a sent one does not.
                default_action(signal, fault);
            }
        }
    }
}

/// Gives `signal` its default action: restores `SIG_DFL` for the process, then, for a fault,
/// returns so that the faulting instruction runs again and the process dies of the signal;
/// a sent signal, which returning does not deliver again, is raised again.
fn default_action(signal: libc::c_int, fault: bool) {
    // SAFETY: sigaction, sigemptyset, sigaddset, pthread_sigmask and raise are
    // async-signal-safe; the structs are zeroed, then filled in.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, ptr::null_mut());
        if !fault {
            let mut unblock: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut unblock);
            libc::sigaddset(&mut unblock, signal);
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &unblock, ptr::null_mut());
            libc::raise(signal);
        }
    }
}

/// Decides whether a fault at `pc` (accessing `fault`) is a trap of wasm code running on
/// this thread (in any live instance: calls can cross instances).
fn classify_fault(signal: libc::c_int, pc: usize, fault: usize) -> Option<enter::Unwind> {
    let site = crate::regions::site(pc);
    if let Some(crate::regions::Site {
        trap: Some(kind),
        offset,
    }) = site
    {
        return Some(enter::Unwind::Trap(kind, offset));
    }
    let offset = site.as_ref().map_or(u32::MAX, |s| s.offset);
    let memory_fault = matches!(signal, libc::SIGSEGV | libc::SIGBUS);
    if memory_fault
        && crate::stack::this_thread_guard()
            .is_some_and(|(start, end)| (start..end).contains(&fault))
    {
        return Some(enter::Unwind::Trap(
            wasmpi_abi::trap::TrapKind::StackOverflow,
            offset,
        ));
    }
    if memory_fault && site.is_some() && crate::regions::in_memory(fault) {
        return Some(enter::Unwind::Trap(
            wasmpi_abi::trap::TrapKind::MemoryOutOfBounds,
            offset,
        ));
    }
    None
}

/// The program counter at which the thread was interrupted.
///
/// # Safety
/// `context` is the `ucontext_t` the kernel passed to the handler.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn program_counter(context: *mut libc::c_void) -> usize {
    // SAFETY: context is the handler's ucontext_t.
    unsafe {
        (*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs[libc::REG_RIP as usize] as usize
    }
}

/// Makes the interrupted thread resume at `pc` with `arg0` and `arg1` as its first two
/// arguments when the handler returns.
///
/// # Safety
/// `context` is the `ucontext_t` the kernel passed to the handler.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn redirect(context: *mut libc::c_void, pc: usize, arg0: usize, arg1: u64) {
    // SAFETY: context is the handler's ucontext_t; the kernel resumes from these registers.
    let gregs = unsafe { &mut (*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs };
    gregs[libc::REG_RIP as usize] = pc as i64;
    gregs[libc::REG_RDI as usize] = arg0 as i64;
    gregs[libc::REG_RSI as usize] = arg1 as i64;
}

/// The program counter at which the thread was interrupted.
///
/// # Safety
/// `context` is the `ucontext_t` the kernel passed to the handler.
#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
unsafe fn program_counter(context: *mut libc::c_void) -> usize {
    // SAFETY: context is the handler's ucontext_t.
    unsafe { (*context.cast::<libc::ucontext_t>()).uc_mcontext.pc as usize }
}

/// Makes the interrupted thread resume at `pc` with `arg0` and `arg1` as its first two
/// arguments when the handler returns.
///
/// # Safety
/// `context` is the `ucontext_t` the kernel passed to the handler.
#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
unsafe fn redirect(context: *mut libc::c_void, pc: usize, arg0: usize, arg1: u64) {
    // SAFETY: context is the handler's ucontext_t; the kernel resumes from these registers.
    let mcontext = unsafe { &mut (*context.cast::<libc::ucontext_t>()).uc_mcontext };
    mcontext.pc = pc as u64;
    mcontext.regs[0] = arg0 as u64;
    mcontext.regs[1] = arg1;
}

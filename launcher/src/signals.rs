//! Turning hardware faults in wasm code into traps.
//!
//! Compiled code traps by faulting: `ud2`/`udf` for explicit traps, a guard-page access for
//! out-of-bounds memory, a hardware divide fault on x86-64. The handler looks the faulting
//! instruction up in the trap tables of the artifacts of this thread's live instances
//! ([`crate::regions`]); if it is a trap site it records the trap and resumes the thread at
//! `wasmpi_unwind`, which returns from the call that entered wasm. Faults anywhere else are not ours: the default action is restored so
//! the process crashes as it would have without us.

use crate::enter;
use std::sync::Once;

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
const ALT_STACK_SIZE: usize = 64 << 10;

/// Installs the trap handlers (once per process) and an alternate signal stack for this
/// thread (once per thread), so a fault on an exhausted stack can still be handled.
pub fn ensure_installed() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        for signal in SIGNALS {
            // SAFETY: sigaction with a zeroed struct, our handler and an empty mask is the
            // documented way to install an SA_SIGINFO handler.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
    thread_local! {
        static ALT_STACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    ALT_STACK.with(|done| {
        if done.replace(true) {
            return;
        }
        // The stack is leaked on purpose: it must outlive any signal delivered to this thread.
        let stack: &'static mut [u8] = Vec::leak(vec![0u8; ALT_STACK_SIZE]);
        let alt = libc::stack_t {
            ss_sp: stack.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // SAFETY: registering a valid, never-freed buffer as this thread's signal stack.
        unsafe { libc::sigaltstack(&alt, std::ptr::null_mut()) };
    });
}

extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let activation = enter::current();
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an SA_SIGINFO handler;
    // a non-null activation is the live one of this thread.
    unsafe {
        if !activation.is_null() {
            let activation = &*activation;
            let pc = program_counter(context);
            let fault = (*info).si_addr() as usize;
            if let Some(outcome) = crate::instance::classify_fault(activation, signal, pc, fault) {
                activation.outcome.set(Some(outcome));
                redirect(
                    context,
                    enter::unwind_address(),
                    activation.saved_sp.get(),
                    enter::TRAP_STATUS,
                );
                return;
            }
        }
        // Not a wasm trap: let the default action (usually a core dump) happen.
        libc::signal(signal, libc::SIG_DFL);
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn program_counter(context: *mut libc::c_void) -> usize {
    // SAFETY: context is the handler's ucontext_t.
    unsafe {
        (*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs[libc::REG_RIP as usize] as usize
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn redirect(context: *mut libc::c_void, pc: usize, arg0: usize, arg1: u64) {
    // SAFETY: context is the handler's ucontext_t; the kernel resumes from these registers.
    let gregs = unsafe { &mut (*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs };
    gregs[libc::REG_RIP as usize] = pc as i64;
    gregs[libc::REG_RDI as usize] = arg0 as i64;
    gregs[libc::REG_RSI as usize] = arg1 as i64;
}

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
unsafe fn program_counter(context: *mut libc::c_void) -> usize {
    // SAFETY: context is the handler's ucontext_t.
    unsafe { (*context.cast::<libc::ucontext_t>()).uc_mcontext.pc as usize }
}

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
unsafe fn redirect(context: *mut libc::c_void, pc: usize, arg0: usize, arg1: u64) {
    // SAFETY: context is the handler's ucontext_t; the kernel resumes from these registers.
    let mcontext = unsafe { &mut (*context.cast::<libc::ucontext_t>()).uc_mcontext };
    mcontext.pc = pc as u64;
    mcontext.regs[0] = arg0 as u64;
    mcontext.regs[1] = arg1;
}

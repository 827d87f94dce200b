//! Host functions, and the one door through which they reach an instance.
//!
//! A host function is an `unsafe extern "C" fn` whose first parameter is the caller's VM
//! context (`*mut VmCtx`) followed by the wasm parameters with their natural Rust types
//! (`i32`, `i64`, `f32`, `f64`), returning the single wasm result or nothing. Compiled code
//! calls it directly, exactly like a wasm function: no marshalling, no lookup at call time.
//! Binding happens once, at instantiation, by (module, name) with a signature check.
//!
//! Everything a host function may touch goes through this module, never through the
//! instance: linear memory is read from the VM context's base and size fields, the WASI and
//! MPI state is the instance's [`HostState`] (which the VM context's instance pointer
//! designates, see [`host_state_of`]), growing memory goes through the `memory.grow`
//! builtin, and calling back into wasm goes through the [`GuestCaller`] the instance left in
//! its host state. So `wasi/` and `mpi/` depend on this module alone, and the instance on it.
//!
//! Aliasing: a [`Caller`] holds no reference, only the VM context pointer; each accessor
//! derives a fresh borrow of exactly the part it returns, and calling back into wasm needs
//! `&mut Caller`, so no borrow derived from it is alive while wasm runs and host functions
//! nested inside derive their own.

#[cfg(feature = "mpi")]
use crate::mpi::state::Mpi;
use crate::wasi::ctx::WasiCtx;
use crate::{Error, Val};
use std::marker::PhantomData;
use wasmpi_abi::types::ValType;
use wasmpi_abi::vmctx::{self, Builtin};

/// The VM context, opaque on the Rust side: host functions receive a pointer to it.
#[repr(C)]
pub struct VmCtx {
    _private: [u8; 0],
}

/// A native function that can satisfy a wasm import.
#[derive(Clone, Copy, Debug)]
pub struct HostFunc {
    /// Import module name.
    pub module: &'static str,
    /// Import field name.
    pub name: &'static str,
    /// Wasm parameter types (without the VM context).
    pub params: &'static [ValType],
    /// Wasm result types (at most one).
    pub results: &'static [ValType],
    /// The function, as an address.
    pub code: usize,
}

/// A guest function that host code calls back.
#[derive(Clone, Copy, Debug)]
pub enum Callee<'a> {
    /// The function the module exports under this name.
    Export(&'a str),
    /// The function a guest function pointer (an index into table 0) designates.
    FunctionPointer(u32),
}

/// How host code enters wasm again: provided by the instance at instantiation, since this
/// module cannot see instances. Takes the VM context a host function received.
pub type GuestCaller =
    unsafe fn(vmctx: *mut u8, callee: Callee<'_>, args: &[Val]) -> Result<Vec<Val>, Error>;

/// What host functions keep for one instance: the WASI state, the MPI state, and the way
/// back into wasm.
///
/// The instance keeps it as the first field of its `#[repr(C)]` state, which the VM
/// context's `INSTANCE` slot points to: [`host_state_of`] relies on that layout.
pub struct HostState {
    /// WASI state of the program.
    wasi: WasiCtx,
    /// MPI state, created at the first MPI call (initialized exactly when `mpi_created`).
    /// Inline rather than boxed, and without an `Option`'s tag: the MPI fast paths test
    /// `mpi_usable` and then reach the handle tables straight from the host state.
    #[cfg(feature = "mpi")]
    mpi: std::mem::MaybeUninit<Mpi>,
    /// Whether `mpi` is initialized.
    #[cfg(feature = "mpi")]
    mpi_created: bool,
    /// Non-zero while a host MPI library runs a user-defined reduction of this program:
    /// MPI calls are refused then (MPI allows none inside one), and the trampoline that
    /// started the reduction still holds the MPI state.
    #[cfg(feature = "mpi")]
    user_op_depth: u32,
    /// Whether the MPI fast paths may borrow `mpi`: it exists and no reduction runs. One
    /// flag for both, so the fast paths test one byte, as they would test `mpi` alone.
    /// Invariant: true only when `mpi_created`.
    #[cfg(feature = "mpi")]
    mpi_usable: bool,
    /// Enters wasm again (see [`GuestCaller`]).
    call_guest: GuestCaller,
}

impl HostState {
    /// The host state of a new instance.
    pub(crate) fn new(wasi: WasiCtx, call_guest: GuestCaller) -> HostState {
        HostState {
            wasi,
            #[cfg(feature = "mpi")]
            mpi: std::mem::MaybeUninit::uninit(),
            #[cfg(feature = "mpi")]
            mpi_created: false,
            #[cfg(feature = "mpi")]
            user_op_depth: 0,
            #[cfg(feature = "mpi")]
            mpi_usable: false,
            call_guest,
        }
    }

    /// The WASI state.
    pub(crate) fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.wasi
    }
}

#[cfg(feature = "mpi")]
impl Drop for HostState {
    fn drop(&mut self) {
        if self.mpi_created {
            // SAFETY: initialized exactly when `mpi_created`, and dropped only here.
            unsafe { self.mpi.assume_init_drop() }
        }
    }
}

/// The host state of the instance behind `vmctx`.
///
/// # Safety
/// `vmctx` must be the VM context of a live instance. The pointer may only be used for
/// field projections that do not overlap borrows alive elsewhere.
#[inline(always)]
pub(crate) unsafe fn host_state_of(vmctx: *mut u8) -> *mut HostState {
    // SAFETY: per the contract, the INSTANCE slot holds the instance state pointer written
    // at instantiation, and that state is `#[repr(C)]` with its HostState first.
    unsafe { *(vmctx.add(vmctx::INSTANCE as usize) as *const *mut HostState) }
}

/// Base and size of the linear memory of the instance behind `vmctx`, from the VM context's
/// base and size fields (which follow every `memory.grow`; size 0 without a memory).
///
/// # Safety
/// `vmctx` must be a live instance's VM context.
#[inline(always)]
pub(crate) unsafe fn memory_of(vmctx: *mut u8) -> (*mut u8, usize) {
    // SAFETY: per the contract, both fields are initialized for a live instance.
    unsafe {
        (
            *(vmctx.add(vmctx::MEMORY_BASE as usize) as *const *mut u8),
            *(vmctx.add(vmctx::MEMORY_SIZE as usize) as *const u64) as usize,
        )
    }
}

/// Linear memory as a slice, from its base and accessible size (empty for size 0, where
/// the base may be anything).
///
/// # Safety
/// `base..base + size` must be mapped read-write and borrowed by nothing else for `'a`.
#[inline(always)]
pub(crate) unsafe fn linear_memory<'a>(base: *mut u8, size: usize) -> &'a mut [u8] {
    if size == 0 {
        return &mut [];
    }
    // SAFETY: per the contract.
    unsafe { std::slice::from_raw_parts_mut(base, size) }
}

/// The MPI state of the instance behind `vmctx`, if an MPI call created it and no
/// user-defined reduction is running (the MPI fast paths' two loads).
///
/// # Safety
/// `vmctx` must be the live VM context compiled wasm passed to a host function, and the
/// reference must not outlive that call.
#[cfg(feature = "mpi")]
#[inline(always)]
pub(crate) unsafe fn mpi_state<'a>(vmctx: *mut VmCtx) -> Option<&'a Mpi> {
    // SAFETY: per the contract; only the fields read here are borrowed, and nothing else
    // borrows the MPI state while no reduction runs (wasm is suspended).
    unsafe {
        let host = host_state_of(vmctx.cast());
        if !(*host).mpi_usable {
            return None;
        }
        // `mpi_usable` implies initialized (see the field).
        Some((*std::ptr::addr_of!((*host).mpi)).assume_init_ref())
    }
}

/// The VM context of the wasm code running on this thread (innermost), for host callbacks
/// that a host library invokes from inside a host function (MPI user-defined reductions).
#[cfg(feature = "mpi")]
pub(crate) fn running_vmctx() -> Option<*mut VmCtx> {
    let activation = crate::enter::current();
    // SAFETY: a non-null activation is the live one of this thread.
    (!activation.is_null()).then(|| unsafe { (*activation).vmctx.cast() })
}

/// What a host function can reach of the instance that called it. It borrows the host
/// function's own `vmctx` parameter, so it cannot outlive the call.
pub struct Caller<'a> {
    vmctx: *mut u8,
    _call: PhantomData<&'a mut HostState>,
}

impl<'a> Caller<'a> {
    /// The caller of a host function, from the VM context parameter it received.
    ///
    /// # Safety
    /// `vmctx` must be the VM context pointer the host function received from compiled code
    /// (or, in a host callback, that of the activation running on this thread).
    pub unsafe fn from_vmctx(vmctx: &'a *mut VmCtx) -> Caller<'a> {
        Caller {
            vmctx: vmctx.cast(),
            _call: PhantomData,
        }
    }

    fn host(&mut self) -> *mut HostState {
        // SAFETY: a Caller is built only from a live VM context (see `from_vmctx`).
        unsafe { host_state_of(self.vmctx) }
    }

    /// The linear memory as it is now (empty when the module has none).
    pub fn memory(&mut self) -> &mut [u8] {
        // SAFETY: the fields describe the accessible part of linear memory, mapped
        // read-write while the instance lives; wasm is suspended while the host runs, and
        // the slice borrows `self`, so no other borrow of memory comes from this Caller.
        unsafe {
            let (base, size) = memory_of(self.vmctx);
            linear_memory(base, size)
        }
    }

    /// The WASI state.
    pub fn wasi(&mut self) -> &mut WasiCtx {
        let host = self.host();
        // SAFETY: a projection onto the WASI field only, borrowed for as long as `self`.
        unsafe { &mut *std::ptr::addr_of_mut!((*host).wasi) }
    }

    /// Both at once.
    pub fn memory_and_wasi(&mut self) -> (&mut [u8], &mut WasiCtx) {
        let memory: *mut [u8] = self.memory();
        let wasi: *mut WasiCtx = self.wasi();
        // SAFETY: linear memory and the WASI state are disjoint; both borrow `self`.
        unsafe { (&mut *memory, &mut *wasi) }
    }

    /// What an MPI trampoline works with (memory, the MPI state, created at the first call,
    /// and the WASI state), or `None` while a user-defined reduction runs, when the MPI state
    /// belongs to the trampoline that started it (`mpi/cx.rs` builds its `Cx` from these).
    #[cfg(feature = "mpi")]
    pub(crate) fn mpi_parts(&mut self) -> Option<MpiParts<'_>> {
        let host = self.host();
        // SAFETY: projections onto disjoint fields of the host state; the MPI state is
        // borrowed only when no reduction runs, i.e. no trampoline up the stack holds it.
        unsafe {
            if (*host).user_op_depth != 0 {
                return None;
            }
            if !(*host).mpi_created {
                init_mpi(&mut *std::ptr::addr_of_mut!((*host).mpi));
                (*host).mpi_created = true;
                (*host).mpi_usable = true;
            }
            Some(MpiParts {
                memory: memory_of(self.vmctx),
                // Initialized: created just above if it was not.
                mpi: (*std::ptr::addr_of_mut!((*host).mpi)).assume_init_mut(),
                wasi: std::ptr::addr_of_mut!((*host).wasi),
            })
        }
    }

    /// Runs `f` while the host MPI library runs a user-defined reduction: MPI calls of the
    /// program are refused meanwhile (see [`Caller::mpi_parts`]).
    #[cfg(feature = "mpi")]
    pub(crate) fn in_user_op<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let host = self.host();
        // SAFETY: projections onto the counter and the flags alone.
        unsafe {
            (*host).user_op_depth += 1;
            (*host).mpi_usable = false;
        }
        let result = f(self);
        // SAFETY: as above.
        unsafe {
            (*host).user_op_depth -= 1;
            (*host).mpi_usable = (*host).mpi_created && (*host).user_op_depth == 0;
        }
        result
    }

    /// Grows linear memory by `pages` pages from the host (through the `memory.grow`
    /// builtin, so every instance sharing it sees the new size) and returns the old end in
    /// bytes: the guest address of the new, zeroed pages. `None` if there is no memory or it
    /// cannot grow that much. Memory obtained this way belongs to no guest allocator.
    pub fn grow_memory(&mut self, pages: u32) -> Option<u64> {
        let pages = i32::try_from(pages).ok()?;
        // SAFETY: the builtin slot holds the launcher's memory.grow implementation, which
        // takes the VM context and a page count (abi::vmctx::Builtin::MemoryGrow); no
        // borrow derived from this Caller is alive (it is borrowed mutably here).
        let old = unsafe {
            let slot = self
                .vmctx
                .add(vmctx::builtin_offset(Builtin::MemoryGrow) as usize);
            let grow: unsafe extern "C" fn(*mut u8, i32) -> i32 =
                std::mem::transmute(*(slot as *const usize));
            grow(self.vmctx, pages)
        };
        u64::try_from(old)
            .ok()
            .map(|old| old * wasmpi_abi::WASM_PAGE_SIZE)
    }

    /// Calls a guest function (nested call into wasm). No borrow taken from this Caller is
    /// alive meanwhile, so host functions the guest calls derive theirs afresh.
    pub fn call(&mut self, callee: Callee<'_>, args: &[Val]) -> Result<Vec<Val>, Error> {
        let host = self.host();
        // SAFETY: reading a plain function pointer field; the instance stored it.
        let call_guest = unsafe { (*host).call_guest };
        // SAFETY: the VM context is this live instance's, as GuestCaller requires.
        unsafe { call_guest(self.vmctx, callee, args) }
    }
}

/// Creates the MPI state in `slot`: once, out of line, so that the trampolines' stack frames
/// do not reserve room for it.
#[cfg(feature = "mpi")]
#[cold]
#[inline(never)]
fn init_mpi(slot: &mut std::mem::MaybeUninit<Mpi>) {
    slot.write(Mpi::default());
}

/// What [`Caller::mpi_parts`] lends an MPI trampoline.
#[cfg(feature = "mpi")]
pub(crate) struct MpiParts<'a> {
    /// Base and accessible size of linear memory, mapped read-write while the instance
    /// lives; wasm and nested host functions may write it whenever no borrow is alive.
    pub memory: (*mut u8, usize),
    /// The MPI state.
    pub mpi: &'a mut Mpi,
    /// The WASI state, valid for `'a`; borrowed only while no nested call runs.
    pub wasi: *mut WasiCtx,
}

/// Ends the running wasm program with exit status `code` (WASI `proc_exit`): unwinds to the
/// host call that entered wasm, which returns [`crate::Error::Exit`].
///
/// # Safety
/// Must only be called from a host function invoked by wasm code, with no values needing drop
/// alive in the calling host function's frame (they would be skipped).
pub unsafe fn exit_guest(code: i32) -> ! {
    // SAFETY: forwarded contract.
    unsafe { crate::enter::unwind(crate::enter::Unwind::Exit(code)) }
}

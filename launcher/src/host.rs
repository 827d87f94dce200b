//! Host functions: native functions that wasm imports bind to.
//!
//! A host function is an `unsafe extern "C" fn` whose first parameter is the caller's VM
//! context (`*mut VmCtx`) followed by the wasm parameters with their natural Rust types
//! (`i32`, `i64`, `f32`, `f64`), returning the single wasm result or nothing. Compiled code
//! calls it directly, exactly like a wasm function: no marshalling, no lookup at call time.
//! Binding happens once, at instantiation, by (module, name) with a signature check.
//!
//! Inside, [`Caller::from_vmctx`] gives access to the instance's linear memory and WASI state.

use crate::instance::InstanceState;
use crate::wasi::WasiCtx;
use wasmpi_abi::types::ValType;

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

/// What a host function can reach of the instance that called it.
pub struct Caller<'a> {
    state: &'a mut InstanceState,
    /// The VM context of `state`, as compiled code passed it (MPI reads memory from it).
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    vmctx: *mut u8,
}

impl<'a> Caller<'a> {
    /// The caller of a host function.
    ///
    /// # Safety
    /// `vmctx` must be the VM context pointer a host function received from compiled code,
    /// and the returned value must not outlive that call.
    pub unsafe fn from_vmctx(vmctx: *mut VmCtx) -> Caller<'a> {
        // SAFETY: per this function's contract, vmctx is a live VM context whose INSTANCE slot
        // holds the pointer to its InstanceState; wasm is suspended while the host runs, so
        // this is the only live reference.
        let state = unsafe { &mut *crate::instance::state_of(vmctx.cast()) };
        Caller {
            state,
            vmctx: vmctx.cast(),
        }
    }

    /// The linear memory as it is now (empty when the module has none).
    pub fn memory(&mut self) -> &mut [u8] {
        self.state.memory_slice()
    }

    /// The WASI state.
    pub fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.state.wasi
    }

    /// Calls the guest's exported function `name` (nested call into wasm).
    #[cfg(feature = "mpi")]
    pub fn call_export(
        &mut self,
        name: &str,
        args: &[crate::Val],
    ) -> Result<Vec<crate::Val>, crate::Error> {
        self.state.call_export(name, args)
    }

    /// Memory and MPI state, for MPI trampolines.
    #[cfg(feature = "mpi")]
    pub fn mpi_cx(&mut self) -> crate::mpi::Cx<'_> {
        // SAFETY: `vmctx` is the VM context of `state`, which compiled code passed in.
        unsafe { self.state.mpi_cx_at(self.vmctx) }
    }

    /// Grows linear memory by `pages` pages; returns the guest address of the new pages
    /// (see [`InstanceState::grow_memory`]). Any [`crate::mpi::Cx`] taken before is stale.
    pub fn grow_memory(&mut self, pages: u32) -> Option<u64> {
        self.state.grow_memory(pages)
    }

    /// Both at once.
    pub fn memory_and_wasi(&mut self) -> (&mut [u8], &mut WasiCtx) {
        self.state.memory_and_wasi()
    }
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

//! Hand-written trampolines for `MPI_Send` and `MPI_Recv`: the calls whose cost decides a
//! program's small-message latency.
//!
//! A generic trampoline (`mpi_functions!`) builds a [`super::Cx`] and carries every error path
//! in one function, so around the host call the compiler keeps the context in memory and saves
//! six registers. These split each call in two. The fast path calls nothing but the host MPI:
//! handle lookups, the bounds check ([`buffer_fits`]) and rank translation are inline and
//! cannot fail, and anything unusual (MPI not set up yet, a bad handle or buffer, a status to
//! fill) goes to the generic path instead, which checks everything again and reports what is
//! wrong. A host error goes to a cold path that applies the error handler. The behaviour is
//! the generic trampolines' in every case; only the common case is shorter.

use super::cx::buffer_fits;
use super::p2p;
use super::state::Mpi;
use crate::host::{Caller, HostFunc, VmCtx};
use mpi::ffi;
use std::ffi::c_int;
use wasmpi_abi::mpi as abi;
use wasmpi_abi::types::ValType::I32;
use wasmpi_abi::vmctx;

/// The MPI state (if an earlier call created it) and linear memory's base and size, read
/// from the instance behind `vmctx`.
///
/// # Safety
/// `vmctx` must be the live VM context compiled wasm passed to a host function, and the
/// returned reference must not outlive that call.
#[inline(always)]
unsafe fn parts<'a>(vmctx: *mut VmCtx) -> Option<(&'a Mpi, *mut u8, usize)> {
    let ctx = vmctx.cast::<u8>();
    // SAFETY: per the contract the INSTANCE slot holds the live instance state, and wasm is
    // suspended while the host runs; the base and size fields describe the accessible linear
    // memory (as in `InstanceState::mpi_cx_at`).
    unsafe {
        let mpi = (*crate::instance::state_of(ctx)).mpi_state()?;
        let base = *(ctx.add(vmctx::MEMORY_BASE as usize) as *const *mut u8);
        let size = *(ctx.add(vmctx::MEMORY_SIZE as usize) as *const u64) as usize;
        Some((mpi, base, size))
    }
}

/// Applies the error handler of guest communicator `comm` to host error `rc` of `function`.
///
/// # Safety
/// As for [`parts`].
#[cold]
#[inline(never)]
unsafe fn host_failed(vmctx: *mut VmCtx, function: &str, comm: i32, rc: c_int) -> i32 {
    // SAFETY: per the contract.
    let mut caller = unsafe { Caller::from_vmctx(vmctx) };
    let mut cx = caller.mpi_cx();
    let result = cx.comm(comm).and_then(|_| cx.check(rc));
    cx.finish(function, result)
}

/// `MPI_Send` through the generic path.
///
/// # Safety
/// As for [`parts`].
#[cold]
#[inline(never)]
unsafe fn send_generic(
    vmctx: *mut VmCtx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
) -> i32 {
    // SAFETY: per the contract.
    let mut caller = unsafe { Caller::from_vmctx(vmctx) };
    let mut cx = caller.mpi_cx();
    let result = p2p::send(&mut cx, buf, count, datatype, dest, tag, comm);
    cx.finish("MPI_Send", result)
}

/// `MPI_Recv` through the generic path.
///
/// # Safety
/// As for [`parts`].
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn recv_generic(
    vmctx: *mut VmCtx,
    buf: u32,
    count: i32,
    datatype: i32,
    source: i32,
    tag: i32,
    comm: i32,
    status: u32,
) -> i32 {
    // SAFETY: per the contract.
    let mut caller = unsafe { Caller::from_vmctx(vmctx) };
    let mut cx = caller.mpi_cx();
    let result = p2p::recv(&mut cx, buf, count, datatype, source, tag, comm, status);
    cx.finish("MPI_Recv", result)
}

/// The `env.MPI_Send` import.
unsafe extern "C" fn mpi_send(
    vmctx: *mut VmCtx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
) -> i32 {
    // SAFETY: compiled wasm calls host functions with its own live VM context.
    if let Some((mpi, base, size)) = unsafe { parts(vmctx) } {
        if let (Some(c), Some(dt)) = (mpi.comms.get(comm), mpi.datatypes.get(datatype)) {
            if buffer_fits(buf, count, dt, size) {
                let ptr = base.wrapping_add(buf as usize).cast();
                // SAFETY: the buffer lies in linear memory; live host handles.
                let rc = unsafe {
                    ffi::MPI_Send(ptr, count, dt.host, mpi.rank_to_host(dest), tag, c.host)
                };
                if rc == 0 {
                    return abi::MPI_SUCCESS;
                }
                // SAFETY: as above.
                return unsafe { host_failed(vmctx, "MPI_Send", comm, rc) };
            }
        }
    }
    // SAFETY: as above.
    unsafe { send_generic(vmctx, buf, count, datatype, dest, tag, comm) }
}

/// The `env.MPI_Recv` import. Only receives without a status take the fast path.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn mpi_recv(
    vmctx: *mut VmCtx,
    buf: u32,
    count: i32,
    datatype: i32,
    source: i32,
    tag: i32,
    comm: i32,
    status: u32,
) -> i32 {
    if status == abi::MPI_STATUS_IGNORE as u32 {
        // SAFETY: compiled wasm calls host functions with its own live VM context.
        if let Some((mpi, base, size)) = unsafe { parts(vmctx) } {
            if let (Some(c), Some(dt)) = (mpi.comms.get(comm), mpi.datatypes.get(datatype)) {
                if buffer_fits(buf, count, dt, size) {
                    let ptr = base.wrapping_add(buf as usize).cast();
                    let (source, tag) = (mpi.rank_to_host(source), mpi.tag_to_host(tag));
                    // SAFETY: the buffer lies in linear memory; live host handles; the host's
                    // MPI_STATUS_IGNORE is a valid status argument.
                    let rc = unsafe {
                        ffi::MPI_Recv(
                            ptr,
                            count,
                            dt.host,
                            source,
                            tag,
                            c.host,
                            ffi::RSMPI_STATUS_IGNORE,
                        )
                    };
                    if rc == 0 {
                        return abi::MPI_SUCCESS;
                    }
                    // SAFETY: as above.
                    return unsafe { host_failed(vmctx, "MPI_Recv", comm, rc) };
                }
            }
        }
    }
    // SAFETY: as above.
    unsafe { recv_generic(vmctx, buf, count, datatype, source, tag, comm, status) }
}

/// The trampolines of this file.
pub(super) fn functions() -> Vec<HostFunc> {
    let send: unsafe extern "C" fn(*mut VmCtx, u32, i32, i32, i32, i32, i32) -> i32 = mpi_send;
    let recv: unsafe extern "C" fn(*mut VmCtx, u32, i32, i32, i32, i32, i32, u32) -> i32 = mpi_recv;
    vec![
        HostFunc {
            module: super::MODULE,
            name: "MPI_Send",
            params: &[I32, I32, I32, I32, I32, I32],
            results: &[I32],
            code: send as *const () as usize,
        },
        HostFunc {
            module: super::MODULE,
            name: "MPI_Recv",
            params: &[I32, I32, I32, I32, I32, I32, I32],
            results: &[I32],
            code: recv as *const () as usize,
        },
    ]
}

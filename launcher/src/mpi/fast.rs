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
use std::ffi::{c_int, c_void};
use wasmpi_abi::mpi as abi;
use wasmpi_abi::types::ValType::I32;

/// The host arguments of a point-to-point call, when its common case applies: MPI is set
/// up, `comm` and `datatype` are live handles and the buffer lies inside linear memory.
/// Calls nothing; `None` sends the call to its generic trampoline.
///
/// # Safety
/// `vmctx` must be the live VM context compiled wasm passed to a host function, and the
/// returned reference must not outlive that call.
#[inline(always)]
unsafe fn common_case<'a>(
    vmctx: *mut VmCtx,
    buf: u32,
    count: i32,
    datatype: i32,
    comm: i32,
) -> Option<(&'a Mpi, *mut c_void, ffi::MPI_Datatype, ffi::MPI_Comm)> {
    // SAFETY: per the contract.
    let mpi = unsafe { crate::host::mpi_state(vmctx)? };
    // SAFETY: per the contract.
    let (base, size) = unsafe { crate::host::memory_of(vmctx.cast()) };
    let (c, dt) = (mpi.comms.get(comm)?, mpi.datatypes.get(datatype)?);
    buffer_fits(buf, count, dt, size)
        .then(|| (mpi, base.wrapping_add(buf as usize).cast(), dt.host, c.host))
}

/// The guest's return code for host return code `rc` of `function` on guest communicator
/// `comm`.
///
/// # Safety
/// As for [`common_case`].
#[inline(always)]
unsafe fn host_result(vmctx: *mut VmCtx, function: &str, comm: i32, rc: c_int) -> i32 {
    if rc == 0 {
        return abi::MPI_SUCCESS;
    }
    // SAFETY: per the contract.
    unsafe { host_failed(vmctx, function, comm, rc) }
}

/// Applies the error handler of guest communicator `comm` to host error `rc` of `function`.
///
/// # Safety
/// As for [`common_case`].
#[cold]
#[inline(never)]
unsafe fn host_failed(vmctx: *mut VmCtx, function: &str, comm: i32, rc: c_int) -> i32 {
    // SAFETY: per the contract.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let mut cx = caller.mpi_cx();
    let result = cx.comm(comm).and_then(|_| cx.check(rc));
    cx.finish(function, result)
}

/// `MPI_Send` through the generic path.
///
/// # Safety
/// As for [`common_case`].
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
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let mut cx = caller.mpi_cx();
    let result = p2p::send(&mut cx, buf, count, datatype, dest, tag, comm);
    cx.finish("MPI_Send", result)
}

/// `MPI_Recv` through the generic path.
///
/// # Safety
/// As for [`common_case`].
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
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
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
    if let Some((mpi, ptr, dt, c)) = unsafe { common_case(vmctx, buf, count, datatype, comm) } {
        let dest = mpi.rank_to_host(dest);
        // SAFETY: the buffer lies in linear memory; live host handles.
        let rc = unsafe { ffi::MPI_Send(ptr, count, dt, dest, tag, c) };
        // SAFETY: as above.
        return unsafe { host_result(vmctx, "MPI_Send", comm, rc) };
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
        if let Some((mpi, ptr, dt, c)) = unsafe { common_case(vmctx, buf, count, datatype, comm) } {
            let (source, tag) = (mpi.rank_to_host(source), mpi.tag_to_host(tag));
            // SAFETY: rsmpi's extern static, set once by its C shim and never written.
            let ignore = unsafe { ffi::RSMPI_STATUS_IGNORE };
            // SAFETY: the buffer lies in linear memory; live host handles; the host's
            // MPI_STATUS_IGNORE is a valid status argument.
            let rc = unsafe { ffi::MPI_Recv(ptr, count, dt, source, tag, c, ignore) };
            // SAFETY: as above.
            return unsafe { host_result(vmctx, "MPI_Recv", comm, rc) };
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

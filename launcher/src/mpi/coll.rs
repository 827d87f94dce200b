//! Collective communication.

use super::cx::{Cx, MpiResult};
use mpi::ffi;
use std::ffi::c_void;

/// This process's rank in a host communicator.
pub(super) fn rank_in(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<i32> {
    let mut rank = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_rank(comm, &mut rank) })?;
    Ok(rank)
}

/// The number of processes in a host communicator.
pub(super) fn size_of(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<i32> {
    let mut size = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_size(comm, &mut size) })?;
    Ok(size)
}

/// A buffer that is only significant at the root: checked there, ignored (null) elsewhere.
fn root_buffer(
    cx: &Cx,
    is_root: bool,
    addr: u32,
    count: i32,
    datatype: i32,
) -> MpiResult<(*mut c_void, ffi::MPI_Datatype)> {
    if is_root {
        cx.buffer_or_in_place(addr, count, datatype)
    } else {
        Ok((std::ptr::null_mut(), cx.insignificant_type(datatype)))
    }
}

fn barrier(cx: &mut Cx, comm: i32) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    // SAFETY: live communicator.
    cx.check(unsafe { ffi::MPI_Barrier(comm) })
}

fn bcast(cx: &mut Cx, buf: u32, count: i32, datatype: i32, root: i32, comm: i32) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    // SAFETY: checked buffer, live handles.
    cx.check(unsafe { ffi::MPI_Bcast(ptr, count, dt, root, comm) })
}

fn reduce(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    root: i32,
    comm: i32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let is_root = rank_in(cx, comm)? == root;
    let (sptr, dt) = cx.buffer_or_in_place(sendbuf, count, datatype)?;
    let (rptr, _) = root_buffer(cx, is_root, recvbuf, count, datatype)?;
    let op = super::ops::reduction_op(cx, op, datatype)?;
    // SAFETY: checked buffers, live handles.
    cx.check(unsafe { ffi::MPI_Reduce(sptr, rptr, count, dt, op, root, comm) })
}

type ReduceAllFn = unsafe extern "C" fn(
    *const c_void,
    *mut c_void,
    i32,
    ffi::MPI_Datatype,
    ffi::MPI_Op,
    ffi::MPI_Comm,
) -> i32;

fn reduce_all_with(
    cx: &mut Cx,
    f: ReduceAllFn,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (sptr, dt) = cx.buffer_or_in_place(sendbuf, count, datatype)?;
    let (rptr, _) = cx.typed_buffer(recvbuf, count, datatype)?;
    let op = super::ops::reduction_op(cx, op, datatype)?;
    // SAFETY: checked buffers, live handles.
    cx.check(unsafe { f(sptr, rptr, count, dt, op, comm) })
}

fn allreduce(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
) -> MpiResult<()> {
    reduce_all_with(
        cx,
        ffi::MPI_Allreduce,
        sendbuf,
        recvbuf,
        count,
        datatype,
        op,
        comm,
    )
}

fn scan(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
) -> MpiResult<()> {
    reduce_all_with(
        cx,
        ffi::MPI_Scan,
        sendbuf,
        recvbuf,
        count,
        datatype,
        op,
        comm,
    )
}

fn exscan(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
) -> MpiResult<()> {
    reduce_all_with(
        cx,
        ffi::MPI_Exscan,
        sendbuf,
        recvbuf,
        count,
        datatype,
        op,
        comm,
    )
}

fn gather(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    root: i32,
    comm: i32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let is_root = rank_in(cx, comm)? == root;
    let size = size_of(cx, comm)?;
    let (sptr, sdt) = cx.buffer_or_in_place(sendbuf, sendcount, sendtype)?;
    let total = if is_root {
        recvcount.checked_mul(size).unwrap_or(-1)
    } else {
        0
    };
    let (rptr, rdt) = root_buffer(cx, is_root, recvbuf, total, recvtype)?;
    // SAFETY: checked buffers (the receive buffer holds size x recvcount at the root).
    cx.check(unsafe { ffi::MPI_Gather(sptr, sendcount, sdt, rptr, recvcount, rdt, root, comm) })
}

fn scatter(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    root: i32,
    comm: i32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let is_root = rank_in(cx, comm)? == root;
    let size = size_of(cx, comm)?;
    let total = if is_root {
        sendcount.checked_mul(size).unwrap_or(-1)
    } else {
        0
    };
    let (sptr, sdt) = root_buffer(cx, is_root, sendbuf, total, sendtype)?;
    let (rptr, rdt) = cx.buffer_or_in_place(recvbuf, recvcount, recvtype)?;
    // SAFETY: checked buffers (the send buffer holds size x sendcount at the root).
    cx.check(unsafe { ffi::MPI_Scatter(sptr, sendcount, sdt, rptr, recvcount, rdt, root, comm) })
}

type AllToFn = unsafe extern "C" fn(
    *const c_void,
    i32,
    ffi::MPI_Datatype,
    *mut c_void,
    i32,
    ffi::MPI_Datatype,
    ffi::MPI_Comm,
) -> i32;

fn all_to_with(
    cx: &mut Cx,
    f: AllToFn,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
    send_blocks: bool,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let size = size_of(cx, comm)?;
    let send_total = if send_blocks {
        sendcount.checked_mul(size).unwrap_or(-1)
    } else {
        sendcount
    };
    let (sptr, sdt) = cx.buffer_or_in_place(sendbuf, send_total, sendtype)?;
    let (rptr, rdt) =
        cx.typed_buffer(recvbuf, recvcount.checked_mul(size).unwrap_or(-1), recvtype)?;
    // SAFETY: checked buffers (size blocks where the operation needs them).
    cx.check(unsafe { f(sptr, sendcount, sdt, rptr, recvcount, rdt, comm) })
}

fn allgather(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<()> {
    all_to_with(
        cx,
        ffi::MPI_Allgather,
        sendbuf,
        sendcount,
        sendtype,
        recvbuf,
        recvcount,
        recvtype,
        comm,
        false,
    )
}

fn alltoall(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<()> {
    all_to_with(
        cx,
        ffi::MPI_Alltoall,
        sendbuf,
        sendcount,
        sendtype,
        recvbuf,
        recvcount,
        recvtype,
        comm,
        true,
    )
}

super::mpi_functions! {
    barrier => MPI_Barrier(comm: i32);
    bcast => MPI_Bcast(buf: u32, count: i32, datatype: i32, root: i32, comm: i32);
    reduce => MPI_Reduce(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, root: i32, comm: i32);
    allreduce => MPI_Allreduce(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, comm: i32);
    scan => MPI_Scan(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, comm: i32);
    exscan => MPI_Exscan(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, comm: i32);
    gather => MPI_Gather(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, root: i32, comm: i32);
    scatter => MPI_Scatter(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, root: i32, comm: i32);
    allgather => MPI_Allgather(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, comm: i32);
    alltoall => MPI_Alltoall(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, comm: i32);
}

//! Non-blocking collectives (`MPI_Ibarrier` ... `MPI_Iexscan`).
//!
//! Arguments are checked exactly as for the blocking forms (sharing [`super::collv`]'s
//! preparation for the v and w variants); the converted count, displacement and datatype
//! arrays, which the host MPI may read until the operation completes, are kept in the request
//! ([`super::state::Request::keep`]). Guest buffers stay valid: linear memory never moves.

use super::collv::{
    allgatherv_args, alltoallv_args, alltoallw_args, buffer_if, gatherv_args, peers,
    reduce_scatter_args, rooted, scatterv_args, Buf,
};
use super::cx::{Cx, MpiResult};
use super::ops::reduction_op;
use super::requests::start_request;
use mpi::ffi;
use std::any::Any;
use std::ffi::{c_int, c_void};
use std::ptr::null_mut;

/// Starts a non-blocking operation with `call` (given the host request to fill) and returns
/// its guest handle through `request`; `keep` lives until the request completes.
fn start(
    cx: &mut Cx,
    request: u32,
    keep: Option<Box<dyn Any>>,
    call: impl FnOnce(&mut ffi::MPI_Request) -> c_int,
) -> MpiResult<()> {
    start_request(cx, request, false, keep, |cx, req| cx.check(call(req)))
}

/// A receive buffer of `count` elements, significant only where `significant` holds.
fn recv_if(cx: &Cx, significant: bool, addr: u32, count: i32, datatype: i32) -> MpiResult<Buf> {
    if significant {
        let (ptr, dt) = cx.typed_buffer(addr, count, datatype)?;
        Ok((ptr, count, dt))
    } else {
        Ok((null_mut(), count, cx.insignificant_type(datatype)))
    }
}

/// `count * blocks` as an element count (negative, hence refused, when it overflows).
fn blocks(count: i32, blocks: i32) -> i32 {
    count.checked_mul(blocks).unwrap_or(-1)
}

fn ibarrier(cx: &mut Cx, comm: i32, request: u32) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    // SAFETY: live communicator, valid request out-pointer.
    start(cx, request, None, |req| unsafe {
        ffi::MPI_Ibarrier(comm, req)
    })
}

fn ibcast(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    root: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let at = rooted(cx, comm, root)?;
    let (ptr, _, dt) = recv_if(cx, at.is_root || at.member, buf, count, datatype)?;
    // SAFETY: checked buffer (linear memory never moves, so it stays valid until completion),
    // live handles, valid request out-pointer.
    start(cx, request, None, |req| unsafe {
        ffi::MPI_Ibcast(ptr, count, dt, at.root, at.comm, req)
    })
}

fn igather(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    root: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let at = rooted(cx, comm, root)?;
    let (sptr, _, sdt) = buffer_if(cx, at.member, sendbuf, sendcount, sendtype)?;
    let total = blocks(recvcount, at.peers);
    let (rptr, _, rdt) = recv_if(cx, at.is_root, recvbuf, total, recvtype)?;
    // SAFETY: checked buffers (peers x recvcount at the root), live handles.
    start(cx, request, None, |req| unsafe {
        ffi::MPI_Igather(
            sptr, sendcount, sdt, rptr, recvcount, rdt, at.root, at.comm, req,
        )
    })
}

fn iscatter(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    root: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let at = rooted(cx, comm, root)?;
    let total = blocks(sendcount, at.peers);
    let (sptr, _, sdt) = recv_if(cx, at.is_root, sendbuf, total, sendtype)?;
    let (rptr, _, rdt) = buffer_if(cx, at.member, recvbuf, recvcount, recvtype)?;
    // SAFETY: checked buffers (peers x sendcount at the root), live handles.
    start(cx, request, None, |req| unsafe {
        ffi::MPI_Iscatter(
            sptr, sendcount, sdt, rptr, recvcount, rdt, at.root, at.comm, req,
        )
    })
}

type IallToFn = unsafe extern "C" fn(
    *const c_void,
    c_int,
    ffi::MPI_Datatype,
    *mut c_void,
    c_int,
    ffi::MPI_Datatype,
    ffi::MPI_Comm,
    *mut ffi::MPI_Request,
) -> c_int;

fn iall_to_with(
    cx: &mut Cx,
    f: IallToFn,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
    request: u32,
    send_blocks: bool,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let n = peers(cx, comm)?;
    let send_total = if send_blocks {
        blocks(sendcount, n)
    } else {
        sendcount
    };
    let (sptr, sdt) = cx.buffer_or_in_place(sendbuf, send_total, sendtype)?;
    let (rptr, rdt) = cx.typed_buffer(recvbuf, blocks(recvcount, n), recvtype)?;
    // SAFETY: checked buffers (n blocks where the operation needs them), live handles.
    start(cx, request, None, |req| unsafe {
        f(sptr, sendcount, sdt, rptr, recvcount, rdt, comm, req)
    })
}

fn iallgather(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    iall_to_with(
        cx,
        ffi::MPI_Iallgather,
        sendbuf,
        sendcount,
        sendtype,
        recvbuf,
        recvcount,
        recvtype,
        comm,
        request,
        false,
    )
}

fn ialltoall(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    iall_to_with(
        cx,
        ffi::MPI_Ialltoall,
        sendbuf,
        sendcount,
        sendtype,
        recvbuf,
        recvcount,
        recvtype,
        comm,
        request,
        true,
    )
}

fn igatherv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    root: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let a = gatherv_args(
        cx, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm,
    )?;
    let (send, at) = (a.send, a.at);
    let (rptr, rcounts, rdispls, rdt) = (a.recv.ptr, a.recv.counts(), a.recv.displs(), a.recv.dt);
    let keep: Box<dyn Any> = Box::new(a.recv.into_arrays());
    // SAFETY: checked buffers; the arrays live in the request until completion (moving the
    // vectors does not move their contents); live handles.
    start(cx, request, Some(keep), |req| unsafe {
        ffi::MPI_Igatherv(
            send.0, send.1, send.2, rptr, rcounts, rdispls, rdt, at.root, at.comm, req,
        )
    })
}

fn iscatterv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    displs: u32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    root: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let a = scatterv_args(
        cx, sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm,
    )?;
    let (recv, at) = (a.recv, a.at);
    let (sptr, scounts, sdispls, sdt) = (a.send.ptr, a.send.counts(), a.send.displs(), a.send.dt);
    let keep: Box<dyn Any> = Box::new(a.send.into_arrays());
    // SAFETY: as in igatherv.
    start(cx, request, Some(keep), |req| unsafe {
        ffi::MPI_Iscatterv(
            sptr, scounts, sdispls, sdt, recv.0, recv.1, recv.2, at.root, at.comm, req,
        )
    })
}

fn iallgatherv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let a = allgatherv_args(
        cx, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm,
    )?;
    let (send, comm) = (a.send, a.comm);
    let (rptr, rcounts, rdispls, rdt) = (a.recv.ptr, a.recv.counts(), a.recv.displs(), a.recv.dt);
    let keep: Box<dyn Any> = Box::new(a.recv.into_arrays());
    // SAFETY: as in igatherv.
    start(cx, request, Some(keep), |req| unsafe {
        ffi::MPI_Iallgatherv(
            send.0, send.1, send.2, rptr, rcounts, rdispls, rdt, comm, req,
        )
    })
}

fn ialltoallv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    sdispls: u32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    rdispls: u32,
    recvtype: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let a = alltoallv_args(
        cx, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm,
    )?;
    let (sc, sd, sdt) = a.send_arrays();
    let (sptr, rptr, rc, rd, rdt, comm) = (
        a.send.ptr,
        a.recv.ptr,
        a.recv.counts(),
        a.recv.displs(),
        a.recv.dt,
        a.comm,
    );
    let keep: Box<dyn Any> = Box::new((a.send.into_arrays(), a.recv.into_arrays()));
    // SAFETY: as in igatherv.
    start(cx, request, Some(keep), |req| unsafe {
        ffi::MPI_Ialltoallv(sptr, sc, sd, sdt, rptr, rc, rd, rdt, comm, req)
    })
}

fn ialltoallw(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    sdispls: u32,
    sendtypes: u32,
    recvbuf: u32,
    recvcounts: u32,
    rdispls: u32,
    recvtypes: u32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let a = alltoallw_args(
        cx, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls, recvtypes, comm,
    )?;
    let (sc, sd, st) = a.send_arrays();
    let (rc, rd, rt) = a.recv_arrays();
    let (sptr, rptr, comm) = (a.send.ptr, a.recv.ptr, a.comm);
    let keep: Box<dyn Any> = Box::new((a.send.into_arrays(), a.recv.into_arrays()));
    // SAFETY: as in igatherv (the host datatype arrays are kept too).
    start(cx, request, Some(keep), |req| unsafe {
        ffi::MPI_Ialltoallw(sptr, sc, sd, st, rptr, rc, rd, rt, comm, req)
    })
}

fn ireduce(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    root: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let at = rooted(cx, comm, root)?;
    let (sptr, _, dt) = buffer_if(cx, at.member, sendbuf, count, datatype)?;
    let (rptr, _, _) = recv_if(cx, at.is_root, recvbuf, count, datatype)?;
    let op = reduction_op(cx, op, datatype)?;
    // SAFETY: checked buffers, live handles.
    start(cx, request, None, |req| unsafe {
        ffi::MPI_Ireduce(sptr, rptr, count, dt, op, at.root, at.comm, req)
    })
}

type IreduceAllFn = unsafe extern "C" fn(
    *const c_void,
    *mut c_void,
    c_int,
    ffi::MPI_Datatype,
    ffi::MPI_Op,
    ffi::MPI_Comm,
    *mut ffi::MPI_Request,
) -> c_int;

fn ireduce_all_with(
    cx: &mut Cx,
    f: IreduceAllFn,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (sptr, dt) = cx.buffer_or_in_place(sendbuf, count, datatype)?;
    let (rptr, _) = cx.typed_buffer(recvbuf, count, datatype)?;
    let op = reduction_op(cx, op, datatype)?;
    // SAFETY: checked buffers, live handles.
    start(cx, request, None, |req| unsafe {
        f(sptr, rptr, count, dt, op, comm, req)
    })
}

fn iallreduce(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    ireduce_all_with(
        cx,
        ffi::MPI_Iallreduce,
        sendbuf,
        recvbuf,
        count,
        datatype,
        op,
        comm,
        request,
    )
}

fn iscan(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    ireduce_all_with(
        cx,
        ffi::MPI_Iscan,
        sendbuf,
        recvbuf,
        count,
        datatype,
        op,
        comm,
        request,
    )
}

fn iexscan(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    ireduce_all_with(
        cx,
        ffi::MPI_Iexscan,
        sendbuf,
        recvbuf,
        count,
        datatype,
        op,
        comm,
        request,
    )
}

fn ireduce_scatter(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    recvcounts: u32,
    datatype: i32,
    op: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let a = reduce_scatter_args(
        cx,
        sendbuf,
        recvbuf,
        Some(recvcounts),
        0,
        datatype,
        op,
        comm,
    )?;
    let (send, recv, counts, dt, op, comm) =
        (a.send, a.recv, a.counts.as_ptr(), a.dt, a.op, a.comm);
    let keep: Box<dyn Any> = Box::new(a.counts);
    // SAFETY: as in igatherv.
    start(cx, request, Some(keep), |req| unsafe {
        ffi::MPI_Ireduce_scatter(send, recv, counts, dt, op, comm, req)
    })
}

fn ireduce_scatter_block(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    recvcount: i32,
    datatype: i32,
    op: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let a = reduce_scatter_args(cx, sendbuf, recvbuf, None, recvcount, datatype, op, comm)?;
    // SAFETY: checked buffers (size x recvcount elements where the operation needs them),
    // live handles.
    start(cx, request, None, |req| unsafe {
        ffi::MPI_Ireduce_scatter_block(a.send, a.recv, recvcount, a.dt, a.op, a.comm, req)
    })
}

super::mpi_functions! {
    ibarrier => MPI_Ibarrier(comm: i32, request: u32);
    ibcast => MPI_Ibcast(buf: u32, count: i32, datatype: i32, root: i32, comm: i32, request: u32);
    igather => MPI_Igather(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, root: i32, comm: i32, request: u32);
    igatherv => MPI_Igatherv(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcounts: u32, displs: u32, recvtype: i32, root: i32, comm: i32, request: u32);
    iscatter => MPI_Iscatter(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, root: i32, comm: i32, request: u32);
    iscatterv => MPI_Iscatterv(sendbuf: u32, sendcounts: u32, displs: u32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, root: i32, comm: i32, request: u32);
    iallgather => MPI_Iallgather(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, comm: i32, request: u32);
    iallgatherv => MPI_Iallgatherv(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcounts: u32, displs: u32, recvtype: i32, comm: i32, request: u32);
    ialltoall => MPI_Ialltoall(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, comm: i32, request: u32);
    ialltoallv => MPI_Ialltoallv(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtype: i32, recvbuf: u32, recvcounts: u32, rdispls: u32, recvtype: i32, comm: i32, request: u32);
    ialltoallw => MPI_Ialltoallw(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtypes: u32, recvbuf: u32, recvcounts: u32, rdispls: u32, recvtypes: u32, comm: i32, request: u32);
    ireduce => MPI_Ireduce(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, root: i32, comm: i32, request: u32);
    iallreduce => MPI_Iallreduce(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, comm: i32, request: u32);
    ireduce_scatter => MPI_Ireduce_scatter(sendbuf: u32, recvbuf: u32, recvcounts: u32, datatype: i32, op: i32, comm: i32, request: u32);
    ireduce_scatter_block => MPI_Ireduce_scatter_block(sendbuf: u32, recvbuf: u32, recvcount: i32, datatype: i32, op: i32, comm: i32, request: u32);
    iscan => MPI_Iscan(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, comm: i32, request: u32);
    iexscan => MPI_Iexscan(sendbuf: u32, recvbuf: u32, count: i32, datatype: i32, op: i32, comm: i32, request: u32);
}

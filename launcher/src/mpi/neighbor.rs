//! Neighbourhood collectives (`MPI_Neighbor_*` and the nonblocking `MPI_Ineighbor_*`) on
//! communicators with a process topology ([`super::topo`]).
//!
//! Buffers are checked against the communicator's in- and out-degree, queried from the host
//! topology ([`degrees`]): a receive buffer holds one block per in-neighbour, an all-to-all
//! send buffer one per out-neighbour, and every block of a v- or w-variant is checked at its
//! displacement. The blocking and nonblocking forms share one function per collective
//! ([`run`] runs or starts it); the nonblocking forms keep the converted count, displacement
//! and datatype arrays with the request until it completes.

use super::cx::{Cx, MpiError, MpiResult};
use super::requests::start_request;
use super::state::Datatype;
use super::topo::{degrees, total};
use crate::guest;
use mpi::ffi;
use std::ffi::{c_int, c_void};
use wasmpi_abi::mpi as abi;

/// Checks block `i` of a v- or w-collective buffer: `count` elements of `dt` at byte offset
/// `disp` from guest address `base`, every byte the datatype touches inside linear memory.
fn check_block(
    cx: &mut Cx,
    base: u32,
    disp: i64,
    count: i32,
    dt: &Datatype,
    i: usize,
) -> MpiResult<()> {
    if count < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_COUNT,
            format!("negative count {count} for neighbour {i}"),
        ));
    }
    if count == 0 || dt.size == 0 {
        return Ok(());
    }
    let size = cx.mem().len() as i128;
    let first = i128::from(base) + i128::from(disp) + i128::from(dt.true_lb);
    let last = first + i128::from(count - 1) * i128::from(dt.extent);
    let (low, high) = (
        first.min(last),
        first.max(last) + i128::from(dt.true_extent),
    );
    if low < 0 || high > size {
        return Err(MpiError::new(
            abi::MPI_ERR_BUFFER,
            format!(
                "block {i} [{low:#x}, {high:#x}) of {count} x {} lies outside linear memory \
                 [0, {size:#x})",
                dt.name
            ),
        ));
    }
    Ok(())
}

/// The host pointer for the base address of a v- or w-collective buffer, and its blocks,
/// checked: `counts[i]` elements of `types[i]` at `displs[i]` bytes.
fn blocks(
    cx: &mut Cx,
    base: u32,
    counts: &[i32],
    displs: &[i64],
    types: &[Datatype],
) -> MpiResult<*mut c_void> {
    for i in 0..counts.len() {
        check_block(cx, base, displs[i], counts[i], &types[i], i)?;
    }
    guest::slice(cx.mem(), base, 0)?;
    // SAFETY: base <= memory size, and the memory is one mapping starting at its base.
    Ok(unsafe { cx.mem().as_mut_ptr().add(base as usize) }.cast())
}

/// Element displacements times the datatype's extent, in bytes.
fn byte_displs(displs: &[i32], dt: &Datatype) -> Vec<i64> {
    displs.iter().map(|&d| i64::from(d) * dt.extent).collect()
}

/// Starts a nonblocking neighbourhood collective or runs the blocking one: `start` calls the
/// host with a request out-pointer (`None` for the blocking form). `keep` holds arrays the
/// host reads until completion.
fn run(
    cx: &mut Cx,
    request: Option<u32>,
    keep: Option<Box<dyn std::any::Any>>,
    start: impl FnOnce(Option<&mut ffi::MPI_Request>) -> c_int,
) -> MpiResult<()> {
    match request {
        None => cx.check(start(None)),
        Some(out) => start_request(cx, out, false, keep, |cx, req| cx.check(start(Some(req)))),
    }
}

fn neighbor_allgather_with(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
    request: Option<u32>,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (indegree, _) = degrees(cx, comm)?;
    let (sptr, sdt) = cx.typed_buffer(sendbuf, sendcount, sendtype)?;
    let (rptr, rdt) = cx.typed_buffer(recvbuf, total(recvcount, indegree)?, recvtype)?;
    // SAFETY: checked buffers (indegree blocks received), live handles, valid request pointer.
    run(cx, request, None, |req| unsafe {
        match req {
            None => ffi::MPI_Neighbor_allgather(sptr, sendcount, sdt, rptr, recvcount, rdt, comm),
            Some(req) => {
                ffi::MPI_Ineighbor_allgather(sptr, sendcount, sdt, rptr, recvcount, rdt, comm, req)
            }
        }
    })
}

fn neighbor_allgatherv_with(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    comm: i32,
    request: Option<u32>,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (indegree, _) = degrees(cx, comm)?;
    let (sptr, sdt) = cx.typed_buffer(sendbuf, sendcount, sendtype)?;
    let rdt = cx.datatype(recvtype)?;
    let counts = cx.read_i32s(recvcounts, indegree)?;
    let displs = cx.read_i32s(displs, indegree)?;
    let types = vec![rdt; counts.len()];
    let rptr = blocks(cx, recvbuf, &counts, &byte_displs(&displs, &rdt), &types)?;
    let (cptr, dptr) = (counts.as_ptr(), displs.as_ptr());
    // SAFETY: checked buffers and blocks, arrays of indegree ints kept until completion.
    run(
        cx,
        request,
        Some(Box::new((counts, displs))),
        |req| unsafe {
            match req {
                None => ffi::MPI_Neighbor_allgatherv(
                    sptr, sendcount, sdt, rptr, cptr, dptr, rdt.host, comm,
                ),
                Some(req) => ffi::MPI_Ineighbor_allgatherv(
                    sptr, sendcount, sdt, rptr, cptr, dptr, rdt.host, comm, req,
                ),
            }
        },
    )
}

fn neighbor_alltoall_with(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
    request: Option<u32>,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (indegree, outdegree) = degrees(cx, comm)?;
    let (sptr, sdt) = cx.typed_buffer(sendbuf, total(sendcount, outdegree)?, sendtype)?;
    let (rptr, rdt) = cx.typed_buffer(recvbuf, total(recvcount, indegree)?, recvtype)?;
    // SAFETY: checked buffers (outdegree blocks sent, indegree received), live handles.
    run(cx, request, None, |req| unsafe {
        match req {
            None => ffi::MPI_Neighbor_alltoall(sptr, sendcount, sdt, rptr, recvcount, rdt, comm),
            Some(req) => {
                ffi::MPI_Ineighbor_alltoall(sptr, sendcount, sdt, rptr, recvcount, rdt, comm, req)
            }
        }
    })
}

fn neighbor_alltoallv_with(
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
    request: Option<u32>,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (indegree, outdegree) = degrees(cx, comm)?;
    let (sdt, rdt) = (cx.datatype(sendtype)?, cx.datatype(recvtype)?);
    let scounts = cx.read_i32s(sendcounts, outdegree)?;
    let sdispls = cx.read_i32s(sdispls, outdegree)?;
    let rcounts = cx.read_i32s(recvcounts, indegree)?;
    let rdispls = cx.read_i32s(rdispls, indegree)?;
    let stypes = vec![sdt; scounts.len()];
    let rtypes = vec![rdt; rcounts.len()];
    let sptr = blocks(cx, sendbuf, &scounts, &byte_displs(&sdispls, &sdt), &stypes)?;
    let rptr = blocks(cx, recvbuf, &rcounts, &byte_displs(&rdispls, &rdt), &rtypes)?;
    let arrays = [
        scounts.as_ptr(),
        sdispls.as_ptr(),
        rcounts.as_ptr(),
        rdispls.as_ptr(),
    ];
    let keep = Box::new((scounts, sdispls, rcounts, rdispls));
    // SAFETY: checked buffers and blocks; count and displacement arrays kept until completion.
    run(cx, request, Some(keep), |req| unsafe {
        let [sc, sd, rc, rd] = arrays;
        match req {
            None => {
                ffi::MPI_Neighbor_alltoallv(sptr, sc, sd, sdt.host, rptr, rc, rd, rdt.host, comm)
            }
            Some(req) => ffi::MPI_Ineighbor_alltoallv(
                sptr, sc, sd, sdt.host, rptr, rc, rd, rdt.host, comm, req,
            ),
        }
    })
}

/// The datatypes behind `n` guest datatype handles at `addr`.
fn datatypes(cx: &Cx, addr: u32, n: i32) -> MpiResult<Vec<Datatype>> {
    cx.read_i32s(addr, n)?
        .into_iter()
        .map(|h| cx.datatype(h))
        .collect()
}

/// Host copies of a w-collective's arrays, kept until completion.
struct WArrays {
    scounts: Vec<i32>,
    sdispls: Vec<ffi::MPI_Aint>,
    stypes: Vec<ffi::MPI_Datatype>,
    rcounts: Vec<i32>,
    rdispls: Vec<ffi::MPI_Aint>,
    rtypes: Vec<ffi::MPI_Datatype>,
}

fn neighbor_alltoallw_with(
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
    request: Option<u32>,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (indegree, outdegree) = degrees(cx, comm)?;
    let scounts = cx.read_i32s(sendcounts, outdegree)?;
    // Guest MPI_Aint displacements are 4-byte signed byte offsets.
    let sdispls: Vec<i64> = cx
        .read_i32s(sdispls, outdegree)?
        .into_iter()
        .map(i64::from)
        .collect();
    let stypes = datatypes(cx, sendtypes, outdegree)?;
    let rcounts = cx.read_i32s(recvcounts, indegree)?;
    let rdispls: Vec<i64> = cx
        .read_i32s(rdispls, indegree)?
        .into_iter()
        .map(i64::from)
        .collect();
    let rtypes = datatypes(cx, recvtypes, indegree)?;
    let sptr = blocks(cx, sendbuf, &scounts, &sdispls, &stypes)?;
    let rptr = blocks(cx, recvbuf, &rcounts, &rdispls, &rtypes)?;
    let arrays = Box::new(WArrays {
        scounts,
        sdispls: sdispls.iter().map(|&d| d as ffi::MPI_Aint).collect(),
        stypes: stypes.iter().map(|t| t.host).collect(),
        rcounts,
        rdispls: rdispls.iter().map(|&d| d as ffi::MPI_Aint).collect(),
        rtypes: rtypes.iter().map(|t| t.host).collect(),
    });
    let a = &*arrays;
    let (sc, sd, st) = (a.scounts.as_ptr(), a.sdispls.as_ptr(), a.stypes.as_ptr());
    let (rc, rd, rt) = (a.rcounts.as_ptr(), a.rdispls.as_ptr(), a.rtypes.as_ptr());
    // SAFETY: checked buffers and blocks; the arrays (heap data, unmoved by boxing) are kept
    // until completion.
    run(cx, request, Some(arrays), |req| unsafe {
        match req {
            None => ffi::MPI_Neighbor_alltoallw(sptr, sc, sd, st, rptr, rc, rd, rt, comm),
            Some(req) => {
                ffi::MPI_Ineighbor_alltoallw(sptr, sc, sd, st, rptr, rc, rd, rt, comm, req)
            }
        }
    })
}

fn neighbor_allgather(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<()> {
    neighbor_allgather_with(
        cx, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, None,
    )
}

fn ineighbor_allgather(
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
    neighbor_allgather_with(
        cx,
        sendbuf,
        sendcount,
        sendtype,
        recvbuf,
        recvcount,
        recvtype,
        comm,
        Some(request),
    )
}

fn neighbor_allgatherv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<()> {
    neighbor_allgatherv_with(
        cx, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm, None,
    )
}

fn ineighbor_allgatherv(
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
    neighbor_allgatherv_with(
        cx,
        sendbuf,
        sendcount,
        sendtype,
        recvbuf,
        recvcounts,
        displs,
        recvtype,
        comm,
        Some(request),
    )
}

fn neighbor_alltoall(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<()> {
    neighbor_alltoall_with(
        cx, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, None,
    )
}

fn ineighbor_alltoall(
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
    neighbor_alltoall_with(
        cx,
        sendbuf,
        sendcount,
        sendtype,
        recvbuf,
        recvcount,
        recvtype,
        comm,
        Some(request),
    )
}

fn neighbor_alltoallv(
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
) -> MpiResult<()> {
    neighbor_alltoallv_with(
        cx, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm,
        None,
    )
}

fn ineighbor_alltoallv(
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
    neighbor_alltoallv_with(
        cx,
        sendbuf,
        sendcounts,
        sdispls,
        sendtype,
        recvbuf,
        recvcounts,
        rdispls,
        recvtype,
        comm,
        Some(request),
    )
}

fn neighbor_alltoallw(
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
) -> MpiResult<()> {
    neighbor_alltoallw_with(
        cx, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls, recvtypes, comm,
        None,
    )
}

fn ineighbor_alltoallw(
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
    neighbor_alltoallw_with(
        cx,
        sendbuf,
        sendcounts,
        sdispls,
        sendtypes,
        recvbuf,
        recvcounts,
        rdispls,
        recvtypes,
        comm,
        Some(request),
    )
}

super::mpi_functions! {
    neighbor_allgather => MPI_Neighbor_allgather(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32,
        recvcount: i32, recvtype: i32, comm: i32);
    neighbor_allgatherv => MPI_Neighbor_allgatherv(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32,
        recvcounts: u32, displs: u32, recvtype: i32, comm: i32);
    neighbor_alltoall => MPI_Neighbor_alltoall(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32,
        recvcount: i32, recvtype: i32, comm: i32);
    neighbor_alltoallv => MPI_Neighbor_alltoallv(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtype: i32,
        recvbuf: u32, recvcounts: u32, rdispls: u32, recvtype: i32, comm: i32);
    neighbor_alltoallw => MPI_Neighbor_alltoallw(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtypes: u32,
        recvbuf: u32, recvcounts: u32, rdispls: u32, recvtypes: u32, comm: i32);
    ineighbor_allgather => MPI_Ineighbor_allgather(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32,
        recvcount: i32, recvtype: i32, comm: i32, request: u32);
    ineighbor_allgatherv => MPI_Ineighbor_allgatherv(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32,
        recvcounts: u32, displs: u32, recvtype: i32, comm: i32, request: u32);
    ineighbor_alltoall => MPI_Ineighbor_alltoall(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32,
        recvcount: i32, recvtype: i32, comm: i32, request: u32);
    ineighbor_alltoallv => MPI_Ineighbor_alltoallv(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtype: i32,
        recvbuf: u32, recvcounts: u32, rdispls: u32, recvtype: i32, comm: i32, request: u32);
    ineighbor_alltoallw => MPI_Ineighbor_alltoallw(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtypes: u32,
        recvbuf: u32, recvcounts: u32, rdispls: u32, recvtypes: u32, comm: i32, request: u32);
}

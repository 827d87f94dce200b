//! Point-to-point communication (completion and the rest of requests: [`super::requests`]).

use super::cx::{Cx, MpiError, MpiResult};
use super::requests::start_request;
use mpi::ffi;
use std::ffi::c_int;
use std::mem::MaybeUninit;
use wasmpi_abi::mpi as abi;

/// A zeroed host status to be filled by the host MPI.
pub(super) fn empty_status() -> ffi::MPI_Status {
    // SAFETY: MPI_Status is a plain C struct of integers; all-zero is a valid value.
    unsafe { MaybeUninit::zeroed().assume_init() }
}

type SendFn = unsafe extern "C" fn(
    *const std::ffi::c_void,
    c_int,
    ffi::MPI_Datatype,
    c_int,
    c_int,
    ffi::MPI_Comm,
) -> c_int;

/// The blocking sends. Inlined into each trampoline: this is the hot path of every program.
#[inline(always)]
fn send_with(
    cx: &mut Cx,
    f: SendFn,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    let dest = cx.mpi.rank_to_host(dest);
    // SAFETY: the buffer was checked to lie in linear memory; handles are live host handles.
    cx.check(unsafe { f(ptr, count, dt, dest, tag, comm) })
}

/// `MPI_Send` (its trampoline is in [`super::fast`]).
pub(super) fn send(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
) -> MpiResult<()> {
    send_with(cx, ffi::MPI_Send, buf, count, datatype, dest, tag, comm)
}

fn ssend(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
) -> MpiResult<()> {
    send_with(cx, ffi::MPI_Ssend, buf, count, datatype, dest, tag, comm)
}

fn rsend(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
) -> MpiResult<()> {
    send_with(cx, ffi::MPI_Rsend, buf, count, datatype, dest, tag, comm)
}

fn bsend(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
) -> MpiResult<()> {
    send_with(cx, ffi::MPI_Bsend, buf, count, datatype, dest, tag, comm)
}

/// `MPI_Recv` (its trampoline is in [`super::fast`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn recv(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    source: i32,
    tag: i32,
    comm: i32,
    status: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    cx.check_status(status)?;
    let (source, tag) = (cx.mpi.rank_to_host(source), cx.mpi.tag_to_host(tag));
    if status == 0 {
        // MPI_STATUS_IGNORE: let the host skip filling one too.
        // SAFETY: checked buffer, live handles; the host's MPI_STATUS_IGNORE is a valid argument.
        return cx.check(unsafe {
            ffi::MPI_Recv(ptr, count, dt, source, tag, comm, ffi::RSMPI_STATUS_IGNORE)
        });
    }
    let mut st = empty_status();
    // SAFETY: checked buffer, live handles, valid status out-pointer.
    cx.check(unsafe { ffi::MPI_Recv(ptr, count, dt, source, tag, comm, &mut st) })?;
    cx.write_status(status, &st)
}

fn sendrecv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    dest: i32,
    sendtag: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    source: i32,
    recvtag: i32,
    comm: i32,
    status: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (sptr, sdt) = cx.typed_buffer(sendbuf, sendcount, sendtype)?;
    let (rptr, rdt) = cx.typed_buffer(recvbuf, recvcount, recvtype)?;
    cx.check_status(status)?;
    let (dest, source, recvtag) = (
        cx.mpi.rank_to_host(dest),
        cx.mpi.rank_to_host(source),
        cx.mpi.tag_to_host(recvtag),
    );
    let mut st = empty_status();
    // SAFETY: checked buffers, live handles, valid status out-pointer.
    cx.check(unsafe {
        ffi::MPI_Sendrecv(
            sptr, sendcount, sdt, dest, sendtag, rptr, recvcount, rdt, source, recvtag, comm,
            &mut st,
        )
    })?;
    cx.write_status(status, &st)
}

fn sendrecv_replace(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    sendtag: i32,
    source: i32,
    recvtag: i32,
    comm: i32,
    status: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    cx.check_status(status)?;
    let (dest, source, recvtag) = (
        cx.mpi.rank_to_host(dest),
        cx.mpi.rank_to_host(source),
        cx.mpi.tag_to_host(recvtag),
    );
    let mut st = empty_status();
    // SAFETY: checked buffer, live handles, valid status out-pointer.
    cx.check(unsafe {
        ffi::MPI_Sendrecv_replace(
            ptr, count, dt, dest, sendtag, source, recvtag, comm, &mut st,
        )
    })?;
    cx.write_status(status, &st)
}

/// Signature of `MPI_Isend` and its siblings (and of the persistent `MPI_*send_init`).
pub(super) type IsendFn = unsafe extern "C" fn(
    *const std::ffi::c_void,
    c_int,
    ffi::MPI_Datatype,
    c_int,
    c_int,
    ffi::MPI_Comm,
    *mut ffi::MPI_Request,
) -> c_int;

/// Starts a send with `f` (`MPI_Isend`-like, or `MPI_Send_init`-like when `persistent`) and
/// writes the new request's guest handle to `request`.
#[inline(always)]
pub(super) fn isend_with(
    persistent: bool,
    cx: &mut Cx,
    f: IsendFn,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    start_request(cx, request, persistent, None, |cx, req| {
        let dest = cx.mpi.rank_to_host(dest);
        // SAFETY: checked buffer (linear memory never moves or shrinks, so it stays valid
        // until completion, or for every start of a persistent request), live handles, valid
        // request out-pointer.
        cx.check(unsafe { f(ptr, count, dt, dest, tag, comm, req) })
    })
}

#[inline(always)]
fn isend(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    isend_with(
        false,
        cx,
        ffi::MPI_Isend,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

fn issend(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    isend_with(
        false,
        cx,
        ffi::MPI_Issend,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

fn ibsend(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    isend_with(
        false,
        cx,
        ffi::MPI_Ibsend,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

fn irsend(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    isend_with(
        false,
        cx,
        ffi::MPI_Irsend,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

/// A function starting a receive (`MPI_Irecv`, `MPI_Recv_init`).
pub(super) type IrecvFn = unsafe extern "C" fn(
    *mut std::ffi::c_void,
    c_int,
    ffi::MPI_Datatype,
    c_int,
    c_int,
    ffi::MPI_Comm,
    *mut ffi::MPI_Request,
) -> c_int;

/// Starts a receive with `f` and writes the new request's guest handle to `request`.
#[inline(always)]
pub(super) fn irecv_with(
    persistent: bool,
    cx: &mut Cx,
    f: IrecvFn,
    buf: u32,
    count: i32,
    datatype: i32,
    source: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    start_request(cx, request, persistent, None, |cx, req| {
        let (source, tag) = (cx.mpi.rank_to_host(source), cx.mpi.tag_to_host(tag));
        // SAFETY: as in isend_with.
        cx.check(unsafe { f(ptr, count, dt, source, tag, comm, req) })
    })
}

#[inline(always)]
fn irecv(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    source: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    irecv_with(
        false,
        cx,
        ffi::MPI_Irecv,
        buf,
        count,
        datatype,
        source,
        tag,
        comm,
        request,
    )
}

/// The host requests behind `count` guest handles at `array` (null handles map to the host's
/// null request).
pub(super) fn host_requests(
    cx: &Cx,
    array: u32,
    count: i32,
) -> MpiResult<(Vec<i32>, Vec<ffi::MPI_Request>)> {
    let handles = cx.read_i32s(array, count)?;
    let hosts = handles
        .iter()
        .map(|&h| match h {
            abi::MPI_REQUEST_NULL => Ok(cx.mpi.null_request()),
            h => cx
                .mpi
                .requests
                .get(h)
                .map(|r| r.host)
                .ok_or_else(|| invalid_request(h)),
        })
        .collect::<MpiResult<Vec<_>>>()?;
    Ok((handles, hosts))
}

/// The error for a guest request handle that names no request.
pub(super) fn invalid_request(handle: i32) -> MpiError {
    MpiError::new(
        abi::MPI_ERR_REQUEST,
        format!("invalid request handle {handle}"),
    )
}

/// Writes `statuses[i]` to the guest status array at `array` for each `i` in `which`.
pub(super) fn write_statuses(
    cx: &mut Cx,
    array: u32,
    statuses: &[ffi::MPI_Status],
    which: impl Iterator<Item = usize>,
) -> MpiResult<()> {
    if array == 0 {
        return Ok(());
    }
    for i in which {
        let at = crate::guest::element(array, i as u32, abi::STATUS_SIZE)?;
        cx.write_status(at, &statuses[i])?;
    }
    Ok(())
}

fn probe(cx: &mut Cx, source: i32, tag: i32, comm: i32, status: u32) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    cx.check_status(status)?;
    let (source, tag) = (cx.mpi.rank_to_host(source), cx.mpi.tag_to_host(tag));
    let mut st = empty_status();
    // SAFETY: live communicator, valid status out-pointer.
    cx.check(unsafe { ffi::MPI_Probe(source, tag, comm, &mut st) })?;
    cx.write_status(status, &st)
}

fn iprobe(cx: &mut Cx, source: i32, tag: i32, comm: i32, flag: u32, status: u32) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    cx.check_status(status)?;
    let (source, tag) = (cx.mpi.rank_to_host(source), cx.mpi.tag_to_host(tag));
    let mut st = empty_status();
    let mut found = 0;
    // SAFETY: live communicator, valid out-pointers.
    cx.check(unsafe { ffi::MPI_Iprobe(source, tag, comm, &mut found, &mut st) })?;
    cx.write_i32(flag, found)?;
    if found != 0 {
        cx.write_status(status, &st)?;
    }
    Ok(())
}

/// `MPI_Get_count` on a guest status: the received byte count over the datatype's size.
fn get_count(cx: &mut Cx, status: u32, datatype: i32, count: u32) -> MpiResult<()> {
    let dt = cx.datatype(datatype)?;
    let at = crate::guest::offset(status, abi::STATUS_COUNT)?;
    let bytes = crate::guest::read_u64(cx.mem(), at)? as i64;
    let value = match dt.size {
        0 if bytes == 0 => 0,
        0 => abi::MPI_UNDEFINED,
        size if bytes % size == 0 => i32::try_from(bytes / size).unwrap_or(abi::MPI_UNDEFINED),
        _ => abi::MPI_UNDEFINED,
    };
    cx.write_i32(count, value)
}

super::mpi_functions! {
    ssend => MPI_Ssend(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32);
    bsend => MPI_Bsend(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32);
    rsend => MPI_Rsend(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32);
    sendrecv => MPI_Sendrecv(sendbuf: u32, sendcount: i32, sendtype: i32, dest: i32, sendtag: i32,
        recvbuf: u32, recvcount: i32, recvtype: i32, source: i32, recvtag: i32, comm: i32, status: u32);
    sendrecv_replace => MPI_Sendrecv_replace(buf: u32, count: i32, datatype: i32, dest: i32,
        sendtag: i32, source: i32, recvtag: i32, comm: i32, status: u32);
    isend => MPI_Isend(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    issend => MPI_Issend(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    ibsend => MPI_Ibsend(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    irsend => MPI_Irsend(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    irecv => MPI_Irecv(buf: u32, count: i32, datatype: i32, source: i32, tag: i32, comm: i32, request: u32);
    probe => MPI_Probe(source: i32, tag: i32, comm: i32, status: u32);
    iprobe => MPI_Iprobe(source: i32, tag: i32, comm: i32, flag: u32, status: u32);
    get_count => MPI_Get_count(status: u32, datatype: i32, count: u32);
}

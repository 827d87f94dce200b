//! Requests and what surrounds them: starting them ([`start_request`], which every
//! non-blocking or persistent call uses), completion (`MPI_Wait*`, `MPI_Test*`), persistent
//! requests, cancellation and freeing, status queries, buffered-send buffers and matched
//! probes (`MPI_Mprobe` and friends, with guest message handles).
//!
//! Guest request handles index [`Mpi::requests`](super::Mpi); after every host call that may
//! complete requests, [`settle`] looks at the host handle the host MPI left behind: a host
//! handle that became `MPI_REQUEST_NULL` means the host freed the request, so the guest handle
//! is freed and becomes `MPI_REQUEST_NULL` too; otherwise (persistent requests, or requests
//! that completed with an error, which the host keeps) the guest handle stays. This is right
//! on success and on error alike, so a guest handle never refers to a freed host request.
//!
//! Every guest location written after a host call that completes requests (statuses, indices,
//! flags, counts) is checked before the call: a completed request whose completion could not
//! be reported would be lost.

use super::cx::{Cx, MpiError, MpiResult};
use super::p2p::{empty_status, host_requests, invalid_request};
use super::state::Request;
use crate::guest;
use mpi::ffi;
use std::alloc::Layout;
use std::any::Any;
use std::ffi::{c_int, c_void};
use std::ptr::NonNull;
use std::sync::Mutex;
use wasmpi_abi::mpi as abi;

/// Starts a non-blocking (or persistent) operation and hands the guest its request.
///
/// First checks the guest's request pointer `out` by writing `MPI_REQUEST_NULL` there (so
/// nothing is started that could not be reported, and a failed start leaves the guest a null
/// handle); then `start` calls the host with a host request to fill, along with whatever else
/// the call needs before and after it; once `start` succeeded, the request is recorded
/// (`persistent`, with `keep` alive until it completes; a freed slot is reused without growth
/// checks) and its guest handle written to `out`. Errors of `start` are returned as they are.
///
/// Inlined into each caller: this is the path of every `MPI_Isend` and `MPI_Irecv`.
#[inline(always)]
pub(super) fn start_request(
    cx: &mut Cx,
    out: u32,
    persistent: bool,
    keep: Option<Box<dyn Any>>,
    start: impl FnOnce(&mut Cx, &mut ffi::MPI_Request) -> MpiResult<()>,
) -> MpiResult<()> {
    cx.write_i32(out, abi::MPI_REQUEST_NULL)?;
    let mut host = cx.mpi.null_request();
    start(cx, &mut host)?;
    let handle = cx.mpi.requests.insert(Request {
        host,
        persistent,
        keep,
    });
    cx.write_i32(out, handle)
}

/// Guest value of an index or count the host may report as `MPI_UNDEFINED` (indices and
/// counts are never negative otherwise).
fn undefined_to_guest(cx: &Cx, value: c_int) -> i32 {
    if value < 0 {
        cx.mpi.rank_to_guest(value)
    } else {
        value
    }
}

/// The host request behind guest handle `handle`; `MPI_REQUEST_NULL` maps to the host's.
#[inline(always)]
fn host_request(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Request> {
    if handle == abi::MPI_REQUEST_NULL {
        return Ok(cx.mpi.null_request());
    }
    cx.mpi
        .requests
        .get(handle)
        .map(|r| r.host)
        .ok_or_else(|| invalid_request(handle))
}

/// The host request behind a guest handle that must not be `MPI_REQUEST_NULL`.
fn live_request(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Request> {
    if handle == abi::MPI_REQUEST_NULL {
        return Err(MpiError::new(
            abi::MPI_ERR_REQUEST,
            "MPI_REQUEST_NULL is not allowed here",
        ));
    }
    host_request(cx, handle)
}

/// Brings guest handle `handle` in line with the host handle `host` left by a host call:
/// returns the guest handle to report (`MPI_REQUEST_NULL` once the host freed the request).
#[inline(always)]
fn settle(cx: &mut Cx, handle: i32, host: ffi::MPI_Request) -> i32 {
    if handle == abi::MPI_REQUEST_NULL {
        return handle;
    }
    if host == cx.mpi.null_request() {
        cx.mpi.requests.remove(handle);
        return abi::MPI_REQUEST_NULL;
    }
    if let Some(r) = cx.mpi.requests.get_mut(handle) {
        r.host = host;
    }
    handle
}

/// Settles every entry of a request array and writes the changed guest handles back.
fn settle_all(
    cx: &mut Cx,
    array: u32,
    handles: &mut [i32],
    hosts: &[ffi::MPI_Request],
) -> MpiResult<()> {
    let mut changed = false;
    for (handle, &host) in handles.iter_mut().zip(hosts) {
        let now = settle(cx, *handle, host);
        changed |= now != *handle;
        *handle = now;
    }
    if changed {
        cx.write_i32s(array, handles)?;
    }
    Ok(())
}

/// Refuses an array naming the same request twice (erroneous in MPI; the host MPI would free
/// it once and then use it again).
fn check_distinct(handles: &[i32]) -> MpiResult<()> {
    let duplicate = |h: i32| {
        MpiError::new(
            abi::MPI_ERR_REQUEST,
            format!("request handle {h} appears twice in the array"),
        )
    };
    let live = |h: &i32| *h != abi::MPI_REQUEST_NULL;
    if handles.len() <= 16 {
        for (i, &h) in handles.iter().enumerate().filter(|(_, h)| live(h)) {
            if handles[i + 1..].contains(&h) {
                return Err(duplicate(h));
            }
        }
        return Ok(());
    }
    let mut sorted: Vec<i32> = handles.iter().copied().filter(live).collect();
    sorted.sort_unstable();
    match sorted.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(duplicate(w[0])),
        None => Ok(()),
    }
}

/// Checks that `count` guest `int`s at `addr` are writable.
fn check_ints(cx: &mut Cx, addr: u32, count: usize) -> MpiResult<()> {
    Ok(guest::check_writable(
        cx.mem(),
        addr,
        count.saturating_mul(4),
    )?)
}

/// Checks that a guest status array of `count` entries at `addr` is writable (nothing for
/// `MPI_STATUSES_IGNORE`).
fn check_statuses(cx: &mut Cx, addr: u32, count: usize) -> MpiResult<()> {
    if addr == 0 {
        return Ok(());
    }
    let len = count.saturating_mul(abi::STATUS_SIZE as usize);
    Ok(guest::check_writable(cx.mem(), addr, len)?)
}

/// Writes `statuses[..n]` to the guest status array at `array` (nothing for
/// `MPI_STATUSES_IGNORE`).
fn write_first_statuses(
    cx: &mut Cx,
    array: u32,
    statuses: &[ffi::MPI_Status],
    n: usize,
) -> MpiResult<()> {
    super::p2p::write_statuses(cx, array, statuses, 0..n.min(statuses.len()))
}

/// Whether statuses carry results after a call ended with `result`: on success, and on
/// `MPI_ERR_IN_STATUS`, where each status holds its request's error.
fn statuses_valid(result: &MpiResult<()>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) => e.class == abi::MPI_ERR_IN_STATUS,
    }
}

/// A request array for a multiple-completion call, checked: handles valid and distinct, the
/// status array writable.
struct Batch {
    handles: Vec<i32>,
    hosts: Vec<ffi::MPI_Request>,
    statuses: Vec<ffi::MPI_Status>,
}

impl Batch {
    fn new(cx: &mut Cx, count: i32, requests: u32, statuses: u32) -> MpiResult<Batch> {
        let (handles, hosts) = host_requests(cx, requests, count)?;
        check_distinct(&handles)?;
        check_statuses(cx, statuses, handles.len())?;
        Ok(Batch {
            statuses: vec![empty_status(); handles.len()],
            handles,
            hosts,
        })
    }

    fn settle(&mut self, cx: &mut Cx, requests: u32) -> MpiResult<()> {
        settle_all(cx, requests, &mut self.handles, &self.hosts)
    }
}

// ---------------------------------------------------------------------------------------------
// Completion.

#[inline(always)]
fn wait(cx: &mut Cx, request: u32, status: u32) -> MpiResult<()> {
    let handle = cx.read_i32(request)?;
    cx.check_status(status)?;
    let mut host = host_request(cx, handle)?;
    let mut st = empty_status();
    // SAFETY: a live (or the null) host request and a valid status out-pointer.
    let rc = unsafe { ffi::MPI_Wait(&mut host, &mut st) };
    let now = settle(cx, handle, host);
    if now != handle {
        cx.write_i32(request, now)?;
    }
    cx.check(rc)?;
    cx.write_status(status, &st)
}

fn test(cx: &mut Cx, request: u32, flag: u32, status: u32) -> MpiResult<()> {
    let handle = cx.read_i32(request)?;
    check_ints(cx, flag, 1)?;
    cx.check_status(status)?;
    let mut host = host_request(cx, handle)?;
    let mut st = empty_status();
    let mut done = 0;
    // SAFETY: a live (or the null) host request and valid out-pointers.
    let rc = unsafe { ffi::MPI_Test(&mut host, &mut done, &mut st) };
    let now = settle(cx, handle, host);
    if now != handle {
        cx.write_i32(request, now)?;
    }
    cx.check(rc)?;
    cx.write_i32(flag, done)?;
    if done != 0 {
        cx.write_status(status, &st)?;
    }
    Ok(())
}

fn waitall(cx: &mut Cx, count: i32, requests: u32, statuses: u32) -> MpiResult<()> {
    let mut b = Batch::new(cx, count, requests, statuses)?;
    // SAFETY: arrays of `count` host requests and statuses.
    let rc = unsafe { ffi::MPI_Waitall(count, b.hosts.as_mut_ptr(), b.statuses.as_mut_ptr()) };
    b.settle(cx, requests)?;
    let result = cx.check(rc);
    if statuses_valid(&result) {
        write_first_statuses(cx, statuses, &b.statuses, b.handles.len())?;
    }
    result
}

fn testall(cx: &mut Cx, count: i32, requests: u32, flag: u32, statuses: u32) -> MpiResult<()> {
    let mut b = Batch::new(cx, count, requests, statuses)?;
    check_ints(cx, flag, 1)?;
    let mut done = 0;
    // SAFETY: arrays of `count` host requests and statuses; a valid flag out-pointer.
    let rc = unsafe {
        ffi::MPI_Testall(
            count,
            b.hosts.as_mut_ptr(),
            &mut done,
            b.statuses.as_mut_ptr(),
        )
    };
    b.settle(cx, requests)?;
    let result = cx.check(rc);
    let in_status = result.is_err() && statuses_valid(&result);
    cx.write_i32(flag, done)?;
    if (result.is_ok() && done != 0) || in_status {
        write_first_statuses(cx, statuses, &b.statuses, b.handles.len())?;
    }
    result
}

fn waitany(cx: &mut Cx, count: i32, requests: u32, index: u32, status: u32) -> MpiResult<()> {
    let mut b = Batch::new(cx, count, requests, 0)?;
    check_ints(cx, index, 1)?;
    cx.check_status(status)?;
    let (mut at, mut st) = (0, empty_status());
    // SAFETY: an array of `count` host requests; valid out-pointers.
    let rc = unsafe { ffi::MPI_Waitany(count, b.hosts.as_mut_ptr(), &mut at, &mut st) };
    b.settle(cx, requests)?;
    let result = cx.check(rc);
    cx.write_i32(index, undefined_to_guest(cx, at))?;
    cx.write_status(status, &st)?;
    result
}

fn testany(
    cx: &mut Cx,
    count: i32,
    requests: u32,
    index: u32,
    flag: u32,
    status: u32,
) -> MpiResult<()> {
    let mut b = Batch::new(cx, count, requests, 0)?;
    check_ints(cx, index, 1)?;
    check_ints(cx, flag, 1)?;
    cx.check_status(status)?;
    let (mut at, mut done, mut st) = (0, 0, empty_status());
    // SAFETY: an array of `count` host requests; valid out-pointers.
    let rc = unsafe { ffi::MPI_Testany(count, b.hosts.as_mut_ptr(), &mut at, &mut done, &mut st) };
    b.settle(cx, requests)?;
    let result = cx.check(rc);
    cx.write_i32(index, undefined_to_guest(cx, at))?;
    cx.write_i32(flag, done)?;
    if done != 0 || result.is_err() {
        cx.write_status(status, &st)?;
    }
    result
}

type SomeFn = unsafe extern "C" fn(
    c_int,
    *mut ffi::MPI_Request,
    *mut c_int,
    *mut c_int,
    *mut ffi::MPI_Status,
) -> c_int;

/// `MPI_Waitsome` and `MPI_Testsome`: `outcount` completed requests, their indices and
/// statuses (packed at the front of the arrays), or `MPI_UNDEFINED` when no request is active.
fn some_with(
    cx: &mut Cx,
    f: SomeFn,
    incount: i32,
    requests: u32,
    outcount: u32,
    indices: u32,
    statuses: u32,
) -> MpiResult<()> {
    let mut b = Batch::new(cx, incount, requests, statuses)?;
    check_ints(cx, outcount, 1)?;
    check_ints(cx, indices, b.handles.len())?;
    let mut out = 0;
    let mut at: Vec<c_int> = vec![0; b.handles.len()];
    // SAFETY: arrays of `incount` host requests, indices and statuses; a valid out-pointer.
    let rc = unsafe {
        f(
            incount,
            b.hosts.as_mut_ptr(),
            &mut out,
            at.as_mut_ptr(),
            b.statuses.as_mut_ptr(),
        )
    };
    b.settle(cx, requests)?;
    let result = cx.check(rc);
    cx.write_i32(outcount, undefined_to_guest(cx, out))?;
    if let Ok(n) = usize::try_from(out) {
        let n = n.min(at.len());
        cx.write_i32s(indices, &at[..n])?;
        if statuses_valid(&result) {
            write_first_statuses(cx, statuses, &b.statuses, n)?;
        }
    }
    result
}

fn waitsome(
    cx: &mut Cx,
    incount: i32,
    requests: u32,
    outcount: u32,
    indices: u32,
    statuses: u32,
) -> MpiResult<()> {
    some_with(
        cx,
        ffi::MPI_Waitsome,
        incount,
        requests,
        outcount,
        indices,
        statuses,
    )
}

fn testsome(
    cx: &mut Cx,
    incount: i32,
    requests: u32,
    outcount: u32,
    indices: u32,
    statuses: u32,
) -> MpiResult<()> {
    some_with(
        cx,
        ffi::MPI_Testsome,
        incount,
        requests,
        outcount,
        indices,
        statuses,
    )
}

// ---------------------------------------------------------------------------------------------
// Persistent requests.

fn send_init(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    super::p2p::isend_with(
        true,
        cx,
        ffi::MPI_Send_init,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

fn ssend_init(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    super::p2p::isend_with(
        true,
        cx,
        ffi::MPI_Ssend_init,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

fn bsend_init(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    super::p2p::isend_with(
        true,
        cx,
        ffi::MPI_Bsend_init,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

fn rsend_init(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    dest: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    super::p2p::isend_with(
        true,
        cx,
        ffi::MPI_Rsend_init,
        buf,
        count,
        datatype,
        dest,
        tag,
        comm,
        request,
    )
}

fn recv_init(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    source: i32,
    tag: i32,
    comm: i32,
    request: u32,
) -> MpiResult<()> {
    super::p2p::irecv_with(
        true,
        cx,
        ffi::MPI_Recv_init,
        buf,
        count,
        datatype,
        source,
        tag,
        comm,
        request,
    )
}

/// The host request behind a guest handle that must name a persistent request.
fn persistent_request(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Request> {
    let host = live_request(cx, handle)?;
    match cx.mpi.requests.get(handle) {
        Some(r) if r.persistent => Ok(host),
        _ => Err(MpiError::new(
            abi::MPI_ERR_REQUEST,
            format!("request handle {handle} is not a persistent request"),
        )),
    }
}

fn start(cx: &mut Cx, request: u32) -> MpiResult<()> {
    let handle = cx.read_i32(request)?;
    let mut host = persistent_request(cx, handle)?;
    // SAFETY: a live persistent host request.
    let rc = unsafe { ffi::MPI_Start(&mut host) };
    settle(cx, handle, host);
    cx.check(rc)
}

fn startall(cx: &mut Cx, count: i32, requests: u32) -> MpiResult<()> {
    let mut handles = cx.read_i32s(requests, count)?;
    check_distinct(&handles)?;
    let mut hosts = handles
        .iter()
        .map(|&h| persistent_request(cx, h))
        .collect::<MpiResult<Vec<_>>>()?;
    // SAFETY: an array of `count` live persistent host requests.
    let rc = unsafe { ffi::MPI_Startall(count, hosts.as_mut_ptr()) };
    settle_all(cx, requests, &mut handles, &hosts)?;
    cx.check(rc)
}

// ---------------------------------------------------------------------------------------------
// Cancelling, freeing, inspecting.

fn cancel(cx: &mut Cx, request: u32) -> MpiResult<()> {
    let handle = cx.read_i32(request)?;
    let mut host = live_request(cx, handle)?;
    // SAFETY: a live host request.
    cx.check(unsafe { ffi::MPI_Cancel(&mut host) })
}

fn request_free(cx: &mut Cx, request: u32) -> MpiResult<()> {
    let handle = cx.read_i32(request)?;
    let mut host = live_request(cx, handle)?;
    let mut done = 1;
    if cx
        .mpi
        .requests
        .get(handle)
        .is_some_and(|r| r.keep.is_some())
    {
        let mut st = empty_status();
        // SAFETY: a live host request and valid out-pointers; does not free the request.
        cx.check(unsafe { ffi::MPI_Request_get_status(host, &mut done, &mut st) })?;
    }
    // SAFETY: a live host request.
    cx.check(unsafe { ffi::MPI_Request_free(&mut host) })?;
    if let Some(r) = cx.mpi.requests.remove(handle) {
        if done == 0 {
            // The host MPI may still read the converted arguments until the operation
            // completes, which can no longer be observed: they must outlive it.
            std::mem::forget(r.keep);
        }
    }
    cx.write_i32(request, abi::MPI_REQUEST_NULL)
}

fn request_get_status(cx: &mut Cx, request: i32, flag: u32, status: u32) -> MpiResult<()> {
    let host = host_request(cx, request)?;
    check_ints(cx, flag, 1)?;
    cx.check_status(status)?;
    let (mut done, mut st) = (0, empty_status());
    // SAFETY: a live (or the null) host request and valid out-pointers.
    cx.check(unsafe { ffi::MPI_Request_get_status(host, &mut done, &mut st) })?;
    cx.write_i32(flag, done)?;
    if done != 0 {
        cx.write_status(status, &st)?;
    }
    Ok(())
}

fn test_cancelled(cx: &mut Cx, status: u32, flag: u32) -> MpiResult<()> {
    let at = guest::offset(status, abi::STATUS_CANCELLED)?;
    let cancelled = guest::read_u32(cx.mem(), at)?;
    cx.write_i32(flag, i32::from(cancelled != 0))
}

/// Basic elements of `datatype` in the bytes a guest status records as received.
///
/// The guest status holds only the byte count, so the host computes the elements on a host
/// status carrying that byte count (`MPI_Status_set_elements_x` with `MPI_BYTE`): derived
/// datatypes are built on the host with the guest's layout and predefined guest types map to
/// host types of the same size and element structure, so the host's answer is the guest's,
/// partial elements and `MPI_UNDEFINED` included.
fn elements(cx: &mut Cx, status: u32, datatype: i32) -> MpiResult<ffi::MPI_Count> {
    let dt = cx.datatype(datatype)?;
    let bytes = guest::read_u64(cx.mem(), guest::offset(status, abi::STATUS_COUNT)?)? as i64;
    let byte = cx.mpi.byte_datatype;
    let mut st = empty_status();
    // SAFETY: a valid host status and predefined datatype.
    cx.check(unsafe { ffi::MPI_Status_set_elements_x(&mut st, byte, bytes) })?;
    let mut n: ffi::MPI_Count = 0;
    // SAFETY: a valid host status, a live datatype and a valid out-pointer.
    cx.check(unsafe { ffi::MPI_Get_elements_x(&st, dt.host, &mut n) })?;
    if n == ffi::MPI_Count::from(cx.mpi.rank_to_host(abi::MPI_UNDEFINED)) {
        return Ok(abi::MPI_UNDEFINED.into());
    }
    Ok(n)
}

fn get_elements(cx: &mut Cx, status: u32, datatype: i32, count: u32) -> MpiResult<()> {
    let n = elements(cx, status, datatype)?;
    cx.write_i32(count, i32::try_from(n).unwrap_or(abi::MPI_UNDEFINED))
}

fn get_elements_x(cx: &mut Cx, status: u32, datatype: i32, count: u32) -> MpiResult<()> {
    let n = elements(cx, status, datatype)?;
    Ok(guest::write_u64(cx.mem(), count, n as u64)?)
}

// ---------------------------------------------------------------------------------------------
// Buffered sends: the attached buffer.

/// The host buffer standing in for the guest's attached buffer.
///
/// The guest's buffer is checked but not handed to the host MPI: the host keeps its own
/// bookkeeping inside the attached buffer (Open MPI's allocator stores each block's size in
/// front of it and trusts it when the block is freed), which the guest could overwrite to make
/// the host write outside the buffer. The host gets a buffer of the same size instead; the
/// guest's `MPI_BSEND_OVERHEAD` (256) is at least the host's (Open MPI 4.1: 128, MPICH: under
/// 100), so a buffer the guest sized by its rules holds what the host needs.
struct AttachedBuffer {
    guest_addr: u32,
    size: i32,
    host: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the buffer is plain memory owned by this value; the host MPI only uses it while it
// is attached, and MPI calls come from one thread.
unsafe impl Send for AttachedBuffer {}

impl Drop for AttachedBuffer {
    fn drop(&mut self) {
        // SAFETY: allocated in buffer_attach with this layout, and detached from the host MPI
        // before being dropped.
        unsafe { std::alloc::dealloc(self.host.as_ptr(), self.layout) }
    }
}

/// The buffer attached to the host MPI, which has one per process.
static ATTACHED: Mutex<Option<AttachedBuffer>> = Mutex::new(None);

fn buffer_attach(cx: &mut Cx, buffer: u32, size: i32) -> MpiResult<()> {
    let Ok(len) = u32::try_from(size) else {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("negative buffer size {size}"),
        ));
    };
    if buffer == 0 {
        return Err(MpiError::new(abi::MPI_ERR_ARG, "null buffer"));
    }
    if guest::range(cx.mem().len(), buffer, len).is_err() {
        return Err(MpiError::new(
            abi::MPI_ERR_BUFFER,
            format!(
                "buffer [{buffer:#x}, {:#x}) lies outside linear memory",
                u64::from(buffer) + u64::from(len)
            ),
        ));
    }
    let mut attached = ATTACHED.lock().unwrap_or_else(|e| e.into_inner());
    if attached.is_some() {
        return Err(MpiError::new(
            abi::MPI_ERR_BUFFER,
            "a buffer is already attached",
        ));
    }
    let layout = Layout::from_size_align(len.max(1) as usize, 16)
        .map_err(|_| MpiError::new(abi::MPI_ERR_NO_MEM, "buffer too large"))?;
    // SAFETY: layout has a non-zero size.
    let host = NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) }).ok_or_else(|| {
        MpiError::new(
            abi::MPI_ERR_NO_MEM,
            format!("cannot allocate a {size}-byte buffer"),
        )
    })?;
    let buf = AttachedBuffer {
        guest_addr: buffer,
        size,
        host,
        layout,
    };
    // SAFETY: `size` bytes of host memory owned by `buf`, which outlives the attachment.
    cx.check(unsafe { ffi::MPI_Buffer_attach(buf.host.as_ptr().cast::<c_void>(), size) })?;
    *attached = Some(buf);
    Ok(())
}

fn buffer_detach(cx: &mut Cx, buffer_addr: u32, size: u32) -> MpiResult<()> {
    check_ints(cx, buffer_addr, 1)?;
    check_ints(cx, size, 1)?;
    let mut attached = ATTACHED.lock().unwrap_or_else(|e| e.into_inner());
    if attached.is_none() {
        // Only this module attaches buffers to the host MPI, so it has none either (Open MPI
        // 4.1 would return an internal code that is no MPI error code).
        return Err(MpiError::new(abi::MPI_ERR_BUFFER, "no buffer is attached"));
    }
    let mut host: *mut c_void = std::ptr::null_mut();
    let mut host_size: c_int = 0;
    // SAFETY: valid out-pointers (MPI_Buffer_detach's first argument is a `void **`); blocks
    // until the buffered messages are sent.
    cx.check(unsafe {
        ffi::MPI_Buffer_detach((&mut host as *mut *mut c_void).cast(), &mut host_size)
    })?;
    let (addr, len) = match attached.take() {
        Some(buf) if buf.host.as_ptr().cast() == host => (buf.guest_addr, buf.size),
        other => {
            *attached = other;
            (0, host_size)
        }
    };
    cx.write_i32(buffer_addr, addr as i32)?;
    cx.write_i32(size, len)
}

// ---------------------------------------------------------------------------------------------
// Matched probes and receives.

/// The guest handle for a host message from a matched probe.
fn message_to_guest(cx: &mut Cx, host: ffi::MPI_Message) -> i32 {
    // SAFETY: reading immutable handles exported by the host MPI shim.
    let (null, no_proc) = unsafe { (ffi::RSMPI_MESSAGE_NULL, ffi::RSMPI_MESSAGE_NO_PROC) };
    if host == no_proc {
        abi::MPI_MESSAGE_NO_PROC
    } else if host == null {
        abi::MPI_MESSAGE_NULL
    } else {
        cx.mpi.messages.insert(host)
    }
}

/// The host message behind guest handle `handle` (`MPI_MESSAGE_NULL` is refused, like Open
/// MPI does, with `MPI_ERR_REQUEST`: MPI has no message error class).
fn host_message(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Message> {
    cx.mpi.messages.get(handle).copied().ok_or_else(|| {
        MpiError::new(
            abi::MPI_ERR_REQUEST,
            format!("invalid message handle {handle}"),
        )
    })
}

/// After a matched receive: frees the guest message once the host consumed it.
fn settle_message(cx: &mut Cx, message: u32, handle: i32, host: ffi::MPI_Message) -> MpiResult<()> {
    // SAFETY: reading an immutable handle exported by the host MPI shim.
    if host == unsafe { ffi::RSMPI_MESSAGE_NULL } {
        cx.mpi.messages.remove(handle);
        cx.write_i32(message, abi::MPI_MESSAGE_NULL)?;
    }
    Ok(())
}

fn mprobe(
    cx: &mut Cx,
    source: i32,
    tag: i32,
    comm: i32,
    message: u32,
    status: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    check_ints(cx, message, 1)?;
    cx.check_status(status)?;
    let (source, tag) = (cx.mpi.rank_to_host(source), cx.mpi.tag_to_host(tag));
    // SAFETY: reading an immutable handle exported by the host MPI shim.
    let mut msg = unsafe { ffi::RSMPI_MESSAGE_NULL };
    let mut st = empty_status();
    // SAFETY: a live communicator and valid out-pointers.
    cx.check(unsafe { ffi::MPI_Mprobe(source, tag, comm, &mut msg, &mut st) })?;
    let handle = message_to_guest(cx, msg);
    cx.write_i32(message, handle)?;
    cx.write_status(status, &st)
}

fn improbe(
    cx: &mut Cx,
    source: i32,
    tag: i32,
    comm: i32,
    flag: u32,
    message: u32,
    status: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    check_ints(cx, flag, 1)?;
    check_ints(cx, message, 1)?;
    cx.check_status(status)?;
    let (source, tag) = (cx.mpi.rank_to_host(source), cx.mpi.tag_to_host(tag));
    // SAFETY: reading an immutable handle exported by the host MPI shim.
    let mut msg = unsafe { ffi::RSMPI_MESSAGE_NULL };
    let (mut found, mut st) = (0, empty_status());
    // SAFETY: a live communicator and valid out-pointers.
    cx.check(unsafe { ffi::MPI_Improbe(source, tag, comm, &mut found, &mut msg, &mut st) })?;
    cx.write_i32(flag, found)?;
    if found != 0 {
        let handle = message_to_guest(cx, msg);
        cx.write_i32(message, handle)?;
        cx.write_status(status, &st)?;
    }
    Ok(())
}

fn mrecv(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    message: u32,
    status: u32,
) -> MpiResult<()> {
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    let handle = cx.read_i32(message)?;
    cx.check_status(status)?;
    let mut msg = host_message(cx, handle)?;
    let mut st = empty_status();
    // SAFETY: checked buffer, a live host message, valid out-pointers.
    let rc = unsafe { ffi::MPI_Mrecv(ptr, count, dt, &mut msg, &mut st) };
    settle_message(cx, message, handle, msg)?;
    cx.check(rc)?;
    cx.write_status(status, &st)
}

fn imrecv(
    cx: &mut Cx,
    buf: u32,
    count: i32,
    datatype: i32,
    message: u32,
    request: u32,
) -> MpiResult<()> {
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    let handle = cx.read_i32(message)?;
    start_request(cx, request, false, None, |cx, req| {
        let mut msg = host_message(cx, handle)?;
        // SAFETY: checked buffer (valid until completion: linear memory never moves or
        // shrinks), a live host message, valid out-pointers.
        let rc = unsafe { ffi::MPI_Imrecv(ptr, count, dt, &mut msg, req) };
        settle_message(cx, message, handle, msg)?;
        cx.check(rc)
    })
}

super::mpi_functions! {
    wait => MPI_Wait(request: u32, status: u32);
    test => MPI_Test(request: u32, flag: u32, status: u32);
    waitall => MPI_Waitall(count: i32, requests: u32, statuses: u32);
    testall => MPI_Testall(count: i32, requests: u32, flag: u32, statuses: u32);
    waitany => MPI_Waitany(count: i32, requests: u32, index: u32, status: u32);
    testany => MPI_Testany(count: i32, requests: u32, index: u32, flag: u32, status: u32);
    waitsome => MPI_Waitsome(incount: i32, requests: u32, outcount: u32, indices: u32, statuses: u32);
    testsome => MPI_Testsome(incount: i32, requests: u32, outcount: u32, indices: u32, statuses: u32);
    send_init => MPI_Send_init(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    ssend_init => MPI_Ssend_init(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    bsend_init => MPI_Bsend_init(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    rsend_init => MPI_Rsend_init(buf: u32, count: i32, datatype: i32, dest: i32, tag: i32, comm: i32, request: u32);
    recv_init => MPI_Recv_init(buf: u32, count: i32, datatype: i32, source: i32, tag: i32, comm: i32, request: u32);
    start => MPI_Start(request: u32);
    startall => MPI_Startall(count: i32, requests: u32);
    cancel => MPI_Cancel(request: u32);
    request_free => MPI_Request_free(request: u32);
    request_get_status => MPI_Request_get_status(request: i32, flag: u32, status: u32);
    test_cancelled => MPI_Test_cancelled(status: u32, flag: u32);
    get_elements => MPI_Get_elements(status: u32, datatype: i32, count: u32);
    get_elements_x => MPI_Get_elements_x(status: u32, datatype: i32, count: u32);
    buffer_attach => MPI_Buffer_attach(buffer: u32, size: i32);
    buffer_detach => MPI_Buffer_detach(buffer_addr: u32, size: u32);
    mprobe => MPI_Mprobe(source: i32, tag: i32, comm: i32, message: u32, status: u32);
    improbe => MPI_Improbe(source: i32, tag: i32, comm: i32, flag: u32, message: u32, status: u32);
    mrecv => MPI_Mrecv(buf: u32, count: i32, datatype: i32, message: u32, status: u32);
    imrecv => MPI_Imrecv(buf: u32, count: i32, datatype: i32, message: u32, request: u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_guest_abi() {
        for f in functions()
            .into_iter()
            .chain(super::super::p2p::functions())
        {
            let sig = abi::signature(f.name).unwrap_or_else(|| panic!("{} not in the ABI", f.name));
            assert_eq!(f.params, sig.params, "{}", f.name);
            assert_eq!(f.results, &[sig.result], "{}", f.name);
        }
    }

    #[test]
    fn duplicate_requests_are_refused_nulls_are_not() {
        assert!(check_distinct(&[]).is_ok());
        assert!(check_distinct(&[0, 0, 256, 257]).is_ok());
        assert!(check_distinct(&[256, 0, 256]).is_err());
        let many: Vec<i32> = (256..300).chain([0, 0]).collect();
        assert!(check_distinct(&many).is_ok());
        let mut dup = many.clone();
        dup.push(280);
        assert!(check_distinct(&dup).is_err());
    }
}

//! One-sided communication (RMA): windows over guest memory, their synchronisation and the
//! put/get/accumulate operations.
//!
//! A window's memory is guest linear memory, which never moves, so the host MPI gets a
//! pointer into it and targets access it directly, zero-copy. `MPI_Win_create` checks that
//! `[base, base + size)` lies inside memory. `MPI_Win_allocate` cannot call the guest's
//! `malloc` (calling into a command module from the host would re-run its constructors), so
//! it grows linear memory from the host by whole pages and creates the window over the new
//! pages: that memory belongs to no guest allocator and is never returned, not even by
//! `MPI_Win_free` (wasm memory cannot shrink). `MPI_Win_allocate_shared`, dynamic windows
//! (`MPI_Win_create_dynamic`, whose displacements are target addresses the origin cannot
//! translate) and `MPI_Win_shared_query` are not provided.
//!
//! Origin and result buffers are checked against linear memory like any buffer; target
//! displacements and counts are interpreted by the host MPI at the target, which checks them
//! against that window (its bounds are those the target checked at creation).
//!
//! Errors of window operations go to the window's error handler, `MPI_ERRORS_ARE_FATAL` as
//! the standard says (the guest header has no `MPI_Win_set_errhandler`); errors of window
//! creation go to the communicator's.
//!
//! `MPI_Win_get_attr` returns, as the standard asks, the base address itself for
//! `MPI_WIN_BASE` and a pointer to the value for the other predefined attributes. Those values
//! must live in guest memory as long as the window: they are kept in pages the launcher grows
//! linear memory by, once (one page holds the values of 4096 windows, indexed by handle).

use super::cx::{Cx, MpiError, MpiResult};
use super::requests::start_request;
use super::state::Mpi;
use crate::host::{Caller, HostFunc, VmCtx};
use mpi::ffi;
use std::ffi::{c_int, c_void};
use std::sync::OnceLock;
use wasmpi_abi::mpi as abi;
use wasmpi_abi::WASM_PAGE_SIZE;

/// A window.
pub struct Win {
    /// Host handle.
    pub host: ffi::MPI_Win,
    /// Guest address of the window's memory.
    pub base: u32,
    /// Size in bytes.
    pub size: u32,
    /// Displacement unit.
    pub disp_unit: i32,
    /// Guest `MPI_WIN_FLAVOR_*` (the host sees every window as created over given memory).
    pub flavor: i32,
    /// Guest error handler.
    pub errhandler: i32,
}

/// Bytes of attribute values per window: size, displacement unit, flavor, model.
const ATTR_SLOT: u32 = 16;
/// Windows whose attribute values fit in one page.
const ATTR_SLOTS_PER_PAGE: u32 = (WASM_PAGE_SIZE as u32) / ATTR_SLOT;

/// Host values of the RMA constants, looked up once per process (they are the host MPI's).
struct HostValues {
    /// (guest, host) assertion bits.
    asserts: [(i32, i32); 5],
    lock_exclusive: i32,
    lock_shared: i32,
    model_keyval: i32,
    unified: i32,
}

fn host_values(mpi: &Mpi) -> &'static HostValues {
    static VALUES: OnceLock<HostValues> = OnceLock::new();
    VALUES.get_or_init(|| {
        let h = |name| mpi.host.int(name);
        HostValues {
            asserts: [
                (abi::MPI_MODE_NOCHECK, h("MPI_MODE_NOCHECK")),
                (abi::MPI_MODE_NOSTORE, h("MPI_MODE_NOSTORE")),
                (abi::MPI_MODE_NOPUT, h("MPI_MODE_NOPUT")),
                (abi::MPI_MODE_NOPRECEDE, h("MPI_MODE_NOPRECEDE")),
                (abi::MPI_MODE_NOSUCCEED, h("MPI_MODE_NOSUCCEED")),
            ],
            lock_exclusive: h("MPI_LOCK_EXCLUSIVE"),
            lock_shared: h("MPI_LOCK_SHARED"),
            model_keyval: h("MPI_WIN_MODEL"),
            unified: h("MPI_WIN_UNIFIED"),
        }
    })
}

/// Host assertion bits of guest `assert` (0 stays 0 without a lookup).
fn assert_to_host(cx: &Cx, assert: i32) -> MpiResult<i32> {
    if assert == 0 {
        return Ok(0);
    }
    let table = &host_values(cx.mpi).asserts;
    let known = table.iter().fold(0, |acc, (g, _)| acc | g);
    if assert & !known != 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_ASSERT,
            format!("invalid assertion {assert:#x}"),
        ));
    }
    Ok(table
        .iter()
        .filter(|(g, _)| assert & g != 0)
        .fold(0, |acc, (_, h)| acc | h))
}

fn lock_type_to_host(cx: &Cx, lock_type: i32) -> MpiResult<i32> {
    let values = host_values(cx.mpi);
    match lock_type {
        abi::MPI_LOCK_EXCLUSIVE => Ok(values.lock_exclusive),
        abi::MPI_LOCK_SHARED => Ok(values.lock_shared),
        other => Err(MpiError::new(
            abi::MPI_ERR_LOCKTYPE,
            format!("invalid lock type {other}"),
        )),
    }
}

/// The window behind guest handle `handle`; errors of this call then go to its handler.
fn win(cx: &mut Cx, handle: i32) -> MpiResult<ffi::MPI_Win> {
    match cx.mpi.wins.get(handle) {
        Some(w) => {
            let (host, errhandler) = (w.host, w.errhandler);
            cx.set_errhandler(errhandler);
            Ok(host)
        }
        None => {
            cx.set_errhandler(abi::MPI_ERRORS_ARE_FATAL);
            Err(MpiError::new(
                abi::MPI_ERR_WIN,
                format!("invalid window handle {handle}"),
            ))
        }
    }
}

/// The host info for a guest info argument. Hints are optional and wasmpi passes none on
/// (the standard lets an implementation ignore every hint), so every valid handle becomes
/// the host's `MPI_INFO_NULL`; a handle that cannot be an info object is refused.
pub(super) fn info_hints(cx: &Cx, info: i32) -> MpiResult<ffi::MPI_Info> {
    if info == abi::MPI_INFO_NULL || info == abi::MPI_INFO_ENV || info >= abi::FIRST_DYNAMIC_HANDLE
    {
        Ok(cx.mpi.host.infos["MPI_INFO_NULL"])
    } else {
        Err(MpiError::new(
            abi::MPI_ERR_INFO,
            format!("invalid info handle {info}"),
        ))
    }
}

/// The NUL-terminated guest string at `addr` without its NUL, and whether it ends within
/// `max` bytes (if not, its first `max` bytes). A string running off the end of memory is an
/// error.
pub(super) fn c_string(cx: &mut Cx, addr: u32, max: usize) -> MpiResult<(Vec<u8>, bool)> {
    let mem = cx.mem();
    let start = usize::try_from(addr).map_err(|_| crate::guest::OutOfBounds)?;
    let end = mem.len().min(start.saturating_add(max.saturating_add(1)));
    let window = mem.get(start..end).ok_or(crate::guest::OutOfBounds)?;
    match window.iter().position(|&b| b == 0) {
        Some(n) => Ok((window[..n].to_vec(), true)),
        None if window.len() > max => Ok((window[..max].to_vec(), false)),
        None => Err(crate::guest::OutOfBounds.into()),
    }
}

/// Checks a guest window size (`MPI_Aint`, 4 bytes) and displacement unit.
fn check_size(size: i32, disp_unit: i32) -> MpiResult<u32> {
    let size = u32::try_from(size)
        .map_err(|_| MpiError::new(abi::MPI_ERR_SIZE, format!("negative window size {size}")))?;
    if disp_unit <= 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_DISP,
            format!("invalid displacement unit {disp_unit}"),
        ));
    }
    Ok(size)
}

/// Creates the host window over `[base, base + size)` of guest memory (already checked) and
/// the guest handle for it, written to `out`.
fn create_window(
    cx: &mut Cx,
    base: u32,
    size: u32,
    disp_unit: i32,
    info: i32,
    comm: ffi::MPI_Comm,
    flavor: i32,
    out: u32,
) -> MpiResult<()> {
    let info = info_hints(cx, info)?;
    let ptr: *mut c_void = if size == 0 {
        std::ptr::null_mut()
    } else {
        crate::guest::slice_mut(cx.mem(), base, size)?
            .as_mut_ptr()
            .cast()
    };
    // SAFETY: reading an immutable handle exported by the host MPI shim.
    let mut host = unsafe { ffi::RSMPI_WIN_NULL };
    // SAFETY: [ptr, ptr + size) lies in linear memory, which stays mapped at the same address
    // for the instance's whole life (it never moves or shrinks); live handles; valid
    // out-pointer.
    cx.check(unsafe {
        ffi::MPI_Win_create(ptr, size as ffi::MPI_Aint, disp_unit, info, comm, &mut host)
    })?;
    let errors_return = cx.mpi.host.errhandlers["MPI_ERRORS_RETURN"];
    // SAFETY: a window just created, a predefined error handler.
    cx.check(unsafe { ffi::MPI_Win_set_errhandler(host, errors_return) })?;
    let handle = cx.mpi.wins.insert(Win {
        host,
        base,
        size,
        disp_unit,
        flavor,
        errhandler: abi::MPI_ERRORS_ARE_FATAL,
    });
    cx.write_i32(out, handle)
}

fn win_create(
    cx: &mut Cx,
    base: u32,
    size: i32,
    disp_unit: i32,
    info: i32,
    comm: i32,
    out: u32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let size = check_size(size, disp_unit)?;
    cx.write_i32(out, abi::MPI_WIN_NULL)?;
    let end = u64::from(base) + u64::from(size);
    let memory = cx.mem().len() as u64;
    if size > 0 && u64::from(base) >= memory {
        return Err(MpiError::new(
            abi::MPI_ERR_BASE,
            format!("window base {base:#x} lies outside linear memory [0, {memory:#x})"),
        ));
    }
    if end > memory {
        return Err(MpiError::new(
            abi::MPI_ERR_SIZE,
            format!("window [{base:#x}, {end:#x}) crosses the end of linear memory ({memory:#x})"),
        ));
    }
    create_window(
        cx,
        base,
        size,
        disp_unit,
        info,
        comm,
        abi::MPI_WIN_FLAVOR_CREATE,
        out,
    )
}

fn win_free(cx: &mut Cx, handle_at: u32) -> MpiResult<()> {
    let handle = cx.read_i32(handle_at)?;
    let mut host = win(cx, handle)?;
    // SAFETY: a live window; the host sets it to MPI_WIN_NULL.
    cx.check(unsafe { ffi::MPI_Win_free(&mut host) })?;
    cx.mpi.wins.remove(handle);
    cx.write_i32(handle_at, abi::MPI_WIN_NULL)
}

fn win_fence(cx: &mut Cx, assert: i32, handle: i32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    let assert = assert_to_host(cx, assert)?;
    // SAFETY: a live window.
    cx.check(unsafe { ffi::MPI_Win_fence(assert, host) })
}

fn win_lock(cx: &mut Cx, lock_type: i32, rank: i32, assert: i32, handle: i32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    let lock_type = lock_type_to_host(cx, lock_type)?;
    let assert = assert_to_host(cx, assert)?;
    let rank = cx.mpi.rank_to_host(rank);
    // SAFETY: a live window.
    cx.check(unsafe { ffi::MPI_Win_lock(lock_type, rank, assert, host) })
}

fn win_lock_all(cx: &mut Cx, assert: i32, handle: i32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    let assert = assert_to_host(cx, assert)?;
    // SAFETY: a live window.
    cx.check(unsafe { ffi::MPI_Win_lock_all(assert, host) })
}

type RankFn = unsafe extern "C" fn(c_int, ffi::MPI_Win) -> c_int;

fn with_rank(cx: &mut Cx, f: RankFn, rank: i32, handle: i32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    let rank = cx.mpi.rank_to_host(rank);
    // SAFETY: a live window.
    cx.check(unsafe { f(rank, host) })
}

fn win_unlock(cx: &mut Cx, rank: i32, handle: i32) -> MpiResult<()> {
    with_rank(cx, ffi::MPI_Win_unlock, rank, handle)
}

fn win_flush(cx: &mut Cx, rank: i32, handle: i32) -> MpiResult<()> {
    with_rank(cx, ffi::MPI_Win_flush, rank, handle)
}

fn win_flush_local(cx: &mut Cx, rank: i32, handle: i32) -> MpiResult<()> {
    with_rank(cx, ffi::MPI_Win_flush_local, rank, handle)
}

type WinFn = unsafe extern "C" fn(ffi::MPI_Win) -> c_int;

fn with_win(cx: &mut Cx, f: WinFn, handle: i32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    // SAFETY: a live window.
    cx.check(unsafe { f(host) })
}

fn win_unlock_all(cx: &mut Cx, handle: i32) -> MpiResult<()> {
    with_win(cx, ffi::MPI_Win_unlock_all, handle)
}

fn win_flush_all(cx: &mut Cx, handle: i32) -> MpiResult<()> {
    with_win(cx, ffi::MPI_Win_flush_all, handle)
}

fn win_flush_local_all(cx: &mut Cx, handle: i32) -> MpiResult<()> {
    with_win(cx, ffi::MPI_Win_flush_local_all, handle)
}

fn win_sync(cx: &mut Cx, handle: i32) -> MpiResult<()> {
    with_win(cx, ffi::MPI_Win_sync, handle)
}

fn win_complete(cx: &mut Cx, handle: i32) -> MpiResult<()> {
    with_win(cx, ffi::MPI_Win_complete, handle)
}

fn win_wait(cx: &mut Cx, handle: i32) -> MpiResult<()> {
    with_win(cx, ffi::MPI_Win_wait, handle)
}

/// The host group behind guest handle `handle`.
fn group(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Group> {
    cx.mpi
        .groups
        .get(handle)
        .copied()
        .ok_or_else(|| MpiError::new(abi::MPI_ERR_GROUP, format!("invalid group handle {handle}")))
}

type GroupFn = unsafe extern "C" fn(ffi::MPI_Group, c_int, ffi::MPI_Win) -> c_int;

fn with_group(
    cx: &mut Cx,
    f: GroupFn,
    group_handle: i32,
    assert: i32,
    handle: i32,
) -> MpiResult<()> {
    let host = win(cx, handle)?;
    let group = group(cx, group_handle)?;
    let assert = assert_to_host(cx, assert)?;
    // SAFETY: a live window and group.
    cx.check(unsafe { f(group, assert, host) })
}

fn win_post(cx: &mut Cx, group: i32, assert: i32, handle: i32) -> MpiResult<()> {
    with_group(cx, ffi::MPI_Win_post, group, assert, handle)
}

fn win_start(cx: &mut Cx, group: i32, assert: i32, handle: i32) -> MpiResult<()> {
    with_group(cx, ffi::MPI_Win_start, group, assert, handle)
}

fn win_test(cx: &mut Cx, handle: i32, flag: u32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    crate::guest::check_writable(cx.mem(), flag, 4)?;
    let mut done = 0;
    // SAFETY: a live window, a valid out-pointer.
    cx.check(unsafe { ffi::MPI_Win_test(host, &mut done) })?;
    cx.write_i32(flag, done)
}

fn win_get_group(cx: &mut Cx, handle: i32, out: u32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    crate::guest::check_writable(cx.mem(), out, 4)?;
    // SAFETY: reading an immutable handle exported by the host MPI shim.
    let mut group = unsafe { ffi::RSMPI_GROUP_NULL };
    // SAFETY: a live window, a valid out-pointer.
    cx.check(unsafe { ffi::MPI_Win_get_group(host, &mut group) })?;
    let handle = cx.mpi.groups.insert(group);
    cx.write_i32(out, handle)
}

fn win_set_name(cx: &mut Cx, handle: i32, name: u32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    let (mut bytes, _) = c_string(cx, name, abi::MPI_MAX_OBJECT_NAME as usize - 1)?;
    bytes.push(0);
    // SAFETY: a live window and a NUL-terminated string (the host copies it).
    cx.check(unsafe { ffi::MPI_Win_set_name(host, bytes.as_ptr().cast()) })
}

fn win_get_name(cx: &mut Cx, handle: i32, name: u32, resultlen: u32) -> MpiResult<()> {
    let host = win(cx, handle)?;
    let mut buf = vec![0u8; 1024];
    let mut len = 0;
    // SAFETY: the buffer is larger than any host MPI_MAX_OBJECT_NAME.
    cx.check(unsafe { ffi::MPI_Win_get_name(host, buf.as_mut_ptr().cast(), &mut len) })?;
    buf.truncate(usize::try_from(len).unwrap_or(0).min(buf.len()));
    super::env::write_string(cx, name, abi::MPI_MAX_OBJECT_NAME as usize, resultlen, &buf)
}

/// A checked origin (or result) buffer, the host target datatype and the host target rank.
struct Target {
    win: ffi::MPI_Win,
    rank: c_int,
    datatype: ffi::MPI_Datatype,
}

fn target(cx: &mut Cx, handle: i32, rank: i32, count: i32, datatype: i32) -> MpiResult<Target> {
    let win = win(cx, handle)?;
    if count < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_COUNT,
            format!("negative target count {count}"),
        ));
    }
    Ok(Target {
        win,
        rank: cx.mpi.rank_to_host(rank),
        datatype: cx.datatype(datatype)?.host,
    })
}

fn put(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    handle: i32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (ptr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    // SAFETY: the origin buffer lies in linear memory (which stays put until the operation
    // completes); live handles. The target side is checked by the target's MPI.
    cx.check(unsafe {
        ffi::MPI_Put(
            ptr,
            origin_count,
            odt,
            t.rank,
            disp as ffi::MPI_Aint,
            target_count,
            t.datatype,
            t.win,
        )
    })
}

fn get(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    handle: i32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (ptr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    // SAFETY: as in `put`.
    cx.check(unsafe {
        ffi::MPI_Get(
            ptr,
            origin_count,
            odt,
            t.rank,
            disp as ffi::MPI_Aint,
            target_count,
            t.datatype,
            t.win,
        )
    })
}

fn accumulate(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    op: i32,
    handle: i32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (ptr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    let op = cx.op(op)?;
    // SAFETY: as in `put`.
    cx.check(unsafe {
        ffi::MPI_Accumulate(
            ptr,
            origin_count,
            odt,
            t.rank,
            disp as ffi::MPI_Aint,
            target_count,
            t.datatype,
            op,
            t.win,
        )
    })
}

fn get_accumulate(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    result: u32,
    result_count: i32,
    result_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    op: i32,
    handle: i32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (optr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    let (rptr, rdt) = cx.typed_buffer(result, result_count, result_type)?;
    let op = cx.op(op)?;
    // SAFETY: as in `put`, for both buffers.
    cx.check(unsafe {
        ffi::MPI_Get_accumulate(
            optr,
            origin_count,
            odt,
            rptr,
            result_count,
            rdt,
            t.rank,
            disp as ffi::MPI_Aint,
            target_count,
            t.datatype,
            op,
            t.win,
        )
    })
}

fn fetch_and_op(
    cx: &mut Cx,
    origin: u32,
    result: u32,
    datatype: i32,
    rank: i32,
    disp: i32,
    op: i32,
    handle: i32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, 1, datatype)?;
    let (optr, dt) = cx.typed_buffer(origin, 1, datatype)?;
    let (rptr, _) = cx.typed_buffer(result, 1, datatype)?;
    let op = cx.op(op)?;
    // SAFETY: one element at each checked buffer; live handles.
    cx.check(unsafe {
        ffi::MPI_Fetch_and_op(optr, rptr, dt, t.rank, disp as ffi::MPI_Aint, op, t.win)
    })
}

fn compare_and_swap(
    cx: &mut Cx,
    origin: u32,
    compare: u32,
    result: u32,
    datatype: i32,
    rank: i32,
    disp: i32,
    handle: i32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, 1, datatype)?;
    let (optr, dt) = cx.typed_buffer(origin, 1, datatype)?;
    let (cptr, _) = cx.typed_buffer(compare, 1, datatype)?;
    let (rptr, _) = cx.typed_buffer(result, 1, datatype)?;
    // SAFETY: one element at each checked buffer; live handles.
    cx.check(unsafe {
        ffi::MPI_Compare_and_swap(optr, cptr, rptr, dt, t.rank, disp as ffi::MPI_Aint, t.win)
    })
}

fn rput(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    handle: i32,
    request: u32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (ptr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    start_request(cx, request, false, None, |cx, req| {
        // SAFETY: as in `put`; valid request out-pointer.
        cx.check(unsafe {
            ffi::MPI_Rput(
                ptr,
                origin_count,
                odt,
                t.rank,
                disp as ffi::MPI_Aint,
                target_count,
                t.datatype,
                t.win,
                req,
            )
        })
    })
}

fn rget(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    handle: i32,
    request: u32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (ptr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    start_request(cx, request, false, None, |cx, req| {
        // SAFETY: as in `put`; valid request out-pointer.
        cx.check(unsafe {
            ffi::MPI_Rget(
                ptr,
                origin_count,
                odt,
                t.rank,
                disp as ffi::MPI_Aint,
                target_count,
                t.datatype,
                t.win,
                req,
            )
        })
    })
}

fn raccumulate(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    op: i32,
    handle: i32,
    request: u32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (ptr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    let op = cx.op(op)?;
    start_request(cx, request, false, None, |cx, req| {
        // SAFETY: as in `put`; valid request out-pointer.
        cx.check(unsafe {
            ffi::MPI_Raccumulate(
                ptr,
                origin_count,
                odt,
                t.rank,
                disp as ffi::MPI_Aint,
                target_count,
                t.datatype,
                op,
                t.win,
                req,
            )
        })
    })
}

fn rget_accumulate(
    cx: &mut Cx,
    origin: u32,
    origin_count: i32,
    origin_type: i32,
    result: u32,
    result_count: i32,
    result_type: i32,
    rank: i32,
    disp: i32,
    target_count: i32,
    target_type: i32,
    op: i32,
    handle: i32,
    request: u32,
) -> MpiResult<()> {
    let t = target(cx, handle, rank, target_count, target_type)?;
    let (optr, odt) = cx.typed_buffer(origin, origin_count, origin_type)?;
    let (rptr, rdt) = cx.typed_buffer(result, result_count, result_type)?;
    let op = cx.op(op)?;
    start_request(cx, request, false, None, |cx, req| {
        // SAFETY: as in `put`, for both buffers; valid request out-pointer.
        cx.check(unsafe {
            ffi::MPI_Rget_accumulate(
                optr,
                origin_count,
                odt,
                rptr,
                result_count,
                rdt,
                t.rank,
                disp as ffi::MPI_Aint,
                target_count,
                t.datatype,
                op,
                t.win,
                req,
            )
        })
    })
}

super::mpi_functions! {
    win_create => MPI_Win_create(base: u32, size: i32, disp_unit: i32, info: i32, comm: i32, win: u32);
    win_free => MPI_Win_free(win: u32);
    win_get_group => MPI_Win_get_group(win: i32, group: u32);
    win_set_name => MPI_Win_set_name(win: i32, win_name: u32);
    win_get_name => MPI_Win_get_name(win: i32, win_name: u32, resultlen: u32);
    win_fence => MPI_Win_fence(assert: i32, win: i32);
    win_lock => MPI_Win_lock(lock_type: i32, rank: i32, assert: i32, win: i32);
    win_unlock => MPI_Win_unlock(rank: i32, win: i32);
    win_lock_all => MPI_Win_lock_all(assert: i32, win: i32);
    win_unlock_all => MPI_Win_unlock_all(win: i32);
    win_flush => MPI_Win_flush(rank: i32, win: i32);
    win_flush_all => MPI_Win_flush_all(win: i32);
    win_flush_local => MPI_Win_flush_local(rank: i32, win: i32);
    win_flush_local_all => MPI_Win_flush_local_all(win: i32);
    win_sync => MPI_Win_sync(win: i32);
    win_post => MPI_Win_post(group: i32, assert: i32, win: i32);
    win_start => MPI_Win_start(group: i32, assert: i32, win: i32);
    win_complete => MPI_Win_complete(win: i32);
    win_wait => MPI_Win_wait(win: i32);
    win_test => MPI_Win_test(win: i32, flag: u32);
    put => MPI_Put(origin_addr: u32, origin_count: i32, origin_datatype: i32, target_rank: i32,
        target_disp: i32, target_count: i32, target_datatype: i32, win: i32);
    get => MPI_Get(origin_addr: u32, origin_count: i32, origin_datatype: i32, target_rank: i32,
        target_disp: i32, target_count: i32, target_datatype: i32, win: i32);
    accumulate => MPI_Accumulate(origin_addr: u32, origin_count: i32, origin_datatype: i32,
        target_rank: i32, target_disp: i32, target_count: i32, target_datatype: i32, op: i32,
        win: i32);
    get_accumulate => MPI_Get_accumulate(origin_addr: u32, origin_count: i32,
        origin_datatype: i32, result_addr: u32, result_count: i32, result_datatype: i32,
        target_rank: i32, target_disp: i32, target_count: i32, target_datatype: i32, op: i32,
        win: i32);
    fetch_and_op => MPI_Fetch_and_op(origin_addr: u32, result_addr: u32, datatype: i32,
        target_rank: i32, target_disp: i32, op: i32, win: i32);
    compare_and_swap => MPI_Compare_and_swap(origin_addr: u32, compare_addr: u32,
        result_addr: u32, datatype: i32, target_rank: i32, target_disp: i32, win: i32);
    rput => MPI_Rput(origin_addr: u32, origin_count: i32, origin_datatype: i32, target_rank: i32,
        target_disp: i32, target_count: i32, target_datatype: i32, win: i32, request: u32);
    rget => MPI_Rget(origin_addr: u32, origin_count: i32, origin_datatype: i32, target_rank: i32,
        target_disp: i32, target_count: i32, target_datatype: i32, win: i32, request: u32);
    raccumulate => MPI_Raccumulate(origin_addr: u32, origin_count: i32, origin_datatype: i32,
        target_rank: i32, target_disp: i32, target_count: i32, target_datatype: i32, op: i32,
        win: i32, request: u32);
    rget_accumulate => MPI_Rget_accumulate(origin_addr: u32, origin_count: i32,
        origin_datatype: i32, result_addr: u32, result_count: i32, result_datatype: i32,
        target_rank: i32, target_disp: i32, target_count: i32, target_datatype: i32, op: i32,
        win: i32, request: u32);
}

// ---------------------------------------------------------------------------------------
// Functions that grow linear memory

/// Fresh guest pages: the address of the first and how many.
type Grown = Option<(u32, u32)>;

/// Runs an MPI function that may need fresh guest memory, in two steps around the growth
/// (a [`Cx`] borrows memory as it is, so it cannot live across one): `plan` checks the
/// arguments and says how many pages to grow by (`None`: no growth); `run` gets where the
/// new pages are, or the error if memory could not grow, and does the work. Errors are
/// handled as in the trampolines of `mpi_functions!`.
///
/// # Safety
/// `vmctx` must be the VM context a host function received from compiled code.
unsafe fn growing(
    vmctx: *mut VmCtx,
    name: &str,
    plan: impl FnOnce(&mut Cx) -> MpiResult<Option<u32>>,
    run: impl FnOnce(&mut Cx, MpiResult<Grown>) -> MpiResult<()>,
) -> i32 {
    // SAFETY: per this function's contract.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let pages = {
        let mut cx = caller.mpi_cx();
        match plan(&mut cx) {
            Ok(pages) => pages,
            Err(error) => return cx.finish(name, Err(error)),
        }
    };
    let grown = match pages {
        None => Ok(None),
        Some(pages) => caller
            .grow_memory(pages)
            .and_then(|end| u32::try_from(end).ok())
            .map(|at| Some((at, pages)))
            .ok_or_else(|| {
                MpiError::new(
                    abi::MPI_ERR_NO_MEM,
                    format!("cannot grow linear memory by {pages} pages"),
                )
            }),
    };
    let mut cx = caller.mpi_cx();
    let result = run(&mut cx, grown);
    cx.finish(name, result)
}

/// Pages holding `size` bytes.
fn pages_for(size: u32) -> u32 {
    size.div_ceil(WASM_PAGE_SIZE as u32)
}

fn win_allocate_plan(
    cx: &mut Cx,
    size: i32,
    disp_unit: i32,
    info: i32,
    comm: i32,
    baseptr: u32,
    out: u32,
) -> MpiResult<Option<u32>> {
    cx.comm(comm)?;
    let size = check_size(size, disp_unit)?;
    info_hints(cx, info)?;
    crate::guest::check_writable(cx.mem(), baseptr, 4)?;
    cx.write_i32(out, abi::MPI_WIN_NULL)?;
    Ok(Some(pages_for(size)))
}

fn win_allocate_run(
    cx: &mut Cx,
    size: i32,
    disp_unit: i32,
    info: i32,
    comm: i32,
    baseptr: u32,
    out: u32,
    grown: MpiResult<Grown>,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let size = check_size(size, disp_unit)?;
    let Some((base, _)) = grown? else {
        return Err(MpiError::new(abi::MPI_ERR_INTERN, "no memory was grown"));
    };
    create_window(
        cx,
        base,
        size,
        disp_unit,
        info,
        comm,
        abi::MPI_WIN_FLAVOR_ALLOCATE,
        out,
    )?;
    cx.write_i32(baseptr, base as i32)
}

unsafe extern "C" fn win_allocate_trampoline(
    vmctx: *mut VmCtx,
    size: i32,
    disp_unit: i32,
    info: i32,
    comm: i32,
    baseptr: u32,
    out: u32,
) -> i32 {
    // SAFETY: compiled wasm calls host functions with its own live VM context.
    unsafe {
        growing(
            vmctx,
            "MPI_Win_allocate",
            |cx| win_allocate_plan(cx, size, disp_unit, info, comm, baseptr, out),
            |cx, grown| win_allocate_run(cx, size, disp_unit, info, comm, baseptr, out, grown),
        )
    }
}

/// Where the attribute values of window `handle` go: (page index, offset in the page).
fn attr_slot(handle: i32) -> MpiResult<(usize, u32)> {
    let index = u32::try_from(handle - abi::FIRST_DYNAMIC_HANDLE)
        .map_err(|_| MpiError::new(abi::MPI_ERR_WIN, format!("invalid window {handle}")))?;
    Ok((
        (index / ATTR_SLOTS_PER_PAGE) as usize,
        (index % ATTR_SLOTS_PER_PAGE) * ATTR_SLOT,
    ))
}

/// Offset of an attribute's value in a window's slot, for keys whose value is behind a
/// pointer.
fn attr_offset(keyval: i32) -> Option<u32> {
    match keyval {
        abi::MPI_WIN_SIZE => Some(0),
        abi::MPI_WIN_DISP_UNIT => Some(4),
        abi::MPI_WIN_CREATE_FLAVOR => Some(8),
        abi::MPI_WIN_MODEL => Some(12),
        _ => None,
    }
}

fn win_get_attr_plan(
    cx: &mut Cx,
    handle: i32,
    keyval: i32,
    value: u32,
    flag: u32,
) -> MpiResult<Option<u32>> {
    win(cx, handle)?;
    crate::guest::check_writable(cx.mem(), value, 4)?;
    crate::guest::check_writable(cx.mem(), flag, 4)?;
    if keyval == abi::MPI_WIN_BASE {
        return Ok(None);
    }
    if attr_offset(keyval).is_none() {
        return Err(MpiError::new(
            abi::MPI_ERR_KEYVAL,
            format!("invalid window attribute key {keyval}"),
        ));
    }
    let (page, _) = attr_slot(handle)?;
    let have = cx.mpi.win_attr_pages.len();
    Ok((page >= have).then(|| (page + 1 - have) as u32))
}

fn win_get_attr_run(
    cx: &mut Cx,
    handle: i32,
    keyval: i32,
    value: u32,
    flag: u32,
    grown: MpiResult<Grown>,
) -> MpiResult<()> {
    let host = win(cx, handle)?;
    if let Some((at, pages)) = grown? {
        for page in 0..pages {
            let address = crate::guest::element(at, page, WASM_PAGE_SIZE as u32)?;
            cx.mpi.win_attr_pages.push(address);
        }
    }
    let w = cx
        .mpi
        .wins
        .get(handle)
        .ok_or_else(|| MpiError::new(abi::MPI_ERR_WIN, "window vanished"))?;
    let (base, size, disp_unit, flavor) = (w.base, w.size, w.disp_unit, w.flavor);
    if keyval == abi::MPI_WIN_BASE {
        cx.write_i32(value, base as i32)?;
        return cx.write_i32(flag, 1);
    }
    let attribute = match keyval {
        abi::MPI_WIN_SIZE => size as i32,
        abi::MPI_WIN_DISP_UNIT => disp_unit,
        abi::MPI_WIN_CREATE_FLAVOR => flavor,
        _ => model(cx, host)?,
    };
    let (page, offset) = attr_slot(handle)?;
    let page = *cx
        .mpi
        .win_attr_pages
        .get(page)
        .ok_or_else(|| MpiError::new(abi::MPI_ERR_NO_MEM, "no page for attribute values"))?;
    let at = crate::guest::offset(page, offset + attr_offset(keyval).unwrap_or(0))?;
    cx.write_i32(at, attribute)?;
    cx.write_i32(value, at as i32)?;
    cx.write_i32(flag, 1)
}

/// The guest `MPI_WIN_MODEL` value of a host window.
fn model(cx: &Cx, host: ffi::MPI_Win) -> MpiResult<i32> {
    let values = host_values(cx.mpi);
    let mut value: *mut c_int = std::ptr::null_mut();
    let mut flag = 0;
    // SAFETY: a live window; for MPI_WIN_MODEL the host stores a pointer to an int it owns.
    cx.check(unsafe {
        ffi::MPI_Win_get_attr(
            host,
            values.model_keyval,
            (&mut value as *mut *mut c_int).cast::<c_void>(),
            &mut flag,
        )
    })?;
    if flag == 0 || value.is_null() {
        return Err(MpiError::new(
            abi::MPI_ERR_WIN,
            "the host has no memory model",
        ));
    }
    // SAFETY: the host returned a valid pointer to its attribute value.
    let host_model = unsafe { *value };
    Ok(if host_model == values.unified {
        abi::MPI_WIN_UNIFIED
    } else {
        abi::MPI_WIN_SEPARATE
    })
}

unsafe extern "C" fn win_get_attr_trampoline(
    vmctx: *mut VmCtx,
    handle: i32,
    keyval: i32,
    value: u32,
    flag: u32,
) -> i32 {
    // SAFETY: compiled wasm calls host functions with its own live VM context.
    unsafe {
        growing(
            vmctx,
            "MPI_Win_get_attr",
            |cx| win_get_attr_plan(cx, handle, keyval, value, flag),
            |cx, grown| win_get_attr_run(cx, handle, keyval, value, flag, grown),
        )
    }
}

/// The functions that may grow linear memory (hand-written trampolines).
pub(super) fn special_functions() -> Vec<HostFunc> {
    use wasmpi_abi::types::ValType::I32;
    let allocate: unsafe extern "C" fn(*mut VmCtx, i32, i32, i32, i32, u32, u32) -> i32 =
        win_allocate_trampoline;
    let get_attr: unsafe extern "C" fn(*mut VmCtx, i32, i32, u32, u32) -> i32 =
        win_get_attr_trampoline;
    vec![
        HostFunc {
            module: super::MODULE,
            name: "MPI_Win_allocate",
            params: &[I32, I32, I32, I32, I32, I32],
            results: &[I32],
            code: allocate as *const () as usize,
        },
        HostFunc {
            module: super::MODULE,
            name: "MPI_Win_get_attr",
            params: &[I32, I32, I32, I32],
            results: &[I32],
            code: get_attr as *const () as usize,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_guest_header() {
        for f in functions().into_iter().chain(special_functions()) {
            let sig = abi::signature(f.name).unwrap_or_else(|| panic!("{} not in mpi.h", f.name));
            assert_eq!(f.params, sig.params, "{}", f.name);
            assert_eq!(f.results, &[sig.result], "{}", f.name);
        }
    }

    #[test]
    fn attribute_slots_are_per_handle() {
        assert_eq!(attr_slot(abi::FIRST_DYNAMIC_HANDLE).unwrap(), (0, 0));
        assert_eq!(attr_slot(abi::FIRST_DYNAMIC_HANDLE + 1).unwrap(), (0, 16));
        assert_eq!(
            attr_slot(abi::FIRST_DYNAMIC_HANDLE + ATTR_SLOTS_PER_PAGE as i32).unwrap(),
            (1, 0)
        );
        assert!(attr_slot(3).is_err());
        assert_eq!(pages_for(0), 0);
        assert_eq!(pages_for(1), 1);
        assert_eq!(pages_for(65536), 1);
        assert_eq!(pages_for(65537), 2);
    }
}

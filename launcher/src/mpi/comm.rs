//! Communicators: duplication, splitting, creation from groups, freeing, comparison, names,
//! Fortran handles, `MPI_Comm_call_errhandler`, and communicator attributes.
//!
//! Every communicator the host creates for the guest gets the host error handler
//! `MPI_ERRORS_RETURN` (so wasmpi applies the guest's handler, see [`Cx::finish`]) and the
//! guest error handler of its parent, as MPI specifies; a host `MPI_COMM_NULL` result (a
//! split with `MPI_UNDEFINED`, a process outside a group or grid) becomes the guest's
//! `MPI_COMM_NULL` without a handle. Predefined communicators cannot be freed.
//!
//! Attributes. User keys are host keyvals behind guest handles in [`Mpi::keyvals`]; the
//! guest's attribute values are opaque 32-bit values stored on the host as pointer-sized
//! values, so the host's own `MPI_COMM_NULL_COPY_FN`, `MPI_COMM_NULL_DELETE_FN` and
//! `MPI_COMM_DUP_FN` do the right thing; callbacks that are guest functions are refused.
//! Predefined keys (`MPI_TAG_UB`, ...) are translated to the host's; their value is a pointer
//! to an `int`, which must be guest memory. The launcher cannot allocate from the guest's
//! heap, so at the first query of a predefined key it grows linear memory by one page (as the
//! guest's own `memory.grow` would: the guest's allocator, which obtains memory through
//! `memory.grow` too, never uses that page) and keeps one `int` per predefined key there.
//! The values are written at each query; the guest gets pointers to them.
//!
//! [`Mpi::keyvals`]: super::Mpi

use super::cx::{Cx, MpiError, MpiResult};
use super::group::{check_handle_out, comparison_to_guest, group, group_to_guest};
use super::info::{c_string, host_string, info_arg, write_c_string};
use super::requests::start_request;
use super::state::Comm;
use crate::guest;
use crate::host::{Caller, VmCtx};
use mpi::ffi;
use std::ffi::{c_char, c_int, c_void};
use wasmpi_abi::mpi as abi;

/// The guest handle for a communicator the host just created from guest communicator
/// `parent`: `MPI_COMM_NULL` stays null; otherwise it gets the host error handler
/// `MPI_ERRORS_RETURN` (unless `set_errhandler` is false: a communicator still being created
/// by a nonblocking call, which inherits it from its parent on the host) and the guest error
/// handler of `parent`.
pub(super) fn adopt(
    cx: &mut Cx,
    parent: i32,
    host: ffi::MPI_Comm,
    set_errhandler: bool,
) -> MpiResult<i32> {
    if host == cx.mpi.host.comms["MPI_COMM_NULL"] {
        return Ok(abi::MPI_COMM_NULL);
    }
    if set_errhandler {
        let fatal_off = cx.mpi.host.errhandlers["MPI_ERRORS_RETURN"];
        // SAFETY: a live communicator and a predefined error handler.
        cx.check(unsafe { ffi::MPI_Comm_set_errhandler(host, fatal_off) })?;
    }
    let errhandler = cx
        .mpi
        .comms
        .get(parent)
        .map_or(abi::MPI_ERRORS_ARE_FATAL, |c| c.errhandler);
    Ok(cx.mpi.comms.insert(Comm { host, errhandler }))
}

/// [`adopt`]s a new host communicator and writes its guest handle to `out`.
pub(super) fn new_comm(cx: &mut Cx, parent: i32, host: ffi::MPI_Comm, out: u32) -> MpiResult<()> {
    let handle = adopt(cx, parent, host, true)?;
    cx.write_i32(out, handle)
}

/// The host's `MPI_COMM_NULL`, for out-parameters the host fills.
pub(super) fn null_comm(cx: &Cx) -> ffi::MPI_Comm {
    cx.mpi.host.comms["MPI_COMM_NULL"]
}

fn comm_dup(cx: &mut Cx, comm: i32, out: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_dup(host, &mut new) })?;
    new_comm(cx, comm, new, out)
}

fn comm_dup_with_info(cx: &mut Cx, comm: i32, info: i32, out: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let info = info_arg(cx, info)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator and info, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_dup_with_info(host, info, &mut new) })?;
    new_comm(cx, comm, new, out)
}

fn comm_idup(cx: &mut Cx, comm: i32, out: u32, request: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    check_handle_out(cx, out)?;
    start_request(cx, request, false, None, |cx, req| {
        let mut new = null_comm(cx);
        // SAFETY: live communicator, valid out-pointers. The host assigns the new
        // communicator's handle at once (it is usable when the request completes), so it can
        // be recorded now.
        cx.check(unsafe { ffi::MPI_Comm_idup(host, &mut new, req) })?;
        let handle = adopt(cx, comm, new, false)?;
        cx.write_i32(out, handle)
    })
}

fn comm_split(cx: &mut Cx, comm: i32, color: i32, key: i32, out: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    check_handle_out(cx, out)?;
    let color = if color == abi::MPI_UNDEFINED {
        cx.mpi.host.int("MPI_UNDEFINED")
    } else {
        color
    };
    let mut new = null_comm(cx);
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_split(host, color, key, &mut new) })?;
    new_comm(cx, comm, new, out)
}

fn comm_split_type(
    cx: &mut Cx,
    comm: i32,
    split_type: i32,
    key: i32,
    info: i32,
    out: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let split_type = match split_type {
        abi::MPI_COMM_TYPE_SHARED => cx.mpi.host.int("MPI_COMM_TYPE_SHARED"),
        abi::MPI_UNDEFINED => cx.mpi.host.int("MPI_UNDEFINED"),
        other => {
            return Err(MpiError::new(
                abi::MPI_ERR_ARG,
                format!("unsupported split type {other}"),
            ))
        }
    };
    let info = info_arg(cx, info)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator and info, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_split_type(host, split_type, key, info, &mut new) })?;
    new_comm(cx, comm, new, out)
}

fn comm_create(cx: &mut Cx, comm: i32, grp: i32, out: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let grp = group(cx, grp)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator and group, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_create(host, grp, &mut new) })?;
    new_comm(cx, comm, new, out)
}

fn comm_create_group(cx: &mut Cx, comm: i32, grp: i32, tag: i32, out: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let grp = group(cx, grp)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator and group, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_create_group(host, grp, tag, &mut new) })?;
    new_comm(cx, comm, new, out)
}

fn comm_free(cx: &mut Cx, handle_addr: u32) -> MpiResult<()> {
    let handle = cx.read_i32(handle_addr)?;
    let mut host = cx.comm(handle)?;
    if handle < abi::FIRST_DYNAMIC_HANDLE {
        return Err(MpiError::new(
            abi::MPI_ERR_COMM,
            format!("predefined communicator {handle} cannot be freed"),
        ));
    }
    // SAFETY: a live communicator the guest created.
    cx.check(unsafe { ffi::MPI_Comm_free(&mut host) })?;
    cx.mpi.comms.remove(handle);
    cx.write_i32(handle_addr, abi::MPI_COMM_NULL)
}

fn comm_compare(cx: &mut Cx, comm1: i32, comm2: i32, result: u32) -> MpiResult<()> {
    let (c1, c2) = (cx.comm(comm1)?, cx.comm(comm2)?);
    let mut host = 0;
    // SAFETY: live communicators, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_compare(c1, c2, &mut host) })?;
    let value = comparison_to_guest(cx, host);
    cx.write_i32(result, value)
}

fn comm_group(cx: &mut Cx, comm: i32, out: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    check_handle_out(cx, out)?;
    let mut grp = cx.mpi.host.groups["MPI_GROUP_NULL"];
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_group(host, &mut grp) })?;
    let handle = group_to_guest(cx, grp);
    cx.write_i32(out, handle)
}

fn comm_set_name(cx: &mut Cx, comm: i32, name: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    // Longer names are cut to MPI_MAX_OBJECT_NAME - 1 bytes, as MPI libraries do.
    let limit = abi::MPI_MAX_OBJECT_NAME as u32 - 1;
    let mut bytes = match c_string(cx.mem(), name, limit as usize)? {
        Some(bytes) => bytes,
        None => guest::slice(cx.mem(), name, limit)?.to_vec(),
    };
    bytes.push(0);
    // SAFETY: live communicator; NUL-terminated host string (the scan stopped at the first NUL).
    cx.check(unsafe { ffi::MPI_Comm_set_name(host, bytes.as_ptr().cast::<c_char>()) })
}

fn comm_get_name(cx: &mut Cx, comm: i32, name: u32, resultlen: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let mut buf = vec![0u8; 1024];
    let mut len = 0;
    // SAFETY: the buffer is larger than any host MPI_MAX_OBJECT_NAME.
    cx.check(unsafe { ffi::MPI_Comm_get_name(host, buf.as_mut_ptr().cast::<c_char>(), &mut len) })?;
    guest::check_writable(cx.mem(), resultlen, 4)?;
    let text = host_string(&buf).to_vec();
    write_c_string(
        cx,
        name,
        abi::MPI_MAX_OBJECT_NAME as usize,
        resultlen,
        &text,
    )
}

fn comm_test_inter(cx: &mut Cx, comm: i32, flag: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let mut value = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_test_inter(host, &mut value) })?;
    cx.write_i32(flag, value)
}

fn comm_remote_size(cx: &mut Cx, comm: i32, size: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let mut value = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_remote_size(host, &mut value) })?;
    cx.write_i32(size, value)
}

/// Invokes the guest error handler of `comm` on `errorcode`: with `MPI_ERRORS_ARE_FATAL` the
/// job ends; with `MPI_ERRORS_RETURN` the call succeeds (as it does in MPI libraries).
fn comm_call_errhandler(cx: &mut Cx, comm: i32, errorcode: i32) -> MpiResult<()> {
    cx.comm(comm)?;
    let handler = cx
        .mpi
        .comms
        .get(comm)
        .map_or(abi::MPI_ERRORS_ARE_FATAL, |c| c.errhandler);
    if handler == abi::MPI_ERRORS_RETURN {
        return Ok(());
    }
    super::env::abort_job(
        cx.mpi,
        &format!("MPI_Comm_call_errhandler: error code {errorcode}"),
        errorcode,
    )
}

/// Predefined communicator attribute keys, in the order of their `int`s in the attribute
/// area.
const PREDEFINED_KEYS: [(i32, &str); 7] = [
    (abi::MPI_TAG_UB, "MPI_TAG_UB"),
    (abi::MPI_HOST, "MPI_HOST"),
    (abi::MPI_IO, "MPI_IO"),
    (abi::MPI_WTIME_IS_GLOBAL, "MPI_WTIME_IS_GLOBAL"),
    (abi::MPI_UNIVERSE_SIZE, "MPI_UNIVERSE_SIZE"),
    (abi::MPI_APPNUM, "MPI_APPNUM"),
    (abi::MPI_LASTUSEDCODE, "MPI_LASTUSEDCODE"),
];

/// The slot and host name of a predefined communicator key.
fn predefined_key(keyval: i32) -> Option<(usize, &'static str)> {
    PREDEFINED_KEYS
        .iter()
        .position(|(k, _)| *k == keyval)
        .map(|i| (i, PREDEFINED_KEYS[i].1))
}

/// The host keyval behind a guest user key.
fn user_key(cx: &Cx, keyval: i32) -> MpiResult<i32> {
    cx.mpi.keyvals.get(keyval).copied().ok_or_else(|| {
        MpiError::new(
            abi::MPI_ERR_KEYVAL,
            format!("invalid communicator attribute key {keyval}"),
        )
    })
}

fn comm_get_attr(
    cx: &mut Cx,
    comm: i32,
    keyval: i32,
    attribute_val: u32,
    flag: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let predefined = predefined_key(keyval);
    let host_key = match predefined {
        Some((_, name)) => cx.mpi.host.int(name),
        None => user_key(cx, keyval)?,
    };
    guest::check_writable(cx.mem(), attribute_val, 4)?;
    guest::check_writable(cx.mem(), flag, 4)?;
    let mut value: *mut c_void = std::ptr::null_mut();
    let mut found = 0;
    // SAFETY: live communicator; the host writes one pointer to `value`.
    cx.check(unsafe {
        ffi::MPI_Comm_get_attr(
            host,
            host_key,
            (&mut value as *mut *mut c_void).cast::<c_void>(),
            &mut found,
        )
    })?;
    match predefined {
        Some((slot, _)) if found != 0 && !value.is_null() => {
            // SAFETY: a predefined attribute's value points to an int the host owns.
            let raw = unsafe { *value.cast::<c_int>() };
            let guest_value = match keyval {
                abi::MPI_HOST | abi::MPI_IO => cx.mpi.rank_to_guest(raw),
                // The guest's error codes are its error classes; it has no others.
                abi::MPI_LASTUSEDCODE => abi::MPI_ERR_LASTCODE,
                _ => raw,
            };
            let area = cx.mpi.attr_area.ok_or_else(|| {
                MpiError::new(
                    abi::MPI_ERR_NO_MEM,
                    "linear memory cannot grow to hold predefined attribute values",
                )
            })?;
            let at = guest::element(area, slot as u32, 4)?;
            cx.write_i32(at, guest_value)?;
            cx.write_i32(attribute_val, at as i32)?;
        }
        Some(_) => found = 0,
        // User values are the guest's 32-bit values, stored pointer-sized.
        None if found != 0 => cx.write_i32(attribute_val, value as usize as u32 as i32)?,
        None => {}
    }
    cx.write_i32(flag, found)
}

fn comm_set_attr(cx: &mut Cx, comm: i32, keyval: i32, attribute_val: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let host_key = user_key(cx, keyval)?;
    // SAFETY: live communicator and keyval; the value is opaque to the host.
    cx.check(unsafe {
        ffi::MPI_Comm_set_attr(host, host_key, attribute_val as usize as *mut c_void)
    })
}

fn comm_delete_attr(cx: &mut Cx, comm: i32, keyval: i32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let host_key = user_key(cx, keyval)?;
    // SAFETY: live communicator and keyval.
    cx.check(unsafe { ffi::MPI_Comm_delete_attr(host, host_key) })
}

/// A host callback from `host.c`'s pointer table (null in MPI libraries whose predefined
/// callbacks are null pointers).
fn host_callback<F>(cx: &Cx, name: &str) -> Option<F> {
    let pointer = cx.mpi.host.pointers.get(name).copied()?;
    if pointer.is_null() {
        return None;
    }
    debug_assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: host.c stores the host's predefined attribute callback of this name, a function
    // of type F, as a data pointer of the same size.
    Some(unsafe { std::mem::transmute_copy::<*mut c_void, F>(&pointer) })
}

fn unsupported_callback(what: &str, index: u32) -> MpiError {
    MpiError::new(
        abi::MPI_ERR_OTHER,
        format!(
            "attribute {what} callbacks that are guest functions (table index {index}) are not \
             supported; use MPI_COMM_NULL_COPY_FN, MPI_COMM_DUP_FN or MPI_COMM_NULL_DELETE_FN"
        ),
    )
}

fn comm_create_keyval(
    cx: &mut Cx,
    copy_fn: u32,
    delete_fn: u32,
    keyval_out: u32,
    extra_state: u32,
) -> MpiResult<()> {
    type CopyFn = unsafe extern "C" fn(
        ffi::MPI_Comm,
        c_int,
        *mut c_void,
        *mut c_void,
        *mut c_void,
        *mut c_int,
    ) -> c_int;
    type DeleteFn = unsafe extern "C" fn(ffi::MPI_Comm, c_int, *mut c_void, *mut c_void) -> c_int;
    let copy: Option<CopyFn> = match copy_fn as i32 {
        abi::MPI_COMM_NULL_COPY_FN => host_callback(cx, "MPI_COMM_NULL_COPY_FN"),
        abi::MPI_COMM_DUP_FN => host_callback(cx, "MPI_COMM_DUP_FN"),
        _ => return Err(unsupported_callback("copy", copy_fn)),
    };
    let delete: Option<DeleteFn> = match delete_fn as i32 {
        abi::MPI_COMM_NULL_DELETE_FN => host_callback(cx, "MPI_COMM_NULL_DELETE_FN"),
        _ => return Err(unsupported_callback("delete", delete_fn)),
    };
    check_handle_out(cx, keyval_out)?;
    let mut host_key = 0;
    // SAFETY: the host's own predefined callbacks; extra_state is opaque to them.
    cx.check(unsafe {
        ffi::MPI_Comm_create_keyval(
            copy,
            delete,
            &mut host_key,
            extra_state as usize as *mut c_void,
        )
    })?;
    let handle = cx.mpi.keyvals.insert(host_key);
    cx.write_i32(keyval_out, handle)
}

fn comm_free_keyval(cx: &mut Cx, keyval_addr: u32) -> MpiResult<()> {
    let keyval = cx.read_i32(keyval_addr)?;
    let mut host_key = user_key(cx, keyval)?;
    // SAFETY: a live keyval the guest created.
    cx.check(unsafe { ffi::MPI_Comm_free_keyval(&mut host_key) })?;
    cx.mpi.keyvals.remove(keyval);
    cx.write_i32(keyval_addr, abi::MPI_KEYVAL_INVALID)
}

super::mpi_functions! {
    comm_dup => MPI_Comm_dup(comm: i32, newcomm: u32);
    comm_dup_with_info => MPI_Comm_dup_with_info(comm: i32, info: i32, newcomm: u32);
    comm_idup => MPI_Comm_idup(comm: i32, newcomm: u32, request: u32);
    comm_split => MPI_Comm_split(comm: i32, color: i32, key: i32, newcomm: u32);
    comm_split_type => MPI_Comm_split_type(comm: i32, split_type: i32, key: i32, info: i32, newcomm: u32);
    comm_create => MPI_Comm_create(comm: i32, group: i32, newcomm: u32);
    comm_create_group => MPI_Comm_create_group(comm: i32, group: i32, tag: i32, newcomm: u32);
    comm_free => MPI_Comm_free(comm: u32);
    comm_compare => MPI_Comm_compare(comm1: i32, comm2: i32, result: u32);
    comm_group => MPI_Comm_group(comm: i32, group: u32);
    comm_set_name => MPI_Comm_set_name(comm: i32, comm_name: u32);
    comm_get_name => MPI_Comm_get_name(comm: i32, comm_name: u32, resultlen: u32);
    comm_test_inter => MPI_Comm_test_inter(comm: i32, flag: u32);
    comm_remote_size => MPI_Comm_remote_size(comm: i32, size: u32);
    comm_call_errhandler => MPI_Comm_call_errhandler(comm: i32, errorcode: i32);
    comm_set_attr => MPI_Comm_set_attr(comm: i32, comm_keyval: i32, attribute_val: u32);
    comm_delete_attr => MPI_Comm_delete_attr(comm: i32, comm_keyval: i32);
    comm_create_keyval => MPI_Comm_create_keyval(comm_copy_attr_fn: u32, comm_delete_attr_fn: u32, comm_keyval: u32, extra_state: u32);
    comm_free_keyval => MPI_Comm_free_keyval(comm_keyval: u32);
}

/// Reserves the guest `int`s predefined attributes point to: one new page of linear memory,
/// at the first query of a predefined key. When memory cannot grow nothing is reserved and
/// the query fails with `MPI_ERR_NO_MEM`.
fn reserve_attr_area(caller: &mut Caller) {
    if caller.mpi_cx().mpi.attr_area.is_some() {
        return;
    }
    if let Some(addr) = caller
        .grow_memory(1)
        .and_then(|addr| u32::try_from(addr).ok())
    {
        caller.mpi_cx().mpi.attr_area = Some(addr);
    }
}

/// `MPI_Comm_get_attr` and its deprecated alias `MPI_Attr_get`: like the trampolines of
/// [`mpi_functions!`](super::mpi_functions), after reserving the attribute area if needed
/// (which needs the instance, not only a [`Cx`]).
fn get_attr_entry(
    name: &str,
    vmctx: *mut VmCtx,
    comm: i32,
    keyval: i32,
    attribute_val: u32,
    flag: u32,
) -> i32 {
    // SAFETY: compiled wasm calls host functions with its own live VM context.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    if predefined_key(keyval).is_some() {
        reserve_attr_area(&mut caller);
    }
    let mut cx = caller.mpi_cx();
    let result = comm_get_attr(&mut cx, comm, keyval, attribute_val, flag);
    cx.finish(name, result)
}

unsafe extern "C" fn comm_get_attr_trampoline(
    vmctx: *mut VmCtx,
    comm: i32,
    keyval: i32,
    attribute_val: u32,
    flag: u32,
) -> i32 {
    get_attr_entry(
        "MPI_Comm_get_attr",
        vmctx,
        comm,
        keyval,
        attribute_val,
        flag,
    )
}

unsafe extern "C" fn attr_get_trampoline(
    vmctx: *mut VmCtx,
    comm: i32,
    keyval: i32,
    attribute_val: u32,
    flag: u32,
) -> i32 {
    get_attr_entry("MPI_Attr_get", vmctx, comm, keyval, attribute_val, flag)
}

/// `MPI_Comm_c2f`: the guest handle is its own Fortran handle.
unsafe extern "C" fn comm_c2f(_vmctx: *mut VmCtx, comm: i32) -> i32 {
    comm
}

/// `MPI_Comm_f2c`: the handle itself if it names a live communicator, else `MPI_COMM_NULL`.
unsafe extern "C" fn comm_f2c(vmctx: *mut VmCtx, comm: i32) -> i32 {
    // SAFETY: compiled wasm calls host functions with its own live VM context.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let cx = caller.mpi_cx();
    if cx.mpi.comms.get(comm).is_some() {
        comm
    } else {
        abi::MPI_COMM_NULL
    }
}

/// Functions with hand-written trampolines: attribute queries (which may grow memory) and
/// the Fortran handle conversions (whose result is not an error code).
pub(super) fn special_functions() -> Vec<crate::host::HostFunc> {
    use wasmpi_abi::types::ValType;
    const GET_ATTR: &[ValType] = &[ValType::I32; 4];
    const ONE: &[ValType] = &[ValType::I32];
    type GetAttr = unsafe extern "C" fn(*mut VmCtx, i32, i32, u32, u32) -> i32;
    type Convert = unsafe extern "C" fn(*mut VmCtx, i32) -> i32;
    let get_attr = |name, code: GetAttr| crate::host::HostFunc {
        module: super::MODULE,
        name,
        params: GET_ATTR,
        results: ONE,
        code: code as *const () as usize,
    };
    let convert = |name, code: Convert| crate::host::HostFunc {
        module: super::MODULE,
        name,
        params: ONE,
        results: ONE,
        code: code as *const () as usize,
    };
    vec![
        get_attr("MPI_Comm_get_attr", comm_get_attr_trampoline),
        get_attr("MPI_Attr_get", attr_get_trampoline),
        convert("MPI_Comm_c2f", comm_c2f),
        convert("MPI_Comm_f2c", comm_f2c),
    ]
}

#[cfg(test)]
mod tests {
    use wasmpi_abi::mpi::signature;
    use wasmpi_abi::types::ValType;

    /// Every trampoline of this area has the wasm signature the guest header declares.
    #[test]
    fn signatures_match_the_guest_abi() {
        let all = [
            super::functions(),
            super::special_functions(),
            super::super::group::functions(),
            super::super::topo::functions(),
            super::super::info::functions(),
        ]
        .concat();
        for f in all {
            let sig = signature(f.name).unwrap_or_else(|| panic!("{} is not in the ABI", f.name));
            assert_eq!(f.params, sig.params, "{}", f.name);
            assert_eq!(f.results, &[sig.result][..], "{}", f.name);
            assert_eq!(f.results, &[ValType::I32][..], "{}", f.name);
        }
    }
}

//! Reduction operations: user-defined operations (`MPI_Op_create`, `MPI_Op_free`),
//! `MPI_Op_commutative`, `MPI_Reduce_local`, and the checks every reduction makes on its
//! operation ([`reduction_op`]).
//!
//! The host MPI calls a user-defined operation through a C function pointer without user
//! data, so a fixed pool of [`POOL`] distinct callbacks is bound to slots, each holding the
//! guest function pointer (a table index) of one live operation. A callback finds the
//! instance whose wasm code is running on this thread, copies the operands into scratch
//! memory in the guest's own heap (registered by `wasmpi_op_scratch`, which `MPI_Op_create`
//! in wasmpi's `mpi.h` calls once: the launcher cannot call the guest's `malloc`), calls the
//! guest function there and copies the result back, in chunks that fit the scratch memory
//! (reductions are elementwise). A trap in the guest function aborts the job.
//!
//! The pool and the scratch range are per process: one instance per process runs MPI.

use super::cx::{Cx, MpiError, MpiResult};
use super::state::Datatype;
use crate::host::{Callee, Caller};
use crate::{guest, Error, Val};
use mpi::ffi;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed,
};
use wasmpi_abi::mpi as abi;

/// How many user-defined operations may exist at once.
pub const POOL: usize = 64;

/// The smallest scratch area `wasmpi_op_scratch` accepts.
const MIN_SCRATCH: u32 = 256;

/// One user-defined operation's binding to a host callback.
struct Slot {
    /// Whether a live operation uses the slot.
    in_use: AtomicBool,
    /// Guest function pointer (0: never used). It stays after `MPI_Op_free`, because
    /// operations already started with the freed operation still complete with it; slots are
    /// reused round-robin, so as late as possible.
    func: AtomicU32,
    /// Guest handle of the operation.
    handle: AtomicI32,
    /// Guest datatype last passed with this operation: shown to the user function when it
    /// shares its host datatype with other guest handles (`MPI_INT` and `MPI_INT32_T`).
    hint: AtomicI32,
}

static SLOTS: [Slot; POOL] = [const {
    Slot {
        in_use: AtomicBool::new(false),
        func: AtomicU32::new(0),
        handle: AtomicI32::new(abi::MPI_OP_NULL),
        hint: AtomicI32::new(abi::MPI_DATATYPE_NULL),
    }
}; POOL];

/// Where the search for a free slot starts.
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

/// Claims a free slot for guest function `func`, the least recently freed one first.
fn claim_slot(func: u32) -> Option<usize> {
    let start = NEXT_SLOT.load(Relaxed);
    let slot = (start..start + POOL).map(|i| i % POOL).find(|&i| {
        SLOTS[i]
            .in_use
            .compare_exchange(false, true, Relaxed, Relaxed)
            .is_ok()
    })?;
    NEXT_SLOT.store((slot + 1) % POOL, Relaxed);
    SLOTS[slot].func.store(func, Relaxed);
    SLOTS[slot].hint.store(abi::MPI_DATATYPE_NULL, Relaxed);
    Some(slot)
}

/// The registered scratch area: guest address in the low half, size in the high half
/// (0: none registered).
static SCRATCH: AtomicU64 = AtomicU64::new(0);

/// The C type of a host user function.
type UserFn = unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_int, *mut ffi::MPI_Datatype);

/// The host callback bound to slot `SLOT`.
unsafe extern "C" fn callback<const SLOT: usize>(
    invec: *mut c_void,
    inoutvec: *mut c_void,
    len: *mut c_int,
    datatype: *mut ffi::MPI_Datatype,
) {
    if len.is_null() || datatype.is_null() {
        fail("the host MPI called a user-defined operation without a length or datatype");
    }
    // SAFETY: the host MPI passes valid pointers to the element count and the datatype.
    let (len, datatype) = unsafe { (*len, *datatype) };
    run(SLOT, invec.cast(), inoutvec.cast(), len, datatype);
}

macro_rules! callbacks {
    ($($n:literal)*) => {
        /// One distinct host callback per slot.
        static CALLBACKS: [UserFn; POOL] = [$(callback::<$n>),*];
    };
}
callbacks!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
    32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61
    62 63
);

/// Reports a failure inside a user-defined operation and ends the job (the host MPI is in
/// the middle of a reduction: there is no way to return an error).
fn fail(message: &str) -> ! {
    super::env::abort_with(&format!("user-defined operation: {message}"), 1)
}

thread_local! {
    /// The guest datatypes reductions with a user-defined operation were started with on
    /// this thread (guest handle and what it was then), for the operation's callback: it
    /// must not borrow the MPI state, which the trampoline that started the reduction holds.
    static REDUCED_TYPES: std::cell::RefCell<Vec<(i32, Datatype)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers guest datatype `handle` as `datatype` for user-defined operations' callbacks.
fn remember_reduced_type(handle: i32, datatype: Datatype) {
    REDUCED_TYPES.with(|types| {
        let mut types = types.borrow_mut();
        match types.iter_mut().find(|(h, _)| *h == handle) {
            Some(entry) => entry.1 = datatype,
            None => types.push((handle, datatype)),
        }
    });
}

/// The guest handle to show the user function for host datatype `host`: the one last
/// passed with this slot's operation if it matches, else any reduced guest type that does.
fn guest_datatype(slot: usize, host: ffi::MPI_Datatype) -> Option<(i32, Datatype)> {
    let hint = SLOTS[slot].hint.load(Relaxed);
    REDUCED_TYPES.with(|types| {
        let types = types.borrow();
        types
            .iter()
            .find(|(h, d)| *h == hint && d.host == host)
            .or_else(|| types.iter().find(|(_, d)| d.host == host))
            .copied()
    })
}

/// Applies the guest function of `slot` to `len` elements: `inoutvec[i] = invec[i] op
/// inoutvec[i]`, both host buffers of elements of host datatype `host_dt`.
fn run(slot: usize, invec: *const u8, inoutvec: *mut u8, len: c_int, host_dt: ffi::MPI_Datatype) {
    let func = SLOTS[slot].func.load(Relaxed);
    if func == 0 {
        fail("the host MPI called an operation that was never created");
    }
    if len <= 0 {
        return;
    }
    // The host MPI calls user functions only inside MPI calls, which wasm made on this
    // thread: the running activation's VM context is the calling instance's.
    let Some(vmctx) = crate::host::running_vmctx() else {
        fail("called while no wasm code runs on this thread")
    };
    // SAFETY: the VM context of the activation running on this thread. The trampoline that
    // made the MPI call holds the MPI state; this Caller touches only memory (which the
    // trampoline does not borrow across the host call) and calls wasm.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let (guest_dt, dt) = guest_datatype(slot, host_dt)
        .unwrap_or_else(|| fail("the host MPI passed a datatype the program does not know"));
    if dt.extent <= 0 || dt.true_extent < 0 {
        fail(&format!(
            "{} has extent {}: user-defined operations need a positive extent",
            dt.name, dt.extent
        ));
    }
    let scratch = SCRATCH.load(Relaxed);
    let (base, size) = (scratch as u32, (scratch >> 32) as u32);
    if size == 0 {
        fail("no scratch memory registered");
    }
    // Layout: len (int) at base, datatype (int) at base + 4, then two 16-aligned halves for
    // invec and inoutvec.
    let (len_addr, dt_addr) = (base, base + 4);
    let data = (u64::from(base) + 8 + 15) & !15;
    let end = u64::from(base) + u64::from(size);
    let half = (end.saturating_sub(data) / 2) & !15;
    let true_extent = dt.true_extent as u64;
    let extent = dt.extent as u64;
    if true_extent > half {
        fail(&format!(
            "one element of {} ({true_extent} bytes) does not fit the scratch memory ({half} bytes)",
            dt.name
        ));
    }
    let per_chunk = ((half - true_extent) / extent + 1).min(len as u64);
    let (in_base, inout_base) = (data as u32, (data + half) as u32);
    // The guest pointers: element 0 starts true_lb bytes before its first data byte.
    let in_addr = (i64::from(in_base) - dt.true_lb) as u32;
    let inout_addr = (i64::from(inout_base) - dt.true_lb) as u32;
    let mut done = 0u64;
    while done < len as u64 {
        let n = per_chunk.min(len as u64 - done);
        let span = ((n - 1) * extent + true_extent) as usize;
        let offset = (done * extent) as i64 + dt.true_lb;
        let host_in = invec.wrapping_offset(offset as isize);
        let host_inout = inoutvec.wrapping_offset(offset as isize);
        {
            let mem = caller.memory();
            let copied = (|| -> guest::GuestResult<()> {
                guest::write_u32(mem, len_addr, n as u32)?;
                guest::write_u32(mem, dt_addr, guest_dt as u32)?;
                let to = guest::slice_mut(mem, in_base, span as u32)?.as_mut_ptr();
                // SAFETY: the host MPI's invec holds `len` elements, of which this chunk's data
                // spans `span` bytes from `host_in`; the destination was bounds-checked and is
                // the program's private scratch memory, so the two do not overlap.
                unsafe { std::ptr::copy(host_in, to, span) };
                let to = guest::slice_mut(mem, inout_base, span as u32)?.as_mut_ptr();
                // SAFETY: as above, for inoutvec.
                unsafe { std::ptr::copy(host_inout, to, span) };
                Ok(())
            })();
            if copied.is_err() {
                fail("the scratch memory lies outside linear memory");
            }
        }
        let args = [
            Val::I32(in_addr as i32),
            Val::I32(inout_addr as i32),
            Val::I32(len_addr as i32),
            Val::I32(dt_addr as i32),
        ];
        match caller.in_user_op(|caller| caller.call(Callee::FunctionPointer(func), &args)) {
            Ok(_) => {}
            Err(Error::Trap(trap)) => super::env::abort_with(
                &format!("{trap} (in user-defined operation {func})"),
                trap.kind.exit_status(),
            ),
            Err(Error::Exit(code)) => super::env::abort_with(
                &format!(
                    "the program exited with status {code} inside user-defined operation {func}"
                ),
                code,
            ),
            Err(error) => fail(&format!("cannot call function pointer {func}: {error}")),
        }
        {
            match guest::slice(caller.memory(), inout_base, span as u32) {
                // SAFETY: the source was bounds-checked; host_inout holds this chunk's `span`
                // bytes of inoutvec (see above).
                Ok(from) => unsafe { std::ptr::copy(from.as_ptr(), host_inout, span) },
                Err(_) => fail("the scratch memory lies outside linear memory"),
            }
        }
        done += n;
    }
}

/// Guest handles of the predefined datatypes holding a `long double` (IEEE binary128 in the
/// guest).
const LONG_DOUBLE_TYPES: [i32; 4] = [
    abi::MPI_LONG_DOUBLE,
    abi::MPI_C_LONG_DOUBLE_COMPLEX,
    abi::MPI_LONG_DOUBLE_INT,
    abi::MPI_CXX_LONG_DOUBLE_COMPLEX,
];

/// The host operation for a reduction of guest `datatype` with guest `op`: refuses predefined
/// operations on `long double` types where the host cannot compute them, and tells a
/// user-defined operation which guest datatype it works on.
pub(super) fn reduction_op(cx: &Cx, op: i32, datatype: i32) -> MpiResult<ffi::MPI_Op> {
    let host = cx.op(op)?;
    if op >= abi::FIRST_DYNAMIC_HANDLE {
        if let Some(slot) = SLOTS.iter().find(|s| s.handle.load(Relaxed) == op) {
            slot.hint.store(datatype, Relaxed);
        }
        remember_reduced_type(datatype, cx.datatype(datatype)?);
    } else if !abi::HOST_LONG_DOUBLE_IS_BINARY128 && LONG_DOUBLE_TYPES.contains(&datatype) {
        let op_name = abi::GROUPS
            .iter()
            .filter(|g| g.kind == abi::Kind::Op)
            .flat_map(|g| g.constants)
            .find(|(_, v)| *v == i64::from(op))
            .map_or("?", |(n, _)| *n);
        return Err(MpiError::new(
            abi::MPI_ERR_TYPE,
            format!(
                "{} on {}: this host's long double is not the guest's IEEE binary128, so \
                 predefined operations cannot reduce it (use a user-defined operation)",
                op_name,
                abi::datatype(datatype).map_or("?", |d| d.name)
            ),
        ));
    }
    Ok(host)
}

/// `wasmpi_op_scratch(buf, size)`: registers scratch memory for user-defined operations
/// (called by `MPI_Op_create` in wasmpi's `mpi.h`).
fn op_scratch(cx: &mut Cx, buf: u32, size: i32) -> MpiResult<()> {
    let size = u32::try_from(size)
        .ok()
        .filter(|&s| s >= MIN_SCRATCH)
        .ok_or_else(|| {
            MpiError::new(
                abi::MPI_ERR_ARG,
                format!("scratch memory of {size} bytes is smaller than {MIN_SCRATCH}"),
            )
        })?;
    guest::check_writable(cx.mem(), buf, size as usize).map_err(|_| {
        MpiError::new(
            abi::MPI_ERR_BUFFER,
            format!("scratch memory [{buf:#x}, +{size:#x}) lies outside linear memory"),
        )
    })?;
    SCRATCH.store(u64::from(buf) | (u64::from(size) << 32), Relaxed);
    Ok(())
}

fn op_create(cx: &mut Cx, user_fn: u32, commute: i32, op: u32) -> MpiResult<()> {
    if SCRATCH.load(Relaxed) == 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_OTHER,
            "user-defined operations need scratch memory that this module did not register: \
             build it with wasmpi's mpi.h (wasmpi cc), whose MPI_Op_create provides it",
        ));
    }
    if user_fn == 0 {
        return Err(MpiError::new(abi::MPI_ERR_ARG, "null user function"));
    }
    cx.write_i32(op, abi::MPI_OP_NULL)?;
    let slot = claim_slot(user_fn).ok_or_else(|| {
        MpiError::new(
            abi::MPI_ERR_OTHER,
            format!("too many user-defined operations (at most {POOL} at a time)"),
        )
    })?;
    let mut host = cx.mpi.host.ops["MPI_OP_NULL"];
    // SAFETY: a callback with the host's user function type; valid out-pointer.
    let rc = unsafe { ffi::MPI_Op_create(Some(CALLBACKS[slot]), commute, &mut host) };
    if let Err(e) = cx.check(rc) {
        SLOTS[slot].in_use.store(false, Relaxed);
        return Err(e);
    }
    let handle = cx.mpi.ops.insert(host);
    SLOTS[slot].handle.store(handle, Relaxed);
    cx.write_i32(op, handle)
}

fn op_free(cx: &mut Cx, op: u32) -> MpiResult<()> {
    let handle = cx.read_i32(op)?;
    let mut host = cx.op(handle)?;
    if handle < abi::FIRST_DYNAMIC_HANDLE {
        return Err(MpiError::new(
            abi::MPI_ERR_OP,
            format!("operation {handle} is predefined and cannot be freed"),
        ));
    }
    // SAFETY: a live user-defined operation.
    cx.check(unsafe { ffi::MPI_Op_free(&mut host) })?;
    cx.mpi.ops.remove(handle);
    if let Some(slot) = SLOTS.iter().find(|s| s.handle.load(Relaxed) == handle) {
        slot.handle.store(abi::MPI_OP_NULL, Relaxed);
        slot.in_use.store(false, Relaxed);
    }
    cx.write_i32(op, abi::MPI_OP_NULL)
}

fn op_commutative(cx: &mut Cx, op: i32, commute: u32) -> MpiResult<()> {
    let host = cx.op(op)?;
    let mut flag = 0;
    // SAFETY: live operation, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Op_commutative(host, &mut flag) })?;
    cx.write_i32(commute, flag)
}

fn reduce_local(
    cx: &mut Cx,
    inbuf: u32,
    inoutbuf: u32,
    count: i32,
    datatype: i32,
    op: i32,
) -> MpiResult<()> {
    let (inptr, dt) = cx.typed_buffer(inbuf, count, datatype)?;
    let (inoutptr, _) = cx.typed_buffer(inoutbuf, count, datatype)?;
    let op = reduction_op(cx, op, datatype)?;
    // SAFETY: checked buffers, live handles.
    cx.check(unsafe { ffi::MPI_Reduce_local(inptr, inoutptr, count, dt, op) })
}

super::mpi_functions! {
    reduce_local => MPI_Reduce_local(inbuf: u32, inoutbuf: u32, count: i32, datatype: i32, op: i32);
    op_create => MPI_Op_create(user_fn: u32, commute: i32, op: u32);
    op_free => MPI_Op_free(op: u32);
    op_commutative => MPI_Op_commutative(op: i32, commute: u32);
    op_scratch => wasmpi_op_scratch(buf: u32, size: i32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_double_types_are_those_the_abi_marks() {
        let marked: Vec<i32> = abi::DATATYPES
            .iter()
            .filter(|d| d.host.needs_binary128_long_double())
            .map(|d| d.handle)
            .collect();
        assert_eq!(marked, LONG_DOUBLE_TYPES);
    }

    #[test]
    fn callbacks_are_distinct() {
        let mut addresses: Vec<usize> = CALLBACKS.iter().map(|&f| f as usize).collect();
        addresses.sort_unstable();
        addresses.dedup();
        assert_eq!(addresses.len(), POOL);
    }
}

//! What a trampoline works with: guest memory and the MPI state, with the checks and
//! conversions every MPI function needs.

use super::state::{Datatype, Mpi};
use crate::guest;
use mpi::ffi;
use std::ffi::{c_int, c_void};
use wasmpi_abi::mpi as abi;

/// An MPI error as the guest sees it: an error class and a message for fatal reports.
///
/// Boxed, so that `MpiResult<()>` is one pointer: every trampoline returns one on its fast
/// path, in a register rather than through memory.
#[derive(Debug)]
pub struct MpiError(Box<ErrorDetails>);

/// What an [`MpiError`] holds (its fields are reachable through the error itself).
#[derive(Debug)]
pub struct ErrorDetails {
    /// Guest error class.
    pub class: i32,
    /// What went wrong.
    pub message: String,
}

impl std::ops::Deref for MpiError {
    type Target = ErrorDetails;

    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

/// Result of an MPI function.
pub type MpiResult<T> = Result<T, MpiError>;

impl MpiError {
    /// An error of guest class `class`.
    #[cold]
    pub fn new(class: i32, message: impl Into<String>) -> MpiError {
        MpiError(Box::new(ErrorDetails {
            class,
            message: message.into(),
        }))
    }
}

impl From<guest::OutOfBounds> for MpiError {
    fn from(_: guest::OutOfBounds) -> MpiError {
        MpiError::new(abi::MPI_ERR_ARG, "an argument points outside linear memory")
    }
}

/// The byte range `[low, high)` that `count` elements of `datatype` at `addr` touch, or
/// `None` when they touch nothing (no elements, or an empty type). Computed in 128 bits: no
/// count, extent or bound can overflow it.
#[inline]
fn span(addr: u32, count: i32, datatype: &Datatype) -> Option<(i128, i128)> {
    if count <= 0 || datatype.size <= 0 {
        return None;
    }
    let first = i128::from(addr) + i128::from(datatype.true_lb);
    let last = first + i128::from(count - 1) * i128::from(datatype.extent);
    Some((
        first.min(last),
        first.max(last) + i128::from(datatype.true_extent),
    ))
}

/// Whether `count` elements of `datatype` at guest address `addr` lie inside a linear memory
/// of `memory_size` bytes (and `count` is not negative). Calls nothing: the trampolines' fast
/// paths use it too.
#[inline(always)]
pub fn buffer_fits(addr: u32, count: i32, datatype: &Datatype, memory_size: usize) -> bool {
    if datatype.true_lb == 0 && datatype.true_extent == datatype.extent {
        // Dense elements (every predefined type, contiguous types): the buffer is
        // [addr, addr + count x extent), computed without the general span's 128 bits.
        u64::try_from(count)
            .ok()
            .zip(u64::try_from(datatype.extent).ok())
            .and_then(|(count, extent)| count.checked_mul(extent))
            .and_then(|len| len.checked_add(u64::from(addr)))
            .is_some_and(|end| end <= memory_size as u64)
    } else {
        let size = memory_size as i128;
        match span(addr, count, datatype) {
            Some((low, high)) => count >= 0 && low >= 0 && high <= size,
            None => count >= 0 && i128::from(addr) <= size,
        }
    }
}

/// The error for an unknown or freed datatype handle.
#[cold]
#[inline(never)]
fn invalid_datatype(handle: i32) -> MpiError {
    MpiError::new(
        abi::MPI_ERR_TYPE,
        format!("invalid datatype handle {handle}"),
    )
}

impl crate::host::Caller<'_> {
    /// Memory, MPI and WASI state, for MPI trampolines. Ends the job if the program calls
    /// MPI inside a user-defined reduction, which MPI does not allow.
    pub fn mpi_cx(&mut self) -> Cx<'_> {
        match self.mpi_parts() {
            // SAFETY: per `Caller::mpi_parts`, memory and WASI are valid and borrowed only
            // while no nested call runs, as `Cx::new` requires.
            Some(parts) => unsafe {
                Cx::new(parts.memory.0, parts.memory.1, parts.mpi, parts.wasi)
            },
            None => refuse_mpi_in_user_op(),
        }
    }
}

/// Ends the job: the program called MPI inside a user-defined reduction.
#[cold]
#[inline(never)]
fn refuse_mpi_in_user_op() -> ! {
    super::abort_job_if_running(
        "the program called an MPI function inside a user-defined reduction operation, which \
         MPI does not allow (only MPI_Abort)",
        1,
    );
    eprintln!("wasmpirun: MPI called inside a user-defined reduction operation");
    std::process::exit(1)
}

/// Guest memory and MPI state, for the duration of one MPI call.
///
/// Linear memory and the WASI state are held as pointers and borrowed only through
/// [`Cx::mem`] and [`Cx::wasi`], for as long as the borrow of the `Cx`: while the host MPI
/// runs (and may call a user-defined reduction, which runs wasm that writes memory and may
/// call WASI), no borrow of either is alive.
pub struct Cx<'a> {
    /// Base of linear memory.
    mem_base: *mut u8,
    /// Accessible size of linear memory in bytes (0 without a memory).
    mem_size: usize,
    /// The MPI state.
    pub mpi: &'a mut Mpi,
    /// The WASI state (preopened directories resolve MPI-IO file names).
    wasi: *mut crate::wasi::WasiCtx,
    /// Communicator whose error handler applies to this call.
    errors_on: i32,
    /// Error handler of the window or file this call works on, which applies instead.
    errhandler: Option<i32>,
}

impl<'a> Cx<'a> {
    /// A context over an instance's memory, MPI and WASI state.
    ///
    /// # Safety
    /// `mem_base` and `mem_size` must describe linear memory mapped read-write, and `wasi`
    /// the instance's WASI state, both valid and borrowed by nothing else for `'a`, except
    /// by wasm and host functions running while no borrow from this `Cx` is alive.
    pub unsafe fn new(
        mem_base: *mut u8,
        mem_size: usize,
        mpi: &'a mut Mpi,
        wasi: *mut crate::wasi::WasiCtx,
    ) -> Cx<'a> {
        Cx {
            mem_base,
            mem_size,
            mpi,
            wasi,
            errors_on: abi::MPI_COMM_WORLD,
            errhandler: None,
        }
    }

    /// Linear memory.
    pub fn mem(&mut self) -> &mut [u8] {
        // SAFETY: per `Cx::new`, the range is mapped read-write and borrowed by nothing else
        // while this borrow of `self` lives.
        unsafe { crate::host::linear_memory(self.mem_base, self.mem_size) }
    }

    /// Linear memory, for reading.
    fn mem_shared(&self) -> &[u8] {
        // SAFETY: as in `mem`; shared for as long as this borrow of `self`.
        unsafe { crate::host::linear_memory(self.mem_base, self.mem_size) }
    }

    /// The WASI state.
    pub fn wasi(&mut self) -> &mut crate::wasi::WasiCtx {
        // SAFETY: per `Cx::new`, valid and borrowed by nothing else while this borrow lives.
        unsafe { &mut *self.wasi }
    }

    /// Checks a host return code.
    #[inline]
    pub fn check(&self, rc: c_int) -> MpiResult<()> {
        if rc == 0 {
            Ok(())
        } else {
            Err(self.host_error(rc))
        }
    }

    /// The guest error for host error code `rc` (the cold path of [`Cx::check`]).
    #[cold]
    #[inline(never)]
    pub fn host_error(&self, rc: c_int) -> MpiError {
        let mut class = 0;
        let mut text = vec![0u8; 1024];
        let mut len = 0;
        // SAFETY: plain queries with valid out-pointers; the buffer has MPI_MAX_ERROR_STRING room.
        unsafe {
            ffi::MPI_Error_class(rc, &mut class);
            ffi::MPI_Error_string(rc, text.as_mut_ptr().cast(), &mut len);
        }
        text.truncate(usize::try_from(len).unwrap_or(0));
        MpiError::new(
            self.mpi.error_class_to_guest(class),
            String::from_utf8_lossy(&text).into_owned(),
        )
    }

    /// The host communicator behind guest handle `handle`; errors of this call then go to its
    /// error handler.
    #[inline]
    pub fn comm(&mut self, handle: i32) -> MpiResult<ffi::MPI_Comm> {
        match self.mpi.comms.get(handle) {
            Some(comm) => {
                self.errors_on = handle;
                Ok(comm.host)
            }
            None => Err(MpiError::new(
                abi::MPI_ERR_COMM,
                format!("invalid communicator handle {handle}"),
            )),
        }
    }

    /// Makes errors of this call go to guest error handler `handler` (that of the window or
    /// file the call works on) rather than to a communicator's.
    pub fn set_errhandler(&mut self, handler: i32) {
        self.errhandler = Some(handler);
    }

    /// The datatype behind guest handle `handle`.
    #[inline]
    pub fn datatype(&self, handle: i32) -> MpiResult<Datatype> {
        self.mpi
            .datatypes
            .get(handle)
            .copied()
            .ok_or_else(|| invalid_datatype(handle))
    }

    /// The host operation behind guest handle `handle`.
    pub fn op(&self, handle: i32) -> MpiResult<ffi::MPI_Op> {
        self.mpi.ops.get(handle).copied().ok_or_else(|| {
            MpiError::new(
                abi::MPI_ERR_OP,
                format!("invalid operation handle {handle}"),
            )
        })
    }

    /// Host pointer for a buffer of `count` elements of `datatype` at guest address `addr`,
    /// after checking that every byte the datatype touches lies inside linear memory.
    #[inline(always)]
    pub fn buffer(&self, addr: u32, count: i32, datatype: &Datatype) -> MpiResult<*mut c_void> {
        if !buffer_fits(addr, count, datatype, self.mem_size) {
            return Err(self.buffer_error(addr, count, datatype));
        }
        // SAFETY: addr <= memory size, and the memory is one mapping starting at mem's base.
        Ok(unsafe { self.mem_base.add(addr as usize) } as *mut c_void)
    }

    /// Why [`Cx::buffer`] refused a buffer (its cold path).
    #[cold]
    #[inline(never)]
    fn buffer_error(&self, addr: u32, count: i32, datatype: &Datatype) -> MpiError {
        if count < 0 {
            return MpiError::new(abi::MPI_ERR_COUNT, format!("negative count {count}"));
        }
        let size = self.mem_size;
        match span(addr, count, datatype) {
            Some((low, high)) => MpiError::new(
                abi::MPI_ERR_BUFFER,
                format!(
                    "buffer [{low:#x}, {high:#x}) of {count} x {} lies outside linear memory [0, {size:#x})",
                    datatype.name
                ),
            ),
            None => MpiError::new(abi::MPI_ERR_BUFFER, format!("buffer address {addr:#x} lies outside linear memory")),
        }
    }

    /// Like [`Cx::buffer`], for a guest handle, returning the host datatype too.
    #[inline(always)]
    pub fn typed_buffer(
        &self,
        addr: u32,
        count: i32,
        datatype: i32,
    ) -> MpiResult<(*mut c_void, ffi::MPI_Datatype)> {
        // Borrowed, not copied: this is every point-to-point call's path.
        match self.mpi.datatypes.get(datatype) {
            Some(dt) => Ok((self.buffer(addr, count, dt)?, dt.host)),
            None => Err(invalid_datatype(datatype)),
        }
    }

    /// Like [`Cx::typed_buffer`], but `MPI_IN_PLACE` becomes the host's `MPI_IN_PLACE`.
    pub fn buffer_or_in_place(
        &self,
        addr: u32,
        count: i32,
        datatype: i32,
    ) -> MpiResult<(*mut c_void, ffi::MPI_Datatype)> {
        if addr == abi::MPI_IN_PLACE as u32 {
            return Ok((self.mpi.in_place, self.insignificant_type(datatype)));
        }
        self.typed_buffer(addr, count, datatype)
    }

    /// The host datatype of a guest handle in an argument that is not significant (invalid
    /// handles become `MPI_DATATYPE_NULL` instead of an error).
    pub fn insignificant_type(&self, datatype: i32) -> ffi::MPI_Datatype {
        self.datatype(datatype)
            .map_or(self.mpi.null_datatype, |d| d.host)
    }

    /// Reads a guest `int`.
    pub fn read_i32(&self, addr: u32) -> MpiResult<i32> {
        Ok(guest::read_u32(self.mem_shared(), addr)? as i32)
    }

    /// Writes a guest `int`.
    pub fn write_i32(&mut self, addr: u32, value: i32) -> MpiResult<()> {
        Ok(guest::write_u32(self.mem(), addr, value as u32)?)
    }

    /// Reads `count` guest `int`s.
    pub fn read_i32s(&self, addr: u32, count: i32) -> MpiResult<Vec<i32>> {
        let count = u32::try_from(count)
            .map_err(|_| MpiError::new(abi::MPI_ERR_COUNT, format!("negative count {count}")))?;
        let bytes = guest::slice(
            self.mem_shared(),
            addr,
            count.checked_mul(4).ok_or(guest::OutOfBounds)?,
        )?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// Writes guest `int`s.
    pub fn write_i32s(&mut self, addr: u32, values: &[i32]) -> MpiResult<()> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Ok(guest::write_bytes(self.mem(), addr, &bytes)?)
    }

    /// Writes a host status to the guest `MPI_Status` at `addr` (nothing for
    /// `MPI_STATUS_IGNORE`).
    pub fn write_status(&mut self, addr: u32, status: &ffi::MPI_Status) -> MpiResult<()> {
        if addr == 0 {
            return Ok(());
        }
        let mut bytes: ffi::MPI_Count = 0;
        let mut cancelled = 0;
        // SAFETY: status is a valid host status; out-pointers are valid.
        unsafe {
            ffi::MPI_Get_elements_x(status, self.mpi.byte_datatype, &mut bytes);
            ffi::MPI_Test_cancelled(status, &mut cancelled);
        }
        let mut out = [0u8; abi::STATUS_SIZE as usize];
        let field = |out: &mut [u8], at: u32, value: &[u8]| {
            out[at as usize..at as usize + value.len()].copy_from_slice(value)
        };
        field(
            &mut out,
            abi::STATUS_SOURCE,
            &self.mpi.rank_to_guest(status.MPI_SOURCE).to_le_bytes(),
        );
        field(
            &mut out,
            abi::STATUS_TAG,
            &self.mpi.tag_to_guest(status.MPI_TAG).to_le_bytes(),
        );
        // MPI_ERROR holds an error code, which is its class in Open MPI but not in MPICH (whose
        // codes carry more bits); guest codes are classes.
        let error = match status.MPI_ERROR {
            0 => abi::MPI_SUCCESS,
            code => {
                let mut class = code;
                // SAFETY: a plain query with a valid out-pointer.
                unsafe { ffi::MPI_Error_class(code, &mut class) };
                self.mpi.error_class_to_guest(class)
            }
        };
        field(&mut out, abi::STATUS_ERROR, &error.to_le_bytes());
        field(&mut out, abi::STATUS_CANCELLED, &cancelled.to_le_bytes());
        field(&mut out, abi::STATUS_COUNT, &bytes.to_le_bytes());
        Ok(guest::write_bytes(self.mem(), addr, &out)?)
    }

    /// Checks that a guest status can be written at `addr`, before the call that fills it.
    pub fn check_status(&self, addr: u32) -> MpiResult<()> {
        if addr != 0 {
            guest::check_writable(self.mem_shared(), addr, abi::STATUS_SIZE as usize)?;
        }
        Ok(())
    }

    /// Ends a call: the error code for the guest, after applying the error handler.
    #[inline]
    pub fn finish(&mut self, function: &str, result: MpiResult<()>) -> i32 {
        match result {
            Ok(()) => abi::MPI_SUCCESS,
            Err(error) => self.fail(function, error),
        }
    }

    /// Applies the error handler to a failed call (the cold path of [`Cx::finish`]).
    #[cold]
    #[inline(never)]
    fn fail(&mut self, function: &str, error: MpiError) -> i32 {
        let handler = self.errhandler.unwrap_or_else(|| {
            self.mpi
                .comms
                .get(self.errors_on)
                .map_or(abi::MPI_ERRORS_ARE_FATAL, |c| c.errhandler)
        });
        if handler == abi::MPI_ERRORS_RETURN {
            return error.class;
        }
        super::env::abort_job(
            self.mpi,
            &format!("{function}: {}", error.message),
            error.class,
        )
    }
}

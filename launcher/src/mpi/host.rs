//! The host MPI's predefined handles and constants, by name.
//!
//! `host.c` (compiled with the host's `mpicc`) lists each as a (name, value) pair; the names
//! are the standard C names, the same the guest ABI uses, so translation tables are built by
//! matching names once, at first use, and never consulted by name afterwards.

use mpi::ffi;
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr};

#[repr(C)]
struct Entry<T> {
    name: *const c_char,
    value: T,
}

extern "C" {
    static wasmpi_host_datatypes: [Entry<ffi::MPI_Datatype>; 0];
    static wasmpi_host_comms: [Entry<ffi::MPI_Comm>; 0];
    static wasmpi_host_ops: [Entry<ffi::MPI_Op>; 0];
    static wasmpi_host_groups: [Entry<ffi::MPI_Group>; 0];
    static wasmpi_host_errhandlers: [Entry<ffi::MPI_Errhandler>; 0];
    static wasmpi_host_infos: [Entry<ffi::MPI_Info>; 0];
    static wasmpi_host_ints: [Entry<i64>; 0];
    fn wasmpi_host_pointer_table() -> *const Entry<*mut c_void>;
}

/// Reads a NULL-name-terminated table from `host.c`.
///
/// # Safety
/// `table` must point to one of the tables above.
unsafe fn read<T: Copy>(table: *const Entry<T>) -> HashMap<&'static str, T> {
    let mut out = HashMap::new();
    let mut at = table;
    loop {
        // SAFETY: host.c terminates every table with a NULL name; entries before it are valid
        // and their names are static NUL-terminated string literals.
        let entry = unsafe { &*at };
        if entry.name.is_null() {
            return out;
        }
        // SAFETY: checked non-null just above; a static NUL-terminated literal (see above).
        let name = unsafe { CStr::from_ptr(entry.name) }
            .to_str()
            .unwrap_or_default();
        out.insert(name, entry.value);
        // SAFETY: this entry was not the terminator, so the next one is inside the table.
        at = unsafe { at.add(1) };
    }
}

/// Every host constant wasmpi translates, by standard C name.
pub struct HostConstants {
    /// Predefined datatypes.
    pub datatypes: HashMap<&'static str, ffi::MPI_Datatype>,
    /// Predefined communicators.
    pub comms: HashMap<&'static str, ffi::MPI_Comm>,
    /// Predefined reduction operations.
    pub ops: HashMap<&'static str, ffi::MPI_Op>,
    /// Predefined groups.
    pub groups: HashMap<&'static str, ffi::MPI_Group>,
    /// Predefined error handlers.
    pub errhandlers: HashMap<&'static str, ffi::MPI_Errhandler>,
    /// Predefined info objects.
    pub infos: HashMap<&'static str, ffi::MPI_Info>,
    /// Pointer sentinels (`MPI_IN_PLACE`, ...).
    pub pointers: HashMap<&'static str, *mut c_void>,
    /// Integer constants (special ranks, keys, modes, error classes, ...).
    pub ints: HashMap<&'static str, i64>,
}

impl HostConstants {
    /// Reads every table.
    pub fn load() -> HostConstants {
        // SAFETY: each static is a table defined in host.c as read() expects.
        unsafe {
            HostConstants {
                datatypes: read(wasmpi_host_datatypes.as_ptr()),
                comms: read(wasmpi_host_comms.as_ptr()),
                ops: read(wasmpi_host_ops.as_ptr()),
                groups: read(wasmpi_host_groups.as_ptr()),
                errhandlers: read(wasmpi_host_errhandlers.as_ptr()),
                infos: read(wasmpi_host_infos.as_ptr()),
                pointers: read(wasmpi_host_pointer_table()),
                ints: read(wasmpi_host_ints.as_ptr()),
            }
        }
    }

    /// The host value of integer constant `name` (all names in host.c exist on every MPI-3.1).
    pub fn int(&self, name: &str) -> i32 {
        self.ints.get(name).copied().unwrap_or(i64::from(i32::MIN)) as i32
    }
}

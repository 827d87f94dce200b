//! The builtin table: C-ABI entry points compiled code calls through the VM context.
//! Each takes the VM context first; the work is done in [`crate::instance::ops`].

use crate::instance::ops;
use wasmpi_abi::vmctx::Builtin;

/// Status returned to compiled code: 0 = done, 1 = out of bounds (the caller traps).
fn status(ok: bool) -> i32 {
    i32::from(!ok)
}

unsafe extern "C" fn memory_grow(vmctx: *mut u8, delta: i32) -> i32 {
    // SAFETY (all builtins): compiled code passes its own live VM context.
    ops::memory_grow(unsafe { ops::state(vmctx) }, delta as u32)
}

unsafe extern "C" fn memory_copy(vmctx: *mut u8, dst: i32, src: i32, len: i32) -> i32 {
    status(ops::memory_copy(
        unsafe { ops::state(vmctx) },
        dst as u32,
        src as u32,
        len as u32,
    ))
}

unsafe extern "C" fn memory_fill(vmctx: *mut u8, dst: i32, byte: i32, len: i32) -> i32 {
    status(ops::memory_fill(
        unsafe { ops::state(vmctx) },
        dst as u32,
        byte as u8,
        len as u32,
    ))
}

unsafe extern "C" fn memory_init(
    vmctx: *mut u8,
    segment: i32,
    dst: i32,
    src: i32,
    len: i32,
) -> i32 {
    status(ops::memory_init(
        unsafe { ops::state(vmctx) },
        segment as u32,
        dst as u32,
        src as u32,
        len as u32,
    ))
}

unsafe extern "C" fn data_drop(vmctx: *mut u8, segment: i32) {
    ops::data_drop(unsafe { ops::state(vmctx) }, segment as u32)
}

unsafe extern "C" fn table_grow(vmctx: *mut u8, table: i32, init: usize, delta: i32) -> i32 {
    ops::table_grow(
        unsafe { ops::state(vmctx) },
        table as u32,
        init,
        delta as u32,
    )
}

unsafe extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: i32,
    src_table: i32,
    dst: i32,
    src: i32,
    len: i32,
) -> i32 {
    let state = unsafe { ops::state(vmctx) };
    status(ops::table_copy(
        state,
        dst_table as u32,
        src_table as u32,
        dst as u32,
        src as u32,
        len as u32,
    ))
}

unsafe extern "C" fn table_fill(
    vmctx: *mut u8,
    table: i32,
    dst: i32,
    value: usize,
    len: i32,
) -> i32 {
    status(ops::table_fill(
        unsafe { ops::state(vmctx) },
        table as u32,
        dst as u32,
        value,
        len as u32,
    ))
}

unsafe extern "C" fn table_init(
    vmctx: *mut u8,
    table: i32,
    segment: i32,
    dst: i32,
    src: i32,
    len: i32,
) -> i32 {
    let state = unsafe { ops::state(vmctx) };
    status(ops::table_init(
        state,
        table as u32,
        segment as u32,
        dst as u32,
        src as u32,
        len as u32,
    ))
}

unsafe extern "C" fn elem_drop(vmctx: *mut u8, segment: i32) {
    ops::elem_drop(unsafe { ops::state(vmctx) }, segment as u32)
}

/// The address of a builtin's implementation.
fn address(builtin: Builtin) -> usize {
    match builtin {
        Builtin::MemoryGrow => memory_grow as *const () as usize,
        Builtin::MemoryCopy => memory_copy as *const () as usize,
        Builtin::MemoryFill => memory_fill as *const () as usize,
        Builtin::MemoryInit => memory_init as *const () as usize,
        Builtin::DataDrop => data_drop as *const () as usize,
        Builtin::TableGrow => table_grow as *const () as usize,
        Builtin::TableCopy => table_copy as *const () as usize,
        Builtin::TableFill => table_fill as *const () as usize,
        Builtin::TableInit => table_init as *const () as usize,
        Builtin::ElemDrop => elem_drop as *const () as usize,
    }
}

/// Every builtin with its address, for filling the VM context.
pub fn table() -> impl Iterator<Item = (Builtin, usize)> {
    Builtin::ALL.into_iter().map(|b| (b, address(b)))
}

//! Builtins: the runtime operations compiled code calls through the VM context's builtin
//! table (memory and table instructions that need more than a load or store). Each entry
//! point is C-ABI, takes the VM context first, and works on the instance's VM half only
//! ([`VmState`]), never on the host state a host function up the stack may hold.

use crate::instance::{vm_state, VmState};
use wasmpi_abi::vmctx::Builtin;

/// Status returned to compiled code: 0 = done, 1 = out of bounds (the caller traps).
fn status(ok: bool) -> i32 {
    i32::from(!ok)
}

unsafe extern "C" fn memory_grow(vmctx: *mut u8, delta: i32) -> i32 {
    // SAFETY (all builtins): compiled code passes its own live VM context.
    work::memory_grow(unsafe { vm_state(vmctx) }, delta as u32)
}

unsafe extern "C" fn memory_copy(vmctx: *mut u8, dst: i32, src: i32, len: i32) -> i32 {
    status(work::memory_copy(
        unsafe { vm_state(vmctx) },
        dst as u32,
        src as u32,
        len as u32,
    ))
}

unsafe extern "C" fn memory_fill(vmctx: *mut u8, dst: i32, byte: i32, len: i32) -> i32 {
    status(work::memory_fill(
        unsafe { vm_state(vmctx) },
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
    status(work::memory_init(
        unsafe { vm_state(vmctx) },
        segment as u32,
        dst as u32,
        src as u32,
        len as u32,
    ))
}

unsafe extern "C" fn data_drop(vmctx: *mut u8, segment: i32) {
    work::data_drop(unsafe { vm_state(vmctx) }, segment as u32)
}

unsafe extern "C" fn table_grow(vmctx: *mut u8, table: i32, init: usize, delta: i32) -> i32 {
    work::table_grow(unsafe { vm_state(vmctx) }, table as u32, init, delta as u32)
}

unsafe extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: i32,
    src_table: i32,
    dst: i32,
    src: i32,
    len: i32,
) -> i32 {
    let state = unsafe { vm_state(vmctx) };
    status(work::table_copy(
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
    status(work::table_fill(
        unsafe { vm_state(vmctx) },
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
    let state = unsafe { vm_state(vmctx) };
    status(work::table_init(
        state,
        table as u32,
        segment as u32,
        dst as u32,
        src as u32,
        len as u32,
    ))
}

unsafe extern "C" fn elem_drop(vmctx: *mut u8, segment: i32) {
    work::elem_drop(unsafe { vm_state(vmctx) }, segment as u32)
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

/// The work of each builtin, on the instance's VM half.
mod work {
    use super::*;

    fn in_bounds(start: u32, len: u32, size: usize) -> bool {
        u64::from(start) + u64::from(len) <= size as u64
    }

    pub(super) fn memory_grow(state: &mut VmState, delta: u32) -> i32 {
        state.grow_memory(delta).map_or(-1, |old| old as i32)
    }

    pub(super) fn memory_copy(state: &mut VmState, dst: u32, src: u32, len: u32) -> bool {
        let memory = state.memory_slice();
        if !in_bounds(dst, len, memory.len()) || !in_bounds(src, len, memory.len()) {
            return false;
        }
        memory.copy_within(src as usize..(src + len) as usize, dst as usize);
        true
    }

    pub(super) fn memory_fill(state: &mut VmState, dst: u32, byte: u8, len: u32) -> bool {
        let memory = state.memory_slice();
        if !in_bounds(dst, len, memory.len()) {
            return false;
        }
        memory[dst as usize..(dst + len) as usize].fill(byte);
        true
    }

    pub(super) fn memory_init(
        state: &mut VmState,
        segment: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let artifact = state.artifact().clone();
        let Some(info) = artifact.metadata().data.get(segment as usize) else {
            return false;
        };
        let bytes: &[u8] = if state.data_dropped(segment).is_some_and(|d| *d) {
            &[]
        } else {
            &artifact.data()[info.bytes.offset as usize..][..info.bytes.len as usize]
        };
        let memory = state.memory_slice();
        if !in_bounds(src, len, bytes.len()) || !in_bounds(dst, len, memory.len()) {
            return false;
        }
        memory[dst as usize..(dst + len) as usize]
            .copy_from_slice(&bytes[src as usize..(src + len) as usize]);
        true
    }

    pub(super) fn data_drop(state: &mut VmState, segment: u32) {
        if let Some(dropped) = state.data_dropped(segment) {
            *dropped = true;
        }
    }

    pub(super) fn table_grow(state: &mut VmState, table: u32, init: usize, delta: u32) -> i32 {
        state
            .table(table)
            .and_then(|t| t.grow(delta, init))
            .map_or(-1, |old| old as i32)
    }

    pub(super) fn table_copy(
        state: &mut VmState,
        dst_table: u32,
        src_table: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let (Some(to), Some(from)) = (state.table(dst_table), state.table(src_table)) else {
            return false;
        };
        let copy = |to: &mut [usize], from: &[usize]| {
            if !in_bounds(dst, len, to.len()) || !in_bounds(src, len, from.len()) {
                return false;
            }
            to[dst as usize..(dst + len) as usize]
                .copy_from_slice(&from[src as usize..(src + len) as usize]);
            true
        };
        if to.same(from) {
            to.with(|elements| {
                if !in_bounds(dst, len, elements.len()) || !in_bounds(src, len, elements.len()) {
                    return false;
                }
                elements.copy_within(src as usize..(src + len) as usize, dst as usize);
                true
            })
        } else {
            to.with_two(from, |to, from| copy(to, from))
        }
    }

    pub(super) fn table_fill(
        state: &mut VmState,
        table: u32,
        dst: u32,
        value: usize,
        len: u32,
    ) -> bool {
        let Some(table) = state.table(table) else {
            return false;
        };
        table.with(|elements| {
            if !in_bounds(dst, len, elements.len()) {
                return false;
            }
            elements[dst as usize..(dst + len) as usize].fill(value);
            true
        })
    }

    pub(super) fn table_init(
        state: &mut VmState,
        table: u32,
        segment: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let artifact = state.artifact().clone();
        let Some(info) = artifact.metadata().elements.get(segment as usize) else {
            return false;
        };
        let funcs: &[u32] = if state.elements_dropped(segment).is_some_and(|d| *d) {
            &[]
        } else {
            &info.funcs
        };
        if !in_bounds(src, len, funcs.len()) {
            return false;
        }
        let refs: Vec<usize> = funcs[src as usize..(src + len) as usize]
            .iter()
            .map(|&f| state.funcref_address(f))
            .collect();
        let Some(table) = state.table(table) else {
            return false;
        };
        table.with(|elements| {
            if !in_bounds(dst, len, elements.len()) {
                return false;
            }
            elements[dst as usize..(dst + len) as usize].copy_from_slice(&refs);
            true
        })
    }

    pub(super) fn elem_drop(state: &mut VmState, segment: u32) {
        if let Some(dropped) = state.elements_dropped(segment) {
            *dropped = true;
        }
    }
}

/// Every builtin with its address, for filling the VM context.
pub fn table() -> impl Iterator<Item = (Builtin, usize)> {
    Builtin::ALL.into_iter().map(|b| (b, address(b)))
}

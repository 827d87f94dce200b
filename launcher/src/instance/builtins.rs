//! Builtins: the runtime operations compiled code calls through the VM context's builtin
//! table (memory and table instructions that need more than a load or store).
//!
//! The entry points are generated from `abi`'s one list of builtins
//! ([`wasmpi_abi::for_each_builtin!`]), from which the compiler takes its call signatures
//! too: each is C-ABI, takes the VM context first and then exactly the listed parameters.
//! The work is done in `work`, on the instance's VM half only ([`VmState`]), never on the
//! host state a host function up the stack may hold.

use super::{vm_state, VmState};
use wasmpi_abi::vmctx::Builtin;

/// A parameter as compiled code passes it, turned into the type the work function takes.
trait FromAbi<A> {
    fn from_abi(value: A) -> Self;
}

impl FromAbi<i32> for u32 {
    fn from_abi(value: i32) -> u32 {
        value as u32
    }
}

impl FromAbi<i32> for u8 {
    /// `memory.fill` uses the low byte of its value.
    fn from_abi(value: i32) -> u8 {
        value as u8
    }
}

impl FromAbi<usize> for usize {
    fn from_abi(value: usize) -> usize {
        value
    }
}

/// A work function's result, turned into what compiled code expects.
trait IntoAbi<R> {
    fn into_abi(self) -> R;
}

impl IntoAbi<i32> for bool {
    /// Status: 0 = done, 1 = out of bounds (the caller traps).
    fn into_abi(self) -> i32 {
        i32::from(!self)
    }
}

impl IntoAbi<i32> for i32 {
    fn into_abi(self) -> i32 {
        self
    }
}

impl IntoAbi<()> for () {
    fn into_abi(self) {}
}

/// The Rust type of a type in the builtin list.
macro_rules! abi_type {
    (i32) => {
        i32
    };
    (ptr) => {
        usize
    };
}

/// Generates one entry point per builtin and the table of their addresses.
macro_rules! entry_points {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $index:literal, $name:ident($($param:ident: $ty:ident),*) $(-> $result:ident)?;
    )*) => {
        /// The C-ABI entry points compiled code calls.
        mod entry {
            use super::*;
            $(
                $(#[doc = $doc])*
                pub(super) unsafe extern "C" fn $name(
                    vmctx: *mut u8 $(, $param: abi_type!($ty))*
                ) $(-> abi_type!($result))? {
                    // SAFETY: compiled code passes its own live VM context, and wasm is
                    // suspended while the builtin runs.
                    let state = unsafe { vm_state(vmctx) };
                    IntoAbi::into_abi(work::$name(state $(, FromAbi::from_abi($param))*))
                }
            )*
        }

        /// The address of a builtin's entry point.
        fn address(builtin: Builtin) -> usize {
            match builtin {
                $(Builtin::$variant => {
                    let entry: unsafe extern "C" fn(*mut u8 $(, abi_type!($ty))*) $(-> abi_type!($result))? =
                        entry::$name;
                    entry as usize
                })*
            }
        }
    };
}
wasmpi_abi::for_each_builtin!(entry_points);

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

    /// Items `src..src + len` of a passive segment (empty once dropped), if in bounds.
    fn segment_items<T>(items: &[T], dropped: bool, src: u32, len: u32) -> Option<&[T]> {
        let items = if dropped { &[] } else { items };
        in_bounds(src, len, items.len()).then(|| &items[src as usize..(src + len) as usize])
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
        let all = &artifact.data()[info.bytes.offset as usize..][..info.bytes.len as usize];
        let dropped = state.data_dropped(segment).is_some_and(|d| *d);
        let Some(bytes) = segment_items(all, dropped, src, len) else {
            return false;
        };
        let memory = state.memory_slice();
        if !in_bounds(dst, len, memory.len()) {
            return false;
        }
        memory[dst as usize..(dst + len) as usize].copy_from_slice(bytes);
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
        let dropped = state.elements_dropped(segment).is_some_and(|d| *d);
        let Some(funcs) = segment_items(&info.funcs, dropped, src, len) else {
            return false;
        };
        let refs: Vec<usize> = funcs.iter().map(|&f| state.funcref_address(f)).collect();
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

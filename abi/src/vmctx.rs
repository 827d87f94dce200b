//! The VM context: the one block of memory compiled code reaches its environment through.
//!
//! Every compiled function takes a pointer to the VM context as its first argument. The
//! launcher allocates and fills it at instantiation; compiled code reads and writes it at the
//! fixed offsets below. Nothing else is shared: compiled code contains no absolute addresses
//! and no relocations, so it can be mapped straight from the artifact file.
//!
//! Layout (all fields 8-byte aligned, little-endian, 64-bit hosts only):
//!
//! | offset | field | written by | read by |
//! |---|---|---|---|
//! | 0 | linear memory base address | launcher (once) | code (readonly: it never moves) |
//! | 8 | linear memory size in bytes | launcher (`memory.grow`, in every instance sharing it) | code (`memory.size`) |
//! | 16 | stack limit: lowest address wasm code may use | launcher | every prologue |
//! | 24 | host instance pointer | launcher | host functions only |
//! | 32 | builtins: one code pointer per [`Builtin`] | launcher | code |
//! | .. | type ids: one `u32` per canonical type of the module, padded to 8 bytes | launcher | `call_indirect` |
//! | .. | function references: one [`FuncRef`] per function, imports first | launcher | code, tables |
//! | .. | tables: one [`VmTable`] per table, imports first | launcher (kept in sync for shared tables) | code |
//! | .. | globals: 16 bytes per global, imports first | launcher, code | code |
//!
//! A defined global's slot holds its value. An imported global's slot holds a pointer to the
//! value (in the exporting instance's VM context, or host storage), so every instance sees
//! every `global.set`.
//!
//! Type ids are process-wide: the launcher interns every function type it sees, so a
//! function reference from another instance (an import, or a shared table entry) passes the
//! `call_indirect` check exactly when its type is structurally the expected one.

/// Offset of the linear memory base pointer.
pub const MEMORY_BASE: u32 = 0;
/// Offset of the linear memory size in bytes (`u64`).
pub const MEMORY_SIZE: u32 = 8;
/// Offset of the stack limit: function prologues trap with stack overflow below it.
pub const STACK_LIMIT: u32 = 16;
/// Offset of the launcher's instance pointer (opaque to compiled code).
pub const INSTANCE: u32 = 24;
/// Offset of the builtin function table.
pub const BUILTINS: u32 = 32;

/// Size of one global slot.
pub const GLOBAL_SIZE: u32 = 16;

/// A function reference, as stored in the VM context and pointed to by table entries and
/// `funcref` values. Tables hold pointers to these (null for a null reference).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncRef {
    /// Native code of the function. Called with [`FuncRef::vmctx`] as first argument, then
    /// the wasm parameters, in the platform's C calling convention.
    pub code: usize,
    /// The VM context to call it with: that of the instance defining the function (for host
    /// functions, that of the instance importing them).
    pub vmctx: usize,
    /// Process-wide type id of the function; `call_indirect` compares it against the
    /// expected type's id from the caller's VM context.
    pub type_id: u32,
    /// Padding to 8-byte alignment.
    pub _pad: u32,
}

/// Offset of [`FuncRef::code`].
pub const FUNCREF_CODE: u32 = 0;
/// Offset of [`FuncRef::vmctx`].
pub const FUNCREF_VMCTX: u32 = 8;
/// Offset of [`FuncRef::type_id`].
pub const FUNCREF_TYPE: u32 = 16;
/// Size of a [`FuncRef`].
pub const FUNCREF_SIZE: u32 = 24;

/// A table: base of an array of `*const FuncRef` (null = null reference) and its length.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VmTable {
    /// Pointer to the first element.
    pub base: usize,
    /// Number of elements currently in the table.
    pub len: u64,
}

/// Offset of [`VmTable::base`].
pub const TABLE_BASE: u32 = 0;
/// Offset of [`VmTable::len`].
pub const TABLE_LEN: u32 = 8;
/// Size of a [`VmTable`].
pub const TABLE_SIZE: u32 = 16;
/// Size of one table element (a pointer).
pub const TABLE_ELEMENT_SIZE: u32 = 8;

/// The one list of builtins: the functions the launcher provides to compiled code through
/// the builtin table, each with its index and its signature after the VM context.
///
/// `for_each_builtin!(m)` expands to `m! { ... }` with one entry per builtin:
/// `/// doc` `Variant = index, snake_name(param: type, ...) -> result;` where types are
/// `i32` or `ptr` (a pointer-sized integer) and the result, if any, is `i32`. This crate
/// generates [`Builtin`] and [`Builtin::signature`] from it; the compiler builds its call
/// signatures from [`Builtin::signature`], and the launcher generates its entry points from
/// the same list, so a builtin's signature cannot differ between them.
///
/// Those returning a status return 0 on success and 1 when the operation is out of bounds;
/// the compiled code then traps at the call site, so the trap is reported at the wasm
/// instruction that caused it.
#[macro_export]
macro_rules! for_each_builtin {
    ($m:path) => {
        $m! {
            /// `memory.grow`: old size in pages, or -1.
            MemoryGrow = 0, memory_grow(delta_pages: i32) -> i32;
            /// `memory.copy`: status.
            MemoryCopy = 1, memory_copy(dst: i32, src: i32, len: i32) -> i32;
            /// `memory.fill`: status.
            MemoryFill = 2, memory_fill(dst: i32, byte: i32, len: i32) -> i32;
            /// `memory.init`: status.
            MemoryInit = 3, memory_init(segment: i32, dst: i32, src: i32, len: i32) -> i32;
            /// `data.drop`.
            DataDrop = 4, data_drop(segment: i32);
            /// `table.grow`: old size, or -1.
            TableGrow = 5, table_grow(table: i32, init: ptr, delta: i32) -> i32;
            /// `table.copy`: status.
            TableCopy = 6, table_copy(dst_table: i32, src_table: i32, dst: i32, src: i32, len: i32) -> i32;
            /// `table.fill`: status.
            TableFill = 7, table_fill(table: i32, dst: i32, value: ptr, len: i32) -> i32;
            /// `table.init`: status.
            TableInit = 8, table_init(table: i32, segment: i32, dst: i32, src: i32, len: i32) -> i32;
            /// `elem.drop`.
            ElemDrop = 9, elem_drop(segment: i32);
        }
    };
}

/// The type of a builtin parameter or result (after the VM context, which comes first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinType {
    /// A 32-bit integer.
    I32,
    /// A pointer-sized integer (a table element: the address of a [`FuncRef`], or 0).
    Ptr,
}

/// A builtin's signature after the VM context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinSignature {
    /// Parameter types.
    pub params: &'static [BuiltinType],
    /// Result type, if any.
    pub result: Option<BuiltinType>,
}

/// The [`BuiltinType`] of a type in [`for_each_builtin!`]'s list.
#[doc(hidden)]
#[macro_export]
macro_rules! builtin_type {
    (i32) => {
        $crate::vmctx::BuiltinType::I32
    };
    (ptr) => {
        $crate::vmctx::BuiltinType::Ptr
    };
}

/// The result of a builtin in [`for_each_builtin!`]'s list, if it has one.
macro_rules! builtin_result {
    () => {
        None
    };
    ($result:ident) => {
        Some(builtin_type!($result))
    };
}

macro_rules! define_builtins {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $index:literal, $name:ident($($param:ident: $ty:ident),*) $(-> $result:ident)?;
    )*) => {
        /// Functions the launcher provides to compiled code through the builtin table (see
        /// [`for_each_builtin!`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum Builtin {
            $($(#[doc = $doc])* $variant = $index,)*
        }

        impl Builtin {
            /// Every builtin, in table order.
            pub const ALL: [Builtin; [$($index),*].len()] = [$(Builtin::$variant),*];

            /// Its signature after the VM context.
            pub const fn signature(self) -> BuiltinSignature {
                match self {
                    $(Builtin::$variant => BuiltinSignature {
                        params: &[$(builtin_type!($ty)),*],
                        result: builtin_result!($($result)?),
                    },)*
                }
            }

            /// Its name in the launcher (`memory_grow`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Builtin::$variant => stringify!($name),)*
                }
            }
        }
    };
}
for_each_builtin!(define_builtins);

/// Number of builtins.
pub const BUILTIN_COUNT: u32 = Builtin::ALL.len() as u32;

/// Offset of a builtin's code pointer.
pub const fn builtin_offset(builtin: Builtin) -> u32 {
    BUILTINS + 8 * builtin as u32
}

/// Offsets of the module-dependent parts of the VM context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmOffsets {
    num_types: u32,
    num_funcs: u32,
    num_tables: u32,
    num_globals: u32,
}

impl VmOffsets {
    /// Layout for a module with this many canonical types, functions, tables and globals
    /// (imported and defined).
    pub fn new(num_types: u32, num_funcs: u32, num_tables: u32, num_globals: u32) -> Self {
        VmOffsets {
            num_types,
            num_funcs,
            num_tables,
            num_globals,
        }
    }

    /// Offset of the first type id.
    pub fn type_ids(&self) -> u32 {
        BUILTINS + 8 * BUILTIN_COUNT
    }

    /// Offset of canonical type `index`'s process-wide id (`u32`).
    pub fn type_id(&self, index: u32) -> u32 {
        self.type_ids() + 4 * index
    }

    /// Offset of the first [`FuncRef`].
    pub fn funcrefs(&self) -> u32 {
        (self.type_ids() + 4 * self.num_types).next_multiple_of(8)
    }

    /// Offset of function `index`'s [`FuncRef`].
    pub fn funcref(&self, index: u32) -> u32 {
        self.funcrefs() + FUNCREF_SIZE * index
    }

    /// Offset of the first [`VmTable`].
    pub fn tables(&self) -> u32 {
        self.funcrefs() + FUNCREF_SIZE * self.num_funcs
    }

    /// Offset of table `index`'s [`VmTable`].
    pub fn table(&self, index: u32) -> u32 {
        self.tables() + TABLE_SIZE * index
    }

    /// Offset of the first global slot (16-byte aligned, for `v128` values).
    pub fn globals(&self) -> u32 {
        (self.tables() + TABLE_SIZE * self.num_tables).next_multiple_of(16)
    }

    /// Offset of global `index`'s slot.
    pub fn global(&self, index: u32) -> u32 {
        self.globals() + GLOBAL_SIZE * index
    }

    /// Total size of the VM context in bytes.
    pub fn size(&self) -> u32 {
        self.globals() + GLOBAL_SIZE * self.num_globals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_numbered_in_table_order_with_distinct_names() {
        for (index, builtin) in Builtin::ALL.iter().enumerate() {
            assert_eq!(*builtin as usize, index, "{builtin:?}");
            assert_eq!(
                builtin_offset(*builtin),
                BUILTINS + 8 * index as u32,
                "{builtin:?}"
            );
        }
        let mut names: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Builtin::ALL.len());
    }

    #[test]
    fn signatures_follow_the_list() {
        assert_eq!(
            Builtin::MemoryGrow.signature(),
            BuiltinSignature {
                params: &[BuiltinType::I32],
                result: Some(BuiltinType::I32)
            }
        );
        assert_eq!(
            Builtin::TableFill.signature().params,
            &[
                BuiltinType::I32,
                BuiltinType::I32,
                BuiltinType::Ptr,
                BuiltinType::I32
            ]
        );
        assert_eq!(Builtin::DataDrop.signature().result, None);
    }
}

//! What instances share: functions, globals, tables and memories one instance exports and
//! another imports ([`Extern`]).
//!
//! `wasmpirun` runs one module per process and binds only host functions, but the library
//! can link instances together (the spec tests do, and provide the `spectest` table, memory
//! and globals as host objects). Compiled code reaches everything through its own VM
//! context, so sharing works like this:
//! - a function is a [`FuncRef`] (code, the VM context to call it with, type id), copied into
//!   the importer's VM context;
//! - a global is a pointer to its value, stored in the importer's global slot;
//! - a table or memory is one object ([`Table`], [`Memory`]) that knows the VM context slots
//!   of every instance using it and rewrites them when it grows.

use crate::memory::LinearMemory;
use crate::regions;
use crate::{Error, Val};
use std::cell::{RefCell, UnsafeCell};
use std::rc::Rc;
use wasmpi_abi::types::ValType;
use wasmpi_abi::vmctx::{self, FuncRef, VmTable};
use wasmpi_abi::WASM_PAGE_SIZE;

/// Something an instance (or the host) provides for another instance to import.
#[derive(Clone)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table of function references.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
}

/// A function of an instance.
#[derive(Clone, Copy, Debug)]
pub struct Func {
    pub(crate) funcref: FuncRef,
}

/// A global variable: where its value lives, and its type.
#[derive(Clone)]
pub struct Global {
    pub(crate) value: *mut u128,
    pub(crate) ty: ValType,
    pub(crate) mutable: bool,
    /// Host storage, for globals the host created (kept alive by every handle).
    pub(crate) _storage: Option<Rc<GlobalCell>>,
}

/// The storage of a host global: 16-byte aligned, like VM context global slots.
#[repr(C, align(16))]
pub(crate) struct GlobalCell(UnsafeCell<u128>);

impl Global {
    /// A global owned by the host, with an initial value (its type is the value's). Fails
    /// only for a function reference whose instance is gone.
    pub fn new(value: Val, mutable: bool) -> Result<Global, Error> {
        let storage = Rc::new(GlobalCell(UnsafeCell::new(value.to_bits()?)));
        Ok(Global {
            value: storage.0.get(),
            ty: value.ty(),
            mutable,
            _storage: Some(storage),
        })
    }

    /// The current value.
    pub fn get(&self) -> Val {
        // SAFETY: `value` points at a live, aligned global slot: host storage kept alive by
        // `_storage`, or the VM context of an instance the holder keeps alive (see
        // `Instance::with_imports`). Wasm is not running while the host reads.
        Val::from_bits(self.ty, unsafe { self.value.read() })
    }

    /// Its type.
    pub fn ty(&self) -> ValType {
        self.ty
    }

    /// Whether it is mutable.
    pub fn is_mutable(&self) -> bool {
        self.mutable
    }
}

/// A table of function references, shareable between instances.
#[derive(Clone)]
pub struct Table(Rc<TableInner>);

struct TableInner {
    /// Entries: addresses of [`FuncRef`]s, 0 for null.
    elements: RefCell<Vec<usize>>,
    max: Option<u32>,
    /// The [`VmTable`] slots of every VM context using the table.
    users: RefCell<Vec<*mut VmTable>>,
}

/// Tables larger than this are refused (`table.grow` returns -1): entries are 8 bytes.
const TABLE_LIMIT: u64 = 10_000_000;

impl Table {
    /// A table of `min` null entries, growable to `max`.
    pub fn new(min: u32, max: Option<u32>) -> Result<Table, Error> {
        if u64::from(min) > TABLE_LIMIT {
            return Err(Error::Resource(format!(
                "a table of {min} entries is larger than wasmpi allows ({TABLE_LIMIT})"
            )));
        }
        Ok(Table(Rc::new(TableInner {
            elements: RefCell::new(vec![0; min as usize]),
            max,
            users: RefCell::new(Vec::new()),
        })))
    }

    /// Current number of entries.
    pub fn len(&self) -> u32 {
        self.0.elements.borrow().len() as u32
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Declared maximum.
    pub fn max(&self) -> Option<u32> {
        self.0.max
    }

    /// Whether two handles designate the same table.
    pub fn same(&self, other: &Table) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Entry `index` (address of a [`FuncRef`], 0 for null).
    pub(crate) fn get(&self, index: u32) -> Option<usize> {
        self.0.elements.borrow().get(index as usize).copied()
    }

    /// Runs `f` on the entries. Must not grow them (use [`Table::grow`]).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut [usize]) -> R) -> R {
        f(&mut self.0.elements.borrow_mut())
    }

    /// Runs `f` on the entries of two distinct tables.
    pub(crate) fn with_two<R>(
        &self,
        other: &Table,
        f: impl FnOnce(&mut [usize], &mut [usize]) -> R,
    ) -> R {
        f(
            &mut self.0.elements.borrow_mut(),
            &mut other.0.elements.borrow_mut(),
        )
    }

    /// Grows by `delta` entries set to `init`; returns the old length, or `None` past the
    /// maximum.
    pub(crate) fn grow(&self, delta: u32, init: usize) -> Option<u32> {
        let max = u64::from(self.0.max.unwrap_or(u32::MAX)).min(TABLE_LIMIT);
        let old = {
            let mut elements = self.0.elements.borrow_mut();
            let old = elements.len();
            let new = (old as u64).checked_add(u64::from(delta))?;
            if new > max {
                return None;
            }
            elements.resize(new as usize, init);
            old as u32
        };
        self.sync();
        Some(old)
    }

    /// Starts keeping `slot` (in a VM context) in sync with the table.
    pub(crate) fn attach(&self, slot: *mut VmTable) {
        self.0.users.borrow_mut().push(slot);
        self.sync();
    }

    /// Stops keeping `slot` in sync.
    pub(crate) fn detach(&self, slot: *mut VmTable) {
        self.0.users.borrow_mut().retain(|s| *s != slot);
    }

    fn sync(&self) {
        let mut elements = self.0.elements.borrow_mut();
        let table = VmTable {
            base: elements.as_mut_ptr() as usize,
            len: elements.len() as u64,
        };
        for slot in self.0.users.borrow().iter() {
            // SAFETY: attached slots belong to live VM contexts (instances detach on drop).
            unsafe { slot.write(table) };
        }
    }
}

/// A linear memory, shareable between instances.
#[derive(Clone)]
pub struct Memory(Rc<MemoryInner>);

struct MemoryInner {
    memory: RefCell<LinearMemory>,
    max: Option<u64>,
    /// VM contexts using the memory, whose size field follows `memory.grow`.
    users: RefCell<Vec<*mut u8>>,
    _region: regions::MemoryGuard,
}

impl Memory {
    /// A memory of `min` pages, growable to `max`.
    pub fn new(min: u64, max: Option<u64>) -> Result<Memory, Error> {
        let memory = LinearMemory::new(min, max).map_err(|e| Error::Resource(e.to_string()))?;
        let region = regions::register_memory(memory.base() as usize, crate::memory::RESERVATION);
        Ok(Memory(Rc::new(MemoryInner {
            memory: RefCell::new(memory),
            max,
            users: RefCell::new(Vec::new()),
            _region: region,
        })))
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        self.0.memory.borrow().size() as u64 / WASM_PAGE_SIZE
    }

    /// Declared maximum in pages.
    pub fn max(&self) -> Option<u64> {
        self.0.max
    }

    /// Base address and accessible size.
    pub(crate) fn parts(&self) -> (*mut u8, usize) {
        let memory = self.0.memory.borrow();
        (memory.base(), memory.size())
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None`.
    pub(crate) fn grow(&self, delta: u64) -> Option<u64> {
        let (old, size) = {
            let mut memory = self.0.memory.borrow_mut();
            let old = memory.grow(delta)?;
            (old, memory.size() as u64)
        };
        for vmctx in self.0.users.borrow().iter() {
            // SAFETY: attached VM contexts are live (instances detach on drop).
            unsafe { write_size(*vmctx, size) };
        }
        Some(old)
    }

    /// Starts keeping `vmctx`'s memory fields in sync with this memory.
    pub(crate) fn attach(&self, vmctx: *mut u8) {
        let (base, size) = self.parts();
        // SAFETY: the caller passes a live VM context.
        unsafe {
            (vmctx.add(vmctx::MEMORY_BASE as usize) as *mut usize).write(base as usize);
            write_size(vmctx, size as u64);
        }
        self.0.users.borrow_mut().push(vmctx);
    }

    /// Stops keeping `vmctx` in sync.
    pub(crate) fn detach(&self, vmctx: *mut u8) {
        self.0.users.borrow_mut().retain(|v| *v != vmctx);
    }
}

/// # Safety
/// `vmctx` must be a live VM context.
unsafe fn write_size(vmctx: *mut u8, size: u64) {
    // SAFETY: forwarded; the size field is 8-byte aligned.
    unsafe { (vmctx.add(vmctx::MEMORY_SIZE as usize) as *mut u64).write(size) }
}

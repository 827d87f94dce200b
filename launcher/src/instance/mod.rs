//! Instances: the state of one instantiated module, and calls into it.
//!
//! An instance's state is one heap block, [`InstanceState`]: the [`HostState`] that host
//! functions reach (WASI, MPI), then the [`VmState`] that compiled code and builtins reach
//! (VM context, memory, tables, globals, segments' drop flags). The VM context's `INSTANCE`
//! slot points at the block; `#[repr(C)]` puts the host state at its start, which is how
//! `host.rs` finds it without knowing this type. Code on each side projects onto its own
//! half through raw pointers, so a builtin running inside a host function's call into wasm
//! never borrows what that host function holds.
//!
//! Building an instance (linking imports, filling the VM context, applying segments) is in
//! [`instantiate`].

mod builtins;
mod instantiate;

use crate::artifact::Artifact;
use crate::enter::{self, Unwind};
use crate::host::{Callee, HostState};
use crate::linking::{Extern, Func, Global, Memory, Table};
use crate::stack::Stack;
use crate::wasi::WasiCtx;
use crate::{refs, regions, typeids, Error, Trap, Val};
use std::alloc::Layout;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;
use wasmpi_abi::artifact::{ConstInit, ExportKind, SegmentOffset, NULL_FUNC};
use wasmpi_abi::trap::TrapKind;
use wasmpi_abi::types::ValType;
use wasmpi_abi::vmctx::{self, VmOffsets};

/// The state of one instance: one heap block the VM context's `INSTANCE` slot points to.
#[repr(C)]
pub(crate) struct InstanceState {
    /// What host functions reach; first, see the module documentation.
    host: HostState,
    /// What compiled code and builtins reach.
    vm: VmState,
}

/// The VM context's memory block: allocated and freed by hand so that compiled code's
/// pointers into it stay valid (no Rust reference to it is ever made).
struct VmCtxBlock {
    base: NonNull<u8>,
    layout: Layout,
}

impl VmCtxBlock {
    /// A zeroed block of `size` bytes, 16-byte aligned (for `v128` globals).
    fn new(size: usize) -> Result<VmCtxBlock, Error> {
        let layout = Layout::from_size_align(size.max(16), 16)
            .map_err(|_| Error::Resource(format!("a VM context of {size} bytes")))?;
        // SAFETY: the layout has a non-zero size.
        let base = NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) }).ok_or_else(|| {
            Error::Resource(format!("cannot allocate a VM context of {size} bytes"))
        })?;
        Ok(VmCtxBlock { base, layout })
    }

    fn ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }
}

impl Drop for VmCtxBlock {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.base.as_ptr(), self.layout) }
    }
}

/// The part of an instance compiled code and builtins work with.
pub(crate) struct VmState {
    vmctx: VmCtxBlock,
    offsets: VmOffsets,
    memory: Option<Memory>,
    /// Every table, imported first.
    tables: Vec<Table>,
    /// How many of `tables` are imported.
    imported_tables: usize,
    /// Imported globals (their slots point into these).
    imported_globals: Vec<Global>,
    dropped_data: Vec<bool>,
    dropped_elements: Vec<bool>,
    stack: Rc<Stack>,
    _funcrefs: refs::Registration,
    _code: regions::CodeGuard,
    artifact: Arc<Artifact>,
}

impl Drop for VmState {
    fn drop(&mut self) {
        let vmctx = self.vmctx_ptr();
        for (index, table) in self.tables.iter().enumerate() {
            // SAFETY: the slot lies inside this VM context (offsets computed for it).
            let slot = unsafe { vmctx.add(self.offsets.table(index as u32) as usize) };
            table.detach(slot.cast());
        }
        if let Some(memory) = &self.memory {
            memory.detach(vmctx);
        }
    }
}

/// The state behind a VM context.
///
/// # Safety
/// `vmctx` must be the VM context of a live instance.
unsafe fn state_of(vmctx: *mut u8) -> *mut InstanceState {
    // SAFETY: per the contract; the INSTANCE slot points at the whole state, whose host half
    // comes first (`#[repr(C)]`).
    unsafe { crate::host::host_state_of(vmctx).cast() }
}

/// The VM half of the instance behind `vmctx`, for builtins.
///
/// # Safety
/// `vmctx` must be a live instance's VM context, passed by compiled code (wasm is
/// suspended while a builtin runs), and the reference must not outlive the builtin call.
pub(crate) unsafe fn vm_state<'a>(vmctx: *mut u8) -> &'a mut VmState {
    // SAFETY: per the contract; a projection onto the VM half only, which no host function
    // borrows.
    unsafe { &mut *std::ptr::addr_of_mut!((*state_of(vmctx)).vm) }
}

impl VmState {
    fn vmctx_ptr(&self) -> *mut u8 {
        self.vmctx.ptr()
    }

    fn write<T: Copy>(&mut self, offset: u32, value: T) {
        assert!(offset as usize + std::mem::size_of::<T>() <= self.vmctx.layout.size());
        // SAFETY: bounds checked above.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *mut T).write_unaligned(value) }
    }

    fn read<T: Copy>(&self, offset: u32) -> T {
        assert!(offset as usize + std::mem::size_of::<T>() <= self.vmctx.layout.size());
        // SAFETY: as in `write`.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *const T).read_unaligned() }
    }

    /// The accessible linear memory.
    pub(crate) fn memory_slice(&mut self) -> &mut [u8] {
        let Some(memory) = &self.memory else {
            return &mut [];
        };
        let (base, size) = memory.parts();
        // SAFETY: the memory's accessible pages are mapped read-write for as long as it lives
        // (this instance holds it); wasm code and other instances do not run while the host
        // holds the slice (one thread, wasm suspended).
        unsafe { crate::host::linear_memory(base, size) }
    }

    /// Grows linear memory by `pages` pages (keeping every sharing VM context's size in
    /// sync); returns the old size in pages, or `None`.
    pub(crate) fn grow_memory(&mut self, pages: u32) -> Option<u64> {
        self.memory.as_ref()?.grow(u64::from(pages))
    }

    /// The artifact this instance runs.
    pub(crate) fn artifact(&self) -> &Arc<Artifact> {
        &self.artifact
    }

    /// Table `index`.
    pub(crate) fn table(&self, index: u32) -> Option<&Table> {
        self.tables.get(index as usize)
    }

    /// Whether data segment `segment` was dropped; `None` if there is no such segment.
    pub(crate) fn data_dropped(&mut self, segment: u32) -> Option<&mut bool> {
        self.dropped_data.get_mut(segment as usize)
    }

    /// Whether element segment `segment` was dropped; `None` if there is no such segment.
    pub(crate) fn elements_dropped(&mut self, segment: u32) -> Option<&mut bool> {
        self.dropped_elements.get_mut(segment as usize)
    }

    /// The address of function `func`'s `FuncRef` (0 for [`NULL_FUNC`]).
    pub(crate) fn funcref_address(&self, func: u32) -> usize {
        if func == NULL_FUNC {
            return 0;
        }
        self.vmctx_ptr() as usize + self.offsets.funcref(func) as usize
    }

    /// Where global `index`'s value is.
    fn global_ptr(&self, index: u32) -> *mut u128 {
        match self.imported_globals.get(index as usize) {
            Some(global) => global.value,
            // SAFETY: the slot lies inside the VM context (offsets computed for it).
            None => unsafe {
                self.vmctx_ptr()
                    .add(self.offsets.global(index) as usize)
                    .cast()
            },
        }
    }

    fn global_value(&self, index: u32) -> u128 {
        // SAFETY: a VM context slot, or an imported global kept alive by its exporter.
        unsafe { self.global_ptr(index).read() }
    }

    fn eval(&self, init: ConstInit) -> u128 {
        match init {
            ConstInit::I32(v) => v as u32 as u128,
            ConstInit::I64(v) => v as u64 as u128,
            ConstInit::F32(bits) => bits as u128,
            ConstInit::F64(bits) => bits as u128,
            ConstInit::V128(bits) => bits,
            ConstInit::RefNull => 0,
            ConstInit::RefFunc(f) => self.funcref_address(f) as u128,
            ConstInit::GlobalGet(g) => self.global_value(g),
        }
    }

    fn segment_offset(&self, at: SegmentOffset) -> u64 {
        let base = at
            .base
            .map(|g| self.global_value(g) as u32 as u64)
            .unwrap_or(0);
        base.wrapping_add(at.offset as u32 as u64) & 0xffff_ffff
    }

    fn export_kind(&self, name: &str) -> Option<ExportKind> {
        self.artifact
            .metadata()
            .exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.kind)
    }

    /// The function `callee` designates, with a name for messages.
    fn resolve(&self, callee: Callee<'_>) -> Result<(vmctx::FuncRef, String), Error> {
        match callee {
            Callee::Export(name) => match self.export_kind(name) {
                Some(ExportKind::Func(index)) => {
                    Ok((self.read(self.offsets.funcref(index)), name.to_string()))
                }
                _ => Err(Error::NoSuchExport(name.to_string())),
            },
            Callee::FunctionPointer(pointer) => {
                let entry = self.table(0).and_then(|t| t.get(pointer)).unwrap_or(0);
                if entry == 0 {
                    return Err(Error::Call(format!(
                        "function pointer {pointer} designates no function"
                    )));
                }
                // SAFETY: non-null table entries point at FuncRefs inside the VM context of
                // a live instance (this one, or one kept alive with the table).
                let funcref = unsafe { *(entry as *const vmctx::FuncRef) };
                Ok((funcref, format!("function pointer {pointer}")))
            }
        }
    }

    /// Finds `callee` and prepares a call of it with `args`.
    fn prepare_callee(&self, callee: Callee<'_>, args: &[Val]) -> Result<PreparedCall, Error> {
        let (funcref, name) = self.resolve(callee)?;
        self.prepare(funcref, &name, args)
    }

    /// Checks a call of `callee` with `args` against its type and prepares it.
    fn prepare(
        &self,
        callee: vmctx::FuncRef,
        name: &str,
        args: &[Val],
    ) -> Result<PreparedCall, Error> {
        let meta = self.artifact.metadata();
        // Any entry trampoline for the callee's type will do: find this artifact's, by the
        // type ids in our VM context (no lock on the registry for every call).
        let type_index = (0..meta.types.len())
            .find(|&i| self.read::<u32>(self.offsets.type_id(i as u32)) == callee.type_id)
            .ok_or_else(|| {
                let ty = typeids::lookup(callee.type_id)
                    .map_or_else(|| "?".to_string(), |t| t.to_string());
                Error::Call(format!("`{name}` has type {ty}, unknown to this module"))
            })?;
        let ty = &meta.types[type_index];
        let arg_types: Vec<ValType> = args.iter().map(Val::ty).collect();
        if arg_types != ty.params {
            return Err(Error::Call(format!(
                "`{name}` has type {ty}, called with {arg_types:?}"
            )));
        }
        let mut values = vec![0u128; ty.params.len().max(ty.results.len())];
        for (slot, arg) in values.iter_mut().zip(args) {
            *slot = arg.to_bits()?;
        }
        let nested = !enter::current().is_null();
        Ok(PreparedCall {
            artifact: self.artifact.clone(),
            type_index,
            callee,
            values,
            stack_top: if nested { 0 } else { self.stack.top() },
        })
    }
}

/// A call into wasm whose arguments were checked: made with no borrow of any instance alive,
/// since host functions and builtins inside it derive their own.
struct PreparedCall {
    artifact: Arc<Artifact>,
    type_index: usize,
    callee: vmctx::FuncRef,
    values: Vec<u128>,
    stack_top: usize,
}

impl PreparedCall {
    fn run(mut self) -> Result<Vec<Val>, Error> {
        crate::signals::ensure_installed();
        let meta = self.artifact.metadata();
        let trampoline = self.artifact.text().as_ptr() as usize
            + meta.trampolines[self.type_index].offset as usize;
        // SAFETY: the trampoline was compiled for the callee's type (`prepare` found it by
        // the callee's type id), `values` has a slot for every parameter and result, and
        // vmctx is the callee's fully initialized VM context (of a live instance).
        let outcome = unsafe {
            enter::call_wasm(
                trampoline,
                self.callee.vmctx as *mut u8,
                self.callee.code,
                &mut self.values,
                self.stack_top,
            )
        };
        let ty = &meta.types[self.type_index];
        match outcome {
            Ok(()) => Ok(ty
                .results
                .iter()
                .zip(&self.values)
                .map(|(t, bits)| Val::from_bits(*t, *bits))
                .collect()),
            Err(Unwind::Exit(code)) => Err(Error::Exit(code)),
            Err(Unwind::Trap(kind, offset)) => {
                Err(Error::Trap(trap_at(&self.artifact, kind, offset)))
            }
        }
    }
}

/// The [`crate::host::GuestCaller`] of every instance: host code calling back into wasm.
///
/// # Safety
/// `vmctx` must be a live instance's VM context, from a host function wasm called.
unsafe fn call_guest(vmctx: *mut u8, callee: Callee<'_>, args: &[Val]) -> Result<Vec<Val>, Error> {
    // SAFETY: per the contract; the borrow ends before wasm runs.
    let prepared = unsafe { vm_state(vmctx) }.prepare_callee(callee, args)?;
    prepared.run()
}

/// An instantiated module.
pub struct Instance {
    /// Owned: allocated by `Box::into_raw` at instantiation, freed on drop. Held as a
    /// pointer because compiled code and host functions reach the state through the VM
    /// context while wasm runs.
    state: NonNull<InstanceState>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: allocated by Box::into_raw at instantiation and freed only here.
        drop(unsafe { Box::from_raw(self.state.as_ptr()) });
    }
}

impl Instance {
    fn vm(&mut self) -> &mut VmState {
        // SAFETY: the state is alive while the instance is; `&mut self` means no wasm runs.
        unsafe { &mut (*self.state.as_ptr()).vm }
    }

    fn vm_ref(&self) -> &VmState {
        // SAFETY: as in `vm`.
        unsafe { &(*self.state.as_ptr()).vm }
    }

    /// The artifact this instance runs.
    pub fn artifact(&self) -> &Arc<Artifact> {
        &self.vm_ref().artifact
    }

    /// The linear memory.
    pub fn memory(&mut self) -> &mut [u8] {
        self.vm().memory_slice()
    }

    /// The WASI state.
    pub fn wasi(&mut self) -> &mut WasiCtx {
        // SAFETY: as in `vm`, for the host half.
        unsafe { (*self.state.as_ptr()).host.wasi() }
    }

    /// Whether the module exports a function called `name`.
    pub fn has_export(&self, name: &str) -> bool {
        self.export_func(name).is_some()
    }

    fn export_func(&self, name: &str) -> Option<u32> {
        match self.vm_ref().export_kind(name)? {
            ExportKind::Func(index) => Some(index),
            _ => None,
        }
    }

    /// What the module exports as `name`, for other instances to import (see
    /// [`Instance::with_imports`] for how long it may be used).
    pub fn export(&mut self, name: &str) -> Option<Extern> {
        let vm = self.vm();
        Some(match vm.export_kind(name)? {
            ExportKind::Func(index) => Extern::Func(Func {
                funcref: vm.read(vm.offsets.funcref(index)),
            }),
            ExportKind::Global(index) => Extern::Global(self.global_handle(index)?),
            ExportKind::Table(index) => Extern::Table(vm.tables.get(index as usize)?.clone()),
            ExportKind::Memory(_) => Extern::Memory(vm.memory.clone()?),
        })
    }

    fn global_handle(&mut self, index: u32) -> Option<Global> {
        let vm = self.vm();
        if let Some(imported) = vm.imported_globals.get(index as usize) {
            return Some(imported.clone());
        }
        let meta = vm.artifact.metadata();
        let defined = meta
            .globals
            .get(index as usize - meta.global_imports.len())?;
        Some(Global {
            value: vm.global_ptr(index),
            ty: defined.ty,
            mutable: defined.mutable,
            _storage: None,
        })
    }

    /// The current value of the global the module exports as `name` (`None` if it exports
    /// no global by that name).
    pub fn global(&mut self, name: &str) -> Option<Val> {
        match self.vm().export_kind(name)? {
            ExportKind::Global(index) => Some(self.global_handle(index)?.get()),
            _ => None,
        }
    }

    /// Calls the exported function `name` with `args`.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let prepared = self.vm().prepare_callee(Callee::Export(name), args)?;
        prepared.run()
    }

    /// Calls function `index` (imports first) with `args`.
    pub fn call_index(&mut self, index: u32, args: &[Val]) -> Result<Vec<Val>, Error> {
        let prepared = {
            let vm = self.vm();
            let meta = vm.artifact.metadata();
            if index >= meta.num_funcs() {
                return Err(Error::NoSuchExport(format!("function {index}")));
            }
            let name = meta.func_name(index);
            let callee: vmctx::FuncRef = vm.read(vm.offsets.funcref(index));
            vm.prepare(callee, &name, args)?
        };
        prepared.run()
    }
}

fn trap_at(artifact: &Artifact, kind: TrapKind, offset: u32) -> Trap {
    let meta = artifact.metadata();
    match meta.function_at(offset) {
        Some((defined, within)) => Trap {
            kind,
            function: meta.functions[defined].name.clone(),
            offset: within,
        },
        None => Trap {
            kind,
            function: "<host code>".to_string(),
            offset,
        },
    }
}

//! Instantiation and calls: the VM context, tables, globals, segments, and entering wasm.
//!
//! Imports bind to host functions or, through [`Instance::with_imports`], to what other
//! instances export ([`crate::linking`]).

use crate::artifact::Artifact;
use crate::enter::{self, Activation, Unwind};
use crate::host::HostFunc;
use crate::linking::{Extern, Func, Global, Memory, Table};
use crate::stack::Stack;
use crate::wasi::WasiCtx;
use crate::{regions, typeids, Error, Trap, Val};
use std::rc::Rc;
use std::sync::Arc;
use wasmpi_abi::artifact::{
    ConstInit, ElementMode, ExportKind, Metadata, SegmentOffset, NULL_FUNC,
};
use wasmpi_abi::trap::TrapKind;
use wasmpi_abi::types::ValType;
use wasmpi_abi::vmctx::{self, VmOffsets};

/// The state of one instance. The VM context's INSTANCE slot points here, which is how host
/// functions and builtins reach it.
pub struct InstanceState {
    /// The VM context, in 16-byte units so global slots are aligned for `v128`.
    vmctx: Box<[u128]>,
    offsets: VmOffsets,
    memory: Option<Memory>,
    /// WASI state of the program.
    pub(crate) wasi: WasiCtx,
    /// MPI state, created at the first MPI call.
    #[cfg(feature = "mpi")]
    /// Inline rather than boxed: trampolines reach the handle tables one load sooner.
    mpi: Option<crate::mpi::Mpi>,
    /// Every table, imported first.
    tables: Vec<Table>,
    /// Imported globals (their slots point into these).
    imported_globals: Vec<Global>,
    dropped_data: Vec<bool>,
    dropped_elements: Vec<bool>,
    stack: Rc<Stack>,
    _code: regions::CodeGuard,
    artifact: Arc<Artifact>,
}

impl Drop for InstanceState {
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

/// The state of the instance whose wasm code is running on this thread (innermost), for
/// host callbacks that the host MPI invokes (user-defined reductions).
///
/// # Safety
/// The caller must not keep the reference beyond the callback, nor hold another reference to
/// the same state while using it.
#[cfg(feature = "mpi")]
pub unsafe fn running_state<'a>() -> Option<&'a mut InstanceState> {
    let activation = enter::current();
    if activation.is_null() {
        return None;
    }
    // SAFETY: a non-null activation is live and its vmctx belongs to a live instance.
    unsafe { Some(&mut *state_of((*activation).vmctx)) }
}

/// The state behind a VM context.
///
/// # Safety
/// `vmctx` must be the VM context of a live instance.
pub unsafe fn state_of(vmctx: *mut u8) -> *mut InstanceState {
    // SAFETY: per the contract, INSTANCE holds the instance pointer written at instantiation.
    unsafe { *(vmctx.add(vmctx::INSTANCE as usize) as *const *mut InstanceState) }
}

/// Base and size of the linear memory of the instance behind `vmctx`, from the VM context's
/// base and size fields (which follow every `memory.grow`; size 0 without a memory).
///
/// # Safety
/// `vmctx` must be a live instance's VM context.
#[cfg(feature = "mpi")]
#[inline(always)]
pub unsafe fn memory_of(vmctx: *mut u8) -> (*mut u8, usize) {
    // SAFETY: per the contract, both fields are initialized for a live instance.
    unsafe {
        (
            *(vmctx.add(vmctx::MEMORY_BASE as usize) as *const *mut u8),
            *(vmctx.add(vmctx::MEMORY_SIZE as usize) as *const u64) as usize,
        )
    }
}

/// Creates the MPI state in `slot`: once, out of line, so that the trampolines' stack frames
/// do not reserve room for it.
#[cfg(feature = "mpi")]
#[cold]
#[inline(never)]
fn init_mpi(slot: &mut Option<crate::mpi::Mpi>) {
    *slot = Some(crate::mpi::Mpi::default());
}

impl InstanceState {
    fn vmctx_ptr(&mut self) -> *mut u8 {
        self.vmctx.as_mut_ptr().cast()
    }

    fn write<T: Copy>(&mut self, offset: u32, value: T) {
        assert!(offset as usize + std::mem::size_of::<T>() <= self.vmctx.len() * 16);
        // SAFETY: bounds checked above.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *mut T).write_unaligned(value) }
    }

    fn read<T: Copy>(&mut self, offset: u32) -> T {
        assert!(offset as usize + std::mem::size_of::<T>() <= self.vmctx.len() * 16);
        // SAFETY: as in `write`.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *const T).read_unaligned() }
    }

    /// The accessible linear memory.
    pub fn memory_slice(&mut self) -> &mut [u8] {
        match &self.memory {
            // SAFETY: the memory's accessible pages are mapped read-write for as long as it
            // lives (this instance holds it); wasm code and other instances do not run while
            // the host holds the slice (one thread, wasm suspended).
            Some(memory) => {
                let (base, size) = memory.parts();
                if size == 0 {
                    return &mut [];
                }
                unsafe { std::slice::from_raw_parts_mut(base, size) }
            }
            None => &mut [],
        }
    }

    /// Memory and WASI state at once.
    pub fn memory_and_wasi(&mut self) -> (&mut [u8], &mut WasiCtx) {
        let memory: *mut [u8] = self.memory_slice();
        // SAFETY: the slice is the linear memory, disjoint from `self.wasi`.
        (unsafe { &mut *memory }, &mut self.wasi)
    }

    /// Grows linear memory by `pages` pages from the host (as `memory.grow` does, keeping the
    /// VM context's memory size in sync) and returns the old end in bytes: the guest address
    /// of the new, zeroed pages. `None` if there is no memory or it cannot grow that much.
    /// Memory obtained this way belongs to no guest allocator and is never returned.
    pub fn grow_memory(&mut self, pages: u32) -> Option<u64> {
        let old_pages = self.memory.as_ref()?.grow(u64::from(pages))?;
        Some(old_pages * wasmpi_abi::WASM_PAGE_SIZE)
    }

    /// The MPI state, if an MPI call created it already.
    #[cfg(feature = "mpi")]
    #[inline]
    pub fn mpi_state(&self) -> Option<&crate::mpi::Mpi> {
        self.mpi.as_ref()
    }

    /// Memory and MPI state, for an MPI trampoline.
    #[cfg(feature = "mpi")]
    pub fn mpi_cx(&mut self) -> crate::mpi::Cx<'_> {
        let vmctx = self.vmctx_ptr();
        // SAFETY: this instance's own VM context.
        unsafe { self.mpi_cx_at(vmctx) }
    }

    /// [`InstanceState::mpi_cx`] with the linear memory read from the VM context at `vmctx`
    /// (its base and size fields, which follow every `memory.grow`): host functions receive
    /// that pointer in a register, so the memory costs them two loads and no borrow.
    ///
    /// # Safety
    /// `vmctx` must be this instance's VM context.
    #[cfg(feature = "mpi")]
    pub unsafe fn mpi_cx_at(&mut self, vmctx: *mut u8) -> crate::mpi::Cx<'_> {
        // SAFETY: per the contract, the base and size fields describe the accessible part of
        // this instance's linear memory (size 0 when it has none), mapped read-write while
        // the instance lives; wasm is suspended while the host runs.
        let memory: &mut [u8] = unsafe {
            let (base, size) = memory_of(vmctx);
            if size == 0 {
                &mut []
            } else {
                std::slice::from_raw_parts_mut(base, size)
            }
        };
        if self.mpi.is_none() {
            init_mpi(&mut self.mpi);
        }
        let Some(mpi) = self.mpi.as_mut() else {
            unreachable!("the MPI state was created just above")
        };
        crate::mpi::Cx::new(memory, mpi, &mut self.wasi)
    }

    fn funcref_address(&mut self, func: u32) -> usize {
        if func == NULL_FUNC {
            return 0;
        }
        self.vmctx_ptr() as usize + self.offsets.funcref(func) as usize
    }

    /// Where global `index`'s value is.
    fn global_ptr(&mut self, index: u32) -> *mut u128 {
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

    fn global_value(&mut self, index: u32) -> u128 {
        // SAFETY: a VM context slot, or an imported global kept alive by its exporter.
        unsafe { self.global_ptr(index).read() }
    }

    fn eval(&mut self, init: ConstInit) -> u128 {
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

    fn segment_offset(&mut self, at: SegmentOffset) -> u64 {
        let base = at
            .base
            .map(|g| self.global_value(g) as u32 as u64)
            .unwrap_or(0);
        base.wrapping_add(at.offset as u32 as u64) & 0xffff_ffff
    }
}

/// An instantiated module.
pub struct Instance {
    state: Box<InstanceState>,
}

/// What each import of a module is bound to.
struct Links {
    funcs: Vec<vmctx::FuncRef>,
    globals: Vec<Global>,
    tables: Vec<Table>,
    memory: Option<Memory>,
}

fn type_list(types: &[ValType]) -> String {
    types
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds every import: to what `resolve` provides, else (functions) to a host function.
/// Imported functions get `vmctx: 0` for host functions, to be filled with the importer's.
fn link(
    meta: &Metadata,
    host: &[HostFunc],
    resolve: &dyn Fn(&str, &str) -> Option<Extern>,
) -> Result<Links, Error> {
    let mut missing = Vec::new();
    let mut other_missing = Vec::new();
    let incompatible = |module: &str, name: &str, why: String| {
        Error::Link(format!(
            "incompatible import type for {module}.{name}: {why}"
        ))
    };
    let mut funcs = Vec::with_capacity(meta.imports.len());
    for import in &meta.imports {
        let ty = &meta.types[import.type_index as usize];
        let type_id = typeids::intern(ty);
        match resolve(&import.module, &import.name) {
            Some(Extern::Func(func)) if func.funcref.type_id == type_id => {
                funcs.push(func.funcref);
                continue;
            }
            Some(Extern::Func(func)) => {
                let actual = typeids::lookup(func.funcref.type_id)
                    .map_or_else(|| "?".to_string(), |t| t.to_string());
                return Err(incompatible(
                    &import.module,
                    &import.name,
                    format!("expected a function of type {ty}, got {actual}"),
                ));
            }
            Some(_) => {
                return Err(incompatible(
                    &import.module,
                    &import.name,
                    "expected a function".to_string(),
                ))
            }
            None => {}
        }
        match host
            .iter()
            .find(|h| h.module == import.module && h.name == import.name)
        {
            Some(h) if h.params == ty.params.as_slice() && h.results == ty.results.as_slice() => {
                funcs.push(vmctx::FuncRef {
                    code: h.code,
                    vmctx: 0,
                    type_id,
                    _pad: 0,
                })
            }
            Some(h) => {
                return Err(Error::Link(format!(
                    "import {}.{} has type {ty}, but wasmpi provides it with type ({}) -> ({})",
                    import.module,
                    import.name,
                    type_list(h.params),
                    type_list(h.results),
                )))
            }
            None => missing.push(format!("{}.{}", import.module, import.name)),
        }
    }
    let mut globals = Vec::with_capacity(meta.global_imports.len());
    for import in &meta.global_imports {
        match resolve(&import.module, &import.name) {
            Some(Extern::Global(g)) if g.ty == import.ty && g.mutable == import.mutable => {
                globals.push(g)
            }
            Some(_) => {
                return Err(incompatible(
                    &import.module,
                    &import.name,
                    format!(
                        "expected a{} global of type {}",
                        if import.mutable {
                            " mutable"
                        } else {
                            "n immutable"
                        },
                        import.ty
                    ),
                ))
            }
            None => other_missing.push(format!(
                "global `{}.{}`, which wasmpi does not provide",
                import.module, import.name
            )),
        }
    }
    let mut tables = Vec::with_capacity(meta.table_imports.len());
    for import in &meta.table_imports {
        let want = import.table;
        match resolve(&import.module, &import.name) {
            Some(Extern::Table(t))
                if t.len() >= want.min
                    && want.max.is_none_or(|max| t.max().is_some_and(|m| m <= max)) =>
            {
                tables.push(t)
            }
            Some(_) => {
                return Err(incompatible(
                    &import.module,
                    &import.name,
                    format!("expected a table of at least {} entries (maximum {:?})", want.min, want.max),
                ))
            }
            None => other_missing.push(format!(
                "table `{}.{}`, which wasmpi does not provide: link the module so it defines its own table",
                import.module, import.name
            )),
        }
    }
    let mut memory = None;
    if let Some(import) = &meta.memory_import {
        let want = import.memory;
        match resolve(&import.module, &import.name) {
            Some(Extern::Memory(m))
                if m.pages() >= want.min_pages
                    && want
                        .max_pages
                        .is_none_or(|max| m.max().is_some_and(|m| m <= max)) =>
            {
                memory = Some(m)
            }
            Some(_) => {
                return Err(incompatible(
                    &import.module,
                    &import.name,
                    format!(
                        "expected a memory of at least {} pages (maximum {:?})",
                        want.min_pages, want.max_pages
                    ),
                ))
            }
            None => other_missing.push(format!(
                "memory `{}.{}`, which wasmpi does not provide: link without --import-memory so the module defines its own memory",
                import.module, import.name
            )),
        }
    }
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "the module imports functions wasmpi does not provide: {}",
            missing.join(", ")
        ));
    }
    problems.extend(
        other_missing
            .into_iter()
            .map(|m| format!("the module imports {m}")),
    );
    if !problems.is_empty() {
        return Err(Error::Link(problems.join("; ")));
    }
    Ok(Links {
        funcs,
        globals,
        tables,
        memory,
    })
}

impl Instance {
    /// Instantiates `artifact`, binding its imports to `host` functions: creates memory,
    /// tables and globals, applies segments and runs the start function.
    pub fn new(
        artifact: Arc<Artifact>,
        host: &[HostFunc],
        wasi: WasiCtx,
    ) -> Result<Instance, Error> {
        // SAFETY: no import comes from another instance.
        unsafe { Instance::with_imports(artifact, host, wasi, &|_, _| None) }
    }

    /// Instantiates `artifact`, binding each import to what `resolve(module, name)` returns,
    /// or, for functions it does not provide, to the `host` function of that name. Imports
    /// are checked against their declared types (functions by signature, globals by type and
    /// mutability, tables and memories by limits).
    ///
    /// # Safety
    /// Functions and globals from [`Instance::export`] point into the exporting instance:
    /// every instance whose exports `resolve` returns must outlive the new instance, and any
    /// instance that may end up holding references to its functions (through shared tables
    /// or calls) must not be used after it is dropped.
    pub unsafe fn with_imports(
        artifact: Arc<Artifact>,
        host: &[HostFunc],
        wasi: WasiCtx,
        resolve: &dyn Fn(&str, &str) -> Option<Extern>,
    ) -> Result<Instance, Error> {
        crate::signals::ensure_installed();
        let meta = artifact.metadata();
        let links = link(meta, host, resolve)?;
        let offsets = VmOffsets::new(
            meta.types.len() as u32,
            meta.num_funcs(),
            meta.num_tables(),
            meta.num_globals(),
        );
        let memory = match (links.memory, meta.memory) {
            (Some(imported), _) => Some(imported),
            (None, Some(plan)) => Some(Memory::new(plan.min_pages, plan.max_pages)?),
            (None, None) => None,
        };
        let mut tables = links.tables;
        for plan in &meta.tables {
            tables.push(Table::new(plan.min, plan.max)?);
        }
        let stack = crate::stack::for_this_thread()
            .map_err(|e| Error::Resource(format!("cannot allocate the wasm stack: {e}")))?;
        let mut state = Box::new(InstanceState {
            vmctx: vec![0u128; (offsets.size() as usize).div_ceil(16)].into_boxed_slice(),
            offsets,
            memory,
            wasi,
            #[cfg(feature = "mpi")]
            mpi: None,
            tables,
            imported_globals: links.globals,
            dropped_data: vec![false; meta.data.len()],
            dropped_elements: vec![false; meta.elements.len()],
            stack,
            _code: regions::register_code(&artifact),
            artifact: artifact.clone(),
        });
        let vmctx = state.vmctx_ptr();
        let state_ptr: *mut InstanceState = &mut *state;
        state.write(vmctx::INSTANCE, state_ptr as usize);
        if let Some(memory) = &state.memory {
            memory.attach(vmctx);
        }
        for (index, table) in state.tables.iter().enumerate() {
            // SAFETY: the slot lies inside the VM context (offsets computed for it).
            let slot = unsafe { vmctx.add(offsets.table(index as u32) as usize) };
            table.attach(slot.cast());
        }
        let limit = state.stack.limit();
        state.write(vmctx::STACK_LIMIT, limit);
        for (builtin, code) in crate::builtins::table() {
            state.write(vmctx::builtin_offset(builtin), code);
        }
        let type_ids: Vec<u32> = meta.types.iter().map(typeids::intern).collect();
        for (index, id) in type_ids.iter().enumerate() {
            state.write(offsets.type_id(index as u32), *id);
        }
        for (index, mut funcref) in links.funcs.into_iter().enumerate() {
            if funcref.vmctx == 0 {
                funcref.vmctx = vmctx as usize;
            }
            state.write(offsets.funcref(index as u32), funcref);
        }
        let text = artifact.text().as_ptr() as usize;
        for (defined, func) in meta.functions.iter().enumerate() {
            let index = (meta.imports.len() + defined) as u32;
            let code = text + func.code.offset as usize;
            state.write(
                offsets.funcref(index),
                vmctx::FuncRef {
                    code,
                    vmctx: vmctx as usize,
                    type_id: type_ids[func.type_index as usize],
                    _pad: 0,
                },
            );
        }
        for index in 0..meta.global_imports.len() {
            let pointer = state.imported_globals[index].value as usize;
            state.write(offsets.global(index as u32), pointer);
        }
        for (defined, global) in meta.globals.iter().enumerate() {
            let value = state.eval(global.init);
            let index = (meta.global_imports.len() + defined) as u32;
            state.write(offsets.global(index), value);
        }
        let imports_tables = !meta.table_imports.is_empty();
        let mut instance = Instance { state };
        match instance.initialize() {
            Ok(()) => Ok(instance),
            Err(e) => {
                // Segments written before the failure stay in imported tables, and may
                // reference this instance's functions: keep it alive for them.
                if imports_tables {
                    std::mem::forget(instance);
                }
                Err(e)
            }
        }
    }

    /// Applies the segments and runs the start function.
    fn initialize(&mut self) -> Result<(), Error> {
        let artifact = self.state.artifact.clone();
        let meta = artifact.metadata();
        let state = &mut self.state;
        for (index, segment) in meta.elements.iter().enumerate() {
            match segment.mode {
                ElementMode::Active { table, offset } => {
                    let start = state.segment_offset(offset);
                    let refs: Vec<usize> = segment
                        .funcs
                        .iter()
                        .map(|&f| state.funcref_address(f))
                        .collect();
                    let table = state.tables.get(table as usize).ok_or_else(|| {
                        Error::Instantiate("element segment for a missing table".into())
                    })?;
                    table
                        .with(|elements| {
                            let slots = elements.get_mut(
                                start as usize..(start as usize).checked_add(refs.len())?,
                            )?;
                            slots.copy_from_slice(&refs);
                            Some(())
                        })
                        .ok_or_else(|| {
                            Error::Instantiate("element segment does not fit in its table".into())
                        })?;
                    state.dropped_elements[index] = true;
                }
                ElementMode::Declared => state.dropped_elements[index] = true,
                ElementMode::Passive => {}
            }
        }
        for (index, segment) in meta.data.iter().enumerate() {
            if let Some(at) = segment.active {
                let start = state.segment_offset(at) as usize;
                let bytes =
                    &artifact.data()[segment.bytes.offset as usize..][..segment.bytes.len as usize];
                let memory = state.memory_slice();
                let dest = start
                    .checked_add(bytes.len())
                    .and_then(|end| memory.get_mut(start..end))
                    .ok_or_else(|| {
                        Error::Instantiate("data segment does not fit in linear memory".into())
                    })?;
                dest.copy_from_slice(bytes);
                state.dropped_data[index] = true;
            }
        }
        if let Some(start) = meta.start {
            self.call_index(start, &[])?;
        }
        Ok(())
    }

    /// The artifact this instance runs.
    pub fn artifact(&self) -> &Arc<Artifact> {
        &self.state.artifact
    }

    /// The linear memory.
    pub fn memory(&mut self) -> &mut [u8] {
        self.state.memory_slice()
    }

    /// The WASI state.
    pub fn wasi(&mut self) -> &mut WasiCtx {
        &mut self.state.wasi
    }

    /// Whether the module exports a function called `name`.
    pub fn has_export(&self, name: &str) -> bool {
        self.export_func(name).is_some()
    }

    fn export_kind(&self, name: &str) -> Option<ExportKind> {
        self.state
            .artifact
            .metadata()
            .exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.kind)
    }

    fn export_func(&self, name: &str) -> Option<u32> {
        match self.export_kind(name)? {
            ExportKind::Func(index) => Some(index),
            _ => None,
        }
    }

    /// What the module exports as `name`, for other instances to import (see
    /// [`Instance::with_imports`] for how long it may be used).
    pub fn export(&mut self, name: &str) -> Option<Extern> {
        Some(match self.export_kind(name)? {
            ExportKind::Func(index) => {
                let at = self.state.offsets.funcref(index);
                Extern::Func(Func {
                    funcref: self.state.read(at),
                })
            }
            ExportKind::Global(index) => Extern::Global(self.global_handle(index)?),
            ExportKind::Table(index) => {
                Extern::Table(self.state.tables.get(index as usize)?.clone())
            }
            ExportKind::Memory(_) => Extern::Memory(self.state.memory.clone()?),
        })
    }

    fn global_handle(&mut self, index: u32) -> Option<Global> {
        if let Some(imported) = self.state.imported_globals.get(index as usize) {
            return Some(imported.clone());
        }
        let artifact = self.state.artifact.clone();
        let meta = artifact.metadata();
        let defined = meta
            .globals
            .get(index as usize - meta.global_imports.len())?;
        Some(Global {
            value: self.state.global_ptr(index),
            ty: defined.ty,
            mutable: defined.mutable,
            _storage: None,
        })
    }

    /// The current value of the global the module exports as `name` (`None` if it exports
    /// no global by that name). A funcref is the address of its function reference, as in
    /// [`Val::FuncRef`].
    pub fn global(&mut self, name: &str) -> Option<Val> {
        match self.export_kind(name)? {
            ExportKind::Global(index) => Some(self.global_handle(index)?.get()),
            _ => None,
        }
    }

    /// Calls the exported function `name` with `args`.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let index = self
            .export_func(name)
            .ok_or_else(|| Error::NoSuchExport(name.to_string()))?;
        self.call_index(index, args)
    }

    /// Calls function `index` (imports first) with `args`.
    pub fn call_index(&mut self, index: u32, args: &[Val]) -> Result<Vec<Val>, Error> {
        let meta = self.state.artifact.metadata();
        if index >= meta.num_funcs() {
            return Err(Error::NoSuchExport(format!("function {index}")));
        }
        let name = meta.func_name(index);
        let callee: vmctx::FuncRef = self.state.read(self.state.offsets.funcref(index));
        self.state.call_funcref(callee, &name, args)
    }
}

impl InstanceState {
    /// Calls the function a guest function pointer (an index into table 0) designates, from
    /// a host function that wasm called (MPI user-defined reductions, error handlers).
    #[cfg(feature = "mpi")]
    pub fn call_function_pointer(&mut self, pointer: u32, args: &[Val]) -> Result<Vec<Val>, Error> {
        let entry = self
            .tables
            .first()
            .and_then(|t| t.get(pointer))
            .unwrap_or(0);
        if entry == 0 {
            return Err(Error::Call(format!(
                "function pointer {pointer} designates no function"
            )));
        }
        // SAFETY: non-null table entries point at FuncRefs inside this instance's VM context.
        let callee = unsafe { *(entry as *const vmctx::FuncRef) };
        self.call_funcref(callee, &format!("function pointer {pointer}"), args)
    }

    /// Calls the function the module exports as `name`, from a host function that wasm
    /// called (`MPI_Alloc_mem` through the guest's `malloc`).
    #[cfg(feature = "mpi")]
    pub fn call_export(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let index = self
            .artifact
            .metadata()
            .exports
            .iter()
            .find_map(|e| match e.kind {
                ExportKind::Func(index) if e.name == name => Some(index),
                _ => None,
            })
            .ok_or_else(|| Error::NoSuchExport(name.to_string()))?;
        let callee: vmctx::FuncRef = self.read(self.offsets.funcref(index));
        self.call_funcref(callee, name, args)
    }

    /// Calls `callee` with `args` after checking them against its type; switches to the wasm
    /// stack unless wasm is already running on this thread.
    fn call_funcref(
        &mut self,
        callee: vmctx::FuncRef,
        name: &str,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        crate::signals::ensure_installed();
        let artifact = self.artifact.clone();
        let meta = artifact.metadata();
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
            *slot = arg.to_bits();
        }
        let trampoline =
            artifact.text().as_ptr() as usize + meta.trampolines[type_index].offset as usize;
        let nested = !enter::current().is_null();
        let stack_top = if nested { 0 } else { self.stack.top() };
        let vmctx = callee.vmctx as *mut u8;
        // SAFETY: the trampoline was compiled for `ty`, the callee's type id is `ty`'s,
        // `values` has a slot for every parameter and result, and vmctx is the callee's
        // fully initialized VM context (this instance's, or a live linked instance's).
        let outcome =
            unsafe { enter::call_wasm(trampoline, vmctx, callee.code, &mut values, stack_top) };
        match outcome {
            Ok(()) => Ok(ty
                .results
                .iter()
                .zip(&values)
                .map(|(t, bits)| Val::from_bits(*t, *bits))
                .collect()),
            Err(Unwind::Exit(code)) => Err(Error::Exit(code)),
            Err(Unwind::Trap(kind, offset)) => Err(Error::Trap(trap_at(&artifact, kind, offset))),
        }
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

/// Decides whether a fault at `pc` (accessing `fault`) is a trap of wasm code running on
/// this thread (in any live instance: calls can cross instances).
pub fn classify_fault(
    activation: &Activation,
    signal: libc::c_int,
    pc: usize,
    fault: usize,
) -> Option<Unwind> {
    // SAFETY: the activation's vmctx belongs to a live instance running on this thread.
    let state = unsafe { &*state_of(activation.vmctx) };
    let site = regions::site(pc);
    if let Some(regions::Site {
        trap: Some(kind),
        offset,
    }) = site
    {
        return Some(Unwind::Trap(kind, offset));
    }
    let offset = site.as_ref().map_or(u32::MAX, |s| s.offset);
    let (guard_start, guard_end) = state.stack.guard();
    let memory_fault = matches!(signal, libc::SIGSEGV | libc::SIGBUS);
    if memory_fault && (guard_start..guard_end).contains(&fault) {
        return Some(Unwind::Trap(TrapKind::StackOverflow, offset));
    }
    if memory_fault && site.is_some() && regions::in_memory(fault) {
        return Some(Unwind::Trap(TrapKind::MemoryOutOfBounds, offset));
    }
    None
}

/// Builtins: the runtime operations compiled code reaches through the VM context.
pub(crate) mod ops {
    use super::*;

    /// # Safety
    /// `vmctx` must be a live instance's VM context, passed by compiled code.
    pub unsafe fn state<'a>(vmctx: *mut u8) -> &'a mut InstanceState {
        // SAFETY: forwarded contract; wasm is suspended while a builtin runs.
        unsafe { &mut *state_of(vmctx) }
    }

    fn in_bounds(start: u32, len: u32, size: usize) -> bool {
        u64::from(start) + u64::from(len) <= size as u64
    }

    pub fn memory_grow(state: &mut InstanceState, delta: u32) -> i32 {
        state
            .grow_memory(delta)
            .map_or(-1, |old_end| (old_end / wasmpi_abi::WASM_PAGE_SIZE) as i32)
    }

    pub fn memory_copy(state: &mut InstanceState, dst: u32, src: u32, len: u32) -> bool {
        let memory = state.memory_slice();
        if !in_bounds(dst, len, memory.len()) || !in_bounds(src, len, memory.len()) {
            return false;
        }
        memory.copy_within(src as usize..(src + len) as usize, dst as usize);
        true
    }

    pub fn memory_fill(state: &mut InstanceState, dst: u32, byte: u8, len: u32) -> bool {
        let memory = state.memory_slice();
        if !in_bounds(dst, len, memory.len()) {
            return false;
        }
        memory[dst as usize..(dst + len) as usize].fill(byte);
        true
    }

    pub fn memory_init(
        state: &mut InstanceState,
        segment: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let artifact = state.artifact.clone();
        let Some(info) = artifact.metadata().data.get(segment as usize) else {
            return false;
        };
        let bytes: &[u8] = if state.dropped_data[segment as usize] {
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

    pub fn data_drop(state: &mut InstanceState, segment: u32) {
        if let Some(dropped) = state.dropped_data.get_mut(segment as usize) {
            *dropped = true;
        }
    }

    pub fn table_grow(state: &mut InstanceState, table: u32, init: usize, delta: u32) -> i32 {
        state
            .tables
            .get(table as usize)
            .and_then(|t| t.grow(delta, init))
            .map_or(-1, |old| old as i32)
    }

    pub fn table_copy(
        state: &mut InstanceState,
        dst_table: u32,
        src_table: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let (Some(to), Some(from)) = (
            state.tables.get(dst_table as usize),
            state.tables.get(src_table as usize),
        ) else {
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

    pub fn table_fill(
        state: &mut InstanceState,
        table: u32,
        dst: u32,
        value: usize,
        len: u32,
    ) -> bool {
        let Some(table) = state.tables.get(table as usize) else {
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

    pub fn table_init(
        state: &mut InstanceState,
        table: u32,
        segment: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let artifact = state.artifact.clone();
        let Some(info) = artifact.metadata().elements.get(segment as usize) else {
            return false;
        };
        let funcs: &[u32] = if state.dropped_elements[segment as usize] {
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
        let Some(table) = state.tables.get(table as usize) else {
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

    pub fn elem_drop(state: &mut InstanceState, segment: u32) {
        if let Some(dropped) = state.dropped_elements.get_mut(segment as usize) {
            *dropped = true;
        }
    }
}

//! Instantiation and calls: the VM context, tables, globals, segments, and entering wasm.

use crate::artifact::Artifact;
use crate::enter::{self, Activation, Unwind};
use crate::host::HostFunc;
use crate::memory::LinearMemory;
use crate::stack::Stack;
use crate::wasi::WasiCtx;
use crate::{Error, Trap, Val};
use std::sync::Arc;
use wasmpi_abi::artifact::{ConstInit, ElementMode, ExportKind, SegmentOffset, NULL_FUNC};
use wasmpi_abi::trap::TrapKind;
use wasmpi_abi::types::ValType;
use wasmpi_abi::vmctx::{self, VmOffsets};

/// The state of one instance. The VM context's INSTANCE slot points here, which is how host
/// functions and builtins reach it.
pub struct InstanceState {
    vmctx: Box<[u64]>,
    offsets: VmOffsets,
    memory: Option<LinearMemory>,
    /// WASI state of the program.
    pub(crate) wasi: WasiCtx,
    /// MPI state, created at the first MPI call.
    #[cfg(feature = "mpi")]
    mpi: Option<Box<crate::mpi::Mpi>>,
    tables: Vec<Vec<usize>>,
    dropped_data: Vec<bool>,
    dropped_elements: Vec<bool>,
    artifact: Arc<Artifact>,
    stack: Stack,
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

impl InstanceState {
    fn vmctx_ptr(&mut self) -> *mut u8 {
        self.vmctx.as_mut_ptr().cast()
    }

    fn write<T: Copy>(&mut self, offset: u32, value: T) {
        assert!(offset as usize + std::mem::size_of::<T>() <= self.vmctx.len() * 8);
        // SAFETY: bounds checked above; the VM context is 8-byte aligned and fields are
        // naturally aligned by the layout in wasmpi_abi::vmctx.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *mut T).write(value) }
    }

    fn read<T: Copy>(&mut self, offset: u32) -> T {
        assert!(offset as usize + std::mem::size_of::<T>() <= self.vmctx.len() * 8);
        // SAFETY: as in `write`.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *const T).read() }
    }

    /// The accessible linear memory.
    pub fn memory_slice(&mut self) -> &mut [u8] {
        match &mut self.memory {
            Some(memory) => memory.as_mut_slice(),
            None => &mut [],
        }
    }

    /// Memory and WASI state at once.
    pub fn memory_and_wasi(&mut self) -> (&mut [u8], &mut WasiCtx) {
        let memory = match &mut self.memory {
            Some(memory) => memory.as_mut_slice(),
            None => &mut [],
        };
        (memory, &mut self.wasi)
    }

    /// Grows linear memory by `pages` pages from the host (as `memory.grow` does, keeping the
    /// VM context's memory size in sync) and returns the old end in bytes: the guest address
    /// of the new, zeroed pages. `None` if there is no memory or it cannot grow that much.
    /// Memory obtained this way belongs to no guest allocator and is never returned.
    pub fn grow_memory(&mut self, pages: u32) -> Option<u64> {
        let memory = self.memory.as_mut()?;
        let old_pages = memory.grow(u64::from(pages))?;
        let size = memory.size() as u64;
        self.write(vmctx::MEMORY_SIZE, size);
        Some(old_pages * wasmpi_abi::WASM_PAGE_SIZE)
    }

    /// Memory and MPI state, for an MPI trampoline.
    #[cfg(feature = "mpi")]
    pub fn mpi_cx(&mut self) -> crate::mpi::Cx<'_> {
        let mpi = self.mpi.get_or_insert_with(Box::default);
        let memory = match &mut self.memory {
            Some(memory) => memory.as_mut_slice(),
            None => &mut [],
        };
        crate::mpi::Cx::new(memory, mpi, &mut self.wasi)
    }

    fn funcref_address(&mut self, func: u32) -> usize {
        if func == NULL_FUNC {
            return 0;
        }
        self.vmctx_ptr() as usize + self.offsets.funcref(func) as usize
    }

    fn sync_table(&mut self, index: usize) {
        let base = self.tables[index].as_ptr() as usize;
        let len = self.tables[index].len() as u64;
        let at = self.offsets.table(index as u32);
        self.write(at + vmctx::TABLE_BASE, base);
        self.write(at + vmctx::TABLE_LEN, len);
    }

    fn global_value(&mut self, index: u32) -> u128 {
        self.read::<u128>(self.offsets.global(index))
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

/// Finds a host function for every import, or lists all that are missing.
fn resolve_imports(artifact: &Artifact, host: &[HostFunc]) -> Result<Vec<usize>, Error> {
    let meta = artifact.metadata();
    let mut missing = Vec::new();
    let mut codes = Vec::with_capacity(meta.imports.len());
    for import in &meta.imports {
        let ty = &meta.types[import.type_index as usize];
        match host
            .iter()
            .find(|h| h.module == import.module && h.name == import.name)
        {
            Some(h) if h.params == ty.params.as_slice() && h.results == ty.results.as_slice() => {
                codes.push(h.code)
            }
            Some(h) => {
                return Err(Error::Link(format!(
                    "import {}.{} has type {ty}, but wasmpi provides it with type ({}) -> ({})",
                    import.module,
                    import.name,
                    h.params
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    h.results
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            None => missing.push(format!("{}.{}", import.module, import.name)),
        }
    }
    if missing.is_empty() {
        Ok(codes)
    } else {
        Err(Error::Link(format!(
            "the module imports functions wasmpi does not provide: {}",
            missing.join(", ")
        )))
    }
}

impl Instance {
    /// Instantiates `artifact`, binding its imports to `host` functions: creates memory,
    /// tables and globals, applies segments and runs the start function.
    pub fn new(
        artifact: Arc<Artifact>,
        host: &[HostFunc],
        wasi: WasiCtx,
    ) -> Result<Instance, Error> {
        crate::signals::ensure_installed();
        let import_codes = resolve_imports(&artifact, host)?;
        let meta = artifact.metadata();
        let offsets = VmOffsets::new(
            meta.num_funcs(),
            meta.tables.len() as u32,
            meta.globals.len() as u32,
        );
        let memory = match meta.memory {
            Some(plan) => Some(
                LinearMemory::new(plan.min_pages, plan.max_pages)
                    .map_err(|e| Error::Resource(e.to_string()))?,
            ),
            None => None,
        };
        let stack = Stack::new(crate::stack::DEFAULT_SIZE)
            .map_err(|e| Error::Resource(format!("cannot allocate the wasm stack: {e}")))?;
        let mut state = Box::new(InstanceState {
            vmctx: vec![0u64; (offsets.size() as usize).div_ceil(8)].into_boxed_slice(),
            offsets,
            memory,
            wasi,
            #[cfg(feature = "mpi")]
            mpi: None,
            tables: meta
                .tables
                .iter()
                .map(|t| vec![0usize; t.min as usize])
                .collect(),
            dropped_data: vec![false; meta.data.len()],
            dropped_elements: vec![false; meta.elements.len()],
            artifact: artifact.clone(),
            stack,
        });
        let state_ptr: *mut InstanceState = &mut *state;
        state.write(vmctx::INSTANCE, state_ptr as usize);
        if let Some(memory) = &state.memory {
            let (base, size) = (memory.base() as usize, memory.size() as u64);
            state.write(vmctx::MEMORY_BASE, base);
            state.write(vmctx::MEMORY_SIZE, size);
        }
        let limit = state.stack.limit();
        state.write(vmctx::STACK_LIMIT, limit);
        for (builtin, code) in crate::builtins::table() {
            state.write(vmctx::builtin_offset(builtin), code);
        }
        let text = artifact.text().as_ptr() as usize;
        for (index, code) in import_codes.iter().enumerate() {
            let type_index = meta.imports[index].type_index;
            state.write(
                offsets.funcref(index as u32),
                vmctx::FuncRef {
                    code: *code,
                    type_index,
                    _pad: 0,
                },
            );
        }
        for (defined, func) in meta.functions.iter().enumerate() {
            let index = (meta.imports.len() + defined) as u32;
            let code = text + func.code.offset as usize;
            state.write(
                offsets.funcref(index),
                vmctx::FuncRef {
                    code,
                    type_index: func.type_index,
                    _pad: 0,
                },
            );
        }
        for (index, global) in meta.globals.iter().enumerate() {
            let value = state.eval(global.init);
            state.write(offsets.global(index as u32), value);
        }
        for index in 0..meta.tables.len() {
            state.sync_table(index);
        }
        for (index, segment) in meta.elements.iter().enumerate() {
            match segment.mode {
                ElementMode::Active { table, offset } => {
                    let start = state.segment_offset(offset);
                    let refs: Vec<usize> = segment
                        .funcs
                        .iter()
                        .map(|&f| state.funcref_address(f))
                        .collect();
                    let slots = state
                        .tables
                        .get_mut(table as usize)
                        .and_then(|t| {
                            t.get_mut(start as usize..(start as usize).checked_add(refs.len())?)
                        })
                        .ok_or_else(|| {
                            Error::Instantiate("element segment does not fit in its table".into())
                        })?;
                    slots.copy_from_slice(&refs);
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
        let mut instance = Instance { state };
        if let Some(start) = meta.start {
            instance.call_index(start, &[])?;
        }
        Ok(instance)
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

    fn export_func(&self, name: &str) -> Option<u32> {
        self.state
            .artifact
            .metadata()
            .exports
            .iter()
            .find_map(|e| match e.kind {
                ExportKind::Func(index) if e.name == name => Some(index),
                _ => None,
            })
    }

    /// The current value of the global the module exports as `name` (`None` if it exports
    /// no global by that name). A funcref is the address of its function reference, as in
    /// [`Val::FuncRef`].
    pub fn global(&mut self, name: &str) -> Option<Val> {
        let meta = self.state.artifact.metadata();
        let index = meta.exports.iter().find_map(|e| match e.kind {
            ExportKind::Global(index) if e.name == name => Some(index),
            _ => None,
        })?;
        let ty = meta.globals.get(index as usize)?.ty;
        Some(Val::from_bits(ty, self.state.global_value(index)))
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
            .and_then(|t| t.get(pointer as usize))
            .copied()
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
        let type_index = callee.type_index;
        let ty = meta
            .types
            .get(type_index as usize)
            .ok_or_else(|| Error::Call(format!("`{name}` has no valid type")))?;
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
        let text = artifact.text();
        let text_range = (text.as_ptr() as usize, text.as_ptr() as usize + text.len());
        let trampoline = text_range.0 + meta.trampolines[type_index as usize].offset as usize;
        let nested = !enter::current().is_null();
        let stack_top = if nested { 0 } else { self.stack.top() };
        let vmctx = self.vmctx_ptr();
        // SAFETY: the trampoline was compiled for `ty`, the callee's type index is `ty`'s,
        // `values` has a slot for every parameter and result, and vmctx is this instance's
        // fully initialized VM context.
        let outcome = unsafe {
            enter::call_wasm(
                trampoline,
                vmctx,
                callee.code,
                &mut values,
                stack_top,
                text_range,
            )
        };
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

/// Decides whether a fault at `pc` (accessing `fault`) is a trap of the running wasm code.
pub fn classify_fault(
    activation: &Activation,
    signal: libc::c_int,
    pc: usize,
    fault: usize,
) -> Option<Unwind> {
    // SAFETY: the activation's vmctx belongs to the instance that is running on this thread.
    let state = unsafe { &*state_of(activation.vmctx) };
    let (guard_start, guard_end) = state.stack.guard();
    let in_stack_guard = (guard_start..guard_end).contains(&fault);
    let memory_fault = matches!(signal, libc::SIGSEGV | libc::SIGBUS);
    let in_memory = state.memory.as_ref().is_some_and(|m| m.contains(fault));
    if let Some((kind, offset)) = crate::signals::trap_for(pc, activation.text, |offset| {
        state.artifact.metadata().trap_at(offset).map(|t| t.kind)
    }) {
        return Some(Unwind::Trap(kind, offset));
    }
    let in_text = (activation.text.0..activation.text.1).contains(&pc);
    let offset = if in_text {
        (pc - activation.text.0) as u32
    } else {
        u32::MAX
    };
    if memory_fault && in_stack_guard {
        return Some(Unwind::Trap(TrapKind::StackOverflow, offset));
    }
    if memory_fault && in_memory && in_text {
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
        let max = state.artifact.metadata().tables[table as usize]
            .max
            .unwrap_or(u32::MAX);
        let elements = &mut state.tables[table as usize];
        let old = elements.len();
        match (old as u64).checked_add(u64::from(delta)) {
            Some(new) if new <= u64::from(max) && new <= 10_000_000 => {
                elements.resize(new as usize, init);
                state.sync_table(table as usize);
                old as i32
            }
            _ => -1,
        }
    }

    pub fn table_copy(
        state: &mut InstanceState,
        dst_table: u32,
        src_table: u32,
        dst: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let (dst_len, src_len) = (
            state.tables[dst_table as usize].len(),
            state.tables[src_table as usize].len(),
        );
        if !in_bounds(dst, len, dst_len) || !in_bounds(src, len, src_len) {
            return false;
        }
        let source: Vec<usize> =
            state.tables[src_table as usize][src as usize..(src + len) as usize].to_vec();
        state.tables[dst_table as usize][dst as usize..(dst + len) as usize]
            .copy_from_slice(&source);
        true
    }

    pub fn table_fill(
        state: &mut InstanceState,
        table: u32,
        dst: u32,
        value: usize,
        len: u32,
    ) -> bool {
        let elements = &mut state.tables[table as usize];
        if !in_bounds(dst, len, elements.len()) {
            return false;
        }
        elements[dst as usize..(dst + len) as usize].fill(value);
        true
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
        if !in_bounds(src, len, funcs.len())
            || !in_bounds(dst, len, state.tables[table as usize].len())
        {
            return false;
        }
        let refs: Vec<usize> = funcs[src as usize..(src + len) as usize]
            .iter()
            .map(|&f| state.funcref_address(f))
            .collect();
        state.tables[table as usize][dst as usize..(dst + len) as usize].copy_from_slice(&refs);
        true
    }

    pub fn elem_drop(state: &mut InstanceState, segment: u32) {
        if let Some(dropped) = state.dropped_elements.get_mut(segment as usize) {
            *dropped = true;
        }
    }
}

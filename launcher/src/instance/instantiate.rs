//! Instantiation: binding a module's imports, building its VM context, applying its
//! segments and running its start function.

use super::{Instance, InstanceState, VmCtxBlock, VmState};
use crate::artifact::Artifact;
use crate::host::{HostFunc, HostState};
use crate::linking::{Extern, Global, Memory, Table};
use crate::wasi::WasiCtx;
use crate::{refs, regions, typeids, Error};
use std::ptr::NonNull;
use std::sync::Arc;
use wasmpi_abi::artifact::{ElementMode, Metadata};
use wasmpi_abi::types::ValType;
use wasmpi_abi::vmctx::{self, VmOffsets};

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
    /// When instantiation fails after an element segment may have written references to the
    /// new instance's functions into an imported table (as the spec requires), the instance
    /// is kept until the thread ends.
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
        let imported_tables = links.tables.len();
        let mut tables = links.tables;
        for plan in &meta.tables {
            tables.push(Table::new(plan.min, plan.max)?);
        }
        let stack = crate::stack::for_this_thread()
            .map_err(|e| Error::Resource(format!("cannot allocate the wasm stack: {e}")))?;
        let block = VmCtxBlock::new(offsets.size() as usize)?;
        let vmctx = block.ptr();
        let funcrefs = refs::register(
            vmctx as usize + offsets.funcrefs() as usize,
            meta.num_funcs(),
        );
        let state = Box::new(InstanceState {
            host: HostState::new(wasi, super::call_guest),
            vm: VmState {
                vmctx: block,
                offsets,
                memory,
                tables,
                imported_tables,
                imported_globals: links.globals,
                dropped_data: vec![false; meta.data.len()],
                dropped_elements: vec![false; meta.elements.len()],
                stack,
                _funcrefs: funcrefs,
                _code: regions::register_code(&artifact),
                artifact: artifact.clone(),
            },
        });
        let mut instance = Instance {
            state: NonNull::from(Box::leak(state)),
        };
        let state_ptr = instance.state.as_ptr();
        let vm = instance.vm();
        vm.write(vmctx::INSTANCE, state_ptr as usize);
        if let Some(memory) = &vm.memory {
            memory.attach(vmctx);
        }
        for (index, table) in vm.tables.iter().enumerate() {
            // SAFETY: the slot lies inside the VM context (offsets computed for it).
            let slot = unsafe { vmctx.add(offsets.table(index as u32) as usize) };
            table.attach(slot.cast());
        }
        let limit = vm.stack.limit();
        vm.write(vmctx::STACK_LIMIT, limit);
        for (builtin, code) in super::builtins::table() {
            vm.write(vmctx::builtin_offset(builtin), code);
        }
        let type_ids: Vec<u32> = meta.types.iter().map(typeids::intern).collect();
        for (index, id) in type_ids.iter().enumerate() {
            vm.write(offsets.type_id(index as u32), *id);
        }
        for (index, mut funcref) in links.funcs.into_iter().enumerate() {
            if funcref.vmctx == 0 {
                funcref.vmctx = vmctx as usize;
            }
            vm.write(offsets.funcref(index as u32), funcref);
        }
        let text = artifact.text().as_ptr() as usize;
        for (defined, func) in meta.functions.iter().enumerate() {
            let index = (meta.imports.len() + defined) as u32;
            let code = text + func.code.offset as usize;
            vm.write(
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
            let pointer = vm.imported_globals[index].value as usize;
            vm.write(offsets.global(index as u32), pointer);
        }
        for (defined, global) in meta.globals.iter().enumerate() {
            let value = vm.eval(global.init);
            let index = (meta.global_imports.len() + defined) as u32;
            vm.write(offsets.global(index), value);
        }
        match instance.initialize() {
            Ok(()) => Ok(instance),
            Err(e) => {
                instance.keep_if_referenced();
                Err(e)
            }
        }
    }

    /// After a failed instantiation: imported tables may hold references to this instance's
    /// functions (segments written before the failure stay, per the spec), which may be
    /// called as long as those tables live. Such an instance is kept until its thread ends
    /// (instances cannot leave their thread), then dropped like any other; one that imported
    /// no table is dropped at once.
    fn keep_if_referenced(self) {
        if self.vm_ref().imported_tables == 0 {
            return;
        }
        thread_local! {
            static KEPT: std::cell::RefCell<Vec<Instance>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        // If the thread is already ending, the instance is dropped here instead.
        let _ = KEPT.try_with(|kept| kept.borrow_mut().push(self));
    }

    /// Applies the segments and runs the start function.
    fn initialize(&mut self) -> Result<(), Error> {
        let vm = self.vm();
        let artifact = vm.artifact.clone();
        let meta = artifact.metadata();
        for (index, segment) in meta.elements.iter().enumerate() {
            match segment.mode {
                ElementMode::Active { table, offset } => {
                    let start = vm.segment_offset(offset);
                    let refs: Vec<usize> = segment
                        .funcs
                        .iter()
                        .map(|&f| vm.funcref_address(f))
                        .collect();
                    let table = vm.tables.get(table as usize).ok_or_else(|| {
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
                    vm.dropped_elements[index] = true;
                }
                ElementMode::Declared => vm.dropped_elements[index] = true,
                ElementMode::Passive => {}
            }
        }
        for (index, segment) in meta.data.iter().enumerate() {
            if let Some(at) = segment.active {
                let start = vm.segment_offset(at) as usize;
                let bytes =
                    &artifact.data()[segment.bytes.offset as usize..][..segment.bytes.len as usize];
                let memory = vm.memory_slice();
                let dest = start
                    .checked_add(bytes.len())
                    .and_then(|end| memory.get_mut(start..end))
                    .ok_or_else(|| {
                        Error::Instantiate("data segment does not fit in linear memory".into())
                    })?;
                dest.copy_from_slice(bytes);
                vm.dropped_data[index] = true;
            }
        }
        if let Some(start) = meta.start {
            self.call_index(start, &[])?;
        }
        Ok(())
    }
}

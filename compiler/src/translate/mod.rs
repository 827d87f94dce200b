//! Wasm → Cranelift IR. The only module of the compiler that knows `cranelift-wasm`.
//!
//! `cranelift-wasm` was retired upstream after 0.112; everything that depends on it lives
//! behind this module's small interface ([`parse`] → [`ModuleTranslation`], and
//! [`ModuleTranslation::translate_function`] → `ir::Function`), so it can be replaced by
//! another front end without touching code generation, linking or the artifact writer.
//!
//! The module environment ([`ModuleTranslation`]) records the module's declarations in the
//! form the artifact stores them ([`wasmpi_abi::artifact`]); the function environment
//! ([`func_env`]) decides how each wasm operation reaches the VM context
//! ([`wasmpi_abi::vmctx`]).

mod func_env;

use cranelift_codegen::ir;
use cranelift_codegen::isa::TargetIsa;
use cranelift_wasm::wasmparser::{
    self, FuncValidator, FunctionBody, ValidatorResources, WasmFeatures,
};
use cranelift_wasm::{
    ConstOp, DataIndex, ElemIndex, EngineOrModuleTypeIndex, FuncIndex, FuncTranslator, Global,
    GlobalIndex, Memory, MemoryIndex, ModuleEnvironment, ModuleInternedTypeIndex, Table,
    TableIndex, TypeConvert, TypeIndex, WasmError, WasmFuncType, WasmHeapType, WasmResult,
    WasmValType,
};
use std::collections::HashMap;
use wasmpi_abi::artifact::{
    ConstInit, ElementMode, ElementSegment, Export, ExportKind, FuncImport, GlobalImport,
    GlobalPlan, MemoryImport, MemoryPlan, SegmentOffset, TableImport, TablePlan, NULL_FUNC,
};
use wasmpi_abi::types::{FuncType, ValType};
use wasmpi_abi::vmctx::VmOffsets;

/// The WebAssembly features wasmpi accepts: what clang emits for wasm32-wasi.
pub fn accepted_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::SIMD
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::FLOATS
}

/// A data segment whose bytes still point into the wasm module.
pub struct DataInit<'data> {
    /// Segment bytes.
    pub bytes: &'data [u8],
    /// Destination, for active segments.
    pub active: Option<SegmentOffset>,
}

/// A function body waiting to be translated.
pub struct PendingBody<'data> {
    /// Validator for this body (validation happens during translation; it can be used once).
    pub validator: FuncValidator<ValidatorResources>,
    /// The body.
    pub body: FunctionBody<'data>,
}

/// Everything the module declares, gathered while parsing.
#[derive(Default)]
pub struct ModuleTranslation<'data> {
    /// Distinct function types (the artifact's type list).
    pub types: Vec<FuncType>,
    /// Wasm type index → index into `types`.
    pub type_map: Vec<u32>,
    /// Imported functions.
    pub imports: Vec<FuncImport>,
    /// Function index → wasm type index (imports first).
    pub func_types: Vec<TypeIndex>,
    /// Imported tables (table indices `0..table_imports.len()`).
    pub table_imports: Vec<TableImport>,
    /// Defined tables.
    pub tables: Vec<TablePlan>,
    /// The imported memory.
    pub memory_import: Option<MemoryImport>,
    /// The defined memory.
    pub memory: Option<MemoryPlan>,
    /// Imported globals (global indices `0..global_imports.len()`).
    pub global_imports: Vec<GlobalImport>,
    /// Defined globals.
    pub globals: Vec<GlobalPlan>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Data segments, in index order.
    pub data: Vec<DataInit<'data>>,
    /// Element segments, in index order.
    pub elements: Vec<ElementSegment>,
    /// Start function.
    pub start: Option<u32>,
    /// Names from the `name` section.
    pub names: HashMap<u32, &'data str>,
    /// Bodies of the defined functions, in order.
    pub bodies: Vec<PendingBody<'data>>,
    /// Wasm signatures of the types, for Cranelift.
    wasm_types: Vec<WasmFuncType>,
}

/// Parses and validates a module's declarations. Function bodies are validated later, as
/// they are translated.
pub fn parse(wasm: &[u8]) -> Result<ModuleTranslation<'_>, String> {
    if !wasm.starts_with(b"\0asm") {
        return Err(
            "not a WebAssembly module (it does not start with the wasm magic bytes); \
                    build one with `clang --target=wasm32-wasi`"
                .to_string(),
        );
    }
    let mut translation = ModuleTranslation::default();
    cranelift_wasm::translate_module(wasm, &mut translation).map_err(|e| describe(&e))?;
    Ok(translation)
}

/// One line describing a translation error.
pub fn describe(error: &WasmError) -> String {
    match error {
        WasmError::InvalidWebAssembly { message, offset } => {
            let mut message = message.split_whitespace().collect::<Vec<_>>().join(" ");
            if message.contains("gc types are disallowed") {
                // wasmparser's words for a reference type other than funcref.
                message.push_str(" (wasmpi supports funcref only: no externref or GC references)");
            }
            let hint = if message.contains("end-of-file") {
                " (is the file truncated?)"
            } else {
                ""
            };
            format!(
                "invalid or unsupported WebAssembly at byte offset {offset:#x}: {message}{hint}"
            )
        }
        WasmError::Unsupported(what) => format!("unsupported WebAssembly feature: {what}"),
        WasmError::ImplLimitExceeded => "module exceeds an implementation limit".to_string(),
        WasmError::User(message) => message.clone(),
    }
}

impl<'data> ModuleTranslation<'data> {
    /// Number of functions, imported and defined.
    pub fn num_funcs(&self) -> u32 {
        self.func_types.len() as u32
    }

    /// Number of imported functions.
    pub fn num_imports(&self) -> u32 {
        self.imports.len() as u32
    }

    /// The VM context layout of this module.
    pub fn offsets(&self) -> VmOffsets {
        VmOffsets::new(
            self.types.len() as u32,
            self.num_funcs(),
            (self.table_imports.len() + self.tables.len()) as u32,
            (self.global_imports.len() + self.globals.len()) as u32,
        )
    }

    /// Limits of table `index` (imported or defined).
    pub fn table_plan(&self, index: u32) -> Option<TablePlan> {
        let index = index as usize;
        match index.checked_sub(self.table_imports.len()) {
            None => self.table_imports.get(index).map(|t| t.table),
            Some(defined) => self.tables.get(defined).copied(),
        }
    }

    /// Limits of the memory, imported or defined.
    pub fn memory_plan(&self) -> Option<MemoryPlan> {
        self.memory
            .or_else(|| self.memory_import.as_ref().map(|m| m.memory))
    }

    /// Type of global `index` and whether it is imported.
    pub fn global_type(&self, index: u32) -> Option<(ValType, bool)> {
        let index = index as usize;
        match index.checked_sub(self.global_imports.len()) {
            None => self.global_imports.get(index).map(|g| (g.ty, true)),
            Some(defined) => self.globals.get(defined).map(|g| (g.ty, false)),
        }
    }

    /// Canonical type index of function `index`.
    pub fn func_type(&self, index: u32) -> u32 {
        self.type_map[self.func_types[index as usize].as_u32() as usize]
    }

    /// Name of function `index`: from the name section, else `wasm-function[N]`.
    pub fn func_name(&self, index: u32) -> String {
        match self.names.get(&index) {
            Some(name) => (*name).to_string(),
            None => format!("wasm-function[{index}]"),
        }
    }

    /// The Cranelift signature of a canonical type: VM context first, then the wasm params.
    pub fn signature(&self, isa: &dyn TargetIsa, canonical: u32) -> ir::Signature {
        let ty = &self.types[canonical as usize];
        let mut sig = ir::Signature::new(isa.default_call_conv());
        sig.params.push(ir::AbiParam::special(
            ir::types::I64,
            ir::ArgumentPurpose::VMContext,
        ));
        sig.params
            .extend(ty.params.iter().map(|t| ir::AbiParam::new(clif_type(*t))));
        sig.returns
            .extend(ty.results.iter().map(|t| ir::AbiParam::new(clif_type(*t))));
        sig
    }

    /// Translates defined function `defined` (0-based among defined functions) to Cranelift
    /// IR, validating its body on the way.
    pub fn translate_function(
        &self,
        isa: &dyn TargetIsa,
        defined: usize,
        validator: &mut FuncValidator<ValidatorResources>,
        body: FunctionBody<'_>,
        translator: &mut FuncTranslator,
    ) -> Result<ir::Function, String> {
        let index = self.num_imports() + defined as u32;
        let sig = self.signature(isa, self.func_type(index));
        let name = ir::UserFuncName::user(0, index);
        let mut func = ir::Function::with_name_signature(name, sig);
        check_memory_index_bytes(&body)?;
        let mut env = func_env::FuncEnv::new(self, isa);
        func.stack_limit = Some(env.stack_limit(&mut func));
        translator
            .translate_body(validator, body, &mut func, &mut env)
            .map_err(|e| describe(&e))?;
        Ok(func)
    }
}

/// Refuses `memory.size` and `memory.grow` whose memory index is not the single byte 0x00.
///
/// Without multi-memory the index is a reserved byte, and the spec calls a module that
/// encodes it as a longer LEB128 zero malformed; wasmparser reads it as a LEB128 and accepts
/// it. The byte scan keeps the operator decode off the common path.
fn check_memory_index_bytes(body: &FunctionBody<'_>) -> Result<(), String> {
    let suspicious = body
        .as_bytes()
        .windows(2)
        .any(|w| matches!(w, [0x3f | 0x40, 0x80..=0xff]));
    if !suspicious {
        return Ok(());
    }
    let malformed = |e: wasmparser::BinaryReaderError| {
        format!(
            "invalid WebAssembly at byte offset {:#x}: {}",
            e.offset(),
            e.message()
        )
    };
    let mut reader = body.get_operators_reader().map_err(malformed)?;
    while !reader.eof() {
        let (op, start) = reader.read_with_offset().map_err(malformed)?;
        if matches!(
            op,
            wasmparser::Operator::MemorySize { .. } | wasmparser::Operator::MemoryGrow { .. }
        ) && reader.original_position() - start != 2
        {
            return Err(format!(
                "invalid WebAssembly at byte offset {start:#x}: zero byte expected \
                 (the memory index of memory.size/memory.grow must be the single byte 0x00)"
            ));
        }
    }
    Ok(())
}

/// The Cranelift type of a wasm value type.
pub fn clif_type(ty: ValType) -> ir::Type {
    match ty {
        ValType::I32 => ir::types::I32,
        ValType::I64 | ValType::FuncRef => ir::types::I64,
        ValType::F32 => ir::types::F32,
        ValType::F64 => ir::types::F64,
        ValType::V128 => ir::types::I8X16,
    }
}

fn val_type(ty: &WasmValType) -> WasmResult<ValType> {
    Ok(match ty {
        WasmValType::I32 => ValType::I32,
        WasmValType::I64 => ValType::I64,
        WasmValType::F32 => ValType::F32,
        WasmValType::F64 => ValType::F64,
        WasmValType::V128 => ValType::V128,
        WasmValType::Ref(r) if matches!(r.heap_type, WasmHeapType::Func) => ValType::FuncRef,
        WasmValType::Ref(r) => {
            return Err(WasmError::Unsupported(format!(
                "reference type {r} (only funcref is supported)"
            )))
        }
    })
}

fn const_init(ops: &[ConstOp]) -> WasmResult<ConstInit> {
    match ops {
        [ConstOp::I32Const(v)] => Ok(ConstInit::I32(*v)),
        [ConstOp::I64Const(v)] => Ok(ConstInit::I64(*v)),
        [ConstOp::F32Const(v)] => Ok(ConstInit::F32(*v)),
        [ConstOp::F64Const(v)] => Ok(ConstInit::F64(*v)),
        [ConstOp::V128Const(v)] => Ok(ConstInit::V128(*v)),
        [ConstOp::RefNull] => Ok(ConstInit::RefNull),
        [ConstOp::RefFunc(f)] => Ok(ConstInit::RefFunc(f.as_u32())),
        [ConstOp::GlobalGet(g)] => Ok(ConstInit::GlobalGet(g.as_u32())),
        _ => Err(WasmError::Unsupported(
            "extended constant expressions".to_string(),
        )),
    }
}

fn table_plan(table: &Table) -> WasmResult<TablePlan> {
    if !matches!(table.wasm_ty.heap_type, WasmHeapType::Func) {
        return Err(WasmError::Unsupported(format!(
            "table of {} (only funcref tables are supported)",
            table.wasm_ty
        )));
    }
    Ok(TablePlan {
        min: table.minimum,
        max: table.maximum,
    })
}

fn memory_plan(memory: &Memory) -> WasmResult<MemoryPlan> {
    if memory.shared {
        return Err(WasmError::Unsupported(
            "shared memory (threads)".to_string(),
        ));
    }
    if memory.memory64 {
        return Err(WasmError::Unsupported(
            "64-bit memory (memory64)".to_string(),
        ));
    }
    Ok(MemoryPlan {
        min_pages: memory.minimum,
        max_pages: memory.maximum,
    })
}

fn multi_memory() -> WasmError {
    WasmError::Unsupported("more than one memory (multi-memory)".to_string())
}

fn func_list(elements: &[FuncIndex]) -> Vec<u32> {
    elements
        .iter()
        .map(|f| {
            if f.as_u32() == u32::MAX {
                NULL_FUNC
            } else {
                f.as_u32()
            }
        })
        .collect()
}

impl TypeConvert for ModuleTranslation<'_> {
    fn lookup_heap_type(&self, index: wasmparser::UnpackedIndex) -> WasmHeapType {
        WasmHeapType::ConcreteFunc(self.lookup_type_index(index))
    }

    fn lookup_type_index(&self, index: wasmparser::UnpackedIndex) -> EngineOrModuleTypeIndex {
        let raw = index.as_module_index().unwrap_or(0);
        EngineOrModuleTypeIndex::Module(ModuleInternedTypeIndex::from_u32(raw))
    }
}

impl<'data> ModuleEnvironment<'data> for ModuleTranslation<'data> {
    fn declare_type_func(&mut self, wasm_func_type: WasmFuncType) -> WasmResult<()> {
        let ty = FuncType {
            params: wasm_func_type
                .params()
                .iter()
                .map(val_type)
                .collect::<WasmResult<_>>()?,
            results: wasm_func_type
                .returns()
                .iter()
                .map(val_type)
                .collect::<WasmResult<_>>()?,
        };
        let canonical = match self.types.iter().position(|t| *t == ty) {
            Some(existing) => existing,
            None => {
                self.types.push(ty);
                self.types.len() - 1
            }
        };
        self.type_map.push(canonical as u32);
        self.wasm_types.push(wasm_func_type);
        Ok(())
    }

    fn type_to_signature(&self, index: TypeIndex) -> WasmResult<ModuleInternedTypeIndex> {
        Ok(ModuleInternedTypeIndex::from_u32(index.as_u32()))
    }

    fn declare_func_import(
        &mut self,
        index: TypeIndex,
        module: &'data str,
        field: &'data str,
    ) -> WasmResult<()> {
        let type_index = self.type_map[index.as_u32() as usize];
        self.imports.push(FuncImport {
            module: module.to_string(),
            name: field.to_string(),
            type_index,
        });
        self.func_types.push(index);
        Ok(())
    }

    fn declare_table_import(
        &mut self,
        table: Table,
        module: &'data str,
        field: &'data str,
    ) -> WasmResult<()> {
        let table = table_plan(&table)?;
        self.table_imports.push(TableImport {
            module: module.to_string(),
            name: field.to_string(),
            table,
        });
        Ok(())
    }

    fn declare_memory_import(
        &mut self,
        memory: Memory,
        module: &'data str,
        field: &'data str,
    ) -> WasmResult<()> {
        let memory = memory_plan(&memory)?;
        if self.memory.is_some() || self.memory_import.is_some() {
            return Err(multi_memory());
        }
        self.memory_import = Some(MemoryImport {
            module: module.to_string(),
            name: field.to_string(),
            memory,
        });
        Ok(())
    }

    fn declare_global_import(
        &mut self,
        global: Global,
        module: &'data str,
        field: &'data str,
    ) -> WasmResult<()> {
        self.global_imports.push(GlobalImport {
            module: module.to_string(),
            name: field.to_string(),
            ty: val_type(&global.wasm_ty)?,
            mutable: global.mutability,
        });
        Ok(())
    }

    fn declare_func_type(&mut self, index: TypeIndex) -> WasmResult<()> {
        self.func_types.push(index);
        Ok(())
    }

    fn declare_table(&mut self, table: Table) -> WasmResult<()> {
        let table = table_plan(&table)?;
        self.tables.push(table);
        Ok(())
    }

    fn declare_memory(&mut self, memory: Memory) -> WasmResult<()> {
        let memory = memory_plan(&memory)?;
        if self.memory.is_some() || self.memory_import.is_some() {
            return Err(multi_memory());
        }
        self.memory = Some(memory);
        Ok(())
    }

    fn declare_global(
        &mut self,
        global: Global,
        init: cranelift_wasm::ConstExpr,
    ) -> WasmResult<()> {
        self.globals.push(GlobalPlan {
            ty: val_type(&global.wasm_ty)?,
            mutable: global.mutability,
            init: const_init(init.ops())?,
        });
        Ok(())
    }

    fn declare_func_export(&mut self, func_index: FuncIndex, name: &'data str) -> WasmResult<()> {
        self.exports.push(Export {
            name: name.to_string(),
            kind: ExportKind::Func(func_index.as_u32()),
        });
        Ok(())
    }

    fn declare_table_export(
        &mut self,
        table_index: TableIndex,
        name: &'data str,
    ) -> WasmResult<()> {
        self.exports.push(Export {
            name: name.to_string(),
            kind: ExportKind::Table(table_index.as_u32()),
        });
        Ok(())
    }

    fn declare_memory_export(
        &mut self,
        memory_index: MemoryIndex,
        name: &'data str,
    ) -> WasmResult<()> {
        self.exports.push(Export {
            name: name.to_string(),
            kind: ExportKind::Memory(memory_index.as_u32()),
        });
        Ok(())
    }

    fn declare_global_export(
        &mut self,
        global_index: GlobalIndex,
        name: &'data str,
    ) -> WasmResult<()> {
        self.exports.push(Export {
            name: name.to_string(),
            kind: ExportKind::Global(global_index.as_u32()),
        });
        Ok(())
    }

    fn declare_start_func(&mut self, index: FuncIndex) -> WasmResult<()> {
        self.start = Some(index.as_u32());
        Ok(())
    }

    fn declare_table_elements(
        &mut self,
        table_index: TableIndex,
        base: Option<GlobalIndex>,
        offset: u32,
        elements: Box<[FuncIndex]>,
    ) -> WasmResult<()> {
        self.elements.push(ElementSegment {
            funcs: func_list(&elements),
            mode: ElementMode::Active {
                table: table_index.as_u32(),
                offset: SegmentOffset {
                    base: base.map(|g| g.as_u32()),
                    offset: u64::from(offset),
                },
            },
        });
        Ok(())
    }

    fn declare_passive_element(
        &mut self,
        index: ElemIndex,
        elements: Box<[FuncIndex]>,
    ) -> WasmResult<()> {
        debug_assert_eq!(index.as_u32() as usize, self.elements.len());
        self.elements.push(ElementSegment {
            funcs: func_list(&elements),
            mode: ElementMode::Passive,
        });
        Ok(())
    }

    fn declare_elements(&mut self, elements: Box<[FuncIndex]>) -> WasmResult<()> {
        self.elements.push(ElementSegment {
            funcs: func_list(&elements),
            mode: ElementMode::Declared,
        });
        Ok(())
    }

    fn declare_passive_data(&mut self, data_index: DataIndex, data: &'data [u8]) -> WasmResult<()> {
        debug_assert_eq!(data_index.as_u32() as usize, self.data.len());
        self.data.push(DataInit {
            bytes: data,
            active: None,
        });
        Ok(())
    }

    fn define_function_body(
        &mut self,
        validator: FuncValidator<ValidatorResources>,
        body: FunctionBody<'data>,
    ) -> WasmResult<()> {
        self.bodies.push(PendingBody { validator, body });
        Ok(())
    }

    fn declare_data_initialization(
        &mut self,
        _memory_index: MemoryIndex,
        base: Option<GlobalIndex>,
        offset: u64,
        data: &'data [u8],
    ) -> WasmResult<()> {
        self.data.push(DataInit {
            bytes: data,
            active: Some(SegmentOffset {
                base: base.map(|g| g.as_u32()),
                offset,
            }),
        });
        Ok(())
    }

    fn custom_section(&mut self, name: &'data str, data: &'data [u8]) -> WasmResult<()> {
        // cranelift-wasm leaves the name section to us. A malformed one is ignored, as the
        // spec requires of custom sections: names are only for messages and profilers.
        if name != "name" {
            return Ok(());
        }
        let reader = wasmparser::NameSectionReader::new(wasmparser::BinaryReader::new(data, 0));
        for subsection in reader {
            let map = match subsection {
                Ok(wasmparser::Name::Function(map)) => map,
                Ok(_) => continue,
                // A reader error does not advance: stop rather than loop.
                Err(_) => break,
            };
            for naming in map {
                let Ok(naming) = naming else { break };
                self.names.insert(naming.index, naming.name);
            }
        }
        Ok(())
    }

    fn wasm_features(&self) -> WasmFeatures {
        accepted_features()
    }
}

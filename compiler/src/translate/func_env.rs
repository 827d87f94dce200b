//! How each wasm operation reaches the VM context: the function environment.
//!
//! Linear memory is a static heap: 4 GiB reserved plus a 2 GiB guard, so no 32-bit address
//! plus offset can leave the reservation and Cranelift elides every bounds check; the base
//! is loaded `readonly` because the memory never moves, letting Cranelift hoist it out of
//! loops. Calls to defined functions are direct (`colocated`, resolved by the compiler's
//! linker); calls to imports and through tables load a [`wasmpi_abi::vmctx::FuncRef`] and
//! pass the VM context it names (an import may be another instance's function).
//! `call_indirect` compares the entry's process-wide type id with the expected type's id,
//! read from the VM context. Imported globals are reached through the pointer in their slot.
//! Operations that need the runtime (`memory.grow`, bulk memory, table growth) call a
//! builtin through the VM context and trap at the call site on failure.

use super::{clif_type, ModuleTranslation};
use cranelift_codegen::cursor::FuncCursor;
use cranelift_codegen::entity::PrimaryMap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::immediates::Offset32;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{self, InstBuilder, MemFlags, TrapCode};
use cranelift_codegen::isa::{TargetFrontendConfig, TargetIsa};
use cranelift_frontend::FunctionBuilder;
use cranelift_wasm::wasmparser;
use cranelift_wasm::{
    EngineOrModuleTypeIndex, FuncEnvironment, FuncIndex, GlobalIndex, GlobalVariable, Heap,
    HeapData, HeapStyle, MemoryIndex, TableIndex, TargetEnvironment, TypeConvert, TypeIndex,
    WasmError, WasmHeapType, WasmResult,
};
use wasmpi_abi::vmctx::{self, Builtin, BuiltinType, VmOffsets};

/// Bytes reserved for a 32-bit linear memory: every 32-bit index is inside.
const HEAP_BOUND: u64 = 1 << 32;
/// Guard after the reservation: covers any static offset below 2 GiB.
pub const HEAP_GUARD: u64 = 1 << 31;

/// Flags for loads of VM context fields: never trap, always aligned.
fn vm_flags() -> MemFlags {
    MemFlags::trusted()
}

/// Flags for VM context fields that never change while code runs.
fn vm_readonly() -> MemFlags {
    MemFlags::trusted().with_readonly()
}

pub struct FuncEnv<'m, 'data> {
    module: &'m ModuleTranslation<'data>,
    isa: &'m dyn TargetIsa,
    offsets: VmOffsets,
    heaps: PrimaryMap<Heap, HeapData>,
    vmctx_gv: Option<ir::GlobalValue>,
}

impl<'m, 'data> FuncEnv<'m, 'data> {
    pub fn new(module: &'m ModuleTranslation<'data>, isa: &'m dyn TargetIsa) -> Self {
        FuncEnv {
            module,
            isa,
            offsets: module.offsets(),
            heaps: PrimaryMap::new(),
            vmctx_gv: None,
        }
    }

    fn vmctx_gv(&mut self, func: &mut ir::Function) -> ir::GlobalValue {
        *self
            .vmctx_gv
            .get_or_insert_with(|| func.create_global_value(ir::GlobalValueData::VMContext))
    }

    /// The global value of the stack limit, for the function's prologue check.
    pub fn stack_limit(&mut self, func: &mut ir::Function) -> ir::GlobalValue {
        let base = self.vmctx_gv(func);
        func.create_global_value(ir::GlobalValueData::Load {
            base,
            offset: Offset32::new(vmctx::STACK_LIMIT as i32),
            global_type: I64,
            flags: vm_readonly(),
        })
    }

    fn vmctx(func: &ir::Function) -> WasmResult<ir::Value> {
        func.special_param(ir::ArgumentPurpose::VMContext)
            .ok_or_else(|| WasmError::User("internal error: function without VM context".into()))
    }

    fn table_is_fixed(&self, table: TableIndex) -> bool {
        self.module
            .table_plan(table.as_u32())
            .is_some_and(|plan| plan.max == Some(plan.min))
    }

    /// Loads a table's base and length.
    fn table_parts(
        &self,
        pos: &mut FuncCursor,
        vmctx: ir::Value,
        table: TableIndex,
    ) -> (ir::Value, ir::Value) {
        let at = self.offsets.table(table.as_u32()) as i32;
        let flags = if self.table_is_fixed(table) {
            vm_readonly()
        } else {
            vm_flags()
        };
        let base = pos
            .ins()
            .load(I64, flags, vmctx, at + vmctx::TABLE_BASE as i32);
        let len = pos
            .ins()
            .load(I64, flags, vmctx, at + vmctx::TABLE_LEN as i32);
        (base, len)
    }

    /// Address of table element `index`, trapping when it is out of bounds.
    fn table_slot(
        &self,
        pos: &mut FuncCursor,
        vmctx: ir::Value,
        table: TableIndex,
        index: ir::Value,
    ) -> ir::Value {
        let (base, len) = self.table_parts(pos, vmctx, table);
        let index = pos.ins().uextend(I64, index);
        let oob = pos
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        pos.ins().trapnz(oob, TrapCode::TableOutOfBounds);
        let scaled = pos
            .ins()
            .imul_imm(index, i64::from(vmctx::TABLE_ELEMENT_SIZE));
        pos.ins().iadd(base, scaled)
    }

    /// Calls builtin `builtin` with the VM context and `args`, returning its result. The
    /// call's signature is the builtin's, from `abi` (the launcher's entry points are
    /// generated from the same list); arguments of another number or type are an internal
    /// error, not a call the launcher would misread.
    fn call_builtin(
        &self,
        pos: &mut FuncCursor,
        builtin: Builtin,
        args: &[ir::Value],
    ) -> WasmResult<Option<ir::Value>> {
        let vmctx = Self::vmctx(pos.func)?;
        let signature = builtin.signature();
        let ir_type = |ty: BuiltinType| match ty {
            BuiltinType::I32 => I32,
            BuiltinType::Ptr => I64,
        };
        let arg_types: Vec<ir::Type> = args.iter().map(|a| pos.func.dfg.value_type(*a)).collect();
        let param_types: Vec<ir::Type> = signature.params.iter().map(|t| ir_type(*t)).collect();
        if arg_types != param_types {
            return Err(WasmError::User(format!(
                "internal error: builtin {} takes {param_types:?}, called with {arg_types:?}",
                builtin.name()
            )));
        }
        let mut sig = ir::Signature::new(self.isa.default_call_conv());
        sig.params
            .push(ir::AbiParam::special(I64, ir::ArgumentPurpose::VMContext));
        sig.params
            .extend(param_types.into_iter().map(ir::AbiParam::new));
        sig.returns
            .extend(signature.result.map(|t| ir::AbiParam::new(ir_type(t))));
        let sig = pos.func.import_signature(sig);
        let code = pos.ins().load(
            I64,
            vm_readonly(),
            vmctx,
            vmctx::builtin_offset(builtin) as i32,
        );
        let mut all = vec![vmctx];
        all.extend_from_slice(args);
        let call = pos.ins().call_indirect(sig, code, &all);
        Ok(pos.func.dfg.inst_results(call).first().copied())
    }

    /// Calls a builtin that returns 0 on success and non-zero when out of bounds.
    fn call_checked(
        &self,
        pos: &mut FuncCursor,
        builtin: Builtin,
        args: &[ir::Value],
        trap: TrapCode,
    ) -> WasmResult<()> {
        if let Some(status) = self.call_builtin(pos, builtin, args)? {
            pos.ins().trapnz(status, trap);
        }
        Ok(())
    }

    fn index_arg(pos: &mut FuncCursor, index: u32) -> ir::Value {
        pos.ins().iconst(I32, i64::from(index))
    }
}

impl TypeConvert for FuncEnv<'_, '_> {
    fn lookup_heap_type(&self, index: wasmparser::UnpackedIndex) -> WasmHeapType {
        self.module.lookup_heap_type(index)
    }

    fn lookup_type_index(&self, index: wasmparser::UnpackedIndex) -> EngineOrModuleTypeIndex {
        self.module.lookup_type_index(index)
    }
}

impl TargetEnvironment for FuncEnv<'_, '_> {
    fn target_config(&self) -> TargetFrontendConfig {
        self.isa.frontend_config()
    }

    fn heap_access_spectre_mitigation(&self) -> bool {
        false
    }

    fn proof_carrying_code(&self) -> bool {
        false
    }

    fn reference_type(&self, _ty: WasmHeapType) -> (ir::Type, bool) {
        (I64, false)
    }
}

fn unsupported<T>(what: &str) -> WasmResult<T> {
    Err(WasmError::Unsupported(what.to_string()))
}

impl FuncEnvironment for FuncEnv<'_, '_> {
    fn param_needs_stack_map(&self, _: &ir::Signature, _: usize) -> bool {
        false
    }

    fn sig_ref_result_needs_stack_map(&self, _: ir::SigRef, _: usize) -> bool {
        false
    }

    fn func_ref_result_needs_stack_map(&self, _: &ir::Function, _: ir::FuncRef, _: usize) -> bool {
        false
    }

    fn make_global(
        &mut self,
        func: &mut ir::Function,
        index: GlobalIndex,
    ) -> WasmResult<GlobalVariable> {
        let vmctx = self.vmctx_gv(func);
        let (ty, imported) = self
            .module
            .global_type(index.as_u32())
            .ok_or_else(|| WasmError::User("internal error: no such global".into()))?;
        let slot = Offset32::new(self.offsets.global(index.as_u32()) as i32);
        let ty = clif_type(ty);
        if !imported {
            return Ok(GlobalVariable::Memory {
                gv: vmctx,
                offset: slot,
                ty,
            });
        }
        // An imported global's slot points at the value, wherever the exporter keeps it.
        let gv = func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx,
            offset: slot,
            global_type: I64,
            flags: vm_readonly(),
        });
        Ok(GlobalVariable::Memory {
            gv,
            offset: Offset32::new(0),
            ty,
        })
    }

    fn heaps(&self) -> &PrimaryMap<Heap, HeapData> {
        &self.heaps
    }

    fn make_heap(&mut self, func: &mut ir::Function, _index: MemoryIndex) -> WasmResult<Heap> {
        let vmctx = self.vmctx_gv(func);
        let base = func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx,
            offset: Offset32::new(vmctx::MEMORY_BASE as i32),
            global_type: I64,
            flags: vm_readonly(),
        });
        let plan = self
            .module
            .memory_plan()
            .ok_or_else(|| WasmError::User("memory access without a memory".into()))?;
        Ok(self.heaps.push(HeapData {
            base,
            min_size: plan.min_pages.saturating_mul(wasmpi_abi::WASM_PAGE_SIZE),
            max_size: plan
                .max_pages
                .map(|p| p.saturating_mul(wasmpi_abi::WASM_PAGE_SIZE)),
            offset_guard_size: HEAP_GUARD,
            style: HeapStyle::Static { bound: HEAP_BOUND },
            index_type: I32,
            memory_type: None,
            page_size_log2: 16,
        }))
    }

    fn make_indirect_sig(
        &mut self,
        func: &mut ir::Function,
        index: TypeIndex,
    ) -> WasmResult<ir::SigRef> {
        let canonical = self.module.type_map[index.as_u32() as usize];
        Ok(func.import_signature(self.module.signature(self.isa, canonical)))
    }

    fn make_direct_func(
        &mut self,
        func: &mut ir::Function,
        index: FuncIndex,
    ) -> WasmResult<ir::FuncRef> {
        let sig = self
            .module
            .signature(self.isa, self.module.func_type(index.as_u32()));
        let signature = func.import_signature(sig);
        let name =
            ir::ExternalName::User(func.declare_imported_user_function(ir::UserExternalName {
                namespace: 0,
                index: index.as_u32(),
            }));
        Ok(func.import_function(ir::ExtFuncData {
            name,
            signature,
            colocated: true,
        }))
    }

    fn translate_call(
        &mut self,
        builder: &mut FunctionBuilder,
        callee_index: FuncIndex,
        callee: ir::FuncRef,
        call_args: &[ir::Value],
    ) -> WasmResult<ir::Inst> {
        let vmctx = Self::vmctx(builder.func)?;
        let mut args = Vec::with_capacity(call_args.len() + 1);
        args.push(vmctx);
        args.extend_from_slice(call_args);
        if callee_index.as_u32() >= self.module.num_imports() {
            return Ok(builder.ins().call(callee, &args));
        }
        // Imports are bound at load time: call through their FuncRef in the VM context, with
        // the VM context it names (the exporter's, or ours for host functions).
        let at = self.offsets.funcref(callee_index.as_u32());
        let code = builder
            .ins()
            .load(I64, vm_readonly(), vmctx, (at + vmctx::FUNCREF_CODE) as i32);
        args[0] = builder.ins().load(
            I64,
            vm_readonly(),
            vmctx,
            (at + vmctx::FUNCREF_VMCTX) as i32,
        );
        let sig = builder.func.dfg.ext_funcs[callee].signature;
        Ok(builder.ins().call_indirect(sig, code, &args))
    }

    fn translate_call_indirect(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        sig_index: TypeIndex,
        sig_ref: ir::SigRef,
        callee: ir::Value,
        call_args: &[ir::Value],
    ) -> WasmResult<Option<ir::Inst>> {
        let vmctx = Self::vmctx(builder.func)?;
        let expected = self.module.type_map[sig_index.as_u32() as usize];
        let mut pos = builder.cursor();
        let slot = self.table_slot(&mut pos, vmctx, table_index, callee);
        let funcref = pos.ins().load(I64, vm_flags(), slot, 0);
        pos.ins().trapz(funcref, TrapCode::IndirectCallToNull);
        let actual = pos
            .ins()
            .load(I32, vm_flags(), funcref, vmctx::FUNCREF_TYPE as i32);
        // Type ids are process-wide (the entry may come from another instance): the
        // expected type's id is in our VM context.
        let expected = pos.ins().load(
            I32,
            vm_readonly(),
            vmctx,
            self.offsets.type_id(expected) as i32,
        );
        let mismatch = pos.ins().icmp(IntCC::NotEqual, actual, expected);
        pos.ins().trapnz(mismatch, TrapCode::BadSignature);
        let code = pos
            .ins()
            .load(I64, vm_flags(), funcref, vmctx::FUNCREF_CODE as i32);
        let callee_vmctx = pos
            .ins()
            .load(I64, vm_flags(), funcref, vmctx::FUNCREF_VMCTX as i32);
        let mut args = Vec::with_capacity(call_args.len() + 1);
        args.push(callee_vmctx);
        args.extend_from_slice(call_args);
        Ok(Some(builder.ins().call_indirect(sig_ref, code, &args)))
    }

    fn translate_return_call_indirect(
        &mut self,
        _: &mut FunctionBuilder,
        _: TableIndex,
        _: TypeIndex,
        _: ir::SigRef,
        _: ir::Value,
        _: &[ir::Value],
    ) -> WasmResult<()> {
        unsupported("tail calls")
    }

    fn translate_return_call_ref(
        &mut self,
        _: &mut FunctionBuilder,
        _: ir::SigRef,
        _: ir::Value,
        _: &[ir::Value],
    ) -> WasmResult<()> {
        unsupported("tail calls")
    }

    fn translate_call_ref(
        &mut self,
        _: &mut FunctionBuilder,
        _: ir::SigRef,
        _: ir::Value,
        _: &[ir::Value],
    ) -> WasmResult<ir::Inst> {
        unsupported("typed function references (call_ref)")
    }

    fn translate_memory_grow(
        &mut self,
        mut pos: FuncCursor,
        _: MemoryIndex,
        _: Heap,
        val: ir::Value,
    ) -> WasmResult<ir::Value> {
        let result = self.call_builtin(&mut pos, Builtin::MemoryGrow, &[val])?;
        result.ok_or_else(|| WasmError::User("internal error: memory.grow without result".into()))
    }

    fn translate_memory_size(
        &mut self,
        mut pos: FuncCursor,
        _: MemoryIndex,
        _: Heap,
    ) -> WasmResult<ir::Value> {
        let vmctx = Self::vmctx(pos.func)?;
        let bytes = pos
            .ins()
            .load(I64, vm_flags(), vmctx, vmctx::MEMORY_SIZE as i32);
        let pages = pos.ins().ushr_imm(bytes, 16);
        Ok(pos.ins().ireduce(I32, pages))
    }

    fn translate_memory_copy(
        &mut self,
        mut pos: FuncCursor,
        _: MemoryIndex,
        _: Heap,
        _: MemoryIndex,
        _: Heap,
        dst: ir::Value,
        src: ir::Value,
        len: ir::Value,
    ) -> WasmResult<()> {
        self.call_checked(
            &mut pos,
            Builtin::MemoryCopy,
            &[dst, src, len],
            TrapCode::HeapOutOfBounds,
        )
    }

    fn translate_memory_fill(
        &mut self,
        mut pos: FuncCursor,
        _: MemoryIndex,
        _: Heap,
        dst: ir::Value,
        val: ir::Value,
        len: ir::Value,
    ) -> WasmResult<()> {
        self.call_checked(
            &mut pos,
            Builtin::MemoryFill,
            &[dst, val, len],
            TrapCode::HeapOutOfBounds,
        )
    }

    fn translate_memory_init(
        &mut self,
        mut pos: FuncCursor,
        _: MemoryIndex,
        _: Heap,
        seg_index: u32,
        dst: ir::Value,
        src: ir::Value,
        len: ir::Value,
    ) -> WasmResult<()> {
        let seg = Self::index_arg(&mut pos, seg_index);
        self.call_checked(
            &mut pos,
            Builtin::MemoryInit,
            &[seg, dst, src, len],
            TrapCode::HeapOutOfBounds,
        )
    }

    fn translate_data_drop(&mut self, mut pos: FuncCursor, seg_index: u32) -> WasmResult<()> {
        let seg = Self::index_arg(&mut pos, seg_index);
        self.call_builtin(&mut pos, Builtin::DataDrop, &[seg])
            .map(|_| ())
    }

    fn translate_table_size(
        &mut self,
        mut pos: FuncCursor,
        index: TableIndex,
    ) -> WasmResult<ir::Value> {
        let vmctx = Self::vmctx(pos.func)?;
        let (_, len) = self.table_parts(&mut pos, vmctx, index);
        Ok(pos.ins().ireduce(I32, len))
    }

    fn translate_table_grow(
        &mut self,
        mut pos: FuncCursor,
        table_index: TableIndex,
        delta: ir::Value,
        init_value: ir::Value,
    ) -> WasmResult<ir::Value> {
        let table = Self::index_arg(&mut pos, table_index.as_u32());
        let result =
            self.call_builtin(&mut pos, Builtin::TableGrow, &[table, init_value, delta])?;
        result.ok_or_else(|| WasmError::User("internal error: table.grow without result".into()))
    }

    fn translate_table_get(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        index: ir::Value,
    ) -> WasmResult<ir::Value> {
        let vmctx = Self::vmctx(builder.func)?;
        let mut pos = builder.cursor();
        let slot = self.table_slot(&mut pos, vmctx, table_index, index);
        Ok(pos.ins().load(I64, vm_flags(), slot, 0))
    }

    fn translate_table_set(
        &mut self,
        builder: &mut FunctionBuilder,
        table_index: TableIndex,
        value: ir::Value,
        index: ir::Value,
    ) -> WasmResult<()> {
        let vmctx = Self::vmctx(builder.func)?;
        let mut pos = builder.cursor();
        let slot = self.table_slot(&mut pos, vmctx, table_index, index);
        pos.ins().store(vm_flags(), value, slot, 0);
        Ok(())
    }

    fn translate_table_copy(
        &mut self,
        mut pos: FuncCursor,
        dst_table_index: TableIndex,
        src_table_index: TableIndex,
        dst: ir::Value,
        src: ir::Value,
        len: ir::Value,
    ) -> WasmResult<()> {
        let dst_table = Self::index_arg(&mut pos, dst_table_index.as_u32());
        let src_table = Self::index_arg(&mut pos, src_table_index.as_u32());
        self.call_checked(
            &mut pos,
            Builtin::TableCopy,
            &[dst_table, src_table, dst, src, len],
            TrapCode::TableOutOfBounds,
        )
    }

    fn translate_table_fill(
        &mut self,
        mut pos: FuncCursor,
        table_index: TableIndex,
        dst: ir::Value,
        val: ir::Value,
        len: ir::Value,
    ) -> WasmResult<()> {
        let table = Self::index_arg(&mut pos, table_index.as_u32());
        self.call_checked(
            &mut pos,
            Builtin::TableFill,
            &[table, dst, val, len],
            TrapCode::TableOutOfBounds,
        )
    }

    fn translate_table_init(
        &mut self,
        mut pos: FuncCursor,
        seg_index: u32,
        table_index: TableIndex,
        dst: ir::Value,
        src: ir::Value,
        len: ir::Value,
    ) -> WasmResult<()> {
        let table = Self::index_arg(&mut pos, table_index.as_u32());
        let seg = Self::index_arg(&mut pos, seg_index);
        self.call_checked(
            &mut pos,
            Builtin::TableInit,
            &[table, seg, dst, src, len],
            TrapCode::TableOutOfBounds,
        )
    }

    fn translate_elem_drop(&mut self, mut pos: FuncCursor, seg_index: u32) -> WasmResult<()> {
        let seg = Self::index_arg(&mut pos, seg_index);
        self.call_builtin(&mut pos, Builtin::ElemDrop, &[seg])
            .map(|_| ())
    }

    fn translate_ref_null(
        &mut self,
        mut pos: FuncCursor,
        _: WasmHeapType,
    ) -> WasmResult<ir::Value> {
        Ok(pos.ins().iconst(I64, 0))
    }

    fn translate_ref_is_null(
        &mut self,
        mut pos: FuncCursor,
        value: ir::Value,
    ) -> WasmResult<ir::Value> {
        let is_null = pos.ins().icmp_imm(IntCC::Equal, value, 0);
        Ok(pos.ins().uextend(I32, is_null))
    }

    fn translate_ref_func(
        &mut self,
        mut pos: FuncCursor,
        func_index: FuncIndex,
    ) -> WasmResult<ir::Value> {
        let vmctx = Self::vmctx(pos.func)?;
        Ok(pos
            .ins()
            .iadd_imm(vmctx, i64::from(self.offsets.funcref(func_index.as_u32()))))
    }

    fn translate_custom_global_get(
        &mut self,
        _: &mut FunctionBuilder,
        _: GlobalIndex,
    ) -> WasmResult<ir::Value> {
        unsupported("custom globals")
    }

    fn translate_custom_global_set(
        &mut self,
        _: &mut FunctionBuilder,
        _: GlobalIndex,
        _: ir::Value,
    ) -> WasmResult<()> {
        unsupported("custom globals")
    }

    fn translate_atomic_wait(
        &mut self,
        _: FuncCursor,
        _: MemoryIndex,
        _: Heap,
        _: ir::Value,
        _: ir::Value,
        _: ir::Value,
    ) -> WasmResult<ir::Value> {
        unsupported("threads (memory.atomic.wait)")
    }

    fn translate_atomic_notify(
        &mut self,
        _: FuncCursor,
        _: MemoryIndex,
        _: Heap,
        _: ir::Value,
        _: ir::Value,
    ) -> WasmResult<ir::Value> {
        unsupported("threads (memory.atomic.notify)")
    }

    fn translate_ref_i31(&mut self, _: FuncCursor, _: ir::Value) -> WasmResult<ir::Value> {
        unsupported("GC (ref.i31)")
    }

    fn translate_i31_get_s(&mut self, _: FuncCursor, _: ir::Value) -> WasmResult<ir::Value> {
        unsupported("GC (i31.get_s)")
    }

    fn translate_i31_get_u(&mut self, _: FuncCursor, _: ir::Value) -> WasmResult<ir::Value> {
        unsupported("GC (i31.get_u)")
    }
}

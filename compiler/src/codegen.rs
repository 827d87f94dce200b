//! Cranelift IR → machine code, one function at a time, in parallel.
//!
//! Each function compiles independently into a [`CompiledCode`]: its bytes, the calls it
//! makes to other functions (resolved later by [`crate::link`]) and the instructions that may
//! trap. Entry trampolines (host → wasm, one per function type) are generated here too.

use crate::translate::{clif_type, ModuleTranslation};
use anyhow::{anyhow, bail, Result};
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, types::I64, InstBuilder, LibCall, MemFlags, TrapCode};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmpi_abi::trap::TrapKind;

/// What a call site calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callee {
    /// A wasm function, by module-wide function index.
    Function(u32),
    /// A runtime routine compiled into the artifact ([`crate::libcalls`]).
    LibCall(LibCall),
}

/// A call from one function to another, to be patched by the linker.
#[derive(Clone, Copy, Debug)]
pub struct CallSite {
    /// Offset of the relocated field within the function.
    pub offset: u32,
    /// Kind of patch.
    pub kind: Reloc,
    /// What is called.
    pub callee: Callee,
    /// Addend to add to the callee's address.
    pub addend: i64,
}

/// Machine code of one function.
pub struct CompiledCode {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Calls to patch.
    pub calls: Vec<CallSite>,
    /// (offset within function, trap kind).
    pub traps: Vec<(u32, TrapKind)>,
}

/// The trap kind of a Cranelift trap code.
fn trap_kind(code: TrapCode) -> Option<TrapKind> {
    Some(match code {
        TrapCode::StackOverflow => TrapKind::StackOverflow,
        TrapCode::HeapOutOfBounds | TrapCode::HeapMisaligned => TrapKind::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds => TrapKind::TableOutOfBounds,
        TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
        TrapCode::BadSignature => TrapKind::BadSignature,
        TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
        TrapCode::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        TrapCode::BadConversionToInteger => TrapKind::BadConversionToInteger,
        TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
        TrapCode::NullReference | TrapCode::NullI31Ref => TrapKind::NullReference,
        TrapCode::Interrupt | TrapCode::User(_) => return None,
    })
}

/// Compiles one IR function. `context` is reused between calls to save allocations.
pub fn compile(
    isa: &dyn TargetIsa,
    context: &mut Context,
    func: ir::Function,
) -> Result<CompiledCode> {
    context.clear();
    let names = func.params.user_named_funcs().clone();
    context.func = func;
    let compiled = context
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| anyhow!("code generation failed: {:?}", e.inner))?;
    let mut calls = Vec::new();
    for reloc in compiled.buffer.relocs() {
        let callee = match &reloc.target {
            FinalizedRelocTarget::ExternalName(ir::ExternalName::User(name)) => {
                Callee::Function(names[*name].index)
            }
            FinalizedRelocTarget::ExternalName(ir::ExternalName::LibCall(libcall)) => {
                Callee::LibCall(*libcall)
            }
            other => bail!("internal error: unexpected relocation target {other:?}"),
        };
        calls.push(CallSite {
            offset: reloc.offset,
            kind: reloc.kind,
            callee,
            addend: reloc.addend,
        });
    }
    let traps = compiled
        .buffer
        .traps()
        .iter()
        .filter_map(|t| trap_kind(t.code).map(|kind| (t.offset, kind)))
        .collect();
    Ok(CompiledCode {
        bytes: compiled.code_buffer().to_vec(),
        calls,
        traps,
    })
}

/// Builds the host → wasm entry trampoline for canonical type `canonical`:
/// `extern "C" fn(vmctx, callee_code, values: *mut [u128])`. Arguments are read from
/// `values[i]`, results written back to `values[i]`, one 16-byte slot each.
pub fn trampoline(isa: &dyn TargetIsa, module: &ModuleTranslation, canonical: u32) -> ir::Function {
    let mut sig = ir::Signature::new(isa.default_call_conv());
    sig.params.extend([ir::AbiParam::new(I64); 3]);
    let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(1, canonical), sig);
    let callee_sig = func.import_signature(module.signature(isa, canonical));
    let ty = &module.types[canonical as usize];
    let mut fb_context = FunctionBuilderContext::new();
    let mut builder = FunctionBuilder::new(&mut func, &mut fb_context);
    let block = builder.create_block();
    builder.append_block_params_for_function_params(block);
    builder.switch_to_block(block);
    builder.seal_block(block);
    let (vmctx, code, values) = {
        let p = builder.block_params(block);
        (p[0], p[1], p[2])
    };
    let flags = MemFlags::trusted();
    let mut args = vec![vmctx];
    for (i, param) in ty.params.iter().enumerate() {
        args.push(
            builder
                .ins()
                .load(clif_type(*param), flags, values, (16 * i) as i32),
        );
    }
    let call = builder.ins().call_indirect(callee_sig, code, &args);
    let results = builder.inst_results(call).to_vec();
    for (i, result) in results.into_iter().enumerate() {
        builder.ins().store(flags, result, values, (16 * i) as i32);
    }
    builder.ins().return_(&[]);
    builder.finalize();
    func
}

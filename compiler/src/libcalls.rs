//! Runtime routines Cranelift calls on CPUs without an instruction for an operation,
//! compiled into the artifact itself.
//!
//! Without SSE4.1, x86-64 has no rounding instruction, so Cranelift lowers `floor`, `ceil`,
//! `trunc` and `nearest` to calls; without SSSE3 it lowers byte shuffles to a `pshufb` call.
//! Native runtimes link these from libm; an artifact must run with no relocations, so wasmpi
//! builds each routine in Cranelift IR from instructions every x86-64 has (SSE2) and links
//! the calls like calls between wasm functions.

use anyhow::{bail, Result};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I32, I64, I8, I8X16};
use cranelift_codegen::ir::{self, InstBuilder, LibCall, MemFlags, StackSlotData, StackSlotKind};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// Every routine wasmpi can provide, in a fixed order (their position names them in the
/// artifact).
pub const PROVIDED: &[LibCall] = &[
    LibCall::FloorF32,
    LibCall::FloorF64,
    LibCall::CeilF32,
    LibCall::CeilF64,
    LibCall::TruncF32,
    LibCall::TruncF64,
    LibCall::NearestF32,
    LibCall::NearestF64,
    LibCall::X86Pshufb,
];

/// Name of a routine's symbol in the artifact.
pub fn symbol(libcall: LibCall) -> String {
    format!("wasmpi_libcall_{libcall:?}").to_lowercase()
}

#[derive(Clone, Copy)]
enum Rounding {
    Floor,
    Ceil,
    Trunc,
    Nearest,
}

/// The IR of routine `libcall`, or an error if wasmpi cannot provide it.
pub fn function(isa: &dyn TargetIsa, libcall: LibCall) -> Result<ir::Function> {
    let (ty, rounding) = match libcall {
        LibCall::FloorF32 => (F32, Rounding::Floor),
        LibCall::FloorF64 => (F64, Rounding::Floor),
        LibCall::CeilF32 => (F32, Rounding::Ceil),
        LibCall::CeilF64 => (F64, Rounding::Ceil),
        LibCall::TruncF32 => (F32, Rounding::Trunc),
        LibCall::TruncF64 => (F64, Rounding::Trunc),
        LibCall::NearestF32 => (F32, Rounding::Nearest),
        LibCall::NearestF64 => (F64, Rounding::Nearest),
        LibCall::X86Pshufb => return Ok(pshufb(isa)),
        other => bail!(
            "the code needs the runtime routine {other:?}, which wasmpi does not provide; \
             compile for a CPU with more features"
        ),
    };
    Ok(round(isa, libcall, ty, rounding))
}

fn new_function(isa: &dyn TargetIsa, libcall: LibCall) -> ir::Function {
    let sig = libcall.signature(isa.default_call_conv(), I64);
    let index = PROVIDED.iter().position(|l| *l == libcall).unwrap_or(0) as u32;
    ir::Function::with_name_signature(ir::UserFuncName::user(2, index), sig)
}

/// Rounding of a float to an integral value, IEEE/wasm semantics (signed zeros kept, NaN
/// quieted). Values at or beyond 2^mantissa bits are already integral and returned as they
/// are; below, the value is rounded through an integer conversion (trunc/floor/ceil) or by
/// adding and subtracting 2^mantissa in the default round-to-nearest-even mode (nearest).
fn round(isa: &dyn TargetIsa, libcall: LibCall, ty: ir::Type, rounding: Rounding) -> ir::Function {
    let mut func = new_function(isa, libcall);
    let mut context = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut context);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let x = b.block_params(block)[0];
    let (int_ty, exact) = if ty == F32 {
        (I32, 8_388_608.0f64)
    } else {
        (I64, 4_503_599_627_370_496.0f64)
    };
    let constant = |b: &mut FunctionBuilder, v: f64| {
        if ty == F32 {
            b.ins().f32const(v as f32)
        } else {
            b.ins().f64const(v)
        }
    };
    let abs = b.ins().fabs(x);
    let limit = constant(&mut b, exact);
    let small = b.ins().fcmp(FloatCC::LessThan, abs, limit);
    let rounded = match rounding {
        Rounding::Nearest => {
            let up = b.ins().fadd(abs, limit);
            let back = b.ins().fsub(up, limit);
            b.ins().fcopysign(back, x)
        }
        Rounding::Trunc | Rounding::Floor | Rounding::Ceil => {
            let int = b.ins().fcvt_to_sint_sat(int_ty, x);
            let float = b.ins().fcvt_from_sint(ty, int);
            let truncated = b.ins().fcopysign(float, x);
            let one = constant(&mut b, 1.0);
            match rounding {
                Rounding::Floor => {
                    let above = b.ins().fcmp(FloatCC::GreaterThan, truncated, x);
                    let lower = b.ins().fsub(truncated, one);
                    b.ins().select(above, lower, truncated)
                }
                Rounding::Ceil => {
                    let below = b.ins().fcmp(FloatCC::LessThan, truncated, x);
                    let higher = b.ins().fadd(truncated, one);
                    b.ins().select(below, higher, truncated)
                }
                _ => truncated,
            }
        }
    };
    // Large values are integral already; adding zero keeps them and quiets a NaN.
    let zero = constant(&mut b, 0.0);
    let unchanged = b.ins().fadd(x, zero);
    let result = b.ins().select(small, rounded, unchanged);
    b.ins().return_(&[result]);
    b.finalize();
    func
}

/// `pshufb`: byte `i` of the result is `src[mask[i] & 15]`, or 0 when `mask[i]` has its top
/// bit set. Done byte by byte through the stack, with SSE2 only.
fn pshufb(isa: &dyn TargetIsa) -> ir::Function {
    let mut func = new_function(isa, LibCall::X86Pshufb);
    let mut context = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut context);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let (src, mask) = (b.block_params(block)[0], b.block_params(block)[1]);
    let slot = |b: &mut FunctionBuilder| {
        b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 4))
    };
    let (src_slot, mask_slot, out_slot) = (slot(&mut b), slot(&mut b), slot(&mut b));
    b.ins().stack_store(src, src_slot, 0);
    b.ins().stack_store(mask, mask_slot, 0);
    let src_base = b.ins().stack_addr(I64, src_slot, 0);
    for i in 0..16 {
        let m = b.ins().stack_load(I8, mask_slot, i);
        let m = b.ins().uextend(I32, m);
        let index = b.ins().band_imm(m, 15);
        let index = b.ins().uextend(I64, index);
        let address = b.ins().iadd(src_base, index);
        let byte = b.ins().load(I8, MemFlags::trusted(), address, 0);
        let cleared = b.ins().band_imm(m, 0x80);
        let zero = b.ins().iconst(I8, 0);
        let is_cleared = b.ins().icmp_imm(IntCC::NotEqual, cleared, 0);
        let value = b.ins().select(is_cleared, zero, byte);
        b.ins().stack_store(value, out_slot, i);
    }
    let result = b.ins().stack_load(I8X16, out_slot, 0);
    b.ins().return_(&[result]);
    b.finalize();
    func
}

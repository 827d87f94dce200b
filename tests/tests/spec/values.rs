//! Wast constants → launcher values, and results checked against wast patterns.
//!
//! Results compare bit for bit, except where the spec allows any NaN of a class:
//! `nan:canonical` (sign free, quiet bit only) and `nan:arithmetic` (sign and payload free,
//! quiet bit set), per lane for `v128`.

use wasmpi_launcher::Val;
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// Why a wast value cannot be passed to or expected from wasmpi.
pub struct Unsupported(pub String);

/// The launcher value of a wast argument.
pub fn arg(arg: &WastArg) -> Result<Val, Unsupported> {
    let WastArg::Core(core) = arg else {
        return Err(Unsupported("component-model value".into()));
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(ty) if is_func(ty) => Val::FuncRef(None),
        other => return Err(unsupported_ref(other)),
    })
}

fn is_func(ty: &HeapType) -> bool {
    matches!(
        ty,
        HeapType::Abstract {
            ty: AbstractHeapType::Func,
            ..
        }
    )
}

fn unsupported_ref(what: &impl std::fmt::Debug) -> Unsupported {
    Unsupported(format!(
        "reference other than funcref ({what:?}): wasmpi rejects externref"
    ))
}

/// Whether an expected result can be checked at all (funcref-only reference types).
pub fn check_supported(expected: &WastRet) -> Result<(), Unsupported> {
    let WastRet::Core(core) = expected else {
        return Err(Unsupported("component-model value".into()));
    };
    core_supported(core)
}

fn core_supported(core: &WastRetCore) -> Result<(), Unsupported> {
    match core {
        WastRetCore::RefNull(Some(ty)) if !is_func(ty) => Err(unsupported_ref(core)),
        WastRetCore::RefExtern(_)
        | WastRetCore::RefHost(_)
        | WastRetCore::RefAny
        | WastRetCore::RefEq
        | WastRetCore::RefArray
        | WastRetCore::RefStruct
        | WastRetCore::RefI31
        | WastRetCore::RefI31Shared => Err(unsupported_ref(core)),
        WastRetCore::Either(all) => all.iter().try_for_each(core_supported),
        _ => Ok(()),
    }
}

/// Whether `actual` matches the expected pattern.
pub fn matches(actual: &Val, expected: &WastRet) -> bool {
    let WastRet::Core(expected) = expected else {
        return false;
    };
    matches_core(actual, expected)
}

fn matches_core(actual: &Val, expected: &WastRetCore) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(e, *a),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(e, *a),
        (WastRetCore::V128(e), Val::V128(a)) => v128_matches(e, *a),
        (WastRetCore::RefNull(_), Val::FuncRef(a)) => a.is_none(),
        (WastRetCore::RefFunc(_), Val::FuncRef(a)) => a.is_some(),
        (WastRetCore::Either(all), a) => all.iter().any(|e| matches_core(a, e)),
        _ => false,
    }
}

fn f32_matches(expected: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(expected: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(expected: &V128Pattern, bits: u128) -> bool {
    let bytes = bits.to_le_bytes();
    let lane = |size: usize, i: usize| -> u64 {
        let mut buf = [0u8; 8];
        buf[..size].copy_from_slice(&bytes[i * size..(i + 1) * size]);
        u64::from_le_bytes(buf)
    };
    match expected {
        V128Pattern::I8x16(e) => (0..16).all(|i| lane(1, i) as u8 == e[i] as u8),
        V128Pattern::I16x8(e) => (0..8).all(|i| lane(2, i) as u16 == e[i] as u16),
        V128Pattern::I32x4(e) => (0..4).all(|i| lane(4, i) as u32 == e[i] as u32),
        V128Pattern::I64x2(e) => (0..2).all(|i| lane(8, i) == e[i] as u64),
        V128Pattern::F32x4(e) => (0..4).all(|i| f32_matches(&e[i], lane(4, i) as u32)),
        V128Pattern::F64x2(e) => (0..2).all(|i| f64_matches(&e[i], lane(8, i))),
    }
}

/// A value for messages.
pub fn show(val: &Val) -> String {
    match val {
        Val::I32(v) => format!("i32:{v}"),
        Val::I64(v) => format!("i64:{v}"),
        Val::F32(b) => format!("f32:{} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} ({b:#018x})", f64::from_bits(*b)),
        Val::V128(b) => format!("v128:{b:#034x}"),
        Val::FuncRef(None) => "ref.null func".to_string(),
        Val::FuncRef(Some(h)) => format!("ref.func {}", h.index()),
    }
}

/// An expected result for messages.
pub fn show_expected(expected: &WastRet) -> String {
    match expected {
        WastRet::Core(core) => format!("{core:?}"),
        #[allow(unreachable_patterns)]
        _ => "<component value>".to_string(),
    }
}

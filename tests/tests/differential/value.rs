//! The values and outcomes both runtimes are compared in.
//!
//! Floats are kept as bits; two NaNs are equal whatever their payloads (the spec leaves NaN
//! payloads nondeterministic, and the generator canonicalizes NaNs before they reach memory,
//! but a NaN can still come back as a result). References are compared as null/non-null:
//! addresses mean nothing across runtimes.

use std::fmt;
use wasmpi_abi::trap::TrapKind;

/// A wasm value.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    /// A funcref: null or not.
    FuncRef {
        null: bool,
    },
    /// An externref: null or not.
    ExternRef {
        null: bool,
    },
}

impl Value {
    /// Equal, with every NaN equal to every other NaN.
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(*a).is_nan() && f32::from_bits(*b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(*a).is_nan() && f64::from_bits(*b).is_nan())
            }
            (Value::I32(a), Value::I32(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::V128(a), Value::V128(b)) => a == b,
            (Value::FuncRef { null: a }, Value::FuncRef { null: b }) => a == b,
            (Value::ExternRef { null: a }, Value::ExternRef { null: b }) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "i32:{v}"),
            Value::I64(v) => write!(f, "i64:{v}"),
            Value::F32(v) => write!(f, "f32:{:?}({v:#x})", f32::from_bits(*v)),
            Value::F64(v) => write!(f, "f64:{:?}({v:#x})", f64::from_bits(*v)),
            Value::V128(v) => write!(f, "v128:{v:#034x}"),
            Value::FuncRef { null } => write!(f, "funcref:{}", if *null { "null" } else { "func" }),
            Value::ExternRef { null } => {
                write!(f, "externref:{}", if *null { "null" } else { "extern" })
            }
        }
    }
}

/// Why a call did not return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A wasm trap (stack exhaustion excluded).
    Trap(TrapKind),
    /// The call stack ran out: each runtime has its own limit, so one side exhausting it
    /// alone is not a mismatch.
    StackExhausted,
    /// Instantiation failed before any code ran (a segment that does not fit).
    Instantiation(String),
    /// Anything else: a resource limit, a host error.
    Other(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Trap(kind) => write!(f, "trap: {kind}"),
            Fault::StackExhausted => write!(f, "call stack exhausted"),
            Fault::Instantiation(why) => write!(f, "instantiation failed: {why}"),
            Fault::Other(why) => write!(f, "error: {why}"),
        }
    }
}

/// What a call did.
pub type Outcome = Result<Vec<Value>, Fault>;

/// `outcome`, printed.
pub fn show(outcome: &Outcome) -> String {
    match outcome {
        Ok(values) => format!(
            "returned [{}]",
            values
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(fault) => fault.to_string(),
    }
}

/// Whether two outcomes agree: same values, or the same trap kind.
pub fn same_outcome(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y)),
        (Err(Fault::Trap(a)), Err(Fault::Trap(b))) => a == b,
        _ => false,
    }
}

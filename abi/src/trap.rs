//! Trap kinds: recorded by the compiler for every instruction that may trap, reported by the
//! launcher when one does.

use serde::{Deserialize, Serialize};

/// Why a WebAssembly program trapped.
///
/// The discriminant is the byte stored in the artifact's trap table; never renumber.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum TrapKind {
    /// The wasm stack's limit was reached (usually runaway recursion).
    StackOverflow = 0,
    /// A load, store or bulk memory operation outside linear memory.
    MemoryOutOfBounds = 1,
    /// A table access outside the table.
    TableOutOfBounds = 2,
    /// `call_indirect` through a null table entry.
    IndirectCallToNull = 3,
    /// `call_indirect` to a function of another type.
    BadSignature = 4,
    /// Signed division overflow (`INT_MIN / -1`).
    IntegerOverflow = 5,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero = 6,
    /// Float-to-integer conversion of NaN or of a value out of range.
    BadConversionToInteger = 7,
    /// The `unreachable` instruction.
    Unreachable = 8,
    /// A null reference was dereferenced.
    NullReference = 9,
}

impl TrapKind {
    /// Every trap kind, in discriminant order.
    pub const ALL: [TrapKind; 10] = [
        TrapKind::StackOverflow,
        TrapKind::MemoryOutOfBounds,
        TrapKind::TableOutOfBounds,
        TrapKind::IndirectCallToNull,
        TrapKind::BadSignature,
        TrapKind::IntegerOverflow,
        TrapKind::IntegerDivisionByZero,
        TrapKind::BadConversionToInteger,
        TrapKind::Unreachable,
        TrapKind::NullReference,
    ];

    /// Decodes a trap table byte.
    pub fn from_u8(byte: u8) -> Option<TrapKind> {
        TrapKind::ALL.get(usize::from(byte)).copied()
    }

    /// The human-readable description used in `wasmpirun: wasm trap: <description> ...`.
    pub fn description(self) -> &'static str {
        match self {
            TrapKind::StackOverflow => "call stack exhausted",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "undefined element: table index out of bounds",
            TrapKind::IndirectCallToNull => "uninitialized element: indirect call to null",
            TrapKind::BadSignature => "indirect call type mismatch",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::IntegerDivisionByZero => "integer divide by zero",
            TrapKind::BadConversionToInteger => "invalid conversion to integer",
            TrapKind::Unreachable => "unreachable executed",
            TrapKind::NullReference => "null reference",
        }
    }

    /// The exit status `wasmpirun` uses for this trap: 100 plus the discriminant, so each
    /// kind is distinct and none collides with shell (126, 127) or signal (128+N) statuses.
    pub fn exit_status(self) -> i32 {
        100 + self as i32
    }
}

impl std::fmt::Display for TrapKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

/// One entry of the trap table: code at `offset` (from the start of `.text`) may trap with `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrapSite {
    /// Offset of the trapping instruction from the start of `.text`.
    pub offset: u32,
    /// What the trap means.
    pub kind: TrapKind,
}

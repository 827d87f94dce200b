//! Lays functions out in one `.text` and resolves every call between them, so the launcher
//! maps the code as it is, applying no relocations.

use crate::codegen::{CallSite, Callee, CompiledCode};
use anyhow::{anyhow, bail, Result};
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::LibCall;
use wasmpi_abi::artifact::CodeRange;
use wasmpi_abi::trap::TrapSite;

/// The linked `.text`.
pub struct Text {
    /// The code.
    pub bytes: Vec<u8>,
    /// Where each defined function went, in order.
    pub functions: Vec<CodeRange>,
    /// Where each trampoline went, in order.
    pub trampolines: Vec<CodeRange>,
    /// Where each runtime routine went.
    pub libcalls: Vec<(LibCall, CodeRange)>,
    /// Every trap site, sorted by offset.
    pub traps: Vec<TrapSite>,
}

/// Concatenates `functions`, `trampolines` and `libcalls`, in that order, each at the next
/// multiple of `align` (a power of two) with zero padding between, and patches the calls
/// they make. Function index `i` of a call site refers to `functions[i - num_imports]`.
///
/// Fails, rather than writing a wrong displacement, on a call to code that is not in the
/// text (an import, an index past the last function, a routine not compiled in), a
/// relocation kind it cannot resolve without a loader, a relocated field or trap site
/// outside its function, a displacement the instruction cannot encode, or a text over 4 GiB.
pub fn link(
    functions: &[CompiledCode],
    trampolines: &[CompiledCode],
    libcalls: &[(LibCall, CompiledCode)],
    num_imports: u32,
    align: u32,
) -> Result<Text> {
    if !align.is_power_of_two() {
        bail!("internal error: code alignment {align} is not a power of two");
    }
    let mut bytes = Vec::new();
    let mut traps = Vec::new();
    let mut place = |code: &CompiledCode, bytes: &mut Vec<u8>| -> Result<CodeRange> {
        let start = bytes.len().next_multiple_of(align as usize);
        let (Ok(offset), Ok(len), Ok(_)) = (
            u32::try_from(start),
            u32::try_from(code.bytes.len()),
            u32::try_from(start + code.bytes.len()),
        ) else {
            bail!("the module's machine code exceeds 4 GiB, the most an artifact can hold");
        };
        bytes.resize(start, 0);
        bytes.extend_from_slice(&code.bytes);
        for &(at, kind) in &code.traps {
            if at >= len {
                bail!("internal error: trap site at {at} is outside its {len}-byte function");
            }
            traps.push(TrapSite {
                offset: offset + at,
                kind,
            });
        }
        Ok(CodeRange { offset, len })
    };
    let function_ranges = functions
        .iter()
        .map(|f| place(f, &mut bytes))
        .collect::<Result<Vec<_>>>()?;
    let trampoline_ranges = trampolines
        .iter()
        .map(|t| place(t, &mut bytes))
        .collect::<Result<Vec<_>>>()?;
    let libcall_ranges = libcalls
        .iter()
        .map(|(libcall, code)| Ok((*libcall, place(code, &mut bytes)?)))
        .collect::<Result<Vec<_>>>()?;
    let callers = functions
        .iter()
        .zip(&function_ranges)
        .chain(trampolines.iter().zip(&trampoline_ranges))
        .chain(
            libcalls
                .iter()
                .map(|(_, code)| code)
                .zip(libcall_ranges.iter().map(|(_, range)| range)),
        );
    for (code, range) in callers {
        for call in &code.calls {
            let target = match call.callee {
                Callee::Function(index) => index
                    .checked_sub(num_imports)
                    .and_then(|i| function_ranges.get(i as usize)),
                Callee::LibCall(libcall) => libcall_ranges
                    .iter()
                    .find(|(l, _)| *l == libcall)
                    .map(|(_, r)| r),
            };
            let Some(target) = target else {
                bail!(
                    "internal error: call to {:?}, which is not in the artifact",
                    call.callee
                );
            };
            let start = range.offset as usize;
            let function = &mut bytes[start..start + range.len as usize];
            patch(function, range.offset, call, target.offset)?;
        }
    }
    traps.sort_by_key(|t| t.offset);
    Ok(Text {
        bytes,
        functions: function_ranges,
        trampolines: trampoline_ranges,
        libcalls: libcall_ranges,
        traps,
    })
}

/// Writes the displacement from the call site `call` of `function` (the code placed at
/// `function_offset` in the text) to the text offset `target`, in `call.kind`'s encoding.
fn patch(function: &mut [u8], function_offset: u32, call: &CallSite, target: u32) -> Result<()> {
    let site = i64::from(function_offset) + i64::from(call.offset);
    let displacement = i64::from(target) - site + call.addend;
    match call.kind {
        Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
            let field = field(function, call)?;
            let Ok(value) = i32::try_from(displacement) else {
                bail!("call displacement {displacement} at text offset {site} out of range for x86-64 (module text over 2 GiB)");
            };
            *field = value.to_le_bytes();
        }
        Reloc::Arm64Call => {
            let field = field(function, call)?;
            if displacement % 4 != 0 {
                bail!("internal error: aarch64 call displacement {displacement} at text offset {site} is not a multiple of 4");
            }
            if !(-(1 << 27)..(1 << 27)).contains(&displacement) {
                bail!("call displacement {displacement} at text offset {site} out of range for aarch64 (module text over 128 MiB)");
            }
            let insn = u32::from_le_bytes(*field);
            let insn = (insn & !0x03ff_ffff) | (((displacement >> 2) as u32) & 0x03ff_ffff);
            *field = insn.to_le_bytes();
        }
        other => bail!("internal error: unsupported relocation {other:?}"),
    }
    Ok(())
}

/// The 4-byte field `call` patches (every supported relocation patches 4 bytes), which must
/// lie within `function`.
fn field<'f>(function: &'f mut [u8], call: &CallSite) -> Result<&'f mut [u8; 4]> {
    let len = function.len();
    let at = call.offset as usize;
    at.checked_add(4)
        .and_then(|end| function.get_mut(at..end))
        .and_then(|field| field.try_into().ok())
        .ok_or_else(|| {
            anyhow!(
                "internal error: {:?} relocation at {} is outside its {len}-byte function",
                call.kind,
                call.offset
            )
        })
}

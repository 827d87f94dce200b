//! Lays functions out in one `.text` and resolves every call between them, so the launcher
//! maps the code as it is, applying no relocations.

use crate::codegen::{CallSite, Callee, CompiledCode};
use anyhow::{bail, Result};
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

/// Concatenates `functions`, `trampolines` and `libcalls` (each aligned to `align`) and
/// patches the calls all of them make. Function index `i` of a call site refers to
/// `functions[i - num_imports]`.
pub fn link(
    functions: &[CompiledCode],
    trampolines: &[CompiledCode],
    libcalls: &[(LibCall, CompiledCode)],
    num_imports: u32,
    align: u32,
) -> Result<Text> {
    let mut bytes = Vec::new();
    let mut traps = Vec::new();
    let mut place = |code: &CompiledCode, bytes: &mut Vec<u8>| -> Result<CodeRange> {
        bytes.resize(bytes.len().next_multiple_of(align as usize), 0);
        let offset = u32::try_from(bytes.len())?;
        bytes.extend_from_slice(&code.bytes);
        traps.extend(code.traps.iter().map(|&(at, kind)| TrapSite {
            offset: offset + at,
            kind,
        }));
        Ok(CodeRange {
            offset,
            len: code.bytes.len() as u32,
        })
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
            patch(&mut bytes, range.offset + call.offset, call, target.offset)?;
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

/// Writes the displacement from the call site at `site` to `target` in `call.kind`'s encoding.
fn patch(text: &mut [u8], site: u32, call: &CallSite, target: u32) -> Result<()> {
    let displacement = i64::from(target) - i64::from(site) + call.addend;
    let site = site as usize;
    match call.kind {
        Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
            let value = i32::try_from(displacement)?;
            text[site..site + 4].copy_from_slice(&value.to_le_bytes());
        }
        Reloc::Arm64Call => {
            if displacement % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&displacement) {
                bail!("call displacement {displacement} out of range for aarch64 (module text over 128 MiB)");
            }
            let mut insn = u32::from_le_bytes(text[site..site + 4].try_into()?);
            insn = (insn & !0x03ff_ffff) | (((displacement >> 2) as u32) & 0x03ff_ffff);
            text[site..site + 4].copy_from_slice(&insn.to_le_bytes());
        }
        other => bail!("internal error: unsupported relocation {other:?}"),
    }
    Ok(())
}

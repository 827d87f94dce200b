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

#[cfg(test)]
mod tests {
    //! Inputs are built by hand: code bytes with known placeholder instructions and
    //! hand-written call records. Every expected offset and displacement is a literal worked
    //! out in the comments, not computed with the code under test.

    use super::*;
    use cranelift_codegen::binemit::Reloc;
    use wasmpi_abi::trap::TrapKind;

    /// `nop` on x86-64, the filler of x86 test functions.
    const X86_NOP: u8 = 0x90;
    /// `call rel32` opcode on x86-64.
    const X86_CALL: u8 = 0xe8;
    /// `nop` on aarch64.
    const A64_NOP: u32 = 0xd503_201f;
    /// `bl #0`: the placeholder Cranelift emits for a direct call on aarch64.
    const A64_BL: u32 = 0x9400_0000;
    /// `b #0`: the placeholder of a tail call on aarch64.
    const A64_B: u32 = 0x1400_0000;

    /// Code with the given bytes and calls and no traps.
    fn code(bytes: Vec<u8>, calls: Vec<CallSite>) -> CompiledCode {
        CompiledCode {
            bytes,
            calls,
            traps: Vec::new(),
        }
    }

    /// `len` bytes of `fill`.
    fn filled(len: usize, fill: u8) -> CompiledCode {
        code(vec![fill; len], Vec::new())
    }

    /// An x86-64 function of `len` `nop`s with a `call rel32` (placeholder displacement 0)
    /// starting at each of `calls`' offsets, calling the paired callee. The call records are
    /// what Cranelift writes for such a call: the field after the opcode, addend -4.
    fn x86_function(len: usize, calls: &[(usize, Callee)]) -> CompiledCode {
        let mut bytes = vec![X86_NOP; len];
        let mut sites = Vec::new();
        for &(at, callee) in calls {
            bytes[at..at + 5].copy_from_slice(&[X86_CALL, 0, 0, 0, 0]);
            sites.push(CallSite {
                offset: at as u32 + 1,
                kind: Reloc::X86CallPCRel4,
                callee,
                addend: -4,
            });
        }
        code(bytes, sites)
    }

    /// An aarch64 function of `insns` `nop`s with the placeholder instruction `placeholder`
    /// (`bl #0` or `b #0`) at each of `calls`' instruction indices, calling the paired callee.
    fn a64_function(insns: usize, calls: &[(usize, u32, Callee)]) -> CompiledCode {
        let mut words = vec![A64_NOP; insns];
        let mut sites = Vec::new();
        for &(index, placeholder, callee) in calls {
            words[index] = placeholder;
            sites.push(CallSite {
                offset: 4 * index as u32,
                kind: Reloc::Arm64Call,
                callee,
                addend: 0,
            });
        }
        code(words.iter().flat_map(|w| w.to_le_bytes()).collect(), sites)
    }

    /// The little-endian `i32` at `at`.
    fn i32_at(text: &[u8], at: usize) -> i32 {
        i32::from_le_bytes(text[at..at + 4].try_into().unwrap())
    }

    /// The little-endian `u32` at `at`.
    fn u32_at(text: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(text[at..at + 4].try_into().unwrap())
    }

    /// Where the aarch64 `b`/`bl` at `at` goes: `at` plus its sign-extended 26-bit word
    /// offset times 4 (decoded independently of the linker's encoder).
    fn a64_branch_target(text: &[u8], at: usize) -> i64 {
        let imm26 = i64::from(u32_at(text, at) & 0x03ff_ffff);
        let words = if imm26 >= 1 << 25 {
            imm26 - (1 << 26)
        } else {
            imm26
        };
        at as i64 + 4 * words
    }

    fn range(offset: u32, len: u32) -> CodeRange {
        CodeRange { offset, len }
    }

    /// The error `link` returns; fails the test if it succeeds.
    fn link_error(
        functions: &[CompiledCode],
        trampolines: &[CompiledCode],
        libcalls: &[(LibCall, CompiledCode)],
        num_imports: u32,
        align: u32,
    ) -> String {
        match link(functions, trampolines, libcalls, num_imports, align) {
            Ok(_) => panic!("link succeeded; an error was expected"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn x86_calls_forward_backward_to_self_first_and_last() {
        // Two imports, so the functions are indices 2, 3 and 4. Align 16:
        //   f2: 10 bytes at 0..10     f3: 20 bytes at 16..36     f4: 7 bytes at 48..55
        let functions = [
            // `call` at 0: field at 1..5, next instruction at 5. f4 (last, forward): 48 - 5 = 43.
            x86_function(10, &[(0, Callee::Function(4))]),
            x86_function(
                20,
                &[
                    // `call` at 16+3: field 20..24, next 24. f2 (first, backward): 0 - 24 = -24.
                    (3, Callee::Function(2)),
                    // `call` at 16+10: field 27..31, next 31. f4 (forward): 48 - 31 = 17.
                    (10, Callee::Function(4)),
                    // `call` at 16+15: field 32..36, next 36. f3 (itself): 16 - 36 = -20.
                    (15, Callee::Function(3)),
                ],
            ),
            // `call` at 48+2: field 51..55, next 55. f3 (backward): 16 - 55 = -39.
            x86_function(7, &[(2, Callee::Function(3))]),
        ];
        let text = link(&functions, &[], &[], 2, 16).unwrap();
        assert_eq!(text.functions, [range(0, 10), range(16, 20), range(48, 7)]);

        // The whole expected text, byte for byte: the calls patched, nothing else touched,
        // padding zero.
        let mut expected = vec![0u8; 55];
        expected[0..10].fill(X86_NOP);
        expected[16..36].fill(X86_NOP);
        expected[48..55].fill(X86_NOP);
        for (call, displacement) in [(0, 43i32), (19, -24), (26, 17), (31, -20), (50, -39)] {
            expected[call] = X86_CALL;
            expected[call + 1..call + 5].copy_from_slice(&displacement.to_le_bytes());
        }
        assert_eq!(text.bytes, expected);

        // And each call, decoded as the CPU would, lands on its callee's first byte.
        for (call, callee) in [(0, 48), (19, 0), (26, 48), (31, 16), (50, 16)] {
            assert_eq!(text.bytes[call], X86_CALL);
            let next = call as i64 + 5;
            assert_eq!(next + i64::from(i32_at(&text.bytes, call + 1)), callee);
        }
    }

    #[test]
    fn x86_addend_is_honoured() {
        // A RIP-relative field followed by a 1-byte immediate: the displacement is from the
        // end of the instruction, 5 bytes past the field, so the addend is -5.
        let mut bytes = vec![X86_NOP; 16];
        bytes[3..7].fill(0);
        let function = code(
            bytes,
            vec![CallSite {
                offset: 3,
                kind: Reloc::X86PCRel4,
                callee: Callee::Function(1),
                addend: -5,
            }],
        );
        // f0 at 0..16, f1 at 16..20. Field at 3: 16 - 3 - 5 = 8.
        let text = link(&[function, filled(4, X86_NOP)], &[], &[], 0, 16).unwrap();
        assert_eq!(i32_at(&text.bytes, 3), 8);
        assert_eq!(text.bytes[0..3], [X86_NOP; 3]);
        assert_eq!(text.bytes[7..16], [X86_NOP; 9]);
    }

    #[test]
    fn aarch64_branches_forward_backward_and_to_self() {
        // One import: functions are 1, 2 and 3. Align 16:
        //   f1: 3 insns at 0..12    f2: 5 insns at 16..36    f3: 2 insns at 48..56
        let functions = [
            // bl at 4 -> f3 at 48: +44 bytes, 11 words.
            a64_function(3, &[(1, A64_BL, Callee::Function(3))]),
            a64_function(
                5,
                &[
                    // bl at 16 -> f1 at 0: -16 bytes, -4 words.
                    (0, A64_BL, Callee::Function(1)),
                    // bl at 24 -> f2 at 16 (itself): -8 bytes, -2 words.
                    (2, A64_BL, Callee::Function(2)),
                    // bl at 32 -> f3 at 48: +16 bytes, 4 words.
                    (4, A64_BL, Callee::Function(3)),
                ],
            ),
            // b (tail call) at 48 -> f1 at 0: -48 bytes, -12 words.
            a64_function(2, &[(0, A64_B, Callee::Function(1))]),
        ];
        let text = link(&functions, &[], &[], 1, 16).unwrap();
        assert_eq!(text.functions, [range(0, 12), range(16, 20), range(48, 8)]);
        // Encodings worked out by hand: opcode bits kept, imm26 = words, two's complement.
        let expected = [
            (0, A64_NOP),
            (4, 0x9400_000b), // bl #+44
            (8, A64_NOP),
            (16, 0x97ff_fffc), // bl #-16
            (20, A64_NOP),
            (24, 0x97ff_fffe), // bl #-8
            (28, A64_NOP),
            (32, 0x9400_0004), // bl #+16
            (48, 0x17ff_fff4), // b #-48
            (52, A64_NOP),
        ];
        for (at, insn) in expected {
            assert_eq!(u32_at(&text.bytes, at), insn, "instruction at {at}");
        }
        for (at, target) in [(4, 48), (16, 0), (24, 16), (32, 48), (48, 0)] {
            assert_eq!(a64_branch_target(&text.bytes, at), target, "branch at {at}");
        }
        // Padding is zero.
        assert!(text.bytes[12..16].iter().all(|&b| b == 0));
        assert!(text.bytes[36..48].iter().all(|&b| b == 0));
    }

    /// Links one aarch64 function whose `bl` at 0 calls itself with `addend`, so the
    /// displacement is exactly `addend`.
    fn a64_self_call(addend: i64) -> Result<Text> {
        let mut function = a64_function(1, &[(0, A64_BL, Callee::Function(0))]);
        function.calls[0].addend = addend;
        link(&[function], &[], &[], 0, 16)
    }

    #[test]
    fn aarch64_range_limits() {
        // The reach of `bl` is [-128 MiB, +128 MiB - 4].
        let text = a64_self_call((1 << 27) - 4).unwrap();
        assert_eq!(u32_at(&text.bytes, 0), 0x95ff_ffff);
        let text = a64_self_call(-(1 << 27)).unwrap();
        assert_eq!(u32_at(&text.bytes, 0), 0x9600_0000);

        for addend in [1 << 27, -(1 << 27) - 4, 1 << 40, -(1 << 40)] {
            let error = format!("{:#}", a64_self_call(addend).err().unwrap());
            assert!(error.contains("out of range"), "{addend}: {error}");
        }
        let error = format!("{:#}", a64_self_call(6).err().unwrap());
        assert!(error.contains("multiple of 4"), "{error}");
    }

    /// Links one x86-64 function whose call field at 1 refers to itself with `addend`, so
    /// the displacement is `addend - 1`.
    fn x86_self_call(addend: i64) -> Result<Text> {
        let mut function = x86_function(5, &[(0, Callee::Function(0))]);
        function.calls[0].addend = addend;
        link(&[function], &[], &[], 0, 16)
    }

    #[test]
    fn x86_range_limits() {
        let max = i64::from(i32::MAX);
        let min = i64::from(i32::MIN);
        let text = x86_self_call(max + 1).unwrap();
        assert_eq!(i32_at(&text.bytes, 1), i32::MAX);
        let text = x86_self_call(min + 1).unwrap();
        assert_eq!(i32_at(&text.bytes, 1), i32::MIN);
        for addend in [max + 2, min, i64::from(u32::MAX) * 4, -(1 << 40)] {
            let error = format!("{:#}", x86_self_call(addend).err().unwrap());
            assert!(error.contains("out of range"), "{addend}: {error}");
        }
    }

    #[test]
    fn layout_functions_then_trampolines_then_libcalls() {
        let functions = [filled(1, 0xa1), filled(16, 0xa2), filled(17, 0xa3)];
        let trampolines = [filled(3, 0xb1), filled(5, 0xb2)];
        let libcalls = [
            (LibCall::FloorF32, filled(2, 0xc1)),
            (LibCall::CeilF64, filled(9, 0xc2)),
        ];
        // Offsets and total length per alignment, worked out by hand.
        let cases = [
            (
                16,
                [0, 16, 32], // functions: 1, 16 and 17 bytes
                [64, 80],    // trampolines: after the 17-byte function at 32..49
                [96, 112],   // libcalls: after the 5-byte trampoline at 80..85
                121,         // the last routine is 9 bytes at 112; no trailing padding
            ),
            (64, [0, 64, 128], [192, 256], [320, 384], 393),
            (4, [0, 4, 20], [40, 44], [52, 56], 65),
        ];
        for (align, function_offsets, trampoline_offsets, libcall_offsets, total) in cases {
            let text = link(&functions, &trampolines, &libcalls, 0, align).unwrap();
            assert_eq!(
                text.functions,
                [
                    range(function_offsets[0], 1),
                    range(function_offsets[1], 16),
                    range(function_offsets[2], 17)
                ],
                "align {align}"
            );
            assert_eq!(
                text.trampolines,
                [
                    range(trampoline_offsets[0], 3),
                    range(trampoline_offsets[1], 5)
                ],
                "align {align}"
            );
            assert_eq!(
                text.libcalls,
                [
                    (LibCall::FloorF32, range(libcall_offsets[0], 2)),
                    (LibCall::CeilF64, range(libcall_offsets[1], 9))
                ],
                "align {align}"
            );
            assert_eq!(text.bytes.len(), total, "align {align}");

            // Every piece is aligned, holds its own bytes, and the gaps are zero padding.
            let pieces: Vec<(CodeRange, u8)> = text
                .functions
                .iter()
                .chain(&text.trampolines)
                .chain(text.libcalls.iter().map(|(_, r)| r))
                .copied()
                .zip([0xa1, 0xa2, 0xa3, 0xb1, 0xb2, 0xc1, 0xc2])
                .collect();
            let mut end = 0;
            for (piece, fill) in pieces {
                assert_eq!(piece.offset % align, 0, "align {align}");
                assert!(piece.offset >= end, "overlap at {}", piece.offset);
                let (start, stop) = (piece.offset as usize, (piece.offset + piece.len) as usize);
                assert!(text.bytes[end as usize..start].iter().all(|&b| b == 0));
                assert!(text.bytes[start..stop].iter().all(|&b| b == fill));
                end = piece.offset + piece.len;
            }
            assert_eq!(end as usize, total);
        }
    }

    #[test]
    fn empty_input_links_to_empty_text() {
        let text = link(&[], &[], &[], 3, 16).unwrap();
        assert!(text.bytes.is_empty());
        assert!(text.functions.is_empty() && text.trampolines.is_empty());
        assert!(text.libcalls.is_empty() && text.traps.is_empty());
    }

    #[test]
    fn calls_to_and_between_libcalls() {
        // Align 16: f0 at 0..16, trampoline at 16..20, FloorF32 at 32..48, CeilF64 at 48..58.
        let functions = [x86_function(
            16,
            &[
                // `call` at 0, next 5 -> CeilF64 at 48: 43.
                (0, Callee::LibCall(LibCall::CeilF64)),
                // `call` at 8, next 13 -> FloorF32 at 32: 19.
                (8, Callee::LibCall(LibCall::FloorF32)),
            ],
        )];
        let libcalls = [
            // `call` at 32+4, next 41 -> f0 at 0: -41.
            (
                LibCall::FloorF32,
                x86_function(16, &[(4, Callee::Function(0))]),
            ),
            // `call` at 48+1, next 54 -> FloorF32 at 32: -22.
            (
                LibCall::CeilF64,
                x86_function(10, &[(1, Callee::LibCall(LibCall::FloorF32))]),
            ),
        ];
        let text = link(&functions, &[filled(4, X86_NOP)], &libcalls, 0, 16).unwrap();
        assert_eq!(
            text.libcalls,
            [
                (LibCall::FloorF32, range(32, 16)),
                (LibCall::CeilF64, range(48, 10))
            ]
        );
        for (field, displacement) in [(1, 43), (9, 19), (37, -41), (50, -22)] {
            assert_eq!(i32_at(&text.bytes, field), displacement, "field at {field}");
        }
    }

    #[test]
    fn calls_in_trampolines_are_patched() {
        // f0 at 0..8, trampoline at 16..32 with a `call` at 16+2 (field 19, next 23) to f0:
        // 0 - 23 = -23.
        let trampoline = x86_function(16, &[(2, Callee::Function(0))]);
        let text = link(&[filled(8, X86_NOP)], &[trampoline], &[], 0, 16).unwrap();
        assert_eq!(text.trampolines, [range(16, 16)]);
        assert_eq!(i32_at(&text.bytes, 19), -23);
    }

    #[test]
    fn traps_are_rebased_and_sorted() {
        let mut f0 = filled(10, X86_NOP);
        f0.traps = vec![
            (7, TrapKind::Unreachable),
            (2, TrapKind::IntegerDivisionByZero),
        ];
        let mut f1 = filled(3, X86_NOP);
        f1.traps = vec![(0, TrapKind::MemoryOutOfBounds)];
        let mut trampoline = filled(4, X86_NOP);
        trampoline.traps = vec![(1, TrapKind::StackOverflow)];
        let mut routine = filled(4, X86_NOP);
        routine.traps = vec![(3, TrapKind::IntegerOverflow)];
        // f0 at 0, f1 at 16, trampoline at 32, routine at 48.
        let text = link(
            &[f0, f1],
            &[trampoline],
            &[(LibCall::TruncF64, routine)],
            0,
            16,
        )
        .unwrap();
        let traps: Vec<_> = text.traps.iter().map(|t| (t.offset, t.kind)).collect();
        assert_eq!(
            traps,
            [
                (2, TrapKind::IntegerDivisionByZero),
                (7, TrapKind::Unreachable),
                (16, TrapKind::MemoryOutOfBounds),
                (33, TrapKind::StackOverflow),
                (51, TrapKind::IntegerOverflow),
            ]
        );
    }

    #[test]
    fn calls_to_code_not_in_the_artifact_are_errors() {
        let call_to = |callee| [x86_function(8, &[(0, callee)])];
        // Function indices 0 and 1 are imports: called through the VM context, never directly.
        for index in [0, 1] {
            let error = link_error(&call_to(Callee::Function(index)), &[], &[], 2, 16);
            assert!(error.contains("not in the artifact"), "{error}");
        }
        // Index 3 is past the last defined function (2).
        let error = link_error(&call_to(Callee::Function(3)), &[], &[], 2, 16);
        assert!(error.contains("not in the artifact"), "{error}");
        // A routine that was not compiled in.
        let routines = [(LibCall::FloorF32, filled(4, X86_NOP))];
        let error = link_error(
            &call_to(Callee::LibCall(LibCall::CeilF32)),
            &[],
            &routines,
            0,
            16,
        );
        assert!(error.contains("CeilF32"), "{error}");
    }

    #[test]
    fn unsupported_relocation_kinds_are_errors() {
        // Absolute and GOT/PLT relocations need a loader; the artifact is mapped as it is.
        for kind in [
            Reloc::Abs4,
            Reloc::Abs8,
            Reloc::X86GOTPCRel4,
            Reloc::X86CallPLTRel4,
            Reloc::Aarch64AdrGotPage21,
            Reloc::Aarch64Ld64GotLo12Nc,
        ] {
            let function = code(
                vec![0; 16],
                vec![CallSite {
                    offset: 0,
                    kind,
                    callee: Callee::Function(0),
                    addend: 0,
                }],
            );
            let error = link_error(&[function], &[], &[], 0, 16);
            assert!(
                error.contains("unsupported relocation") && error.contains(&format!("{kind:?}")),
                "{error}"
            );
        }
    }

    #[test]
    fn relocations_outside_their_function_are_errors() {
        // A 4-byte field must lie within its function: at 6 of an 8-byte function it would
        // write into the padding after it (or past the end of the text), at u32::MAX it
        // overflows.
        for (len, offset) in [(8, 6), (8, 8), (4, 1), (0, 0), (8, u32::MAX - 1)] {
            for kind in [Reloc::X86CallPCRel4, Reloc::Arm64Call] {
                let call = CallSite {
                    offset,
                    kind,
                    callee: Callee::Function(0),
                    addend: 0,
                };
                // As the only function (the field would run past the text) and followed by
                // another one (the field would run into the padding or the next function).
                let alone = [code(vec![0; len], vec![call])];
                let followed = [code(vec![0; len], vec![call]), filled(16, 0)];
                for functions in [&alone[..], &followed[..]] {
                    let error = link_error(functions, &[], &[], 0, 4);
                    assert!(
                        error.contains("outside"),
                        "{len} {offset} {kind:?}: {error}"
                    );
                }
            }
        }
    }

    #[test]
    fn trap_sites_outside_their_function_are_errors() {
        let mut function = filled(8, X86_NOP);
        function.traps = vec![(8, TrapKind::Unreachable)];
        let error = link_error(&[function], &[], &[], 0, 16);
        assert!(error.contains("trap site"), "{error}");
    }

    #[test]
    fn bad_alignments_are_errors() {
        for align in [0, 3, 12, 17] {
            let error = link_error(&[filled(4, X86_NOP)], &[], &[], 0, align);
            assert!(error.contains("alignment"), "{align}: {error}");
        }
    }

    /// Two functions calling each other, with an import before them (so function indices
    /// are not defined-function indices) and a `floor`, which x86-64 without SSE4.1 calls
    /// a runtime routine for.
    const MUTUAL_RECURSION: &str = r#"
        (module
          (import "env" "log" (func $log (param i32)))
          (func $even (export "even") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
              (then (i32.const 1))
              (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
          (func $odd (export "odd") (param i32) (result i32)
            (call $log (local.get 0))
            (if (result i32) (i32.eqz (local.get 0))
              (then (i32.const 0))
              (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
          (func $floor (export "floor") (param f32) (result f32)
            (f32.floor (local.get 0))))
    "#;

    /// Compiles [`MUTUAL_RECURSION`] for CPU `spec` through the library entry point and
    /// checks the artifact: no relocations anywhere, and every call in `.text`, decoded from
    /// the artifact's bytes, lands on its callee's symbol. Returns the (caller, callee)
    /// symbol names of the calls found.
    fn check_compiled_calls(spec: &str, arch: &str) -> Vec<(String, String)> {
        use crate::target::{OptLevel, Target};
        use object::{Object, ObjectSection, ObjectSymbol};

        let wasm = wat::parse_str(MUTUAL_RECURSION).unwrap();
        let target = Target::from_spec(spec, Some(arch), &[], OptLevel::O2).unwrap();
        let options = crate::Options {
            jobs: Some(1),
            progress: None,
        };
        let compiled = crate::compile_module(&wasm, &target, &options).unwrap();

        let file = object::File::parse(&*compiled.bytes).unwrap();
        for section in file.sections() {
            assert_eq!(
                section.relocations().count(),
                0,
                "relocations in {:?}",
                section.name()
            );
        }
        let text = file.section_by_name(".text").unwrap().data().unwrap();
        let symbol = |name: &str| -> usize {
            let symbol = file.symbols().find(|s| s.name() == Ok(name));
            symbol
                .unwrap_or_else(|| panic!("no symbol `{name}`"))
                .address() as usize
        };

        // Where the calls are comes from compiling each function again on its own, before
        // linking: its call records give the offsets of the fields the linker patched.
        let isa = &*target.isa;
        let mut module = crate::translate::parse(&wasm).unwrap();
        let bodies = std::mem::take(&mut module.bodies);
        let mut found = Vec::new();
        for (defined, mut pending) in bodies.into_iter().enumerate() {
            let index = module.num_imports() + defined as u32;
            let mut translator = cranelift_wasm::FuncTranslator::new();
            let func = module
                .translate_function(
                    isa,
                    defined,
                    &mut pending.validator,
                    pending.body,
                    &mut translator,
                )
                .unwrap();
            let mut context = cranelift_codegen::Context::new();
            let unlinked = crate::codegen::compile(isa, &mut context, func).unwrap();
            let caller = module.func_name(index);
            let start = symbol(&caller);
            let linked = &text[start..start + unlinked.bytes.len()];

            // The artifact holds this very code: equal to the unlinked bytes once the
            // patched fields are put back to their placeholders.
            let mut unpatched = linked.to_vec();
            for call in &unlinked.calls {
                let at = call.offset as usize;
                unpatched[at..at + 4].copy_from_slice(&unlinked.bytes[at..at + 4]);
            }
            assert!(unpatched == unlinked.bytes, "{caller}: code differs");

            for call in &unlinked.calls {
                let callee = match call.callee {
                    Callee::Function(index) => module.func_name(index),
                    Callee::LibCall(libcall) => crate::libcalls::symbol(libcall),
                };
                let site = start + call.offset as usize;
                let landing = match arch {
                    "x86_64" => {
                        assert_eq!(call.kind, Reloc::X86CallPCRel4);
                        assert_eq!(text[site - 1], X86_CALL, "{caller}: not a call");
                        site as i64 + 4 + i64::from(i32_at(text, site))
                    }
                    _ => {
                        assert_eq!(call.kind, Reloc::Arm64Call);
                        assert_eq!(u32_at(text, site) >> 26, A64_BL >> 26, "{caller}: not bl");
                        a64_branch_target(text, site)
                    }
                };
                assert_eq!(landing, symbol(&callee) as i64, "{caller} -> {callee}");
                found.push((caller.clone(), callee));
            }
        }
        found.sort();
        found
    }

    #[test]
    fn compiled_x86_64_calls_land_on_their_callees() {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            check_compiled_calls("x86-64", "x86_64"),
            [
                pair("even", "odd"),
                pair("floor", "wasmpi_libcall_floorf32"),
                pair("odd", "even")
            ]
        );
    }

    #[test]
    fn compiled_aarch64_calls_land_on_their_callees() {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            check_compiled_calls("aarch64", "aarch64"),
            [pair("even", "odd"), pair("odd", "even")]
        );
    }
}

//! One differential case: the same module, the same calls, on both sides; compare
//! everything observable after each step.
//!
//! Steps: both must accept the module (wasmpi may refuse only what it documents as
//! unsupported: `externref`); instantiation (segments, start function) must fail or succeed
//! alike; then every exported function is called, in export order, twice over, with
//! arguments drawn from the seed. After each call the outcomes (results or trap kind),
//! linear memory and every exported global must agree. A call that exhausts the stack on
//! either side ends the case without a verdict on it (each runtime has its own limit).

use super::generate::Rng;
use super::native::{NativeInstance, Wasmpi};
use super::reference::{ExportedFunc, ReferenceInstance, Wasmi};
use super::value::{same_outcome, show, Fault, Outcome, Value};
use wasmi::ValType;
use wasmpi_abi::trap::TrapKind;

/// Both runtimes, set up once per thread.
pub struct Oracle {
    /// The wasmpi side.
    pub wasmpi: Wasmpi,
    /// The reference side.
    pub wasmi: Wasmi,
}

/// How a case ended, when the two sides agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// Everything observable agreed.
    Agreed,
    /// `wasmi` refused the module (a generator limitation: nothing to compare).
    ReferenceRefused(String),
    /// wasmpi refused a module using something it documents as unsupported.
    Unsupported(String),
    /// One side ran out of call stack and the case stopped there.
    StackExhausted,
}

/// Counters for one case.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// Calls made on both sides.
    pub calls: u64,
    /// Calls that trapped on both sides, by trap kind (`TrapKind as usize`).
    pub traps: [u64; TrapKind::ALL.len()],
    /// Whether instantiation succeeded on both sides.
    pub instantiated: bool,
}

/// A disagreement, described for a human.
#[derive(Clone, Debug)]
pub struct Mismatch(pub String);

impl Oracle {
    /// Sets up both runtimes.
    pub fn new() -> Oracle {
        Oracle {
            wasmpi: Wasmpi::new(),
            wasmi: Wasmi::new(),
        }
    }

    /// Runs `wasm` on both sides, with call arguments and the CPU wasmpi compiles for drawn
    /// from `seed`.
    pub fn check(
        &self,
        wasm: &[u8],
        seed: u64,
        counts: &mut Counts,
    ) -> Result<Agreement, Mismatch> {
        let cpus = self.wasmpi.cpus().len() as u64;
        let cpu = Rng::new(seed, 3).below(cpus) as usize;
        self.check_on(wasm, seed, cpu, counts)
            .map_err(|m| Mismatch(format!("{} (CPU {})", m.0, self.wasmpi.cpus()[cpu])))
    }

    /// [`Oracle::check`] with wasmpi compiling for CPU number `cpu` of `Wasmpi::cpus`.
    pub fn check_on(
        &self,
        wasm: &[u8],
        seed: u64,
        cpu: usize,
        counts: &mut Counts,
    ) -> Result<Agreement, Mismatch> {
        let module = match self.wasmi.compile(wasm) {
            Ok(module) => module,
            Err(why) => return Ok(Agreement::ReferenceRefused(why)),
        };
        let artifact = match self.wasmpi.compile(wasm, cpu) {
            Ok(bytes) => bytes,
            // `externref`: refused by the validator (wasmpi does not enable GC types, which
            // wasmparser requires for any reference but funcref) or by the translator.
            Err(why) if why.contains("gc types are disallowed") || why.contains("only funcref") => {
                return Ok(Agreement::Unsupported(why))
            }
            Err(why) => {
                return Err(Mismatch(format!(
                    "wasmpi refused a module wasmi accepts: {why}"
                )))
            }
        };
        let artifact = self
            .wasmpi
            .load(&artifact)
            .map_err(|why| Mismatch(format!("the fresh artifact does not load: {why}")))?;
        let funcs = Wasmi::exported_funcs(&module);
        let globals = Wasmi::exported_globals(&module);
        // Only what a module exports is observable (and reachable through wasmi's API).
        let memory = module
            .exports()
            .any(|e| matches!(e.ty(), wasmi::ExternType::Memory(_)));
        let observed = Observed { memory, globals };

        let reference = self.wasmi.instantiate(&module);
        let native = self.wasmpi.instantiate(artifact);
        let (mut reference, mut native) = match (reference, native) {
            (Ok(r), Ok(n)) => (r, n),
            (Err(r), Err(n)) => {
                return match (&r, &n) {
                    (Fault::StackExhausted, _) | (_, Fault::StackExhausted) => {
                        Ok(Agreement::StackExhausted)
                    }
                    (Fault::Trap(a), Fault::Trap(b)) if a != b => {
                        Err(Mismatch(format!("instantiation: wasmi {r}, wasmpi {n}")))
                    }
                    _ => Ok(Agreement::Agreed),
                }
            }
            (Err(Fault::StackExhausted), _) | (_, Err(Fault::StackExhausted)) => {
                return Ok(Agreement::StackExhausted)
            }
            (r, n) => {
                return Err(Mismatch(format!(
                    "instantiation: wasmi {}, wasmpi {}",
                    r.err().map_or("succeeded".to_string(), |f| f.to_string()),
                    n.err().map_or("succeeded".to_string(), |f| f.to_string()),
                )))
            }
        };
        counts.instantiated = true;
        compare_state(
            &mut reference,
            &mut native,
            &observed,
            "after instantiation",
        )?;

        let mut rng = Rng::new(seed, 2);
        for round in 0..2 {
            for func in &funcs {
                let args = arguments(&mut rng, func);
                let expected = reference.call(&func.name, &args);
                let actual = native.call(&func.name, &args);
                counts.calls += 1;
                let call = || {
                    format!(
                        "call {} (round {round}) of `{}`({})",
                        counts.calls,
                        func.name,
                        args.iter()
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                if is_stack_exhausted(&expected) || is_stack_exhausted(&actual) {
                    return Ok(Agreement::StackExhausted);
                }
                if !same_outcome(&expected, &actual) {
                    return Err(Mismatch(format!(
                        "{}: wasmi {}, wasmpi {}",
                        call(),
                        show(&expected),
                        show(&actual)
                    )));
                }
                if let Err(Fault::Trap(kind)) = expected {
                    counts.traps[kind as usize] += 1;
                }
                compare_state(&mut reference, &mut native, &observed, &call())?;
            }
        }
        Ok(Agreement::Agreed)
    }
}

impl Default for Oracle {
    fn default() -> Self {
        Oracle::new()
    }
}

fn is_stack_exhausted(outcome: &Outcome) -> bool {
    matches!(outcome, Err(Fault::StackExhausted))
}

/// What a module exports besides functions.
struct Observed {
    /// Whether it exports its memory.
    memory: bool,
    /// Names of its exported globals.
    globals: Vec<String>,
}

/// Exported linear memory and globals must be equal.
fn compare_state(
    reference: &mut ReferenceInstance,
    native: &mut NativeInstance,
    observed: &Observed,
    when: &str,
) -> Result<(), Mismatch> {
    if observed.memory {
        compare_memory(reference.memory(), native.memory(), when)?;
    }
    for name in &observed.globals {
        let (expected, actual) = (reference.global(name), native.global(name));
        let same = match (&expected, &actual) {
            (Some(a), Some(b)) => a.same(b),
            _ => false,
        };
        if !same {
            return Err(Mismatch(format!(
                "{when}: global `{name}`: wasmi {expected:?}, wasmpi {actual:?}"
            )));
        }
    }
    Ok(())
}

/// Memory sizes and contents must be equal.
fn compare_memory(expected: &[u8], actual: &[u8], when: &str) -> Result<(), Mismatch> {
    if expected.len() != actual.len() {
        return Err(Mismatch(format!(
            "{when}: memory size wasmi {} bytes, wasmpi {} bytes",
            expected.len(),
            actual.len()
        )));
    }
    if let Some(at) = expected.iter().zip(actual.iter()).position(|(a, b)| a != b) {
        let end = (at + 16).min(expected.len());
        return Err(Mismatch(format!(
            "{when}: memory differs from byte {at:#x}: wasmi {:02x?}, wasmpi {:02x?}",
            &expected[at..end],
            &actual[at..end]
        )));
    }
    Ok(())
}

/// Arguments for `func`: edge values half the time, random bits otherwise.
fn arguments(rng: &mut Rng, func: &ExportedFunc) -> Vec<Value> {
    func.params
        .iter()
        .map(|ty| {
            let bits = if rng.chance(50) {
                const EDGES: [u64; 10] = [
                    0,
                    1,
                    u64::MAX,
                    0x7fff_ffff,
                    0x8000_0000,
                    0x7fff_ffff_ffff_ffff,
                    0x8000_0000_0000_0000,
                    0xffff,
                    0x1_0000,
                    0x7ff8_0000_0000_0000,
                ];
                EDGES[rng.below(EDGES.len() as u64) as usize]
            } else if rng.chance(50) {
                rng.below(256)
            } else {
                rng.next_u64()
            };
            match ty {
                ValType::I32 => Value::I32(bits as i32),
                ValType::I64 => Value::I64(bits as i64),
                ValType::F32 => Value::F32(bits as u32),
                ValType::F64 => Value::F64(bits),
                ValType::V128 => Value::V128(u128::from(bits) << 64 | u128::from(rng.next_u64())),
                ValType::FuncRef => Value::FuncRef { null: true },
                ValType::ExternRef => Value::ExternRef { null: true },
            }
        })
        .collect()
}

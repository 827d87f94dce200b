//! Fuzz target: the differential oracle. The input drives `wasm-smith` directly (instead of
//! a seed's PRNG bytes), the module runs in wasmpi and in wasmi, and any disagreement in
//! results, traps, memory or exported globals panics with a description.

#![no_main]

#[path = "../../tests/tests/differential/mod.rs"]
mod differential;

use differential::generate;
use differential::oracle::{Counts, Oracle};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn oracle() -> &'static Oracle {
    static ORACLE: OnceLock<Oracle> = OnceLock::new();
    ORACLE.get_or_init(Oracle::new)
}

fuzz_target!(|data: &[u8]| {
    let Some((&switches, rest)) = data.split_first() else {
        return;
    };
    let Some(generated) = generate::module_from(rest, generate::Switches::from_byte(switches))
    else {
        return;
    };
    let mut counts = Counts::default();
    if let Err(mismatch) = oracle().check(&generated.wasm, u64::from(switches), &mut counts) {
        panic!("{:?}: {}", generated.switches, mismatch.0);
    }
});

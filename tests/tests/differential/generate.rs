//! Seeds → wasm modules, deterministically.
//!
//! A seed drives a small PRNG that fills the byte buffer `wasm-smith` reads its choices from,
//! so a seed names one module forever (for a given `wasm-smith` version): every failure is
//! reproducible from its seed alone. The first PRNG outputs also pick a few configuration
//! switches (swarm testing: a run mixes modules with and without SIMD, floats, reference
//! types), the rest is fixed to what wasmpi accepts (`accepted_features` in the compiler):
//! no imports, one memory and one table at most, no threads, memory64, GC, exceptions, tail
//! calls, relaxed SIMD, extended constants or wide arithmetic.

use arbitrary::Unstructured;

/// Fuel of the counter `wasm-smith` threads through every loop header and function entry:
/// once it is spent the module traps (`unreachable`) on both sides. It is a module global,
/// so it bounds all calls of one module together, and it bounds recursion depth too.
pub const FUEL: u32 = 5_000;

/// SplitMix64: tiny, fast, and good enough to feed a structured generator.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` and one purpose (`stream`), independent of other streams.
    pub fn new(seed: u64, stream: u64) -> Rng {
        Rng(seed ^ stream.wrapping_mul(0xd1b5_4a32_d192_ed03))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The configuration switches a seed chose, for messages.
#[derive(Clone, Copy, Debug)]
pub struct Switches {
    /// SIMD128 instructions and `v128` values.
    pub simd: bool,
    /// Reference-type instructions (`table.*`, `ref.*`, typed `select`).
    pub reference_types: bool,
    /// Floating-point instructions and values.
    pub floats: bool,
    /// Guard every trapping instruction so it cannot trap (loads past the end yield 0,
    /// division by zero yields something, ...): more of each module runs.
    pub no_traps: bool,
}

/// A generated module.
pub struct Generated {
    /// The binary module.
    pub wasm: Vec<u8>,
    /// How it was configured.
    pub switches: Switches,
}

/// The `wasm-smith` configuration for wasmpi's feature set.
pub fn config(switches: Switches) -> wasm_smith::Config {
    wasm_smith::Config {
        // Only function imports exist in wasmpi, and they bind to WASI/MPI: none here.
        max_imports: 0,
        export_everything: true,
        allow_start_export: true,
        min_types: 1,
        min_funcs: 2,
        max_funcs: 12,
        max_instructions: 300,
        max_types: 12,
        max_globals: 10,
        max_data_segments: 4,
        max_element_segments: 4,
        max_elements: 20,
        max_memories: 1,
        max_tables: 1,
        // Bounded memories and tables: growth stays cheap on both sides and neither runs
        // into a resource limit of its own (wasmpi caps tables at 10 million entries).
        max_memory32_bytes: 1 << 20,
        memory_max_size_required: true,
        max_table_elements: 1_000,
        table_max_size_required: true,
        // NaN payloads are nondeterministic in the spec: every float operation's result is
        // canonicalized before it can be stored or reinterpreted.
        canonicalize_nans: true,
        simd_enabled: switches.simd,
        reference_types_enabled: switches.reference_types,
        allow_floats: switches.floats,
        disallow_traps: switches.no_traps,
        bulk_memory_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        memory64_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        extended_const_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        compact_imports_enabled: false,
        generate_custom_sections: false,
        ..wasm_smith::Config::default()
    }
}

impl Switches {
    /// The switches a seed picks: SIMD and floats mostly on, reference types (which `wasmpi`
    /// refuses whenever they bring `externref` in) less often, trap guards half the time.
    pub fn for_seed(rng: &mut Rng) -> Switches {
        Switches {
            simd: rng.chance(70),
            reference_types: rng.chance(30),
            floats: rng.chance(85),
            no_traps: rng.chance(50),
        }
    }

    /// Switches from the bits of one byte (for fuzz targets).
    pub fn from_byte(byte: u8) -> Switches {
        Switches {
            simd: byte & 1 != 0,
            reference_types: byte & 2 != 0,
            floats: byte & 4 != 0,
            no_traps: byte & 8 != 0,
        }
    }
}

/// The module of `seed`, or `None` if `wasm-smith` could not build one from its bytes.
pub fn module(seed: u64) -> Option<Generated> {
    let mut rng = Rng::new(seed, 1);
    let switches = Switches::for_seed(&mut rng);
    let len = 1024 + rng.below(64 << 10) as usize;
    let mut bytes = vec![0u8; len];
    for chunk in bytes.chunks_mut(8) {
        let word = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    module_from(&bytes, switches)
}

/// The module `wasm-smith` builds from `bytes`, with fuel checks added.
pub fn module_from(bytes: &[u8], switches: Switches) -> Option<Generated> {
    let mut u = Unstructured::new(bytes);
    let mut module = wasm_smith::Module::new(config(switches), &mut u).ok()?;
    module.ensure_termination(FUEL).ok()?;
    Some(Generated {
        wasm: module.to_bytes(),
        switches,
    })
}

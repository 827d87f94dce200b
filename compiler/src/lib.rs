//! The wasmpi ahead-of-time compiler: wasm module → native artifact.
//!
//! Pipeline: [`translate`] parses and validates the module and turns each function into
//! Cranelift IR; [`codegen`] compiles functions in parallel; [`link`] lays them out in one
//! `.text` with calls resolved; [`emit`] writes the ELF artifact defined in
//! [`wasmpi_abi::artifact`]; [`cache`] stores it atomically.

pub mod cache;
pub mod cc;
pub mod codegen;
pub mod emit;
pub mod link;
pub mod target;
pub mod translate;

use anyhow::{anyhow, Context as _, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use target::Target;
use wasmpi_abi::artifact::{CodeRange, DataSegment, FunctionInfo, Metadata};

/// Knobs of one compilation.
pub struct Options {
    /// Worker threads for function compilation (`None`: all cores).
    pub jobs: Option<usize>,
    /// Called with (functions done, total) as compilation progresses.
    pub progress: Option<Box<dyn Fn(usize, usize) + Sync>>,
}

/// A compiled module.
pub struct Compiled {
    /// The artifact file contents.
    pub bytes: Vec<u8>,
    /// Its metadata.
    pub metadata: Metadata,
    /// Time spent per phase, in order.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Compiles `wasm` for `target`.
pub fn compile_module(wasm: &[u8], target: &Target, options: &Options) -> Result<Compiled> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, clock.elapsed()));
        clock = Instant::now();
    };

    let mut module = translate::parse(wasm).map_err(|e| anyhow!(e))?;
    let bodies = std::mem::take(&mut module.bodies);
    let wasm_hash = wasmpi_abi::cache::wasm_hash(wasm);
    lap("parse and validate module", &mut timings);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .context("cannot start compiler threads")?;
    let isa = &*target.isa;
    let total = bodies.len();
    let done = AtomicUsize::new(0);
    let module_ref = &module;
    let functions = pool.install(|| {
        bodies
            .into_par_iter()
            .enumerate()
            .map_init(
                || {
                    (
                        cranelift_wasm::FuncTranslator::new(),
                        cranelift_codegen::Context::new(),
                    )
                },
                |(translator, context), (defined, mut pending)| {
                    let index = module_ref.num_imports() + defined as u32;
                    let result = module_ref
                        .translate_function(
                            isa,
                            defined,
                            &mut pending.validator,
                            pending.body,
                            translator,
                        )
                        .map_err(|e| anyhow!(e))
                        .and_then(|func| codegen::compile(isa, context, func))
                        .with_context(|| {
                            format!(
                                "in function `{}` (index {index})",
                                module_ref.func_name(index)
                            )
                        });
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(progress) = &options.progress {
                        progress(finished, total);
                    }
                    result
                },
            )
            .collect::<Result<Vec<_>>>()
    })?;
    let trampolines = pool.install(|| {
        (0..module.types.len() as u32)
            .into_par_iter()
            .map_init(cranelift_codegen::Context::new, |context, canonical| {
                codegen::compile(isa, context, codegen::trampoline(isa, &module, canonical))
                    .with_context(|| {
                        format!(
                            "in entry trampoline for type {}",
                            module.types[canonical as usize]
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()
    })?;
    lap("translate and compile functions", &mut timings);

    let align = isa.function_alignment().preferred.max(16);
    let text = link::link(&functions, &trampolines, module.num_imports(), align)?;
    lap("link", &mut timings);

    let mut data_bytes = Vec::new();
    let data = module
        .data
        .iter()
        .map(|segment| {
            let offset = data_bytes.len() as u32;
            data_bytes.extend_from_slice(segment.bytes);
            DataSegment {
                bytes: CodeRange {
                    offset,
                    len: segment.bytes.len() as u32,
                },
                active: segment.active,
            }
        })
        .collect();
    let metadata = Metadata {
        compiler_version: wasmpi_abi::VERSION.to_string(),
        arch: target.arch.clone(),
        cpu_features: target.features.clone(),
        cpu_name: target.cpu_name.clone(),
        settings: target.settings.clone(),
        wasm_hash,
        functions: text
            .functions
            .iter()
            .enumerate()
            .map(|(defined, code)| {
                let index = module.num_imports() + defined as u32;
                FunctionInfo {
                    name: module.func_name(index),
                    type_index: module.func_type(index),
                    code: *code,
                }
            })
            .collect(),
        types: module.types,
        imports: module.imports,
        trampolines: text.trampolines,
        memory: module.memory,
        tables: module.tables,
        globals: module.globals,
        exports: module.exports,
        data,
        elements: module.elements,
        start: module.start,
        traps: text.traps,
    };
    let bytes = emit::artifact_bytes(&metadata, &text.bytes, &data_bytes)?;
    lap("write artifact", &mut timings);
    Ok(Compiled {
        bytes,
        metadata,
        timings,
    })
}

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
pub mod libcalls;
pub mod link;
pub mod target;
pub mod translate;

use anyhow::{anyhow, bail, Context as _, Result};
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

/// A parsed module, ready to be compiled for any number of targets.
pub struct Parsed<'data> {
    wasm: &'data [u8],
    module: translate::ModuleTranslation<'data>,
    /// Function bodies with their validators. Bodies are validated as they are translated and
    /// a validator serves once: the first target takes these, later ones parse the module's
    /// declarations again for fresh ones (milliseconds, against seconds of code generation).
    bodies: std::sync::Mutex<Option<Vec<translate::PendingBody<'data>>>>,
    wasm_hash: String,
    /// Time spent parsing and validating the module's declarations.
    pub parse_time: Duration,
}

impl<'data> Parsed<'data> {
    fn take_bodies(&self) -> Result<Vec<translate::PendingBody<'data>>> {
        let taken = self
            .bodies
            .lock()
            .map_err(|_| anyhow!("internal error: poisoned lock"))?
            .take();
        match taken {
            Some(bodies) => Ok(bodies),
            None => Ok(translate::parse(self.wasm).map_err(|e| anyhow!(e))?.bodies),
        }
    }
}

/// Parses and validates a module's declarations (function bodies are validated as they are
/// compiled).
pub fn parse(wasm: &[u8]) -> Result<Parsed<'_>> {
    let started = Instant::now();
    let mut module = translate::parse(wasm).map_err(|e| anyhow!(e))?;
    let bodies = std::mem::take(&mut module.bodies);
    Ok(Parsed {
        wasm,
        module,
        bodies: std::sync::Mutex::new(Some(bodies)),
        wasm_hash: wasmpi_abi::cache::wasm_hash(wasm),
        parse_time: started.elapsed(),
    })
}

/// Parses `wasm` and compiles it for `target`.
pub fn compile_module(wasm: &[u8], target: &Target, options: &Options) -> Result<Compiled> {
    compile(&parse(wasm)?, target, options)
}

/// Compiles a parsed module for `target`.
pub fn compile(parsed: &Parsed, target: &Target, options: &Options) -> Result<Compiled> {
    let mut timings = vec![("parse and validate module", parsed.parse_time)];
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, clock.elapsed()));
        clock = Instant::now();
    };
    let module = &parsed.module;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .context("cannot start compiler threads")?;
    let isa = &*target.isa;
    let bodies = parsed.take_bodies()?;
    let total = bodies.len();
    let done = AtomicUsize::new(0);
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
                    let index = module.num_imports() + defined as u32;
                    let result = module
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
                            format!("in function `{}` (index {index})", module.func_name(index))
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
                codegen::compile(isa, context, codegen::trampoline(isa, module, canonical))
                    .with_context(|| {
                        format!(
                            "in entry trampoline for type {}",
                            module.types[canonical as usize]
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let needed: Vec<_> = libcalls::PROVIDED
        .iter()
        .copied()
        .filter(|l| {
            functions.iter().any(|f| {
                f.calls
                    .iter()
                    .any(|c| c.callee == codegen::Callee::LibCall(*l))
            })
        })
        .collect();
    let mut context = cranelift_codegen::Context::new();
    let routines = needed
        .iter()
        .map(|&libcall| {
            Ok((
                libcall,
                codegen::compile(isa, &mut context, libcalls::function(isa, libcall)?)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(unprovided) = functions
        .iter()
        .flat_map(|f| &f.calls)
        .find_map(|c| match c.callee {
            codegen::Callee::LibCall(l) if !needed.contains(&l) => Some(l),
            _ => None,
        })
    {
        bail!("the code needs the runtime routine {unprovided:?}, which wasmpi does not provide; compile for a CPU with more features");
    }
    lap("translate and compile functions", &mut timings);

    let align = isa.function_alignment().preferred.max(16);
    let text = link::link(
        &functions,
        &trampolines,
        &routines,
        module.num_imports(),
        align,
    )?;
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
        wasm_hash: parsed.wasm_hash.clone(),
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
        types: module.types.clone(),
        imports: module.imports.clone(),
        trampolines: text.trampolines,
        memory: module.memory,
        memory_import: module.memory_import.clone(),
        table_imports: module.table_imports.clone(),
        tables: module.tables.clone(),
        global_imports: module.global_imports.clone(),
        globals: module.globals.clone(),
        exports: module.exports.clone(),
        data,
        elements: module.elements.clone(),
        start: module.start,
        traps: wasmpi_abi::artifact::TrapTable::new(&text.traps),
    };
    let extra_symbols: Vec<_> = text
        .libcalls
        .iter()
        .map(|(l, range)| (libcalls::symbol(*l), *range))
        .collect();
    let bytes = emit::artifact_bytes(&metadata, &text.bytes, &data_bytes, &extra_symbols)?;
    lap("write artifact", &mut timings);
    Ok(Compiled {
        bytes,
        metadata,
        timings,
    })
}

//! The wasmpi side: compile in-process, write and load the artifact, instantiate, call.
//!
//! Exactly the path `wasmpi compile` + `wasmpirun` take, minus the processes: the artifact
//! goes through a real file so `Artifact::load` verifies and maps it as it would in a run.
//!
//! Code is generated for several CPUs this machine can run ([`CPUS`]): the baseline ones
//! lower rounding and shuffles through wasmpi's own runtime routines and pick other
//! instruction sequences, which the native CPU alone would never exercise.

use super::value::{Fault, Outcome, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmpi_abi::trap::TrapKind;
use wasmpi_compiler::target::{OptLevel, Target};
use wasmpi_compiler::{compile_module, Options};
use wasmpi_launcher::wasi::WasiCtx;
use wasmpi_launcher::{Artifact, Error, Instance, Val};

/// CPUs code is generated for, besides `native`, when this machine can run them.
pub const CPUS: &[&str] = &["x86-64", "x86-64-v2", "x86-64-v3", "aarch64"];

/// Compiles and loads modules; one per thread (it owns a scratch directory).
pub struct Wasmpi {
    targets: Vec<Target>,
    dir: tempfile::TempDir,
    count: AtomicU64,
}

/// An instance of a compiled module.
pub struct NativeInstance {
    instance: Instance,
}

impl Wasmpi {
    /// A compiler for this machine's CPU and every one of [`CPUS`] it can run, at the
    /// default optimization level.
    pub fn new() -> Wasmpi {
        let mut targets = vec![Target::native(OptLevel::O2).expect("native target")];
        targets.extend(
            CPUS.iter()
                .filter_map(|cpu| Target::from_spec(cpu, None, &[], OptLevel::O2).ok())
                .filter(|t| {
                    t.arch == wasmpi_abi::cpu::HOST_ARCH
                        && wasmpi_abi::cpu::missing_on_host(&t.features).is_empty()
                }),
        );
        Wasmpi {
            targets,
            dir: tempfile::tempdir().expect("scratch directory"),
            count: AtomicU64::new(0),
        }
    }

    /// Names of the CPUs it compiles for; `compile` takes an index into this list.
    pub fn cpus(&self) -> Vec<String> {
        self.targets.iter().map(|t| t.cpu_name.clone()).collect()
    }

    /// Compiles `wasm` to artifact bytes for CPU number `cpu` of [`Wasmpi::cpus`].
    pub fn compile(&self, wasm: &[u8], cpu: usize) -> Result<Vec<u8>, String> {
        let options = Options {
            jobs: Some(1),
            progress: None,
        };
        compile_module(wasm, &self.targets[cpu % self.targets.len()], &options)
            .map(|compiled| compiled.bytes)
            .map_err(|e| format!("{e:#}"))
    }

    /// Loads artifact `bytes` through a file.
    pub fn load(&self, bytes: &[u8]) -> Result<Arc<Artifact>, String> {
        let n = self.count.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.path().join(format!("case-{n}.wasmpi"));
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write artifact: {e}"))?;
        let loaded = Artifact::load(&path).map_err(|e| e.to_string());
        // The mapping keeps the contents alive; the name is no longer needed.
        let _ = std::fs::remove_file(&path);
        loaded.map(Arc::new)
    }

    /// Instantiates a loaded artifact (runs its start function).
    pub fn instantiate(&self, artifact: Arc<Artifact>) -> Result<NativeInstance, Fault> {
        Instance::new(artifact, &[], WasiCtx::default())
            .map(|instance| NativeInstance { instance })
            .map_err(fault)
    }
}

impl Default for Wasmpi {
    fn default() -> Self {
        Wasmpi::new()
    }
}

fn fault(error: Error) -> Fault {
    match error {
        Error::Trap(trap) if trap.kind == TrapKind::StackOverflow => Fault::StackExhausted,
        Error::Trap(trap) => Fault::Trap(trap.kind),
        Error::Instantiate(why) => Fault::Instantiation(why),
        other => Fault::Other(other.to_string()),
    }
}

fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(v),
        Value::F64(v) => Val::F64(v),
        Value::V128(v) => Val::V128(v),
        // Only null references are ever passed in.
        Value::FuncRef { .. } | Value::ExternRef { .. } => Val::FuncRef(None),
    }
}

fn from_val(val: Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(v),
        Val::I64(v) => Value::I64(v),
        Val::F32(v) => Value::F32(v),
        Val::F64(v) => Value::F64(v),
        Val::V128(v) => Value::V128(v),
        Val::FuncRef(handle) => Value::FuncRef {
            null: handle.is_none(),
        },
    }
}

impl NativeInstance {
    /// Calls export `name`.
    pub fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let args: Vec<Val> = args.iter().map(to_val).collect();
        self.instance
            .call(name, &args)
            .map(|values| values.into_iter().map(from_val).collect())
            .map_err(fault)
    }

    /// The linear memory (empty without one).
    pub fn memory(&mut self) -> &[u8] {
        self.instance.memory()
    }

    /// Exported global `name`.
    pub fn global(&mut self, name: &str) -> Option<Value> {
        self.instance.global(name).map(from_val)
    }
}

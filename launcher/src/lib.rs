//! The wasmpi launcher: load an artifact, instantiate it in a sandbox, run it.
//!
//! Used by the `wasmpirun` binary and as a library (spec tests, MPI user-defined reductions):
//!
//! ```no_run
//! use std::sync::Arc;
//! use wasmpi_launcher::{Artifact, Instance, Val, wasi::WasiCtx};
//! let artifact = Arc::new(Artifact::load("app.wasmpi".as_ref())?);
//! let mut instance = Instance::new(artifact, &wasmpi_launcher::wasi::host_functions(), WasiCtx::default())?;
//! let results = instance.call("add", &[Val::I32(1), Val::I32(2)])?;
//! # Ok::<(), wasmpi_launcher::Error>(())
//! ```
//!
//! A trap inside wasm comes back as [`Error::Trap`], in-process; the instance's memory can
//! still be inspected afterwards.
//!
//! Layers, lowest first (a module imports only from its own layer or those below): the
//! artifact, memory, stacks, the per-thread registries and the fault handler (`artifact`,
//! `memory`, `stack`, `regions`, `refs`, `enter`, `signals`); what instances share
//! (`linking`); the host side (`host`, then `wasi/`, `mpi/`, `compat`, which reach an
//! instance only through `host`); instances (`instance/`). docs/architecture.md has more.

pub mod artifact;
pub mod compat;
mod enter;
pub mod guest;
pub mod host;
mod instance;
pub mod linking;
pub mod memory;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod perfmap;
mod refs;
mod regions;
pub mod resolve;
mod signals;
pub mod stack;
mod typeids;
pub mod wasi;

pub use artifact::Artifact;
pub use instance::Instance;
pub use linking::{Extern, Global, Memory, Table};
pub use refs::FuncHandle;
use wasmpi_abi::trap::TrapKind;
use wasmpi_abi::types::ValType;

/// Every host function a program can import: WASI preview 1 and (with the `mpi` feature,
/// on by default) MPI.
pub fn host_functions() -> Vec<host::HostFunc> {
    let mut all = wasi::host_functions();
    all.extend(compat::host_functions());
    #[cfg(feature = "mpi")]
    all.extend(mpi::host_functions());
    all
}

/// A wasm value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    /// i32.
    I32(i32),
    /// i64.
    I64(i64),
    /// f32, as its bits (so NaN payloads compare exactly).
    F32(u32),
    /// f64, as its bits.
    F64(u64),
    /// v128.
    V128(u128),
    /// funcref: a function of a live instance, or `None` for null. Safe code cannot make
    /// one from an address:
    ///
    /// ```compile_fail
    /// let forged = wasmpi_launcher::Val::FuncRef(0x4000_1000);
    /// ```
    ///
    /// ```compile_fail
    /// let forged = wasmpi_launcher::FuncHandle { owner: 1, index: 0 };
    /// ```
    FuncRef(Option<FuncHandle>),
}

impl Val {
    /// Its type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
        }
    }

    /// The value as wasm stores it; a function reference becomes the address of its
    /// `FuncRef`, which fails when its instance is gone.
    pub(crate) fn to_bits(self) -> Result<u128, Error> {
        Ok(match self {
            Val::I32(v) => v as u32 as u128,
            Val::I64(v) => v as u64 as u128,
            Val::F32(v) => v as u128,
            Val::F64(v) => v as u128,
            Val::V128(v) => v,
            Val::FuncRef(None) => 0,
            Val::FuncRef(Some(handle)) => refs::address_of(handle)? as u128,
        })
    }

    pub(crate) fn from_bits(ty: ValType, bits: u128) -> Val {
        match ty {
            ValType::I32 => Val::I32(bits as u32 as i32),
            ValType::I64 => Val::I64(bits as u64 as i64),
            ValType::F32 => Val::F32(bits as u32),
            ValType::F64 => Val::F64(bits as u64),
            ValType::V128 => Val::V128(bits),
            ValType::FuncRef => Val::FuncRef(refs::handle_of(bits as u64 as usize)),
        }
    }
}

/// A trap: where and why wasm code stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    /// What happened.
    pub kind: TrapKind,
    /// Name of the wasm function it happened in.
    pub function: String,
    /// Offset of the trapping instruction in that function's machine code.
    pub offset: u32,
}

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wasm trap: {} in {} (+0x{:x})",
            self.kind, self.function, self.offset
        )
    }
}

/// Everything that can go wrong loading or running a module.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The artifact cannot be used.
    #[error("cannot use artifact {path}: {why}")]
    Artifact {
        /// Artifact path.
        path: String,
        /// Why.
        why: String,
    },
    /// No artifact was found for a module.
    #[error("{0}")]
    NotCompiled(String),
    /// Imports could not be bound.
    #[error("{0}")]
    Link(String),
    /// Instantiation failed (segments out of bounds).
    #[error("cannot instantiate module: {0}")]
    Instantiate(String),
    /// A system resource was refused.
    #[error("{0}")]
    Resource(String),
    /// Wasm trapped.
    #[error("{0}")]
    Trap(Trap),
    /// The program called `proc_exit`.
    #[error("program exited with status {0}")]
    Exit(i32),
    /// No such export.
    #[error("the module has no exported function `{0}`")]
    NoSuchExport(String),
    /// Bad call arguments.
    #[error("{0}")]
    Call(String),
}

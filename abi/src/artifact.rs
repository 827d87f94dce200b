//! The artifact: one ELF file per (module, target, CPU features, settings).
//!
//! Written by the compiler (`wasmpi compile`), read by the launcher (`wasmpirun`). It is an
//! ordinary relocatable ELF object for the target architecture, so `objdump -d` shows the
//! machine code with wasm function names, but the launcher never links it: code contains no
//! relocations (calls between functions are resolved by the compiler, everything else goes
//! through the VM context), so `.text` is mapped read+execute straight from the file.
//!
//! Sections:
//! - [`TEXT_SECTION`]: all machine code, page-aligned in the file;
//! - [`METADATA_SECTION`]: a fixed [`Header`] followed by the [`Metadata`] (postcard-encoded);
//! - [`DATA_SECTION`]: the bytes of the wasm data segments, referenced by [`DataSegment`].

use crate::trap::TrapSite;
use crate::types::{FuncType, ValType};
use serde::{Deserialize, Serialize};

/// Machine code of every function and entry trampoline. Written by the compiler with every
/// intra-module call already resolved; mapped read+execute by the launcher.
pub const TEXT_SECTION: &str = ".text";
/// [`Header`] then postcard-encoded [`Metadata`]. Written by the compiler; read and verified
/// by the launcher before any code is mapped.
pub const METADATA_SECTION: &str = ".wasmpi.meta";
/// Concatenated bytes of the module's data segments. Written by the compiler; copied into
/// linear memory by the launcher at instantiation (active segments) or by `memory.init`.
pub const DATA_SECTION: &str = ".wasmpi.data";

/// Alignment of `.text` in the file: the largest page size of supported hosts (64 KiB on some
/// aarch64 kernels), so the launcher can map it directly.
pub const TEXT_ALIGN: u64 = 65536;

/// File extension of artifacts.
pub const EXTENSION: &str = "wasmpi";

/// First bytes of the metadata section.
pub const MAGIC: [u8; 8] = *b"WASMPI\0A";

/// Version of the artifact format (header, metadata encoding, VM context, builtins). Bumped
/// on every incompatible change.
pub const FORMAT_VERSION: u32 = 4;

/// Size of the fixed header at the start of the metadata section.
pub const HEADER_SIZE: usize = 48;

/// The fixed-size header that starts the metadata section.
///
/// Layout: magic (8 bytes), format version (u32 LE), reserved (u32), then a checksum field
/// (32 bytes): the XXH3-128 (16 bytes, little-endian, then 16 zero bytes) of the encoded
/// metadata, `.text` and `.wasmpi.data`, in that order.
///
/// The checksum catches damaged and truncated files; it is not a signature (whoever can
/// write your cache can run code as you anyway). XXH3 rather than a cryptographic hash
/// because every rank verifies the whole artifact at start-up: for a 12 MB artifact XXH3
/// takes a fraction of a millisecond where BLAKE3 took about 2.5 ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Artifact format version ([`FORMAT_VERSION`] when written by this toolchain).
    pub format_version: u32,
    /// The checksum field: XXH3-128 of metadata ‖ text ‖ data, zero-padded.
    pub checksum: [u8; 32],
}

/// Why the metadata section could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// Not a wasmpi artifact at all.
    #[error("not a wasmpi artifact (no wasmpi metadata header)")]
    BadMagic,
    /// Written by an incompatible toolchain.
    #[error("artifact format version {found}, this toolchain reads version {expected}")]
    Version {
        /// Version found in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The metadata could not be decoded.
    #[error("artifact metadata is corrupt ({0})")]
    Corrupt(String),
}

impl Header {
    /// Encodes the header.
    pub fn to_bytes(&self) -> [u8; HEADER_SIZE] {
        let mut out = [0u8; HEADER_SIZE];
        out[0..8].copy_from_slice(&MAGIC);
        out[8..12].copy_from_slice(&self.format_version.to_le_bytes());
        out[16..48].copy_from_slice(&self.checksum);
        out
    }

    /// Decodes and checks the header at the start of `section`; returns it and the rest.
    pub fn parse(section: &[u8]) -> Result<(Header, &[u8]), HeaderError> {
        if section.len() < HEADER_SIZE || section[0..8] != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        let mut version = [0u8; 4];
        version.copy_from_slice(&section[8..12]);
        let format_version = u32::from_le_bytes(version);
        if format_version != FORMAT_VERSION {
            return Err(HeaderError::Version {
                found: format_version,
                expected: FORMAT_VERSION,
            });
        }
        let mut checksum = [0u8; 32];
        checksum.copy_from_slice(&section[16..48]);
        Ok((
            Header {
                format_version,
                checksum,
            },
            &section[HEADER_SIZE..],
        ))
    }
}

/// The checksum stored in the header, over the three payloads.
pub fn checksum(metadata: &[u8], text: &[u8], data: &[u8]) -> [u8; 32] {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(metadata);
    hasher.update(text);
    hasher.update(data);
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&hasher.digest128().to_le_bytes());
    out
}

/// The first fields of [`Metadata`], in the same order: what choosing among cached variants
/// needs, decodable without the rest (functions, trap table, ...).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// [`Metadata::compiler_version`].
    pub compiler_version: String,
    /// [`Metadata::arch`].
    pub arch: String,
    /// [`Metadata::cpu_features`].
    pub cpu_features: Vec<String>,
    /// [`Metadata::cpu_name`].
    pub cpu_name: String,
}

impl Summary {
    /// Decodes the summary at the start of encoded [`Metadata`], ignoring the rest.
    pub fn decode(bytes: &[u8]) -> Result<Summary, HeaderError> {
        postcard::take_from_bytes(bytes)
            .map(|(summary, _)| summary)
            .map_err(|e| HeaderError::Corrupt(e.to_string()))
    }
}

/// Everything the launcher needs to know about a compiled module. Its first fields are a
/// [`Summary`] (keep them first and in that order).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metadata {
    /// [`crate::VERSION`] of the compiler that wrote it.
    pub compiler_version: String,
    /// Target architecture (`x86_64`, `aarch64`).
    pub arch: String,
    /// CPU features the code may use ([`crate::cpu::Feature::name`]s); all must be present.
    pub cpu_features: Vec<String>,
    /// Name of the CPU preset the artifact was tuned for (`native`, `x86-64-v3`, ...).
    pub cpu_name: String,
    /// Code generation settings that affect the code (`opt_level=speed`, ...), for display.
    pub settings: Vec<String>,
    /// BLAKE3 of the wasm module, hex.
    pub wasm_hash: String,
    /// Distinct function types; `type_index` fields index this list.
    pub types: Vec<FuncType>,
    /// Imported functions; they occupy function indices `0..imports.len()`.
    pub imports: Vec<FuncImport>,
    /// Defined functions; function index = `imports.len()` + position.
    pub functions: Vec<FunctionInfo>,
    /// One host-to-wasm entry trampoline per type in [`Metadata::types`], same order.
    pub trampolines: Vec<CodeRange>,
    /// The linear memory, if the module defines one.
    pub memory: Option<MemoryPlan>,
    /// The imported linear memory, if the module imports one (then `memory` is `None`).
    pub memory_import: Option<MemoryImport>,
    /// Imported tables; they occupy table indices `0..table_imports.len()`.
    pub table_imports: Vec<TableImport>,
    /// Defined tables; table index = `table_imports.len()` + position.
    pub tables: Vec<TablePlan>,
    /// Imported globals; they occupy global indices `0..global_imports.len()`.
    pub global_imports: Vec<GlobalImport>,
    /// Defined globals; global index = `global_imports.len()` + position.
    pub globals: Vec<GlobalPlan>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Data segments.
    pub data: Vec<DataSegment>,
    /// Element segments.
    pub elements: Vec<ElementSegment>,
    /// Start function, if any.
    pub start: Option<u32>,
    /// Every instruction that may trap, sorted by offset.
    pub traps: TrapTable,
}

impl Metadata {
    /// Its [`Summary`].
    pub fn summary(&self) -> Summary {
        Summary {
            compiler_version: self.compiler_version.clone(),
            arch: self.arch.clone(),
            cpu_features: self.cpu_features.clone(),
            cpu_name: self.cpu_name.clone(),
        }
    }

    /// Encodes the metadata (without header).
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("metadata serialization cannot fail")
    }

    /// Decodes metadata written by [`Metadata::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Metadata, HeaderError> {
        postcard::from_bytes(bytes).map_err(|e| HeaderError::Corrupt(e.to_string()))
    }

    /// Number of functions, imported and defined.
    pub fn num_funcs(&self) -> u32 {
        (self.imports.len() + self.functions.len()) as u32
    }

    /// Number of tables, imported and defined.
    pub fn num_tables(&self) -> u32 {
        (self.table_imports.len() + self.tables.len()) as u32
    }

    /// Number of globals, imported and defined.
    pub fn num_globals(&self) -> u32 {
        (self.global_imports.len() + self.globals.len()) as u32
    }

    /// The memory's limits, imported or defined.
    pub fn memory_plan(&self) -> Option<MemoryPlan> {
        self.memory
            .or_else(|| self.memory_import.as_ref().map(|m| m.memory))
    }

    /// Value type of global `index` (imported or defined).
    pub fn global_type(&self, index: u32) -> Option<ValType> {
        let index = index as usize;
        match index.checked_sub(self.global_imports.len()) {
            None => self.global_imports.get(index).map(|g| g.ty),
            Some(defined) => self.globals.get(defined).map(|g| g.ty),
        }
    }

    /// Type index of function `index` (imported or defined).
    pub fn func_type_index(&self, index: u32) -> Option<u32> {
        let index = index as usize;
        match index.checked_sub(self.imports.len()) {
            None => self.imports.get(index).map(|i| i.type_index),
            Some(defined) => self.functions.get(defined).map(|f| f.type_index),
        }
    }

    /// Name of function `index` for messages.
    pub fn func_name(&self, index: u32) -> String {
        let index = index as usize;
        match index.checked_sub(self.imports.len()) {
            None => match self.imports.get(index) {
                Some(import) => format!("{}.{}", import.module, import.name),
                None => format!("<function {index}>"),
            },
            Some(defined) => match self.functions.get(defined) {
                Some(f) => f.name.clone(),
                None => format!("<function {index}>"),
            },
        }
    }

    /// The defined function containing text offset `offset`: its position in
    /// [`Metadata::functions`] and the offset into it.
    pub fn function_at(&self, offset: u32) -> Option<(usize, u32)> {
        let pos = self.functions.partition_point(|f| f.code.offset <= offset);
        let index = pos.checked_sub(1)?;
        let code = self.functions[index].code;
        (offset < code.offset + code.len).then_some((index, offset - code.offset))
    }

    /// The trap recorded at exactly text offset `offset`.
    pub fn trap_at(&self, offset: u32) -> Option<TrapSite> {
        self.traps.at(offset)
    }
}

/// The trap table: every instruction that may trap, sorted by offset, packed as
/// [`TrapTable::RECORD`]-byte records (offset as u32 little-endian, then the [`TrapKind`]
/// byte).
///
/// Packed rather than a list of [`TrapSite`]s because a large module has hundreds of
/// thousands of them and every rank decodes the metadata at start-up: as one byte string the
/// table is copied in one piece, and only a trap looks inside it (a binary search).
///
/// [`TrapKind`]: crate::trap::TrapKind
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrapTable(#[serde(with = "serde_bytes")] Vec<u8>);

impl TrapTable {
    /// Bytes per record.
    pub const RECORD: usize = 5;

    /// The table of `sites`, which must be sorted by offset.
    pub fn new(sites: &[TrapSite]) -> TrapTable {
        debug_assert!(sites.windows(2).all(|w| w[0].offset <= w[1].offset));
        let mut bytes = Vec::with_capacity(sites.len() * Self::RECORD);
        for site in sites {
            bytes.extend_from_slice(&site.offset.to_le_bytes());
            bytes.push(site.kind as u8);
        }
        TrapTable(bytes)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.0.len() / Self::RECORD
    }

    /// Whether the table has no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record `index`, if it exists and names a known trap kind.
    pub fn get(&self, index: usize) -> Option<TrapSite> {
        let record = self
            .0
            .get(index * Self::RECORD..(index + 1) * Self::RECORD)?;
        let (offset, kind) = record.split_at(4);
        Some(TrapSite {
            offset: u32::from_le_bytes(offset.try_into().ok()?),
            kind: crate::trap::TrapKind::from_u8(kind[0])?,
        })
    }

    /// The trap recorded at exactly text offset `offset`.
    pub fn at(&self, offset: u32) -> Option<TrapSite> {
        let record_offset = |index: usize| {
            let start = index * Self::RECORD;
            let bytes = &self.0[start..start + 4];
            u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
        };
        // partition_point over record indices, without materializing the offsets.
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            if record_offset(mid) < offset {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        self.get(low).filter(|site| site.offset == offset)
    }
}

/// A range of `.text`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRange {
    /// Offset from the start of `.text`.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

/// An imported function.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FuncImport {
    /// Import module name (`wasi_snapshot_preview1`, `env`).
    pub module: String,
    /// Field name.
    pub name: String,
    /// Index into [`Metadata::types`].
    pub type_index: u32,
}

/// An imported global.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GlobalImport {
    /// Import module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// Value type.
    pub ty: ValType,
    /// Whether it is mutable.
    pub mutable: bool,
}

/// An imported table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TableImport {
    /// Import module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// The limits the module requires.
    pub table: TablePlan,
}

/// An imported linear memory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemoryImport {
    /// Import module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// The limits the module requires.
    pub memory: MemoryPlan,
}

/// A defined function.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionInfo {
    /// Name from the wasm `name` section, or `wasm-function[N]`.
    pub name: String,
    /// Index into [`Metadata::types`].
    pub type_index: u32,
    /// Where its code is.
    pub code: CodeRange,
}

/// The linear memory.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct MemoryPlan {
    /// Initial size in pages.
    pub min_pages: u64,
    /// Maximum size in pages, if declared.
    pub max_pages: Option<u64>,
}

/// A table of function references.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct TablePlan {
    /// Initial number of elements.
    pub min: u32,
    /// Maximum number of elements, if declared.
    pub max: Option<u32>,
}

/// A constant initializer expression.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ConstInit {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const`, as bits.
    F32(u32),
    /// `f64.const`, as bits.
    F64(u64),
    /// `v128.const`, as bits.
    V128(u128),
    /// `ref.null`.
    RefNull,
    /// `ref.func N`.
    RefFunc(u32),
    /// `global.get N` (an earlier, immutable global).
    GlobalGet(u32),
}

/// A global variable.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct GlobalPlan {
    /// Value type.
    pub ty: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
    /// Initial value.
    pub init: ConstInit,
}

/// What an export refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportKind {
    /// A function index.
    Func(u32),
    /// A table index.
    Table(u32),
    /// A memory index.
    Memory(u32),
    /// A global index.
    Global(u32),
}

/// An export.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// What it exports.
    pub kind: ExportKind,
}

/// A data segment.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct DataSegment {
    /// Where its bytes are in [`DATA_SECTION`].
    pub bytes: CodeRange,
    /// `Some` for an active segment: its destination in linear memory.
    pub active: Option<SegmentOffset>,
}

/// Destination of an active segment: `offset`, plus the value of global `base` if present.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct SegmentOffset {
    /// Global whose value is added, if any.
    pub base: Option<u32>,
    /// Constant offset.
    pub offset: u64,
}

/// An element segment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ElementSegment {
    /// Function indices; `u32::MAX` for a null reference.
    pub funcs: Vec<u32>,
    /// How it is used.
    pub mode: ElementMode,
}

/// How an element segment is used.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum ElementMode {
    /// Copied into `table` at instantiation.
    Active {
        /// Destination table.
        table: u32,
        /// Destination offset.
        offset: SegmentOffset,
    },
    /// Available to `table.init`.
    Passive,
    /// Only declares functions for `ref.func`; dropped at instantiation.
    Declared,
}

/// Marker in [`ElementSegment::funcs`] for a null reference.
pub const NULL_FUNC: u32 = u32::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trap::TrapKind;

    fn site(offset: u32, kind: TrapKind) -> TrapSite {
        TrapSite { offset, kind }
    }

    #[test]
    fn trap_table_finds_exact_offsets_only() {
        let sites = [
            site(4, TrapKind::MemoryOutOfBounds),
            site(9, TrapKind::Unreachable),
            site(0x1_0000, TrapKind::IntegerDivisionByZero),
        ];
        let table = TrapTable::new(&sites);
        assert_eq!(table.len(), 3);
        for s in sites {
            assert_eq!(table.at(s.offset), Some(s));
        }
        for missing in [0, 5, 8, 10, 0xffff, u32::MAX] {
            assert_eq!(table.at(missing), None, "offset {missing}");
        }
        assert_eq!(TrapTable::default().at(0), None);
    }

    #[test]
    fn trap_table_survives_an_encoding_round_trip_and_damage() {
        let table = TrapTable::new(&[site(7, TrapKind::BadSignature)]);
        let encoded = postcard::to_stdvec(&table).unwrap();
        assert_eq!(postcard::from_bytes::<TrapTable>(&encoded).unwrap(), table);
        // A truncated record and an unknown kind byte find nothing rather than panicking.
        let truncated = TrapTable(vec![7, 0, 0, 0]);
        assert_eq!(truncated.at(7), None);
        let unknown_kind = TrapTable(vec![7, 0, 0, 0, 0xee]);
        assert_eq!(unknown_kind.at(7), None);
    }
}

//! Writes the artifact: an ELF object with `.text`, the metadata and the data segments
//! (format in [`wasmpi_abi::artifact`]), plus one symbol per function so `objdump -d` and
//! other ELF tools show wasm names.

use anyhow::{anyhow, Result};
use object::write::{Object, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
};
use wasmpi_abi::artifact::{self, Header, Metadata};

/// Encodes a complete artifact.
/// `extra_symbols` names code that is not a wasm function (runtime routines).
pub fn artifact_bytes(
    metadata: &Metadata,
    text: &[u8],
    data: &[u8],
    extra_symbols: &[(String, artifact::CodeRange)],
) -> Result<Vec<u8>> {
    let architecture = match metadata.arch.as_str() {
        "x86_64" => Architecture::X86_64,
        "aarch64" => Architecture::Aarch64,
        other => return Err(anyhow!("no ELF support for architecture {other}")),
    };
    let mut obj = Object::new(BinaryFormat::Elf, architecture, Endianness::Little);
    let text_id = obj.add_section(
        Vec::new(),
        artifact::TEXT_SECTION.as_bytes().to_vec(),
        SectionKind::Text,
    );
    obj.set_section_data(text_id, text.to_vec(), artifact::TEXT_ALIGN);

    let encoded = metadata.encode();
    let header = Header {
        format_version: artifact::FORMAT_VERSION,
        checksum: artifact::checksum(&encoded, text, data),
    };
    let mut meta_section = header.to_bytes().to_vec();
    meta_section.extend_from_slice(&encoded);
    let meta_id = obj.add_section(
        Vec::new(),
        artifact::METADATA_SECTION.as_bytes().to_vec(),
        SectionKind::Other,
    );
    obj.set_section_data(meta_id, meta_section, 8);
    let data_id = obj.add_section(
        Vec::new(),
        artifact::DATA_SECTION.as_bytes().to_vec(),
        SectionKind::Other,
    );
    obj.set_section_data(data_id, data.to_vec(), 8);

    let mut add = |name: String, range: artifact::CodeRange| {
        obj.add_symbol(Symbol {
            name: name.into_bytes(),
            value: u64::from(range.offset),
            size: u64::from(range.len),
            kind: SymbolKind::Text,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(text_id),
            flags: SymbolFlags::None,
        });
    };
    for f in &metadata.functions {
        add(f.name.clone(), f.code);
    }
    for (name, range) in extra_symbols {
        add(name.clone(), *range);
    }
    for (i, t) in metadata.trampolines.iter().enumerate() {
        add(format!("wasmpi_entry_trampoline_{i}"), *t);
    }
    Ok(obj.write()?)
}

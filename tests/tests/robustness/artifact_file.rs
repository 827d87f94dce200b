//! Where the checksummed parts of an artifact file are, and how to re-seal it.
//!
//! Used to damage artifacts on purpose: a mutation with the checksum left stale must be
//! refused by the checksum; re-sealing after mutating the metadata tests what lies behind
//! the checksum (decoding and validating metadata).

use object::{Object, ObjectSection};
use std::ops::Range;
use wasmpi_abi::artifact;

/// File ranges of the three sections of an artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `.wasmpi.meta`: header, then encoded metadata.
    pub meta: Range<usize>,
    /// `.text`.
    pub text: Range<usize>,
    /// `.wasmpi.data`.
    pub data: Range<usize>,
}

impl Layout {
    /// The encoded metadata (after the fixed header).
    pub fn encoded(&self) -> Range<usize> {
        self.meta.start + artifact::HEADER_SIZE..self.meta.end
    }
}

/// The layout of `bytes`, if it is an ELF file with the three sections inside it.
pub fn layout(bytes: &[u8]) -> Option<Layout> {
    let elf = object::File::parse(bytes).ok()?;
    let range = |name: &str| -> Option<Range<usize>> {
        let (offset, size) = elf.section_by_name(name)?.file_range()?;
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        (end <= bytes.len()).then_some(start..end)
    };
    let meta = range(artifact::METADATA_SECTION)?;
    (meta.len() >= artifact::HEADER_SIZE).then_some(())?;
    Some(Layout {
        meta,
        text: range(artifact::TEXT_SECTION)?,
        data: range(artifact::DATA_SECTION)?,
    })
}

/// Recomputes the header checksum over the current contents; `false` if `bytes` has no
/// artifact layout.
pub fn reseal(bytes: &mut [u8]) -> bool {
    let Some(layout) = layout(bytes) else {
        return false;
    };
    let sum = artifact::checksum(
        &bytes[layout.encoded()],
        &bytes[layout.text.clone()],
        &bytes[layout.data.clone()],
    );
    bytes[layout.meta.start + 16..layout.meta.start + 48].copy_from_slice(&sum);
    true
}

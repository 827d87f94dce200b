//! Loading an artifact: map, verify, then map its code executable.
//!
//! Everything is checked before any of the artifact's code can run: ELF structure, header,
//! format and compiler version, checksum, architecture, and the CPU features the code needs.
//! `.text` is mapped read+execute straight from the file; on filesystems that refuse
//! executable mappings (`noexec` scratch mounts) it is copied into anonymous memory instead.

use crate::Error;
use memmap2::{Mmap, MmapOptions};
use object::{Object, ObjectSection};
use std::fs::File;
use std::ops::Range;
use std::path::Path;
use wasmpi_abi::artifact::{self, Header, Metadata, Summary};

/// A loaded, verified artifact.
pub struct Artifact {
    metadata: Metadata,
    file: Mmap,
    data: Range<usize>,
    code: Code,
    /// The open file, holding a shared lock while the artifact is in use.
    _lock: File,
}

enum Code {
    /// Mapped from the file.
    File(Mmap),
    /// Copied into anonymous memory (file system refused PROT_EXEC).
    Copied(Mmap),
}

impl Artifact {
    /// Loads and verifies the artifact at `path`.
    pub fn load(path: &Path) -> Result<Artifact, Error> {
        let bad = |why: String| Error::Artifact {
            path: path.display().to_string(),
            why,
        };
        let file = File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
        // A shared lock while in use: `wasmpi cache prune` skips locked files. Marking the
        // use time lets pruning drop the least recently used artifacts first; read-only site
        // caches refuse it, which is fine.
        let _ = rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockShared);
        let now = rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        };
        let omit = rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        };
        let _ = rustix::fs::futimens(
            &file,
            &rustix::fs::Timestamps {
                last_access: now,
                last_modification: omit,
            },
        );
        // SAFETY: artifacts are written once and renamed into place, never modified in place;
        // a concurrent writer replaces the directory entry, not this file's contents.
        // Populated up front: the checksum reads every page anyway, and one populating mmap is
        // cheaper than a page fault per 4 KiB.
        let map = unsafe { MmapOptions::new().populate().map(&file) }
            .map_err(|e| bad(format!("cannot map: {e}")))?;
        let (metadata, text, data) = parse(&map).map_err(&bad)?;
        check_compatible(&metadata.summary()).map_err(bad)?;
        let code = map_text(&file, &map, text.clone()).map_err(|e| Error::Artifact {
            path: path.display().to_string(),
            why: format!("cannot map code: {e}"),
        })?;
        Ok(Artifact {
            metadata,
            file: map,
            data,
            code,
            _lock: file,
        })
    }

    /// The module's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The executable code.
    pub fn text(&self) -> &[u8] {
        match &self.code {
            Code::File(m) | Code::Copied(m) => m,
        }
    }

    /// Whether the code had to be copied because the file system refused to map it executable.
    pub fn code_was_copied(&self) -> bool {
        matches!(self.code, Code::Copied(_))
    }

    /// Bytes of the data segments section.
    pub fn data(&self) -> &[u8] {
        &self.file[self.data.clone()]
    }
}

type Parsed = (Metadata, Range<usize>, Range<usize>);

fn section_range(elf: &object::File, name: &str, len: usize) -> Result<Range<usize>, String> {
    let section = elf
        .section_by_name(name)
        .ok_or_else(|| format!("missing section {name}"))?;
    let (offset, size) = section
        .file_range()
        .ok_or_else(|| format!("section {name} has no data"))?;
    let start = usize::try_from(offset).map_err(|e| e.to_string())?;
    let end = start
        .checked_add(usize::try_from(size).map_err(|e| e.to_string())?)
        .filter(|&end| end <= len);
    end.map(|end| start..end)
        .ok_or_else(|| format!("section {name} lies outside the file (truncated?)"))
}

/// Parses and verifies the checksum, returning metadata and the text and data ranges.
fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let Sections {
        header,
        metadata: encoded,
        text,
        data,
    } = read_header(bytes)?;
    if artifact::checksum(encoded, &bytes[text.clone()], &bytes[data.clone()]) != header.checksum {
        return Err(
            "artifact is corrupt (checksum mismatch): delete it and compile again".to_string(),
        );
    }
    let metadata = Metadata::decode(encoded).map_err(|e| e.to_string())?;
    validate(&metadata, text.len(), data.len())?;
    Ok((metadata, text, data))
}

/// The parts of an artifact file, unverified.
struct Sections<'a> {
    header: Header,
    /// The encoded metadata.
    metadata: &'a [u8],
    text: Range<usize>,
    data: Range<usize>,
}

/// Locates the sections and reads the header, without verifying anything else.
fn read_header(bytes: &[u8]) -> Result<Sections<'_>, String> {
    let elf = object::File::parse(bytes).map_err(|e| {
        if bytes.starts_with(b"\x7fELF") {
            format!("damaged ELF file (truncated or corrupt: {e}): delete it and compile again")
        } else {
            format!("not a wasmpi artifact: {e}")
        }
    })?;
    let meta = section_range(&elf, artifact::METADATA_SECTION, bytes.len())
        .map_err(|_| "not a wasmpi artifact (no wasmpi metadata)".to_string())?;
    let text = section_range(&elf, artifact::TEXT_SECTION, bytes.len())?;
    let data = section_range(&elf, artifact::DATA_SECTION, bytes.len())?;
    let (header, encoded) = Header::parse(&bytes[meta]).map_err(|e| match e {
        artifact::HeaderError::Version { .. } => {
            format!("{e}: it was built by another wasmpi version")
        }
        other => other.to_string(),
    })?;
    Ok(Sections {
        header,
        metadata: encoded,
        text,
        data,
    })
}

/// Reads an artifact's [`Summary`] without verifying its checksum, decoding the rest of its
/// metadata or mapping its code: enough to choose among cached variants (the chosen one is
/// then fully verified by [`Artifact::load`]).
pub fn peek(path: &Path) -> Result<Summary, String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    // SAFETY: see Artifact::load.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| format!("cannot map: {e}"))?;
    Summary::decode(read_header(&map)?.metadata).map_err(|e| e.to_string())
}

/// Checks that every range in the metadata lies inside its section.
fn validate(meta: &Metadata, text_len: usize, data_len: usize) -> Result<(), String> {
    let inside = |r: &artifact::CodeRange, len: usize| {
        (r.offset as usize)
            .checked_add(r.len as usize)
            .is_some_and(|end| end <= len)
    };
    let code_ok = meta
        .functions
        .iter()
        .all(|f| inside(&f.code, text_len) && (f.type_index as usize) < meta.types.len())
        && meta.trampolines.len() == meta.types.len()
        && meta.trampolines.iter().all(|t| inside(t, text_len))
        && meta
            .imports
            .iter()
            .all(|i| (i.type_index as usize) < meta.types.len());
    let data_ok = meta.data.iter().all(|d| inside(&d.bytes, data_len));
    if code_ok && data_ok {
        Ok(())
    } else {
        Err("artifact metadata is inconsistent (corrupt artifact)".to_string())
    }
}

/// Checks version, architecture and CPU features against this launcher and CPU; the error
/// says what does not fit.
pub fn check_compatible(meta: &Summary) -> Result<(), String> {
    if meta.compiler_version != wasmpi_abi::VERSION {
        return Err(format!(
            "built by wasmpi {}, but this launcher is wasmpi {}: recompile it with this version's `wasmpi compile`",
            meta.compiler_version,
            wasmpi_abi::VERSION
        ));
    }
    if meta.arch != wasmpi_abi::cpu::HOST_ARCH {
        return Err(format!(
            "compiled for {}, but this machine is {}: compile it for this machine",
            meta.arch,
            wasmpi_abi::cpu::HOST_ARCH
        ));
    }
    let missing = wasmpi_abi::cpu::missing_on_host(&meta.cpu_features);
    if !missing.is_empty() {
        return Err(format!(
            "compiled for CPU `{}`, which needs {} that this CPU lacks: compile it on (or for) this machine",
            meta.cpu_name,
            missing.join(", ")
        ));
    }
    Ok(())
}

fn map_text(file: &File, whole: &Mmap, text: Range<usize>) -> std::io::Result<Code> {
    if text.is_empty() {
        return Ok(Code::Copied(
            MmapOptions::new().len(1).map_anon()?.make_exec()?,
        ));
    }
    let page = rustix::param::page_size();
    if text.start % page == 0 {
        // SAFETY: see Artifact::load — the file is never modified in place.
        let mapped = unsafe {
            MmapOptions::new()
                .offset(text.start as u64)
                .len(text.len())
                .map_exec(file)
        };
        if let Ok(mapped) = mapped {
            return Ok(Code::File(mapped));
        }
    }
    let mut copy = MmapOptions::new().len(text.len()).map_anon()?;
    copy.copy_from_slice(&whole[text]);
    Ok(Code::Copied(copy.make_exec()?))
}

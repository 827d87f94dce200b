//! MPI-IO: files opened by the host MPI, named by guest paths inside the WASI sandbox.
//!
//! A guest file name is resolved exactly as the guest's own `open` would resolve it
//! ([`crate::wasi::host_path`]): matched against the directories preopened with `--dir`, then
//! walked inside that directory without ever leaving it. The host MPI then opens
//! `/proc/self/fd/<dir>/<name>`, where `<dir>` is a descriptor of the directory the walk ended
//! in, kept open as long as the file is (the host MPI may use the name again, e.g. to delete
//! the file on close). A name outside every preopened directory fails with `MPI_ERR_ACCESS`
//! before the host MPI sees it. Relative names are taken from the root (wasi-libc's initial
//! working directory; a `chdir` in the guest is not known to the launcher).
//!
//! Buffers are checked like any MPI buffer; offsets are `MPI_Offset` (8 bytes on both sides).
//! Errors go to the file's error handler, `MPI_ERRORS_RETURN` by default as the standard
//! says; errors of `MPI_File_open` and `MPI_File_delete` go to that of `MPI_FILE_NULL`, which
//! new files inherit. Info hints are not passed on (see [`super::rma::info_hints`]), so
//! `MPI_File_set_info` accepts and ignores them and `MPI_File_get_info` is not provided.

use super::cx::{Cx, MpiError, MpiResult};
use super::handles::HandleTable;
use super::p2p::empty_status;
use super::rma::{c_string, info_hints};
use mpi::ffi;
use std::ffi::{c_int, c_void};
use std::os::fd::OwnedFd;
use wasmpi_abi::mpi as abi;

/// An open file.
pub struct File {
    /// Host handle.
    pub host: ffi::MPI_File,
    /// Guest error handler.
    pub errhandler: i32,
    /// The directory the host path goes through (see the module doc).
    _dir: Option<OwnedFd>,
}

/// The file table, with `MPI_FILE_NULL` holding the default file error handler.
pub(super) fn file_table() -> HandleTable<File> {
    let mut table = HandleTable::default();
    table.predefine(
        abi::MPI_FILE_NULL,
        File {
            // SAFETY: reading an immutable handle exported by the host MPI shim.
            host: unsafe { ffi::RSMPI_FILE_NULL },
            errhandler: abi::MPI_ERRORS_RETURN,
            _dir: None,
        },
    );
    table
}

/// Longest file name accepted (Linux `PATH_MAX`).
const MAX_FILE_NAME: usize = 4096;

/// Guest access mode bits and the names of the host's.
const AMODES: [(i32, &str); 9] = [
    (abi::MPI_MODE_RDONLY, "MPI_MODE_RDONLY"),
    (abi::MPI_MODE_RDWR, "MPI_MODE_RDWR"),
    (abi::MPI_MODE_WRONLY, "MPI_MODE_WRONLY"),
    (abi::MPI_MODE_CREATE, "MPI_MODE_CREATE"),
    (abi::MPI_MODE_EXCL, "MPI_MODE_EXCL"),
    (abi::MPI_MODE_DELETE_ON_CLOSE, "MPI_MODE_DELETE_ON_CLOSE"),
    (abi::MPI_MODE_UNIQUE_OPEN, "MPI_MODE_UNIQUE_OPEN"),
    (abi::MPI_MODE_SEQUENTIAL, "MPI_MODE_SEQUENTIAL"),
    (abi::MPI_MODE_APPEND, "MPI_MODE_APPEND"),
];

fn amode_to_host(cx: &Cx, amode: i32) -> MpiResult<i32> {
    let known = AMODES.iter().fold(0, |acc, (g, _)| acc | g);
    if amode & !known != 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_AMODE,
            format!("invalid access mode {amode:#x}"),
        ));
    }
    Ok(AMODES
        .iter()
        .filter(|(g, _)| amode & g != 0)
        .fold(0, |acc, (_, name)| acc | cx.mpi.host.int(name)))
}

fn amode_to_guest(cx: &Cx, host: i32) -> i32 {
    AMODES
        .iter()
        .filter(|(_, name)| host & cx.mpi.host.int(name) != 0)
        .fold(0, |acc, (g, _)| acc | g)
}

/// The default file error handler (that of `MPI_FILE_NULL`).
fn default_errhandler(cx: &Cx) -> i32 {
    cx.mpi
        .files
        .get(abi::MPI_FILE_NULL)
        .map_or(abi::MPI_ERRORS_RETURN, |f| f.errhandler)
}

/// The open file behind guest handle `handle`; errors of this call then go to its handler.
fn file(cx: &mut Cx, handle: i32) -> MpiResult<ffi::MPI_File> {
    let found = cx
        .mpi
        .files
        .get(handle)
        .filter(|_| handle != abi::MPI_FILE_NULL)
        .map(|f| (f.host, f.errhandler));
    match found {
        Some((host, errhandler)) => {
            cx.set_errhandler(errhandler);
            Ok(host)
        }
        None => {
            cx.set_errhandler(default_errhandler(cx));
            Err(MpiError::new(
                abi::MPI_ERR_FILE,
                format!("invalid file handle {handle}"),
            ))
        }
    }
}

/// Reads a guest file name and resolves it inside the sandbox (see the module doc).
fn host_path(cx: &mut Cx, filename: u32, follow_final: bool) -> MpiResult<crate::wasi::HostPath> {
    let (name, complete) = c_string(cx, filename, MAX_FILE_NAME)?;
    if !complete {
        return Err(MpiError::new(abi::MPI_ERR_BAD_FILE, "file name too long"));
    }
    crate::wasi::host_path(cx.wasi(), &name, follow_final).map_err(|e| {
        let class = match e {
            crate::wasi::Errno::NOTCAPABLE
            | crate::wasi::Errno::ACCES
            | crate::wasi::Errno::PERM => abi::MPI_ERR_ACCESS,
            crate::wasi::Errno::NOENT | crate::wasi::Errno::NOTDIR => abi::MPI_ERR_NO_SUCH_FILE,
            crate::wasi::Errno::NAMETOOLONG
            | crate::wasi::Errno::INVAL
            | crate::wasi::Errno::LOOP => abi::MPI_ERR_BAD_FILE,
            _ => abi::MPI_ERR_FILE,
        };
        let reason = if e == crate::wasi::Errno::NOTCAPABLE {
            "outside the directories the program may access".to_string()
        } else {
            e.to_string()
        };
        MpiError::new(
            class,
            format!("file {:?}: {reason}", String::from_utf8_lossy(&name)),
        )
    })
}

fn file_open(
    cx: &mut Cx,
    comm: i32,
    filename: u32,
    amode: i32,
    info: i32,
    fh: u32,
) -> MpiResult<()> {
    let errhandler = default_errhandler(cx);
    cx.set_errhandler(errhandler);
    let comm = cx.comm(comm)?;
    cx.write_i32(fh, abi::MPI_FILE_NULL)?;
    let amode = amode_to_host(cx, amode)?;
    let info = info_hints(cx, info)?;
    let path = host_path(cx, filename, true)?;
    // SAFETY: reading an immutable handle exported by the host MPI shim.
    let mut host = unsafe { ffi::RSMPI_FILE_NULL };
    // SAFETY: a live communicator, a NUL-terminated path, a valid out-pointer.
    cx.check(unsafe { ffi::MPI_File_open(comm, path.path.as_ptr(), amode, info, &mut host) })?;
    let errors_return = cx.mpi.host.errhandlers["MPI_ERRORS_RETURN"];
    // SAFETY: a file just opened, a predefined error handler.
    cx.check(unsafe { ffi::MPI_File_set_errhandler(host, errors_return) })?;
    let handle = cx.mpi.files.insert(File {
        host,
        errhandler,
        _dir: Some(path.dir),
    });
    cx.write_i32(fh, handle)
}

fn file_close(cx: &mut Cx, fh: u32) -> MpiResult<()> {
    let handle = cx.read_i32(fh)?;
    let mut host = file(cx, handle)?;
    // SAFETY: a live file; the host sets it to MPI_FILE_NULL.
    cx.check(unsafe { ffi::MPI_File_close(&mut host) })?;
    cx.mpi.files.remove(handle);
    cx.write_i32(fh, abi::MPI_FILE_NULL)
}

fn file_delete(cx: &mut Cx, filename: u32, info: i32) -> MpiResult<()> {
    let errhandler = default_errhandler(cx);
    cx.set_errhandler(errhandler);
    let info = info_hints(cx, info)?;
    let path = host_path(cx, filename, false)?;
    // SAFETY: a NUL-terminated path; the directory it goes through is open (`path.dir`).
    cx.check(unsafe { ffi::MPI_File_delete(path.path.as_ptr(), info) })
}

/// A read or write of `count` elements of `datatype` at guest `buf`, with a status.
fn transfer(
    cx: &mut Cx,
    fh: i32,
    buf: u32,
    count: i32,
    datatype: i32,
    status: u32,
    f: impl FnOnce(ffi::MPI_File, *mut c_void, ffi::MPI_Datatype, *mut ffi::MPI_Status) -> c_int,
) -> MpiResult<()> {
    let host = file(cx, fh)?;
    let (ptr, dt) = cx.typed_buffer(buf, count, datatype)?;
    cx.check_status(status)?;
    let mut st = empty_status();
    cx.check(f(host, ptr, dt, &mut st))?;
    cx.write_status(status, &st)
}

macro_rules! transfers {
    ($( $name:ident => $host:ident; )*) => { $(
        fn $name(cx: &mut Cx, fh: i32, buf: u32, count: i32, datatype: i32, status: u32) -> MpiResult<()> {
            transfer(cx, fh, buf, count, datatype, status, |f, p, d, s| {
                // SAFETY: a live file, a buffer checked to lie in linear memory, a valid
                // status out-pointer.
                unsafe { ffi::$host(f, p, count, d, s) }
            })
        }
    )* };
}

macro_rules! transfers_at {
    ($( $name:ident => $host:ident; )*) => { $(
        fn $name(cx: &mut Cx, fh: i32, offset: i64, buf: u32, count: i32, datatype: i32, status: u32) -> MpiResult<()> {
            transfer(cx, fh, buf, count, datatype, status, |f, p, d, s| {
                // SAFETY: as in the transfers without offset.
                unsafe { ffi::$host(f, offset, p, count, d, s) }
            })
        }
    )* };
}

transfers! {
    file_read => MPI_File_read;
    file_read_all => MPI_File_read_all;
    file_write => MPI_File_write;
    file_write_all => MPI_File_write_all;
}

transfers_at! {
    file_read_at => MPI_File_read_at;
    file_read_at_all => MPI_File_read_at_all;
    file_write_at => MPI_File_write_at;
    file_write_at_all => MPI_File_write_at_all;
}

fn file_seek(cx: &mut Cx, fh: i32, offset: i64, whence: i32) -> MpiResult<()> {
    let host = file(cx, fh)?;
    let name = match whence {
        abi::MPI_SEEK_SET => "MPI_SEEK_SET",
        abi::MPI_SEEK_CUR => "MPI_SEEK_CUR",
        abi::MPI_SEEK_END => "MPI_SEEK_END",
        other => {
            return Err(MpiError::new(
                abi::MPI_ERR_ARG,
                format!("invalid whence {other}"),
            ))
        }
    };
    let whence = cx.mpi.host.int(name);
    // SAFETY: a live file.
    cx.check(unsafe { ffi::MPI_File_seek(host, offset, whence) })
}

/// Runs a host query that yields an `MPI_Offset` and writes it to guest `out`.
fn offset_query(
    cx: &mut Cx,
    fh: i32,
    out: u32,
    f: unsafe extern "C" fn(ffi::MPI_File, *mut ffi::MPI_Offset) -> c_int,
) -> MpiResult<()> {
    let host = file(cx, fh)?;
    crate::guest::check_writable(cx.mem(), out, 8)?;
    let mut value: ffi::MPI_Offset = 0;
    // SAFETY: a live file, a valid out-pointer.
    cx.check(unsafe { f(host, &mut value) })?;
    Ok(crate::guest::write_u64(cx.mem(), out, value as u64)?)
}

fn file_get_position(cx: &mut Cx, fh: i32, offset: u32) -> MpiResult<()> {
    offset_query(cx, fh, offset, ffi::MPI_File_get_position)
}

fn file_get_size(cx: &mut Cx, fh: i32, size: u32) -> MpiResult<()> {
    offset_query(cx, fh, size, ffi::MPI_File_get_size)
}

fn with_offset(
    cx: &mut Cx,
    fh: i32,
    value: i64,
    f: unsafe extern "C" fn(ffi::MPI_File, ffi::MPI_Offset) -> c_int,
) -> MpiResult<()> {
    let host = file(cx, fh)?;
    // SAFETY: a live file.
    cx.check(unsafe { f(host, value) })
}

fn file_set_size(cx: &mut Cx, fh: i32, size: i64) -> MpiResult<()> {
    with_offset(cx, fh, size, ffi::MPI_File_set_size)
}

fn file_preallocate(cx: &mut Cx, fh: i32, size: i64) -> MpiResult<()> {
    with_offset(cx, fh, size, ffi::MPI_File_preallocate)
}

fn file_sync(cx: &mut Cx, fh: i32) -> MpiResult<()> {
    let host = file(cx, fh)?;
    // SAFETY: a live file.
    cx.check(unsafe { ffi::MPI_File_sync(host) })
}

fn file_set_view(
    cx: &mut Cx,
    fh: i32,
    disp: i64,
    etype: i32,
    filetype: i32,
    datarep: u32,
    info: i32,
) -> MpiResult<()> {
    let host = file(cx, fh)?;
    let etype = cx.datatype(etype)?.host;
    let filetype = cx.datatype(filetype)?.host;
    let info = info_hints(cx, info)?;
    let disp = if disp == i64::from(abi::MPI_DISPLACEMENT_CURRENT) {
        cx.mpi
            .host
            .ints
            .get("MPI_DISPLACEMENT_CURRENT")
            .copied()
            .unwrap_or(disp)
    } else {
        disp
    };
    let (mut rep, _) = c_string(cx, datarep, abi::MPI_MAX_DATAREP_STRING as usize)?;
    if !matches!(rep.as_slice(), b"native" | b"internal" | b"external32") {
        return Err(MpiError::new(
            abi::MPI_ERR_UNSUPPORTED_DATAREP,
            format!(
                "unsupported data representation {:?}",
                String::from_utf8_lossy(&rep)
            ),
        ));
    }
    rep.push(0);
    // SAFETY: a live file and datatypes, a NUL-terminated string.
    cx.check(unsafe {
        ffi::MPI_File_set_view(host, disp, etype, filetype, rep.as_ptr().cast(), info)
    })
}

fn file_get_amode(cx: &mut Cx, fh: i32, amode: u32) -> MpiResult<()> {
    let host = file(cx, fh)?;
    crate::guest::check_writable(cx.mem(), amode, 4)?;
    let mut value = 0;
    // SAFETY: a live file, a valid out-pointer.
    cx.check(unsafe { ffi::MPI_File_get_amode(host, &mut value) })?;
    let value = amode_to_guest(cx, value);
    cx.write_i32(amode, value)
}

fn file_set_info(cx: &mut Cx, fh: i32, info: i32) -> MpiResult<()> {
    file(cx, fh)?;
    info_hints(cx, info)?;
    Ok(())
}

/// The file whose error handler `MPI_File_set_errhandler`/`get_errhandler` works on:
/// `MPI_FILE_NULL` stands for the default file error handler.
fn errhandler_slot(cx: &mut Cx, handle: i32) -> MpiResult<()> {
    if handle == abi::MPI_FILE_NULL {
        cx.set_errhandler(default_errhandler(cx));
        return Ok(());
    }
    file(cx, handle).map(|_| ())
}

fn file_set_errhandler(cx: &mut Cx, handle: i32, errhandler: i32) -> MpiResult<()> {
    errhandler_slot(cx, handle)?;
    if errhandler != abi::MPI_ERRORS_ARE_FATAL && errhandler != abi::MPI_ERRORS_RETURN {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("unsupported error handler {errhandler}"),
        ));
    }
    if let Some(f) = cx.mpi.files.get_mut(handle) {
        f.errhandler = errhandler;
    }
    Ok(())
}

fn file_get_errhandler(cx: &mut Cx, handle: i32, errhandler: u32) -> MpiResult<()> {
    errhandler_slot(cx, handle)?;
    let value = cx
        .mpi
        .files
        .get(handle)
        .map_or(abi::MPI_ERRORS_RETURN, |f| f.errhandler);
    cx.write_i32(errhandler, value)
}

super::mpi_functions! {
    file_open => MPI_File_open(comm: i32, filename: u32, amode: i32, info: i32, fh: u32);
    file_close => MPI_File_close(fh: u32);
    file_delete => MPI_File_delete(filename: u32, info: i32);
    file_read => MPI_File_read(fh: i32, buf: u32, count: i32, datatype: i32, status: u32);
    file_read_all => MPI_File_read_all(fh: i32, buf: u32, count: i32, datatype: i32, status: u32);
    file_read_at => MPI_File_read_at(fh: i32, offset: i64, buf: u32, count: i32, datatype: i32, status: u32);
    file_read_at_all => MPI_File_read_at_all(fh: i32, offset: i64, buf: u32, count: i32, datatype: i32, status: u32);
    file_write => MPI_File_write(fh: i32, buf: u32, count: i32, datatype: i32, status: u32);
    file_write_all => MPI_File_write_all(fh: i32, buf: u32, count: i32, datatype: i32, status: u32);
    file_write_at => MPI_File_write_at(fh: i32, offset: i64, buf: u32, count: i32, datatype: i32, status: u32);
    file_write_at_all => MPI_File_write_at_all(fh: i32, offset: i64, buf: u32, count: i32, datatype: i32, status: u32);
    file_seek => MPI_File_seek(fh: i32, offset: i64, whence: i32);
    file_get_position => MPI_File_get_position(fh: i32, offset: u32);
    file_set_view => MPI_File_set_view(fh: i32, disp: i64, etype: i32, filetype: i32, datarep: u32, info: i32);
    file_get_size => MPI_File_get_size(fh: i32, size: u32);
    file_set_size => MPI_File_set_size(fh: i32, size: i64);
    file_preallocate => MPI_File_preallocate(fh: i32, size: i64);
    file_sync => MPI_File_sync(fh: i32);
    file_get_amode => MPI_File_get_amode(fh: i32, amode: u32);
    file_set_info => MPI_File_set_info(fh: i32, info: i32);
    file_set_errhandler => MPI_File_set_errhandler(file: i32, errhandler: i32);
    file_get_errhandler => MPI_File_get_errhandler(file: i32, errhandler: u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_guest_header() {
        for f in functions() {
            let sig = abi::signature(f.name).unwrap_or_else(|| panic!("{} not in mpi.h", f.name));
            assert_eq!(f.params, sig.params, "{}", f.name);
            assert_eq!(f.results, &[sig.result], "{}", f.name);
        }
    }
}

//! WASI preview 1 (`wasi_snapshot_preview1`) for the guest: arguments, environment, clocks,
//! randomness, stdio and a sandboxed view of the host file system.
//!
//! # Layout
//!
//! Every WASI function exists twice:
//!
//! * a safe *inner* function, e.g. `fs::fd_write(mem: &mut [u8], cx: &mut WasiCtx, fd:
//!   u32, ...) -> Result<(), Errno>`, which does the work on the linear memory slice and the
//!   [`WasiCtx`], bounds-checking every guest pointer (out of range → `EFAULT`, never a
//!   panic);
//! * a thin `unsafe extern "C"` *shim* with the wasm signature, which compiled code calls
//!   directly: it gets the memory and the context from the VM context and turns the result
//!   into the errno `i32`.
//!
//! The shims and the [`HostFunc`] table ([`host_functions`]) are generated from one list by
//! the `wasi_functions!` macro, so the Rust signature of an inner function and the wasm
//! signature announced for it cannot drift apart. `proc_exit` is the one hand-written shim:
//! it unwinds out of wasm through [`crate::host::exit_guest`].
//!
//! # Sandbox
//!
//! The guest reaches the host file system only through descriptors: stdio (0, 1, 2:
//! duplicates of the launcher's) and the directories preopened with
//! [`WasiCtx::preopen_dir`] (3, 4, ... in order, named to the guest by `fd_prestat_get` /
//! `fd_prestat_dir_name`), plus what it opens below them. Each directory descriptor is a
//! capability root: a path given with it can never resolve outside it.
//!
//! That guarantee lives in the `path` module: guest paths are never handed to the host as they are.
//! They are walked one component at a time from the root descriptor, with
//! `openat(O_PATH | O_DIRECTORY | O_NOFOLLOW)` for each directory, a stack of opened
//! directories for `..` (popping past the root is `ENOTCAPABLE`), and symlinks read with
//! `readlinkat` and expanded by the walk itself (absolute targets are `ENOTCAPABLE`, more
//! than 40 expansions `ELOOP`). Absolute guest paths are `ENOTCAPABLE`. The walk yields a
//! directory descriptor inside the root and a single final name, and the operation is done
//! with an `*at` call that does not follow a final symlink (`O_NOFOLLOW`,
//! `AT_SYMLINK_NOFOLLOW`); so a symlink swapped in after the walk makes the call fail
//! instead of escaping. `path_symlink` refuses absolute targets. Sockets cannot be opened.
//!
//! Output is not buffered: `fd_write` writes straight to the host descriptor.

mod clock;
pub(crate) mod ctx;
mod edge;
mod fs;
mod mem;
mod misc;
mod path;
#[cfg(test)]
mod tests;
mod types;

pub use ctx::{WasiCtx, WasiSetupError};
#[cfg(feature = "mpi")]
pub(crate) use path::{host_path, HostPath};
pub use types::{Errno, WasiResult};

use crate::host::{Caller, HostFunc, VmCtx};
use wasmpi_abi::types::ValType;

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// A parameter type of an inner WASI function, and the wasm value type that carries it.
trait AbiParam {
    /// The Rust type of the wasm value in the `extern "C"` shim.
    type Abi;
    /// The wasm value type.
    const TYPE: ValType;
    /// Reinterprets the wasm value.
    fn from_abi(v: Self::Abi) -> Self;
}

impl AbiParam for u32 {
    type Abi = i32;
    const TYPE: ValType = ValType::I32;
    fn from_abi(v: i32) -> u32 {
        v as u32
    }
}

impl AbiParam for u64 {
    type Abi = i64;
    const TYPE: ValType = ValType::I64;
    fn from_abi(v: i64) -> u64 {
        v as u64
    }
}

impl AbiParam for i64 {
    type Abi = i64;
    const TYPE: ValType = ValType::I64;
    fn from_abi(v: i64) -> i64 {
        v
    }
}

/// The `i32` a shim returns for a result: 0 or the WASI errno.
fn errno_code(r: WasiResult) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => i32::from(e.0),
    }
}

/// Generates, from `module::name(arg: type, ...)` lines, one `extern "C"` shim per function
/// (in `mod shims`) calling `module::name(mem, cx, args...)`, and the `HostFunc` table.
macro_rules! wasi_functions {
    ($( $module:ident :: $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ); )*) => {
        /// The `extern "C"` entry points compiled wasm calls.
        #[allow(clippy::too_many_arguments)]
        mod shims {
            use super::*;
            $(
                pub(super) unsafe extern "C" fn $name(
                    vmctx: *mut VmCtx
                    $(, $arg: <$ty as AbiParam>::Abi)*
                ) -> i32 {
                    // SAFETY: compiled wasm calls host functions with its own live VM
                    // context, as `Caller::from_vmctx` requires, and `caller` is dropped
                    // before this call returns.
                    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
                    let (mem, cx) = caller.memory_and_wasi();
                    errno_code(super::$module::$name(
                        mem,
                        cx
                        $(, <$ty as AbiParam>::from_abi($arg))*
                    ))
                }
            )*
        }

        /// The generated part of the host function table (everything but `proc_exit`).
        fn generated_functions() -> Vec<HostFunc> {
            vec![$(
                HostFunc {
                    module: MODULE,
                    name: stringify!($name),
                    params: {
                        const PARAMS: &[ValType] = &[$(<$ty as AbiParam>::TYPE),*];
                        PARAMS
                    },
                    results: &[ValType::I32],
                    code: {
                        let f: unsafe extern "C" fn(*mut VmCtx $(, <$ty as AbiParam>::Abi)*) -> i32 =
                            shims::$name;
                        f as usize
                    },
                },
            )*]
        }
    };
}

wasi_functions! {
    misc::args_get(argv: u32, argv_buf: u32);
    misc::args_sizes_get(argc: u32, argv_buf_size: u32);
    misc::environ_get(environ: u32, environ_buf: u32);
    misc::environ_sizes_get(count: u32, buf_size: u32);
    clock::clock_res_get(id: u32, resolution: u32);
    clock::clock_time_get(id: u32, precision: u64, time: u32);
    fs::fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
    fs::fd_allocate(fd: u32, offset: u64, len: u64);
    fs::fd_close(fd: u32);
    fs::fd_datasync(fd: u32);
    fs::fd_fdstat_get(fd: u32, buf: u32);
    fs::fd_fdstat_set_flags(fd: u32, flags: u32);
    fs::fd_fdstat_set_rights(fd: u32, fs_rights_base: u64, fs_rights_inheriting: u64);
    fs::fd_filestat_get(fd: u32, buf: u32);
    fs::fd_filestat_set_size(fd: u32, size: u64);
    fs::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32);
    fs::fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32);
    fs::fd_prestat_get(fd: u32, buf: u32);
    fs::fd_prestat_dir_name(fd: u32, path: u32, path_len: u32);
    fs::fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32);
    fs::fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32);
    fs::fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32);
    fs::fd_renumber(fd: u32, to: u32);
    fs::fd_seek(fd: u32, offset: i64, whence: u32, newoffset: u32);
    fs::fd_sync(fd: u32);
    fs::fd_tell(fd: u32, offset: u32);
    fs::fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32);
    fs::path_create_directory(fd: u32, path: u32, path_len: u32);
    fs::path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, buf: u32);
    fs::path_filestat_set_times(
        fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32,
    );
    fs::path_link(
        old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32,
        new_fd: u32, new_path: u32, new_path_len: u32,
    );
    fs::path_open(
        fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32,
        fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: u32, opened_fd: u32,
    );
    fs::path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32);
    fs::path_remove_directory(fd: u32, path: u32, path_len: u32);
    fs::path_rename(
        fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32,
    );
    fs::path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32);
    fs::path_unlink_file(fd: u32, path: u32, path_len: u32);
    clock::poll_oneoff(in_: u32, out: u32, nsubscriptions: u32, nevents: u32);
    misc::proc_raise(sig: u32);
    misc::sched_yield();
    misc::random_get(buf: u32, buf_len: u32);
    misc::sock_accept(fd: u32, flags: u32, ro_fd: u32);
    misc::sock_recv(
        fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32,
    );
    misc::sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32);
    misc::sock_shutdown(fd: u32, how: u32);
}

/// `proc_exit(rval)`: ends the program with exit status `rval`; never returns.
unsafe extern "C" fn proc_exit(_vmctx: *mut VmCtx, rval: i32) {
    // SAFETY: compiled wasm calls this as a host function, and this frame holds no value
    // that needs drop (only two plain integers/pointers), as `exit_guest` requires.
    unsafe { crate::host::exit_guest(rval) }
}

/// Every WASI preview 1 function (module [`MODULE`]), with its exact wasm signature: the
/// 46 functions of `wasi_snapshot_preview1.witx`, which include all that wasi-libc imports.
pub fn host_functions() -> Vec<HostFunc> {
    let mut funcs = generated_functions();
    let exit: unsafe extern "C" fn(*mut VmCtx, i32) = proc_exit;
    funcs.push(HostFunc {
        module: MODULE,
        name: "proc_exit",
        params: &[ValType::I32],
        results: &[],
        code: exit as usize,
    });
    funcs
}

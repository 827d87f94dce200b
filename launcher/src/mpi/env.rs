//! Environment management: initialization, finalization, abort, timers, error handling,
//! process identity.

use super::cx::{Cx, MpiError, MpiResult};
use super::state::Mpi;
use mpi::ffi;
use std::ffi::c_int;
use wasmpi_abi::mpi as abi;

/// Whether the host MPI is initialized and not yet finalized.
pub fn job_running() -> bool {
    let (mut initialized, mut finalized) = (0, 0);
    // SAFETY: both queries may be called at any time.
    unsafe {
        ffi::MPI_Initialized(&mut initialized);
        ffi::MPI_Finalized(&mut finalized);
    }
    initialized != 0 && finalized == 0
}

fn world_rank() -> Option<i32> {
    if !job_running() {
        return None;
    }
    let mut rank = -1;
    // SAFETY: MPI is initialized; the rank query cannot fail on COMM_WORLD.
    unsafe { ffi::MPI_Comm_rank(ffi::RSMPI_COMM_WORLD, &mut rank) };
    Some(rank)
}

/// Reports `message` for this rank and ends the whole job: `MPI_Abort` on the world
/// communicator when MPI runs, else exit. Never returns.
pub fn abort_job(_mpi: &Mpi, message: &str, code: i32) -> ! {
    abort_with(message, code)
}

/// Waits, for at most a second, until the MPI launcher has read what this process wrote to
/// stdout and stderr, where they are pipes to it. MPICH's mpiexec exits as soon as it handles
/// an abort, dropping output that its proxy forwards after the abort request: when the proxy
/// found a message and the abort waiting at once, the message written just before
/// `MPI_Abort` was sometimes lost. The proxy forwards what it reads before it reads further.
fn drain_output() {
    use std::os::fd::AsFd;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    for fd in [stdout.as_fd(), stderr.as_fd()] {
        let is_pipe = rustix::fs::fstat(fd).is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Fifo
        });
        while is_pipe
            && rustix::io::ioctl_fionread(fd).is_ok_and(|unread| unread > 0)
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

/// [`abort_job`] without an instance (traps, launcher errors).
pub fn abort_with(message: &str, code: i32) -> ! {
    match world_rank() {
        Some(rank) => {
            eprintln!("wasmpirun: rank {rank}: {message}");
            drain_output();
            // SAFETY: MPI is initialized; MPI_Abort does not return.
            unsafe { ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, code.max(1)) };
            std::process::exit(code.max(1))
        }
        None => {
            eprintln!("wasmpirun: {message}");
            std::process::exit(code.max(1))
        }
    }
}

fn after_init(cx: &mut Cx) -> MpiResult<()> {
    crate::signals::reinstall_after_host_init();
    let fatal_off = cx.mpi.host.errhandlers["MPI_ERRORS_RETURN"];
    for comm in [abi::MPI_COMM_WORLD, abi::MPI_COMM_SELF] {
        let host = cx.comm(comm)?;
        // SAFETY: a predefined communicator and error handler.
        cx.check(unsafe { ffi::MPI_Comm_set_errhandler(host, fatal_off) })?;
    }
    cx.mpi.world_rank = world_rank();
    Ok(())
}

/// The MPI family of the host library, from its version string (callable before
/// `MPI_Init`).
fn host_family() -> Option<&'static str> {
    let version = host_library_version().ok()?;
    if version.contains("Open MPI") {
        Some("Open MPI")
    } else if version.contains("MPICH") {
        Some("MPICH")
    } else {
        None
    }
}

/// The family of the MPI launcher that started this process, when it is one that only
/// starts its own family's programs: Open MPI's `mpirun` (which sets `OMPI_COMM_WORLD_SIZE`)
/// or MPICH's `mpiexec`, Hydra (which sets `HYDI_CONTROL_FD`). `srun` and others: `None`.
fn launcher_family() -> Option<&'static str> {
    if std::env::var_os("OMPI_COMM_WORLD_SIZE").is_some() {
        Some("Open MPI")
    } else if std::env::var_os("HYDI_CONTROL_FD").is_some() {
        Some("MPICH")
    } else {
        None
    }
}

/// Before `MPI_Init`: ends the program with one line when the other MPI family's launcher
/// started it, whose ranks the host library cannot join (each would be a job of its own,
/// or `MPI_Init` would fail deep inside).
fn refuse_foreign_launcher() {
    let (Some(ours), Some(launcher)) = (host_family(), launcher_family()) else {
        return;
    };
    if ours == launcher {
        return;
    }
    let start = if launcher == "Open MPI" {
        "mpiexec.mpich"
    } else {
        "mpirun.openmpi"
    };
    let line = format!(
        "wasmpirun: this wasmpirun uses {ours}, but {launcher}'s launcher started it, and \
         {ours} cannot join {launcher}'s job: start it with {ours}'s launcher ({start}, or \
         load the {ours} module), or use a wasmpirun built against {launcher}\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
    std::process::exit(1)
}

fn init(cx: &mut Cx, _argc: i32, _argv: i32) -> MpiResult<()> {
    refuse_foreign_launcher();
    // SAFETY: MPI_Init accepts null argc/argv (the guest's arguments are its own).
    cx.check(unsafe { ffi::MPI_Init(std::ptr::null_mut(), std::ptr::null_mut()) })?;
    after_init(cx)
}

fn thread_level_to_host(cx: &Cx, level: i32) -> MpiResult<i32> {
    let name = match level {
        abi::MPI_THREAD_SINGLE => "MPI_THREAD_SINGLE",
        abi::MPI_THREAD_FUNNELED => "MPI_THREAD_FUNNELED",
        abi::MPI_THREAD_SERIALIZED => "MPI_THREAD_SERIALIZED",
        abi::MPI_THREAD_MULTIPLE => "MPI_THREAD_MULTIPLE",
        other => {
            return Err(MpiError::new(
                abi::MPI_ERR_ARG,
                format!("invalid thread level {other}"),
            ))
        }
    };
    Ok(cx.mpi.host.int(name))
}

fn thread_level_to_guest(cx: &Cx, host: i32) -> i32 {
    [
        abi::MPI_THREAD_SINGLE,
        abi::MPI_THREAD_FUNNELED,
        abi::MPI_THREAD_SERIALIZED,
        abi::MPI_THREAD_MULTIPLE,
    ]
    .into_iter()
    .find(|&g| thread_level_to_host(cx, g).ok() == Some(host))
    .unwrap_or(abi::MPI_THREAD_SINGLE)
}

fn init_thread(cx: &mut Cx, _argc: i32, _argv: i32, required: i32, provided: u32) -> MpiResult<()> {
    refuse_foreign_launcher();
    let required = thread_level_to_host(cx, required)?;
    let mut host_provided = 0;
    // SAFETY: null argc/argv are allowed; provided is a valid out-pointer.
    cx.check(unsafe {
        ffi::MPI_Init_thread(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            required,
            &mut host_provided,
        )
    })?;
    after_init(cx)?;
    let level = thread_level_to_guest(cx, host_provided);
    cx.write_i32(provided, level)
}

fn query_thread(cx: &mut Cx, provided: u32) -> MpiResult<()> {
    let mut host = 0;
    // SAFETY: valid out-pointer.
    cx.check(unsafe { ffi::MPI_Query_thread(&mut host) })?;
    let level = thread_level_to_guest(cx, host);
    cx.write_i32(provided, level)
}

fn flag_query(
    cx: &mut Cx,
    out: u32,
    query: unsafe extern "C" fn(*mut c_int) -> c_int,
) -> MpiResult<()> {
    let mut flag = 0;
    // SAFETY: valid out-pointer.
    cx.check(unsafe { query(&mut flag) })?;
    cx.write_i32(out, flag)
}

fn initialized(cx: &mut Cx, flag: u32) -> MpiResult<()> {
    flag_query(cx, flag, ffi::MPI_Initialized)
}

fn finalized(cx: &mut Cx, flag: u32) -> MpiResult<()> {
    flag_query(cx, flag, ffi::MPI_Finalized)
}

fn is_thread_main(cx: &mut Cx, flag: u32) -> MpiResult<()> {
    flag_query(cx, flag, ffi::MPI_Is_thread_main)
}

fn finalize(cx: &mut Cx) -> MpiResult<()> {
    // SAFETY: no arguments.
    cx.check(unsafe { ffi::MPI_Finalize() })
}

fn abort(cx: &mut Cx, comm: i32, code: i32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    if let Some(rank) = cx.mpi.world_rank {
        eprintln!("wasmpirun: rank {rank}: MPI_Abort called with error code {code}");
    }
    drain_output();
    // SAFETY: a valid communicator; MPI_Abort ends the job.
    cx.check(unsafe { ffi::MPI_Abort(host, code) })
}

fn comm_rank(cx: &mut Cx, comm: i32, rank: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let mut value = 0;
    // SAFETY: valid communicator and out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_rank(host, &mut value) })?;
    cx.write_i32(rank, value)
}

fn comm_size(cx: &mut Cx, comm: i32, size: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let mut value = 0;
    // SAFETY: valid communicator and out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_size(host, &mut value) })?;
    cx.write_i32(size, value)
}

/// Writes a host string into a guest buffer of `capacity` bytes (NUL-terminated) and its
/// length into `len_out`.
pub(super) fn write_string(
    cx: &mut Cx,
    buf: u32,
    capacity: usize,
    len_out: u32,
    text: &[u8],
) -> MpiResult<()> {
    let n = text.len().min(capacity.saturating_sub(1));
    let mut bytes = text[..n].to_vec();
    bytes.push(0);
    crate::guest::write_bytes(cx.mem(), buf, &bytes)?;
    cx.write_i32(len_out, n as i32)
}

fn get_processor_name(cx: &mut Cx, name: u32, resultlen: u32) -> MpiResult<()> {
    let mut buf = vec![0u8; 1024];
    let mut len = 0;
    // SAFETY: the buffer is larger than any host MPI_MAX_PROCESSOR_NAME.
    cx.check(unsafe { ffi::MPI_Get_processor_name(buf.as_mut_ptr().cast(), &mut len) })?;
    buf.truncate(usize::try_from(len).unwrap_or(0));
    write_string(
        cx,
        name,
        abi::MPI_MAX_PROCESSOR_NAME as usize,
        resultlen,
        &buf,
    )
}

fn get_version(cx: &mut Cx, version: u32, subversion: u32) -> MpiResult<()> {
    cx.write_i32(version, abi::MPI_VERSION)?;
    cx.write_i32(subversion, abi::MPI_SUBVERSION)
}

/// The host MPI library's version string (callable before `MPI_Init`), or its error code.
fn host_library_version() -> Result<String, c_int> {
    let mut buf = vec![0u8; 16384];
    let mut len = 0;
    // SAFETY: the buffer is larger than any host MPI_MAX_LIBRARY_VERSION_STRING, and len is
    // a valid out-pointer.
    let rc = unsafe { ffi::MPI_Get_library_version(buf.as_mut_ptr().cast(), &mut len) };
    if rc != 0 {
        return Err(rc);
    }
    buf.truncate(usize::try_from(len).unwrap_or(0));
    Ok(String::from_utf8_lossy(&buf)
        .trim_end_matches('\0')
        .to_string())
}

fn get_library_version(cx: &mut Cx, version: u32, resultlen: u32) -> MpiResult<()> {
    let host = host_library_version().map_err(|rc| cx.host_error(rc))?;
    let text = format!("wasmpi {} on {host}", wasmpi_abi::VERSION);
    write_string(
        cx,
        version,
        abi::MPI_MAX_LIBRARY_VERSION_STRING as usize,
        resultlen,
        text.as_bytes(),
    )
}

fn pcontrol(_cx: &mut Cx, _level: i32, _varargs: i32) -> MpiResult<()> {
    Ok(())
}

/// Guest error classes are the error codes wasmpi returns, so a code is its own class.
fn error_class(cx: &mut Cx, code: i32, class: u32) -> MpiResult<()> {
    if !(abi::MPI_SUCCESS..=abi::MPI_ERR_LASTCODE).contains(&code) {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("invalid error code {code}"),
        ));
    }
    cx.write_i32(class, code)
}

fn error_string(cx: &mut Cx, code: i32, string: u32, resultlen: u32) -> MpiResult<()> {
    let name = abi::CONSTANTS
        .iter()
        .find(|(name, value)| {
            *value == i64::from(code) && (name.starts_with("MPI_ERR_") || *name == "MPI_SUCCESS")
        })
        .map(|(name, _)| *name)
        .ok_or_else(|| MpiError::new(abi::MPI_ERR_ARG, format!("invalid error code {code}")))?;
    let text = match name {
        "MPI_SUCCESS" => "MPI_SUCCESS: no errors".to_string(),
        other => format!(
            "{other}: {}",
            other
                .trim_start_matches("MPI_ERR_")
                .to_lowercase()
                .replace('_', " ")
        ),
    };
    write_string(
        cx,
        string,
        abi::MPI_MAX_ERROR_STRING as usize,
        resultlen,
        text.as_bytes(),
    )
}

fn comm_set_errhandler(cx: &mut Cx, comm: i32, errhandler: i32) -> MpiResult<()> {
    cx.comm(comm)?;
    if errhandler != abi::MPI_ERRORS_ARE_FATAL && errhandler != abi::MPI_ERRORS_RETURN {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("unsupported error handler {errhandler}"),
        ));
    }
    if let Some(entry) = cx.mpi.comms.get_mut(comm) {
        entry.errhandler = errhandler;
    }
    Ok(())
}

fn comm_get_errhandler(cx: &mut Cx, comm: i32, errhandler: u32) -> MpiResult<()> {
    cx.comm(comm)?;
    let value = cx
        .mpi
        .comms
        .get(comm)
        .map_or(abi::MPI_ERRORS_ARE_FATAL, |c| c.errhandler);
    cx.write_i32(errhandler, value)
}

fn errhandler_free(cx: &mut Cx, errhandler: u32) -> MpiResult<()> {
    cx.write_i32(errhandler, abi::MPI_ERRHANDLER_NULL)
}

super::mpi_functions! {
    init => MPI_Init(argc: i32, argv: i32);
    init_thread => MPI_Init_thread(argc: i32, argv: i32, required: i32, provided: u32);
    initialized => MPI_Initialized(flag: u32);
    finalize => MPI_Finalize();
    finalized => MPI_Finalized(flag: u32);
    abort => MPI_Abort(comm: i32, errorcode: i32);
    query_thread => MPI_Query_thread(provided: u32);
    is_thread_main => MPI_Is_thread_main(flag: u32);
    comm_rank => MPI_Comm_rank(comm: i32, rank: u32);
    comm_size => MPI_Comm_size(comm: i32, size: u32);
    get_processor_name => MPI_Get_processor_name(name: u32, resultlen: u32);
    get_version => MPI_Get_version(version: u32, subversion: u32);
    get_library_version => MPI_Get_library_version(version: u32, resultlen: u32);
    pcontrol => MPI_Pcontrol(level: i32, varargs: i32);
    error_class => MPI_Error_class(errorcode: i32, errorclass: u32);
    error_string => MPI_Error_string(errorcode: i32, string: u32, resultlen: u32);
    comm_set_errhandler => MPI_Comm_set_errhandler(comm: i32, errhandler: i32);
    comm_get_errhandler => MPI_Comm_get_errhandler(comm: i32, errhandler: u32);
    errhandler_free => MPI_Errhandler_free(errhandler: u32);
}

unsafe extern "C" fn wtime(_vmctx: *mut crate::host::VmCtx) -> f64 {
    // SAFETY: MPI_Wtime has no preconditions.
    unsafe { ffi::MPI_Wtime() }
}

unsafe extern "C" fn wtick(_vmctx: *mut crate::host::VmCtx) -> f64 {
    // SAFETY: MPI_Wtick has no preconditions.
    unsafe { ffi::MPI_Wtick() }
}

/// `MPI_Alloc_mem` for modules built with other headers (wasmpi's `mpi.h` calls `malloc`
/// directly): allocates with the module's exported `malloc`. Modules built as WASI commands
/// wrap their exports in constructor calls, so this is what such modules always did, not
/// something wasmpi's own header relies on.
unsafe extern "C" fn alloc_mem(
    vmctx: *mut crate::host::VmCtx,
    size: i32,
    _info: i32,
    baseptr: u32,
) -> i32 {
    // SAFETY: compiled wasm passes its own live VM context.
    let mut caller = unsafe { crate::host::Caller::from_vmctx(&vmctx) };
    let result = match caller.call(
        crate::host::Callee::Export("malloc"),
        &[crate::Val::I32(size.max(1))],
    ) {
        Ok(values) => match values.first() {
            Some(crate::Val::I32(0)) => Err(MpiError::new(
                abi::MPI_ERR_NO_MEM,
                format!("malloc({size}) failed"),
            )),
            Some(crate::Val::I32(ptr)) => Ok(*ptr),
            _ => Err(MpiError::new(
                abi::MPI_ERR_OTHER,
                "the module's malloc has an unexpected type",
            )),
        },
        Err(crate::Error::NoSuchExport(_)) => Err(MpiError::new(
            abi::MPI_ERR_OTHER,
            "the module exports no malloc: build it with wasmpi's mpi.h",
        )),
        Err(e) => abort_with(&format!("MPI_Alloc_mem: {e}"), 1),
    };
    let mut cx = caller.mpi_cx();
    let result = result.and_then(|ptr| cx.write_i32(baseptr, ptr));
    cx.finish("MPI_Alloc_mem", result)
}

/// `MPI_Free_mem` for modules built with other headers: the module's exported `free`.
unsafe extern "C" fn free_mem(vmctx: *mut crate::host::VmCtx, base: i32) -> i32 {
    // SAFETY: compiled wasm passes its own live VM context.
    let mut caller = unsafe { crate::host::Caller::from_vmctx(&vmctx) };
    let result = match caller.call(
        crate::host::Callee::Export("free"),
        &[crate::Val::I32(base)],
    ) {
        Ok(_) => Ok(()),
        Err(crate::Error::NoSuchExport(_)) => Err(MpiError::new(
            abi::MPI_ERR_OTHER,
            "the module exports no free: build it with wasmpi's mpi.h",
        )),
        Err(e) => abort_with(&format!("MPI_Free_mem: {e}"), 1),
    };
    caller.mpi_cx().finish("MPI_Free_mem", result)
}

/// Functions whose wasm result is not an error code.
pub(super) fn special_functions() -> Vec<crate::host::HostFunc> {
    use wasmpi_abi::types::ValType;
    let timer =
        |name, code: unsafe extern "C" fn(*mut crate::host::VmCtx) -> f64| crate::host::HostFunc {
            module: super::MODULE,
            name,
            params: &[],
            results: &[ValType::F64],
            code: code as *const () as usize,
        };
    type Alloc = unsafe extern "C" fn(*mut crate::host::VmCtx, i32, i32, u32) -> i32;
    type Free = unsafe extern "C" fn(*mut crate::host::VmCtx, i32) -> i32;
    let (alloc, free): (Alloc, Free) = (alloc_mem, free_mem);
    vec![
        timer("MPI_Wtime", wtime),
        timer("MPI_Wtick", wtick),
        crate::host::HostFunc {
            module: super::MODULE,
            name: "MPI_Alloc_mem",
            params: &[ValType::I32; 3],
            results: &[ValType::I32],
            code: alloc as *const () as usize,
        },
        crate::host::HostFunc {
            module: super::MODULE,
            name: "MPI_Free_mem",
            params: &[ValType::I32],
            results: &[ValType::I32],
            code: free as *const () as usize,
        },
    ]
}

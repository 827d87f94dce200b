//! Signals under a real `mpirun`. A SIGSEGV sent with `kill` to a rank's process while it
//! runs wasm after `MPI_Init` is not a wasm trap: the launcher's handler passes it on to the
//! action that was there before it, the MPI library's own handler where the library
//! installed one (UCX, under MPICH), else the default action (Open MPI 4.1 installs none
//! once a handler is in place, as the launcher's is when the guest calls `MPI_Init`). A
//! handler that `MPI_Init` installs over the launcher's (a preloaded shim plays that
//! library) gets such signals too, while wasm traps keep working.

use crate::common::mpi::*;
use crate::common::*;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the ranks may take to start and report that they spin.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the job may take to end once the signal is sent.
const END_TIMEOUT: Duration = Duration::from_secs(60);

/// What the MPI library's handler prints when the signal reaches it, for the family under
/// test; `None` where the library installs no handler under the launcher's.
fn library_handler_message() -> Option<&'static str> {
    match Flavor::current() {
        // UCX's handler, installed when libucs is loaded (before the launcher's handler).
        Flavor::Mpich => Some("Caught signal 11 (Segmentation fault"),
        // Open MPI's opal installs its handler ("Process received signal") in MPI_Init only
        // where SIGSEGV still has the default action or is ignored.
        Flavor::OpenMpi => None,
    }
}

/// The pid of the process that has `tag` among its arguments and runs as world rank `rank`
/// (from the rank variable Open MPI or MPICH put in its environment), if there is one.
fn rank_process(tag: &OsStr, rank: u32) -> Option<i32> {
    let wanted = tag.as_encoded_bytes();
    let rank_vars = [
        format!("OMPI_COMM_WORLD_RANK={rank}"),
        format!("PMI_RANK={rank}"),
    ];
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            if !cmdline.split(|&b| b == 0).any(|arg| arg == wanted) {
                return None;
            }
            let environ = std::fs::read(entry.path().join("environ")).ok()?;
            environ
                .split(|&b| b == 0)
                .any(|var| rank_vars.iter().any(|r| var == r.as_bytes()))
                .then_some(pid)
        })
}

/// Everything written to the files under `dir` (the ranks' output), concatenated.
fn files_text(dir: &Path) -> String {
    let mut text = String::new();
    let mut pending: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(
                std::fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else if let Ok(bytes) = std::fs::read(&path) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

/// Sends `signal` to `pid`.
fn send(pid: i32, signal: libc::c_int) {
    // SAFETY: kill has no memory-safety preconditions; the pid is one of this job's processes.
    unsafe { libc::kill(pid, signal) };
}

/// What the thread that sends the signal saw.
#[derive(Debug)]
enum Sent {
    /// Rank 1 never said it spins (or never showed up in /proc) before the job ended or the
    /// start timeout.
    NeverReady,
    /// SIGSEGV was sent; `ended` tells whether the job ended within [`END_TIMEOUT`] (if not,
    /// it was terminated).
    Sent { ended: bool },
}

/// How a job whose rank 1 was sent SIGSEGV ended.
struct Ended {
    /// Everything mpirun and the ranks wrote.
    report: String,
    /// All of it, for failure messages.
    describe: String,
}

/// Runs `signal_spin` on 2 ranks with `extra` mpirun options, sends SIGSEGV to rank 1's
/// process with `kill` once it spins in wasm, and waits for the job to end (at most
/// [`END_TIMEOUT`], after which it is terminated and the test fails: the signal was lost).
/// Asserts that the job failed and that the signal was not taken for a wasm trap.
fn spin_and_send_sigsegv(extra: &[String]) -> Ended {
    let wasm = build_wasm("signal_spin");
    let output_dir = temp_dir("signal-spin");
    // The program ignores its argument: it tells this job's ranks from those of other tests.
    let tag = output_dir.path().as_os_str().to_os_string();
    let mut program: Vec<&OsStr> = WasmArch::current().launcher();
    program.extend([wasm.as_os_str(), &tag]);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut cmd = mpirun(2, &extra, &program, Some(output_dir.path()));

    let mpirun_pid = Arc::new(AtomicU32::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let sender = {
        let (tag, dir) = (tag.clone(), output_dir.path().to_path_buf());
        let (mpirun_pid, finished) = (mpirun_pid.clone(), finished.clone());
        std::thread::spawn(move || {
            let start = Instant::now();
            let target = loop {
                if finished.load(Ordering::Acquire) || start.elapsed() > START_TIMEOUT {
                    break None;
                }
                if files_text(&dir).contains("rank 1: spinning") {
                    if let Some(pid) = rank_process(&tag, 1) {
                        break Some(pid);
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            let Some(pid) = target else {
                let pid = mpirun_pid.load(Ordering::Acquire);
                if pid != 0 && !finished.load(Ordering::Acquire) {
                    send(pid as i32, libc::SIGTERM);
                }
                return Sent::NeverReady;
            };
            send(pid, libc::SIGSEGV);
            let sent = Instant::now();
            while sent.elapsed() < END_TIMEOUT {
                if finished.load(Ordering::Acquire) {
                    return Sent::Sent { ended: true };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // The signal was lost: end the job and every rank.
            send(mpirun_pid.load(Ordering::Acquire) as i32, libc::SIGTERM);
            for rank in 0..2 {
                if let Some(pid) = rank_process(&tag, rank) {
                    send(pid, libc::SIGKILL);
                }
            }
            Sent::Sent { ended: false }
        })
    };
    let out = run_watching(
        &mut cmd,
        &format!("signal_spin on 2 ranks {extra:?}, rank 1 sent SIGSEGV"),
        |pid| {
            mpirun_pid.store(pid, Ordering::Release);
            all_children_exited(pid)
        },
    );
    finished.store(true, Ordering::Release);
    let sent = sender.join().expect("the sending thread");
    let ranks_output = files_text(output_dir.path());
    let report = format!("{}{}{ranks_output}", out.stderr_text(), out.stdout_text());
    let describe = format!(
        "{}\n--- ranks' output files ---\n{ranks_output}",
        out.describe()
    );
    match sent {
        Sent::NeverReady => panic!("rank 1 never said it spins\n{describe}"),
        Sent::Sent { ended: false } => panic!(
            "the job went on for {}s after rank 1 was sent SIGSEGV: the signal was lost\n{describe}",
            END_TIMEOUT.as_secs()
        ),
        Sent::Sent { ended: true } => {}
    }
    assert_ne!(out.status.code(), Some(0), "{describe}");
    assert!(
        !report.contains("wasm trap"),
        "a sent SIGSEGV was taken for a wasm trap\n{describe}"
    );
    assert!(!report.contains("unreachable"), "{describe}");
    Ended { report, describe }
}

#[test]
fn a_sigsegv_sent_to_a_rank_goes_to_the_mpi_librarys_handler_or_the_default_action() {
    let Ended { report, describe } = spin_and_send_sigsegv(&[]);
    let signal_11 = regex::Regex::new(r"(?i)signal:? 11\b|exit code: 11\b").expect("regex");
    assert!(
        signal_11.is_match(&report),
        "the job's report does not name signal 11\n{describe}"
    );
    match library_handler_message() {
        Some(message) => assert!(
            report.contains(message),
            "the MPI library's handler did not run (no `{message}`)\n{describe}"
        ),
        None => println!(
            "{:?} installs no SIGSEGV handler of its own under the launcher's: checked that the \
             signal got the default action (the rank died of it) instead",
            Flavor::current()
        ),
    }
}

/// Builds `tests/mpi/init_handler_shim.c` (an `MPI_Init` that installs its own fault
/// handler over the launcher's after the real one returned) as a shared library in `dir`,
/// and returns the `mpirun` options that preload it into every rank. `None`, with the reason
/// printed, where the ranks do not run on this machine's architecture.
fn preload_init_handler_shim(dir: &Path) -> Option<Vec<String>> {
    if let WasmArch::Aarch64(_) = WasmArch::current() {
        println!("skipped: the preloaded MPI_Init shim is built for this machine, not aarch64");
        return None;
    }
    let source = source("init_handler_shim");
    let shim = dir.join("init_handler_shim.so");
    compile(
        Flavor::current().mpicc(),
        &[
            OsStr::new("-shared"),
            OsStr::new("-fPIC"),
            OsStr::new("-O2"),
            source.as_os_str(),
            OsStr::new("-o"),
            shim.as_os_str(),
        ],
    )
    .unwrap_or_else(|e| panic!("building the MPI_Init shim: {e}"));
    let shim = shim.display().to_string();
    Some(match Flavor::current() {
        Flavor::OpenMpi => vec!["-x".into(), format!("LD_PRELOAD={shim}")],
        Flavor::Mpich => vec!["-env".into(), "LD_PRELOAD".into(), shim],
    })
}

#[test]
fn wasm_traps_still_work_after_mpi_init_installs_a_handler_over_the_launchers() {
    let dir = temp_dir("init-handler-shim");
    let Some(preload) = preload_init_handler_shim(dir.path()) else {
        return;
    };
    let preload: Vec<&str> = preload.iter().map(String::as_str).collect();
    let wasm = build_wasm("trap_rank");
    let mut program = WasmArch::current().launcher();
    program.push(wasm.as_os_str());
    let out = run_mpi(2, &preload, &program, "trap_rank on 2 ranks, MPI_Init shim");
    assert_job_aborted(&out, |l| {
        l.starts_with("wasmpirun: rank 1: wasm trap: unreachable executed in fail_on_rank_one")
    });
    assert!(
        !out.stderr_text().contains("shim handler"),
        "the trap went to the handler MPI_Init installed\n{}",
        out.describe()
    );
}

#[test]
fn a_sigsegv_sent_to_a_rank_reaches_a_handler_that_mpi_init_installed() {
    let dir = temp_dir("init-handler-shim");
    let Some(preload) = preload_init_handler_shim(dir.path()) else {
        return;
    };
    let Ended { report, describe } = spin_and_send_sigsegv(&preload);
    assert!(
        report.contains("shim handler: signal 11"),
        "the handler MPI_Init installed did not get the signal\n{describe}"
    );
}

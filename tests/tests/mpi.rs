//! MPI programs under real `mpirun`: built natively with `mpicc` and to wasm with `wasmpi cc`,
//! run on 1, 2 and 4 ranks (Open MPI also over TCP only); they must print the same lines (in
//! any order across ranks) and exit the same way. Error programs run as wasm only and must fail
//! the way the guest ABI promises.
//!
//! This is the `mpi` test binary, every MPI test and nothing else (scripts/test.sh runs it
//! again against MPICH and on aarch64): the basics and job aborts here, further areas in the
//! `mpi_*.rs` modules next to this file, all with the same harness (`common/mpi.rs`). A test
//! is named `mpi_coll::user_defined_operations` or, for those of this file, `point_to_point`.

mod common;

mod mpi_coll;
mod mpi_comm;
mod mpi_dtype;
mod mpi_p2p;
mod mpi_rmaio;
mod mpi_signals;

use common::mpi::*;
use common::{run, run_cache};
use std::process::Command;

#[test]
fn point_to_point() {
    same_as_native("p2p_basic");
}

#[test]
fn collectives() {
    same_as_native("coll_basic");
}

#[test]
fn bad_buffers_counts_and_handles_are_refused() {
    let out = run_wasm("err_buffer", 2, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let lines = sorted_lines(&out.stdout_text());
    for rank in 0..2 {
        for expected in [
            "past end -> MPI_ERR_BUFFER",
            "negative count -> MPI_ERR_COUNT",
            "bogus datatype -> MPI_ERR_TYPE",
            "send to rank 99 -> MPI_ERR_RANK",
            "receive from rank 99 -> MPI_ERR_RANK",
            "bogus communicator -> MPI_ERR_COMM",
        ] {
            let line = format!("rank {rank}: {expected}");
            assert!(
                lines.contains(&line),
                "missing `{line}`\n{}",
                out.describe()
            );
        }
    }
}

#[test]
fn a_fatal_error_aborts_the_job_naming_rank_and_call() {
    let out = run_wasm("err_buffer", 4, &["fatal"]);
    assert_job_aborted(&out, |l| {
        l.starts_with("wasmpirun: rank 1: MPI_Recv: buffer [")
            && l.contains("outside linear memory")
    });
}

#[test]
fn cxx_with_exceptions_runs_like_native_while_nothing_is_thrown() {
    same_as_native("cxx_exceptions");
}

#[test]
fn an_uncaught_cxx_exception_aborts_the_job_naming_rank_type_and_what() {
    let out = run_wasm("cxx_exceptions", 2, &["throw"]);
    assert_job_aborted(&out, |l| {
        l == "wasmpirun: rank 1: uncaught C++ exception of type `std::runtime_error`: \
               rank 1 gave up on purpose"
    });
}

#[test]
fn a_path_outside_every_dir_is_named_once_per_rank_with_the_rank() {
    let out = run_wasm("sandbox_hint", 2, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    assert_eq!(
        sorted_lines(&out.stdout_text()),
        ["rank 0: refused (errno 76)", "rank 1: refused (errno 76)"],
        "{}",
        out.describe()
    );
    let stderr = out.stderr_text();
    for rank in 0..2 {
        let hint = format!("wasmpirun: rank {rank}: the sandbox refused `report.txt`: no --dir");
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with(&hint)).count(),
            1,
            "{}",
            out.describe()
        );
    }
}

/// A wasmpirun built against one MPI family, started by the other family's launcher, says
/// so in one line per rank and stops, rather than running as independent jobs.
#[test]
fn the_other_mpi_familys_launcher_is_named_and_refused() {
    if !matches!(WasmArch::current(), WasmArch::Host) {
        println!("skipped: the aarch64 ranks run under the MPICH launcher only");
        return;
    }
    let wasm = build_wasm("p2p_basic");
    let (ours, other) = match Flavor::current() {
        Flavor::OpenMpi => ("Open MPI", Flavor::Mpich),
        Flavor::Mpich => ("MPICH", Flavor::OpenMpi),
    };
    let theirs = match other {
        Flavor::OpenMpi => "Open MPI",
        Flavor::Mpich => "MPICH",
    };
    let mut cmd = Command::new(other.mpirun());
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, run_cache());
    if other == Flavor::OpenMpi {
        cmd.args(["--oversubscribe", "--bind-to", "none"]);
    }
    cmd.args(["-np", "2"])
        .args(WasmArch::current().launcher())
        .arg(&wasm);
    let out = run(&mut cmd, "p2p_basic under the other family's launcher");
    assert_ne!(out.status.code(), Some(0), "{}", out.describe());
    let expected =
        format!("wasmpirun: this wasmpirun uses {ours}, but {theirs}'s launcher started it");
    let lines = out
        .stderr_text()
        .lines()
        .filter(|l| l.starts_with(&expected))
        .count();
    assert_eq!(lines, 2, "{}", out.describe());
}

#[test]
fn a_trap_on_one_rank_aborts_the_whole_job() {
    let out = run_wasm("trap_rank", 4, &[]);
    assert_job_aborted(&out, |l| {
        l.starts_with("wasmpirun: rank 1: wasm trap: unreachable executed in fail_on_rank_one")
    });
}

/// The pid of the process running `wasm wait` as world rank `rank` (from the rank variable
/// Open MPI or MPICH put in its environment), if there is one.
fn rank_process(wasm: &std::path::Path, rank: u32) -> Option<u32> {
    let wanted = wasm.as_os_str().as_encoded_bytes();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            // Other tests run the same module without `wait`.
            if !args.windows(2).any(|w| w[0] == wanted && w[1] == b"wait") {
                return None;
            }
            let environ = std::fs::read(entry.path().join("environ")).ok()?;
            let rank_vars = [
                format!("OMPI_COMM_WORLD_RANK={rank}"),
                format!("PMI_RANK={rank}"),
            ];
            environ
                .split(|&b| b == 0)
                .any(|var| rank_vars.iter().any(|r| var == r.as_bytes()))
                .then_some(pid)
        })
}

#[test]
fn a_rank_killed_with_sigkill_ends_the_job_naming_the_signal() {
    let wasm = build_wasm("trap_rank");
    let killer = {
        let wasm = wasm.clone();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            while std::time::Instant::now() < deadline {
                if let Some(pid) = rank_process(&wasm, 1) {
                    // Let every rank reach its receive first.
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    let status = std::process::Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                    return status.is_ok_and(|s| s.success());
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            false
        })
    };
    let mut program = WasmArch::current().launcher();
    program.extend([wasm.as_os_str(), "wait".as_ref()]);
    let out = run_mpi(4, &[], &program, "trap_rank wait, rank 1 killed");
    assert!(
        killer.join().expect("killer thread"),
        "rank 1 was never found to kill\n{}",
        out.describe()
    );
    let signal_9 = regex::Regex::new("(?i)signal:? 9").expect("regex");
    assert_job_aborted(&out, |l| signal_9.is_match(l));
}

#[test]
fn alloc_mem_through_the_imports_of_other_headers() {
    same_as_native("alloc_mem_legacy");
}

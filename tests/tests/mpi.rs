//! MPI programs under real `mpirun`: built natively with `mpicc` and to wasm with `wasmpi cc`,
//! run on 1, 2 and 4 ranks (Open MPI also over TCP only); they must print the same lines (in
//! any order across ranks) and exit the same way. Error programs run as wasm only and must fail
//! the way the guest ABI promises. Other `mpi_*.rs` files cover further areas with the same
//! harness (`common/mpi.rs`).

mod common;

use common::mpi::*;

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
    assert_ne!(out.status.code(), Some(0), "{}", out.describe());
    let stderr = out.stderr_text();
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("wasmpirun: rank 1: MPI_Recv: buffer [")
                && l.contains("outside linear memory")),
        "{}",
        out.describe()
    );
    assert!(
        !out.stdout_text().contains("unreachable"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_trap_on_one_rank_aborts_the_whole_job() {
    let out = run_wasm("trap_rank", 4, &[]);
    assert_ne!(out.status.code(), Some(0), "{}", out.describe());
    let stderr = out.stderr_text();
    assert!(
        stderr.lines().any(|l| l
            .starts_with("wasmpirun: rank 1: wasm trap: unreachable executed in fail_on_rank_one")),
        "{}",
        out.describe()
    );
    assert!(
        !out.stdout_text().contains("unreachable"),
        "{}",
        out.describe()
    );
}

#[test]
fn alloc_mem_through_the_imports_of_other_headers() {
    same_as_native("alloc_mem_legacy");
}

//! Collectives beyond the core set: v and w variants, reduce-scatter, non-blocking
//! collectives and user-defined reduction operations, compared with native runs under
//! `mpirun`; error cases and a trap inside a user function run as wasm only.

use crate::common::mpi::*;

#[test]
fn v_and_w_variants_reduce_scatter_and_reduce_local() {
    same_as_native("coll_v");
}

#[test]
fn every_nonblocking_collective() {
    same_as_native("coll_nb");
}

#[test]
fn user_defined_operations() {
    same_as_native("coll_ops");
}

#[test]
fn bad_collective_arguments_are_refused() {
    let out = run_wasm("coll_err", 2, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let lines = sorted_lines(&out.stdout_text());
    // Unless the host's long double is binary128 like the guest's (x86 has 80-bit ones),
    // predefined reductions on long double are refused rather than computed wrongly.
    let host_binary128 = match WasmArch::current() {
        WasmArch::Host => wasmpi_abi::mpi::HOST_LONG_DOUBLE_IS_BINARY128,
        WasmArch::Aarch64(_) => true,
    };
    let long_double = if host_binary128 {
        "MPI_SUCCESS"
    } else {
        "MPI_ERR_TYPE"
    };
    let expected = [
        ("op create without scratch", "MPI_ERR_OTHER"),
        ("gatherv displacement past end", "MPI_ERR_BUFFER"),
        ("gatherv block straddling end", "MPI_ERR_BUFFER"),
        ("gatherv in bounds", "MPI_SUCCESS"),
        ("gatherv negative count", "MPI_ERR_COUNT"),
        ("gatherv counts array past end", "MPI_ERR_ARG"),
        ("igatherv displacement past end", "MPI_ERR_BUFFER"),
        ("alltoallw bogus datatype", "MPI_ERR_TYPE"),
        ("alltoallw byte displacement past end", "MPI_ERR_BUFFER"),
        ("alltoallv negative count", "MPI_ERR_COUNT"),
        ("scatterv displacement past end", "MPI_ERR_BUFFER"),
        ("reduce_scatter negative count", "MPI_ERR_COUNT"),
        ("allreduce sum long double", long_double),
        ("reduce_local max long double", long_double),
        ("iallreduce sum long double int", long_double),
        ("op free predefined", "MPI_ERR_OP"),
        ("op create beyond the pool", "MPI_ERR_OTHER"),
        ("op create after freeing", "MPI_SUCCESS"),
    ];
    let mut missing = Vec::new();
    for rank in 0..2 {
        for (what, class) in expected {
            let line = format!("rank {rank}: {what} -> {class}");
            if !lines.contains(&line) {
                missing.push(line);
            }
        }
        let line = format!("rank {rank}: created 64 ops before refusal");
        if !lines.contains(&line) {
            missing.push(line);
        }
    }
    for line in [
        "rank 0: gatherv world root -> MPI_SUCCESS",
        "rank 1: gatherv world non-root garbage -> MPI_SUCCESS",
        "rank 0: gatherv world result right",
    ] {
        if !lines.iter().any(|l| l == line) {
            missing.push(line.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "missing {missing:#?}\n{}",
        out.describe()
    );
}

#[test]
fn a_fatal_gatherv_error_names_rank_call_and_block() {
    let out = run_wasm("coll_err", 4, &["fatal"]);
    assert_job_aborted(&out, |l| {
        l.starts_with("wasmpirun: rank 1: MPI_Gatherv: block 0 (displacement ")
            && l.contains("outside linear memory")
    });
}

#[test]
fn an_mpi_call_inside_a_user_operation_ends_the_job_naming_the_rule() {
    let out = run_wasm("coll_op_calls_mpi", 4, &[]);
    assert_job_aborted(&out, |l| {
        l.starts_with("wasmpirun: rank ")
            && l.contains("called an MPI function inside a user-defined reduction operation")
    });
}

#[test]
fn a_trap_in_a_user_operation_aborts_the_job() {
    let out = run_wasm("coll_optrap", 4, &[]);
    assert_job_aborted(&out, |l| {
        l.starts_with("wasmpirun: rank 1: wasm trap: unreachable executed in trapping_sum")
    });
}

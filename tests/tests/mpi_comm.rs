//! Communicators, groups, topologies, info objects and attributes: programs
//! `tests/mpi/comm_*.c` built natively and to wasm must print the same lines on 1, 2 and 4
//! ranks (and over TCP); error programs run as wasm only and must fail the way the guest ABI
//! promises.

use crate::common::mpi::*;

#[test]
fn split_dup_create_free_and_names() {
    same_as_native("comm_create");
}

#[test]
fn group_operations_and_translate_ranks() {
    same_as_native("comm_group");
}

#[test]
fn cartesian_graph_and_dist_graph_topologies_with_neighbour_collectives() {
    same_as_native("comm_topo");
}

#[test]
fn info_objects_and_attributes() {
    same_as_native("comm_info_attr");
}

#[test]
fn freed_and_predefined_handles_and_bad_arguments_are_refused() {
    let out = run_wasm("comm_err", 2, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let lines = sorted_lines(&out.stdout_text());
    for rank in 0..2 {
        for expected in [
            "dup inherits MPI_ERRORS_RETURN 1",
            "negative count on the dup (world fatal) -> MPI_ERR_COUNT",
            "freed handle is MPI_COMM_NULL 1",
            "barrier on a freed communicator -> MPI_ERR_COMM",
            "freeing it again -> MPI_ERR_COMM",
            "freeing MPI_COMM_NULL -> MPI_ERR_COMM",
            "dup of MPI_COMM_NULL -> MPI_ERR_COMM",
            "freeing MPI_COMM_WORLD -> MPI_ERR_COMM",
            "freeing MPI_COMM_SELF -> MPI_ERR_COMM",
            "world handle unchanged 1, still works 1",
            "dup into a handle past the end -> MPI_ERR_ARG",
            "size of MPI_GROUP_NULL -> MPI_ERR_GROUP",
            "size of a freed group -> MPI_ERR_GROUP",
            "comm from a freed group -> MPI_ERR_GROUP",
            "incl with a negative count -> MPI_ERR_ARG",
            "set on MPI_INFO_NULL -> MPI_ERR_INFO",
            "freeing MPI_INFO_ENV -> MPI_ERR_INFO",
            "key longer than MPI_MAX_INFO_KEY -> MPI_ERR_INFO_KEY",
            "deleting a missing key -> MPI_ERR_INFO_NOKEY",
            "nkeys of a freed info -> MPI_ERR_INFO",
            "get_attr with a bogus key -> MPI_ERR_KEYVAL",
            "set_attr on MPI_TAG_UB -> MPI_ERR_KEYVAL",
            "keyval with a guest copy callback -> MPI_ERR_OTHER",
            "set_attr with a freed key -> MPI_ERR_KEYVAL",
            "neighbour allgather without topology -> MPI_ERR_TOPOLOGY",
            "neighbour allgather past the end -> MPI_ERR_BUFFER",
            "neighbour allgatherv block past the end -> MPI_ERR_BUFFER",
            "cart with negative dimensions -> MPI_ERR_DIMS",
            "call_errhandler under MPI_ERRORS_RETURN -> MPI_SUCCESS",
            // Erroneous, and what the host MPI does is what the guest must see.
            match Flavor::current() {
                Flavor::OpenMpi => "remote size of an intracommunicator -> 0",
                Flavor::Mpich => "remote size of an intracommunicator -> the local size",
            },
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
fn a_freed_communicator_under_fatal_errors_aborts_the_job() {
    let out = run_wasm("comm_err", 4, &["fatal"]);
    assert_ne!(out.status.code(), Some(0), "{}", out.describe());
    assert!(
        out.stderr_text()
            .lines()
            .any(|l| l.starts_with("wasmpirun: rank 1: MPI_Barrier: invalid communicator handle")),
        "{}",
        out.describe()
    );
}

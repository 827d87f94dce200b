//! Datatypes under real `mpirun`: derived-type constructors in communication, introspection
//! (envelopes, contents, names) and packing, each compared with the same program built
//! natively; and the bounds checks of derived types against linear memory (wasm only).

use crate::common::mpi::*;

#[test]
fn derived_types_in_communication() {
    same_as_native("dtype_layout");
}

#[test]
fn envelopes_contents_and_names() {
    same_as_native("dtype_contents");
}

#[test]
fn pack_and_unpack() {
    same_as_native("dtype_pack");
}

/// What `dtype_errors` prints on every rank, in order.
const ERROR_LINES: &[&str] = &[
    "vector crossing the end (send) -> MPI_ERR_BUFFER",
    "vector crossing the end (recv) -> MPI_ERR_BUFFER",
    "vector ending at the end -> MPI_SUCCESS",
    "second vector crossing the end -> MPI_ERR_BUFFER",
    "extent over 4 GiB -> MPI_ERR_BUFFER",
    "huge extent MPI_UNDEFINED, extent_x 4294967300",
    "count x extent over 4 GiB -> MPI_ERR_BUFFER",
    "count x extent over 4 GiB (recv) -> MPI_ERR_BUFFER",
    "resized elements past the end -> MPI_ERR_BUFFER",
    "resized elements over 4 GiB -> MPI_ERR_BUFFER",
    "one resized element -> MPI_SUCCESS",
    "negative displacement below 0 -> MPI_ERR_BUFFER",
    "negative extent below 0 -> MPI_ERR_BUFFER",
    "MPI_SHORT_INT 6 bytes before the end -> MPI_ERR_BUFFER",
    "MPI_SHORT_INT 8 bytes before the end -> MPI_SUCCESS",
    "MPI_BOTTOM ending at the end -> MPI_SUCCESS",
    "MPI_BOTTOM crossing the end -> MPI_ERR_BUFFER",
    "pack buffer crossing the end -> MPI_ERR_BUFFER",
    "negative pack size -> MPI_ERR_ARG",
    "position past the buffer -> MPI_ERR_ARG",
    "negative position -> MPI_ERR_ARG",
    "pack of a vector crossing the end -> MPI_ERR_BUFFER",
    "pack that fits -> MPI_SUCCESS",
    "unpack input crossing the end -> MPI_ERR_BUFFER",
    "unpack output crossing the end -> MPI_ERR_BUFFER",
    "unpack that fits -> MPI_SUCCESS",
    "negative pack_size count -> MPI_ERR_COUNT",
    "send with a freed type -> MPI_ERR_TYPE",
    "free of a freed type -> MPI_ERR_TYPE",
    "free of MPI_DOUBLE -> MPI_ERR_TYPE",
    "constructor from MPI_DATATYPE_NULL -> MPI_ERR_TYPE",
    "contiguous with a negative count -> MPI_ERR_COUNT",
    "indexed with arrays past the end -> MPI_ERR_ARG",
    "struct with a bogus type -> MPI_ERR_TYPE",
    "new type handle past the end -> MPI_ERR_ARG",
    "contents into oversized arrays -> MPI_SUCCESS",
    "contents 2 1 32 of MPI_INT 1, next entry untouched 1",
];

#[test]
fn derived_types_reaching_outside_linear_memory_are_refused() {
    let ranks = 2;
    let out = run_wasm("dtype_errors", ranks, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let expected: Vec<String> = (0..ranks)
        .flat_map(|rank| ERROR_LINES.iter().map(move |l| format!("rank {rank}: {l}")))
        .collect();
    assert_eq!(
        sorted_lines(&out.stdout_text()),
        sorted_lines(&expected.join("\n")),
        "{}",
        out.describe()
    );
}

//! Point-to-point modes and requests under real `mpirun`: buffered sends, Sendrecv_replace,
//! persistent requests, the Wait/Test families, cancellation, matched probes and element
//! counts, compared with the native build; and the launcher's own refusals of bad request
//! handles, output arrays outside linear memory and bad attached buffers (wasm only).

use crate::common::mpi::*;

#[test]
fn modes_requests_and_matched_probes_match_native() {
    same_as_native("p2p_modes");
}

#[test]
fn bad_requests_arrays_and_buffers_are_refused_without_losing_requests() {
    let out = run_wasm("p2p_errors", 2, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let lines = sorted_lines(&out.stdout_text());
    for rank in 0..2 {
        let expected = [
            "wait on a freed request -> MPI_ERR_REQUEST".to_string(),
            "test on a forged request -> MPI_ERR_REQUEST".to_string(),
            "start on MPI_REQUEST_NULL -> MPI_ERR_REQUEST".to_string(),
            "cancel MPI_REQUEST_NULL -> MPI_ERR_REQUEST".to_string(),
            "free MPI_REQUEST_NULL -> MPI_ERR_REQUEST".to_string(),
            "start on a non-persistent request -> MPI_ERR_REQUEST".to_string(),
            "waitall naming a request twice -> MPI_ERR_REQUEST".to_string(),
            "waitall statuses past the end -> MPI_ERR_ARG, requests kept yes".to_string(),
            "waitsome indices past the end -> MPI_ERR_ARG".to_string(),
            "testany status past the end -> MPI_ERR_ARG".to_string(),
            "waitall count -1 -> MPI_ERR_COUNT".to_string(),
            format!(
                "then waitall -> MPI_SUCCESS, got {} {} tags 2 3",
                rank + 10,
                rank + 20
            ),
            "get_elements_x count past the end -> MPI_ERR_ARG".to_string(),
            "detach with nothing attached -> MPI_ERR_BUFFER".to_string(),
            "attach past the end -> MPI_ERR_BUFFER".to_string(),
            "attach negative size -> MPI_ERR_ARG".to_string(),
            "attach twice -> MPI_ERR_BUFFER".to_string(),
            "detach size past the end -> MPI_ERR_ARG".to_string(),
            "then detach -> MPI_SUCCESS, same buffer yes size 1024".to_string(),
            "mrecv MPI_MESSAGE_NULL -> MPI_ERR_REQUEST".to_string(),
            "mrecv forged message -> MPI_ERR_REQUEST".to_string(),
        ];
        for e in expected {
            let line = format!("rank {rank}: {e}");
            assert!(
                lines.contains(&line),
                "missing `{line}`\n{}",
                out.describe()
            );
        }
    }
}

//! One-sided communication and MPI-IO: programs built natively and to wasm, compared under
//! real `mpirun` (windows over user memory and from `MPI_Win_allocate`, fence, lock and
//! post/start/complete/wait epochs, atomics; collective and individual file I/O in a
//! preopened directory), and wasm-only checks that windows stay inside linear memory and
//! file names inside the preopened directories.

use crate::common::mpi::*;

#[test]
fn rma_fence_pscw_allocate_and_attributes() {
    same_as_native_rma("rma_fence");
}

#[test]
fn rma_passive_target_atomics() {
    same_as_native_rma("rma_lock");
}

#[test]
fn mpi_io_blocks_views_seek_and_delete() {
    same_as_native_with_dir("io_basic");
}

/// Asserts that every rank in `0..ranks` printed each of `expected`.
fn assert_lines(out: &crate::common::Output, ranks: u32, expected: &[&str]) {
    let lines = sorted_lines(&out.stdout_text());
    for rank in 0..ranks {
        for expected in expected {
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
fn windows_outside_linear_memory_are_refused() {
    let out = run_wasm_with("rma_errors", 2, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    assert_lines(
        &out,
        2,
        &[
            "crossing the end -> MPI_ERR_SIZE, handle null yes",
            "base past the end -> MPI_ERR_BASE",
            "last 16 bytes -> success",
            "negative size -> MPI_ERR_SIZE",
            "zero displacement unit -> MPI_ERR_DISP",
            "bogus info -> MPI_ERR_INFO",
            "bogus communicator -> MPI_ERR_COMM",
            "allocate negative size -> MPI_ERR_SIZE",
            "allocate 100000 bytes -> success, grew 2 pages, base at old end yes",
            "sizes 100000 and 64, attribute page 1, then 0 more",
        ],
    );
}

#[test]
fn an_rma_origin_buffer_past_memory_aborts_the_job() {
    let out = run_wasm_with("rma_errors", 2, &[], &["fatal"]);
    assert_job_aborted(&out, |l| {
        l.starts_with("wasmpirun: rank 1: MPI_Put: buffer [") && l.contains("outside linear memory")
    });
}

#[test]
fn file_names_stay_inside_the_preopened_directory() {
    let base = crate::common::temp_dir("io_errors");
    let data = base.path().join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("hello.txt"), "hello").unwrap();
    let outside = base.path().join("outside");
    std::fs::write(&outside, "secret").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", data.join("escape")).unwrap();
    std::os::unix::fs::symlink("../outside", data.join("up")).unwrap();
    std::os::unix::fs::symlink("hello.txt", data.join("inside")).unwrap();
    let spec = format!("{}::/data", data.display());

    let out = run_wasm_with("io_errors", 2, &["--dir", &spec], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    assert_lines(
        &out,
        2,
        &[
            "open /etc/passwd -> MPI_ERR_ACCESS",
            "open ../outside -> MPI_ERR_ACCESS",
            "open /data/../outside -> MPI_ERR_ACCESS",
            "open /data/sub/../../outside -> MPI_ERR_ACCESS",
            "open /data/escape -> MPI_ERR_ACCESS",
            "open /data/up -> MPI_ERR_ACCESS",
            "open /outside -> MPI_ERR_ACCESS",
            "open /data/missing -> MPI_ERR_NO_SUCH_FILE",
            "open  -> MPI_ERR_NO_SUCH_FILE",
            "open /data/hello.txt -> MPI_ERR_AMODE",
            "open /data/inside -> success",
            "/data/inside holds 'hello'",
            "open data//hello.txt -> success",
            "data//hello.txt holds 'hello'",
            "open /data/./hello.txt -> success",
            "delete /etc/passwd -> MPI_ERR_ACCESS",
            "delete /data/../outside -> MPI_ERR_ACCESS",
            "unknown datarep -> MPI_ERR_UNSUPPORTED_DATAREP",
            "read past the end of memory -> MPI_ERR_BUFFER",
            "closed file -> MPI_ERR_FILE",
            "bogus file -> MPI_ERR_FILE",
        ],
    );
    assert!(
        !out.stdout_text().contains("handle not null"),
        "{}",
        out.describe()
    );
    // Nothing outside the directory was touched.
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "secret");
    let mut left: Vec<String> = std::fs::read_dir(base.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["data", "outside"]);
}

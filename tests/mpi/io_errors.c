/* File names the launcher must keep inside the preopened directory /data, and other refused
 * arguments. Files default to MPI_ERRORS_RETURN, so each failure returns its class. The test
 * prepares, in the host directory seen as /data: hello.txt ("hello"), symlinks escape ->
 * /etc/passwd, up -> ../outside, inside -> hello.txt; and a file "outside" next to it. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static const char *name(int rc) {
    int c = rc;
    switch (c) {
    case MPI_SUCCESS: return "success";
    case MPI_ERR_ACCESS: return "MPI_ERR_ACCESS";
    case MPI_ERR_NO_SUCH_FILE: return "MPI_ERR_NO_SUCH_FILE";
    case MPI_ERR_AMODE: return "MPI_ERR_AMODE";
    case MPI_ERR_FILE: return "MPI_ERR_FILE";
    case MPI_ERR_BAD_FILE: return "MPI_ERR_BAD_FILE";
    case MPI_ERR_UNSUPPORTED_DATAREP: return "MPI_ERR_UNSUPPORTED_DATAREP";
    case MPI_ERR_BUFFER: return "MPI_ERR_BUFFER";
    default: return "other";
    }
}

static void try_open(int rank, const char *path, int amode) {
    MPI_File fh = 4242;
    int rc = MPI_File_open(MPI_COMM_WORLD, path, amode, MPI_INFO_NULL, &fh);
    printf("rank %d: open %s -> %s\n", rank, path, name(rc));
    if (rc == MPI_SUCCESS) {
        char text[6] = {0};
        MPI_File_read_at_all(fh, 0, text, 5, MPI_CHAR, MPI_STATUS_IGNORE);
        printf("rank %d: %s holds '%s'\n", rank, path, text);
        MPI_File_close(&fh);
    } else if (fh != MPI_FILE_NULL) {
        printf("rank %d: handle not null after failure\n", rank);
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    try_open(rank, "/etc/passwd", MPI_MODE_RDONLY);
    try_open(rank, "../outside", MPI_MODE_RDONLY);
    try_open(rank, "/data/../outside", MPI_MODE_CREATE | MPI_MODE_WRONLY);
    try_open(rank, "/data/sub/../../outside", MPI_MODE_RDONLY);
    try_open(rank, "/data/escape", MPI_MODE_RDONLY);
    try_open(rank, "/data/up", MPI_MODE_CREATE | MPI_MODE_RDWR);
    try_open(rank, "/outside", MPI_MODE_RDONLY);
    try_open(rank, "/data/missing", MPI_MODE_RDONLY);
    try_open(rank, "", MPI_MODE_RDONLY);
    try_open(rank, "/data/hello.txt", 0x4000 | MPI_MODE_RDONLY);
    try_open(rank, "/data/inside", MPI_MODE_RDONLY);
    try_open(rank, "data//hello.txt", MPI_MODE_RDONLY);
    try_open(rank, "/data/./hello.txt", MPI_MODE_RDONLY);
    int rc = MPI_File_delete("/etc/passwd", MPI_INFO_NULL);
    printf("rank %d: delete /etc/passwd -> %s\n", rank, name(rc));
    rc = MPI_File_delete("/data/../outside", MPI_INFO_NULL);
    printf("rank %d: delete /data/../outside -> %s\n", rank, name(rc));
    MPI_Barrier(MPI_COMM_WORLD);

    MPI_File fh;
    MPI_File_open(MPI_COMM_WORLD, "/data/hello.txt", MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    rc = MPI_File_set_view(fh, 0, MPI_CHAR, MPI_CHAR, "klingon", MPI_INFO_NULL);
    printf("rank %d: unknown datarep -> %s\n", rank, name(rc));
    rc = MPI_File_read(fh, (void *)(__builtin_wasm_memory_size(0) * 65536 - 2), 5, MPI_CHAR,
                       MPI_STATUS_IGNORE);
    printf("rank %d: read past the end of memory -> %s\n", rank, name(rc));
    MPI_File_close(&fh);
    rc = MPI_File_read(fh, NULL, 0, MPI_CHAR, MPI_STATUS_IGNORE);
    printf("rank %d: closed file -> %s\n", rank, name(rc));
    rc = MPI_File_get_size((MPI_File)31337, NULL);
    printf("rank %d: bogus file -> %s\n", rank, name(rc));
    MPI_Finalize();
    return 0;
}

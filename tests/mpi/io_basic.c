/* MPI-IO in the directory given as argv[1]: every rank writes its block collectively with
 * write_at_all, reads its neighbour's block back through a file view, checks the file size,
 * moves the individual file pointer with seek and reads with it, writes with the file
 * pointer, preallocates, and deletes (explicitly and on close); error handling defaults to
 * MPI_ERRORS_RETURN on files and can be changed per file. blocks.dat stays behind. */
#include <mpi.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define N 16

static const char *class_name(int rc) {
    int c;
    if (rc == MPI_SUCCESS) return "success";
    MPI_Error_class(rc, &c);
    switch (c) {
    case MPI_ERR_NO_SUCH_FILE: return "MPI_ERR_NO_SUCH_FILE";
    case MPI_ERR_FILE_EXISTS: return "MPI_ERR_FILE_EXISTS";
    case MPI_ERR_ACCESS: return "MPI_ERR_ACCESS";
    case MPI_ERR_AMODE: return "MPI_ERR_AMODE";
    case MPI_ERR_FILE: return "MPI_ERR_FILE";
    case MPI_ERR_IO: return "MPI_ERR_IO";
    default: return "other";
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 2) {
        printf("usage: io_basic DIR\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    char path[512], other[512];
    snprintf(path, sizeof path, "%s/blocks.dat", argv[1]);
    snprintf(other, sizeof other, "%s/scratch.dat", argv[1]);

    MPI_Errhandler eh;
    MPI_File_get_errhandler(MPI_FILE_NULL, &eh);
    printf("rank %d: default file errhandler returns: %s\n", rank, eh == MPI_ERRORS_RETURN ? "yes" : "no");

    MPI_File fh;
    int rc = MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh);
    printf("rank %d: open %s\n", rank, class_name(rc));
    int amode;
    MPI_File_get_amode(fh, &amode);
    printf("rank %d: amode create|rdwr: %s\n", rank, amode == (MPI_MODE_CREATE | MPI_MODE_RDWR) ? "yes" : "no");
    MPI_File_set_size(fh, 0);

    int32_t block[N];
    for (int i = 0; i < N; i++) block[i] = rank * 1000 + i;
    MPI_Status st;
    MPI_Offset at = (MPI_Offset)rank * N * sizeof(int32_t);
    rc = MPI_File_write_at_all(fh, at, block, N, MPI_INT32_T, &st);
    int count = -1;
    MPI_Get_count(&st, MPI_INT32_T, &count);
    printf("rank %d: write_at_all %s count %d\n", rank, class_name(rc), count);
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_sync(fh);
    MPI_Offset fsize = -1;
    MPI_File_get_size(fh, &fsize);
    printf("rank %d: size %lld\n", rank, (long long)fsize);

    /* A view starting at the right neighbour's block, in units of int32. */
    int right = (rank + 1) % size;
    MPI_File_set_view(fh, (MPI_Offset)right * N * sizeof(int32_t), MPI_INT32_T, MPI_INT32_T,
                      "native", MPI_INFO_NULL);
    int32_t back[N];
    memset(back, 0, sizeof back);
    MPI_File_read_all(fh, back, N, MPI_INT32_T, &st);
    MPI_Get_count(&st, MPI_INT32_T, &count);
    int ok = count == N;
    for (int i = 0; i < N; i++) ok &= back[i] == right * 1000 + i;
    MPI_Offset pos = -1;
    MPI_File_get_position(fh, &pos);
    printf("rank %d: view read of %d %s, position %lld\n", rank, right, ok ? "ok" : "WRONG", (long long)pos);

    /* Seek within the view and read with the individual file pointer. */
    MPI_File_seek(fh, 5, MPI_SEEK_SET);
    int32_t two[2];
    MPI_File_read(fh, two, 2, MPI_INT32_T, &st);
    MPI_File_seek(fh, -3, MPI_SEEK_CUR);
    int32_t back1;
    MPI_File_read(fh, &back1, 1, MPI_INT32_T, &st);
    MPI_File_get_position(fh, &pos);
    printf("rank %d: seek read %d %d then %d, position %lld\n", rank, two[0], two[1], back1, (long long)pos);

    /* Back to the plain byte view: read everything at rank 0's end with read_at. */
    MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
    int32_t last = 0;
    MPI_File_read_at(fh, fsize - 4, &last, 1, MPI_INT32_T, &st);
    MPI_File_seek(fh, -8, MPI_SEEK_END);
    MPI_File_get_position(fh, &pos);
    printf("rank %d: last value %d, position from end %lld\n", rank, last, (long long)pos);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_close(&fh);
    printf("rank %d: closed is null: %s\n", rank, fh == MPI_FILE_NULL ? "yes" : "no");

    /* Individual file pointers on a second file: each rank appends after seeking to its
     * slot; then a collective read_at_all of everything by every rank. */
    rc = MPI_File_open(MPI_COMM_WORLD, other, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    MPI_File_preallocate(fh, 64);
    MPI_File_seek(fh, rank * 8, MPI_SEEK_SET);
    char text[9];
    snprintf(text, sizeof text, "rank%04d", rank);
    MPI_File_write(fh, text, 8, MPI_CHAR, &st);
    MPI_File_write_all(fh, text, 0, MPI_CHAR, &st);
    MPI_File_close(&fh);
    MPI_File_open(MPI_COMM_WORLD, other, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    MPI_File_get_size(fh, &fsize);
    char all[8 * 64 + 1];
    memset(all, 0, sizeof all);
    MPI_File_read_at_all(fh, 0, all, 8 * size, MPI_CHAR, &st);
    printf("rank %d: scratch size %lld, starts %.16s\n", rank, (long long)(fsize >= 8 * size ? fsize : -1), all);
    /* Writing a read-only file fails, returning an error (files default to ERRORS_RETURN). */
    rc = MPI_File_write(fh, text, 8, MPI_CHAR, &st);
    printf("rank %d: write to read-only file fails: %s\n", rank, rc != MPI_SUCCESS ? "yes" : "no");
    MPI_File_close(&fh);
    MPI_Barrier(MPI_COMM_WORLD);

    /* Delete, then opening without CREATE fails; then with EXCL on an existing file. */
    if (rank == 0) {
        rc = MPI_File_delete(other, MPI_INFO_NULL);
        printf("rank 0: delete %s\n", class_name(rc));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    rc = MPI_File_open(MPI_COMM_WORLD, other, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    printf("rank %d: open deleted file: %s\n", rank, class_name(rc));
    rc = MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDWR | MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    printf("rank %d: open with rdwr|rdonly: %s\n", rank, rc != MPI_SUCCESS ? "fails" : "opens");

    /* A file deleted on close, with its own error handler meanwhile. */
    char temp[512];
    snprintf(temp, sizeof temp, "%s/temp.dat", argv[1]);
    MPI_File_open(MPI_COMM_WORLD, temp, MPI_MODE_CREATE | MPI_MODE_WRONLY | MPI_MODE_DELETE_ON_CLOSE,
                  MPI_INFO_NULL, &fh);
    MPI_File_set_errhandler(fh, MPI_ERRORS_ARE_FATAL);
    MPI_File_get_errhandler(fh, &eh);
    printf("rank %d: file errhandler fatal: %s\n", rank, eh == MPI_ERRORS_ARE_FATAL ? "yes" : "no");
    MPI_File_set_errhandler(fh, MPI_ERRORS_RETURN);
    MPI_File_write_at_all(fh, rank, "x", 1, MPI_CHAR, &st);
    MPI_File_close(&fh);
    rc = MPI_File_open(MPI_COMM_WORLD, temp, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    printf("rank %d: open file deleted on close: %s\n", rank, class_name(rc));
    printf("rank %d: done\n", rank);
    MPI_Finalize();
    return 0;
}

/* Windows the launcher must refuse, with the error class returned on the communicator
 * (MPI_ERRORS_RETURN): memory crossing the end of linear memory, a base past it, negative
 * sizes, a bad displacement unit, a bogus communicator. MPI_Win_allocate grows linear memory
 * by whole pages and returns their address; window attributes take one page once. With
 * argument "fatal", rank 1 puts from a buffer past the end of memory, which aborts the job
 * (window errors are fatal). */
#include <mpi.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static const char *name(int rc) {
    switch (rc) {
    case MPI_SUCCESS: return "success";
    case MPI_ERR_SIZE: return "MPI_ERR_SIZE";
    case MPI_ERR_BASE: return "MPI_ERR_BASE";
    case MPI_ERR_DISP: return "MPI_ERR_DISP";
    case MPI_ERR_COMM: return "MPI_ERR_COMM";
    case MPI_ERR_INFO: return "MPI_ERR_INFO";
    default: return "other";
    }
}

static char buf[64];

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    char *end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536);
    MPI_Win w = 12345;
    int rc = MPI_Win_create(end - 16, 64, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &w);
    printf("rank %d: crossing the end -> %s, handle null %s\n", rank, name(rc), w == MPI_WIN_NULL ? "yes" : "no");
    rc = MPI_Win_create(end + 4096, 16, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &w);
    printf("rank %d: base past the end -> %s\n", rank, name(rc));
    rc = MPI_Win_create(end - 16, 16, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &w);
    printf("rank %d: last 16 bytes -> %s\n", rank, name(rc));
    if (rc == MPI_SUCCESS) MPI_Win_free(&w);
    rc = MPI_Win_create(buf, -1, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &w);
    printf("rank %d: negative size -> %s\n", rank, name(rc));
    rc = MPI_Win_create(buf, sizeof buf, 0, MPI_INFO_NULL, MPI_COMM_WORLD, &w);
    printf("rank %d: zero displacement unit -> %s\n", rank, name(rc));
    rc = MPI_Win_create(buf, sizeof buf, 1, (MPI_Info)77, MPI_COMM_WORLD, &w);
    printf("rank %d: bogus info -> %s\n", rank, name(rc));
    rc = MPI_Win_create(buf, sizeof buf, 1, MPI_INFO_NULL, (MPI_Comm)999, &w);
    printf("rank %d: bogus communicator -> %s\n", rank, name(rc));
    void *base = NULL;
    rc = MPI_Win_allocate(-5, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &base, &w);
    printf("rank %d: allocate negative size -> %s\n", rank, name(rc));

    /* Win_allocate: the window is new pages at the old end of memory. */
    unsigned before = __builtin_wasm_memory_size(0);
    rc = MPI_Win_allocate(100000, 4, MPI_INFO_NULL, MPI_COMM_WORLD, &base, &w);
    unsigned after = __builtin_wasm_memory_size(0);
    printf("rank %d: allocate 100000 bytes -> %s, grew %u pages, base at old end %s\n", rank,
           name(rc), after - before, (uintptr_t)base == before * 65536u ? "yes" : "no");
    memset(base, 1, 100000);
    MPI_Aint *size;
    int flag;
    MPI_Win_get_attr(w, MPI_WIN_SIZE, &size, &flag);
    unsigned with_attr = __builtin_wasm_memory_size(0);
    MPI_Win other;
    MPI_Win_create(buf, sizeof buf, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &other);
    MPI_Aint *other_size;
    MPI_Win_get_attr(other, MPI_WIN_SIZE, &other_size, &flag);
    printf("rank %d: sizes %d and %d, attribute page %u, then %u more\n", rank, (int)*size,
           (int)*other_size, with_attr - after, (unsigned)__builtin_wasm_memory_size(0) - with_attr);
    MPI_Win_free(&other);

    MPI_Barrier(MPI_COMM_WORLD);
    if (argc > 1 && rank == 1) {
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, w);
        end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536);
        MPI_Put(end - 4, 8, MPI_CHAR, 0, 0, 8, MPI_CHAR, w);
        printf("unreachable\n");
    }
    MPI_Win_free(&w);
    MPI_Finalize();
    return 0;
}

/* Error cases: a buffer past the end of linear memory and a negative count are refused
 * (MPI_ERRORS_RETURN gives the error class; nothing is sent), a bogus and a freed handle are
 * refused, a rank the host MPI rejects comes back as its error class, then with the default fatal handler the job aborts naming the call. */
#include <mpi.h>
#include <stdio.h>
#include <stdint.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    char *end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536);
    int rc = MPI_Send(end - 8, 4, MPI_INT, 0, 0, MPI_COMM_WORLD);
    int class;
    MPI_Error_class(rc, &class);
    printf("rank %d: past end -> %s\n", rank, class == MPI_ERR_BUFFER ? "MPI_ERR_BUFFER" : "other");
    int x = 0;
    rc = MPI_Send(&x, -1, MPI_INT, 0, 0, MPI_COMM_WORLD);
    printf("rank %d: negative count -> %s\n", rank, rc == MPI_ERR_COUNT ? "MPI_ERR_COUNT" : "other");
    rc = MPI_Send(&x, 1, (MPI_Datatype)12345, 0, 0, MPI_COMM_WORLD);
    printf("rank %d: bogus datatype -> %s\n", rank, rc == MPI_ERR_TYPE ? "MPI_ERR_TYPE" : "other");
    /* Errors the host MPI reports (the arguments pass wasmpi's checks). */
    rc = MPI_Send(&x, 1, MPI_INT, 99, 0, MPI_COMM_WORLD);
    MPI_Error_class(rc, &class);
    printf("rank %d: send to rank 99 -> %s\n", rank, class == MPI_ERR_RANK ? "MPI_ERR_RANK" : "other");
    rc = MPI_Recv(&x, 1, MPI_INT, 99, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Error_class(rc, &class);
    printf("rank %d: receive from rank 99 -> %s\n", rank, class == MPI_ERR_RANK ? "MPI_ERR_RANK" : "other");
    rc = MPI_Barrier((MPI_Comm)999);
    printf("rank %d: bogus communicator -> %s\n", rank, rc == MPI_ERR_COMM ? "MPI_ERR_COMM" : "other");
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    if (argc > 1 && rank == 1) {
        MPI_Recv(end - 4, 2, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("unreachable\n");
    }
    MPI_Finalize();
    return 0;
}

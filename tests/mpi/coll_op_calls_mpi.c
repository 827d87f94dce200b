/* A user-defined operation calls MPI, which the standard forbids (only MPI_Abort is
 * allowed there): the job must end with a message saying so, not corrupt the MPI state
 * that the Allreduce in progress holds. */
#include <mpi.h>
#include <stdio.h>

static void sum_asking_mpi(void *in, void *inout, int *len, MPI_Datatype *dt) {
    (void)dt;
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 0; i < *len; i++) ((int *)inout)[i] += ((int *)in)[i] * size;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Op op;
    MPI_Op_create(sum_asking_mpi, 1, &op);
    int x = rank, sum = 0;
    MPI_Allreduce(&x, &sum, 1, MPI_INT, op, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    printf("rank %d: unreachable %d\n", rank, sum);
    MPI_Finalize();
    return 0;
}

/* A user-defined operation traps on rank 1 in the middle of an Allreduce: the whole job must
 * end, with the trap reported for rank 1. */
#include <mpi.h>
#include <stdio.h>

static int rank;

__attribute__((noinline)) static void trapping_sum(void *in, void *inout, int *len, MPI_Datatype *dt) {
    (void)dt;
    if (rank == 1) __builtin_trap();
    for (int i = 0; i < *len; i++) ((int *)inout)[i] += ((int *)in)[i];
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Op op;
    MPI_Op_create(trapping_sum, 1, &op);
    int x = rank, sum = 0;
    MPI_Allreduce(&x, &sum, 1, MPI_INT, op, MPI_COMM_WORLD);
    /* Some ranks may have their result before rank 1 fails; none gets past the barrier. */
    MPI_Barrier(MPI_COMM_WORLD);
    printf("rank %d: unreachable %d\n", rank, sum);
    MPI_Finalize();
    return 0;
}

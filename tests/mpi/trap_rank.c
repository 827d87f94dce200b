/* Rank 1 traps while the others wait for a message that never comes: the whole job must
 * end, with the trap reported for rank 1. With the argument `wait`, no rank traps: every
 * rank waits, for the test to kill one of them from outside. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static void fail_on_rank_one(int rank) {
    if (rank == 1) __builtin_trap();
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, x;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        printf("rank %d: waiting\n", rank);
        fflush(stdout);
    } else {
        fail_on_rank_one(rank);
    }
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    printf("rank %d: unreachable\n", rank);
    MPI_Finalize();
    return 0;
}

/* Every rank initializes MPI, says so, then spins in wasm code until the job ends: the test
 * sends SIGSEGV to one rank's process from outside and checks where the signal went. Its
 * arguments are ignored (the test passes one to find this job's processes). */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("rank %d: spinning\n", rank);
    fflush(stdout);
    volatile unsigned long turns = 0;
    for (;;) turns++;
    printf("rank %d: unreachable\n", rank);
    MPI_Finalize();
    return 0;
}

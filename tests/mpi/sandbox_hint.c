/* Every rank tries to write a report into the working directory without a --dir that
 * covers it: each gets ENOTCAPABLE, and wasmpirun names the path once per rank, with the
 * rank. */
#include <mpi.h>
#include <errno.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    FILE *f = fopen("report.txt", "w");
    printf("rank %d: %s (errno %d)\n", rank, f ? "written" : "refused", f ? 0 : errno);
    MPI_Finalize();
    return 0;
}

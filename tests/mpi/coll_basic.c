/* Collectives: Barrier, Bcast, Reduce/Allreduce (also in place, MAXLOC with pair types),
 * Gather, Scatter, Allgather, Alltoall, Scan, Exscan. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Barrier(MPI_COMM_WORLD);

    double pi = rank == 0 ? 3.14159 : 0.0;
    MPI_Bcast(&pi, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    printf("rank %d: bcast %.5f\n", rank, pi);

    long v = rank + 1, sum = 0, prod = 0; /* MPI_LONG is 4 bytes here */
    MPI_Reduce(&v, &sum, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Allreduce(&v, &prod, 1, MPI_LONG, MPI_PROD, MPI_COMM_WORLD);
    if (rank == 0) printf("rank 0: sum %ld\n", sum);
    printf("rank %d: prod %ld\n", rank, prod);

    int inplace[2] = {rank, -rank};
    MPI_Allreduce(MPI_IN_PLACE, inplace, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    printf("rank %d: in-place max %d %d\n", rank, inplace[0], inplace[1]);

    struct { double value; int rank; } mine = {(rank * 7) % 5 + 0.25, rank}, best;
    MPI_Allreduce(&mine, &best, 1, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    struct { long value; int rank; } lmine = {(rank * 3) % 4, rank}, lowest;
    MPI_Allreduce(&lmine, &lowest, 1, MPI_LONG_INT, MPI_MINLOC, MPI_COMM_WORLD);
    printf("rank %d: maxloc %.2f at %d, minloc %ld at %d\n", rank, best.value, best.rank, lowest.value, lowest.rank);

    int all[64], scattered = -1;
    int mine2 = rank * rank;
    MPI_Gather(&mine2, 1, MPI_INT, all, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("rank 0: gathered");
        for (int i = 0; i < size; i++) printf(" %d", all[i]);
        printf("\n");
        for (int i = 0; i < size; i++) all[i] = 100 + i;
    }
    MPI_Scatter(all, 1, MPI_INT, &scattered, 1, MPI_INT, 0, MPI_COMM_WORLD);
    printf("rank %d: scattered %d\n", rank, scattered);

    short pieces[64];
    short piece = (short)(rank * 11);
    MPI_Allgather(&piece, 1, MPI_SHORT, pieces, 1, MPI_SHORT, MPI_COMM_WORLD);
    int send[64], recv[64];
    for (int i = 0; i < size; i++) send[i] = rank * 100 + i;
    MPI_Alltoall(send, 1, MPI_INT, recv, 1, MPI_INT, MPI_COMM_WORLD);
    printf("rank %d: allgather", rank);
    for (int i = 0; i < size; i++) printf(" %d", pieces[i]);
    printf(" alltoall");
    for (int i = 0; i < size; i++) printf(" %d", recv[i]);
    printf("\n");

    int prefix = 0, exprefix = -1;
    MPI_Scan(&rank, &prefix, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Exscan(&rank, &exprefix, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    printf("rank %d: scan %d exscan %d\n", rank, prefix, rank == 0 ? 0 : exprefix);

    MPI_Finalize();
    return 0;
}

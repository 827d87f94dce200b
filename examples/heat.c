/* 1-D heat diffusion, distributed with MPI: each rank owns a slice of the rod, exchanges
 * halo cells with its neighbours every step (MPI_Sendrecv) and the ranks agree on the
 * total heat and the largest change (MPI_Allreduce). Build it natively with mpicc or for
 * wasm with `wasmpi cc`; both print the same numbers. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int n = argc > 1 ? atoi(argv[1]) : 400000;
    int steps = argc > 2 ? atoi(argv[2]) : 2000;
    int local = n / size + (rank < n % size);
    double *u = calloc(local + 2, sizeof *u), *next = calloc(local + 2, sizeof *next);
    if (!u || !next) {
        fprintf(stderr, "rank %d: out of memory\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int left = rank > 0 ? rank - 1 : MPI_PROC_NULL, right = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
    if (rank == 0) u[1] = 100.0;
    if (rank == size - 1) u[local] = 50.0;
    double t0 = MPI_Wtime(), change = 0.0;
    for (int s = 0; s < steps; s++) {
        MPI_Sendrecv(&u[1], 1, MPI_DOUBLE, left, 0, &u[local + 1], 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        MPI_Sendrecv(&u[local], 1, MPI_DOUBLE, right, 1, &u[0], 1, MPI_DOUBLE, left, 1, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        double local_change = 0.0;
        for (int i = 1; i <= local; i++) {
            int fixed = (rank == 0 && i == 1) || (rank == size - 1 && i == local);
            next[i] = fixed ? u[i] : u[i] + 0.25 * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
            double d = next[i] - u[i];
            local_change = d * d > local_change ? d * d : local_change;
        }
        double *t = u;
        u = next;
        next = t;
        if (s == steps - 1) MPI_Allreduce(&local_change, &change, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    }
    double heat = 0.0, total = 0.0;
    for (int i = 1; i <= local; i++) heat += u[i];
    MPI_Reduce(&heat, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    double elapsed = MPI_Wtime() - t0;
    if (rank == 0)
        printf("heat: %d ranks, n=%d, %d steps: total heat %.6f, largest change %.3e (%.2f s)\n", size, n, steps, total,
               change, elapsed);
    free(u);
    free(next);
    MPI_Finalize();
    return 0;
}

/* Point-to-point basics: blocking sends in every mode, Sendrecv around a ring, probe,
 * Get_count, non-blocking exchange with Waitall, Test loops, ANY_SOURCE, PROC_NULL. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    /* Ring with Sendrecv, checking the status. */
    int token = rank * 10, got = -1;
    MPI_Status st;
    MPI_Sendrecv(&token, 1, MPI_INT, right, 7, &got, 1, MPI_INT, left, 7, MPI_COMM_WORLD, &st);
    int count = -1;
    MPI_Get_count(&st, MPI_INT, &count);
    printf("rank %d: ring got %d from %d tag %d count %d\n", rank, got, st.MPI_SOURCE, st.MPI_TAG, count);

    /* Send modes to rank 0, received with ANY_SOURCE and probed first. */
    if (rank != 0) {
        double values[3] = {rank + 0.5, rank * 2.0, -rank};
        MPI_Send(values, 3, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD);
        MPI_Ssend(values, 2, MPI_DOUBLE, 0, 2, MPI_COMM_WORLD);
        long long big = 1LL << 40 | rank;
        MPI_Send(&big, 1, MPI_LONG_LONG, 0, 3, MPI_COMM_WORLD);
    } else {
        for (int i = 1; i < size; i++) {
            MPI_Probe(MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, &st);
            MPI_Get_count(&st, MPI_DOUBLE, &count);
            double values[3];
            int from = st.MPI_SOURCE;
            MPI_Recv(values, 3, MPI_DOUBLE, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Recv(values, 3, MPI_DOUBLE, from, 2, MPI_COMM_WORLD, &st);
            int count2;
            MPI_Get_count(&st, MPI_DOUBLE, &count2);
            long long big;
            MPI_Recv(&big, 1, MPI_LONG_LONG, from, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            printf("rank 0: from %d probed %d doubles, ssend %d, big %lld, first %.1f\n", from, count, count2, big, values[0]);
        }
    }

    /* Non-blocking exchange with both neighbours. */
    char out[2][32], in[2][32];
    snprintf(out[0], sizeof out[0], "to-left-from-%d", rank);
    snprintf(out[1], sizeof out[1], "to-right-from-%d", rank);
    MPI_Request reqs[4];
    MPI_Irecv(in[0], 32, MPI_CHAR, left, 5, MPI_COMM_WORLD, &reqs[0]);
    MPI_Irecv(in[1], 32, MPI_CHAR, right, 6, MPI_COMM_WORLD, &reqs[1]);
    MPI_Isend(out[1], 32, MPI_CHAR, right, 5, MPI_COMM_WORLD, &reqs[2]);
    MPI_Isend(out[0], 32, MPI_CHAR, left, 6, MPI_COMM_WORLD, &reqs[3]);
    MPI_Status sts[4];
    MPI_Waitall(4, reqs, sts);
    printf("rank %d: from left '%s' (src %d), from right '%s' (src %d), nulled %d\n", rank, in[0], sts[0].MPI_SOURCE,
           in[1], sts[1].MPI_SOURCE, reqs[0] == MPI_REQUEST_NULL && reqs[3] == MPI_REQUEST_NULL);

    /* Test until done. */
    int flag = 0, polls = 0, v = rank, w = -1;
    MPI_Request r[2];
    MPI_Irecv(&w, 1, MPI_INT, left, 9, MPI_COMM_WORLD, &r[0]);
    MPI_Isend(&v, 1, MPI_INT, right, 9, MPI_COMM_WORLD, &r[1]);
    while (!flag) {
        MPI_Testall(2, r, &flag, MPI_STATUSES_IGNORE);
        polls++;
    }
    MPI_Wait(&r[0], MPI_STATUS_IGNORE); /* on MPI_REQUEST_NULL: returns at once */
    printf("rank %d: test loop got %d\n", rank, w);

    /* PROC_NULL: completes at once with source PROC_NULL. */
    MPI_Recv(&w, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_INT, &count);
    printf("rank %d: proc_null source %d count %d\n", rank, st.MPI_SOURCE == MPI_PROC_NULL, count);

    MPI_Finalize();
    return 0;
}

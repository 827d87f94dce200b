/* Collectives with per-process counts, displacements and datatypes: Gatherv, Scatterv,
 * Allgatherv, Alltoallv, Alltoallw with uneven counts (some zero), gaps and out-of-order
 * displacements, each also with MPI_IN_PLACE; Reduce_scatter (uneven counts) and
 * Reduce_scatter_block, also in place; Reduce_local. Every result is checked against the
 * expected value and printed. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, errors;

static void expect(const char *what, int i, double got, double want) {
    if (got != want) {
        printf("rank %d: %s[%d] = %g, expected %g\n", rank, what, i, got, want);
        errors++;
    }
}

static void print_ints(const char *what, const int *v, int n) {
    printf("rank %d: %s", rank, what);
    for (int i = 0; i < n; i++) printf(" %d", v[i]);
    printf("\n");
}

/* Blocks in reverse rank order with a gap of 2 elements after each: block i at displs[i]. */
static int reverse_displs(const int *counts, int *displs) {
    int at = 0;
    for (int i = size - 1; i >= 0; i--) {
        displs[i] = at;
        at += counts[i] + 2;
    }
    return at;
}

static void gatherv(int in_place) {
    int root = size - 1;
    int *counts = malloc(size * sizeof(int)), *displs = malloc(size * sizeof(int));
    for (int i = 0; i < size; i++) counts[i] = i + 1;
    int total = reverse_displs(counts, displs);
    int *all = malloc(total * sizeof(int));
    for (int i = 0; i < total; i++) all[i] = -1;
    int mine[16];
    for (int k = 0; k <= rank; k++) mine[k] = rank * 100 + k;
    if (in_place && rank == root) {
        memcpy(all + displs[rank], mine, (rank + 1) * sizeof(int));
        MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, counts, displs, MPI_INT, root,
                    MPI_COMM_WORLD);
    } else if (rank == root) {
        MPI_Gatherv(mine, rank + 1, MPI_INT, all, counts, displs, MPI_INT, root, MPI_COMM_WORLD);
    } else {
        /* The receive arguments are not significant here. */
        MPI_Gatherv(mine, rank + 1, MPI_INT, NULL, NULL, NULL, MPI_INT, root, MPI_COMM_WORLD);
    }
    if (rank == root) {
        for (int i = 0; i < size; i++) {
            for (int k = 0; k < counts[i]; k++) expect("gatherv", k, all[displs[i] + k], i * 100 + k);
            expect("gatherv gap", i, all[displs[i] + counts[i]], -1);
        }
        print_ints(in_place ? "gatherv in place" : "gatherv", all, total);
    }
    free(counts), free(displs), free(all);
}

static void scatterv(int in_place) {
    int root = 0;
    int *counts = malloc(size * sizeof(int)), *displs = malloc(size * sizeof(int));
    for (int i = 0; i < size; i++) counts[i] = i % 3; /* rank 0, 3, ... get nothing */
    int total = reverse_displs(counts, displs);
    double *all = malloc(total * sizeof(double));
    for (int i = 0; i < total; i++) all[i] = 0.5 * i;
    double got[4] = {-1, -1, -1, -1};
    if (in_place && rank == root) {
        MPI_Scatterv(all, counts, displs, MPI_DOUBLE, MPI_IN_PLACE, 0, MPI_DOUBLE, root,
                     MPI_COMM_WORLD);
    } else if (rank == root) {
        MPI_Scatterv(all, counts, displs, MPI_DOUBLE, got, counts[rank], MPI_DOUBLE, root,
                     MPI_COMM_WORLD);
    } else {
        MPI_Scatterv(NULL, NULL, NULL, MPI_DATATYPE_NULL, got, rank % 3, MPI_DOUBLE, root,
                     MPI_COMM_WORLD);
    }
    if (!(in_place && rank == root)) {
        for (int k = 0; k < rank % 3; k++) expect("scatterv", k, got[k], 0.5 * (displs[rank] + k));
        expect("scatterv untouched", rank % 3, got[rank % 3], -1);
        printf("rank %d: scatterv%s %.1f %.1f %.1f\n", rank, in_place ? " in place" : "", got[0],
               got[1], got[2]);
    }
    free(counts), free(displs), free(all);
}

static void allgatherv(int in_place) {
    int *counts = malloc(size * sizeof(int)), *displs = malloc(size * sizeof(int));
    for (int i = 0; i < size; i++) counts[i] = 2 * i + 1;
    int total = reverse_displs(counts, displs);
    short *all = malloc(total * sizeof(short));
    for (int i = 0; i < total; i++) all[i] = -7;
    short mine[32];
    for (int k = 0; k < counts[rank]; k++) mine[k] = (short)(rank * 10 + k);
    if (in_place) {
        memcpy(all + displs[rank], mine, counts[rank] * sizeof(short));
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, counts, displs, MPI_SHORT,
                       MPI_COMM_WORLD);
    } else {
        MPI_Allgatherv(mine, counts[rank], MPI_SHORT, all, counts, displs, MPI_SHORT,
                       MPI_COMM_WORLD);
    }
    printf("rank %d: allgatherv%s", rank, in_place ? " in place" : "");
    for (int i = 0; i < size; i++) {
        for (int k = 0; k < counts[i]; k++) expect("allgatherv", k, all[displs[i] + k], i * 10 + k);
        expect("allgatherv gap", i, all[displs[i] + counts[i]], -7);
    }
    for (int i = 0; i < total; i++) printf(" %d", all[i]);
    printf("\n");
    free(counts), free(displs), free(all);
}

/* Rank r sends (r + j) % 3 ints to rank j (a symmetric count, so it receives as many). */
static void alltoallv(int in_place) {
    int *scounts = malloc(size * sizeof(int)), *sdispls = malloc(size * sizeof(int));
    int *rcounts = malloc(size * sizeof(int)), *rdispls = malloc(size * sizeof(int));
    int stotal = 0, rtotal;
    for (int j = 0; j < size; j++) {
        scounts[j] = rcounts[j] = (rank + j) % 3;
        sdispls[j] = stotal; /* in order, no gaps */
        stotal += scounts[j];
    }
    rtotal = reverse_displs(rcounts, rdispls);
    int *send = malloc((stotal + 1) * sizeof(int)), *recv = malloc(rtotal * sizeof(int));
    for (int j = 0; j < size; j++)
        for (int k = 0; k < scounts[j]; k++) send[sdispls[j] + k] = rank * 1000 + j * 10 + k;
    for (int i = 0; i < rtotal; i++) recv[i] = -1;
    if (in_place) {
        for (int j = 0; j < size; j++)
            for (int k = 0; k < rcounts[j]; k++) recv[rdispls[j] + k] = rank * 1000 + j * 10 + k;
        MPI_Alltoallv(MPI_IN_PLACE, NULL, NULL, MPI_DATATYPE_NULL, recv, rcounts, rdispls, MPI_INT,
                      MPI_COMM_WORLD);
    } else {
        MPI_Alltoallv(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls, MPI_INT,
                      MPI_COMM_WORLD);
    }
    for (int j = 0; j < size; j++) {
        for (int k = 0; k < rcounts[j]; k++) expect("alltoallv", k, recv[rdispls[j] + k], j * 1000 + rank * 10 + k);
        expect("alltoallv gap", j, recv[rdispls[j] + rcounts[j]], -1);
    }
    print_ints(in_place ? "alltoallv in place" : "alltoallv", recv, rtotal);
    free(scounts), free(sdispls), free(rcounts), free(rdispls), free(send), free(recv);
}

/* Rank r exchanges 1 + (r + j) % 3 elements with rank j: ints when r + j is even, doubles
 * when odd; blocks at 8-aligned byte displacements, received in reverse order with gaps. */
static void alltoallw(int in_place) {
    int *scounts = malloc(size * sizeof(int)), *sdispls = malloc(size * sizeof(int));
    int *rcounts = malloc(size * sizeof(int)), *rdispls = malloc(size * sizeof(int));
    MPI_Datatype *stypes = malloc(size * sizeof(MPI_Datatype));
    MPI_Datatype *rtypes = malloc(size * sizeof(MPI_Datatype));
    int at = 0;
    for (int j = 0; j < size; j++) {
        scounts[j] = rcounts[j] = 1 + (rank + j) % 3;
        stypes[j] = rtypes[j] = (rank + j) % 2 ? MPI_DOUBLE : MPI_INT;
        sdispls[j] = at;
        at += 32;
    }
    int rat = 0;
    for (int j = size - 1; j >= 0; j--) {
        rdispls[j] = rat;
        rat += 40;
    }
    double *sendbuf = malloc(at + 8), *recvbuf = malloc(rat + 8);
    char *send = (char *)sendbuf, *recv = (char *)recvbuf;
    memset(recv, 0xff, rat);
    for (int j = 0; j < size; j++) {
        char *block = in_place ? recv + rdispls[j] : send + sdispls[j];
        for (int k = 0; k < scounts[j]; k++) {
            int value = rank * 100 + j * 10 + k;
            if ((rank + j) % 2) ((double *)block)[k] = value + 0.5;
            else ((int *)block)[k] = value;
        }
    }
    if (in_place)
        MPI_Alltoallw(MPI_IN_PLACE, NULL, NULL, NULL, recv, rcounts, rdispls, rtypes,
                      MPI_COMM_WORLD);
    else
        MPI_Alltoallw(send, scounts, sdispls, stypes, recv, rcounts, rdispls, rtypes,
                      MPI_COMM_WORLD);
    printf("rank %d: alltoallw%s", rank, in_place ? " in place" : "");
    for (int j = 0; j < size; j++) {
        char *block = recv + rdispls[j];
        for (int k = 0; k < rcounts[j]; k++) {
            int want = j * 100 + rank * 10 + k;
            if ((rank + j) % 2) {
                expect("alltoallw double", k, ((double *)block)[k], want + 0.5);
                printf(" %.1f", ((double *)block)[k]);
            } else {
                expect("alltoallw int", k, ((int *)block)[k], want);
                printf(" %d", ((int *)block)[k]);
            }
        }
        /* The byte after the block is untouched. */
        int width = (rank + j) % 2 ? 8 : 4;
        expect("alltoallw gap", j, (unsigned char)block[rcounts[j] * width], 0xff);
    }
    printf("\n");
    free(scounts), free(sdispls), free(rcounts), free(rdispls), free(stypes), free(rtypes);
    free(sendbuf), free(recvbuf);
}

static void reduce_scatter(int in_place) {
    int *counts = malloc(size * sizeof(int)), total = 0, start = 0;
    for (int i = 0; i < size; i++) {
        counts[i] = i + 1;
        if (i < rank) start += counts[i];
        total += counts[i];
    }
    int *send = malloc(total * sizeof(int)), *recv = malloc(total * sizeof(int));
    for (int k = 0; k < total; k++) send[k] = rank * k + 1;
    if (in_place) {
        memcpy(recv, send, total * sizeof(int));
        MPI_Reduce_scatter(MPI_IN_PLACE, recv, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    } else {
        MPI_Reduce_scatter(send, recv, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    }
    for (int k = 0; k < counts[rank]; k++) {
        int i = start + k;
        expect("reduce_scatter", k, recv[k], (double)i * size * (size - 1) / 2 + size);
    }
    print_ints(in_place ? "reduce_scatter in place" : "reduce_scatter", recv, counts[rank]);
    free(counts), free(send), free(recv);

    double *dsend = malloc(2 * size * sizeof(double)), drecv[2 * 16];
    for (int k = 0; k < 2 * size; k++) dsend[k] = (rank * 7 + k * 3) % 5 + 0.25;
    if (in_place) {
        memcpy(drecv, dsend, 2 * size * sizeof(double));
        MPI_Reduce_scatter_block(MPI_IN_PLACE, drecv, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    } else {
        MPI_Reduce_scatter_block(dsend, drecv, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    }
    for (int k = 0; k < 2; k++) {
        double want = 0;
        for (int r = 0; r < size; r++) {
            double v = (r * 7 + (2 * rank + k) * 3) % 5 + 0.25;
            if (v > want) want = v;
        }
        expect("reduce_scatter_block", k, drecv[k], want);
    }
    printf("rank %d: reduce_scatter_block%s %.2f %.2f\n", rank, in_place ? " in place" : "",
           drecv[0], drecv[1]);
    free(dsend);
}

static void reduce_local(void) {
    int in[3] = {1, 2, 3}, inout[3] = {10, 20, 30};
    MPI_Reduce_local(in, inout, 3, MPI_INT, MPI_SUM);
    double din[2] = {1.5, -2}, dinout[2] = {4, 0.25};
    MPI_Reduce_local(din, dinout, 2, MPI_DOUBLE, MPI_PROD);
    for (int k = 0; k < 3; k++) expect("reduce_local", k, inout[k], 11 * (k + 1));
    expect("reduce_local prod", 0, dinout[0], 6);
    expect("reduce_local prod", 1, dinout[1], -0.5);
    printf("rank %d: reduce_local %d %d %d %.2f %.2f\n", rank, inout[0], inout[1], inout[2],
           dinout[0], dinout[1]);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int in_place = 0; in_place < 2; in_place++) {
        gatherv(in_place);
        scatterv(in_place);
        allgatherv(in_place);
        alltoallv(in_place);
        alltoallw(in_place);
        reduce_scatter(in_place);
    }
    reduce_local();
    printf("rank %d: %d errors\n", rank, errors);
    MPI_Finalize();
    return errors != 0;
}

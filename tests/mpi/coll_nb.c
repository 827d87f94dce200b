/* Every non-blocking collective: started together in batches and completed with MPI_Waitall,
 * or one by one completed with an MPI_Test loop; v and w variants with uneven counts and
 * reversed displacements whose arrays are only read at completion; in-place forms. Results
 * are checked and printed. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 16

static int rank, size, errors;

static void expect(const char *what, int i, double got, double want) {
    if (got != want) {
        printf("rank %d: %s[%d] = %g, expected %g\n", rank, what, i, got, want);
        errors++;
    }
}

static void wait_by_testing(MPI_Request *req) {
    int done = 0;
    while (!done) MPI_Test(req, &done, MPI_STATUS_IGNORE);
    if (*req != MPI_REQUEST_NULL) {
        printf("rank %d: request not null after completion\n", rank);
        errors++;
    }
}

/* Batch 1: rooted collectives and barrier, completed together with MPI_Waitall. */
static void rooted(void) {
    MPI_Request reqs[8];
    int root = size / 2;
    /* Ibcast */
    double pi = rank == root ? 3.25 : 0;
    MPI_Ibcast(&pi, 1, MPI_DOUBLE, root, MPI_COMM_WORLD, &reqs[0]);
    /* Igather */
    int mine = rank * rank + 1, all[MAXP];
    MPI_Igather(&mine, 1, MPI_INT, all, 1, MPI_INT, root, MPI_COMM_WORLD, &reqs[1]);
    /* Igatherv: rank i contributes i + 1 ints, stored in reverse order with gaps. */
    int gcounts[MAXP], gdispls[MAXP], gathered[MAXP * (MAXP + 3)], gsend[MAXP], at = 0;
    for (int i = size - 1; i >= 0; i--) {
        gcounts[i] = i + 1;
        gdispls[i] = at;
        at += gcounts[i] + 1;
    }
    int gtotal = at;
    for (int i = 0; i < gtotal; i++) gathered[i] = -1;
    for (int k = 0; k <= rank; k++) gsend[k] = rank * 10 + k;
    MPI_Igatherv(gsend, rank + 1, MPI_INT, gathered, gcounts, gdispls, MPI_INT, root,
                 MPI_COMM_WORLD, &reqs[2]);
    /* Iscatter */
    int scat_src[MAXP * 2], scat[2] = {-1, -1};
    for (int i = 0; i < 2 * size; i++) scat_src[i] = 500 + i;
    MPI_Iscatter(scat_src, 2, MPI_INT, scat, 2, MPI_INT, root, MPI_COMM_WORLD, &reqs[3]);
    /* Iscatterv: rank i gets (i % 3) doubles. */
    int scounts[MAXP], sdispls[MAXP];
    double sv_src[MAXP * 4], sv[3] = {-1, -1, -1};
    at = 0;
    for (int i = size - 1; i >= 0; i--) {
        scounts[i] = i % 3;
        sdispls[i] = at;
        at += scounts[i] + 1;
    }
    for (int i = 0; i < at; i++) sv_src[i] = i + 0.5;
    MPI_Iscatterv(sv_src, scounts, sdispls, MPI_DOUBLE, sv, rank % 3, MPI_DOUBLE, root,
                  MPI_COMM_WORLD, &reqs[4]);
    /* Ireduce, with the root in place */
    long lsum = rank + 1;
    long one = rank + 1;
    if (rank == root)
        MPI_Ireduce(MPI_IN_PLACE, &lsum, 1, MPI_LONG, MPI_SUM, root, MPI_COMM_WORLD, &reqs[5]);
    else
        MPI_Ireduce(&one, NULL, 1, MPI_LONG, MPI_SUM, root, MPI_COMM_WORLD, &reqs[5]);
    MPI_Ibarrier(MPI_COMM_WORLD, &reqs[6]);
    /* Igather into an in-place root */
    int inplace_all[MAXP];
    for (int i = 0; i < size; i++) inplace_all[i] = i == rank ? 42 + rank : -1;
    if (rank == root)
        MPI_Igather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, inplace_all, 1, MPI_INT, root,
                    MPI_COMM_WORLD, &reqs[7]);
    else
        MPI_Igather(&inplace_all[rank], 1, MPI_INT, NULL, 0, MPI_DATATYPE_NULL, root,
                    MPI_COMM_WORLD, &reqs[7]);
    /* Scribbling over the stack here would be wrong (the arrays must stay), so just wait. */
    MPI_Waitall(8, reqs, MPI_STATUSES_IGNORE);
    for (int i = 0; i < 8; i++)
        if (reqs[i] != MPI_REQUEST_NULL) errors++;

    expect("ibcast", 0, pi, 3.25);
    for (int k = 0; k < 2; k++) expect("iscatter", k, scat[k], 500 + 2 * rank + k);
    for (int k = 0; k < rank % 3; k++) expect("iscatterv", k, sv[k], sdispls[rank] + k + 0.5);
    printf("rank %d: ibcast %.2f iscatter %d %d iscatterv %.1f %.1f\n", rank, pi, scat[0], scat[1],
           sv[0], sv[1]);
    if (rank == root) {
        printf("rank %d: igather", rank);
        for (int i = 0; i < size; i++) {
            expect("igather", i, all[i], i * i + 1);
            printf(" %d", all[i]);
        }
        printf(" igatherv");
        for (int i = 0; i < size; i++)
            for (int k = 0; k < gcounts[i]; k++) expect("igatherv", k, gathered[gdispls[i] + k], i * 10 + k);
        for (int i = 0; i < gtotal; i++) printf(" %d", gathered[i]);
        expect("ireduce", 0, lsum, size * (size + 1) / 2);
        printf(" ireduce %ld in place", lsum);
        for (int i = 0; i < size; i++) {
            expect("igather in place", i, inplace_all[i], 42 + i);
            printf(" %d", inplace_all[i]);
        }
        printf("\n");
    }
}

/* Batch 2: the all-to-all family, each completed with a Test loop. */
static void everyone(void) {
    MPI_Request req;
    /* Iallgather */
    short piece = (short)(rank * 3), pieces[MAXP];
    MPI_Iallgather(&piece, 1, MPI_SHORT, pieces, 1, MPI_SHORT, MPI_COMM_WORLD, &req);
    wait_by_testing(&req);
    for (int i = 0; i < size; i++) expect("iallgather", i, pieces[i], i * 3);
    /* Iallgatherv, in place: rank i has 2 - i % 2 ints at reversed displacements. */
    int counts[MAXP], displs[MAXP], buf[MAXP * 3], at = 0;
    for (int i = size - 1; i >= 0; i--) {
        counts[i] = 2 - i % 2;
        displs[i] = at;
        at += counts[i] + 1;
    }
    for (int i = 0; i < at; i++) buf[i] = -1;
    for (int k = 0; k < counts[rank]; k++) buf[displs[rank] + k] = rank * 100 + k;
    MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, MPI_INT,
                    MPI_COMM_WORLD, &req);
    wait_by_testing(&req);
    printf("rank %d: iallgather", rank);
    for (int i = 0; i < size; i++) printf(" %d", pieces[i]);
    printf(" iallgatherv in place");
    for (int i = 0; i < size; i++)
        for (int k = 0; k < counts[i]; k++) expect("iallgatherv", k, buf[displs[i] + k], i * 100 + k);
    for (int i = 0; i < at; i++) printf(" %d", buf[i]);
    printf("\n");
    /* Iallgatherv, not in place */
    int mine[2] = {rank * 100, rank * 100 + 1}, buf2[MAXP * 3];
    for (int i = 0; i < at; i++) buf2[i] = -1;
    MPI_Iallgatherv(mine, counts[rank], MPI_INT, buf2, counts, displs, MPI_INT, MPI_COMM_WORLD,
                    &req);
    wait_by_testing(&req);
    for (int i = 0; i < at; i++) expect("iallgatherv copy", i, buf2[i], buf[i]);

    /* Ialltoall */
    int send[MAXP], recv[MAXP];
    for (int j = 0; j < size; j++) send[j] = rank * 100 + j;
    MPI_Ialltoall(send, 1, MPI_INT, recv, 1, MPI_INT, MPI_COMM_WORLD, &req);
    wait_by_testing(&req);
    for (int j = 0; j < size; j++) expect("ialltoall", j, recv[j], j * 100 + rank);
    /* Ialltoallv: (rank + j) % 3 ints to j */
    int sc[MAXP], sd[MAXP], rc[MAXP], rd[MAXP], vs[MAXP * 3], vr[MAXP * 4];
    int sat = 0, rat = 0;
    for (int j = 0; j < size; j++) {
        sc[j] = rc[j] = (rank + j) % 3;
        sd[j] = sat;
        sat += sc[j];
    }
    for (int j = size - 1; j >= 0; j--) {
        rd[j] = rat;
        rat += rc[j] + 1;
    }
    for (int j = 0; j < size; j++)
        for (int k = 0; k < sc[j]; k++) vs[sd[j] + k] = rank * 1000 + j * 10 + k;
    for (int i = 0; i < rat; i++) vr[i] = -1;
    MPI_Ialltoallv(vs, sc, sd, MPI_INT, vr, rc, rd, MPI_INT, MPI_COMM_WORLD, &req);
    wait_by_testing(&req);
    for (int j = 0; j < size; j++)
        for (int k = 0; k < rc[j]; k++) expect("ialltoallv", k, vr[rd[j] + k], j * 1000 + rank * 10 + k);
    /* Ialltoallw: ints to even-sum peers, doubles to odd-sum peers, 16-byte slots */
    int wc[MAXP], wd[MAXP];
    MPI_Datatype wt[MAXP];
    double wsend[MAXP * 2], wrecv[MAXP * 2];
    for (int j = 0; j < size; j++) {
        wc[j] = 1 + (rank + j) % 2;
        wt[j] = (rank + j) % 2 ? MPI_DOUBLE : MPI_INT;
        wd[j] = 16 * j;
        char *slot = (char *)wsend + 16 * j;
        for (int k = 0; k < wc[j]; k++) {
            if ((rank + j) % 2) ((double *)slot)[k] = rank + j / 10.0 + k;
            else ((int *)slot)[k] = rank * 10 + j + k;
        }
    }
    memset(wrecv, 0, sizeof wrecv);
    MPI_Ialltoallw(wsend, wc, wd, wt, wrecv, wc, wd, wt, MPI_COMM_WORLD, &req);
    wait_by_testing(&req);
    printf("rank %d: ialltoall", rank);
    for (int j = 0; j < size; j++) printf(" %d", recv[j]);
    printf(" ialltoallv");
    for (int i = 0; i < rat; i++) printf(" %d", vr[i]);
    printf(" ialltoallw");
    for (int j = 0; j < size; j++) {
        char *slot = (char *)wrecv + 16 * j;
        for (int k = 0; k < wc[j]; k++) {
            if ((rank + j) % 2) {
                expect("ialltoallw", k, ((double *)slot)[k], j + rank / 10.0 + k);
                printf(" %.1f", ((double *)slot)[k]);
            } else {
                expect("ialltoallw", k, ((int *)slot)[k], j * 10 + rank + k);
                printf(" %d", ((int *)slot)[k]);
            }
        }
    }
    printf("\n");
}

/* Batch 3: reductions, started together and completed with MPI_Waitall. */
static void reductions(void) {
    MPI_Request reqs[7];
    int v[2] = {rank + 1, -rank}, all_sum[2];
    MPI_Iallreduce(v, all_sum, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[0]);
    double mx[3] = {rank * 1.5, -rank * 1.0, 7};
    MPI_Iallreduce(MPI_IN_PLACE, mx, 3, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, &reqs[1]);
    int scan_in = rank + 1, scan = 0, exscan = -5;
    MPI_Iscan(&scan_in, &scan, 1, MPI_INT, MPI_PROD, MPI_COMM_WORLD, &reqs[2]);
    MPI_Iexscan(&scan_in, &exscan, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[3]);
    /* Ireduce_scatter: rank i gets i + 1 elements */
    int counts[MAXP], total = 0, start = 0;
    for (int i = 0; i < size; i++) {
        counts[i] = i + 1;
        if (i < rank) start += counts[i];
        total += counts[i];
    }
    int rs_send[MAXP * (MAXP + 1) / 2], rs_recv[MAXP];
    for (int k = 0; k < total; k++) rs_send[k] = k + rank;
    MPI_Ireduce_scatter(rs_send, rs_recv, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[4]);
    /* Ireduce_scatter_block, in place */
    int blk[MAXP * 2];
    for (int k = 0; k < 2 * size; k++) blk[k] = (k * 5 + rank) % 7;
    MPI_Ireduce_scatter_block(MPI_IN_PLACE, blk, 2, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &reqs[5]);
    /* Iscan in place */
    double sc[2] = {rank + 0.5, 2};
    MPI_Iscan(MPI_IN_PLACE, sc, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &reqs[6]);
    MPI_Waitall(7, reqs, MPI_STATUSES_IGNORE);

    expect("iallreduce", 0, all_sum[0], size * (size + 1) / 2);
    expect("iallreduce", 1, all_sum[1], -size * (size - 1) / 2);
    expect("iallreduce in place", 0, mx[0], (size - 1) * 1.5);
    expect("iallreduce in place", 1, mx[1], 0);
    int fact = 1;
    for (int i = 1; i <= rank + 1; i++) fact *= i;
    expect("iscan", 0, scan, fact);
    if (rank > 0) expect("iexscan", 0, exscan, rank * (rank + 1) / 2);
    for (int k = 0; k < counts[rank]; k++)
        expect("ireduce_scatter", k, rs_recv[k], size * (start + k) + size * (size - 1) / 2);
    for (int k = 0; k < 2; k++) {
        int want = 7;
        for (int r = 0; r < size; r++) {
            int x = ((2 * rank + k) * 5 + r) % 7;
            if (x < want) want = x;
        }
        expect("ireduce_scatter_block", k, blk[k], want);
    }
    expect("iscan in place", 0, sc[0], (rank + 1) * (rank + 1) / 2.0);
    expect("iscan in place", 1, sc[1], 2.0 * (rank + 1));
    printf("rank %d: iallreduce %d %d max %.1f %.1f %.1f iscan %d iexscan %d", rank, all_sum[0],
           all_sum[1], mx[0], mx[1], mx[2], scan, rank > 0 ? exscan : 0);
    printf(" ireduce_scatter");
    for (int k = 0; k < counts[rank]; k++) printf(" %d", rs_recv[k]);
    printf(" block %d %d iscan in place %.2f %.2f\n", blk[0], blk[1], sc[0], sc[1]);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > MAXP) MPI_Abort(MPI_COMM_WORLD, 2);
    for (int round = 0; round < 2; round++) {
        rooted();
        everyone();
        reductions();
    }
    printf("rank %d: %d errors\n", rank, errors);
    MPI_Finalize();
    return errors != 0;
}

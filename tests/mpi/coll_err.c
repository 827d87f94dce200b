/* Error cases of the v/w collectives, reductions and user-defined operations (wasm only,
 * under MPI_ERRORS_RETURN): Gatherv displacements past the end of linear memory at the root;
 * receive arguments that are garbage where they are not significant; negative counts; a bogus
 * datatype in an Alltoallw array; a non-blocking Igatherv refused before it starts;
 * predefined reductions on long double; freeing a predefined operation; MPI_Op_create
 * without registered scratch memory (as a module built with another mpi.h would call it);
 * more user-defined operations than can exist at once. Each line names the error class.
 * With an argument, rank 1 then repeats the first Gatherv under MPI_ERRORS_ARE_FATAL. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

/* MPI_Op_create as a module built with another header imports it: no scratch memory. */
__attribute__((import_module("env"), import_name("MPI_Op_create"))) int
raw_op_create(MPI_User_function *fn, int commute, MPI_Op *op);

static int rank;

static const char *class_name(int rc) {
    int class = rc;
    if (rc != MPI_SUCCESS) MPI_Error_class(rc, &class);
    switch (class) {
    case MPI_SUCCESS: return "MPI_SUCCESS";
    case MPI_ERR_BUFFER: return "MPI_ERR_BUFFER";
    case MPI_ERR_COUNT: return "MPI_ERR_COUNT";
    case MPI_ERR_TYPE: return "MPI_ERR_TYPE";
    case MPI_ERR_OP: return "MPI_ERR_OP";
    case MPI_ERR_ARG: return "MPI_ERR_ARG";
    case MPI_ERR_OTHER: return "MPI_ERR_OTHER";
    default: return "another class";
    }
}

static void report(const char *what, int rc) { printf("rank %d: %s -> %s\n", rank, what, class_name(rc)); }

static void nop(void *in, void *inout, int *len, MPI_Datatype *dt) { (void)in, (void)inout, (void)len, (void)dt; }

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    char *end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536);

    MPI_Op op;
    report("op create without scratch", raw_op_create(nop, 1, &op));

    /* On MPI_COMM_SELF every rank is the root. */
    int buf[4] = {1, 2, 3, 4}, recv[8];
    int counts[1] = {2}, displs[1] = {(int)((end - (char *)recv) / sizeof(int)) + 1};
    report("gatherv displacement past end", MPI_Gatherv(buf, 2, MPI_INT, recv, counts, displs, MPI_INT, 0, MPI_COMM_SELF));
    displs[0] = (int)((end - (char *)recv) / sizeof(int)) - 1; /* the second int is past the end */
    report("gatherv block straddling end", MPI_Gatherv(buf, 2, MPI_INT, recv, counts, displs, MPI_INT, 0, MPI_COMM_SELF));
    displs[0] = 0;
    report("gatherv in bounds", MPI_Gatherv(buf, 2, MPI_INT, recv, counts, displs, MPI_INT, 0, MPI_COMM_SELF));
    counts[0] = -1;
    report("gatherv negative count", MPI_Gatherv(buf, 0, MPI_INT, recv, counts, displs, MPI_INT, 0, MPI_COMM_SELF));
    report("gatherv counts array past end", MPI_Gatherv(buf, 0, MPI_INT, recv, (int *)(end - 2), displs, MPI_INT, 0, MPI_COMM_SELF));

    /* On the world, only the root's receive arguments count: the others pass garbage. */
    int wcounts[64], wdispls[64], all[64];
    for (int i = 0; i < size; i++) wcounts[i] = 1, wdispls[i] = size - 1 - i;
    if (rank == 0)
        report("gatherv world root", MPI_Gatherv(&rank, 1, MPI_INT, all, wcounts, wdispls, MPI_INT, 0, MPI_COMM_WORLD));
    else
        report("gatherv world non-root garbage", MPI_Gatherv(&rank, 1, MPI_INT, end + 64, (int *)(end + 4), (int *)-8, (MPI_Datatype)12345, 0, MPI_COMM_WORLD));
    if (rank == 0) {
        int ok = 1;
        for (int i = 0; i < size; i++) ok &= all[size - 1 - i] == i;
        printf("rank 0: gatherv world result %s\n", ok ? "right" : "wrong");
    }

    MPI_Request req;
    counts[0] = 2, displs[0] = (int)((end - (char *)recv) / sizeof(int));
    report("igatherv displacement past end", MPI_Igatherv(buf, 2, MPI_INT, recv, counts, displs, MPI_INT, 0, MPI_COMM_SELF, &req));

    int one[1] = {1}, zero[1] = {0}, neg[1] = {-3};
    MPI_Datatype types[1] = {MPI_INT}, bogus[1] = {(MPI_Datatype)4242};
    report("alltoallw bogus datatype", MPI_Alltoallw(buf, one, zero, types, recv, one, zero, bogus, MPI_COMM_SELF));
    int far[1] = {(int)(end - (char *)recv)};
    report("alltoallw byte displacement past end", MPI_Alltoallw(buf, one, zero, types, recv, one, far, types, MPI_COMM_SELF));
    report("alltoallv negative count", MPI_Alltoallv(buf, neg, zero, MPI_INT, recv, neg, zero, MPI_INT, MPI_COMM_SELF));
    report("scatterv displacement past end", MPI_Scatterv(buf, one, far, MPI_INT, recv, 1, MPI_INT, 0, MPI_COMM_SELF));
    report("reduce_scatter negative count", MPI_Reduce_scatter(buf, recv, neg, MPI_INT, MPI_SUM, MPI_COMM_SELF));

    long double ld = 1.5L, ldout = 0;
    report("allreduce sum long double", MPI_Allreduce(&ld, &ldout, 1, MPI_LONG_DOUBLE, MPI_SUM, MPI_COMM_SELF));
    report("reduce_local max long double", MPI_Reduce_local(&ld, &ldout, 1, MPI_LONG_DOUBLE, MPI_MAX));
    report("iallreduce sum long double int", MPI_Iallreduce(&ld, &ldout, 1, MPI_LONG_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_SELF, &req));

    MPI_Op sum = MPI_SUM;
    report("op free predefined", MPI_Op_free(&sum));

    MPI_Op ops[100];
    int made = 0, rc = MPI_SUCCESS;
    while (made < 100 && (rc = MPI_Op_create(nop, 1, &ops[made])) == MPI_SUCCESS) made++;
    printf("rank %d: created %d ops before refusal\n", rank, made);
    report("op create beyond the pool", rc);
    for (int i = 0; i < made; i++) MPI_Op_free(&ops[i]);
    report("op create after freeing", MPI_Op_create(nop, 1, &op));
    MPI_Op_free(&op);

    MPI_Barrier(MPI_COMM_WORLD);
    if (argc > 1 && rank == 1) {
        /* With the default handler the job ends, naming the rank, the call and the block. */
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
        end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536); /* it grew since */
        counts[0] = 2, displs[0] = (int)((end - (char *)recv) / sizeof(int)) + 1;
        MPI_Gatherv(buf, 2, MPI_INT, recv, counts, displs, MPI_INT, 0, MPI_COMM_SELF);
        printf("unreachable\n");
    }
    MPI_Finalize();
    return 0;
}

/* Derived datatypes in communication: every constructor's type is sent around a ring (or to
 * self) and received both contiguously and through a derived type; sizes, extents and true
 * extents are printed. Covers a matrix column (vector), byte strides (hvector), negative
 * displacements (indexed, hindexed), blocks (indexed_block, hindexed_block), a struct built
 * with MPI_Get_address and sent from MPI_BOTTOM, 3D subarrays in C and Fortran order, darrays,
 * resized types (also with a negative lower bound), dup and nesting. */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int rank, size, right, left;

static void geometry(const char *what, MPI_Datatype t) {
    if (rank != 0)
        return;
    int sz;
    MPI_Count lb, extent, tlb, textent, szx;
    MPI_Type_size(t, &sz);
    MPI_Type_size_x(t, &szx);
    MPI_Type_get_extent_x(t, &lb, &extent);
    MPI_Type_get_true_extent_x(t, &tlb, &textent);
    MPI_Aint alb, aextent, atlb, atextent;
    MPI_Type_get_extent(t, &alb, &aextent);
    MPI_Type_get_true_extent(t, &atlb, &atextent);
    printf("rank 0: %s: size %d/%lld lb %lld extent %lld true_lb %lld true_extent %lld | aint %lld %lld %lld %lld\n",
           what, sz, szx, lb, extent, tlb, textent, (long long)alb, (long long)aextent,
           (long long)atlb, (long long)atextent);
}

/* Sends count x stype from sbuf to the right neighbour, receives from the left. */
static void ring(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype) {
    MPI_Status st;
    MPI_Sendrecv(sbuf, scount, stype, right, 1, rbuf, rcount, rtype, left, 1, MPI_COMM_WORLD, &st);
    int n;
    MPI_Get_count(&st, rtype, &n);
    if (n != rcount)
        printf("rank %d: count %d, expected %d\n", rank, n, rcount);
}

static void print_ints(const char *what, const int *v, int n) {
    printf("rank %d: %s:", rank, what);
    for (int i = 0; i < n; i++)
        printf(" %d", v[i]);
    printf("\n");
}

static void print_doubles(const char *what, const double *v, int n) {
    printf("rank %d: %s:", rank, what);
    for (int i = 0; i < n; i++)
        printf(" %.2f", v[i]);
    printf("\n");
}

static void vectors(void) {
    /* A matrix column. */
    int m[4][5], r[4][5], col[4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++)
            m[i][j] = rank * 100 + i * 10 + j, r[i][j] = -1;
    MPI_Datatype column;
    MPI_Type_vector(4, 1, 5, MPI_INT, &column);
    MPI_Type_commit(&column);
    geometry("vector column", column);
    ring(&m[0][2], 1, column, col, 4, MPI_INT);
    print_ints("column 2 from left", col, 4);
    /* Into a column of another matrix; the rest stays untouched. */
    ring(&m[0][1], 1, column, &r[0][3], 1, column);
    print_ints("matrix with column 3 from left", &r[0][0], 20);

    /* Two columns at once: the resized column steps one int. */
    MPI_Datatype step;
    MPI_Type_create_resized(column, 0, sizeof(int), &step);
    MPI_Type_commit(&step);
    geometry("resized column", step);
    int two[8];
    ring(&m[0][3], 2, step, two, 8, MPI_INT);
    print_ints("columns 3 and 4 from left", two, 8);

    /* Byte stride over an array of structs. */
    struct rec { int id; double v; } recs[3];
    for (int i = 0; i < 3; i++)
        recs[i].id = i, recs[i].v = rank + i * 0.25;
    MPI_Datatype vs;
    MPI_Type_create_hvector(3, 1, sizeof(struct rec), MPI_DOUBLE, &vs);
    MPI_Type_commit(&vs);
    geometry("hvector", vs);
    double got[3];
    ring(&recs[0].v, 1, vs, got, 3, MPI_DOUBLE);
    print_doubles("hvector from left", got, 3);

    MPI_Datatype dup;
    MPI_Type_dup(column, &dup);
    MPI_Type_commit(&dup);
    geometry("dup of column", dup);
    ring(&m[0][4], 1, dup, col, 4, MPI_INT);
    print_ints("dup column 4 from left", col, 4);

    MPI_Datatype three;
    MPI_Type_contiguous(3, MPI_DOUBLE, &three);
    MPI_Type_commit(&three);
    geometry("contiguous", three);
    double d[6] = {rank, rank + 0.5, rank + 1, rank + 1.5, rank + 2, rank + 2.5}, dg[6];
    ring(d, 2, three, dg, 6, MPI_DOUBLE);
    print_doubles("contiguous from left", dg, 6);

    MPI_Type_free(&column);
    MPI_Type_free(&step);
    MPI_Type_free(&vs);
    MPI_Type_free(&dup);
    MPI_Type_free(&three);
}

static void indexed(void) {
    int arr[12], out[12], got[5];
    for (int i = 0; i < 12; i++)
        arr[i] = rank * 1000 + i, out[i] = -1;
    /* Negative displacements from the middle of the array. */
    int lens[3] = {2, 1, 2}, disps[3] = {-5, -1, 3};
    MPI_Datatype ix;
    MPI_Type_indexed(3, lens, disps, MPI_INT, &ix);
    MPI_Type_commit(&ix);
    geometry("indexed (negative displacement)", ix);
    ring(&arr[5], 1, ix, got, 5, MPI_INT);
    print_ints("indexed from left", got, 5);
    ring(&arr[5], 1, ix, &out[5], 1, ix);
    print_ints("indexed into indexed", out, 12);

    /* The same in bytes. */
    MPI_Aint hdisps[3] = {-5 * (MPI_Aint)sizeof(int), -(MPI_Aint)sizeof(int), 3 * sizeof(int)};
    MPI_Datatype hx;
    MPI_Type_create_hindexed(3, lens, hdisps, MPI_INT, &hx);
    MPI_Type_commit(&hx);
    geometry("hindexed", hx);
    ring(&arr[5], 1, hx, got, 5, MPI_INT);
    print_ints("hindexed from left", got, 5);

    double dv[10], dg[6];
    for (int i = 0; i < 10; i++)
        dv[i] = rank + i / 10.0;
    int bdisps[3] = {7, 0, 4};
    MPI_Datatype bx;
    MPI_Type_create_indexed_block(3, 2, bdisps, MPI_DOUBLE, &bx);
    MPI_Type_commit(&bx);
    geometry("indexed_block", bx);
    ring(dv, 1, bx, dg, 6, MPI_DOUBLE);
    print_doubles("indexed_block from left", dg, 6);

    MPI_Aint hb[2] = {8 * sizeof(double), 2 * sizeof(double)};
    MPI_Datatype hbx;
    MPI_Type_create_hindexed_block(2, 2, hb, MPI_DOUBLE, &hbx);
    MPI_Type_commit(&hbx);
    geometry("hindexed_block", hbx);
    ring(dv, 1, hbx, dg, 4, MPI_DOUBLE);
    print_doubles("hindexed_block from left", dg, 4);

    /* A resized type with a negative lower bound: the elements of count 3 step 3 ints. */
    MPI_Datatype neg;
    MPI_Type_create_resized(MPI_INT, -2 * (MPI_Aint)sizeof(int), 3 * sizeof(int), &neg);
    MPI_Type_commit(&neg);
    geometry("resized (negative lb)", neg);
    ring(&arr[1], 3, neg, got, 3, MPI_INT);
    print_ints("every third from left", got, 3);

    MPI_Type_free(&ix);
    MPI_Type_free(&hx);
    MPI_Type_free(&bx);
    MPI_Type_free(&hbx);
    MPI_Type_free(&neg);
}

struct item {
    int n;
    double x;
    char tag[5];
};

static void structs(void) {
    struct item it = {rank * 7, rank + 0.125, "abcd"};
    it.tag[0] = 'a' + rank;
    int lens[3] = {1, 1, 5};
    MPI_Datatype types[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};

    /* Absolute addresses, sent from MPI_BOTTOM. */
    MPI_Aint addrs[3], base;
    MPI_Get_address(&it.n, &addrs[0]);
    MPI_Get_address(&it.x, &addrs[1]);
    MPI_Get_address(it.tag, &addrs[2]);
    MPI_Get_address(&it, &base);
    MPI_Datatype absolute;
    MPI_Type_create_struct(3, lens, addrs, types, &absolute);
    MPI_Type_commit(&absolute);

    /* Relative displacements, resized to the struct's size. */
    MPI_Aint disps[3];
    for (int i = 0; i < 3; i++)
        disps[i] = MPI_Aint_diff(addrs[i], base);
    if (rank == 0)
        printf("rank 0: struct displacements %lld %lld %lld, add back %d\n", (long long)disps[0],
               (long long)disps[1], (long long)disps[2],
               MPI_Aint_add(base, disps[2]) == addrs[2]);
    MPI_Datatype rel, item_t;
    MPI_Type_create_struct(3, lens, disps, types, &rel);
    MPI_Type_create_resized(rel, 0, sizeof(struct item), &item_t);
    MPI_Type_commit(&item_t);
    geometry("struct", rel);
    geometry("struct resized", item_t);

    struct item got[2];
    memset(got, 0, sizeof got);
    ring(MPI_BOTTOM, 1, absolute, &got[1], 1, item_t);
    printf("rank %d: struct from MPI_BOTTOM of left: %d %.3f %s\n", rank, got[1].n, got[1].x,
           got[1].tag);

    /* Received into MPI_BOTTOM with absolute addresses. */
    struct item mine = it;
    MPI_Sendrecv(&mine, 1, item_t, right, 2, MPI_BOTTOM, 1, absolute, left, 2, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    printf("rank %d: struct into MPI_BOTTOM: %d %.3f %s\n", rank, it.n, it.x, it.tag);

    /* Arrays of structs with the resized type, and a broadcast. */
    struct item arr[3];
    for (int i = 0; i < 3; i++) {
        arr[i].n = rank * 10 + i;
        arr[i].x = i * 1.5;
        snprintf(arr[i].tag, sizeof arr[i].tag, "r%di%d", rank % 10, i);
    }
    struct item in[3];
    ring(arr, 3, item_t, in, 3, item_t);
    for (int i = 0; i < 3; i++)
        printf("rank %d: struct array[%d] from left: %d %.1f %s\n", rank, i, in[i].n, in[i].x,
               in[i].tag);
    MPI_Bcast(arr, 3, item_t, size - 1, MPI_COMM_WORLD);
    printf("rank %d: bcast structs: %d %d %d %s\n", rank, arr[0].n, arr[1].n, arr[2].n,
           arr[2].tag);

    MPI_Type_free(&absolute);
    MPI_Type_free(&rel);
    MPI_Type_free(&item_t);
}

static void arrays(void) {
    static int a[4][5][6];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++)
            for (int k = 0; k < 6; k++)
                a[i][j][k] = rank * 1000 + i * 100 + j * 10 + k;
    int sizes[3] = {4, 5, 6}, subsizes[3] = {2, 3, 2}, starts[3] = {1, 1, 2};
    MPI_Datatype sub, fsub;
    MPI_Type_create_subarray(3, sizes, subsizes, starts, MPI_ORDER_C, MPI_INT, &sub);
    MPI_Type_commit(&sub);
    geometry("subarray C", sub);
    int got[12], fgot[12];
    ring(a, 1, sub, got, 12, MPI_INT);
    print_ints("subarray from left", got, 12);

    int fsizes[3] = {6, 5, 4}, fsubsizes[3] = {2, 3, 2}, fstarts[3] = {2, 1, 1};
    MPI_Type_create_subarray(3, fsizes, fsubsizes, fstarts, MPI_ORDER_FORTRAN, MPI_INT, &fsub);
    MPI_Type_commit(&fsub);
    geometry("subarray Fortran", fsub);
    ring(a, 1, fsub, fgot, 12, MPI_INT);
    printf("rank %d: Fortran subarray selects the same: %d\n", rank,
           memcmp(got, fgot, sizeof got) == 0);

    /* Scatter back into a zeroed array through the subarray type. */
    static int z[4][5][6];
    ring(got, 12, MPI_INT, z, 1, sub);
    int nonzero = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++)
            for (int k = 0; k < 6; k++)
                nonzero += z[i][j][k] != 0;
    printf("rank %d: subarray scatter: %d nonzero, z[2][3][3] = %d\n", rank, nonzero, z[2][3][3]);

    /* Darrays: a 6 x 8 global array over `size` x 1 processes, block by rows and cyclic(3) by
     * columns; and a cyclic(2) 1D array of 13. Each rank extracts its own part. */
    int g[6][8];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 8; j++)
            g[i][j] = i * 10 + j;
    int gsizes[2] = {6, 8}, distribs[2] = {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC};
    int dargs[2] = {MPI_DISTRIBUTE_DFLT_DARG, 3}, psizes[2] = {size, 1};
    for (int order = 0; order < 2; order++) {
        MPI_Datatype da;
        MPI_Type_create_darray(size, rank, 2, gsizes, distribs, dargs, psizes,
                               order ? MPI_ORDER_FORTRAN : MPI_ORDER_C, MPI_INT, &da);
        MPI_Type_commit(&da);
        int dsz;
        MPI_Type_size(da, &dsz);
        int mine[48];
        MPI_Sendrecv(g, 1, da, rank, 3, mine, 48, MPI_INT, rank, 3, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        char what[32];
        snprintf(what, sizeof what, "darray %s", order ? "Fortran" : "C");
        geometry(what, da);
        print_ints(what, mine, dsz / (int)sizeof(int));
        MPI_Type_free(&da);
    }
    int line[13];
    for (int i = 0; i < 13; i++)
        line[i] = i;
    int gs = 13, dist = MPI_DISTRIBUTE_CYCLIC, darg = 2, ps = size;
    MPI_Datatype cyc;
    MPI_Type_create_darray(size, rank, 1, &gs, &dist, &darg, &ps, MPI_ORDER_C, MPI_INT, &cyc);
    MPI_Type_commit(&cyc);
    int csz, part[13];
    MPI_Type_size(cyc, &csz);
    MPI_Sendrecv(line, 1, cyc, rank, 4, part, 13, MPI_INT, rank, 4, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    print_ints("cyclic darray", part, csz / (int)sizeof(int));
    MPI_Type_free(&cyc);
    MPI_Type_free(&sub);
    MPI_Type_free(&fsub);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    /* Whole lines per write: ranks' output is merged line by line. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    right = (rank + 1) % size;
    left = (rank + size - 1) % size;
    vectors();
    indexed();
    structs();
    arrays();
    MPI_Finalize();
    return 0;
}

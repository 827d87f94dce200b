/* User-defined reduction operations: a complex multiply on a struct (commutative), composition
 * of affine maps (non-commutative: order matters) with Reduce, Allreduce, Scan, Exscan,
 * Reduce_local and Iallreduce; a sum over 20000 doubles (more than one scratch chunk); the
 * datatype the user function sees; long double operands; MPI_Op_commutative; freeing an
 * operation while a reduction with it is pending; and creating and freeing more operations
 * over time than can exist at once. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, size, errors;

static void check(const char *what, int ok) {
    if (!ok) {
        printf("rank %d: %s failed\n", rank, what);
        errors++;
    }
}

typedef struct {
    double re, im;
} cplx;

static int wrong_type;

static void cmul(void *in, void *inout, int *len, MPI_Datatype *dt) {
    if (*dt != MPI_C_DOUBLE_COMPLEX) wrong_type++;
    cplx *a = in, *b = inout;
    for (int i = 0; i < *len; i++) {
        cplx c = {a[i].re * b[i].re - a[i].im * b[i].im, a[i].re * b[i].im + a[i].im * b[i].re};
        b[i] = c;
    }
}

/* x -> a x + b, as the pair (a, b); "u then v" is (v.a u.a, v.a u.b + v.b). */
typedef struct {
    int a, b;
} affine;

static void compose(void *in, void *inout, int *len, MPI_Datatype *dt) {
    if (*dt != MPI_2INT) wrong_type++;
    affine *u = in, *v = inout;
    for (int i = 0; i < *len; i++) {
        affine w = {v[i].a * u[i].a, v[i].a * u[i].b + v[i].b};
        v[i] = w;
    }
}

static void dsum(void *in, void *inout, int *len, MPI_Datatype *dt) {
    if (*dt != MPI_DOUBLE) wrong_type++;
    for (int i = 0; i < *len; i++) ((double *)inout)[i] += ((double *)in)[i];
}

/* Seen with MPI_INT (the host has one type for MPI_INT and MPI_INT32_T). */
static void imax(void *in, void *inout, int *len, MPI_Datatype *dt) {
    if (*dt != MPI_INT) wrong_type++;
    for (int i = 0; i < *len; i++)
        if (((int *)in)[i] > ((int *)inout)[i]) ((int *)inout)[i] = ((int *)in)[i];
}

static void ldsum(void *in, void *inout, int *len, MPI_Datatype *dt) {
    if (*dt != MPI_LONG_DOUBLE) wrong_type++;
    for (int i = 0; i < *len; i++) ((long double *)inout)[i] += ((long double *)in)[i];
}

static affine mine_affine(int r) {
    affine f = {r % 2 ? -1 : 2, r + 1};
    return f;
}

static affine then(affine u, affine v) {
    affine w = {v.a * u.a, v.a * u.b + v.b};
    return w;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    MPI_Op mul, comp, sum, max, ldop;
    MPI_Op_create(cmul, 1, &mul);
    MPI_Op_create(compose, 0, &comp);
    MPI_Op_create(dsum, 1, &sum);
    MPI_Op_create(imax, 1, &max);
    MPI_Op_create(ldsum, 1, &ldop);
    int c1, c2, c3;
    MPI_Op_commutative(mul, &c1);
    MPI_Op_commutative(comp, &c2);
    MPI_Op_commutative(MPI_SUM, &c3);
    printf("rank %d: commutative %d %d %d\n", rank, c1, c2, c3);

    /* Complex product of (1 + r/2) + (r - 1)i over all ranks, two lanes. */
    cplx z[2] = {{1 + 0.5 * rank, rank - 1.0}, {rank, 1}}, prod[2], want[2] = {{1, 0}, {1, 0}};
    for (int r = 0; r < size; r++) {
        cplx f[2] = {{1 + 0.5 * r, r - 1.0}, {r, 1}};
        for (int k = 0; k < 2; k++) {
            cplx c = {f[k].re * want[k].re - f[k].im * want[k].im,
                      f[k].re * want[k].im + f[k].im * want[k].re};
            want[k] = c;
        }
    }
    MPI_Allreduce(z, prod, 2, MPI_C_DOUBLE_COMPLEX, mul, MPI_COMM_WORLD);
    for (int k = 0; k < 2; k++)
        check("complex product", prod[k].re == want[k].re && prod[k].im == want[k].im);
    printf("rank %d: complex product %.3f%+.3fi %.3f%+.3fi\n", rank, prod[0].re, prod[0].im,
           prod[1].re, prod[1].im);

    /* Composition in rank order: Reduce to the last rank, Allreduce, Scan, Exscan. */
    affine f = mine_affine(rank), total = {1, 0}, got, scanned, exscanned = {0, 0}, prefix = {1, 0};
    for (int r = 0; r < size; r++) {
        total = then(total, mine_affine(r));
        if (r == rank) scanned = then(prefix, mine_affine(r));
        if (r < rank) prefix = then(prefix, mine_affine(r));
    }
    got.a = got.b = 0;
    MPI_Reduce(&f, &got, 1, MPI_2INT, comp, size - 1, MPI_COMM_WORLD);
    if (rank == size - 1) {
        check("composed reduce", got.a == total.a && got.b == total.b);
        printf("rank %d: composed reduce x -> %d x %+d\n", rank, got.a, got.b);
    }
    MPI_Allreduce(&f, &got, 1, MPI_2INT, comp, MPI_COMM_WORLD);
    check("composed allreduce", got.a == total.a && got.b == total.b);
    affine s;
    MPI_Scan(&f, &s, 1, MPI_2INT, comp, MPI_COMM_WORLD);
    check("composed scan", s.a == scanned.a && s.b == scanned.b);
    MPI_Exscan(&f, &exscanned, 1, MPI_2INT, comp, MPI_COMM_WORLD);
    if (rank > 0) check("composed exscan", exscanned.a == prefix.a && exscanned.b == prefix.b);
    printf("rank %d: composed allreduce x -> %d x %+d scan x -> %d x %+d exscan x -> %d x %+d\n",
           rank, got.a, got.b, s.a, s.b, rank > 0 ? exscanned.a : 1, rank > 0 ? exscanned.b : 0);

    /* Reduce_local with the non-commutative operation: inout = in then inout. */
    affine in = {3, 1}, inout = {2, 5};
    MPI_Reduce_local(&in, &inout, 1, MPI_2INT, comp);
    check("reduce_local", inout.a == 6 && inout.b == 7);
    printf("rank %d: reduce_local x -> %d x %+d\n", rank, inout.a, inout.b);

    /* Many doubles: several scratch chunks, and in place. */
    int n = 20000;
    double *v = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) v[i] = rank + i * 0.25;
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, sum, MPI_COMM_WORLD);
    int bad = 0;
    double checksum = 0;
    for (int i = 0; i < n; i++) {
        if (v[i] != size * (size - 1) / 2.0 + size * i * 0.25) bad++;
        checksum += v[i];
    }
    check("large sum", bad == 0);
    printf("rank %d: large sum checksum %.2f\n", rank, checksum);

    /* Non-blocking, with the callback running inside MPI_Wait. */
    MPI_Request req;
    int m = rank * 37 % 11, mx = -1;
    MPI_Iallreduce(&m, &mx, 1, MPI_INT, max, MPI_COMM_WORLD, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    int want_max = 0;
    for (int r = 0; r < size; r++)
        if (r * 37 % 11 > want_max) want_max = r * 37 % 11;
    check("iallreduce max", mx == want_max);
    printf("rank %d: iallreduce user max %d\n", rank, mx);

    /* An operation freed while a reduction started with it is pending still applies to it. */
    MPI_Op late;
    MPI_Op_create(imax, 1, &late);
    mx = -1;
    MPI_Iallreduce(&m, &mx, 1, MPI_INT, late, MPI_COMM_WORLD, &req);
    MPI_Op_free(&late);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    check("iallreduce with a freed op", mx == want_max);

    /* long double operands: moved as bytes, added by the program itself. */
    long double ld[2] = {rank + 0.125L, 1e-30L * (rank + 1)}, ldres[2];
    MPI_Allreduce(ld, ldres, 2, MPI_LONG_DOUBLE, ldop, MPI_COMM_WORLD);
    long double want0 = size * (size - 1) / 2.0L + size * 0.125L;
    check("long double sum", ldres[0] == want0);
    printf("rank %d: long double sum %.4f %.4g\n", rank, (double)ldres[0], (double)ldres[1]);

    /* Create and free more operations than may exist at once. */
    int created = 0;
    for (int i = 0; i < 100; i++) {
        MPI_Op tmp;
        if (MPI_Op_create(dsum, i % 2, &tmp) == MPI_SUCCESS) created++;
        int c;
        MPI_Op_commutative(tmp, &c);
        check("commutative flag", c == i % 2);
        MPI_Op_free(&tmp);
        check("freed op is null", tmp == MPI_OP_NULL);
    }
    double one = 1, all;
    MPI_Allreduce(&one, &all, 1, MPI_DOUBLE, sum, MPI_COMM_WORLD);
    check("sum after churn", all == size);
    printf("rank %d: created %d ops, sum %.0f\n", rank, created, all);

    MPI_Op_free(&mul);
    MPI_Op_free(&comp);
    MPI_Op_free(&sum);
    MPI_Op_free(&max);
    MPI_Op_free(&ldop);
    printf("rank %d: wrong datatype seen %d times, %d errors\n", rank, wrong_type, errors);
    free(v);
    MPI_Finalize();
    return errors != 0;
}

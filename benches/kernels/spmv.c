/* spmv: sparse matrix-vector product y = A x in CSR format, repeated.
 *
 * Usage: spmv [ROWS [ITERS]]   (default ROWS=500000, ITERS=100)
 * About 12 nonzeros per row: a band (diagonal +-1) plus random columns from
 * an LCG, so the x[col[k]] loads are indirect and partly cache-missing.
 * Exercises gather-style loads, i32 index arithmetic and bounds checks.
 * Each iteration normalizes by a power of two (exact), then x = y.
 * Prints sum(x) at the end, which must be bit-identical (no FMA contraction).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 500000;
    long iters = argc > 2 ? atol(argv[2]) : 100;
    const int per_row = 12;
    if (n < 4 || iters < 1) {
        fprintf(stderr, "usage: spmv [ROWS>=4 [ITERS>=1]]\n");
        return 2;
    }
    long nnz = n * per_row;
    int32_t *rowptr = malloc(sizeof(int32_t) * (n + 1));
    int32_t *col = malloc(sizeof(int32_t) * nnz);
    double *val = malloc(sizeof(double) * nnz);
    double *x = malloc(sizeof(double) * n);
    double *y = malloc(sizeof(double) * n);
    if (!rowptr || !col || !val || !x || !y) {
        fprintf(stderr, "spmv: out of memory\n");
        return 1;
    }
    uint32_t s = 7u;
    long k = 0;
    for (long i = 0; i < n; i++) {
        rowptr[i] = (int32_t)k;
        col[k] = (int32_t)i;            val[k++] = 4.0;
        col[k] = (int32_t)((i + 1) % n); val[k++] = -1.0;
        col[k] = (int32_t)((i + n - 1) % n); val[k++] = -1.0;
        for (int j = 3; j < per_row; j++) {
            s = s * 1664525u + 1013904223u;
            col[k] = (int32_t)((s >> 8) % (uint32_t)n);
            s = s * 1664525u + 1013904223u;
            val[k++] = (double)((s >> 27) + 1) / 64.0; /* 1/64 .. 32/64 */
        }
    }
    rowptr[n] = (int32_t)k;
    for (long i = 0; i < n; i++) x[i] = (double)(i % 1000) / 1000.0;
    for (long it = 0; it < iters; it++) {
        for (long i = 0; i < n; i++) {
            double acc = 0.0;
            for (int32_t p = rowptr[i]; p < rowptr[i + 1]; p++) acc += val[p] * x[col[p]];
            y[i] = acc * 0.25;
        }
        double *t = x;
        x = y;
        y = t;
    }
    double sum = 0.0;
    for (long i = 0; i < n; i++) sum += x[i];
    printf("spmv rows=%ld nnz=%ld iters=%ld checksum=%.17g x[7]=%.17g\n", n, nnz, iters, sum, x[7]);
    free(rowptr);
    free(col);
    free(val);
    free(x);
    free(y);
    return 0;
}

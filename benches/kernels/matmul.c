/* matmul: dense C = A * B on N x N doubles, naive triple loop in i-k-j order.
 *
 * Usage: matmul [N]   (default N=1280)
 * Compute bound (N^3 multiply-adds) with a unit-stride inner loop, the form
 * compilers vectorize; the wasm build is scalar (no -msimd128), so this shows
 * the cost of missing auto-vectorization as much as code quality.
 * Prints sum(C) and one element; no FMA contraction on either side.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t lcg_state = 12345u;
static double rnd(void) {                 /* small integers / 16: exact in double */
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (double)((lcg_state >> 24) % 17u) / 16.0 - 0.5;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1280;
    if (n < 1) {
        fprintf(stderr, "usage: matmul [N>=1]\n");
        return 2;
    }
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    double *c = calloc((size_t)(n * n), sizeof(double));
    if (!a || !b || !c) {
        fprintf(stderr, "matmul: out of memory\n");
        return 1;
    }
    for (long k = 0; k < n * n; k++) a[k] = rnd();
    for (long k = 0; k < n * n; k++) b[k] = rnd();
    for (long i = 0; i < n; i++) {
        double *ci = c + i * n;
        for (long k = 0; k < n; k++) {
            double aik = a[i * n + k];
            const double *bk = b + k * n;
            for (long j = 0; j < n; j++) ci[j] += aik * bk[j];
        }
    }
    double sum = 0.0;
    for (long k = 0; k < n * n; k++) sum += c[k] * (double)((k % 7) + 1);
    printf("matmul n=%ld checksum=%.17g c[n/2][n/3]=%.17g\n", n, sum, c[(n / 2) * n + n / 3]);
    free(a);
    free(b);
    free(c);
    return 0;
}

/* jacobi: 2D 5-point Jacobi stencil on an N x N grid of doubles.
 *
 * Usage: jacobi [N [ITERS]]   (default N=1024, ITERS=1200)
 * Fixed boundary (hot top edge), interior relaxed ITERS times, ping-ponging
 * between two grids. Memory-bandwidth and FP-add bound; exercises linear
 * memory loads/stores with regular strides.
 * Prints a checksum (sum of the grid and one sample point) that must be
 * bit-identical between native and wasm: only + and * by 0.25, no FMA
 * contraction (native is built with -ffp-contract=off).
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1024;
    long iters = argc > 2 ? atol(argv[2]) : 1200;
    if (n < 3 || iters < 1) {
        fprintf(stderr, "usage: jacobi [N>=3 [ITERS>=1]]\n");
        return 2;
    }
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    if (!a || !b) {
        fprintf(stderr, "jacobi: out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double v = 0.0;
            if (i == 0) v = 100.0;                       /* hot edge */
            else if (j == 0 || j == n - 1) v = (double)i / (double)n;
            a[i * n + j] = v;
            b[i * n + j] = v;
        }
    for (long t = 0; t < iters; t++) {
        for (long i = 1; i < n - 1; i++) {
            const double *up = a + (i - 1) * n, *mid = a + i * n, *dn = a + (i + 1) * n;
            double *out = b + i * n;
            for (long j = 1; j < n - 1; j++)
                out[j] = 0.25 * (up[j] + dn[j] + mid[j - 1] + mid[j + 1]);
        }
        double *tmp = a;
        a = b;
        b = tmp;
    }
    double sum = 0.0;
    for (long k = 0; k < n * n; k++) sum += a[k];
    printf("jacobi n=%ld iters=%ld checksum=%.17g sample=%.17g\n", n, iters, sum,
           a[(n / 8) * n + n / 2]);
    free(a);
    free(b);
    return 0;
}

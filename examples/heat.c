/* A small compute example: 1-D heat diffusion with an explicit stencil.
 * Every rank runs it independently for now (MPI bindings arrive with the MPI issue). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double step(double *u, double *next, int n) {
    double change = 0.0;
    for (int i = 1; i < n - 1; i++) {
        next[i] = u[i] + 0.25 * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        double d = next[i] - u[i];
        change += d * d;
    }
    next[0] = u[0];
    next[n - 1] = u[n - 1];
    return change;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    int steps = argc > 2 ? atoi(argv[2]) : 2000;
    double *u = calloc(n, sizeof *u), *next = calloc(n, sizeof *next);
    if (!u || !next) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    u[0] = 100.0;
    u[n - 1] = 50.0;
    double change = 0.0;
    for (int s = 0; s < steps; s++) {
        change = step(u, next, n);
        double *t = u;
        u = next;
        next = t;
    }
    double total = 0.0;
    for (int i = 0; i < n; i++) total += u[i];
    printf("heat: n=%d steps=%d total=%.6f last change=%.3e\n", n, steps, total, change);
    free(u);
    free(next);
    return 0;
}

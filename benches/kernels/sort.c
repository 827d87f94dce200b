/* sort: bottom-up merge sort of N 32-bit ints from an LCG, then a
 * hand-written quicksort of a copy that compares through a function pointer.
 *
 * Usage: sort [N]   (default N=4000000)
 * Branchy integer code with data-dependent loads/stores (merge), plus
 * indirect calls (call_indirect through the table in wasm). Both sorts are
 * in this file, not libc's qsort, so native and wasm run the same algorithm.
 * Verifies both results are sorted and equal; prints an FNV hash of the result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void merge_sort(int32_t *a, int32_t *tmp, size_t n) {
    int32_t *src = a, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = src[i] <= src[j] ? src[i++] : src[j++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

static int cmp_i32(const void *p, const void *q) {
    int32_t x = *(const int32_t *)p, y = *(const int32_t *)q;
    return (x > y) - (x < y);
}

typedef int (*cmp_fn)(const void *, const void *);

/* Quicksort (median of three, insertion sort below 16) calling cmp indirectly. */
static void quick_sort(int32_t *a, long lo, long hi, cmp_fn cmp) {
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        if (cmp(&a[mid], &a[lo]) < 0) { int32_t t = a[mid]; a[mid] = a[lo]; a[lo] = t; }
        if (cmp(&a[hi], &a[lo]) < 0) { int32_t t = a[hi]; a[hi] = a[lo]; a[lo] = t; }
        if (cmp(&a[hi], &a[mid]) < 0) { int32_t t = a[hi]; a[hi] = a[mid]; a[mid] = t; }
        int32_t pivot = a[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (cmp(&a[i], &pivot) < 0) i++;
            while (cmp(&pivot, &a[j]) < 0) j--;
            if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick_sort(a, lo, j, cmp); lo = i; }
        else { quick_sort(a, i, hi, cmp); hi = j; }
    }
    for (long i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        long j = i - 1;
        while (j >= lo && cmp(&v, &a[j]) < 0) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 4000000;
    if (n < 1) {
        fprintf(stderr, "usage: sort [N>=1]\n");
        return 2;
    }
    int32_t *a = malloc(sizeof(int32_t) * n);
    int32_t *b = malloc(sizeof(int32_t) * n);
    int32_t *tmp = malloc(sizeof(int32_t) * n);
    if (!a || !b || !tmp) {
        fprintf(stderr, "sort: out of memory\n");
        return 1;
    }
    uint32_t s = 2463534242u;
    for (long k = 0; k < n; k++) {
        s = s * 1103515245u + 12345u;
        a[k] = (int32_t)(s ^ (s >> 15));
    }
    memcpy(b, a, sizeof(int32_t) * n);
    merge_sort(a, tmp, (size_t)n);
    cmp_fn volatile cmp = cmp_i32; /* volatile: keep the calls indirect */
    quick_sort(b, 0, n - 1, cmp);
    for (long k = 0; k < n; k++) {
        if ((k > 0 && a[k - 1] > a[k]) || a[k] != b[k]) {
            printf("sort: NOT SORTED at %ld\n", k);
            return 1;
        }
    }
    uint64_t h = 1469598103934665603ull;
    for (long k = 0; k < n; k++) h = (h ^ (uint32_t)a[k]) * 1099511628211ull;
    printf("sort n=%ld min=%d median=%d max=%d checksum=%016llx\n", n, a[0], a[n / 2], a[n - 1],
           (unsigned long long)h);
    free(a);
    free(b);
    free(tmp);
    return 0;
}

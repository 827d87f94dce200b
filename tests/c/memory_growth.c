/* Heap growth: many small blocks, realloc chains, calloc, aligned allocation, free and reuse.
 *
 * Every block is filled with a pattern derived from its index and checked later, so a heap
 * that loses or overlaps memory while linear memory grows is caught. Prints counts and
 * checksums only (never addresses). Exit status: 14.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBLOCKS 40000

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static unsigned char pattern(size_t block, size_t offset) { return (unsigned char)(block * 31 + offset * 7 + 1); }

static void fill(unsigned char *p, size_t block, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) p[i] = pattern(block, i);
}

static int check(const unsigned char *p, size_t block, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(block, i)) return 0;
    return 1;
}

static unsigned char *blocks[NBLOCKS];
static size_t sizes[NBLOCKS];

int main(void) {
    size_t total = 0;
    int bad = 0;

    /* 1. Many blocks of random sizes, up to 16 KiB. */
    for (size_t i = 0; i < NBLOCKS; i++) {
        sizes[i] = 1 + next_rand() % (i % 100 == 0 ? 16384 : 512);
        blocks[i] = malloc(sizes[i]);
        if (!blocks[i]) {
            printf("malloc failed at %zu\n", i);
            return 1;
        }
        fill(blocks[i], i, 0, sizes[i]);
        total += sizes[i];
    }
    printf("phase 1: %d blocks, %zu bytes\n", NBLOCKS, total);

    /* 2. Grow every third block with realloc; contents must survive. */
    size_t grown = 0;
    for (size_t i = 0; i < NBLOCKS; i += 3) {
        size_t n = sizes[i] * 2 + next_rand() % 1000;
        unsigned char *p = realloc(blocks[i], n);
        if (!p) {
            printf("realloc failed at %zu\n", i);
            return 1;
        }
        if (!check(p, i, sizes[i])) bad++;
        fill(p, i, sizes[i], n);
        blocks[i] = p;
        sizes[i] = n;
        grown++;
    }
    printf("phase 2: grew %zu blocks, %d corrupted\n", grown, bad);

    /* 3. Free every other block, then shrink some of the rest. */
    size_t freed = 0;
    for (size_t i = 0; i < NBLOCKS; i += 2) {
        free(blocks[i]);
        blocks[i] = NULL;
        freed++;
    }
    for (size_t i = 1; i < NBLOCKS; i += 10) {
        size_t n = sizes[i] / 2 + 1;
        unsigned char *p = realloc(blocks[i], n);
        if (!p) return 1;
        blocks[i] = p;
        sizes[i] = n;
    }
    printf("phase 3: freed %zu blocks\n", freed);

    /* 4. calloc into the holes: must be zeroed even when memory is reused. */
    int nonzero = 0;
    for (size_t i = 0; i < NBLOCKS; i += 2) {
        size_t n = 1 + next_rand() % 700;
        unsigned char *p = calloc(n, 1);
        if (!p) return 1;
        for (size_t k = 0; k < n; k++) nonzero |= p[k];
        fill(p, i, 0, n);
        blocks[i] = p;
        sizes[i] = n;
    }
    printf("phase 4: calloc nonzero bytes seen: %d\n", nonzero);

    /* 5. Check everything, then checksum. */
    uint64_t sum = 0;
    total = 0;
    bad = 0;
    for (size_t i = 0; i < NBLOCKS; i++) {
        if (!check(blocks[i], i, sizes[i])) bad++;
        for (size_t k = 0; k < sizes[i]; k++) sum = sum * 131 + blocks[i][k];
        total += sizes[i];
    }
    printf("phase 5: %zu bytes live, %d corrupted, checksum %016" PRIx64 "\n", total, bad, sum);

    /* 6. A realloc chain doubling a block from 16 bytes to 64 MiB. */
    size_t n = 16;
    unsigned char *chain = malloc(n);
    if (!chain) return 1;
    fill(chain, 7, 0, n);
    int steps = 0, chain_bad = 0;
    while (n < ((size_t)64 << 20)) {
        unsigned char *p = realloc(chain, n * 2);
        if (!p) {
            printf("realloc to %zu failed\n", n * 2);
            return 1;
        }
        if (!check(p, 7, n)) chain_bad++;
        fill(p, 7, n, n * 2);
        chain = p;
        n *= 2;
        steps++;
    }
    printf("phase 6: %d doublings to %zu bytes, %d corrupted, last byte %u\n", steps, n, chain_bad,
           chain[n - 1]);
    free(chain);

    /* 7. Aligned allocations. */
    int misaligned = 0;
    for (size_t align = 16; align <= 65536; align *= 4) {
        void *p = aligned_alloc(align, align * 3);
        void *q = NULL;
        if (!p || posix_memalign(&q, align, 100) != 0) return 1;
        if ((uintptr_t)p % align || (uintptr_t)q % align) misaligned++;
        memset(p, 0xAB, align * 3);
        free(p);
        free(q);
    }
    printf("phase 7: misaligned %d\n", misaligned);

    for (size_t i = 0; i < NBLOCKS; i++) free(blocks[i]);
    printf("done\n");
    return 14;
}

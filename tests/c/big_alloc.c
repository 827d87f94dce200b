/* Large allocations: 400 MiB in one malloc, every page touched and checksummed, plus a
 * 64 MiB calloc that must read as zeros. Linear memory has to grow to well over 400 MiB.
 * Exit status: 15.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG ((size_t)400 << 20)
#define PAGE 4096

int main(void) {
    unsigned char *big = malloc(BIG);
    if (!big) {
        printf("malloc(400 MiB) failed\n");
        return 1;
    }
    /* Touch every page: a word at its start and a byte at its end. */
    size_t pages = BIG / PAGE;
    for (size_t i = 0; i < pages; i++) {
        uint32_t v = (uint32_t)(i * 2654435761u);
        memcpy(big + i * PAGE, &v, sizeof v);
        big[i * PAGE + PAGE - 1] = (unsigned char)(i ^ (i >> 8));
    }
    /* A full-speed fill of the last 32 MiB. */
    memset(big + BIG - ((size_t)32 << 20), 0x5C, (size_t)32 << 20);

    uint64_t sum = 0;
    size_t wrong = 0;
    for (size_t i = 0; i < pages; i++) {
        uint32_t v;
        memcpy(&v, big + i * PAGE, sizeof v);
        unsigned char last = big[i * PAGE + PAGE - 1];
        if (i < pages - ((size_t)32 << 20) / PAGE) {
            if (v != (uint32_t)(i * 2654435761u) || last != (unsigned char)(i ^ (i >> 8))) wrong++;
        } else if (v != 0x5C5C5C5Cu || last != 0x5C) {
            wrong++;
        }
        sum = sum * 1000003 + v + last;
    }
    printf("400 MiB: %zu pages, %zu wrong, checksum %016" PRIx64 "\n", pages, wrong, sum);

    size_t zsize = (size_t)64 << 20;
    unsigned char *z = calloc(zsize, 1);
    if (!z) {
        printf("calloc(64 MiB) failed\n");
        return 1;
    }
    size_t nonzero = 0;
    for (size_t i = 0; i < zsize; i += 512) nonzero += z[i] != 0;
    z[zsize - 1] = 1;
    printf("64 MiB calloc: %zu nonzero samples, last %u\n", nonzero, z[zsize - 1]);

    free(z);
    free(big);
    /* After freeing, a second large block must still be obtainable. */
    unsigned char *again = malloc((size_t)300 << 20);
    printf("300 MiB after free: %s\n", again ? "ok" : "failed");
    if (again) {
        again[0] = 1;
        again[((size_t)300 << 20) - 1] = 2;
        printf("ends: %u %u\n", again[0], again[((size_t)300 << 20) - 1]);
    }
    free(again);
    return 15;
}

/* Trap: out-of-bounds load in load_far. Wasm addresses are offsets into linear memory; this
 * one is far beyond its size. */
#include <stdint.h>
#include <stdio.h>

static volatile uintptr_t far_address = 0xFFFFFFF0u;

__attribute__((noinline)) int load_far(uintptr_t address) { return *(volatile int *)address; }

int main(void) {
    printf("start\n");
    fflush(stdout);
    return load_far(far_address);
}

/* Trap: call stack exhausted, by unbounded recursion in recurse.
 *
 * The recursion keeps everything in wasm locals: nothing is address-taken, so the C shadow
 * stack in linear memory is not used and it is the wasm call stack that runs out. (A
 * volatile local array would live on the shadow stack, which is only 64 KiB: overflowing it
 * corrupts data or hits an out-of-bounds access before the wasm stack is exhausted.)
 */
#include <stdint.h>
#include <stdio.h>

static volatile uint64_t depth;
static volatile uint64_t stop_at = 0; /* never reached: depth starts at 1 */

__attribute__((noinline)) uint64_t recurse(uint64_t n) {
    depth = n;
    if (n == stop_at) return 0;
    return recurse(n + 1) * 3 + n;
}

int main(void) {
    printf("start\n");
    fflush(stdout);
    return (int)recurse(1);
}

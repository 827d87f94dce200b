/* Trap: `unreachable` (from __builtin_trap) in hit_unreachable. */
#include <stdio.h>

static volatile int go = 1;

__attribute__((noinline)) int hit_unreachable(int x) {
    if (go) __builtin_trap();
    return x + 1;
}

int main(void) {
    printf("start\n");
    fflush(stdout);
    return hit_unreachable(41);
}

/* Trap: indirect call with an index beyond the end of the function table in call_index. */
#include <stdint.h>
#include <stdio.h>

typedef int (*fn)(int);

static volatile uintptr_t index_value = 100000;

__attribute__((noinline)) int call_index(uintptr_t index, int x) { return ((fn)index)(x) + 1; }

int main(void) {
    printf("start\n");
    fflush(stdout);
    return call_index(index_value, 1);
}

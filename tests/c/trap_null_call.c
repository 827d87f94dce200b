/* Trap: indirect call through a null function pointer (table slot 0, never initialized) in
 * call_through. */
#include <stdio.h>

typedef int (*fn)(int);

static fn volatile target = 0;

__attribute__((noinline)) int call_through(fn f, int x) { return f(x) + 1; }

int main(void) {
    printf("start\n");
    fflush(stdout);
    return call_through(target, 1);
}

/* Trap: indirect call type mismatch in call_wrong_type: a function of type (i32) -> i32 is
 * called through a pointer of type (i32, i32) -> i32. */
#include <stdio.h>

typedef int (*fn1)(int);
typedef int (*fn2)(int, int);

__attribute__((noinline)) int one_arg(int x) { return x * 2; }

static fn1 volatile target = one_arg;

__attribute__((noinline)) int call_wrong_type(fn2 f) { return f(1, 2) + 1; }

int main(void) {
    printf("start\n");
    fflush(stdout);
    return call_wrong_type((fn2)(void (*)(void))target); /* via void(*)(void): an intended mismatch */
}

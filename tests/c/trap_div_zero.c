/* Trap: integer division by zero (i32.div_s) in divide. */
#include <stdio.h>

static volatile int numerator = 7, denominator = 0;

__attribute__((noinline)) int divide(int a, int b) { return a / b; }

int main(void) {
    printf("start\n");
    fflush(stdout);
    return divide(numerator, denominator);
}

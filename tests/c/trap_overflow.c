/* Trap: integer overflow, INT_MIN / -1 (i32.div_s) in divide_signed. */
#include <limits.h>
#include <stdio.h>

static volatile int numerator = INT_MIN, denominator = -1;

__attribute__((noinline)) int divide_signed(int a, int b) { return a / b; }

int main(void) {
    printf("start\n");
    fflush(stdout);
    return divide_signed(numerator, denominator);
}

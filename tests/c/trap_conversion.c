/* Trap: invalid conversion to integer: trapping i32.trunc_f64_s of NaN in to_int.
 *
 * Wasm distinguishes two traps here: NaN gives "invalid conversion to integer", a finite
 * value out of range gives "integer overflow"; NaN is used to get the former. clang 14
 * guards plain (int) casts against out-of-range values, so the trapping instruction comes
 * from its builtin.
 */
#include <math.h>
#include <stdio.h>

static volatile double value = NAN;

__attribute__((noinline)) int to_int(double x) {
#ifdef __wasm__
    return __builtin_wasm_trunc_s_i32_f64(x);
#else
    return (int)x;
#endif
}

int main(void) {
    printf("start\n");
    fflush(stdout);
    return to_int(value);
}

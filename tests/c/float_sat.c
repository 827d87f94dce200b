/* Saturating float-to-integer conversions (wasm's trunc_sat instructions).
 *
 * Built for wasm with -mnontrapping-fptoint: the conversions use clang's
 * __builtin_wasm_trunc_saturate_* builtins (i32/i64 x signed/unsigned x f32/f64), and plain
 * C casts of in-range values compile to trunc_sat too. (clang 14 declares the unsigned builtins
 * as returning signed types, hence the casts.) Natively, the same semantics are
 * written out in C: NaN -> 0, below the range -> minimum, above -> maximum, else truncation.
 * Exit status: 13.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__wasm__) && defined(__wasm_nontrapping_fptoint__)
#define SAT_I32_F64(x) ((int32_t)__builtin_wasm_trunc_saturate_s_i32_f64(x))
#define SAT_U32_F64(x) ((uint32_t)__builtin_wasm_trunc_saturate_u_i32_f64(x))
#define SAT_I64_F64(x) ((int64_t)__builtin_wasm_trunc_saturate_s_i64_f64(x))
#define SAT_U64_F64(x) ((uint64_t)__builtin_wasm_trunc_saturate_u_i64_f64(x))
#define SAT_I32_F32(x) ((int32_t)__builtin_wasm_trunc_saturate_s_i32_f32(x))
#define SAT_U32_F32(x) ((uint32_t)__builtin_wasm_trunc_saturate_u_i32_f32(x))
#define SAT_I64_F32(x) ((int64_t)__builtin_wasm_trunc_saturate_s_i64_f32(x))
#define SAT_U64_F32(x) ((uint64_t)__builtin_wasm_trunc_saturate_u_i64_f32(x))
#else
#if defined(__wasm__)
#error "build the wasm side of float_sat.c with -mnontrapping-fptoint"
#endif
static int32_t sat_i32(double x) {
    if (isnan(x)) return 0;
    if (x <= -2147483649.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static uint32_t sat_u32(double x) {
    if (!(x > -1.0)) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static int64_t sat_i64(double x) {
    if (isnan(x)) return 0;
    if (x < -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}
static uint64_t sat_u64(double x) {
    if (!(x > -1.0)) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}
/* Every float is exactly representable as a double, so the f32 forms can share the code. */
#define SAT_I32_F64(x) sat_i32(x)
#define SAT_U32_F64(x) sat_u32(x)
#define SAT_I64_F64(x) sat_i64(x)
#define SAT_U64_F64(x) sat_u64(x)
#define SAT_I32_F32(x) sat_i32((double)(x))
#define SAT_U32_F32(x) sat_u32((double)(x))
#define SAT_I64_F32(x) sat_i64((double)(x))
#define SAT_U64_F32(x) sat_u64((double)(x))
#endif

static volatile double dv[] = {
    0.0, -0.0, 0.75, -0.75, -1.0, 1.0, 2147483647.0, 2147483647.5, 2147483648.0, -2147483648.0,
    -2147483648.75, -2147483649.0, 4294967295.0, 4294967295.5, 4294967296.0, 1e10, -1e10,
    9223372036854774784.0, 9223372036854775808.0, -9223372036854775808.0, -9223372036854777856.0,
    18446744073709549568.0, 18446744073709551616.0, 1e300, -1e300, 5e-324, INFINITY, -INFINITY, NAN, -NAN,
};
static volatile float fv[] = {
    0.0f, -0.0f, 0.75f, -0.75f, -1.0f, 2147483520.0f, 2147483648.0f, -2147483648.0f, -2147483904.0f,
    4294967040.0f, 4294967296.0f, 9223371487098961920.0f, 9223372036854775808.0f, -9223372036854775808.0f,
    -9223373136366403584.0f, 18446742974197923840.0f, 18446744073709551616.0f, 3.4e38f, -3.4e38f,
    INFINITY, -INFINITY, NAN,
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

int main(void) {
    for (size_t i = 0; i < N_ELEMS(dv); i++) {
        double x = dv[i];
        printf("f64 %.17g: i32 %" PRId32 " u32 %" PRIu32 " i64 %" PRId64 " u64 %" PRIu64 "\n", isnan(x) ? 0.0 : x,
               (int32_t)SAT_I32_F64(x), (uint32_t)SAT_U32_F64(x), (int64_t)SAT_I64_F64(x),
               (uint64_t)SAT_U64_F64(x));
    }
    for (size_t i = 0; i < N_ELEMS(fv); i++) {
        float x = fv[i];
        printf("f32 %.9g: i32 %" PRId32 " u32 %" PRIu32 " i64 %" PRId64 " u64 %" PRIu64 "\n",
               isnan(x) ? 0.0 : (double)x, (int32_t)SAT_I32_F32(x), (uint32_t)SAT_U32_F32(x),
               (int64_t)SAT_I64_F32(x), (uint64_t)SAT_U64_F32(x));
    }
    /* Plain casts of in-range values (trunc_sat in the wasm build) and saturating casts of
     * arbitrary ones, folded into a hash. */
    uint64_t state = 7, h = 0xCBF29CE484222325ull;
    for (int i = 0; i < 100000; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        double x = (double)(int64_t)state / 1048576.0;   /* |x| < 2^43 */
        double y = (double)(int64_t)state * 1.5;          /* often out of range */
        float fx = (float)(x / 8192.0);
        h = (h ^ (uint64_t)(int64_t)x) * 0x100000001B3ull;
        h = (h ^ (uint64_t)(int32_t)(x / 8192.0)) * 0x100000001B3ull;
        h = (h ^ (uint64_t)(uint32_t)fabs(x / 8192.0)) * 0x100000001B3ull;
        h = (h ^ (uint64_t)(int32_t)fx) * 0x100000001B3ull;
        h = (h ^ (uint64_t)(int32_t)SAT_I32_F64(y) ^ (uint64_t)SAT_U64_F64(y)) * 0x100000001B3ull;
        h = (h ^ (uint64_t)SAT_I64_F32((float)y) ^ (uint64_t)SAT_U32_F32((float)x)) * 0x100000001B3ull;
    }
    printf("random hash: %016" PRIx64 "\n", h);
    return 13;
}

/* Floating point of both widths (float and double).
 *
 * + - * /, sqrt, fma, floor/ceil/trunc/rint/nearbyint/round, fabs/copysign, fmin/fmax,
 * comparisons, conversions between the widths and to/from every integer type at and near the
 * edges of their ranges. Results are printed as bit patterns, with %.17g / %.9g and, for
 * normal numbers, with %a. NaNs are printed as "nan" without sign or payload (wasm leaves the
 * sign and payload of a NaN result unspecified). Inputs are volatile so nothing is folded.
 * Exit status: 12.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t bits64(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}
static uint32_t bits32(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* A double as text: bits, %.17g and, when normal, %a. */
static const char *fmt_d(double d, char *buf) {
    if (isnan(d)) return strcpy(buf, "nan");
    if (isnormal(d))
        sprintf(buf, "%016" PRIx64 "/%.17g/%a", bits64(d), d, d);
    else
        sprintf(buf, "%016" PRIx64 "/%.17g", bits64(d), d);
    return buf;
}
static const char *fmt_f(float f, char *buf) {
    if (isnan(f)) return strcpy(buf, "nan");
    if (isnormal(f))
        sprintf(buf, "%08" PRIx32 "/%.9g/%a", bits32(f), f, (double)f);
    else
        sprintf(buf, "%08" PRIx32 "/%.9g", bits32(f), f);
    return buf;
}

static volatile double dv[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, -1.5, 2.5, 3.5, -2.5, 0.1, 1.0 / 3.0, 123456.789, -9876.54321,
    4503599627370497.0 /* 2^52+1 */, 0.49999999999999994, 1e300, -1e-300, 5e-324 /* min subnormal */,
    2.2250738585072014e-308 /* min normal */, 1.7976931348623157e308, INFINITY, -INFINITY, NAN,
};
static volatile float fv[] = {
    0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -1.5f, 2.5f, 3.5f, -2.5f, 0.1f, 1.0f / 3.0f, 123456.789f, -9876.54321f,
    8388609.0f /* 2^23+1 */, 0.49999997f, 1e30f, -1e-30f, 1e-45f /* min subnormal */, 3.4028235e38f,
    INFINITY, -INFINITY, NAN,
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void binary_double(void) {
    char b1[96], b2[96], b3[96], b4[96];
    for (size_t i = 0; i < N_ELEMS(dv); i++)
        for (size_t j = 0; j < N_ELEMS(dv); j++) {
            double x = dv[i], y = dv[j];
            printf("d %zu %zu: %s %s %s %s", i, j, fmt_d(x + y, b1), fmt_d(x - y, b2), fmt_d(x * y, b3),
                   fmt_d(x / y, b4));
            printf(" cmp %d%d%d%d%d%d", x < y, x <= y, x == y, x != y, x > y, x >= y);
            /* fmin/fmax of two zeros may return either zero: skip the sign there. */
            if (x == 0 && y == 0)
                printf(" minmax zeros\n");
            else
                printf(" min %s max %s\n", fmt_d(fmin(x, y), b1), fmt_d(fmax(x, y), b2));
        }
}

static void binary_float(void) {
    char b1[96], b2[96], b3[96], b4[96];
    for (size_t i = 0; i < N_ELEMS(fv); i++)
        for (size_t j = 0; j < N_ELEMS(fv); j++) {
            float x = fv[i], y = fv[j];
            printf("f %zu %zu: %s %s %s %s", i, j, fmt_f(x + y, b1), fmt_f(x - y, b2), fmt_f(x * y, b3),
                   fmt_f(x / y, b4));
            printf(" cmp %d%d%d%d%d%d", x < y, x <= y, x == y, x != y, x > y, x >= y);
            if (x == 0 && y == 0)
                printf(" minmax zeros\n");
            else
                printf(" min %s max %s\n", fmt_f(fminf(x, y), b1), fmt_f(fmaxf(x, y), b2));
        }
}

static void unary_double(void) {
    char b[11][96];
    for (size_t i = 0; i < N_ELEMS(dv); i++) {
        double x = dv[i];
        printf("d %zu: sqrt %s floor %s ceil %s trunc %s rint %s nearbyint %s round %s fabs %s neg %s "
               "copysign %s\n",
               i, fmt_d(sqrt(x), b[0]), fmt_d(floor(x), b[1]), fmt_d(ceil(x), b[2]), fmt_d(trunc(x), b[3]),
               fmt_d(rint(x), b[4]), fmt_d(nearbyint(x), b[5]), fmt_d(round(x), b[6]), fmt_d(fabs(x), b[7]),
               fmt_d(-x, b[8]), fmt_d(copysign(3.0, x), b[9]));
        printf("d %zu: class nan %d inf %d finite %d normal %d signbit %d to-float %s\n", i, isnan(x) != 0,
               isinf(x) != 0, isfinite(x) != 0, isnormal(x) != 0, signbit(x) != 0, fmt_f((float)x, b[0]));
    }
}

static void unary_float(void) {
    char b[11][96];
    for (size_t i = 0; i < N_ELEMS(fv); i++) {
        float x = fv[i];
        printf("f %zu: sqrt %s floor %s ceil %s trunc %s rint %s nearbyint %s round %s fabs %s neg %s "
               "copysign %s to-double %s\n",
               i, fmt_f(sqrtf(x), b[0]), fmt_f(floorf(x), b[1]), fmt_f(ceilf(x), b[2]), fmt_f(truncf(x), b[3]),
               fmt_f(rintf(x), b[4]), fmt_f(nearbyintf(x), b[5]), fmt_f(roundf(x), b[6]), fmt_f(fabsf(x), b[7]),
               fmt_f(-x, b[8]), fmt_f(copysignf(3.0f, x), b[9]), fmt_d((double)x, b[10]));
    }
}

static void fused(void) {
    static volatile double a = 0.1, b = 10.0, c = -1.0, big = 1e308, tiny = 1e-308;
    char b1[96], b2[96], b3[96];
    printf("fma: %s %s %s\n", fmt_d(fma(a, b, c), b1), fmt_d(a * b + c, b2), fmt_d(fma(big, 10.0, -big), b3));
    printf("fmaf: %s %s\n", fmt_f(fmaf((float)a, (float)b, (float)c), b1),
           fmt_f(fmaf((float)tiny, 1e30f, 1.0f), b2));
}

/* In-range conversions to integers, including the largest representable values. */
static volatile double d_to_int[] = {
    0.0, -0.0, 0.9999999999999999, -0.9999999999999999, 1.5, -1.5, 2147483647.0, 2147483647.9,
    -2147483648.0, -2147483648.9, 4294967295.0, 4294967295.9, 9007199254740993.0,
    9223372036854774784.0 /* largest double < 2^63 */, -9223372036854775808.0,
    18446744073709549568.0 /* largest double < 2^64 */,
};
static volatile float f_to_int[] = {
    0.0f, -0.9999999f, 1.5f, -1.5f, 2147483520.0f /* largest float < 2^31 */, -2147483648.0f,
    4294967040.0f /* largest float < 2^32 */, 9223371487098961920.0f /* largest float < 2^63 */,
    -9223372036854775808.0f, 18446742974197923840.0f /* largest float < 2^64 */,
};

static void to_int(void) {
    for (size_t i = 0; i < N_ELEMS(d_to_int); i++) {
        double x = d_to_int[i];
        printf("d->int %.17g:", x);
        if (x > -2147483649.0 && x < 2147483648.0) printf(" i32 %" PRId32, (int32_t)x);
        if (x > -1.0 && x < 4294967296.0) printf(" u32 %" PRIu32, (uint32_t)x);
        if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) printf(" i64 %" PRId64, (int64_t)x);
        if (x > -1.0 && x < 18446744073709551616.0) printf(" u64 %" PRIu64, (uint64_t)x);
        if (x > -129.0 && x < 128.0) printf(" i8 %d", (int8_t)x);
        if (x > -1.0 && x < 65536.0) printf(" u16 %u", (uint16_t)x);
        printf("\n");
    }
    for (size_t i = 0; i < N_ELEMS(f_to_int); i++) {
        float x = f_to_int[i];
        printf("f->int %.9g:", x);
        if (x >= -2147483648.0f && x < 2147483648.0f) printf(" i32 %" PRId32, (int32_t)x);
        if (x > -1.0f && x < 4294967296.0f) printf(" u32 %" PRIu32, (uint32_t)x);
        if (x >= -9223372036854775808.0f && x < 9223372036854775808.0f) printf(" i64 %" PRId64, (int64_t)x);
        if (x > -1.0f && x < 18446744073709551616.0f) printf(" u64 %" PRIu64, (uint64_t)x);
        printf("\n");
    }
}

/* Integers to floats: rounding to nearest even, notably for 64-bit values into float. */
static volatile uint64_t u64_vals[] = {
    0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x1FFFFFFFFFFFFF /* 2^53-1 */, 0x20000000000001 /* 2^53+1 */,
    0x20000000000003, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0x8000000000000401, 0x8000008000000001,
    0xFFFFFFFFFFFFFFFF, 0xFFFFFF7FFFFFFFFF, 0x0000020000010000, 0x4000004000000001, 0x1000000010000001,
};

static void from_int(void) {
    char b1[96], b2[96], b3[96], b4[96];
    for (size_t i = 0; i < N_ELEMS(u64_vals); i++) {
        uint64_t u = u64_vals[i];
        int64_t s = (int64_t)u;
        printf("int->fp %016" PRIx64 ": u64 %s %s i64 %s %s", u, fmt_d((double)u, b1), fmt_f((float)u, b2),
               fmt_d((double)s, b3), fmt_f((float)s, b4));
        printf(" u32 %s %s i32 %s %s\n", fmt_d((double)(uint32_t)u, b1), fmt_f((float)(uint32_t)u, b2),
               fmt_d((double)(int32_t)(uint32_t)u, b3), fmt_f((float)(int32_t)(uint32_t)u, b4));
    }
}

/* Pseudo-random operands folded into a hash, to cover more than the edge values. */
static void random_hash(void) {
    uint64_t state = 42, h = 0xCBF29CE484222325ull;
    for (int i = 0; i < 50000; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r1 = state;
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r2 = state;
        double x, y;
        /* keep exponents moderate and avoid NaN inputs */
        r1 = (r1 & 0x800FFFFFFFFFFFFFull) | ((0x3C0ull + (r1 >> 52) % 0x80) << 52);
        r2 = (r2 & 0x800FFFFFFFFFFFFFull) | ((0x3C0ull + (r2 >> 52) % 0x80) << 52);
        memcpy(&x, &r1, 8);
        memcpy(&y, &r2, 8);
        float fx = (float)x, fy = (float)y;
        double res[] = {x + y, x - y, x * y, x / y, sqrt(fabs(x)), floor(x * 1000), rint(y * 1e6)};
        float fres[] = {fx + fy, fx - fy, fx * fy, fx / fy, sqrtf(fabsf(fx)), ceilf(fx * 1000), nearbyintf(fy * 1e6f)};
        for (size_t k = 0; k < N_ELEMS(res); k++) h = (h ^ bits64(res[k])) * 0x100000001B3ull;
        for (size_t k = 0; k < N_ELEMS(fres); k++) h = (h ^ bits32(fres[k])) * 0x100000001B3ull;
        if (fabs(x) < 9e15) h = (h ^ (uint64_t)(int64_t)(x * 1e3)) * 0x100000001B3ull;
        h = (h ^ bits64((double)(int64_t)r1) ^ bits32((float)r2)) * 0x100000001B3ull;
    }
    printf("random hash: %016" PRIx64 "\n", h);
}

int main(void) {
    binary_double();
    binary_float();
    unary_double();
    unary_float();
    fused();
    to_int();
    from_int();
    random_hash();
    printf("printf: %.3f %.0f %.0f %e %g %g %.17g %a\n", dv[11], dv[6], dv[7], dv[19], dv[9], dv[20], dv[10], dv[10]);
    return 12;
}

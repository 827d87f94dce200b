/* 128-bit SIMD.
 *
 * Built for wasm with -msimd128: each operation below uses the wasm_simd128.h intrinsic;
 * natively (or without SIMD) the same operation is computed lane by lane in C with wasm's
 * semantics (saturation, shift counts modulo the lane width, NaN/-0 rules of min/max, ...).
 * Every operation runs over 48 input vectors (special lane values, then pseudo-random bytes)
 * and prints a hash of its results plus the first result. NaN lanes of float results are
 * canonicalized before printing (wasm leaves NaN sign/payload unspecified).
 * A second part has plain loops that clang auto-vectorizes with -msimd128.
 * Exit status: 20.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__wasm__) && !defined(__wasm_simd128__)
#error "build the wasm side of simd.c with -msimd128"
#endif

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

typedef union {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} vec;

typedef void (*vec_op)(const vec *, const vec *, vec *);

/* DEF(name, simd expression over a and b, scalar statements computing r from A and B) */
#ifdef __wasm_simd128__
#define DEF(NAME, SIMD, ...)                                      \
    static void NAME(const vec *A, const vec *B, vec *R) {        \
        v128_t a = wasm_v128_load(A), b = wasm_v128_load(B);      \
        (void)a;                                                  \
        (void)b;                                                  \
        wasm_v128_store(R, (SIMD));                               \
    }
#else
#define DEF(NAME, SIMD, ...)                                      \
    static void NAME(const vec *A, const vec *B, vec *R) {        \
        vec r;                                                    \
        memset(&r, 0, sizeof r);                                  \
        (void)A;                                                  \
        (void)B;                                                  \
        __VA_ARGS__                                               \
        *R = r;                                                   \
    }
#endif

#define L16 for (int i = 0; i < 16; i++)
#define L8 for (int i = 0; i < 8; i++)
#define L4 for (int i = 0; i < 4; i++)
#define L2 for (int i = 0; i < 2; i++)

#ifndef __wasm_simd128__
static int32_t sat(int64_t v, int64_t lo, int64_t hi) { return (int32_t)(v < lo ? lo : v > hi ? hi : v); }
static int mask(int c) { return c ? -1 : 0; }

/* wasm float min/max: NaN if either operand is NaN, -0 < +0. */
static float fminw(float x, float y) {
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && y == 0) return signbit(x) ? x : y;
    return x < y ? x : y;
}
static float fmaxw(float x, float y) {
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && y == 0) return signbit(x) ? y : x;
    return x > y ? x : y;
}
static double dminw(double x, double y) {
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && y == 0) return signbit(x) ? x : y;
    return x < y ? x : y;
}
static double dmaxw(double x, double y) {
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && y == 0) return signbit(x) ? y : x;
    return x > y ? x : y;
}
/* Saturating truncations, as i32x4.trunc_sat_* do it. */
static int32_t trunc_sat_s32(double x) {
    if (isnan(x)) return 0;
    if (x <= -2147483649.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static uint32_t trunc_sat_u32(double x) {
    if (!(x > -1.0)) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}

#endif /* !__wasm_simd128__ */

/* ---- bitwise ---- */
DEF(v_and, wasm_v128_and(a, b), L16 r.u8[i] = A->u8[i] & B->u8[i];)
DEF(v_or, wasm_v128_or(a, b), L16 r.u8[i] = A->u8[i] | B->u8[i];)
DEF(v_xor, wasm_v128_xor(a, b), L16 r.u8[i] = A->u8[i] ^ B->u8[i];)
DEF(v_andnot, wasm_v128_andnot(a, b), L16 r.u8[i] = A->u8[i] & ~B->u8[i];)
DEF(v_not, wasm_v128_not(a), L16 r.u8[i] = (uint8_t)~A->u8[i];)
DEF(v_bitselect, wasm_v128_bitselect(a, b, wasm_i8x16_swizzle(a, b)),
    L16 { uint8_t m = B->u8[i] < 16 ? A->u8[B->u8[i]] : 0; r.u8[i] = (A->u8[i] & m) | (B->u8[i] & ~m); })
DEF(v_tests, wasm_i32x4_make(wasm_v128_any_true(a), wasm_i8x16_all_true(a), wasm_i32x4_all_true(b), wasm_i16x8_all_true(wasm_v128_and(a, b))),
    { int any = 0, all8 = 1, all32 = 1, all16 = 1;
      L16 { any |= A->u8[i] != 0; all8 &= A->u8[i] != 0; }
      L4 all32 &= B->u32[i] != 0;
      L8 all16 &= (A->u16[i] & B->u16[i]) != 0;
      r.i32[0] = any; r.i32[1] = all8; r.i32[2] = all32; r.i32[3] = all16; })
DEF(v_bitmasks, wasm_i32x4_make(wasm_i8x16_bitmask(a), wasm_i16x8_bitmask(a), wasm_i32x4_bitmask(b), wasm_i64x2_bitmask(b)),
    { uint32_t m8 = 0, m16 = 0, m32 = 0, m64 = 0;
      L16 m8 |= (uint32_t)(A->u8[i] >> 7) << i;
      L8 m16 |= (uint32_t)(A->u16[i] >> 15) << i;
      L4 m32 |= (B->u32[i] >> 31) << i;
      L2 m64 |= (uint32_t)(B->u64[i] >> 63) << i;
      r.u32[0] = m8; r.u32[1] = m16; r.u32[2] = m32; r.u32[3] = m64; })

/* ---- i8x16 ---- */
DEF(i8_add, wasm_i8x16_add(a, b), L16 r.u8[i] = (uint8_t)(A->u8[i] + B->u8[i]);)
DEF(i8_sub, wasm_i8x16_sub(a, b), L16 r.u8[i] = (uint8_t)(A->u8[i] - B->u8[i]);)
DEF(i8_add_sat_s, wasm_i8x16_add_sat(a, b), L16 r.i8[i] = (int8_t)sat(A->i8[i] + B->i8[i], -128, 127);)
DEF(u8_add_sat, wasm_u8x16_add_sat(a, b), L16 r.u8[i] = (uint8_t)sat(A->u8[i] + B->u8[i], 0, 255);)
DEF(i8_sub_sat_s, wasm_i8x16_sub_sat(a, b), L16 r.i8[i] = (int8_t)sat(A->i8[i] - B->i8[i], -128, 127);)
DEF(u8_sub_sat, wasm_u8x16_sub_sat(a, b), L16 r.u8[i] = (uint8_t)sat(A->u8[i] - B->u8[i], 0, 255);)
DEF(i8_min_s, wasm_i8x16_min(a, b), L16 r.i8[i] = A->i8[i] < B->i8[i] ? A->i8[i] : B->i8[i];)
DEF(u8_max, wasm_u8x16_max(a, b), L16 r.u8[i] = A->u8[i] > B->u8[i] ? A->u8[i] : B->u8[i];)
DEF(u8_avgr, wasm_u8x16_avgr(a, b), L16 r.u8[i] = (uint8_t)((A->u8[i] + B->u8[i] + 1) >> 1);)
DEF(i8_abs, wasm_i8x16_abs(a), L16 r.u8[i] = (uint8_t)(A->i8[i] < 0 ? -A->i8[i] : A->i8[i]);)
DEF(i8_neg, wasm_i8x16_neg(a), L16 r.u8[i] = (uint8_t)(0 - A->u8[i]);)
DEF(i8_popcnt, wasm_i8x16_popcnt(a), L16 r.u8[i] = (uint8_t)__builtin_popcount(A->u8[i]);)
DEF(i8_shl, wasm_i8x16_shl(a, B->u8[0]), L16 r.u8[i] = (uint8_t)(A->u8[i] << (B->u8[0] & 7));)
DEF(i8_shr_s, wasm_i8x16_shr(a, B->u8[0]), L16 r.i8[i] = (int8_t)(A->i8[i] >> (B->u8[0] & 7));)
DEF(u8_shr, wasm_u8x16_shr(a, B->u8[0]), L16 r.u8[i] = (uint8_t)(A->u8[i] >> (B->u8[0] & 7));)
DEF(i8_eq, wasm_i8x16_eq(a, b), L16 r.i8[i] = (int8_t)mask(A->u8[i] == B->u8[i]);)
DEF(i8_gt_s, wasm_i8x16_gt(a, b), L16 r.i8[i] = (int8_t)mask(A->i8[i] > B->i8[i]);)
DEF(u8_le, wasm_u8x16_le(a, b), L16 r.i8[i] = (int8_t)mask(A->u8[i] <= B->u8[i]);)
DEF(i8_swizzle, wasm_i8x16_swizzle(a, wasm_v128_and(b, wasm_i8x16_splat((int8_t)0x9F))),
    L16 { uint8_t k = B->u8[i] & 0x9F; r.u8[i] = k < 16 ? A->u8[k] : 0; })
DEF(i8_shuffle, wasm_i8x16_shuffle(a, b, 0, 17, 2, 19, 31, 30, 7, 7, 8, 24, 15, 1, 16, 5, 12, 29),
    { static const int idx[16] = {0, 17, 2, 19, 31, 30, 7, 7, 8, 24, 15, 1, 16, 5, 12, 29};
      L16 r.u8[i] = idx[i] < 16 ? A->u8[idx[i]] : B->u8[idx[i] - 16]; })
DEF(i8_narrow_s, wasm_i8x16_narrow_i16x8(a, b),
    L8 { r.i8[i] = (int8_t)sat(A->i16[i], -128, 127); r.i8[i + 8] = (int8_t)sat(B->i16[i], -128, 127); })
DEF(u8_narrow, wasm_u8x16_narrow_i16x8(a, b),
    L8 { r.u8[i] = (uint8_t)sat(A->i16[i], 0, 255); r.u8[i + 8] = (uint8_t)sat(B->i16[i], 0, 255); })
DEF(i8_lanes, wasm_i8x16_replace_lane(a, 5, (int8_t)(wasm_i8x16_extract_lane(b, 3) + wasm_u8x16_extract_lane(a, 15))),
    L16 r.u8[i] = A->u8[i]; r.u8[5] = (uint8_t)(B->i8[3] + A->u8[15]);)

/* ---- i16x8 ---- */
DEF(i16_add, wasm_i16x8_add(a, b), L8 r.u16[i] = (uint16_t)(A->u16[i] + B->u16[i]);)
DEF(i16_mul, wasm_i16x8_mul(a, b), L8 r.u16[i] = (uint16_t)((uint32_t)A->u16[i] * B->u16[i]);)
DEF(i16_add_sat_s, wasm_i16x8_add_sat(a, b), L8 r.i16[i] = (int16_t)sat(A->i16[i] + B->i16[i], -32768, 32767);)
DEF(u16_sub_sat, wasm_u16x8_sub_sat(a, b), L8 r.u16[i] = (uint16_t)sat(A->u16[i] - B->u16[i], 0, 65535);)
DEF(i16_q15mulr, wasm_i16x8_q15mulr_sat(a, b),
    L8 r.i16[i] = (int16_t)sat(((int64_t)A->i16[i] * B->i16[i] + 0x4000) >> 15, -32768, 32767);)
DEF(i16_extmul_lo_s, wasm_i16x8_extmul_low_i8x16(a, b), L8 r.i16[i] = (int16_t)(A->i8[i] * B->i8[i]);)
DEF(u16_extmul_hi, wasm_u16x8_extmul_high_u8x16(a, b), L8 r.u16[i] = (uint16_t)(A->u8[i + 8] * B->u8[i + 8]);)
DEF(i16_extadd_s, wasm_i16x8_extadd_pairwise_i8x16(a), L8 r.i16[i] = (int16_t)(A->i8[2 * i] + A->i8[2 * i + 1]);)
DEF(i16_extend_hi_s, wasm_i16x8_extend_high_i8x16(a), L8 r.i16[i] = A->i8[i + 8];)
DEF(u16_extend_lo, wasm_u16x8_extend_low_u8x16(a), L8 r.u16[i] = A->u8[i];)
DEF(i16_shl, wasm_i16x8_shl(a, B->u8[1]), L8 r.u16[i] = (uint16_t)((uint32_t)A->u16[i] << (B->u8[1] & 15));)
DEF(i16_shr_s, wasm_i16x8_shr(a, B->u8[1]), L8 r.i16[i] = (int16_t)(A->i16[i] >> (B->u8[1] & 15));)
DEF(u16_shr, wasm_u16x8_shr(a, B->u8[1]), L8 r.u16[i] = (uint16_t)(A->u16[i] >> (B->u8[1] & 15));)
DEF(i16_max_s, wasm_i16x8_max(a, b), L8 r.i16[i] = A->i16[i] > B->i16[i] ? A->i16[i] : B->i16[i];)
DEF(u16_min, wasm_u16x8_min(a, b), L8 r.u16[i] = A->u16[i] < B->u16[i] ? A->u16[i] : B->u16[i];)
DEF(u16_avgr, wasm_u16x8_avgr(a, b), L8 r.u16[i] = (uint16_t)((A->u16[i] + B->u16[i] + 1) >> 1);)
DEF(i16_abs, wasm_i16x8_abs(a), L8 r.u16[i] = (uint16_t)(A->i16[i] < 0 ? -A->i16[i] : A->i16[i]);)
DEF(i16_lt_s, wasm_i16x8_lt(a, b), L8 r.i16[i] = (int16_t)mask(A->i16[i] < B->i16[i]);)
DEF(u16_ge, wasm_u16x8_ge(a, b), L8 r.i16[i] = (int16_t)mask(A->u16[i] >= B->u16[i]);)
DEF(i16_narrow_s, wasm_i16x8_narrow_i32x4(a, b),
    L4 { r.i16[i] = (int16_t)sat(A->i32[i], -32768, 32767); r.i16[i + 4] = (int16_t)sat(B->i32[i], -32768, 32767); })
DEF(u16_narrow, wasm_u16x8_narrow_i32x4(a, b),
    L4 { r.u16[i] = (uint16_t)sat(A->i32[i], 0, 65535); r.u16[i + 4] = (uint16_t)sat(B->i32[i], 0, 65535); })
DEF(i16_shuffle, wasm_i16x8_shuffle(a, b, 7, 8, 3, 15, 0, 0, 9, 4),
    { static const int idx[8] = {7, 8, 3, 15, 0, 0, 9, 4};
      L8 r.u16[i] = idx[i] < 8 ? A->u16[idx[i]] : B->u16[idx[i] - 8]; })

/* ---- i32x4 ---- */
DEF(i32_add, wasm_i32x4_add(a, b), L4 r.u32[i] = A->u32[i] + B->u32[i];)
DEF(i32_sub, wasm_i32x4_sub(a, b), L4 r.u32[i] = A->u32[i] - B->u32[i];)
DEF(i32_mul, wasm_i32x4_mul(a, b), L4 r.u32[i] = A->u32[i] * B->u32[i];)
DEF(i32_min_s, wasm_i32x4_min(a, b), L4 r.i32[i] = A->i32[i] < B->i32[i] ? A->i32[i] : B->i32[i];)
DEF(u32_max, wasm_u32x4_max(a, b), L4 r.u32[i] = A->u32[i] > B->u32[i] ? A->u32[i] : B->u32[i];)
DEF(i32_dot, wasm_i32x4_dot_i16x8(a, b),
    L4 r.u32[i] = (uint32_t)(A->i16[2 * i] * B->i16[2 * i]) + (uint32_t)(A->i16[2 * i + 1] * B->i16[2 * i + 1]);)
DEF(i32_extmul_lo_s, wasm_i32x4_extmul_low_i16x8(a, b), L4 r.i32[i] = A->i16[i] * B->i16[i];)
DEF(u32_extadd, wasm_u32x4_extadd_pairwise_u16x8(a), L4 r.u32[i] = (uint32_t)A->u16[2 * i] + A->u16[2 * i + 1];)
DEF(i32_shl, wasm_i32x4_shl(a, B->u8[2]), L4 r.u32[i] = A->u32[i] << (B->u8[2] & 31);)
DEF(i32_shr_s, wasm_i32x4_shr(a, B->u8[2]), L4 r.i32[i] = A->i32[i] >> (B->u8[2] & 31);)
DEF(u32_shr, wasm_u32x4_shr(a, B->u8[2]), L4 r.u32[i] = A->u32[i] >> (B->u8[2] & 31);)
DEF(i32_abs, wasm_i32x4_abs(a), L4 r.u32[i] = A->i32[i] < 0 ? 0u - A->u32[i] : A->u32[i];)
DEF(i32_gt_s, wasm_i32x4_gt(a, b), L4 r.i32[i] = mask(A->i32[i] > B->i32[i]);)
DEF(u32_lt, wasm_u32x4_lt(a, b), L4 r.i32[i] = mask(A->u32[i] < B->u32[i]);)
DEF(i32_trunc_sat_f32, wasm_i32x4_trunc_sat_f32x4(a), L4 r.i32[i] = trunc_sat_s32(A->f32[i]);)
DEF(u32_trunc_sat_f32, wasm_u32x4_trunc_sat_f32x4(a), L4 r.u32[i] = trunc_sat_u32(A->f32[i]);)
DEF(i32_trunc_sat_f64, wasm_i32x4_trunc_sat_f64x2_zero(a), L2 r.i32[i] = trunc_sat_s32(A->f64[i]);)
DEF(u32_trunc_sat_f64, wasm_u32x4_trunc_sat_f64x2_zero(a), L2 r.u32[i] = trunc_sat_u32(A->f64[i]);)
DEF(i32_shuffle, wasm_i32x4_shuffle(a, b, 3, 4, 1, 6), r.u32[0] = A->u32[3]; r.u32[1] = B->u32[0];
    r.u32[2] = A->u32[1]; r.u32[3] = B->u32[2];)
DEF(i32_splat_lane, wasm_i32x4_splat(wasm_i32x4_extract_lane(b, 2)), L4 r.u32[i] = B->u32[2];)

/* ---- i64x2 ---- */
DEF(i64_add, wasm_i64x2_add(a, b), L2 r.u64[i] = A->u64[i] + B->u64[i];)
DEF(i64_sub, wasm_i64x2_sub(a, b), L2 r.u64[i] = A->u64[i] - B->u64[i];)
DEF(i64_mul, wasm_i64x2_mul(a, b), L2 r.u64[i] = A->u64[i] * B->u64[i];)
DEF(i64_shl, wasm_i64x2_shl(a, B->u8[3]), L2 r.u64[i] = A->u64[i] << (B->u8[3] & 63);)
DEF(i64_shr_s, wasm_i64x2_shr(a, B->u8[3]), L2 r.i64[i] = A->i64[i] >> (B->u8[3] & 63);)
DEF(u64_shr, wasm_u64x2_shr(a, B->u8[3]), L2 r.u64[i] = A->u64[i] >> (B->u8[3] & 63);)
DEF(i64_eq, wasm_i64x2_eq(a, b), L2 r.i64[i] = mask(A->u64[i] == B->u64[i]);)
DEF(i64_gt_s, wasm_i64x2_gt(a, b), L2 r.i64[i] = mask(A->i64[i] > B->i64[i]);)
DEF(i64_le_s, wasm_i64x2_le(a, b), L2 r.i64[i] = mask(A->i64[i] <= B->i64[i]);)
DEF(i64_abs, wasm_i64x2_abs(a), L2 r.u64[i] = A->i64[i] < 0 ? 0u - A->u64[i] : A->u64[i];)
DEF(i64_neg, wasm_i64x2_neg(a), L2 r.u64[i] = 0u - A->u64[i];)
DEF(i64_extmul_hi_s, wasm_i64x2_extmul_high_i32x4(a, b), L2 r.i64[i] = (int64_t)A->i32[i + 2] * B->i32[i + 2];)
DEF(u64_extmul_lo, wasm_u64x2_extmul_low_u32x4(a, b), L2 r.u64[i] = (uint64_t)A->u32[i] * B->u32[i];)
DEF(i64_extend_lo_s, wasm_i64x2_extend_low_i32x4(a), L2 r.i64[i] = A->i32[i];)

/* ---- f32x4 ---- */
DEF(f32_add, wasm_f32x4_add(a, b), L4 r.f32[i] = A->f32[i] + B->f32[i];)
DEF(f32_sub, wasm_f32x4_sub(a, b), L4 r.f32[i] = A->f32[i] - B->f32[i];)
DEF(f32_mul, wasm_f32x4_mul(a, b), L4 r.f32[i] = A->f32[i] * B->f32[i];)
DEF(f32_div, wasm_f32x4_div(a, b), L4 r.f32[i] = A->f32[i] / B->f32[i];)
DEF(f32_sqrt, wasm_f32x4_sqrt(a), L4 r.f32[i] = sqrtf(A->f32[i]);)
DEF(f32_min, wasm_f32x4_min(a, b), L4 r.f32[i] = fminw(A->f32[i], B->f32[i]);)
DEF(f32_max, wasm_f32x4_max(a, b), L4 r.f32[i] = fmaxw(A->f32[i], B->f32[i]);)
DEF(f32_pmin, wasm_f32x4_pmin(a, b), L4 r.f32[i] = B->f32[i] < A->f32[i] ? B->f32[i] : A->f32[i];)
DEF(f32_pmax, wasm_f32x4_pmax(a, b), L4 r.f32[i] = A->f32[i] < B->f32[i] ? B->f32[i] : A->f32[i];)
DEF(f32_ceil, wasm_f32x4_ceil(a), L4 r.f32[i] = ceilf(A->f32[i]);)
DEF(f32_floor, wasm_f32x4_floor(a), L4 r.f32[i] = floorf(A->f32[i]);)
DEF(f32_trunc, wasm_f32x4_trunc(a), L4 r.f32[i] = truncf(A->f32[i]);)
DEF(f32_nearest, wasm_f32x4_nearest(a), L4 r.f32[i] = nearbyintf(A->f32[i]);)
DEF(f32_abs, wasm_f32x4_abs(a), L4 r.u32[i] = A->u32[i] & 0x7FFFFFFFu;)
DEF(f32_neg, wasm_f32x4_neg(a), L4 r.u32[i] = A->u32[i] ^ 0x80000000u;)
DEF(f32_eq, wasm_f32x4_eq(a, b), L4 r.i32[i] = mask(A->f32[i] == B->f32[i]);)
DEF(f32_lt, wasm_f32x4_lt(a, b), L4 r.i32[i] = mask(A->f32[i] < B->f32[i]);)
DEF(f32_ge, wasm_f32x4_ge(a, b), L4 r.i32[i] = mask(A->f32[i] >= B->f32[i]);)
DEF(f32_ne, wasm_f32x4_ne(a, b), L4 r.i32[i] = mask(A->f32[i] != B->f32[i]);)
DEF(f32_from_i32, wasm_f32x4_convert_i32x4(a), L4 r.f32[i] = (float)A->i32[i];)
DEF(f32_from_u32, wasm_f32x4_convert_u32x4(a), L4 r.f32[i] = (float)A->u32[i];)
DEF(f32_demote, wasm_f32x4_demote_f64x2_zero(a), L2 r.f32[i] = (float)A->f64[i];)

/* ---- f64x2 ---- */
DEF(f64_add, wasm_f64x2_add(a, b), L2 r.f64[i] = A->f64[i] + B->f64[i];)
DEF(f64_sub, wasm_f64x2_sub(a, b), L2 r.f64[i] = A->f64[i] - B->f64[i];)
DEF(f64_mul, wasm_f64x2_mul(a, b), L2 r.f64[i] = A->f64[i] * B->f64[i];)
DEF(f64_div, wasm_f64x2_div(a, b), L2 r.f64[i] = A->f64[i] / B->f64[i];)
DEF(f64_sqrt, wasm_f64x2_sqrt(a), L2 r.f64[i] = sqrt(A->f64[i]);)
DEF(f64_min, wasm_f64x2_min(a, b), L2 r.f64[i] = dminw(A->f64[i], B->f64[i]);)
DEF(f64_max, wasm_f64x2_max(a, b), L2 r.f64[i] = dmaxw(A->f64[i], B->f64[i]);)
DEF(f64_pmin, wasm_f64x2_pmin(a, b), L2 r.f64[i] = B->f64[i] < A->f64[i] ? B->f64[i] : A->f64[i];)
DEF(f64_floor, wasm_f64x2_floor(a), L2 r.f64[i] = floor(A->f64[i]);)
DEF(f64_nearest, wasm_f64x2_nearest(a), L2 r.f64[i] = nearbyint(A->f64[i]);)
DEF(f64_lt, wasm_f64x2_lt(a, b), L2 r.i64[i] = mask(A->f64[i] < B->f64[i]);)
DEF(f64_promote, wasm_f64x2_promote_low_f32x4(a), L2 r.f64[i] = (double)A->f32[i];)
DEF(f64_from_i32, wasm_f64x2_convert_low_i32x4(a), L2 r.f64[i] = (double)A->i32[i];)
DEF(f64_from_u32, wasm_f64x2_convert_low_u32x4(a), L2 r.f64[i] = (double)A->u32[i];)

enum { RAW, F32, F64 };
static const struct {
    const char *name;
    vec_op fn;
    int kind;
} ops[] = {
#define OP(n, k) {#n, n, k}
    OP(v_and, RAW), OP(v_or, RAW), OP(v_xor, RAW), OP(v_andnot, RAW), OP(v_not, RAW), OP(v_bitselect, RAW),
    OP(v_tests, RAW), OP(v_bitmasks, RAW),
    OP(i8_add, RAW), OP(i8_sub, RAW), OP(i8_add_sat_s, RAW), OP(u8_add_sat, RAW), OP(i8_sub_sat_s, RAW),
    OP(u8_sub_sat, RAW), OP(i8_min_s, RAW), OP(u8_max, RAW), OP(u8_avgr, RAW), OP(i8_abs, RAW), OP(i8_neg, RAW),
    OP(i8_popcnt, RAW), OP(i8_shl, RAW), OP(i8_shr_s, RAW), OP(u8_shr, RAW), OP(i8_eq, RAW), OP(i8_gt_s, RAW),
    OP(u8_le, RAW), OP(i8_swizzle, RAW), OP(i8_shuffle, RAW), OP(i8_narrow_s, RAW), OP(u8_narrow, RAW),
    OP(i8_lanes, RAW),
    OP(i16_add, RAW), OP(i16_mul, RAW), OP(i16_add_sat_s, RAW), OP(u16_sub_sat, RAW), OP(i16_q15mulr, RAW),
    OP(i16_extmul_lo_s, RAW), OP(u16_extmul_hi, RAW), OP(i16_extadd_s, RAW), OP(i16_extend_hi_s, RAW),
    OP(u16_extend_lo, RAW), OP(i16_shl, RAW), OP(i16_shr_s, RAW), OP(u16_shr, RAW), OP(i16_max_s, RAW),
    OP(u16_min, RAW), OP(u16_avgr, RAW), OP(i16_abs, RAW), OP(i16_lt_s, RAW), OP(u16_ge, RAW),
    OP(i16_narrow_s, RAW), OP(u16_narrow, RAW), OP(i16_shuffle, RAW),
    OP(i32_add, RAW), OP(i32_sub, RAW), OP(i32_mul, RAW), OP(i32_min_s, RAW), OP(u32_max, RAW), OP(i32_dot, RAW),
    OP(i32_extmul_lo_s, RAW), OP(u32_extadd, RAW), OP(i32_shl, RAW), OP(i32_shr_s, RAW), OP(u32_shr, RAW),
    OP(i32_abs, RAW), OP(i32_gt_s, RAW), OP(u32_lt, RAW), OP(i32_trunc_sat_f32, RAW), OP(u32_trunc_sat_f32, RAW),
    OP(i32_trunc_sat_f64, RAW), OP(u32_trunc_sat_f64, RAW), OP(i32_shuffle, RAW), OP(i32_splat_lane, RAW),
    OP(i64_add, RAW), OP(i64_sub, RAW), OP(i64_mul, RAW), OP(i64_shl, RAW), OP(i64_shr_s, RAW), OP(u64_shr, RAW),
    OP(i64_eq, RAW), OP(i64_gt_s, RAW), OP(i64_le_s, RAW), OP(i64_abs, RAW), OP(i64_neg, RAW),
    OP(i64_extmul_hi_s, RAW), OP(u64_extmul_lo, RAW), OP(i64_extend_lo_s, RAW),
    OP(f32_add, F32), OP(f32_sub, F32), OP(f32_mul, F32), OP(f32_div, F32), OP(f32_sqrt, F32), OP(f32_min, F32),
    OP(f32_max, F32), OP(f32_pmin, F32), OP(f32_pmax, F32), OP(f32_ceil, F32), OP(f32_floor, F32),
    OP(f32_trunc, F32), OP(f32_nearest, F32), OP(f32_abs, F32), OP(f32_neg, F32), OP(f32_eq, RAW),
    OP(f32_lt, RAW), OP(f32_ge, RAW), OP(f32_ne, RAW), OP(f32_from_i32, F32), OP(f32_from_u32, F32),
    OP(f32_demote, F32),
    OP(f64_add, F64), OP(f64_sub, F64), OP(f64_mul, F64), OP(f64_div, F64), OP(f64_sqrt, F64), OP(f64_min, F64),
    OP(f64_max, F64), OP(f64_pmin, F64), OP(f64_floor, F64), OP(f64_nearest, F64), OP(f64_lt, RAW),
    OP(f64_promote, F64), OP(f64_from_i32, F64), OP(f64_from_u32, F64),
#undef OP
};

#define NVEC 48
static vec inputs[NVEC];

static void canonicalize(vec *v, int kind) {
    if (kind == F32) {
        for (int i = 0; i < 4; i++)
            if (isnan(v->f32[i])) v->u32[i] = 0x7FC00000u;
    } else if (kind == F64) {
        for (int i = 0; i < 2; i++)
            if (isnan(v->f64[i])) v->u64[i] = 0x7FF8000000000000ull;
    }
}

static void make_inputs(void) {
    static const uint32_t special32[] = {
        0x00000000, 0x80000000, 0x7FFFFFFF, 0xFFFFFFFF, 0x00000001, 0x3F800000 /* 1.0f */,
        0xBFC00000 /* -1.5f */, 0x40200000 /* 2.5f */, 0x7F800000 /* inf */, 0xFF800000 /* -inf */,
        0x7FC00000 /* nan */, 0x00000010 /* subnormal */, 0x4F000000 /* 2^31 */, 0xCF000001,
        0x4F800000 /* 2^32 */, 0x3EFFFFFF /* 0.49999997 */, 0x7F7FFFFF, 0x00800000, 0x80808080, 0x7F7F7F7F,
    };
    static const uint64_t special64[] = {
        0x0000000000000000ull, 0x8000000000000000ull, 0x3FF0000000000000ull /* 1.0 */,
        0xC004000000000000ull /* -2.5 */, 0x41DFFFFFFFC00000ull /* 2147483647 */,
        0x41E0000000000000ull /* 2^31 */, 0xC1E0000000100000ull /* -2147483649 */,
        0x41EFFFFFFFE00000ull /* 4294967295 */, 0x7FF0000000000000ull, 0xFFF0000000000000ull,
        0x7FF8000000000001ull, 0x0000000000000001ull, 0x3FDFFFFFFFFFFFFFull, 0x4330000000000001ull,
    };
    int n = 0;
    /* vectors of special 32-bit lanes, rotated */
    for (int k = 0; k < 10; k++, n++)
        for (int i = 0; i < 4; i++) inputs[n].u32[i] = special32[(size_t)(k * 3 + i * 7) % 20];
    /* vectors of special 64-bit lanes */
    for (int k = 0; k < 7; k++, n++)
        for (int i = 0; i < 2; i++) inputs[n].u64[i] = special64[(size_t)(k * 2 + i * 5) % 14];
    /* byte patterns */
    for (int i = 0; i < 16; i++) {
        inputs[n].u8[i] = (uint8_t)(i * 17);
        inputs[n + 1].u8[i] = (uint8_t)(0x80 | i);
        inputs[n + 2].u8[i] = (uint8_t)(i & 1 ? 0x7F : 0x80);
        inputs[n + 3].u8[i] = (uint8_t)(i < 8 ? i * 2 : 0xFF - i);
    }
    n += 4;
    uint64_t s = 0x243F6A8885A308D3ull;
    for (; n < NVEC; n++)
        for (int i = 0; i < 2; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            inputs[n].u64[i] = s;
        }
}

/* ---- loops for the auto-vectorizer ---- */
#define N 4096
static int32_t ia[N], ib[N], ic[N];
static uint8_t ba[N], bb[N], bc[N];
static int16_t sa[N], sb[N];
static float fa[N], fb[N], fc[N];

static void vectorizable(void) {
    for (int i = 0; i < N; i++) {
        ia[i] = (int32_t)(i * 2654435761u);
        ib[i] = (int32_t)(i * 40503u) - 20000;
        ba[i] = (uint8_t)(i * 7);
        bb[i] = (uint8_t)(i * 13 + 5);
        sa[i] = (int16_t)(i * 31 - 30000);
        sb[i] = (int16_t)(i * 17 + 3);
        fa[i] = (float)i * 0.25f - 100.0f;
        fb[i] = (float)(N - i) * 0.125f;
    }
    for (int i = 0; i < N; i++) ic[i] = (int32_t)((uint32_t)ia[i] * (uint32_t)ib[i] + (uint32_t)(ia[i] >> 3));
    for (int i = 0; i < N; i++) {
        unsigned s = (unsigned)ba[i] + bb[i];
        bc[i] = (uint8_t)(s > 255 ? 255 : s);
    }
    uint32_t dot = 0;
    for (int i = 0; i < N; i++) dot += (uint32_t)(sa[i] * sb[i]);
    int32_t mx = INT32_MIN;
    for (int i = 0; i < N; i++) mx = ic[i] > mx ? ic[i] : mx;
    for (int i = 0; i < N; i++) fc[i] = fa[i] * fb[i] + fa[i];
    uint32_t h = 0;
    for (int i = 0; i < N; i++) h = h * 31 + (uint32_t)ic[i] + bc[i];
    uint32_t fh = 0;
    for (int i = 0; i < N; i++) {
        uint32_t u;
        memcpy(&u, &fc[i], 4);
        fh = fh * 31 + u;
    }
    printf("auto-vectorized: hash %08" PRIx32 " dot %08" PRIx32 " max %" PRId32 " float hash %08" PRIx32 "\n", h, dot,
           mx, fh);
}

int main(void) {
    make_inputs();
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        uint64_t h = 0xCBF29CE484222325ull;
        vec first;
        for (int i = 0; i < NVEC; i++) {
            vec r;
            ops[k].fn(&inputs[i], &inputs[(i * 7 + 3) % NVEC], &r);
            canonicalize(&r, ops[k].kind);
            if (i == 0) first = r;
            for (int j = 0; j < 16; j++) h = (h ^ r.u8[j]) * 0x100000001B3ull;
        }
        printf("%-18s %016" PRIx64 " first %016" PRIx64 "%016" PRIx64 "\n", ops[k].name, h, first.u64[1],
               first.u64[0]);
    }
    vectorizable();
    return 20;
}

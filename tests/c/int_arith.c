/* Integer arithmetic of every width: 8/16/32/64 bits, signed and unsigned.
 *
 * Wrapping overflow (done in unsigned arithmetic, so no undefined behaviour), shifts,
 * division and remainder, rotations, clz/ctz/popcount/bswap builtins, width conversions and
 * 128-bit arithmetic. Edge values are read through volatile objects so the compiler cannot
 * fold the operations away; then thousands of pseudo-random operands are folded into one hash
 * per width. Output must be identical natively (x86-64) and in wasm32.
 * Exit status: 11.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __wasm__
/* Debian's libclang-rt-14-dev-wasm32 builds __modti3/__umodti3/__divmodti4 (128-bit remainder)
 * with -fstack-protector, and wasi-libc defines neither of these: provide them. */
uintptr_t __stack_chk_guard = 0x5AFE6A4Du;
void __stack_chk_fail(void) { __builtin_trap(); }
#endif

static uint64_t rng_state = 0x0123456789ABCDEFull;

/* splitmix64 */
static uint64_t next_u64(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t hash;
static void mix(uint64_t v) {
    hash ^= v;
    hash *= 0x100000001B3ull;
    hash ^= hash >> 29;
}

/* Bit counts defined for zero too. */
static int clz32(uint32_t x) { return x ? __builtin_clz(x) : 32; }
static int ctz32(uint32_t x) { return x ? __builtin_ctz(x) : 32; }
static int clz64(uint64_t x) { return x ? __builtin_clzll(x) : 64; }
static int ctz64(uint64_t x) { return x ? __builtin_ctzll(x) : 64; }

/* One function per width: T signed type, U unsigned type, W the unsigned type operations
 * are done in (at least 32 bits, so narrow types never overflow a promoted int). */
#define DEFINE_WIDTH(NAME, BITS, T, U, W, TMIN)                                               \
    static void ops_##NAME(T a, T b, uint64_t out[24]) {                                     \
        U ua = (U)a, ub = (U)b;                                                               \
        unsigned s = (unsigned)ub & (BITS - 1);                                               \
        int n = 0;                                                                            \
        out[n++] = (U)((W)ua + (W)ub);                                                        \
        out[n++] = (U)((W)ua - (W)ub);                                                        \
        out[n++] = (U)((W)ua * (W)ub);                                                        \
        out[n++] = (U)(T)((W)ua + (W)ub); /* signed wrap through conversion */                \
        out[n++] = ub ? (U)(ua / ub) : 0xD1Du;                                                \
        out[n++] = ub ? (U)(ua % ub) : 0xD1Du;                                                \
        out[n++] = (b != 0 && !(a == TMIN && b == -1 && BITS >= 32)) ? (U)(T)(a / b) : 0xD1Du; \
        out[n++] = (b != 0 && !(a == TMIN && b == -1 && BITS >= 32)) ? (U)(T)(a % b) : 0xD1Du; \
        out[n++] = (U)((W)ua << s);                                                           \
        out[n++] = (U)(ua >> s);                                                              \
        out[n++] = (U)(T)(a >> s); /* arithmetic shift of a signed value */                   \
        out[n++] = (U)(((W)ua << s) | ((W)ua >> ((BITS - s) & (BITS - 1))));                   \
        out[n++] = (U)(((W)ua >> s) | ((W)ua << ((BITS - s) & (BITS - 1))));                   \
        out[n++] = (U)(ua & ub) ^ (U)(ua | ub) << 1 ^ (U)(ua ^ ub) << 2;                       \
        out[n++] = (U)~ua;                                                                    \
        out[n++] = (U)(0u - (W)ua);                                                           \
        out[n++] = (uint64_t)((a < b) | (a <= b) << 1 | (a > b) << 2 | (a == b) << 3 |        \
                              (ua < ub) << 4 | (ua >= ub) << 5 | (a != b) << 6);              \
        out[n++] = (U)(a < b ? a : b);                                                        \
        out[n++] = (U)(ua > ub ? ua : ub);                                                    \
        out[n++] = (U)(a < 0 ? (U)(0u - (W)ua) : ua);                                         \
        out[n++] = (uint64_t)(int64_t)a; /* sign extension */                                 \
        out[n++] = (uint64_t)ua;         /* zero extension */                                 \
        out[n++] = BITS == 64 ? (uint64_t)(clz64((uint64_t)ua) | ctz64((uint64_t)ua) << 8 |   \
                                           __builtin_popcountll((uint64_t)ua) << 16)          \
                              : (uint64_t)((clz32((uint32_t)ua) - (32 - (BITS < 32 ? BITS : 32))) | \
                                           (ua ? ctz32((uint32_t)ua) : BITS) << 8 |           \
                                           __builtin_popcount((uint32_t)ua) << 16);           \
        out[n++] = (uint64_t)(int8_t)ua ^ (uint64_t)(uint16_t)ua << 8 ^ (uint64_t)(int16_t)ua \
                   << 24 ^ (uint64_t)(int32_t)(uint32_t)ua;                                   \
    }

DEFINE_WIDTH(i8, 8, int8_t, uint8_t, uint32_t, INT8_MIN)
DEFINE_WIDTH(i16, 16, int16_t, uint16_t, uint32_t, INT16_MIN)
DEFINE_WIDTH(i32, 32, int32_t, uint32_t, uint32_t, INT32_MIN)
DEFINE_WIDTH(i64, 64, int64_t, uint64_t, uint64_t, INT64_MIN)

static const char *const op_names[24] = {
    "add", "sub", "mul", "sadd", "udiv", "urem", "sdiv", "srem", "shl", "shr_u", "shr_s", "rotl",
    "rotr", "bits", "not", "neg", "cmp", "smin", "umax", "abs", "sext", "zext", "clz|ctz|pop", "narrow",
};

static volatile int8_t e8[] = {0, 1, -1, 2, -2, 7, INT8_MIN, INT8_MAX, 0x55, -0x56};
static volatile int16_t e16[] = {0, 1, -1, 3, -3, 255, 256, INT16_MIN, INT16_MAX, 0x5A5A};
static volatile int32_t e32[] = {0, 1, -1, 5, -5, 31, 32, 33, 65536, INT32_MIN, INT32_MAX, 0x12345678,
                                 -0x789ABCD};
static volatile int64_t e64[] = {0, 1, -1, 13, -13, 63, 64, 65, INT64_C(4294967296), INT64_MIN, INT64_MAX,
                                 INT64_C(0x0123456789ABCDEF), -INT64_C(0x7EDCBA9876543210)};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define EDGE_TABLE(NAME, ARR, T, PRI)                                                        \
    do {                                                                                      \
        uint64_t out[24];                                                                     \
        for (size_t i = 0; i < N_ELEMS(ARR); i++)                                             \
            for (size_t j = 0; j < N_ELEMS(ARR); j++) {                                       \
                T a = ARR[i], b = ARR[j];                                                     \
                ops_##NAME(a, b, out);                                                        \
                printf(#NAME " %" PRI " %" PRI ":", a, b);                                    \
                for (int k = 0; k < 24; k++) printf(" %" PRIx64, out[k]);                     \
                printf("\n");                                                                 \
            }                                                                                 \
    } while (0)

#define RANDOM_HASH(NAME, T, COUNT)                                                          \
    do {                                                                                      \
        uint64_t out[24];                                                                     \
        hash = 0xCBF29CE484222325ull;                                                         \
        for (int i = 0; i < COUNT; i++) {                                                     \
            uint64_t r = next_u64();                                                          \
            T a = (T)r, b = (T)(r >> 32 ^ r << 7);                                            \
            if (i % 4 == 0) b = (T)(b & 0x3F);                                                \
            ops_##NAME(a, b, out);                                                            \
            for (int k = 0; k < 24; k++) mix(out[k] + (uint64_t)k);                            \
        }                                                                                     \
        printf("random " #NAME " x%d: %016" PRIx64 "\n", COUNT, hash);                         \
    } while (0)

static void int128_checks(void) {
#ifdef __SIZEOF_INT128__
    static volatile uint64_t va = 0xFEDCBA9876543210ull, vb = 0x0F1E2D3C4B5A6978ull;
    static volatile int64_t vs = -0x123456789ABCDEFll;
    unsigned __int128 p = (unsigned __int128)va * vb;
    __int128 q = (__int128)vs * (__int128)(int64_t)vb;
    unsigned __int128 d = p / 0x1234567ull, m = p % 0x1234567ull;
    __int128 sd = q / -987654321, sm = q % -987654321;
    printf("u128 mul: %016" PRIx64 "%016" PRIx64 "\n", (uint64_t)(p >> 64), (uint64_t)p);
    printf("i128 mul: %016" PRIx64 "%016" PRIx64 "\n", (uint64_t)((unsigned __int128)q >> 64), (uint64_t)q);
    printf("u128 div: %016" PRIx64 "%016" PRIx64 " rem %" PRIu64 "\n", (uint64_t)(d >> 64), (uint64_t)d,
           (uint64_t)m);
    printf("i128 div: %016" PRIx64 "%016" PRIx64 " rem %" PRId64 "\n", (uint64_t)((unsigned __int128)sd >> 64),
           (uint64_t)sd, (int64_t)sm);
    printf("i128 shifts: %016" PRIx64 " %016" PRIx64 "\n", (uint64_t)(p >> 67), (uint64_t)(q >> 100));
#else
    printf("no __int128\n");
#endif
}

static void builtin_checks(void) {
    static volatile uint32_t v32[] = {1, 0x80000000u, 0x00F0F000u, 0xFFFFFFFFu, 0x12345678u};
    static volatile uint64_t v64[] = {1, 0x8000000000000000ull, 0x00000F0000F00000ull, ~0ull,
                                      0x0123456789ABCDEFull};
    for (size_t i = 0; i < N_ELEMS(v32); i++) {
        uint32_t x = v32[i];
        printf("u32 %08" PRIx32 ": clz %d ctz %d popcount %d parity %d ffs %d bswap %08" PRIx32
               " bswap16 %04x\n",
               x, __builtin_clz(x), __builtin_ctz(x), __builtin_popcount(x), __builtin_parity(x),
               __builtin_ffs((int)x), __builtin_bswap32(x), (unsigned)__builtin_bswap16((uint16_t)x));
    }
    for (size_t i = 0; i < N_ELEMS(v64); i++) {
        uint64_t x = v64[i];
        printf("u64 %016" PRIx64 ": clz %d ctz %d popcount %d parity %d ffs %d bswap %016" PRIx64 "\n", x,
               __builtin_clzll(x), __builtin_ctzll(x), __builtin_popcountll(x), __builtin_parityll(x),
               __builtin_ffsll((long long)x), __builtin_bswap64(x));
    }
    /* Overflow-checking builtins. */
    static volatile int32_t big = INT32_MAX;
    static volatile uint64_t ubig = UINT64_MAX - 5;
    int32_t r32;
    uint64_t r64;
    int o1 = __builtin_add_overflow(big, 1, &r32);
    int o2 = __builtin_mul_overflow(ubig, (uint64_t)2, &r64);
    int o3 = __builtin_sub_overflow((int32_t)-big, 2, &r32);
    printf("overflow builtins: %d %d %d r32 %" PRId32 " r64 %" PRIu64 "\n", o1, o2, o3, r32, r64);
}

static void wrap_checks(void) {
    static volatile uint8_t u8max = UINT8_MAX;
    static volatile uint16_t u16max = UINT16_MAX;
    static volatile uint32_t u32max = UINT32_MAX;
    static volatile uint64_t u64max = UINT64_MAX;
    static volatile int32_t i32max = INT32_MAX;
    static volatile int64_t i64min = INT64_MIN;
    uint8_t a = (uint8_t)(u8max + 1);
    uint16_t b = (uint16_t)(u16max + 1);
    uint32_t c = u32max + 1u;
    uint64_t d = u64max + 1u;
    int32_t e = (int32_t)((uint32_t)i32max + 1u);
    int64_t f = (int64_t)((uint64_t)i64min - 1u);
    printf("wrap: %u %u %" PRIu32 " %" PRIu64 " %" PRId32 " %" PRId64 "\n", a, b, c, d, e, f);
    uint16_t m16 = (uint16_t)((uint32_t)u16max * u16max);
    uint32_t m32 = u32max * u32max;
    uint64_t m64 = u64max * (u64max - 1);
    printf("mul wrap: %u %" PRIu32 " %" PRIu64 "\n", m16, m32, m64);
    printf("div/rem signs: %d %d %d %d %" PRId64 " %" PRId64 "\n", (int)(-7 / (e8[3])), (int)(-7 % e8[3]),
           (int)(7 / e8[4]), (int)(7 % e8[4]), (int64_t)(e64[9] / 3), (int64_t)(e64[9] % 3));
}

int main(void) {
    printf("sizes: %zu %zu %zu %zu\n", sizeof(int8_t), sizeof(int16_t), sizeof(int32_t), sizeof(int64_t));
    printf("ops:");
    for (int k = 0; k < 24; k++) printf(" %s", op_names[k]);
    printf("\n");
    EDGE_TABLE(i8, e8, int8_t, PRId8);
    EDGE_TABLE(i16, e16, int16_t, PRId16);
    EDGE_TABLE(i32, e32, int32_t, PRId32);
    EDGE_TABLE(i64, e64, int64_t, PRId64);
    RANDOM_HASH(i8, int8_t, 20000);
    RANDOM_HASH(i16, int16_t, 20000);
    RANDOM_HASH(i32, int32_t, 20000);
    RANDOM_HASH(i64, int64_t, 20000);
    wrap_checks();
    builtin_checks();
    int128_checks();
    return 11;
}

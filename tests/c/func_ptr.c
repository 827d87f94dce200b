/* Function pointers: call_indirect through tables of functions of several signatures,
 * qsort/bsearch with comparators, callbacks, function pointers in structs (a hand-made
 * vtable) and returned from functions. Exit status: 16.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t (*binop)(int32_t, int32_t);
typedef double (*unop_d)(double);
typedef uint64_t (*fold_fn)(uint64_t acc, uint64_t x);

static int32_t op_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t op_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static int32_t op_mul(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }
static int32_t op_xor(int32_t a, int32_t b) { return a ^ b; }
static int32_t op_min(int32_t a, int32_t b) { return a < b ? a : b; }
static int32_t op_shl(int32_t a, int32_t b) { return (int32_t)((uint32_t)a << (b & 31)); }

static binop const ops[] = {op_add, op_sub, op_mul, op_xor, op_min, op_shl};
static const char *const op_names[] = {"add", "sub", "mul", "xor", "min", "shl"};

static double half(double x) { return x / 2; }
static double square(double x) { return x * x; }
static double negate(double x) { return -x; }
static unop_d const dops[] = {half, square, negate};

static uint64_t fold_sum(uint64_t acc, uint64_t x) { return acc + x; }
static uint64_t fold_hash(uint64_t acc, uint64_t x) { return (acc ^ x) * 0x100000001B3ull; }
static uint64_t fold_max(uint64_t acc, uint64_t x) { return x > acc ? x : acc; }

static uint64_t fold(const uint64_t *xs, size_t n, uint64_t init, fold_fn f) {
    for (size_t i = 0; i < n; i++) init = f(init, xs[i]);
    return init;
}

/* Returns a function chosen at run time. */
static binop pick(int which) { return ops[which % 6]; }

/* A hand-made vtable. */
struct shape;
struct shape_vt {
    const char *name;
    int64_t (*area2)(const struct shape *); /* twice the area, to stay integral */
    int64_t (*perimeter)(const struct shape *);
};
struct shape {
    const struct shape_vt *vt;
    int64_t a, b;
};
static int64_t rect_area2(const struct shape *s) { return 2 * s->a * s->b; }
static int64_t rect_perim(const struct shape *s) { return 2 * (s->a + s->b); }
static int64_t tri_area2(const struct shape *s) { return s->a * s->b; }
static int64_t tri_perim(const struct shape *s) { return s->a + s->b + s->a; }
static const struct shape_vt rect_vt = {"rect", rect_area2, rect_perim};
static const struct shape_vt tri_vt = {"tri", tri_area2, tri_perim};

struct record {
    int32_t key;
    uint32_t id;
    char name[8];
};

static int cmp_int(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}
static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }
/* Total order (key, then unique id) so that every qsort gives the same result. */
static int cmp_record(const void *a, const void *b) {
    const struct record *x = a, *y = b;
    if (x->key != y->key) return (x->key > y->key) - (x->key < y->key);
    return (x->id > y->id) - (x->id < y->id);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static volatile int32_t seed = 12345;

int main(void) {
    uint32_t r = (uint32_t)seed;
    /* Indirect calls selected by data. */
    int32_t acc = 1;
    int counts[6] = {0};
    for (int i = 0; i < 100000; i++) {
        r = r * 1103515245u + 12345u;
        int k = (int)((r >> 16) % 6);
        counts[k]++;
        acc = ops[k](acc, (int32_t)(r >> 8) | 1);
    }
    printf("dispatch: acc %" PRId32 " counts", acc);
    for (int k = 0; k < 6; k++) printf(" %s=%d", op_names[k], counts[k]);
    printf("\n");
    printf("pick: %" PRId32 " %" PRId32 "\n", pick(seed)(7, 5), pick(seed + 1)(7, 5));
    printf("same function: %d %d\n", pick(2) == op_mul, pick(2) == op_add);

    double d = 3.0;
    for (int i = 0; i < 12; i++) d = dops[i % 3](d);
    printf("double ops: %.17g\n", d);

    uint64_t xs[1000];
    for (int i = 0; i < 1000; i++) {
        r = r * 1103515245u + 12345u;
        xs[i] = (uint64_t)r * 2654435761u;
    }
    printf("fold: sum %" PRIu64 " hash %016" PRIx64 " max %" PRIu64 "\n", fold(xs, 1000, 0, fold_sum),
           fold(xs, 1000, 0xCBF29CE484222325ull, fold_hash), fold(xs, 1000, 0, fold_max));

    struct shape shapes[] = {{&rect_vt, 3, 4}, {&tri_vt, 5, 6}, {&rect_vt, 10, 1}, {&tri_vt, 7, 7}};
    for (size_t i = 0; i < 4; i++)
        printf("shape %s: area2 %" PRId64 " perimeter %" PRId64 "\n", shapes[i].vt->name,
               shapes[i].vt->area2(&shapes[i]), shapes[i].vt->perimeter(&shapes[i]));

    int32_t nums[2000];
    for (int i = 0; i < 2000; i++) {
        r = r * 1103515245u + 12345u;
        nums[i] = (int32_t)(r >> 4) - (1 << 26);
    }
    qsort(nums, 2000, sizeof nums[0], cmp_int);
    int sorted = 1;
    for (int i = 1; i < 2000; i++) sorted &= nums[i - 1] <= nums[i];
    printf("qsort ints: sorted %d first %" PRId32 " median %" PRId32 " last %" PRId32 "\n", sorted, nums[0],
           nums[1000], nums[1999]);
    int32_t key = nums[777];
    int32_t *found = bsearch(&key, nums, 2000, sizeof nums[0], cmp_int);
    int32_t missing = nums[5] + 1 == nums[6] ? nums[5] : nums[5] + 1;
    printf("bsearch: found %d value %" PRId32 " missing-found %d\n", found != NULL, found ? *found : 0,
           bsearch(&missing, nums, 2000, sizeof nums[0], cmp_int) != NULL);
    qsort(nums, 2000, sizeof nums[0], cmp_int_desc);
    printf("qsort desc: %" PRId32 " %" PRId32 "\n", nums[0], nums[1999]);

    struct record recs[300];
    for (uint32_t i = 0; i < 300; i++) {
        r = r * 1103515245u + 12345u;
        recs[i].key = (int32_t)((r >> 16) % 17) - 8; /* many equal keys */
        recs[i].id = i;
        snprintf(recs[i].name, sizeof recs[i].name, "r%u", (unsigned)i);
    }
    qsort(recs, 300, sizeof recs[0], cmp_record);
    uint64_t h = 0;
    for (int i = 0; i < 300; i++) h = h * 31 + (uint64_t)(recs[i].key + 100) * 1000 + recs[i].id;
    printf("qsort records: %s %s %s hash %016" PRIx64 "\n", recs[0].name, recs[150].name, recs[299].name, h);

    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "apricot", "date", "kiwi"};
    qsort(words, 8, sizeof words[0], cmp_str);
    printf("qsort strings:");
    for (int i = 0; i < 8; i++) printf(" %s", words[i]);
    printf("\n");
    return 16;
}

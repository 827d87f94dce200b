/* Control flow: dense and sparse switches (br_table), loops with break/continue, recursion
 * (deep, mutual, non-tail) and a table-free state machine (a tokenizer). Exit status: 17.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int dense(int x) {
    switch (x) {
    case 0: return 10;
    case 1: return 21;
    case 2: return 32;
    case 3: return 43;
    case 4: return 54;
    case 5: return 65;
    case 6: return 76;
    case 7: return 87;
    case 8: return 98;
    case 9: return 109;
    case 10: return 1110;
    case 11: return 1211;
    case 12: /* fallthrough */
    case 13: return 1312;
    case 15: return 1514;
    default: return -1;
    }
}

static const char *sparse(uint32_t x) {
    switch (x) {
    case 1: return "one";
    case 100: return "hundred";
    case 1000: return "thousand";
    case 65536: return "64k";
    case 0x7FFFFFFF: return "max";
    case 0xFFFFFFFF: return "all-ones";
    default: return "other";
    }
}

static uint64_t ackermann(uint64_t m, uint64_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* Deep non-tail recursion: 10000 frames, all in wasm locals (nothing address-taken). */
static uint64_t deep(uint32_t n) {
    if (n == 0) return 1;
    uint64_t below = deep(n - 1);
    return (below * 31 + n) ^ (below >> 7);
}

static uint64_t hanoi_moves(int n, int from, int to, int via, uint64_t *checksum) {
    if (n == 0) return 0;
    uint64_t moves = hanoi_moves(n - 1, from, via, to, checksum);
    *checksum = *checksum * 7 + (uint64_t)(from * 3 + to);
    return moves + 1 + hanoi_moves(n - 1, via, to, from, checksum);
}

/* A tokenizer as an explicit state machine: numbers, identifiers, operators, strings. */
enum state { S_START, S_NUMBER, S_IDENT, S_STRING, S_ESCAPE, S_COMMENT };

static void tokenize(const char *src) {
    enum state st = S_START;
    char tok[64];
    size_t len = 0;
    int counts[4] = {0};
    printf("tokens:");
    for (size_t i = 0;; i++) {
        char c = src[i];
        int consumed = 0;
        while (!consumed) {
            switch (st) {
            case S_START:
                len = 0;
                if (c >= '0' && c <= '9') {
                    st = S_NUMBER;
                    tok[len++] = c;
                } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
                    st = S_IDENT;
                    tok[len++] = c;
                } else if (c == '"') {
                    st = S_STRING;
                } else if (c == '#') {
                    st = S_COMMENT;
                } else if (c != ' ' && c != '\n' && c != '\0') {
                    printf(" op(%c)", c);
                    counts[3]++;
                }
                consumed = 1;
                break;
            case S_NUMBER:
                if (c >= '0' && c <= '9') {
                    tok[len++] = c;
                    consumed = 1;
                } else {
                    tok[len] = 0;
                    printf(" num(%s)", tok);
                    counts[0]++;
                    st = S_START;
                }
                break;
            case S_IDENT:
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9')) {
                    tok[len++] = c;
                    consumed = 1;
                } else {
                    tok[len] = 0;
                    printf(" id(%s)", tok);
                    counts[1]++;
                    st = S_START;
                }
                break;
            case S_STRING:
                if (c == '"') {
                    tok[len] = 0;
                    printf(" str(%s)", tok);
                    counts[2]++;
                    st = S_START;
                } else if (c == '\\') {
                    st = S_ESCAPE;
                } else if (c == '\0') {
                    printf(" unterminated");
                    st = S_START;
                    continue;
                } else {
                    tok[len++] = c;
                }
                consumed = 1;
                break;
            case S_ESCAPE:
                tok[len++] = c == 'n' ? '/' : c;
                st = S_STRING;
                consumed = 1;
                break;
            case S_COMMENT:
                if (c == '\n' || c == '\0') st = S_START;
                else consumed = 1;
                break;
            }
        }
        if (c == '\0') break;
    }
    printf("\ncounts: num %d id %d str %d op %d\n", counts[0], counts[1], counts[2], counts[3]);
}

static volatile int limit = 40;

int main(void) {
    uint32_t sum = 0;
    for (int i = -3; i < 20; i++) sum = sum * 3u + (uint32_t)dense(i);
    printf("dense switch: %" PRIu32 "\n", sum);
    uint32_t probes[] = {0, 1, 2, 100, 1000, 1001, 65536, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};
    printf("sparse switch:");
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) printf(" %s", sparse(probes[i]));
    printf("\n");

    printf("ackermann(2,3)=%" PRIu64 " ackermann(3,5)=%" PRIu64 "\n", ackermann(2, 3), ackermann(3, 5));
    printf("fib(27)=%" PRIu32 "\n", fib(27));
    printf("even(10001)=%d odd(7777)=%d\n", is_even(10001), is_odd(7777));
    printf("deep(10000)=%016" PRIx64 "\n", deep(10000));
    uint64_t hsum = 0;
    printf("hanoi(16)=%" PRIu64, hanoi_moves(16, 1, 3, 2, &hsum));
    printf(" checksum %016" PRIx64 "\n", hsum);

    /* Nested loops with labelled-style exits via flags, continue and break. */
    int found = 0, pairs = 0;
    for (int a = 1; a < limit && !found; a++) {
        for (int b = a; b < limit; b++) {
            if ((a + b) % 3 == 0) continue;
            int c2 = a * a + b * b, c = 0;
            while (c * c < c2) c++;
            if (c * c != c2) continue;
            pairs++;
            if (c > 35) {
                printf("first triple with c>35: %d %d %d\n", a, b, c);
                found = 1;
                break;
            }
        }
    }
    printf("pythagorean pairs seen: %d\n", pairs);

    /* Collatz with do-while. */
    uint32_t longest = 0, arg = 0;
    for (uint32_t n = 1; n < 30000; n++) {
        uint64_t x = n;
        uint32_t steps = 0;
        do {
            x = (x & 1) ? 3 * x + 1 : x / 2;
            steps++;
        } while (x != 1);
        if (steps > longest) longest = steps, arg = n;
    }
    printf("collatz: longest %" PRIu32 " steps from %" PRIu32 "\n", longest, arg);

    tokenize("let x1 = 42 + foo_bar*(7-3); # a comment\nprint \"hi\\\"there\\n\" 1000 _z9\n\"open");
    return 17;
}

/* simd_mandel: Mandelbrot set in single precision, 4 pixels at a time with
 * wasm SIMD (f32x4 / i32x4) when built with -msimd128, plain scalar C
 * otherwise (the native build). Both compute exactly the same iteration
 * counts: same float operations in the same order, no FMA contraction.
 *
 * Usage: simd_mandel [SIZE [MAXITER]]   (default SIZE=1600, MAXITER=500)
 * Exercises v128 arithmetic, compares, bit selects, any_true and lane
 * counters (i32x4.sub of the compare mask), i.e. the SIMD paths of the
 * compiler. Prints the total iteration count and a hash of the image.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

int main(int argc, char **argv) {
    int size = argc > 1 ? atoi(argv[1]) : 1600;
    int maxit = argc > 2 ? atoi(argv[2]) : 500;
    if (size < 4 || size % 4 != 0 || maxit < 1) {
        fprintf(stderr, "usage: simd_mandel [SIZE (multiple of 4) [MAXITER>=1]]\n");
        return 2;
    }
    int32_t *img = malloc(sizeof(int32_t) * (size_t)size * (size_t)size);
    if (!img) {
        fprintf(stderr, "simd_mandel: out of memory\n");
        return 1;
    }
    const float x0 = -2.0f, y0 = -1.25f;
    const float dx = 2.5f / (float)size, dy = 2.5f / (float)size;
    for (int py = 0; py < size; py++) {
        const float ci_s = (float)py * dy + y0;
        int32_t *row = img + (size_t)py * (size_t)size;
#ifdef __wasm_simd128__
        const v128_t ci = wasm_f32x4_splat(ci_s);
        const v128_t four = wasm_f32x4_splat(4.0f);
        const v128_t two = wasm_f32x4_splat(2.0f);
        for (int px = 0; px < size; px += 4) {
            v128_t idx = wasm_i32x4_make(px, px + 1, px + 2, px + 3);
            v128_t cr = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(idx),
                                                      wasm_f32x4_splat(dx)),
                                       wasm_f32x4_splat(x0));
            v128_t zr = wasm_f32x4_splat(0.0f), zi = zr;
            v128_t count = wasm_i32x4_splat(0);
            v128_t alive = wasm_i32x4_splat(-1);
            for (int it = 0; it < maxit; it++) {
                v128_t zr2 = wasm_f32x4_mul(zr, zr);
                v128_t zi2 = wasm_f32x4_mul(zi, zi);
                alive = wasm_v128_and(alive, wasm_f32x4_le(wasm_f32x4_add(zr2, zi2), four));
                if (!wasm_v128_any_true(alive)) break;
                count = wasm_i32x4_sub(count, alive); /* alive lanes are -1 */
                v128_t nzi = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(two, zr), zi), ci);
                v128_t nzr = wasm_f32x4_add(wasm_f32x4_sub(zr2, zi2), cr);
                /* Escaped lanes keep their values (no inf/NaN churn). */
                zi = wasm_v128_bitselect(nzi, zi, alive);
                zr = wasm_v128_bitselect(nzr, zr, alive);
            }
            wasm_v128_store(row + px, count);
        }
#else
        for (int px = 0; px < size; px++) {
            const float cr = (float)px * dx + x0;
            float zr = 0.0f, zi = 0.0f;
            int32_t count = 0;
            for (int it = 0; it < maxit; it++) {
                float zr2 = zr * zr, zi2 = zi * zi;
                if (!(zr2 + zi2 <= 4.0f)) break;
                count++;
                float nzi = 2.0f * zr * zi + ci_s;
                zr = zr2 - zi2 + cr;
                zi = nzi;
            }
            row[px] = count;
        }
#endif
    }
    uint64_t total = 0, h = 1469598103934665603ull;
    for (size_t k = 0; k < (size_t)size * (size_t)size; k++) {
        total += (uint32_t)img[k];
        h = (h ^ (uint32_t)img[k]) * 1099511628211ull;
    }
    printf("simd_mandel size=%d maxit=%d total=%llu checksum=%016llx\n", size, maxit,
           (unsigned long long)total, (unsigned long long)h);
    free(img);
    return 0;
}

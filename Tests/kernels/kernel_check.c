// Checks GEMBench's kernels (Sources/CKernels) against their written specification:
// every available path (scalar, AVX2, AVX-512, NEON) must give, bit for bit, what a plain
// triple loop of fmaf chains gives, on the project's real shapes, random inputs and edge
// cases (NaN, ±inf, denormals, zero- and one-sized dimensions, NaN in C when not
// accumulating). Prints one hash per operation: the same program built for ARM64 and run
// under qemu must print the same hashes as on x86-64 (scripts/check-kernels.sh).
//
//   cc -O2 -ffp-contract=off -I Sources/CKernels/include -I Sources/CKernels Sources/CKernels/*.c
//      Tests/kernels/kernel_check.c -lm -o kernel_check
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CKernels.h"

static uint64_t state = 0x9e3779b97f4a7c15u;
static uint64_t next(void) {  // xorshift64*
    state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
    return state * 0x2545f4914f6cdd1du;
}
static float uniform(void) { return (float)(next() >> 40) * 0x1p-23f - 1.0f; }  // [-1, 1)

/// Random values with, when `special`, a sprinkling of NaN, ±inf, ±0 and denormals.
static float *values(long count, int special) {
    float *v = malloc((size_t)(count > 0 ? count : 1) * sizeof(float));
    for (long i = 0; i < count; i++) {
        v[i] = uniform();
        if (!special) continue;
        switch (next() % 64) {
        case 0: v[i] = NAN; break;
        case 1: v[i] = INFINITY; break;
        case 2: v[i] = -INFINITY; break;
        case 3: v[i] = -0.0f; break;
        case 4: v[i] = v[i] * 0x1p-130f; break;  // denormal
        case 5: v[i] = 0.0f; break;
        default: break;
        }
    }
    return v;
}

static uint64_t hash_bits(uint64_t h, const float *v, long count) {
    for (long i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        if (v[i] != v[i]) u = 0x7fc00000u;  // any NaN hashes as one value: payloads are not specified
        for (int b = 0; b < 4; b++) h = (h ^ ((u >> (8 * b)) & 0xff)) * 0x100000001b3u;
    }
    return h;
}

/// The specification itself, as plainly as it can be written.
static void reference_gemm(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda,
                           const float *b, long ldb, int accumulate, float *c, long ldc) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            float s = accumulate ? c[i * ldc + j] : 0.0f;
            for (long p = 0; p < k; p++) {
                float x = ta ? a[p * lda + i] : a[i * lda + p];
                float y = tb ? b[j * ldb + p] : b[p * ldb + j];
                if (alpha != 1.0f) x = alpha * x;
                s = fmaf(x, y, s);
            }
            c[i * ldc + j] = s;
        }
}

static float reference_dot(long n, const float *x, const float *y) {
    float s[16] = {0}, t[8], u[4], v[2];
    for (long i = 0; i < n; i++) s[i % 16] = fmaf(x[i], y[i], s[i % 16]);
    for (int r = 0; r < 8; r++) t[r] = s[r] + s[r + 8];
    for (int r = 0; r < 4; r++) u[r] = t[r] + t[r + 4];
    for (int r = 0; r < 2; r++) v[r] = u[r] + u[r + 2];
    return v[0] + v[1];
}

static int same(const float *x, const float *y, long count) {
    for (long i = 0; i < count; i++) {
        if (x[i] != x[i] && y[i] != y[i]) continue;
        if (memcmp(&x[i], &y[i], 4) != 0) return 0;
    }
    return 1;
}

typedef struct { const char *name; int ta, tb; long m, n, k; float alpha; int accumulate, special; } product_case;

// The project's products: MLP layers at batch 10 and over GEM's memories, the reduced
// ResNet18's convolutions (im2col), the incremental references' low-rank update, GEM's Mᵀv.
static const product_case cases[] = {
    {"linear forward 784->100, batch 10", 0, 1, 10, 100, 784, 1, 1, 0},
    {"linear forward 100->10, batch 10", 0, 1, 10, 10, 100, 1, 1, 0},
    {"linear forward over a memory", 0, 1, 300, 100, 784, 1, 1, 0},
    {"linear weight gradient", 1, 0, 100, 784, 10, 1, 1, 0},
    {"linear input gradient", 0, 0, 10, 784, 100, 1, 0, 0},
    {"conv forward 3->20, 32x32", 0, 0, 20, 1024, 27, 1, 0, 0},
    {"conv forward 80->160, 4x4 x 4 images", 0, 0, 160, 64, 720, 1, 0, 0},
    {"conv forward 40->40, 8x8 x 4 images", 0, 0, 40, 256, 360, 1, 0, 0},
    {"conv weight gradient", 0, 1, 40, 360, 256, 1, 1, 0},
    {"conv input gradient", 1, 0, 360, 256, 40, 1, 0, 0},
    {"incremental low-rank update", 0, 0, 300, 100, 10, -0.1f, 1, 0},
    {"GEM projection M^T v", 1, 0, 5000, 1, 5, 1, 1, 0},
    {"memories x batch", 0, 1, 768, 10, 784, 1, 0, 0},
    {"task weight gradient", 1, 0, 100, 784, 256, 1, 1, 0},
    {"memories' low-rank update", 0, 0, 768, 100, 10, -0.1f, 1, 0},
    {"k = 0, accumulate", 0, 0, 7, 9, 0, 1, 1, 0},
    {"k = 0, overwrite", 0, 0, 7, 9, 0, 1, 0, 0},
    {"one by one", 0, 0, 1, 1, 1, 1, 0, 0},
    {"m = 0", 0, 0, 0, 5, 5, 1, 0, 0},
    {"ragged edges, transposed both", 1, 1, 13, 37, 301, 1, 0, 0},
    {"ragged edges, long k", 0, 0, 9, 35, 700, 1, 1, 0},
    {"NaN, inf, denormals", 0, 0, 17, 33, 50, 1, 1, 1},
    {"NaN, inf, denormals, transposed", 1, 1, 17, 33, 50, 0.5f, 0, 1},
};

static int failures = 0;

static void check(int ok, const char *what, const char *path) {
    if (!ok) { printf("FAIL %s on %s\n", what, path); failures++; }
}

int main(int argc, char **argv) {
    int hashes_only = argc > 1 && strcmp(argv[1], "--hash") == 0;
    const gembench_path paths[] = {GEMBENCH_PATH_SCALAR, GEMBENCH_PATH_AVX2, GEMBENCH_PATH_AVX512, GEMBENCH_PATH_NEON};
    int ncases = (int)(sizeof cases / sizeof cases[0]);
    uint64_t gemm_hash = 0xcbf29ce484222325u, dot_hash = gemm_hash, axpy_hash = gemm_hash;
    int tested_paths = 0;
    for (int pi = 0; pi < 4; pi++) {
        if (!gembench_path_available(paths[pi])) continue;
        gembench_set_path(paths[pi]);
        const char *path = gembench_path_name(paths[pi]);
        tested_paths++;
        state = 0x9e3779b97f4a7c15u;
        uint64_t gh = 0xcbf29ce484222325u, dh = gh, ah = gh;
        for (int ci = 0; ci < ncases; ci++) {
            const product_case *t = &cases[ci];
            long lda = t->ta ? t->m : t->k, ldb = t->tb ? t->k : t->n;
            float *a = values(t->m * t->k, t->special), *b = values(t->k * t->n, t->special);
            float *c = values(t->m * t->n, 1), *expected = malloc((size_t)(t->m * t->n + 1) * sizeof(float));
            if (!t->accumulate)  // C is never read: NaN there must not leak
                for (long i = 0; i < t->m * t->n; i++) c[i] = NAN;
            memcpy(expected, c, (size_t)(t->m * t->n) * sizeof(float));
            reference_gemm(t->ta, t->tb, t->m, t->n, t->k, t->alpha, a, lda, b, ldb, t->accumulate, expected, t->n);
            gembench_gemm(t->ta, t->tb, t->m, t->n, t->k, t->alpha, a, lda, b, ldb, t->accumulate, c, t->n);
            check(same(c, expected, t->m * t->n), t->name, path);
            gh = hash_bits(gh, c, t->m * t->n);
            free(a); free(b); free(c); free(expected);
        }
        // long dot products: GEM's M·g and M·Mᵀ at the MLP's 89,610 parameters, and odd lengths
        long lengths[] = {0, 1, 15, 16, 17, 2049, 89610};
        for (int li = 0; li < 7; li++) {
            long n = lengths[li];
            for (int special = 0; special < 2; special++) {
                float *x = values(n, special), *y = values(n, special);
                float d = gembench_dot(n, x, y), e = reference_dot(n, x, y);
                check(same(&d, &e, 1), "dot", path);
                dh = hash_bits(dh, &d, 1);
                free(x); free(y);
            }
        }
        long count = 5, n = 89610;
        float *rows = values(count * n, 0), *g = values(n, 0), dots[5], gram[25];
        gembench_dots(count, n, rows, n, g, dots);
        gembench_gram(count, n, rows, n, gram);
        for (long r = 0; r < count; r++) {
            float e = reference_dot(n, rows + r * n, g);
            check(same(&dots[r], &e, 1), "dots (M g)", path);
            for (long s = 0; s < count; s++) {
                float f = reference_dot(n, rows + r * n, rows + s * n);
                check(same(&gram[r * count + s], &f, 1), "gram (M M^T)", path);
            }
        }
        dh = hash_bits(hash_bits(dh, dots, count), gram, count * count);
        free(rows); free(g);
        // axpy: SGD's step
        for (long len = 0; len < 40; len += 7) {
            float *x = values(len, 1), *y = values(len, 1), *e = malloc((size_t)(len + 1) * sizeof(float));
            for (long i = 0; i < len; i++) e[i] = fmaf(-0.03f, x[i], y[i]);
            gembench_axpy(len, -0.03f, x, y);
            check(same(y, e, len), "axpy", path);
            ah = hash_bits(ah, y, len);
            free(x); free(y); free(e);
        }
        // exp over rows (softmax): every path's lanes against gembench_expf, one float in 65,537
        // and the special values (Tests/kernels/math_accuracy.c: every float)
        long count_x = 65537 + 8;
        float *xs = malloc((size_t)count_x * sizeof(float)), *ys = malloc((size_t)count_x * sizeof(float));
        for (long i = 0; i < 65537; i++) {
            uint32_t u = (uint32_t)(i * 65537u);
            memcpy(&xs[i], &u, 4);
        }
        const float specials[8] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 88.7f, -103.9f, 0x1p-140f};
        memcpy(xs + 65537, specials, sizeof specials);
        gembench_expf_n(count_x, xs, ys);
        int exp_ok = 1;
        for (long i = 0; i < count_x; i++) {
            float e = gembench_expf(xs[i]);
            exp_ok &= memcmp(&e, &ys[i], 4) == 0;
        }
        check(exp_ok, "expf over rows", path);
        ah = hash_bits(ah, ys, count_x);
        free(xs); free(ys);
        if (tested_paths == 1) { gemm_hash = gh; dot_hash = dh; axpy_hash = ah; }
        check(gh == gemm_hash && dh == dot_hash && ah == axpy_hash, "hashes equal to the scalar path's", path);
        if (!hashes_only) printf("%-7s %d product cases, 16 dot cases, M g, M M^T, axpy, exp rows: %s\n", path, ncases,
                                 failures ? "FAILED" : "bit-identical to the specification");
    }
    printf("gemm %016llx\ndot %016llx\naxpy, exp %016llx\n", (unsigned long long)gemm_hash, (unsigned long long)dot_hash,
           (unsigned long long)axpy_hash);
    printf("%d paths checked, %d failures\n", tested_paths, failures);
    return failures ? 1 : 0;
}

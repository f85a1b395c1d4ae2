// AVX2 + FMA: a 6 × 16 register tile (twelve accumulators), eight outputs per instruction.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "paths.h"

#define AVX2 __attribute__((target("avx2,fma")))

enum { MR = 6, NR = 16 };

AVX2 static void tile(long kc, const float *ap, const float *bp, float *c, long ldc, int load) {
    __m256 acc[MR][2];
    for (int r = 0; r < MR; r++) {
        acc[r][0] = load ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
        acc[r][1] = load ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(bp + p * NR), b1 = _mm256_load_ps(bp + p * NR + 8);
        for (int r = 0; r < MR; r++) {
            __m256 a = _mm256_broadcast_ss(ap + p * MR + r);
            acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_ps(c + r * ldc, acc[r][0]);
        _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
    }
}

AVX2 static void axpy(long n, float alpha, const float *x, float *y) {
    __m256 a = _mm256_set1_ps(alpha);
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] = fmaf(alpha, x[i], y[i]);
}

AVX2 static void chains(long n, const float *x, const float *y, float acc[16]) {
    __m256 lo = _mm256_loadu_ps(acc), hi = _mm256_loadu_ps(acc + 8);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        lo = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), lo);
        hi = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), hi);
    }
    _mm256_storeu_ps(acc, lo);
    _mm256_storeu_ps(acc + 8, hi);
    for (; i < n; i++) acc[i % 16] = fmaf(x[i], y[i], acc[i % 16]);
}

const gembench_kernel_set gembench_avx2_kernels = {GEMBENCH_PATH_AVX2, MR, NR, tile, axpy, chains};
#endif

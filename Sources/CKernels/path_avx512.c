// AVX-512F: a 10 × 32 register tile (twenty accumulators; batches of 10 and the ResNet's
// 20-160 channels fill it), sixteen outputs per instruction.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "paths.h"

void gembench_transpose_avx2(const float *x, long ld, long rows, long depth, long width, float *out);

#define AVX512 __attribute__((target("avx512f")))

enum { MR = 10, NR = 32 };

// The left half only: a ragged last panel of at most 16 columns.
AVX512 static void half_tile(long kc, const float *ap, const float *bp, long bs, float *c, long ldc, int load) {
    __m512 acc[MR];
    for (int r = 0; r < MR; r++) acc[r] = load ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(bp + p * bs);
        for (int r = 0; r < MR; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(ap[p * MR + r]), b0, acc[r]);
    }
    for (int r = 0; r < MR; r++) _mm512_storeu_ps(c + r * ldc, acc[r]);
}

AVX512 static void tile(long kc, const float *ap, const float *bp, long bs, float *c, long ldc, int load, long w) {
    if (w <= NR / 2) {
        half_tile(kc, ap, bp, bs, c, ldc, load);
        return;
    }
    __m512 acc[MR][2];
    for (int r = 0; r < MR; r++) {
        acc[r][0] = load ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();
        acc[r][1] = load ? _mm512_loadu_ps(c + r * ldc + 16) : _mm512_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(bp + p * bs), b1 = _mm512_loadu_ps(bp + p * bs + 16);
        for (int r = 0; r < MR; r++) {
            __m512 a = _mm512_set1_ps(ap[p * MR + r]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < MR; r++) {
        _mm512_storeu_ps(c + r * ldc, acc[r][0]);
        _mm512_storeu_ps(c + r * ldc + 16, acc[r][1]);
    }
}

AVX512 static void axpy(long n, float alpha, const float *x, float *y) {
    __m512 a = _mm512_set1_ps(alpha);
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {  // masked lanes are neither read nor written
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 t = _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i));
        _mm512_mask_storeu_ps(y + i, m, t);
    }
}

AVX512 static void chains(long n, const float *x, const float *y, float acc[16]) {
    __m512 s = _mm512_loadu_ps(acc);
    long i = 0;
    for (; i + 16 <= n; i += 16) s = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s);
    if (i < n) {  // the tail's chains only: the other lanes keep their value (and sign of zero)
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        s = _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), s, m);
    }
    _mm512_storeu_ps(acc, s);
}

const gembench_kernel_set gembench_avx512_kernels = {GEMBENCH_PATH_AVX512, MR, NR, 128, tile, axpy, chains,
                                                   gembench_transpose_avx2};
#endif

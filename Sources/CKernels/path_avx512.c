// AVX-512F: a 10 × 32 register tile (twenty accumulators; batches of 10 and the ResNet's
// 20-160 channels fill it), sixteen outputs per instruction.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "paths.h"

void gembench_transpose_avx2(const float *x, long ld, long rows, long depth, long width, float *out);

#define AVX512 __attribute__((target("avx512f,avx512vl")))

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

// gembench_expf (math.c) on eight lanes: the same double operations in the same order, a
// multiply and an add never fused; NaN, overflow and underflow lanes are blended in at the end.
AVX512 static __m256 expf8(__m256 x) {
    __mmask8 nan = _mm256_cmp_ps_mask(x, x, _CMP_UNORD_Q), big = _mm256_cmp_ps_mask(x, _mm256_set1_ps(89.0f), _CMP_GT_OQ),
             small = _mm256_cmp_ps_mask(x, _mm256_set1_ps(-104.0f), _CMP_LT_OQ);
    __m512d xd = _mm512_cvtps_pd(_mm256_mask_blend_ps(nan | big | small, x, _mm256_setzero_ps()));
    __m512d shifter = _mm512_set1_pd(0x1.8p52);
    __m512d kd = _mm512_sub_pd(_mm512_add_pd(_mm512_mul_pd(xd, _mm512_set1_pd(1.4426950408889634)), shifter), shifter);
    __m512d r_hi = _mm512_sub_pd(xd, _mm512_mul_pd(kd, _mm512_set1_pd(gembench_ln2_hi)));
    __m512d r_lo = _mm512_sub_pd(_mm512_setzero_pd(), _mm512_mul_pd(kd, _mm512_set1_pd(gembench_ln2_lo)));
    __m512d r = _mm512_add_pd(r_hi, r_lo), one = _mm512_set1_pd(1.0);
    __m512d s = _mm512_add_pd(one, r_hi), s_err = _mm512_add_pd(_mm512_sub_pd(one, s), r_hi);
    __m512d q = _mm512_set1_pd(gembench_exp_q[12]);
    for (int i = 11; i >= 0; i--) q = _mm512_add_pd(_mm512_mul_pd(q, r), _mm512_set1_pd(gembench_exp_q[i]));
    __m512d p = _mm512_add_pd(s, _mm512_add_pd(s_err, _mm512_add_pd(r_lo, _mm512_mul_pd(_mm512_mul_pd(r, r), q))));
    // 2^k: k + 1023 sits in the low bits of kd + 1.5·2^52 + 1023; shifted up 52 it is the exponent
    __m512i biased = _mm512_castpd_si512(_mm512_add_pd(kd, _mm512_set1_pd(0x1.8p52 + 1023)));
    __m512d scale = _mm512_castsi512_pd(_mm512_slli_epi64(biased, 52));
    __m256 y = _mm512_cvtpd_ps(_mm512_mul_pd(p, scale));
    __m256 inf = _mm256_castsi256_ps(_mm256_set1_epi32(0x7f800000)), qnan = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fc00000));
    y = _mm256_mask_blend_ps(small, y, _mm256_setzero_ps());
    y = _mm256_mask_blend_ps(big, y, inf);
    return _mm256_mask_blend_ps(nan, y, qnan);
}

AVX512 static void expf_n(long n, const float *x, float *y) {
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, expf8(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = gembench_expf(x[i]);
}

const gembench_kernel_set gembench_avx512_kernels = {GEMBENCH_PATH_AVX512, MR, NR, 128, tile, axpy, chains,
                                                   gembench_transpose_avx2, expf_n};
#endif

// AVX2 + FMA: a 5 × 16 register tile (ten accumulators; batches of 10 and the ResNet's
// 20-160 channels fill it), eight outputs per instruction.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "paths.h"

#define AVX2 __attribute__((target("avx2,fma")))

enum { MR = 5, NR = 16 };

// The left half only: a ragged last panel of at most 8 columns.
AVX2 static void half_tile(long kc, const float *ap, const float *bp, long bs, float *c, long ldc, int load) {
    __m256 acc[MR];
    for (int r = 0; r < MR; r++) acc[r] = load ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(bp + p * bs);
        for (int r = 0; r < MR; r++) acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(ap + p * MR + r), b0, acc[r]);
    }
    for (int r = 0; r < MR; r++) _mm256_storeu_ps(c + r * ldc, acc[r]);
}

AVX2 static void tile(long kc, const float *ap, const float *bp, long bs, float *c, long ldc, int load, long w) {
    if (w <= NR / 2) {
        half_tile(kc, ap, bp, bs, c, ldc, load);
        return;
    }
    __m256 acc[MR][2];
    for (int r = 0; r < MR; r++) {
        acc[r][0] = load ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
        acc[r][1] = load ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(bp + p * bs), b1 = _mm256_loadu_ps(bp + p * bs + 8);
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

// Whole 8 × 8 blocks through registers (unpack, shuffle, permute: moves only), the rest by
// the plain blocks.
AVX2 void gembench_transpose_avx2(const float *x, long ld, long rows, long depth, long width, float *out) {
    long r8 = rows / 8 * 8, p8 = depth / 8 * 8;
    for (long r0 = 0; r0 < r8; r0 += 8) {
        for (long p0 = 0; p0 < p8; p0 += 8) {
            const float *s = x + r0 * ld + p0;
            __m256 v0 = _mm256_loadu_ps(s), v1 = _mm256_loadu_ps(s + ld), v2 = _mm256_loadu_ps(s + 2 * ld),
                   v3 = _mm256_loadu_ps(s + 3 * ld), v4 = _mm256_loadu_ps(s + 4 * ld), v5 = _mm256_loadu_ps(s + 5 * ld),
                   v6 = _mm256_loadu_ps(s + 6 * ld), v7 = _mm256_loadu_ps(s + 7 * ld);
            __m256 t0 = _mm256_unpacklo_ps(v0, v1), t1 = _mm256_unpackhi_ps(v0, v1), t2 = _mm256_unpacklo_ps(v2, v3),
                   t3 = _mm256_unpackhi_ps(v2, v3), t4 = _mm256_unpacklo_ps(v4, v5), t5 = _mm256_unpackhi_ps(v4, v5),
                   t6 = _mm256_unpacklo_ps(v6, v7), t7 = _mm256_unpackhi_ps(v6, v7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee),
                   u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee),
                   u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee),
                   u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
            float *d = out + p0 * width + r0;
            _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(d + width, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(d + 2 * width, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(d + 3 * width, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(d + 4 * width, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(d + 5 * width, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(d + 6 * width, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(d + 7 * width, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        if (p8 < depth) gembench_transpose_blocks(x + r0 * ld + p8, ld, 8, depth - p8, width, out + p8 * width + r0);
    }
    if (r8 < rows) gembench_transpose_blocks(x + r8 * ld, ld, rows - r8, depth, width, out + r8);
}

// gembench_expf (math.c) on four lanes: the same double operations in the same order, a
// multiply and an add never fused; NaN, overflow and underflow lanes are blended in at the end.
AVX2 static __m128 expf4(__m128 x) {
    __m128 nan = _mm_cmpunord_ps(x, x), big = _mm_cmpgt_ps(x, _mm_set1_ps(89.0f)),
           small = _mm_cmplt_ps(x, _mm_set1_ps(-104.0f));
    __m256d xd = _mm256_cvtps_pd(_mm_andnot_ps(_mm_or_ps(nan, _mm_or_ps(big, small)), x));
    __m256d shifter = _mm256_set1_pd(0x1.8p52);
    __m256d kd = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(xd, _mm256_set1_pd(1.4426950408889634)), shifter), shifter);
    __m256d r_hi = _mm256_sub_pd(xd, _mm256_mul_pd(kd, _mm256_set1_pd(gembench_ln2_hi)));
    __m256d r_lo = _mm256_sub_pd(_mm256_setzero_pd(), _mm256_mul_pd(kd, _mm256_set1_pd(gembench_ln2_lo)));
    __m256d r = _mm256_add_pd(r_hi, r_lo), one = _mm256_set1_pd(1.0);
    __m256d s = _mm256_add_pd(one, r_hi), s_err = _mm256_add_pd(_mm256_sub_pd(one, s), r_hi);
    __m256d q = _mm256_set1_pd(gembench_exp_q[12]);
    for (int i = 11; i >= 0; i--) q = _mm256_add_pd(_mm256_mul_pd(q, r), _mm256_set1_pd(gembench_exp_q[i]));
    __m256d p = _mm256_add_pd(s, _mm256_add_pd(s_err, _mm256_add_pd(r_lo, _mm256_mul_pd(_mm256_mul_pd(r, r), q))));
    __m256i biased = _mm256_castpd_si256(_mm256_add_pd(kd, _mm256_set1_pd(0x1.8p52 + 1023)));
    __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
    __m128 y = _mm256_cvtpd_ps(_mm256_mul_pd(p, scale));
    __m128 inf = _mm_castsi128_ps(_mm_set1_epi32(0x7f800000)), qnan = _mm_castsi128_ps(_mm_set1_epi32(0x7fc00000));
    y = _mm_blendv_ps(y, _mm_setzero_ps(), small);
    y = _mm_blendv_ps(y, inf, big);
    return _mm_blendv_ps(y, qnan, nan);
}

AVX2 static void expf_n(long n, const float *x, float *y) {
    long i = 0;
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, expf4(_mm_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = gembench_expf(x[i]);
}

const gembench_kernel_set gembench_avx2_kernels = {GEMBENCH_PATH_AVX2, MR, NR, 256, tile, axpy, chains,
                                                 gembench_transpose_avx2, expf_n};
#endif

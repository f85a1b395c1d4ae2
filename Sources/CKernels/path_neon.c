// ARM64 NEON: an 8 × 8 register tile (sixteen accumulators); FMLA is one fused multiply-add.
#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>

#include "paths.h"

enum { MR = 8, NR = 8 };

static void tile(long kc, const float *ap, const float *bp, long bs, float *c, long ldc, int load, long w) {
    (void)w;
    float32x4_t acc[MR][2];
    for (int r = 0; r < MR; r++) {
        acc[r][0] = load ? vld1q_f32(c + r * ldc) : vdupq_n_f32(0);
        acc[r][1] = load ? vld1q_f32(c + r * ldc + 4) : vdupq_n_f32(0);
    }
    for (long p = 0; p < kc; p++) {
        float32x4_t b0 = vld1q_f32(bp + p * bs), b1 = vld1q_f32(bp + p * bs + 4);
        for (int r = 0; r < MR; r++) {
            float32x4_t a = vdupq_n_f32(ap[p * MR + r]);
            acc[r][0] = vfmaq_f32(acc[r][0], a, b0);
            acc[r][1] = vfmaq_f32(acc[r][1], a, b1);
        }
    }
    for (int r = 0; r < MR; r++) {
        vst1q_f32(c + r * ldc, acc[r][0]);
        vst1q_f32(c + r * ldc + 4, acc[r][1]);
    }
}

static void axpy(long n, float alpha, const float *x, float *y) {
    float32x4_t a = vdupq_n_f32(alpha);
    long i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), a, vld1q_f32(x + i)));
    for (; i < n; i++) y[i] = fmaf(alpha, x[i], y[i]);
}

static void chains(long n, const float *x, const float *y, float acc[16]) {
    float32x4_t s[4];
    for (int q = 0; q < 4; q++) s[q] = vld1q_f32(acc + 4 * q);
    long i = 0;
    for (; i + 16 <= n; i += 16)
        for (int q = 0; q < 4; q++) s[q] = vfmaq_f32(s[q], vld1q_f32(x + i + 4 * q), vld1q_f32(y + i + 4 * q));
    for (int q = 0; q < 4; q++) vst1q_f32(acc + 4 * q, s[q]);
    for (; i < n; i++) acc[i % 16] = fmaf(x[i], y[i], acc[i % 16]);
}

const gembench_kernel_set gembench_neon_kernels = {GEMBENCH_PATH_NEON, MR, NR, 256, tile, axpy, chains,
                                                 gembench_transpose_blocks, gembench_expf_each};
#endif

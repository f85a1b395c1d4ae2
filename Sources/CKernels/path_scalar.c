// The reference path: plain C, one fmaf per term. Every other path must give its bits.
#include <math.h>

#include "paths.h"

enum { MR = 4, NR = 8 };

static void tile(long kc, const float *ap, const float *bp, long bs, float *c, long ldc, int load, long w) {
    (void)w;
    float acc[MR][NR];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) acc[r][j] = load ? c[r * ldc + j] : 0.0f;
    for (long p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++) acc[r][j] = fmaf(ap[p * MR + r], bp[p * bs + j], acc[r][j]);
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) c[r * ldc + j] = acc[r][j];
}

static void axpy(long n, float alpha, const float *x, float *y) {
    for (long i = 0; i < n; i++) y[i] = fmaf(alpha, x[i], y[i]);
}

static void chains(long n, const float *x, const float *y, float acc[16]) {
    for (long i = 0; i < n; i++) acc[i % 16] = fmaf(x[i], y[i], acc[i % 16]);
}

const gembench_kernel_set gembench_scalar_kernels = {GEMBENCH_PATH_SCALAR, MR, NR, 256, tile, axpy, chains,
                                                   gembench_transpose_blocks, gembench_expf_each};

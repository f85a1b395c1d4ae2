// What each instruction-set path provides. A path only changes how many independent outputs
// are computed at once, never the order of any sum (see CKernels.h).
#ifndef GEMBENCH_PATHS_H
#define GEMBENCH_PATHS_H

#include "CKernels.h"

/// The largest register tile of any path (the edge tiles' scratch space).
enum { TILE_MAX = 8 * 32 };

typedef struct {
    gembench_path path;
    /// Register tile: MR rows by NR columns of C.
    long mr, nr;
    /// C tile (mr × nr at c, row stride ldc) = (c if load, else 0) + the packed panels'
    /// product: for p < kc, every c[r][j] ← fmaf(ap[p·mr + r], bp[p·nr + j], c[r][j]).
    void (*tile)(long kc, const float *ap, const float *bp, float *c, long ldc, int load);
    /// y[i] = fmaf(alpha, x[i], y[i]).
    void (*axpy)(long n, float alpha, const float *x, float *y);
    /// acc[i mod 16] ← fmaf(x[i], y[i], acc[i mod 16]) for i < n, in increasing i.
    void (*chains)(long n, const float *x, const float *y, float acc[16]);
} gembench_kernel_set;

extern const gembench_kernel_set gembench_scalar_kernels;
#if defined(__x86_64__)
extern const gembench_kernel_set gembench_avx2_kernels;
extern const gembench_kernel_set gembench_avx512_kernels;
#endif
#if defined(__aarch64__)
extern const gembench_kernel_set gembench_neon_kernels;
#endif

/// The kernel set of the current path.
const gembench_kernel_set *gembench_kernels(void);

#endif

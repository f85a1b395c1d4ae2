// What each instruction-set path provides. A path only changes how many independent outputs
// are computed at once, never the order of any sum (see CKernels.h).
#ifndef GEMBENCH_PATHS_H
#define GEMBENCH_PATHS_H

#include "CKernels.h"

/// The largest register tile of any path (the edge tiles' scratch space).
enum { TILE_MAX = 10 * 32 };

typedef struct {
    gembench_path path;
    /// Register tile: MR rows by NR columns of C; KC: the depth of one packed block (a kc × nr
    /// panel of B stays in the first-level cache).
    long mr, nr, kc;
    /// C tile (mr × nr at c, row stride ldc) = (c if load, else 0) + the panels' product: for
    /// p < kc, every c[r][j] ← fmaf(ap[p·mr + r], bp[p·bs + j], c[r][j]). A is packed; B is
    /// packed (bs = nr) or read in place (bs = its row stride). Columns from w on may be left
    /// out (their B is zero padding and the caller discards them).
    void (*tile)(long kc, const float *ap, const float *bp, long bs, float *c, long ldc, int load, long w);
    /// y[i] = fmaf(alpha, x[i], y[i]).
    void (*axpy)(long n, float alpha, const float *x, float *y);
    /// acc[i mod 16] ← fmaf(x[i], y[i], acc[i mod 16]) for i < n, in increasing i.
    void (*chains)(long n, const float *x, const float *y, float acc[16]);
    /// out[p·width + r] = x[r·ld + p] for r < rows, p < depth: packing a transposed operand
    /// (data movement only).
    void (*transpose)(const float *x, long ld, long rows, long depth, long width, float *out);
    /// y[i] = gembench_expf(x[i]) for i < n: the same operations in double lanes.
    void (*expf_n)(long n, const float *x, float *y);
} gembench_kernel_set;

extern const gembench_kernel_set gembench_scalar_kernels;
#if defined(__x86_64__)
extern const gembench_kernel_set gembench_avx2_kernels;
extern const gembench_kernel_set gembench_avx512_kernels;
#endif
#if defined(__aarch64__)
extern const gembench_kernel_set gembench_neon_kernels;
#endif

/// The plain `transpose` (8 × 8 blocks, so reads and writes stay in cache lines).
void gembench_transpose_blocks(const float *x, long ld, long rows, long depth, long width, float *out);

/// gembench_expf's constants (math.c): ln 2 in two parts, and 1/2!, …, 1/14!.
extern const double gembench_ln2_hi, gembench_ln2_lo, gembench_exp_q[13];

/// gembench_expf one element at a time (the scalar and NEON paths' expf_n).
void gembench_expf_each(long n, const float *x, float *y);

/// The kernel set of the current path.
const gembench_kernel_set *gembench_kernels(void);

#endif

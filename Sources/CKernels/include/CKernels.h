#ifndef GEMBENCH_CKERNELS_H
#define GEMBENCH_CKERNELS_H

// GEMBench's own numeric kernels. Every stored number of a run must be a function of
// (code, config, seed) alone, on any x86-64 or ARM64 CPU, so each operation below has one
// written specification that fixes every rounding. The vector paths (AVX2, AVX-512, NEON)
// only compute several independent outputs at once; none reorders a sum, so every path gives
// the scalar path's bits by construction. Vendor BLAS picks kernels per CPU and does not.
// Built with -O2 -ffp-contract=off: no multiply-add is fused unless written as one. Which NaN
// a NaN result carries is not specified (a run with one stops as diverged).

#include <stdint.h>

#include "gembench_math.h"
#include "gembench_sparse.h"

/// The kernels' version: bumped whenever any specification below changes a bit. Run files
/// record it beside the code version.
#define GEMBENCH_KERNELS_VERSION 1

/// The instruction-set paths. `auto` picks the widest one the CPU has.
typedef enum {
    GEMBENCH_PATH_AUTO = 0,
    GEMBENCH_PATH_SCALAR = 1,
    GEMBENCH_PATH_AVX2 = 2,
    GEMBENCH_PATH_AVX512 = 3,
    GEMBENCH_PATH_NEON = 4,
} gembench_path;

/// Whether this build and this CPU can run `path` (auto and scalar: always).
int gembench_path_available(gembench_path path);

/// Selects the path every later call uses; returns 0, or -1 (nothing changed) when the path
/// is not available. Before the first call the path comes from the environment variable
/// GEMBENCH_KERNELS (auto, scalar, avx2, avx512, neon; unset means auto); an unknown or
/// unavailable value there makes `gembench_path_error` non-NULL and the kernels run `auto`.
int gembench_set_path(gembench_path path);

/// The path in use, never auto.
gembench_path gembench_current_path(void);

/// "scalar", "avx2", "avx512" or "neon"; NULL for an unknown value.
const char *gembench_path_name(gembench_path path);

/// A path's value from its name ("auto" included); -1 for an unknown name.
int gembench_path_from_name(const char *name);

/// The message for a bad GEMBENCH_KERNELS, or NULL.
const char *gembench_path_error(void);

/// C (m × n, row-major, leading dimension ldc) = op(A) · op(B), or C + op(A) · op(B) when
/// `accumulate` is non-zero. op(A) is m × k: A itself (lda ≥ k) or, with trans_a, the
/// transpose of the k × m matrix A (lda ≥ m); op(B) is k × n likewise.
///
/// Every C[i][j] is one fused-multiply-add chain over p = 0, 1, …, k−1 in increasing order:
/// c ← fmaf(alpha ⊗ a_ip, b_pj, c), where alpha ⊗ a_ip is the float product (exactly a_ip
/// when alpha = 1), starting from +0 (or from C[i][j] when accumulating; without it C is
/// never read, so NaN there is harmless). k = 0 leaves 0 (or C). Transposes are packed, never
/// summed in another order; register tiles, K-blocks (the chain is carried through C) and
/// vector width change no bit.
void gembench_gemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                   const float *b, long ldb, int accumulate, float *c, long ldc);

/// y[i] = fmaf(alpha, x[i], y[i]) for i < n.
void gembench_axpy(long n, float alpha, const float *x, float *y);

/// The long dot product Σ x[i]·y[i] (i < n) in 16 partial chains: chain r (r < 16) is
/// s_r ← fmaf(x[i], y[i], s_r) over i ≡ r (mod 16) in increasing i, from +0; then the fixed
/// tree t_r = s_r + s_{r+8} (r < 8), u_r = t_r + t_{r+4} (r < 4), v_r = u_r + u_{r+2} (r < 2),
/// result v_0 + v_1.
float gembench_dot(long n, const float *x, const float *y);

/// out[r] = gembench_dot(n, rows + r·ld, x) for r < count (GEM's M·g), in one pass over x.
void gembench_dots(long count, long n, const float *rows, long ld, const float *x, float *out);

/// y[i] = gembench_expf(x[i]) for i < n, the same bits, several at a time (softmax rows).
void gembench_expf_n(long n, const float *x, float *y);

/// gram[i·count + j] = gembench_dot(n, rows + i·ld, rows + j·ld) for i, j < count (GEM's
/// M·Mᵀ; symmetric: the product commutes, so (i, j) and (j, i) are the same bits).
void gembench_gram(long count, long n, const float *rows, long ld, float *gram);

#endif

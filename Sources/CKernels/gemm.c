// The matrix product of CKernels.h: Goto-style blocking (B in K × N blocks, A in M × K
// blocks, both packed into the path's register-tile layout) around the path's tile kernel.
// Blocking decides only which outputs are computed together and when a chain pauses in C;
// each output's chain of fused multiply-adds runs over k in increasing order regardless.
#include <stdlib.h>
#include <string.h>

#include "paths.h"

enum { KC = 256, MC = 96, NC = 512 };  // MC: a multiple of every path's MR (4, 6, 8)

/// One growable, 64-byte aligned scratch buffer per thread: lanes call products concurrently.
static float *scratch(float **buffer, long *capacity, long count) {
    if (count > *capacity) {
        free(*buffer);
        long bytes = ((count * (long)sizeof(float) + 63) / 64) * 64;
        *buffer = aligned_alloc(64, (size_t)bytes);
        if (!*buffer) abort();
        *capacity = bytes / (long)sizeof(float);
    }
    return *buffer;
}

static _Thread_local float *packed_a, *packed_b;
static _Thread_local long packed_a_capacity, packed_b_capacity;

// op(B)[row0 + p][col0 + j] for p < kc, j < nc into panels of nr columns (kc × nr each),
// zero past the last column.
static void pack_b(int trans, const float *b, long ldb, long row0, long col0, long kc, long nc, long nr, float *out) {
    for (long j0 = 0; j0 < nc; j0 += nr) {
        long w = nc - j0 < nr ? nc - j0 : nr;
        float *panel = out + j0 * kc;
        if (!trans) {
            for (long p = 0; p < kc; p++) {
                const float *src = b + (row0 + p) * ldb + col0 + j0;
                float *dst = panel + p * nr;
                memcpy(dst, src, (size_t)w * sizeof(float));
                for (long j = w; j < nr; j++) dst[j] = 0;
            }
        } else {  // B is stored n × k: read each column of op(B) as a row
            for (long j = 0; j < w; j++) {
                const float *src = b + (col0 + j0 + j) * ldb + row0;
                for (long p = 0; p < kc; p++) panel[p * nr + j] = src[p];
            }
            for (long j = w; j < nr; j++)
                for (long p = 0; p < kc; p++) panel[p * nr + j] = 0;
        }
    }
}

// alpha ⊗ op(A)[row0 + r][col0 + p] for r < mc, p < kc into panels of mr rows (kc × mr
// each), zero past the last row.
static void pack_a(int trans, const float *a, long lda, float alpha, long row0, long col0, long mc, long kc, long mr,
                   float *out) {
    for (long r0 = 0; r0 < mc; r0 += mr) {
        long h = mc - r0 < mr ? mc - r0 : mr;
        float *panel = out + r0 * kc;
        if (!trans) {
            for (long r = 0; r < h; r++) {
                const float *src = a + (row0 + r0 + r) * lda + col0;
                for (long p = 0; p < kc; p++) panel[p * mr + r] = src[p];
            }
        } else {  // A is stored k × m: a row of storage holds one p for consecutive rows
            for (long p = 0; p < kc; p++) {
                const float *src = a + (col0 + p) * lda + row0 + r0;
                for (long r = 0; r < h; r++) panel[p * mr + r] = src[r];
            }
        }
        for (long r = h; r < mr; r++)
            for (long p = 0; p < kc; p++) panel[p * mr + r] = 0;
        if (alpha != 1.0f)  // alpha = 1 leaves every value, NaN payloads included, untouched
            for (long i = 0; i < kc * mr; i++) panel[i] = alpha * panel[i];
    }
}

// C[i0.., j0..] (h × w ≤ mr × nr) through the path's tile: in place when whole, through
// a scratch tile at the edges (only the valid entries are read and written).
static void run_tile(const gembench_kernel_set *ks, long kc, const float *ap, const float *bp, float *c, long ldc,
                     long h, long w, int load) {
    if (h == ks->mr && w == ks->nr) {
        ks->tile(kc, ap, bp, c, ldc, load);
        return;
    }
    float edge[TILE_MAX] = {0};
    if (load)
        for (long r = 0; r < h; r++) memcpy(edge + r * ks->nr, c + r * ldc, (size_t)w * sizeof(float));
    ks->tile(kc, ap, bp, edge, ks->nr, load);
    for (long r = 0; r < h; r++) memcpy(c + r * ldc, edge + r * ks->nr, (size_t)w * sizeof(float));
}

void gembench_gemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                   const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate)
            for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    const gembench_kernel_set *ks = gembench_kernels();
    if (n == 1 && ldc == 1 && trans_a && alpha == 1.0f) {  // Aᵀx (GEM's Mᵀv): an axpy per p extends each chain
        if (!accumulate) memset(c, 0, (size_t)m * sizeof(float));
        for (long p = 0; p < k; p++) ks->axpy(m, b[p * ldb], a + p * lda, c);
        return;
    }
    long mr = ks->mr, nr = ks->nr;
    float *bp = scratch(&packed_b, &packed_b_capacity, KC * (NC + nr));
    float *ap = scratch(&packed_a, &packed_a_capacity, KC * (MC + mr));
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            int load = accumulate || pc > 0;  // later K blocks carry each chain on from C
            pack_b(trans_b, b, ldb, pc, jc, kc, nc, nr, bp);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                pack_a(trans_a, a, lda, alpha, ic, pc, mc, kc, mr, ap);
                for (long jr = 0; jr < nc; jr += nr) {
                    long w = nc - jr < nr ? nc - jr : nr;
                    for (long ir = 0; ir < mc; ir += mr) {
                        long h = mc - ir < mr ? mc - ir : mr;
                        run_tile(ks, kc, ap + ir * kc, bp + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc, h, w, load);
                    }
                }
            }
        }
    }
}

void gembench_axpy(long n, float alpha, const float *x, float *y) {
    if (n > 0) gembench_kernels()->axpy(n, alpha, x, y);
}

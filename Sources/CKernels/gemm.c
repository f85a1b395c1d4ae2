// The matrix product of CKernels.h: Goto-style blocking (B in K × N blocks, A in M × K
// blocks, both packed into the path's register-tile layout) around the path's tile kernel.
// Blocking decides only which outputs are computed together and when a chain pauses in C;
// each output's chain of fused multiply-adds runs over k in increasing order regardless.
#include <stdlib.h>
#include <string.h>

#include "paths.h"

enum { NC = 512, MC_TILES = 12 };  // a block of B is kc × NC; of A, MC_TILES register tiles of rows

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

void gembench_transpose_blocks(const float *x, long ld, long rows, long depth, long width, float *out) {
    for (long r0 = 0; r0 < rows; r0 += 8) {
        long r1 = r0 + 8 < rows ? r0 + 8 : rows;
        for (long p0 = 0; p0 < depth; p0 += 8) {
            long p1 = p0 + 8 < depth ? p0 + 8 : depth;
            for (long r = r0; r < r1; r++)
                for (long p = p0; p < p1; p++) out[p * width + r] = x[r * ld + p];
        }
    }
}

// op(B)[row0 + p][col0 + j] for p < kc, j < nc into panels of nr columns (kc × nr each),
// zero past the last column.
static void pack_b(const gembench_kernel_set *ks, int trans, const float *b, long ldb, long row0, long col0, long kc, long nc, long nr, float *out) {
    for (long j0 = 0; j0 < nc; j0 += nr) {
        long w = nc - j0 < nr ? nc - j0 : nr;
        float *panel = out + j0 * kc;
        if (!trans) {
            for (long p = 0; p < kc; p++) {
                memcpy(panel + p * nr, b + (row0 + p) * ldb + col0 + j0, (size_t)w * sizeof(float));
                for (long j = w; j < nr; j++) panel[p * nr + j] = 0;
            }
        } else {  // B is stored n × k: op(B)'s columns are its rows
            ks->transpose(b + (col0 + j0) * ldb + row0, ldb, w, kc, nr, panel);
            for (long p = 0; p < kc; p++)
                for (long j = w; j < nr; j++) panel[p * nr + j] = 0;
        }
    }
}

// alpha ⊗ op(A)[row0 + r][col0 + p] for r < mc, p < kc into panels of mr rows (kc × mr
// each), zero past the last row.
static void pack_a(const gembench_kernel_set *ks, int trans, const float *a, long lda, float alpha, long row0, long col0, long mc, long kc, long mr,
                   float *out) {
    for (long r0 = 0; r0 < mc; r0 += mr) {
        long h = mc - r0 < mr ? mc - r0 : mr;
        float *panel = out + r0 * kc;
        if (!trans) {
            ks->transpose(a + (row0 + r0) * lda + col0, lda, h, kc, mr, panel);
        } else {  // A is stored k × m: a row of storage holds one p for consecutive rows
            for (long p = 0; p < kc; p++) memcpy(panel + p * mr, a + (col0 + p) * lda + row0 + r0, (size_t)h * sizeof(float));
        }
        for (long p = 0; p < kc; p++)
            for (long r = h; r < mr; r++) panel[p * mr + r] = 0;
        if (alpha != 1.0f)  // alpha = 1 leaves every value, NaN payloads included, untouched
            for (long i = 0; i < kc * mr; i++) panel[i] = alpha * panel[i];
    }
}

// The tile of C at c (h × w ≤ mr × nr; stored transposed, c[j·ldc + r], when `flip`) through
// the path's tile kernel: in place when whole and upright, else through a scratch tile of
// which only the valid entries are read and written.
static void run_tile(const gembench_kernel_set *ks, long kc, const float *ap, const float *bp, long bs, float *c,
                     long ldc, long h, long w, int load, int flip) {
    if (h == ks->mr && w == ks->nr && !flip) {
        ks->tile(kc, ap, bp, bs, c, ldc, load, w);
        return;
    }
    float edge[TILE_MAX];  // only its valid entries are kept; the tile reads it only to load
    long nr = ks->nr;
    if (load) {
        memset(edge, 0, (size_t)(ks->mr * nr) * sizeof(float));
        for (long r = 0; r < h; r++)
            for (long j = 0; j < w; j++) edge[r * nr + j] = flip ? c[j * ldc + r] : c[r * ldc + j];
    }
    ks->tile(kc, ap, bp, bs, edge, nr, load, w);
    for (long r = 0; r < h; r++)
        for (long j = 0; j < w; j++) *(flip ? &c[j * ldc + r] : &c[r * ldc + j]) = edge[r * nr + j];
}

// C (or Cᵀ when `flip`: element (i, j) at c[j·ldc + i]) from op(A) (m × k) and op(B) (k × n).
static void product(const gembench_kernel_set *ks, int trans_a, int trans_b, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb, int accumulate, float *c, long ldc, int flip) {
    long mr = ks->mr, nr = ks->nr, kcmax = ks->kc, mcmax = MC_TILES * mr;
    float *bp = scratch(&packed_b, &packed_b_capacity, kcmax * (NC + nr));
    float *ap = scratch(&packed_a, &packed_a_capacity, kcmax * mcmax);
    // Few rows of C reuse a panel of B too little to pay for copying it: whole panels of an
    // untransposed B are then read in place (only a ragged last panel is packed).
    int in_place = !trans_b && m <= 4 * mr;
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += kcmax) {
            long kc = k - pc < kcmax ? k - pc : kcmax;
            int load = accumulate || pc > 0;  // later K blocks carry each chain on from C
            long whole = in_place ? nc / nr * nr : 0;  // columns read in place
            if (whole < nc) pack_b(ks, trans_b, b, ldb, pc, jc + whole, kc, nc - whole, nr, bp);
            for (long ic = 0; ic < m; ic += mcmax) {
                long mc = m - ic < mcmax ? m - ic : mcmax;
                pack_a(ks, trans_a, a, lda, alpha, ic, pc, mc, kc, mr, ap);
                for (long jr = 0; jr < nc; jr += nr) {
                    long w = nc - jr < nr ? nc - jr : nr;
                    const float *panel = jr < whole ? b + pc * ldb + jc + jr : bp + (jr - whole) * kc;
                    long bs = jr < whole ? ldb : nr;
                    for (long ir = 0; ir < mc; ir += mr) {
                        long h = mc - ir < mr ? mc - ir : mr;
                        long i = ic + ir, j = jc + jr;
                        run_tile(ks, kc, ap + ir * kc, panel, bs, flip ? c + j * ldc + i : c + i * ldc + j, ldc,
                                 h, w, load, flip);
                    }
                }
            }
        }
    }
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
    // Narrow C (a batch of 10 against memory rows): compute Cᵀ = op(B)ᵀ·op(A)ᵀ, so the vectors
    // run along C's long side. Each element's chain is the same: a·b = b·a exactly.
    if (n < ks->nr && m > n && alpha == 1.0f) {
        product(ks, !trans_b, !trans_a, n, m, k, 1.0f, b, ldb, a, lda, accumulate, c, ldc, 1);
        return;
    }
    product(ks, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc, 0);
}

void gembench_axpy(long n, float alpha, const float *x, float *y) {
    if (n > 0) gembench_kernels()->axpy(n, alpha, x, y);
}

// Long dot products in the 16 chains and fixed tree of CKernels.h. GEM's M·g and M·Mᵀ run
// over ~90k parameters: the vectors are walked in chunks that stay in cache, each chain
// carried from chunk to chunk, so the order of every sum is still the written one.
#include <stdlib.h>

#include "paths.h"

enum { CHUNK = 2048 };  // a multiple of 16: chunk boundaries keep each element's chain

static float tree(const float s[16]) {
    float t[8], u[4], v[2];
    for (int r = 0; r < 8; r++) t[r] = s[r] + s[r + 8];
    for (int r = 0; r < 4; r++) u[r] = t[r] + t[r + 4];
    for (int r = 0; r < 2; r++) v[r] = u[r] + u[r + 2];
    return v[0] + v[1];
}

void gembench_expf_each(long n, const float *x, float *y) {
    for (long i = 0; i < n; i++) y[i] = gembench_expf(x[i]);
}

void gembench_expf_n(long n, const float *x, float *y) {
    if (n > 0) gembench_kernels()->expf_n(n, x, y);
}

float gembench_dot(long n, const float *x, const float *y) {
    float acc[16] = {0};
    if (n > 0) gembench_kernels()->chains(n, x, y, acc);
    return tree(acc);
}

void gembench_dots(long count, long n, const float *rows, long ld, const float *x, float *out) {
    if (count <= 0) return;
    const gembench_kernel_set *ks = gembench_kernels();
    float (*acc)[16] = calloc((size_t)count, sizeof *acc);
    if (!acc) abort();
    for (long i0 = 0; i0 < n; i0 += CHUNK) {
        long len = n - i0 < CHUNK ? n - i0 : CHUNK;
        for (long r = 0; r < count; r++) ks->chains(len, rows + r * ld + i0, x + i0, acc[r]);
    }
    for (long r = 0; r < count; r++) out[r] = tree(acc[r]);
    free(acc);
}

void gembench_gram(long count, long n, const float *rows, long ld, float *gram) {
    if (count <= 0) return;
    const gembench_kernel_set *ks = gembench_kernels();
    float (*acc)[16] = calloc((size_t)(count * count), sizeof *acc);
    if (!acc) abort();
    for (long i0 = 0; i0 < n; i0 += CHUNK) {
        long len = n - i0 < CHUNK ? n - i0 : CHUNK;
        for (long i = 0; i < count; i++)
            for (long j = i; j < count; j++) ks->chains(len, rows + i * ld + i0, rows + j * ld + i0, acc[i * count + j]);
    }
    for (long i = 0; i < count; i++)
        for (long j = i; j < count; j++) gram[i * count + j] = gram[j * count + i] = tree(acc[i * count + j]);
    free(acc);
}

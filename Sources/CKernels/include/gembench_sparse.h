#ifndef GEMBENCH_SPARSE_H
#define GEMBENCH_SPARSE_H

#include <stdint.h>

/// For j < n: out[j * out_stride] = start[j * start_stride] (0 when start is NULL) + sum over i < count, in order, of
/// values[i] * base[index[i] * n + j], each term added with one fused multiply-add (fmaf),
/// so the result is the same on every CPU. Uses AVX2 on the AVX2 and AVX-512 paths.
void gembench_sparse_sums(const int32_t *index, const float *values, long count, const float *base, long n,
                          const float *start, long start_stride, float *out, long out_stride);

/// The same without vector instructions: what the scalar and NEON paths run (for tests).
void gembench_sparse_sums_portable(const int32_t *index, const float *values, long count, const float *base, long n,
                                   const float *start, long start_stride, float *out, long out_stride);

#endif

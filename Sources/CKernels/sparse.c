// The inner loop of SparseRows' products: the generic version and an AVX2 version compute
// identical fused multiply-adds, in the same order, for every output. The AVX2 loop also
// serves the AVX-512 path.
#include <math.h>

#include "paths.h"

// Columns first..<n.
static void sums_generic(const int32_t *index, const float *values, long count, const float *base, long first,
                         long n, const float *start, long start_stride, float *out, long out_stride) {
    for (long j = first; j < n; j++) {
        float a = start ? start[j * start_stride] : 0.0f;
        for (long i = 0; i < count; i++) a = fmaf(values[i], base[(long)index[i] * n + j], a);
        out[j * out_stride] = a;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static __m256 load_strided(const float *p, long stride) {
    if (!p) return _mm256_setzero_ps();
    if (stride == 1) return _mm256_loadu_ps(p);
    return _mm256_setr_ps(p[0], p[stride], p[2 * stride], p[3 * stride],
                          p[4 * stride], p[5 * stride], p[6 * stride], p[7 * stride]);
}

__attribute__((target("avx2,fma")))
static void store_strided(float *p, long stride, __m256 v) {
    if (stride == 1) { _mm256_storeu_ps(p, v); return; }
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    for (int l = 0; l < 8; l++) p[l * stride] = lanes[l];
}

__attribute__((target("avx2,fma")))
static void sums_avx2(const int32_t *index, const float *values, long count, const float *base, long n,
                      const float *start, long start_stride, float *out, long out_stride) {
    long j = 0;
    for (; j + 96 <= n; j += 96) {  // 96 columns in twelve registers: one pass over the entries
        __m256 a[12];
        for (int b = 0; b < 12; b++) a[b] = load_strided(start ? start + (j + 8 * b) * start_stride : NULL, start_stride);
        for (long i = 0; i < count; i++) {
            const float *p = base + (long)index[i] * n + j;
            __m256 v = _mm256_broadcast_ss(values + i);
            for (int b = 0; b < 12; b++) a[b] = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 8 * b), a[b]);
        }
        for (int b = 0; b < 12; b++) store_strided(out + (j + 8 * b) * out_stride, out_stride, a[b]);
    }
    for (; j + 32 <= n; j += 32) {  // 32 columns in four registers
        __m256 a0 = load_strided(start ? start + j * start_stride : NULL, start_stride);
        __m256 a1 = load_strided(start ? start + (j + 8) * start_stride : NULL, start_stride);
        __m256 a2 = load_strided(start ? start + (j + 16) * start_stride : NULL, start_stride);
        __m256 a3 = load_strided(start ? start + (j + 24) * start_stride : NULL, start_stride);
        for (long i = 0; i < count; i++) {
            const float *p = base + (long)index[i] * n + j;
            __m256 v = _mm256_broadcast_ss(values + i);
            a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p), a0);
            a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 8), a1);
            a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 16), a2);
            a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 24), a3);
        }
        store_strided(out + j * out_stride, out_stride, a0);
        store_strided(out + (j + 8) * out_stride, out_stride, a1);
        store_strided(out + (j + 16) * out_stride, out_stride, a2);
        store_strided(out + (j + 24) * out_stride, out_stride, a3);
    }
    for (; j + 8 <= n; j += 8) {
        __m256 a = load_strided(start ? start + j * start_stride : NULL, start_stride);
        for (long i = 0; i < count; i++)
            a = _mm256_fmadd_ps(_mm256_broadcast_ss(values + i), _mm256_loadu_ps(base + (long)index[i] * n + j), a);
        store_strided(out + j * out_stride, out_stride, a);
    }
    if (j < n) {  // the last 1-7 columns: masked loads touch only columns < n
        long rest = n - j;
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        float initial[8] = {0}, result[8];
        for (long l = 0; start && l < rest; l++) initial[l] = start[(j + l) * start_stride];
        __m256 a = _mm256_loadu_ps(initial);
        for (long i = 0; i < count; i++)
            a = _mm256_fmadd_ps(_mm256_broadcast_ss(values + i),
                                _mm256_maskload_ps(base + (long)index[i] * n + j, mask), a);
        _mm256_storeu_ps(result, a);
        for (long l = 0; l < rest; l++) out[(j + l) * out_stride] = result[l];
    }
}
#endif

void gembench_sparse_sums_portable(const int32_t *index, const float *values, long count, const float *base, long n,
                                   const float *start, long start_stride, float *out, long out_stride) {
    sums_generic(index, values, count, base, 0, n, start, start_stride, out, out_stride);
}

void gembench_sparse_sums(const int32_t *index, const float *values, long count, const float *base, long n,
                          const float *start, long start_stride, float *out, long out_stride) {
#if defined(__x86_64__)
    gembench_path path = gembench_current_path();
    if (path == GEMBENCH_PATH_AVX2 || path == GEMBENCH_PATH_AVX512) {
        sums_avx2(index, values, count, base, n, start, start_stride, out, out_stride);
        return;
    }
#endif
    sums_generic(index, values, count, base, 0, n, start, start_stride, out, out_stride);
}

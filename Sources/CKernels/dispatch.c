// Which path runs: the widest the CPU has, unless GEMBENCH_KERNELS or gembench_set_path
// says otherwise. Every path gives the same bits, so the choice changes speed only.
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

static const char *const names[] = {"auto", "scalar", "avx2", "avx512", "neon"};

const char *gembench_path_name(gembench_path path) {
    return path >= GEMBENCH_PATH_SCALAR && path <= GEMBENCH_PATH_NEON ? names[path] : NULL;
}

int gembench_path_from_name(const char *name) {
    for (int p = GEMBENCH_PATH_AUTO; p <= GEMBENCH_PATH_NEON; p++)
        if (strcmp(name, names[p]) == 0) return p;
    return -1;
}

int gembench_path_available(gembench_path path) {
    switch (path) {
    case GEMBENCH_PATH_AUTO:
    case GEMBENCH_PATH_SCALAR: return 1;
#if defined(__x86_64__)
    case GEMBENCH_PATH_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GEMBENCH_PATH_AVX512: return __builtin_cpu_supports("avx512f");
#endif
#if defined(__aarch64__)
    case GEMBENCH_PATH_NEON: return 1;
#endif
    default: return 0;
    }
}

static gembench_path widest(void) {
    if (gembench_path_available(GEMBENCH_PATH_AVX512)) return GEMBENCH_PATH_AVX512;
    if (gembench_path_available(GEMBENCH_PATH_AVX2)) return GEMBENCH_PATH_AVX2;
    if (gembench_path_available(GEMBENCH_PATH_NEON)) return GEMBENCH_PATH_NEON;
    return GEMBENCH_PATH_SCALAR;
}

static const gembench_kernel_set *set_for(gembench_path path) {
    switch (path) {
#if defined(__x86_64__)
    case GEMBENCH_PATH_AVX2: return &gembench_avx2_kernels;
    case GEMBENCH_PATH_AVX512: return &gembench_avx512_kernels;
#endif
#if defined(__aarch64__)
    case GEMBENCH_PATH_NEON: return &gembench_neon_kernels;
#endif
    default: return &gembench_scalar_kernels;
    }
}

static _Atomic(const gembench_kernel_set *) current = NULL;
static char env_error[200];

static const gembench_kernel_set *from_environment(void) {
    const char *value = getenv("GEMBENCH_KERNELS");
    if (!value || !*value) return set_for(widest());
    int path = gembench_path_from_name(value);
    if (path < 0) {
        snprintf(env_error, sizeof env_error,
                 "GEMBENCH_KERNELS=%.40s: expected auto, scalar, avx2, avx512 or neon", value);
        return set_for(widest());
    }
    if (!gembench_path_available((gembench_path)path)) {
        snprintf(env_error, sizeof env_error, "GEMBENCH_KERNELS=%s: this CPU or build has no %s path", value, value);
        return set_for(widest());
    }
    return set_for(path == GEMBENCH_PATH_AUTO ? widest() : (gembench_path)path);
}

const gembench_kernel_set *gembench_kernels(void) {
    const gembench_kernel_set *set = atomic_load_explicit(&current, memory_order_acquire);
    if (set) return set;
    set = from_environment();  // racing first calls compute the same answer
    atomic_store_explicit(&current, set, memory_order_release);
    return set;
}

const char *gembench_path_error(void) {
    gembench_kernels();
    return env_error[0] ? env_error : NULL;
}

int gembench_set_path(gembench_path path) {
    if (!gembench_path_available(path)) return -1;
    atomic_store_explicit(&current, set_for(path == GEMBENCH_PATH_AUTO ? widest() : path), memory_order_release);
    return 0;
}

gembench_path gembench_current_path(void) { return gembench_kernels()->path; }

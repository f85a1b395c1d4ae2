#ifndef GEMBENCH_MATH_H
#define GEMBENCH_MATH_H

// Transcendental functions that return the same bits on every CPU and C library: each has one
// written evaluation in IEEE-754 double arithmetic (no libm, no fused multiply-add), so a run's
// numbers depend only on code, config and seed. Every NaN returned is the one quiet NaN
// (bits 0x7fc00000 for float, 0x7ff8000000000000 for double), whatever the input's payload.
// Accuracy as measured by Tests/kernels/math_accuracy.c against glibc 2.36, and against
// mpmath where said.

/// e^x for float: computed in double (about half an ulp of double), rounded once to float.
/// Equal to (float)exp((double)x) on all 2^32 inputs, so correctly rounded except where that
/// double rounding itself is not. NaN -> NaN, +inf -> +inf, -inf -> +0, ±0 -> 1;
/// x > 88.7228394 -> +inf; subnormal results for x down to -103.972 are rounded once, smaller
/// results are +0.
float gembench_expf(float x);

/// Natural log for float: computed in double (under 0.61 ulp of double), rounded once to float.
/// Equal to (float)log((double)x) on all 2^32 inputs. x < 0 (-inf included) or NaN -> NaN,
/// ±0 -> -inf, +inf -> +inf, 1 -> +0; subnormal inputs are exact.
float gembench_logf(float x);

/// log(1 + x) for float, accurate for tiny x: computed in double from the exact 1 + x, rounded
/// once to float. Equal to (float)log1p((double)x) on all 2^32 inputs. NaN or x < -1 (-inf
/// included) -> NaN, -1 -> -inf, +inf -> +inf; |x| < 2^-29 (±0 and subnormals included) -> x.
float gembench_log1pf(float x);

/// Sine for double: at most 0.71 ulp from the exact value on samples checked with mpmath
/// (error is worst for reduced arguments near ±π/4), and within 1 ulp of glibc on 10^7 random
/// x in [-10, 10], every half degree in [-360, 360] and random x of every magnitude;
/// (float)gembench_sin(x) == (float)sin(x) on every half degree and 10^6 random degrees.
/// Full accuracy for every finite x: Cody-Waite reduction by π/2 below 4096, Payne-Hanek
/// above (on cos(6381956970095103·2^797), the double nearest a multiple of π/2, glibc is 8 ulp
/// off and this is correctly rounded). ±0 -> ±0 (|x| < 2^-27 -> x), NaN, ±inf -> NaN.
/// sin(-x) == -sin(x) exactly.
double gembench_sin(double x);

/// Cosine for double: accuracy, reduction and checks as gembench_sin. |x| < 2^-27 -> 1,
/// NaN, ±inf -> NaN. cos(-x) == cos(x) exactly.
double gembench_cos(double x);

#endif

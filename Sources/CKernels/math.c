// e^x, log x and log(1 + x) for float, sin x and cos x for double, with one written
// evaluation each, so that every platform returns the same bits: only IEEE-754 +, -, *, /
// on double, integer operations and bit copies. No libm, no fused multiply-add (built with
// -ffp-contract=off, and the pragmas below say so too), nothing that depends on excess
// precision or on a rounding mode other than round-to-nearest-even. Every polynomial is a
// Taylor series (coefficients 1/n! or 2/(2n+1), each correctly rounded to double), evaluated
// by Horner's rule in the written order, with enough terms that truncation stays below
// 2^-62 relative. Every NaN returned is the one quiet NaN (0x7fc00000, 0x7ff8000000000000),
// whatever the input's payload, so NaN bits are the same on every CPU too.
#include <stdint.h>
#include <string.h>

#include "gembench_math.h"

// No contraction even where a build forgets -ffp-contract=off (GCC ignores the STDC pragma).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static uint32_t bits32(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
static float float_of(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }
static uint64_t bits64(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
static double double_of(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }

#define FLOAT_NAN float_of(0x7fc00000u)
#define FLOAT_INF float_of(0x7f800000u)
#define DOUBLE_NAN double_of(0x7ff8000000000000u)
#define MANTISSA 0x000fffffffffffffu

/// c[0] + x·(c[1] + x·(… + x·c[n-1])).
static double horner(const double *c, int n, double x) {
    double p = c[n - 1];
    for (int i = n - 2; i >= 0; i--) p = p * x + c[i];
    return p;
}

/// a + b = s + *err exactly (Knuth's two-sum: any magnitudes, round-to-nearest).
static double two_sum(double a, double b, double *err) {
    double s = a + b;
    double bb = s - a;
    *err = (a - (s - bb)) + (b - bb);
    return s;
}

/// a · b = p + *err exactly (Dekker's product on Veltkamp's 26-bit halves, no FMA needed).
static double two_prod(double a, double b, double *err) {
    double ca = 134217729.0 * a, cb = 134217729.0 * b;  // 2^27 + 1
    double ah = ca - (ca - a), bh = cb - (cb - b);
    double al = a - ah, bl = b - bh;
    double p = a * b;
    *err = (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
    return p;
}

/// The integer nearest t (ties to even) for |t| < 2^51: adding 1.5·2^52 leaves no fraction bits.
static double round_int(double t) { return (t + 0x1.8p52) - 0x1.8p52; }

/// A double to float, overflow included: a double at or above FLT_MAX + ulp/2 rounds to +inf
/// (the tie goes to inf, FLT_MAX being odd); others convert exactly or round once, subnormal
/// results included.
static float to_float(double d) {
    if (d >= 0x1.ffffffp127) return FLOAT_INF;
    if (d > 0x1.fffffep127) return 0x1.fffffep127f;
    return (float)d;
}

// ln 2 = LN2_HI + LN2_LO: LN2_HI has 44 significant bits, so k·LN2_HI is exact for |k| < 2^9.
const double gembench_ln2_hi = 0x1.62e42fefa3ap-1;
const double gembench_ln2_lo = -0x1.0ca86c3898dp-49;
#define LN2_HI gembench_ln2_hi
#define LN2_LO gembench_ln2_lo

// 1/2!, 1/3!, …, 1/14!: e^r = 1 + r + r²·Q(r), the next term r^15/15! < 2^-63 for |r| <= ln2/2.
const double gembench_exp_q[13] = {
    0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333,
    0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06,
    2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10,
    1.1470745597729725e-11,
};

// The vector paths' gembench_expf_n (path_*.c) repeat these steps operation for operation,
// in double lanes: keep them in step (math_accuracy.c compares them on every float).
float gembench_expf(float x) {
    if ((bits32(x) & 0x7fffffffu) > 0x7f800000u) return FLOAT_NAN;
    if (x > 89.0f) return FLOAT_INF;  // e^89 > 2^128
    if (x < -104.0f) return 0.0f;     // e^-104 < 2^-150, which rounds to 0
    // x = k·ln2 + r with |r| <= ln2/2 (a hair more where k's product rounds): r_hi is exact,
    // as k·LN2_HI is and x and k·LN2_HI are within a factor 2 of each other (Sterbenz).
    double xd = x, kd = round_int(xd * 1.4426950408889634);
    double r_hi = xd - kd * LN2_HI, r_lo = -(kd * LN2_LO), r = r_hi + r_lo;
    // e^r = 1 + r_hi + (r_lo + r²Q(r)), the leading sum kept exact so it rounds only once.
    double s = 1.0 + r_hi, s_err = (1.0 - s) + r_hi;  // |r_hi| < 1: Fast2Sum is exact
    double p = s + (s_err + (r_lo + (r * r) * horner(gembench_exp_q, 13, r)));
    // 2^k for -151 <= k <= 129 is a normal double, so the scaling is exact and the one
    // rounding is to float, subnormals included.
    double scale = double_of((uint64_t)((int64_t)kd + 1023) << 52);
    return to_float(p * scale);
}

// 2/3, 2/5, …, 2/23: log((1+s)/(1-s)) = 2s + s·R(s²), R(z) = z·(2/3 + 2z/5 + …); with
// |s| <= 3 - 2√2, the next term's share z^12/25 is below 2^-65.
static const double LOG_R[11] = {
    0.6666666666666666, 0.4, 0.2857142857142857, 0.2222222222222222, 0.18181818181818182,
    0.15384615384615385, 0.13333333333333333, 0.11764705882352941, 0.10526315789473684,
    0.09523809523809523, 0.08695652173913043,
};

/// log u for a positive normal double u, to about half an ulp of double.
static double log_positive(double u) {
    // u = 2^e·m with √½ < m <= √2, f = m - 1 exactly.
    uint64_t b = bits64(u), m = b & MANTISSA;
    int e = (int)(b >> 52) - 1023;
    if (m > 0x6a09e667f3bcdu) { e += 1; m |= 0x3fe0000000000000u; }  // m/2 in [√½, 1)
    else m |= 0x3ff0000000000000u;
    double f = double_of(m) - 1.0;
    // With s = f/(2+f): log(1+f) = 2s + s·R and 2s = f - f²/2 + s·f²/2, so
    // log(1+f) = f - hfsq + s·(hfsq + R): the leading f is exact, the rest is small.
    double s = f / (2.0 + f), z = s * s, hfsq = 0.5 * f * f;
    double rest = s * (hfsq + z * horner(LOG_R, 11, z)) - hfsq;
    double ed = e, sum_err, sum = two_sum(ed * LN2_HI, f, &sum_err);  // ed·LN2_HI exact
    return sum + (sum_err + (rest + ed * LN2_LO));
}

float gembench_logf(float x) {
    uint32_t u = bits32(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return FLOAT_NAN;
    if ((u & 0x7fffffffu) == 0) return -FLOAT_INF;  // ±0
    if (u >> 31) return FLOAT_NAN;                 // negative, -inf included
    if (u == 0x7f800000u) return FLOAT_INF;
    return (float)log_positive(x);  // subnormal floats are normal doubles
}

float gembench_log1pf(float x) {
    uint32_t u = bits32(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return FLOAT_NAN;
    if (u == 0xbf800000u) return -FLOAT_INF;  // -1
    if (x < -1.0f) return FLOAT_NAN;          // -inf included
    if (u == 0x7f800000u) return FLOAT_INF;
    // |x| < 2^-29 (±0 and subnormals included): log(1+x) = x - x²/2 + …, and x²/2 is below
    // a quarter ulp of x, so x is the rounded result.
    if ((u & 0x7fffffffu) < 0x31000000u) return x;
    // 1 + x is exact in double for 2^-29 <= |x| < 2^53, so log_positive's f is exact too;
    // above, its rounding moves the result by at most 2^-53, under 2^-58 of log(1+x) there.
    return (float)log_positive(1.0 + (double)x);
}

// π/2 = PIO2_1 + PIO2_2 + PIO2_3 (+ 1.0e-37): the first two have 33 significant bits, so
// their products with k < 2^20 are exact. PIO2_H + PIO2_L is π/2 as a double-double.
static const double PIO2_1 = 0x1.921fb544p+0;
static const double PIO2_2 = 0x1.0b4611a6p-34;
static const double PIO2_3 = 0x1.3198a2e037073p-69;
static const double PIO2_H = 0x1.921fb54442d18p+0;
static const double PIO2_L = 0x1.1a62633145c07p-54;

/// x - k·π/2 = *hi + *lo for π/4 < x < 4096, returning k (Cody-Waite). The only errors are
/// k·(π/2 - PIO2_1 - PIO2_2 - PIO2_3) and the rounding of k·PIO2_3, together < k·2^-121; the
/// double nearest a multiple of π/2 in this range is x ≈ 29·π/2, 2^-60.5 away from it, so the
/// reduction is good to 2^-56.5 relative at worst (and to 2^-70 or better at most x).
static int reduce_medium(double x, double *hi, double *lo) {
    double kd = round_int(x * 0.6366197723675814);
    double a = x - kd * PIO2_1;  // exact: x and k·PIO2_1 are within a factor 2 (Sterbenz)
    double a_err, r = two_sum(a, -(kd * PIO2_2), &a_err);
    double t = a_err - kd * PIO2_3;
    *hi = two_sum(r, t, lo);
    return (int)kd;
}

// 2/π in 32-bit words, most significant first: 2/π = Σ W[j]·2^(-32(j+1)). The largest
// double needs words up to 36 (see reduce_large).
static const uint32_t TWO_OVER_PI[37] = {
    0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041, 0xfe5163ab,
    0xdebbc561, 0xb7246e3a, 0x424dd2e0, 0x06492eea, 0x09d1921c, 0xfe1deb1c, 0xb129a73e,
    0xe88235f5, 0x2ebb4484, 0xe99c7026, 0xb45f7e41, 0x3991d639, 0x835339f4, 0x9c845f8b,
    0xbdf9283b, 0x1ff897ff, 0xde05980f, 0xef2f118b, 0x5a0a6d1f, 0x6d367ecf, 0x27cb09b7,
    0x4f463f66, 0x9e5fea2d, 0x7527bac7, 0xebe5f17b, 0x3d0739f7, 0x8a5292ea, 0x6bfb5fb1,
    0x1f8d5d08, 0x56033046,
};

/// Bits pos … pos+63 (pos >= 0) of the little-endian 32-bit-limb integer p[0 … n-1].
static uint64_t bits_at(const uint32_t *p, int n, int pos) {
    int w = pos >> 5, sh = pos & 31;
    uint64_t lo = (w < n ? p[w] : 0) | (uint64_t)(w + 1 < n ? p[w + 1] : 0) << 32;
    uint64_t top = w + 2 < n ? p[w + 2] : 0;
    return sh ? lo >> sh | top << (64 - sh) : lo;
}

/// x - k·π/2 = *hi + *lo for finite x >= 4096, returning k mod 4 (Payne-Hanek): x = m·2^ex
/// times a 224-bit window of 2/π gives x·2/π mod 4 exactly to 2^-190, far below the 2^-62
/// that separates any double from a multiple of π/2.
static int reduce_large(double x, double *hi, double *lo) {
    uint64_t b = bits64(x), m = (b & MANTISSA) | 1ull << 52;
    int ex = (int)(b >> 52) - 1075;             // x = m·2^ex, -40 <= ex <= 971
    int j0 = ex < 34 ? 0 : (ex - 34) / 32 + 1;  // words before j0 give multiples of 4
    uint32_t p[9] = {0};                        // m · words j0 … j0+6, limb 0 lowest
    for (int half = 0; half < 2; half++) {
        uint64_t mh = half ? m >> 32 : m & 0xffffffffu, carry = 0;
        for (int i = 0; i < 7; i++) {
            uint64_t t = (uint64_t)TWO_OVER_PI[j0 + 6 - i] * mh + p[i + half] + carry;
            p[i + half] = (uint32_t)t;
            carry = t >> 32;
        }
        p[7 + half] = (uint32_t)carry;
    }
    int point = 32 * (j0 + 7) - ex;  // p's bit `point` has weight 1; 191 <= point <= 264
    int k = (int)(bits_at(p, 9, point) & 3);
    uint64_t fh = bits_at(p, 9, point - 64), fl = bits_at(p, 9, point - 128);  // the fraction
    int negative = (int)(fh >> 63);  // fraction >= 1/2: take k + 1 and the fraction minus 1
    if (negative) { k += 1; fl = 0 - fl; fh = ~fh + (fl == 0); }
    if ((fh | fl) == 0) { *hi = *lo = 0.0; return k & 3; }
    int shift = 0;  // normalize so the top 106 bits hold two exact doubles' worth
    while (!(fh >> 63)) { fh = fh << 1 | fl >> 63; fl <<= 1; shift++; }
    double f_hi = (double)(fh >> 11) * double_of((uint64_t)(1023 - 53 - shift) << 52);
    double f_lo = (double)((fh & 0x7ff) << 42 | fl >> 22) * double_of((uint64_t)(1023 - 106 - shift) << 52);
    double prod_err, prod = two_prod(f_hi, PIO2_H, &prod_err);  // (f_hi + f_lo)·π/2
    double t = prod_err + (f_hi * PIO2_L + f_lo * PIO2_H);
    *hi = two_sum(prod, t, lo);
    if (negative) { *hi = -*hi; *lo = -*lo; }
    return k & 3;
}

/// x - k·π/2 = *hi + *lo, |*hi| <= π/4 (and a hair), for finite x >= 0; returns k mod 4.
static int reduce(double x, double *hi, double *lo) {
    if (x <= 0x1.921fb54442d18p-1) { *hi = x; *lo = 0.0; return 0; }
    if (x < 4096.0) return reduce_medium(x, hi, lo) & 3;
    return reduce_large(x, hi, lo);
}

// sin r = r + r³·S(r²) with S = -1/3! + z/5! - … + z^7/17!; cos r = 1 - r²/2 + r⁴·C(r²) with
// C = 1/4! - z/6! + … - z^7/18!. For |r| <= π/4 the next terms are below 2^-62 relative.
static const double SIN_S[8] = {
    -0.16666666666666666, 0.008333333333333333, -0.0001984126984126984, 2.7557319223985893e-06,
    -2.505210838544172e-08, 1.6059043836821613e-10, -7.647163731819816e-13, 2.8114572543455206e-15,
};
static const double COS_C[8] = {
    0.041666666666666664, -0.001388888888888889, 2.48015873015873e-05, -2.755731922398589e-07,
    2.08767569878681e-09, -1.1470745597729725e-11, 4.779477332387385e-14, -1.5619206968586225e-16,
};

/// sin(hi + lo) ≈ sin hi + lo·cos hi, with the leading hi added last.
static double sin_kernel(double hi, double lo) {
    double z = hi * hi;
    return hi + ((z * hi) * horner(SIN_S, 8, z) + lo * (1.0 - 0.5 * z));
}

/// cos(hi + lo) ≈ cos hi - lo·hi, with 1 - hi²/2 carried exactly (hi² = z + z_err, and
/// w_err is w's rounding error: 1 - w and its difference with hz are exact by Sterbenz).
static double cos_kernel(double hi, double lo) {
    double z_err, z = two_prod(hi, hi, &z_err);
    double hz = 0.5 * z, w = 1.0 - hz, w_err = (1.0 - w) - hz;
    double tail = (z * z) * horner(COS_C, 8, z) - (0.5 * z_err + hi * lo);
    return w + (w_err + tail);
}

double gembench_sin(double x) {
    uint64_t a = bits64(x) & ~(1ull << 63);
    if (a >= 0x7ff0000000000000u) return DOUBLE_NAN;  // NaN, ±inf
    if (a < 0x3e40000000000000u) return x;            // |x| < 2^-27: x is sin x rounded; ±0 kept
    double hi, lo;
    int k = reduce(double_of(a), &hi, &lo);
    double y = (k & 1) ? cos_kernel(hi, lo) : sin_kernel(hi, lo);
    if (k & 2) y = -y;
    return x < 0 ? -y : y;  // sin is odd
}

double gembench_cos(double x) {
    uint64_t a = bits64(x) & ~(1ull << 63);
    if (a >= 0x7ff0000000000000u) return DOUBLE_NAN;
    if (a < 0x3e40000000000000u) return 1.0;  // |x| < 2^-27: 1 - x²/2 rounds to 1
    double hi, lo;
    int k = reduce(double_of(a), &hi, &lo);  // cos is even
    double y = (k & 1) ? sin_kernel(hi, lo) : cos_kernel(hi, lo);
    return ((k + 1) & 2) ? -y : y;  // k = 1, 2: negative
}

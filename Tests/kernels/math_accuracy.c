// Checks Sources/CKernels/math.c against glibc's double exp, log, log1p, sin and cos, used
// here only as the reference:
//   - gembench_expf, _logf, _log1pf over all 2^32 float bit patterns, against
//     (float)exp((double)x) etc.: at most 1 ulp apart, and NaN, infinities and signs (±0
//     included) exactly as the reference;
//   - gembench_sin, _cos within 1 ulp of glibc on 10^7 random x in [-10, 10], on every half
//     degree in [-360, 360] and on wider samples, with (float) of the result equal to
//     (float) of glibc's on every half degree and on 10^6 random degrees; and within 1 ulp
//     of correctly rounded values on a few hard inputs;
//   - a few special cases spelled out.
// Exits 1 when any check fails. `--quick` skips the exhaustive passes (for emulators).
// `--hash` instead prints a 64-bit FNV-1a hash of each
// function's output bits over fixed inputs: builds for other CPUs (ARM64 under qemu) and
// other flags must print the same hashes.
//
//   gcc -O2 -ffp-contract=off -I Sources/CKernels/include Sources/CKernels/math.c
//       Tests/kernels/math_accuracy.c -lm -o /tmp/math_accuracy
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gembench_math.h"

// The inputs themselves (uniform, radians) must not depend on the flags either.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static uint32_t bits32(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static float float_of(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }
static uint64_t bits64(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static double double_of(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

static uint64_t state = 0x9e3779b97f4a7c15u;
static uint64_t next(void) {  // xorshift64*
    state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
    return state * 0x2545f4914f6cdd1du;
}
static double uniform(double lo, double hi) { return lo + (hi - lo) * ((double)(next() >> 11) * 0x1p-53); }

/// Distance in ulps between two non-NaN values of the same sign class: the bit patterns
/// mapped onto one monotonic integer line (-0 and +0 both at 0).
static uint64_t ulps32(float a, float b) {
    int64_t ia = bits32(a) & 0x7fffffff, ib = bits32(b) & 0x7fffffff;
    if (bits32(a) >> 31) ia = -ia;
    if (bits32(b) >> 31) ib = -ib;
    return (uint64_t)(ia > ib ? ia - ib : ib - ia);
}
static uint64_t ulps64(double a, double b) {
    uint64_t ua = bits64(a), ub = bits64(b);
    // Doubles' magnitudes fit in 63 bits, so the signed difference may overflow only for
    // opposite signs far apart: count that as huge.
    if ((ua >> 63) != (ub >> 63)) return (ua << 1 | ub << 1) ? UINT64_MAX : 0;
    ua &= ~(1ull << 63); ub &= ~(1ull << 63);
    return ua > ub ? ua - ub : ub - ua;
}

// ---- float functions, exhaustively ------------------------------------------------------

static int check_float(const char *name, float (*f)(float), double (*ref)(double), const char *ref_name) {
    uint64_t differ = 0, max_ulp = 0, special = 0;
    for (uint64_t u = 0; u <= 0xffffffffu; u++) {
        float x = float_of((uint32_t)u);
        float got = f(x), want = (float)ref((double)x);
        if (isnan(got) || isnan(want)) {
            if (!(isnan(got) && isnan(want)) || bits32(got) != 0x7fc00000u) {
                if (special++ < 3) printf("  %s(%a) = %a, want %a (NaN)\n", name, x, got, want);
            }
            continue;
        }
        if (bits32(got) == bits32(want)) continue;
        differ++;
        uint64_t d = ulps32(got, want);
        if (d > max_ulp) max_ulp = d;
        int bad = isinf(got) || isinf(want) || signbit(got) != signbit(want) || d > 1;
        if (bad) special++;
        if (bad || differ <= 3) printf("  %s(%a) = %a, reference %a\n", name, x, got, want);
    }
    printf("%s: 4294967296 inputs, %llu differ from (float)%s((double)x), max %llu ulp, %llu NaN/inf/sign errors\n",
           name, (unsigned long long)differ, ref_name, (unsigned long long)max_ulp,
           (unsigned long long)special);
    return max_ulp > 1 || special > 0;
}

// ---- sin and cos, sampled ---------------------------------------------------------------

typedef struct {
    const char *label;
    long count, differ, float_mismatch, out_of_range;
    uint64_t max_ulp;
} tally;

static void compare(tally *t, double (*f)(double), double (*ref)(double), double x, int float_check) {
    double got = f(x), want = ref(x);
    t->count++;
    if (!(got >= -1.0 && got <= 1.0)) t->out_of_range++;
    if (bits64(got) != bits64(want)) {
        uint64_t d = ulps64(got, want);
        t->differ++;
        if (d > t->max_ulp) t->max_ulp = d;
        if (d > 1) printf("  %s: x = %a: %a, glibc %a (%llu ulp)\n", t->label, x, got, want, (unsigned long long)d);
    }
    if (float_check && (float)got != (float)want) {
        t->float_mismatch++;
        printf("  %s: x = %a: (float) %a, glibc (float) %a\n", t->label, x, (double)(float)got, (double)(float)want);
    }
}

static int report(const tally *t, int float_check) {
    printf("%s: %ld inputs, %ld differ from glibc, max %llu ulp", t->label, t->count, t->differ,
           (unsigned long long)t->max_ulp);
    if (float_check) printf(", %ld (float) results differ", t->float_mismatch);
    if (t->out_of_range) printf(", %ld outside [-1, 1]", t->out_of_range);
    printf("\n");
    return t->max_ulp > 1 || t->float_mismatch > 0 || t->out_of_range > 0;
}

/// One sample set for both functions: `gen(i)` gives the i-th input.
static int check_trig(const char *what, long count, double (*gen)(long), int float_check) {
    char ls[128], lc[128];
    snprintf(ls, sizeof ls, "sin, %s", what);
    snprintf(lc, sizeof lc, "cos, %s", what);
    tally ts = {ls, 0, 0, 0, 0, 0}, tc = {lc, 0, 0, 0, 0, 0};
    for (long i = 0; i < count; i++) {
        double x = gen(i);
        compare(&ts, gembench_sin, sin, x, float_check);
        compare(&tc, gembench_cos, cos, x, float_check);
    }
    int fail = report(&ts, float_check);
    return report(&tc, float_check) | fail;
}

static double radians(double degrees) { return degrees * 3.141592653589793 / 180; }
static double gen_small(long i) { (void)i; return uniform(-10, 10); }
static double gen_half_degree(long i) { return radians(-360 + 0.5 * (double)i); }
static double gen_degree(long i) { (void)i; return radians(uniform(-180, 180)); }
static double gen_medium(long i) { (void)i; return uniform(-1e6, 1e6); }
static double gen_wide(long i) {  // random magnitude from 2^-30 to 2^1023, random sign
    (void)i;
    double x = ldexp(uniform(1, 2), (int)(next() % 1054) - 30);
    return next() & 1 ? -x : x;
}
static double gen_near_quarter_turns(long i) {  // the doubles around k·π/2, k < 2^17
    double x = (double)(i / 7 + 1) * 1.5707963267948966;
    for (long j = i % 7 - 3; j < 0; j++) x = nextafter(x, 0);
    for (long j = i % 7 - 3; j > 0; j--) x = nextafter(x, INFINITY);
    return x;
}
/// Hard inputs with sin and cos correctly rounded (mpmath at 3000 bits). glibc itself is 8 ulp
/// off on the second: cos(6381956970095103·2^797), the double nearest a multiple of π/2.
static const double hard[][3] = {
    {0x1.6c6cbc45dc8dep+5, 0x1.0000000000000p+0, -0x1.6d61b58c99c43p-61},  // below 2^12, the nearest to k·π/2
    {0x1.6ac5b262ca1ffp+849, 0x1.0000000000000p+0, -0x1.14ae72e6ba22fp-61},
    {0x1.0f0cf064dd592p+73, -0x1.b453ab76bf397p-1, 0x1.0be2cef01c8f4p-1},   // 1e22
    {0x1.921fb54442d18p+0, 0x1.0000000000000p+0, 0x1.1a62633145c07p-54},    // π/2, π, 2π as doubles
    {0x1.921fb54442d18p+1, 0x1.1a62633145c07p-53, -0x1.0000000000000p+0},
    {0x1.921fb54442d18p+2, -0x1.1a62633145c07p-52, 0x1.0000000000000p+0},
    {0x1.921fb54442d18p-1, 0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1},    // around π/4
    {0x1.921fb54442d19p-1, 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bccp-1},
    {0x1.fffffffffffffp+11, -0x1.3074ea2336eebp-1, 0x1.9ba4a85e6c4e9p-1},  // around 4096
    {0x1.0000000000000p+12, -0x1.3074ea233620dp-1, 0x1.9ba4a85e6ce6cp-1},
    {0x1.fffffffffffffp+1023, 0x1.452fc98b34e97p-8, -0x1.fffe62ecfab75p-1},
    {0x1.0000000000000p-27, 0x1.0000000000000p-27, 0x1.0000000000000p+0},   // around 2^-27
    {0x1.fffffffffffffp-28, 0x1.fffffffffffffp-28, 0x1.0000000000000p+0},
};

static int check_hard(void) {
    uint64_t max_ulp = 0;
    int n = (int)(sizeof hard / sizeof hard[0]);
    for (int i = 0; i < 2 * n; i++) {
        double sign = i < n ? 1 : -1, x = sign * hard[i % n][0];
        double want_s = sign * hard[i % n][1], want_c = hard[i % n][2];
        double got_s = gembench_sin(x), got_c = gembench_cos(x);
        uint64_t ds = ulps64(got_s, want_s), dc = ulps64(got_c, want_c);
        if (ds > max_ulp) max_ulp = ds;
        if (dc > max_ulp) max_ulp = dc;
        if (ds > 1 || dc > 1) printf("  x = %a: sin %a (want %a), cos %a (want %a)\n", x, got_s, want_s, got_c, want_c);
    }
    printf("sin, cos, %d hard inputs against correctly rounded values: max %llu ulp\n", 2 * n,
           (unsigned long long)max_ulp);
    return max_ulp > 1;
}

static int check_specials(void) {
    int fail = 0;
#define EXPECT(what, cond)                                                    \
    do {                                                                      \
        if (!(cond)) { printf("  special case failed: %s\n", what); fail = 1; } \
    } while (0)
    float fnan = float_of(0x7fc00001u), finf = INFINITY;
    EXPECT("expf(nan)", bits32(gembench_expf(fnan)) == 0x7fc00000u);
    EXPECT("expf(inf)", gembench_expf(finf) == finf);
    EXPECT("expf(-inf)", bits32(gembench_expf(-finf)) == 0);
    EXPECT("expf(±0)", gembench_expf(0.0f) == 1.0f && gembench_expf(-0.0f) == 1.0f);
    EXPECT("expf(88.72283f)", gembench_expf(88.72283f) == 0x1.ffff08p127f);
    EXPECT("expf(88.722839f)", gembench_expf(88.722839f) == finf);
    EXPECT("expf(-103.97f)", gembench_expf(-103.97f) == 0x1p-149f);
    EXPECT("expf(-103.98f)", bits32(gembench_expf(-103.98f)) == 0);
    EXPECT("logf(±0)", gembench_logf(0.0f) == -finf && gembench_logf(-0.0f) == -finf);
    EXPECT("logf(1)", bits32(gembench_logf(1.0f)) == 0);
    EXPECT("logf(inf)", gembench_logf(finf) == finf);
    EXPECT("logf(-1)", bits32(gembench_logf(-1.0f)) == 0x7fc00000u);
    EXPECT("logf(-inf)", bits32(gembench_logf(-finf)) == 0x7fc00000u);
    EXPECT("logf(2^-149)", gembench_logf(0x1p-149f) == -0x1.9d1dap+6f);
    EXPECT("log1pf(-1)", gembench_log1pf(-1.0f) == -finf);
    EXPECT("log1pf(below -1)", bits32(gembench_log1pf(-0x1.000002p0f)) == 0x7fc00000u);
    EXPECT("log1pf(-inf)", bits32(gembench_log1pf(-finf)) == 0x7fc00000u);
    EXPECT("log1pf(inf)", gembench_log1pf(finf) == finf);
    EXPECT("log1pf(±0)", bits32(gembench_log1pf(0.0f)) == 0 && bits32(gembench_log1pf(-0.0f)) == 0x80000000u);
    EXPECT("log1pf(2^-149)", gembench_log1pf(0x1p-149f) == 0x1p-149f);
    EXPECT("log1pf(1e-30)", gembench_log1pf(1e-30f) == 1e-30f);
    double dnan = double_of(0x7ff8000000000001u), dinf = INFINITY;
    EXPECT("sin(±0)", bits64(gembench_sin(0.0)) == 0 && bits64(gembench_sin(-0.0)) == 1ull << 63);
    EXPECT("cos(±0)", gembench_cos(0.0) == 1.0 && gembench_cos(-0.0) == 1.0);
    EXPECT("sin(-2^-1074)", gembench_sin(-0x1p-1074) == -0x1p-1074);
    EXPECT("sin/cos(nan)", bits64(gembench_sin(dnan)) == 0x7ff8000000000000u &&
                           bits64(gembench_cos(-dnan)) == 0x7ff8000000000000u);
    EXPECT("sin/cos(±inf)", isnan(gembench_sin(dinf)) && isnan(gembench_sin(-dinf)) &&
                            isnan(gembench_cos(dinf)) && isnan(gembench_cos(-dinf)));
#undef EXPECT
    printf("special cases: %s\n", fail ? "FAILED" : "all as specified");
    return fail;
}

// ---- hashes -----------------------------------------------------------------------------

static uint64_t fnv(uint64_t h, uint64_t bits, int bytes) {
    for (int b = 0; b < bytes; b++) h = (h ^ ((bits >> (8 * b)) & 0xff)) * 0x100000001b3u;
    return h;
}

static int print_hashes(void) {
    static const struct { const char *name; float (*f)(float); } fs[] = {
        {"expf", gembench_expf}, {"logf", gembench_logf}, {"log1pf", gembench_log1pf}};
    for (int i = 0; i < 3; i++) {
        uint64_t h = 0xcbf29ce484222325u;
        for (uint64_t u = 0; u <= 0xffffffffu; u += 65537) h = fnv(h, bits32(fs[i].f(float_of((uint32_t)u))), 4);
        printf("hash %-6s every 65537th float:                    %016llx\n", fs[i].name, (unsigned long long)h);
    }
    // Inputs from fixed xorshift sequences: 100000 in [-10, 10], then 100000 arbitrary bit
    // patterns (every magnitude, NaN and infinities included).
    uint64_t hs = 0xcbf29ce484222325u, hc = hs, ws = hs, wc = hs;
    state = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 100000; i++) {
        double x = uniform(-10, 10);
        hs = fnv(hs, bits64(gembench_sin(x)), 8);
        hc = fnv(hc, bits64(gembench_cos(x)), 8);
    }
    for (int i = 0; i < 100000; i++) {
        double x = double_of(next());
        ws = fnv(ws, bits64(gembench_sin(x)), 8);
        wc = fnv(wc, bits64(gembench_cos(x)), 8);
    }
    printf("hash sin    100000 x in [-10, 10]:                   %016llx\n", (unsigned long long)hs);
    printf("hash cos    100000 x in [-10, 10]:                   %016llx\n", (unsigned long long)hc);
    printf("hash sin    100000 random bit patterns:              %016llx\n", (unsigned long long)ws);
    printf("hash cos    100000 random bit patterns:              %016llx\n", (unsigned long long)wc);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--hash") == 0) return print_hashes();
    int fail = check_specials();
    fail |= check_trig("10000000 random x in [-10, 10]", 10000000, gen_small, 0);
    fail |= check_trig("every half degree in [-360, 360]", 1441, gen_half_degree, 1);
    fail |= check_trig("1000000 random degrees in [-180, 180]", 1000000, gen_degree, 1);
    fail |= check_trig("1000000 random x in [-1e6, 1e6]", 1000000, gen_medium, 0);
    fail |= check_trig("1000000 random x, |x| in [2^-30, 2^1024)", 1000000, gen_wide, 0);
    fail |= check_trig("7 doubles around each k*pi/2, k <= 131072", 7 * 131072, gen_near_quarter_turns, 0);
    fail |= check_hard();
    if (!(argc > 1 && strcmp(argv[1], "--quick") == 0)) {
        fflush(stdout);
        fail |= check_float("expf", gembench_expf, exp, "exp");
        fflush(stdout);
        fail |= check_float("logf", gembench_logf, log, "log");
        fflush(stdout);
        fail |= check_float("log1pf", gembench_log1pf, log1p, "log1p");
    }
    printf("%s\n", fail ? "FAILED" : "all checks passed");
    return fail;
}

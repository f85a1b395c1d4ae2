#include <math.h>
__attribute__((weak)) float gembench_expf(float x) { return expf(x); }
__attribute__((weak)) float gembench_logf(float x) { return logf(x); }
__attribute__((weak)) float gembench_log1pf(float x) { return log1pf(x); }
__attribute__((weak)) double gembench_sin(double x) { return sin(x); }
__attribute__((weak)) double gembench_cos(double x) { return cos(x); }

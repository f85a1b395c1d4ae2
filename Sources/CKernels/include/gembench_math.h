#ifndef GEMBENCH_MATH_H
#define GEMBENCH_MATH_H
float gembench_expf(float x);
float gembench_logf(float x);
float gembench_log1pf(float x);
double gembench_sin(double x);
double gembench_cos(double x);
#endif

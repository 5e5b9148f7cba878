/* Shared helpers of the gradient checks: a seeded generator, random
 * tensors, the relative error with a floor, and central differences. */
#ifndef TESTS_TRAIN_GRADCHECK_H
#define TESTS_TRAIN_GRADCHECK_H

#include "layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-3f
#define TOL 1e-2

static int failures;
static nn_rng rng;

static inline float
urand (void)
{
  return 2.0f * nn_rng_float (&rng) - 1.0f;
}

static inline float *
rand_vec (size_t n)
{
  float *v = malloc (n * sizeof *v);
  for (size_t i = 0; i < n; i++)
    v[i] = urand ();
  return v;
}

static inline double
dot (const float *y, const float *r, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (double)y[i] * r[i];
  return s;
}

/* Relative error with a floor so tiny gradients compare absolutely. */
static inline double
rel_err (double a, double b)
{
  double m = fmax (fabs (a), fabs (b));
  return fabs (a - b) / fmax (m, 0.1);
}

static inline void
report (const char *what, double worst)
{
  const int ok = worst < TOL;
  printf ("%-44s max rel err %.2e %s\n", what, worst, ok ? "ok" : "FAIL");
  if (!ok)
    failures++;
}

static inline double
numeric_vs (double (*loss) (void *), void *ctx, float *v, size_t count,
            const float *analytic)
{
  double worst = 0.0;
  for (size_t i = 0; i < count; i++) {
    const float keep = v[i];
    v[i] = keep + EPS;
    const double lp = loss (ctx);
    v[i] = keep - EPS;
    const double lm = loss (ctx);
    v[i] = keep;
    const double num = (lp - lm) / (2.0 * EPS);
    worst = fmax (worst, rel_err (analytic[i], num));
  }
  return worst;
}

#endif /* TESTS_TRAIN_GRADCHECK_H */

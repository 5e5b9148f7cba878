/* Normalisations against loops written here from the ONNX definitions:
 * LRN (odd and even window sizes), LayerNormalization with one-value Scale
 * and B or no B, MeanVarianceNormalization over chosen axes; and the
 * validation rules no other test reaches. */
#include "harness.h"

#include <math.h>
#include <string.h>

static nn_pool *pool2;
static int cases;

/* Runs reference, fast and two threads; y must match want within rtol. */
static void
check_runs (th_node *t, const double *want, size_t n, double rtol,
            const char *what)
{
  const nn_value *y = t->out[0];
  TH_CHECK (y->count == n, "%s: %zu outputs, expected %zu", what, y->count, n);
  if (y->count != n)
    return;
  for (int pass = 0; pass < 3; pass++) {
    th_run (t, pass == 2 ? pool2 : NULL, pass == 0);
    const float *out = th_data (t, y);
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
      double e = fabs (out[i] - want[i]) / (1e-6 + rtol * fabs (want[i]));
      if (!(e <= worst)) {
        worst = e;
        at = i;
      }
    }
    TH_CHECK (worst <= 1.0, "%s (pass %d): off by %.3g tolerances at %zu", what,
              pass, worst, at);
  }
}

static bool
plan_ok (th_node *t, const char *what)
{
  nn_error err = { 0 };
  cases++;
  nn_status s = th_plan (t, &err);
  TH_CHECK (s == NN_OK, "%s: plan failed: %s", what, err.message);
  return s == NN_OK;
}

static void
lrn_cases (uint64_t *seed)
{
  static const int sizes[] = { 1, 3, 4, 7 };
  for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
    th_node t;
    char what[48];
    int size = sizes[si];
    enum { N = 2, C = 5, S = 6 };
    snprintf (what, sizeof what, "LRN size %d", size);
    th_init (&t, "LRN", 13);
    th_input (&t, 4, D (N, C, 2, 3));
    th_output (&t);
    th_attr_int (&t, "size", size);
    th_attr_float (&t, "alpha", 0.5f);
    th_attr_float (&t, "beta", 0.6f);
    th_attr_float (&t, "bias", 2.f);
    if (plan_ok (&t, what)) {
      static double want[N * C * S];
      float *x = th_data (&t, t.in[0]);
      th_fill (x, N * C * S, seed);
      /* the window: floor((size-1)/2) channels before, ceil after */
      int before = (size - 1) / 2, after = size - 1 - before;
      for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
          for (int i = 0; i < S; i++) {
            double sq = 0.0;
            for (int k = c - before; k <= c + after; k++)
              if (k >= 0 && k < C) {
                double v = x[(n * C + k) * S + i];
                sq += v * v;
              }
            int at = (n * C + c) * S + i;
            want[at] = x[at] / pow (2.0 + 0.5 / size * sq, 0.6);
          }
      check_runs (&t, want, N * C * S, 1e-5, what);
    }
    th_free (&t);
  }

  th_node t;
  th_init (&t, "LRN", 13);
  th_input (&t, 4, D (1, 3, 2, 2));
  th_output (&t);
  th_attr_int (&t, "size", 0);
  EXPECT (&t, NN_BAD_MODEL, "'size' must be 1 or more, is 0", "LRN size 0");

  th_init (&t, "LRN", 13);
  th_input (&t, 4, D (1, 3, 2, 2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'size' must be 1 or more", "LRN without size");

  th_init (&t, "LRN", 13);
  th_input (&t, 2, D (3, 2));
  th_output (&t);
  th_attr_int (&t, "size", 3);
  EXPECT (&t, NN_SHAPE, "has rank 2", "LRN on a matrix");
}

/* LayerNormalization over the last two axes of (3, 2, 4), Scale and B of
 * one value (broadcast) or none. */
static void
layer_norm_cases (uint64_t *seed)
{
  for (int variant = 0; variant < 3; variant++) {
    th_node t;
    char what[64];
    const float scale = 1.5f, bias = -0.25f;
    snprintf (what, sizeof what, "LayerNormalization %s",
              variant == 0   ? "one-value Scale and B"
              : variant == 1 ? "one-value Scale, no B"
                             : "Scale per element, one-value B");
    float sc8[8];
    for (int i = 0; i < 8; i++)
      sc8[i] = 0.5f + 0.25f * (float)i;
    th_init (&t, "LayerNormalization", 17);
    th_input (&t, 3, D (3, 2, 4));
    if (variant == 2)
      th_const (&t, 2, D (2, 4), sc8);
    else
      th_const (&t, 1, D (1), &scale);
    if (variant != 1)
      th_const (&t, 1, D (1), &bias);
    th_output (&t);
    th_attr_int (&t, "axis", -2);
    th_attr_float (&t, "epsilon", 1e-3f);
    if (plan_ok (&t, what)) {
      double want[24];
      float *x = th_data (&t, t.in[0]);
      th_fill (x, 24, seed);
      for (int r = 0; r < 3; r++) {
        double mean = 0.0, var = 0.0;
        for (int i = 0; i < 8; i++)
          mean += x[r * 8 + i] / 8.0;
        for (int i = 0; i < 8; i++)
          var += (x[r * 8 + i] - mean) * (x[r * 8 + i] - mean) / 8.0;
        for (int i = 0; i < 8; i++) {
          double s = variant == 2 ? sc8[i] : scale;
          double b = variant == 1 ? 0.0 : bias;
          want[r * 8 + i] = (x[r * 8 + i] - mean) / sqrt (var + 1e-3) * s + b;
        }
      }
      check_runs (&t, want, 24, 1e-5, what);
    }
    th_free (&t);
  }

  th_node t;
  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 1, 1 });
  th_const (&t, 1, D (3), (const float[]){ 0, 0, 0 });
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "has 3 values for 4 normalised",
          "LayerNormalization B of the wrong size");

  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 1, 1 });
  th_output (&t);
  th_attr_float (&t, "epsilon", INFINITY);
  EXPECT (&t, NN_BAD_MODEL, "'epsilon' must be a finite value",
          "LayerNormalization infinite epsilon");

  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (4), D (1, 1, 1, 1));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "Scale", "LayerNormalization int64 Scale");

  th_init (&t, "GroupNormalization", 18);
  th_input (&t, 3, D (1, 4, 3));
  th_const (&t, 1, D (2), (const float[]){ 1, 1 });
  th_const (&t, 1, D (2), (const float[]){ 0, 0 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'num_groups' = 0 does not divide 4",
          "GroupNormalization without num_groups");

  th_init (&t, "GroupNormalization", 18);
  th_input (&t, 3, D (1, 4, 3));
  th_const (&t, 1, D (2), (const float[]){ 1, 1 });
  th_const (&t, 1, D (2), (const float[]){ 0, 0 });
  th_output (&t);
  th_attr_int (&t, "num_groups", -2);
  EXPECT (&t, NN_BAD_MODEL, "'num_groups' = -2", "GroupNormalization -2");

  th_init (&t, "GroupNormalization", 18);
  th_input (&t, 2, D (4, 3));
  th_const (&t, 1, D (2), (const float[]){ 1, 1 });
  th_const (&t, 1, D (2), (const float[]){ 0, 0 });
  th_output (&t);
  th_attr_int (&t, "num_groups", 2);
  EXPECT (&t, NN_SHAPE, "has rank 2", "GroupNormalization on a matrix");

  th_init (&t, "InstanceNormalization", 6);
  th_input (&t, 2, D (4, 3));
  th_const (&t, 1, D (3), (const float[]){ 1, 1, 1 });
  th_const (&t, 1, D (3), (const float[]){ 0, 0, 0 });
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "has rank 2", "InstanceNormalization on a matrix");
}

/* MeanVarianceNormalization over the axes given: (x - mean) / (sd + 1e-9),
 * the population standard deviation. */
static void
mvn_cases (uint64_t *seed)
{
  th_node t;
  th_init (&t, "MeanVarianceNormalization", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (0, -1));
  if (plan_ok (&t, "MeanVarianceNormalization axes 0, -1")) {
    double want[24];
    float *x = th_data (&t, t.in[0]);
    th_fill (x, 24, seed);
    for (int c = 0; c < 3; c++) {
      double mean = 0.0, var = 0.0;
      for (int n = 0; n < 2; n++)
        for (int i = 0; i < 4; i++)
          mean += x[(n * 3 + c) * 4 + i] / 8.0;
      for (int n = 0; n < 2; n++)
        for (int i = 0; i < 4; i++) {
          double d = x[(n * 3 + c) * 4 + i] - mean;
          var += d * d / 8.0;
        }
      for (int n = 0; n < 2; n++)
        for (int i = 0; i < 4; i++) {
          int at = (n * 3 + c) * 4 + i;
          want[at] = (x[at] - mean) / (sqrt (var) + 1e-9);
        }
    }
    check_runs (&t, want, 24, 1e-4, "MeanVarianceNormalization axes 0, -1");
  }
  th_free (&t);

  th_init (&t, "MeanVarianceNormalization", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (3));
  EXPECT (&t, NN_BAD_MODEL, "axes value", "MeanVarianceNormalization axis 3");

  th_init (&t, "MeanVarianceNormalization", 13);
  th_input_typed (&t, NN_DTYPE_INT32, 3, D (2, 3, 4));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "X", "MeanVarianceNormalization on int32");
}

int
main (void)
{
  uint64_t seed = 0x6e6f726d5eedull;
  nn_error err;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK) {
    fprintf (stderr, "pool: %s\n", err.message);
    return 2;
  }
  lrn_cases (&seed);
  layer_norm_cases (&seed);
  mvn_cases (&seed);
  nn_pool_free (pool2);
  printf ("normalisations: %d cases, %d negatives, %d checks, %d failures\n",
          cases, th_negatives, th_checks, th_failures);
  return th_failures ? 1 : 0;
}

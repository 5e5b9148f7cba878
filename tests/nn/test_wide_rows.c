/* Pooling over rows wider than the fast kernels' row buffer (4096 floats):
 * those go to the sweep kernels, whose strided loops (stride 1, 2 and
 * any) the narrow cases of the operator tests never reach. Each model runs
 * with the fast kernels and with the naive reference kernels (the
 * session's `reference` option), which must agree exactly for max and
 * within rounding for average. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

enum { C = 2, H = 5, W = 4500 };

static float *
run (const uint8_t *bytes, size_t size, const float *x, int reference,
     size_t *count)
{
  nn_load_options lo = { 0 };
  nn_session_options so = { 0 };
  nn_model *m = NULL;
  nn_session *s = NULL;
  nn_error e = { 0 };
  float *y = NULL;

  lo.flags = NN_LOAD_GENERAL;
  so.reference = reference;
  if (nn_model_load_memory (bytes, size, &lo, &m, &e) != NN_OK
      || nn_session_create (m, &so, &s, &e) != NN_OK) {
    CHECK (0, "load or plan: %s", e.message);
    nn_model_unref (m);
    return NULL;
  }
  memcpy (nn_session_input (s, 0), x, sizeof (float) * C * H * W);
  if (nn_session_run (s, &e) == NN_OK) {
    *count = nn_session_output_info (s, 0)->count;
    y = malloc (*count * sizeof *y);
    memcpy (y, nn_session_output (s, 0), *count * sizeof *y);
  } else {
    CHECK (0, "run: %s", e.message);
  }
  nn_session_free (s);
  nn_model_unref (m);
  return y;
}

static void
check_pool (const char *op, int kh, int kw, int sh, int sw, int pad,
            const float *x)
{
  mb *b = mb_new (8, 13);
  size_t size, n_fast = 0, n_ref = 0, bad = 0;
  const uint8_t *bytes;
  float *fast, *ref;
  double worst = 0.0;

  mb_input (b, "x", 4, (int64_t[]){ 1, C, H, W });
  mb_node (b, op, "pool", (const char *[]){ "x", NULL },
           (const char *[]){ "y", NULL });
  mb_attr_ints (b, mb_model (b)->graph->node[0], "kernel_shape", 2,
                (int64_t[]){ kh, kw });
  mb_attr_ints (b, mb_model (b)->graph->node[0], "strides", 2,
                (int64_t[]){ sh, sw });
  mb_attr_ints (b, mb_model (b)->graph->node[0], "pads", 4,
                (int64_t[]){ pad, pad, pad, pad });
  mb_output (b, "y");
  bytes = mb_pack (b, &size);
  fast = run (bytes, size, x, 0, &n_fast);
  ref = run (bytes, size, x, 1, &n_ref);
  mb_free (b);
  if (!fast || !ref) {
    free (fast);
    free (ref);
    return;
  }
  CHECK (n_fast == n_ref && n_fast > 0, "%zu outputs, reference %zu", n_fast,
         n_ref);
  for (size_t i = 0; i < n_fast && n_fast == n_ref; i++) {
    double d = fabs ((double)fast[i] - ref[i]);
    worst = d > worst ? d : worst;
    bad += op[0] == 'M' ? fast[i] != ref[i] : d > 1e-6 * (1 + fabs (ref[i]));
  }
  CHECK (bad == 0,
         "%s %dx%d stride %dx%d pad %d over %d wide: %zu of %zu "
         "differ (worst %g)",
         op, kh, kw, sh, sw, pad, W, bad, n_fast, worst);
  printf ("%-12s %dx%d stride %dx%d pad %d: %zu outputs, worst diff %g\n", op,
          kh, kw, sh, sw, pad, n_fast, worst);
  free (fast);
  free (ref);
}

int
main (void)
{
  float *x = malloc (sizeof (float) * C * H * W);
  uint32_t seed = 12345;

  for (size_t i = 0; i < (size_t)C * H * W; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
  }
  for (int s = 1; s <= 3; s++) {
    check_pool ("MaxPool", 3, 3, s, s, 0, x);
    check_pool ("MaxPool", 2, 3, 1, s, 1, x);
    check_pool ("AveragePool", 3, 3, s, s, 0, x);
    check_pool ("AveragePool", 3, 2, 1, s, 1, x);
  }
  free (x);
  printf ("wide rows: %d checks, %d failed\n", check_count, check_failures);
  return check_failures ? 1 : 0;
}

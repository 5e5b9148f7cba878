/* Index-driven operators against loops written here from the ONNX
 * definitions: Slice before opset 10 (attributes), GatherElements,
 * ScatterND and ScatterElements (negative indices, duplicates, every
 * reduction, out-of-range runtime indices skipped or read as 0), Trilu;
 * and their validation rules. */
#include "dtype.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static nn_pool *pool2;
static int cases;

/* Float input i holds 1, 2, 3, ... (every element tells where it came
 * from); int64 inputs are set by the caller through th_data. */
static void
ramp (float *x, size_t n, float start)
{
  for (size_t i = 0; i < n; i++)
    x[i] = start + (float)i;
}

/* Runs the planned node (reference, fast, two threads) and compares the
 * float output with want exactly. */
static void
check_runs (th_node *t, const float *want, size_t n, const char *what)
{
  const nn_value *y = t->out[0];
  TH_CHECK (y->count == n, "%s: %zu outputs, expected %zu", what, y->count, n);
  if (y->count != n)
    return;
  for (int pass = 0; pass < 3; pass++) {
    th_run (t, pass == 2 ? pool2 : NULL, pass == 0);
    const float *out = th_data (t, y);
    size_t bad = n;
    for (size_t i = 0; i < n && bad == n; i++)
      if (out[i] != want[i])
        bad = i;
    TH_CHECK (bad == n, "%s (pass %d): element %zu is %g, expected %g", what,
              pass, bad, bad < n ? out[bad] : 0.0, bad < n ? want[bad] : 0.0);
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

/* ---- Slice (opset 1) ----------------------------------------------------- */

static void
slice_v1_cases (void)
{
  /* data (4, 5); axes {1, 0}: columns 1.. (end past the dimension, clamped),
   * rows -3..3 (i.e. 1, 2) */
  th_node t;
  th_init (&t, "Slice", 1);
  th_input (&t, 2, D (4, 5));
  th_output (&t);
  th_attr_ints (&t, "starts", 2, D (1, -3));
  th_attr_ints (&t, "ends", 2, D (1000, 3));
  th_attr_ints (&t, "axes", 2, D (1, 0));
  if (plan_ok (&t, "Slice 1 with axes")) {
    float want[8];
    ramp (th_data (&t, t.in[0]), 20, 1.f);
    for (int r = 1; r < 3; r++)
      for (int c = 1; c < 5; c++)
        want[(r - 1) * 4 + (c - 1)] = (float)(r * 5 + c + 1);
    check_runs (&t, want, 8, "Slice 1 with axes");
  }
  th_free (&t);

  /* without axes: the first len(starts) axes */
  th_init (&t, "Slice", 1);
  th_input (&t, 2, D (4, 5));
  th_output (&t);
  th_attr_ints (&t, "starts", 1, D (-1));
  th_attr_ints (&t, "ends", 1, D (4));
  if (plan_ok (&t, "Slice 1 without axes")) {
    float want[5];
    ramp (th_data (&t, t.in[0]), 20, 1.f);
    ramp (want, 5, 16.f);
    check_runs (&t, want, 5, "Slice 1 without axes");
  }
  th_free (&t);

  th_init (&t, "Slice", 1);
  th_input (&t, 2, D (4, 5));
  th_output (&t);
  th_attr_ints (&t, "starts", 1, D (0));
  EXPECT (&t, NN_BAD_MODEL, "'starts' and 'ends' are required",
          "Slice 1 without ends");

  th_init (&t, "Slice", 1);
  th_input (&t, 2, D (4, 5));
  th_output (&t);
  th_attr_ints (&t, "starts", 2, D (0, 0));
  th_attr_ints (&t, "ends", 2, D (1, 1));
  th_attr_ints (&t, "axes", 1, D (0));
  EXPECT (&t, NN_BAD_MODEL, "but axes has 1", "Slice 1 axes count");

  th_init (&t, "Slice", 1);
  th_input (&t, 2, D (4, 5));
  th_const (&t, 1, D (1), (const float[]){ 0 });
  th_output (&t);
  th_attr_ints (&t, "starts", 1, D (0));
  th_attr_ints (&t, "ends", 1, D (1));
  EXPECT (&t, NN_BAD_MODEL, "input", "Slice 1 with a second input");
}

/* ---- GatherElements ------------------------------------------------------ */

static void
gather_elements_cases (void)
{
  /* data (3, 4), indices (2, 3) as a runtime input: negative indices count
   * from the end; an out-of-range one (7) reads 0 */
  static const int64_t idx[6] = { 0, -1, 2, 1, 7, -3 };
  for (int axis = -2; axis < 2; axis++) {
    th_node t;
    char what[64];
    int ax = axis < 0 ? axis + 2 : axis;
    int64_t dim = ax == 0 ? 3 : 4;
    snprintf (what, sizeof what, "GatherElements axis %d", axis);
    th_init (&t, "GatherElements", 13);
    th_input (&t, 2, D (3, 4));
    th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 3));
    th_output (&t);
    th_attr_int (&t, "axis", axis);
    if (plan_ok (&t, what)) {
      float want[6];
      ramp (th_data (&t, t.in[0]), 12, 1.f);
      memcpy (th_data (&t, t.in[1]), idx, sizeof idx);
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
          int64_t k = idx[i * 3 + j];
          if (k < 0)
            k += dim;
          int64_t r = ax == 0 ? k : i, c = ax == 0 ? j : k;
          want[i * 3 + j] = k < 0 || k >= dim ? 0.f : (float)(r * 4 + c + 1);
        }
      check_runs (&t, want, 6, what);
    }
    th_free (&t);
  }

  /* int32 data and int32 constant indices */
  th_node t;
  th_init (&t, "GatherElements", 11);
  th_input_typed (&t, NN_DTYPE_INT32, 1, D (5));
  th_const_typed (&t, NN_DTYPE_INT32, 1, D (3), (const int32_t[]){ 4, -5, 2 });
  th_output (&t);
  if (plan_ok (&t, "GatherElements int32")) {
    int32_t *x = (int32_t *)th_data (&t, t.in[0]);
    for (int i = 0; i < 5; i++)
      x[i] = 100 - i;
    th_run (&t, NULL, false);
    const int32_t *y = (const int32_t *)th_data (&t, t.out[0]);
    TH_CHECK (y[0] == 96 && y[1] == 100 && y[2] == 98,
              "GatherElements int32: got %d %d %d", y[0], y[1], y[2]);
  }
  th_free (&t);

  th_init (&t, "GatherElements", 13);
  th_input (&t, 2, D (3, 4));
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "indices have rank 1, data rank 2",
          "GatherElements rank mismatch");

  th_init (&t, "GatherElements", 13);
  th_input (&t, 2, D (3, 4));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "exceeds data's 4 at axis 1",
          "GatherElements indices wider than data off the axis");

  th_init (&t, "GatherElements", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 2, D (1, 1), D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "index 3 out of range",
          "GatherElements constant index out of range");

  th_init (&t, "GatherElements", 13);
  th_input (&t, 2, D (3, 4));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (1, 1));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "axis", "GatherElements axis out of range");

  th_init (&t, "GatherElements", 13);
  th_input (&t, 2, D (3, 4));
  th_input_typed (&t, NN_DTYPE_FLOAT, 2, D (1, 1));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "indices", "GatherElements float indices");
}

/* ---- ScatterND ----------------------------------------------------------- */

static float
reduce (int r, float a, float b)
{
  switch (r) {
  case 0:
    return b;
  case 1:
    return a + b;
  case 2:
    return a * b;
  case 3:
    return a > b ? a : b;
  default:
    return a < b ? a : b;
  }
}

static const char *const reductions[] = { "none", "add", "mul", "max", "min" };

static void
scatter_nd_cases (void)
{
  /* data (4, 3); indices (3, 1) = rows 1, -1 (3), 1 again; updates (3, 3).
   * Updates apply in order, so a duplicate row sees the first update. */
  static const int64_t rows[3] = { 1, -1, 1 };
  for (int r = 0; r < 5; r++)
    for (int konst = 0; konst < 2; konst++) {
      th_node t;
      char what[64];
      snprintf (what, sizeof what, "ScatterND reduction %s, %s indices",
                reductions[r], konst ? "constant" : "runtime");
      th_init (&t, "ScatterND", 18);
      th_input (&t, 2, D (4, 3));
      if (konst)
        th_const_i64 (&t, 2, D (3, 1), rows);
      else
        th_input_typed (&t, NN_DTYPE_INT64, 2, D (3, 1));
      th_input (&t, 2, D (3, 3));
      th_output (&t);
      if (r > 0)
        th_attr_string (&t, "reduction", reductions[r]);
      if (plan_ok (&t, what)) {
        float want[12], *x = th_data (&t, t.in[0]), *u = th_data (&t, t.in[2]);
        ramp (x, 12, 1.f);
        for (int i = 0; i < 9; i++)
          u[i] = (float)((i * 7) % 9) - 4.f;
        if (!konst)
          memcpy (th_data (&t, t.in[1]), rows, sizeof rows);
        memcpy (want, x, sizeof want);
        for (int k = 0; k < 3; k++) {
          int row = (int)(rows[k] < 0 ? rows[k] + 4 : rows[k]);
          for (int c = 0; c < 3; c++)
            want[row * 3 + c] = reduce (r, want[row * 3 + c], u[k * 3 + c]);
        }
        check_runs (&t, want, 12, what);
      }
      th_free (&t);
    }

  /* full index tuples (q = rank): single elements; a runtime tuple out of
   * range (row 9) is skipped */
  static const int64_t tuples[6] = { 0, 2, -1, -3, 9, 0 };
  th_node t;
  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (3, 2));
  th_input (&t, 1, D (3));
  th_output (&t);
  if (plan_ok (&t, "ScatterND element tuples")) {
    float want[12], *x = th_data (&t, t.in[0]), *u = th_data (&t, t.in[2]);
    ramp (x, 12, 1.f);
    ramp (u, 3, -10.f);
    memcpy (th_data (&t, t.in[1]), tuples, sizeof tuples);
    memcpy (want, x, sizeof want);
    want[0 * 3 + 2] = -10.f;
    want[3 * 3 + 0] = -9.f;
    check_runs (&t, want, 12, "ScatterND element tuples");
  }
  th_free (&t);

  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 0, NULL);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "rank 1+", "ScatterND scalar indices");

  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (1, 3));
  th_input (&t, 1, D (1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "index tuples of 3 for data of rank 2",
          "ScatterND tuples longer than the rank");

  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 1));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "updates have rank 1, expected 2",
          "ScatterND updates rank");

  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 1));
  th_input (&t, 2, D (3, 3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "updates do not match indices at axis 0",
          "ScatterND updates against indices");

  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 1));
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "updates do not match data at axis 1",
          "ScatterND updates against data");

  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_const_i64 (&t, 2, D (1, 1), D (-5));
  th_input (&t, 2, D (1, 3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "index -5 out of range",
          "ScatterND constant index out of range");

  th_init (&t, "ScatterND", 18);
  th_input_typed (&t, NN_DTYPE_INT32, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (1, 1));
  th_input_typed (&t, NN_DTYPE_INT32, 2, D (1, 3));
  th_output (&t);
  th_attr_string (&t, "reduction", "add");
  EXPECT (&t, NN_UNSUPPORTED, "reduction 'add' is supported on float",
          "ScatterND reduction on int32");

  th_init (&t, "ScatterND", 18);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (1, 1));
  th_input (&t, 2, D (1, 3));
  th_output (&t);
  th_attr_string (&t, "reduction", "sum");
  EXPECT (&t, NN_BAD_MODEL, "'reduction' has unknown value 'sum'",
          "ScatterND unknown reduction");

  th_init (&t, "ScatterND", 13);
  th_input (&t, 2, D (4, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (1, 1));
  th_input_typed (&t, NN_DTYPE_DOUBLE, 2, D (1, 3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "type", "ScatterND updates of another type");
}

/* ---- ScatterElements ----------------------------------------------------- */

static void
scatter_elements_cases (void)
{
  /* data (3, 4), indices and updates (2, 3); along axis 0 or 1 */
  static const int64_t idx[6] = { 2, -1, 0, 0, 1, -3 };
  for (int axis = 0; axis < 2; axis++)
    for (int r = 0; r < 5; r++) {
      th_node t;
      char what[64];
      int64_t dim = axis == 0 ? 3 : 4;
      snprintf (what, sizeof what, "ScatterElements axis %d reduction %s", axis,
                reductions[r]);
      th_init (&t, "ScatterElements", 18);
      th_input (&t, 2, D (3, 4));
      th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 3));
      th_input (&t, 2, D (2, 3));
      th_output (&t);
      th_attr_int (&t, "axis", axis == 0 ? 0 : -1);
      if (r > 0)
        th_attr_string (&t, "reduction", reductions[r]);
      if (plan_ok (&t, what)) {
        float want[12], *x = th_data (&t, t.in[0]), *u = th_data (&t, t.in[2]);
        ramp (x, 12, 1.f);
        ramp (u, 6, -2.5f);
        memcpy (th_data (&t, t.in[1]), idx, sizeof idx);
        memcpy (want, x, sizeof want);
        for (int i = 0; i < 2; i++)
          for (int j = 0; j < 3; j++) {
            int64_t k = idx[i * 3 + j];
            if (k < 0)
              k += dim;
            int64_t row = axis == 0 ? k : i, col = axis == 0 ? j : k;
            want[row * 4 + col] = reduce (r, want[row * 4 + col], u[i * 3 + j]);
          }
        check_runs (&t, want, 12, what);
      }
      th_free (&t);
    }

  /* a runtime index out of range is skipped */
  th_node t;
  th_init (&t, "ScatterElements", 11);
  th_input (&t, 1, D (4));
  th_input_typed (&t, NN_DTYPE_INT32, 1, D (2));
  th_input (&t, 1, D (2));
  th_output (&t);
  if (plan_ok (&t, "ScatterElements index out of range")) {
    float *x = th_data (&t, t.in[0]), *u = th_data (&t, t.in[2]);
    int32_t *k = (int32_t *)th_data (&t, t.in[1]);
    ramp (x, 4, 1.f);
    u[0] = 50.f;
    u[1] = 60.f;
    k[0] = 4;
    k[1] = -4;
    check_runs (&t, (const float[]){ 60.f, 2.f, 3.f, 4.f }, 4,
                "ScatterElements index out of range");
  }
  th_free (&t);

  th_init (&t, "ScatterElements", 11);
  th_input (&t, 2, D (3, 4));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 3));
  th_input (&t, 1, D (6));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "updates and indices differ in rank",
          "ScatterElements updates rank");

  th_init (&t, "ScatterElements", 11);
  th_input (&t, 2, D (3, 4));
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (2, 3));
  th_input (&t, 2, D (2, 2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "updates and indices differ at axis 1",
          "ScatterElements updates shape");

  th_init (&t, "ScatterElements", 11);
  th_input (&t, 2, D (3, 4));
  th_input_typed (&t, NN_DTYPE_INT64, 3, D (1, 2, 3));
  th_input (&t, 3, D (1, 2, 3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "indices have rank 3, data rank 2",
          "ScatterElements indices rank");

  th_init (&t, "ScatterElements", 18);
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (4));
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (2));
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (2));
  th_output (&t);
  th_attr_string (&t, "reduction", "max");
  EXPECT (&t, NN_UNSUPPORTED, "reduction 'max' is supported on float",
          "ScatterElements reduction on int64");
}

/* ---- Trilu --------------------------------------------------------------- */

static void
trilu_cases (void)
{
  static const int64_t ks[] = { 0, -1, 2, -5, 9 };
  for (int upper = 0; upper < 2; upper++)
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
      th_node t;
      char what[64];
      int64_t k = ks[ki];
      snprintf (what, sizeof what, "Trilu upper %d k %lld", upper,
                (long long)k);
      th_init (&t, "Trilu", 14);
      th_input (&t, 3, D (2, 3, 4));
      if (ki > 0)
        th_const_i64 (&t, 0, NULL, &ks[ki]);
      th_output (&t);
      if (upper == 0)
        th_attr_int (&t, "upper", 0);
      if (plan_ok (&t, what)) {
        float want[24], *x = th_data (&t, t.in[0]);
        ramp (x, 24, 1.f);
        for (int m = 0; m < 2; m++)
          for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) {
              int at = (m * 3 + i) * 4 + j;
              bool keep = upper ? j - i >= k : j - i <= k;
              want[at] = keep ? x[at] : 0.f;
            }
        check_runs (&t, want, 24, what);
      }
      th_free (&t);
    }

  /* empty matrices: nothing to do, and nothing read */
  th_node t;
  th_init (&t, "Trilu", 14);
  th_input (&t, 3, D (2, 0, 4));
  th_output (&t);
  if (plan_ok (&t, "Trilu empty")) {
    th_run (&t, NULL, false);
    TH_CHECK (t.out[0]->count == 0, "Trilu empty: %zu outputs",
              t.out[0]->count);
  }
  th_free (&t);

  th_init (&t, "Trilu", 14);
  th_input (&t, 2, D (3, 3));
  th_const_i64 (&t, 1, D (1), D (1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input k must be a scalar", "Trilu k of rank 1");

  th_init (&t, "Trilu", 14);
  th_input (&t, 2, D (3, 3));
  th_const_i64 (&t, 1, D (2), D (1, 2));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "has 2 values", "Trilu k with two values");

  th_init (&t, "Trilu", 14);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "has rank 1, expected 2", "Trilu on a vector");

  th_init (&t, "Trilu", 14);
  th_input (&t, 2, D (3, 3));
  th_input_typed (&t, NN_DTYPE_INT64, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "k", "Trilu k not constant");
}

int
main (void)
{
  nn_error err;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK) {
    fprintf (stderr, "pool: %s\n", err.message);
    return 2;
  }
  slice_v1_cases ();
  gather_elements_cases ();
  scatter_nd_cases ();
  scatter_elements_cases ();
  trilu_cases ();
  nn_pool_free (pool2);
  printf ("index operators: %d cases, %d negatives, %d checks, %d failures\n",
          cases, th_negatives, th_checks, th_failures);
  return th_failures ? 1 : 0;
}

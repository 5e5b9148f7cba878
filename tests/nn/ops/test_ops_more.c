/* Differential tests of the operators added for today's classifiers: every
 * fast kernel against its reference kernel (element-wise functions,
 * broadcasting arithmetic and comparisons on every type, Where, the
 * variadic forms, ConvTranspose), and every rearranging or normalising
 * operator against a naive implementation written here from the ONNX
 * definition (Slice, Expand, Tile, Transpose, DepthToSpace, SpaceToDepth,
 * Gather, Pad in all modes, the reductions, ArgMax, TopK, CumSum,
 * LayerNormalization, GroupNormalization, InstanceNormalization, Resize).
 * Two threads must give exactly the bytes of one. */
#include "dtype.h"
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static nn_pool *pool2;
static int cases;

static float *
fdata (th_node *t, const nn_value *v)
{
  return th_data (t, v);
}

/* Plans, fills inputs (fill: optional rewrite of float inputs), runs the
 * reference, the fast kernel on 1 and 2 threads. Returns the fast output
 * bytes via *fast (malloc'd), the reference via *ref. */
static bool
run_three (th_node *t, uint64_t *seed, void (*fill) (float *, size_t),
           void **ref, void **fast, const char *what)
{
  nn_error err = { 0 };
  nn_status s = th_plan (t, &err);
  *ref = *fast = NULL;
  cases++;
  TH_CHECK (s == NN_OK, "%s: plan failed: %s", what, err.message);
  if (s != NN_OK)
    return false;
  th_fill_inputs (t, seed);
  for (int i = 0; fill && i < t->node.n_in; i++)
    if (t->in[i] && t->in[i]->kind != NN_VAL_CONST
        && t->in[i]->dtype == NN_DTYPE_FLOAT)
      fill (fdata (t, t->in[i]), t->in[i]->count);
  nn_value *y = t->out[0];
  size_t bytes = y->count * nn_dtype_size (y->dtype);
  *ref = malloc (bytes + 1);
  *fast = malloc (bytes + 1);
  th_run (t, NULL, true);
  memcpy (*ref, th_data (t, y), bytes);
  th_run (t, NULL, false);
  memcpy (*fast, th_data (t, y), bytes);
  th_run (t, pool2, false);
  TH_CHECK (memcmp (th_data (t, y), *fast, bytes) == 0,
            "%s: 2 threads differ from 1 thread", what);
  return true;
}

static void
expect_close (th_node *t, const void *ref, const void *fast, double rtol,
              double atol, const char *what)
{
  const nn_value *y = t->out[0];
  size_t worst;
  double e;
  if (y->dtype != NN_DTYPE_FLOAT) {
    TH_CHECK (memcmp (ref, fast, y->count * nn_dtype_size (y->dtype)) == 0,
              "%s: fast and reference differ", what);
    return;
  }
  e = th_compare (fast, ref, y->count, rtol, atol, &worst);
  TH_CHECK (e <= 1.0, "%s: off by %.3g tolerances at %zu (%g vs %g)", what, e,
            worst, ((const float *)fast)[worst], ((const float *)ref)[worst]);
}

/* ---- element-wise functions ---------------------------------------------- */

static void
positive (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = fabsf (x[i]) * 3.f + 0.05f;
}

static void
above_one (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = fabsf (x[i]) * 3.f + 1.f;
}

static void
inside_one (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] *= 0.95f;
}

static void
wide (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] *= 6.f;
}

static void
unary_cases (uint64_t *seed)
{
  static const struct {
    const char *op;
    int opset;
    void (*fill) (float *, size_t);
  } ops[] = {
    { "Abs", 13, wide },         { "Neg", 13, wide },
    { "Sqrt", 13, positive },    { "Exp", 13, wide },
    { "Log", 13, positive },     { "Reciprocal", 13, positive },
    { "Floor", 13, wide },       { "Ceil", 13, wide },
    { "Round", 13, wide },       { "Erf", 13, wide },
    { "Sin", 13, wide },         { "Cos", 13, wide },
    { "Tan", 13, inside_one },   { "Asin", 13, inside_one },
    { "Acos", 13, inside_one },  { "Atan", 13, wide },
    { "Sinh", 13, wide },        { "Cosh", 13, wide },
    { "Asinh", 13, wide },       { "Acosh", 13, above_one },
    { "Atanh", 13, inside_one }, { "Sign", 13, wide },
    { "Elu", 13, wide },         { "Selu", 13, wide },
    { "Celu", 13, wide },        { "Gelu", 20, wide },
    { "Mish", 18, wide },        { "Softplus", 13, wide },
    { "Softsign", 13, wide },    { "ThresholdedRelu", 13, wide },
    { "Shrink", 13, wide },
  };
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
    for (int rep = 0; rep < 3; rep++) {
      th_node t;
      void *ref, *fast;
      int64_t n = th_randint (seed, 1, rep == 2 ? 70000 : 300);
      th_init (&t, ops[k].op, ops[k].opset);
      th_input (&t, 2, D (1, n));
      th_output (&t);
      if (rep == 1 && strcmp (ops[k].op, "Gelu") == 0)
        th_attr_string (&t, "approximate", "tanh");
      if (rep == 1 && strcmp (ops[k].op, "Elu") == 0)
        th_attr_float (&t, "alpha", 0.3f);
      if (rep == 1 && strcmp (ops[k].op, "Shrink") == 0) {
        th_attr_float (&t, "lambd", 1.5f);
        th_attr_float (&t, "bias", 0.25f);
      }
      if (run_three (&t, seed, ops[k].fill, &ref, &fast, ops[k].op))
        expect_close (&t, ref, fast, 2e-5, 2e-6, ops[k].op);
      free (ref);
      free (fast);
      th_free (&t);
    }
}

/* ---- broadcasting operators, every type -------------------------------- */

/* Random shapes of a given output rank that broadcast together. */
static void
random_bcast (uint64_t *seed, int k, int *ndim, int64_t dims[][NN_MAX_DIMS])
{
  int r = th_randint (seed, 0, 4);
  int64_t out[NN_MAX_DIMS];
  for (int i = 0; i < r; i++)
    out[i] = th_randint (seed, 1, 6);
  for (int j = 0; j < k; j++) {
    ndim[j] = th_randint (seed, 0, r);
    for (int i = 0; i < ndim[j]; i++)
      dims[j][i] = th_randint (seed, 0, 2) ? out[r - ndim[j] + i] : 1;
  }
}

static void
binary_cases (uint64_t *seed)
{
  static const struct {
    const char *op;
    int opset;
    nn_dtype types[4];
  } ops[] = {
    { "Add",
      14,
      { NN_DTYPE_FLOAT, NN_DTYPE_INT32, NN_DTYPE_INT64, NN_DTYPE_UINT8 } },
    { "Sub",
      14,
      { NN_DTYPE_FLOAT, NN_DTYPE_INT32, NN_DTYPE_INT64, NN_DTYPE_INT8 } },
    { "Mul",
      14,
      { NN_DTYPE_FLOAT, NN_DTYPE_INT32, NN_DTYPE_INT64, NN_DTYPE_UINT8 } },
    { "Div",
      14,
      { NN_DTYPE_FLOAT, NN_DTYPE_INT32, NN_DTYPE_INT64, NN_DTYPE_INT8 } },
    { "Pow", 15, { NN_DTYPE_FLOAT, NN_DTYPE_INT64, NN_DTYPE_DOUBLE, 0 } },
    { "Min", 13, { NN_DTYPE_FLOAT, NN_DTYPE_INT32, NN_DTYPE_UINT8, 0 } },
    { "Max", 13, { NN_DTYPE_FLOAT, NN_DTYPE_INT64, NN_DTYPE_INT8, 0 } },
    { "Equal", 13, { NN_DTYPE_FLOAT, NN_DTYPE_INT64, NN_DTYPE_BOOL, 0 } },
    { "Less", 13, { NN_DTYPE_FLOAT, NN_DTYPE_INT32, 0 } },
    { "Greater", 13, { NN_DTYPE_FLOAT, NN_DTYPE_INT64, 0 } },
    { "LessOrEqual", 16, { NN_DTYPE_FLOAT, NN_DTYPE_INT32, 0 } },
    { "GreaterOrEqual", 16, { NN_DTYPE_FLOAT, NN_DTYPE_INT64, 0 } },
    { "And", 7, { NN_DTYPE_BOOL, 0 } },
    { "Or", 7, { NN_DTYPE_BOOL, 0 } },
    { "Xor", 7, { NN_DTYPE_BOOL, 0 } },
    { "Mod", 13, { NN_DTYPE_INT32, NN_DTYPE_INT64, NN_DTYPE_INT8, 0 } },
    { "PRelu", 16, { NN_DTYPE_FLOAT, 0 } },
  };
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
    for (int ti = 0; ti < 4 && ops[k].types[ti]; ti++)
      for (int rep = 0; rep < 12; rep++) {
        th_node t;
        void *ref, *fast;
        int nd[2];
        int64_t dims[2][NN_MAX_DIMS];
        char what[96];
        nn_dtype dt = ops[k].types[ti];
        random_bcast (seed, 2, nd, dims);
        if (strcmp (ops[k].op, "PRelu") == 0) {
          /* the slope broadcasts to X only */
          nd[0] = nd[0] > nd[1] ? nd[0] : nd[1];
          for (int i = 0; i < nd[0]; i++)
            dims[0][i] = 5;
          for (int i = 0; i < nd[1]; i++)
            dims[1][i] = th_randint (seed, 0, 1) ? 5 : 1;
        }
        snprintf (what, sizeof what, "%s %s rep %d", ops[k].op,
                  nn_dtype_name (dt), rep);
        th_init (&t, ops[k].op, ops[k].opset);
        th_input_typed (&t, dt, nd[0], dims[0]);
        th_input_typed (&t, dt, nd[1], dims[1]);
        th_output (&t);
        if (run_three (&t, seed, NULL, &ref, &fast, what))
          expect_close (&t, ref, fast, 0.0, 0.0, what);
        free (ref);
        free (fast);
        th_free (&t);
      }
  /* three-input Sum, Mean, Max; Where */
  static const char *const vops[] = { "Sum", "Mean", "Max", "Min", "Where" };
  for (size_t k = 0; k < 5; k++)
    for (int rep = 0; rep < 12; rep++) {
      th_node t;
      void *ref, *fast;
      int nd[3];
      int64_t dims[3][NN_MAX_DIMS];
      random_bcast (seed, 3, nd, dims);
      th_init (&t, vops[k], 16);
      th_input_typed (&t, k == 4 ? NN_DTYPE_BOOL : NN_DTYPE_FLOAT, nd[0],
                      dims[0]);
      th_input (&t, nd[1], dims[1]);
      th_input (&t, nd[2], dims[2]);
      th_output (&t);
      if (run_three (&t, seed, NULL, &ref, &fast, vops[k]))
        expect_close (&t, ref, fast, 1e-6, 1e-7, vops[k]);
      free (ref);
      free (fast);
      th_free (&t);
    }
}

/* The broadcast results themselves, against a direct loop: Add on int64
 * (wrapping) and Where. */
static void
broadcast_oracle (uint64_t *seed)
{
  for (int rep = 0; rep < 20; rep++) {
    th_node t;
    nn_error err = { 0 };
    int nd[3];
    int64_t dims[3][NN_MAX_DIMS];
    random_bcast (seed, 3, nd, dims);
    th_init (&t, "Where", 16);
    th_input_typed (&t, NN_DTYPE_BOOL, nd[0], dims[0]);
    th_input_typed (&t, NN_DTYPE_INT64, nd[1], dims[1]);
    th_input_typed (&t, NN_DTYPE_INT64, nd[2], dims[2]);
    th_output (&t);
    if (th_plan (&t, &err) != NN_OK) {
      TH_CHECK (0, "Where: %s", err.message);
      th_free (&t);
      continue;
    }
    th_fill_inputs (&t, seed);
    th_run (&t, pool2, false);
    const nn_value *y = t.out[0];
    const uint8_t *c = (const uint8_t *)th_data (&t, t.in[0]);
    const int64_t *a = (const int64_t *)th_data (&t, t.in[1]),
                  *b = (const int64_t *)th_data (&t, t.in[2]),
                  *out = (const int64_t *)th_data (&t, y);
    bool ok = true;
    for (size_t i = 0; i < y->count; i++) {
      size_t off[3] = { 0 }, rem = i, mul[3] = { 1, 1, 1 };
      for (int d = y->ndim - 1; d >= 0; d--) {
        size_t q = rem % (size_t)y->dims[d];
        rem /= (size_t)y->dims[d];
        for (int j = 0; j < 3; j++) {
          int dj = d - (y->ndim - nd[j]);
          if (dj < 0)
            continue;
          off[j] += (dims[j][dj] == 1 ? 0 : q) * mul[j];
          mul[j] *= (size_t)dims[j][dj];
        }
      }
      ok &= out[i] == (c[off[0]] ? a[off[1]] : b[off[2]]);
    }
    TH_CHECK (ok, "Where rep %d differs from the direct loop", rep);
    cases++;
    th_free (&t);
  }
}

/* ---- ConvTranspose ------------------------------------------------------- */

static void
conv_transpose_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 40; rep++) {
    th_node t;
    void *ref, *fast;
    int g = th_randint (seed, 1, 2), cg = th_randint (seed, 1, 3),
        mg = th_randint (seed, 1, 3);
    int64_t k[2] = { th_randint (seed, 1, 3), th_randint (seed, 1, 4) };
    int64_t s[2] = { th_randint (seed, 1, 3), th_randint (seed, 1, 2) };
    int64_t d[2] = { th_randint (seed, 1, 2), 1 };
    int64_t p[4] = { th_randint (seed, 0, k[0] - 1), 0,
                     th_randint (seed, 0, k[0] - 1), 0 };
    int64_t h = th_randint (seed, 1, 6), w = th_randint (seed, 1, 7);
    /* keep at least one output row */
    while (p[0] + p[2] > s[0] * (h - 1) + (k[0] - 1) * d[0]) {
      if (p[0])
        p[0]--;
      else
        p[2]--;
    }
    float *wt = malloc (sizeof (float) * (size_t)(g * cg * mg * k[0] * k[1]));
    th_fill (wt, (size_t)(g * cg * mg * k[0] * k[1]), seed);
    th_init (&t, "ConvTranspose", 11);
    th_input (&t, 4, D (th_randint (seed, 1, 2), g * cg, h, w));
    th_const (&t, 4, D (g * cg, mg, k[0], k[1]), wt);
    if (rep % 2) {
      float *b = malloc (sizeof (float) * (size_t)(g * mg));
      th_fill (b, (size_t)(g * mg), seed);
      th_const (&t, 1, D (g * mg), b);
      free (b);
    }
    th_output (&t);
    th_attr_int (&t, "group", g);
    th_attr_ints (&t, "strides", 2, s);
    th_attr_ints (&t, "dilations", 2, d);
    th_attr_ints (&t, "pads", 4, p);
    if (rep % 3 == 0)
      th_attr_ints (&t, "output_padding", 2, D (s[0] > 1 ? 1 : 0, 0));
    free (wt);
    if (run_three (&t, seed, NULL, &ref, &fast, "ConvTranspose"))
      expect_close (&t, ref, fast, 1e-4, 1e-5, "ConvTranspose");
    free (ref);
    free (fast);
    th_free (&t);
  }
}

/* ---- rearranging operators against naive index loops -------------------- */

/* Runs t (inputs filled with distinct values, so a wrong pick shows) on two
 * threads and returns the output, or NULL. */
static const void *
run_filled (th_node *t, uint64_t *seed, const char *what)
{
  nn_error err = { 0 };
  cases++;
  if (th_plan (t, &err) != NN_OK) {
    TH_CHECK (0, "%s: plan failed: %s", what, err.message);
    return NULL;
  }
  th_fill_inputs (t, seed);
  if (t->in[0]->dtype == NN_DTYPE_FLOAT) {
    float *x = th_data (t, t->in[0]);
    for (size_t i = 0; i < t->in[0]->count; i++)
      x[i] = (float)i;
  }
  th_run (t, pool2, false);
  return th_data (t, t->out[0]);
}

static size_t
flat (const int64_t *idx, const int64_t *dims, int nd)
{
  size_t f = 0;
  for (int d = 0; d < nd; d++)
    f = f * (size_t)dims[d] + (size_t)idx[d];
  return f;
}

static void
unflat (size_t f, const int64_t *dims, int nd, int64_t *idx)
{
  for (int d = nd - 1; d >= 0; d--) {
    idx[d] = (int64_t)(f % (size_t)dims[d]);
    f /= (size_t)dims[d];
  }
}

static void
slice_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 60; rep++) {
    th_node t;
    int nd = th_randint (seed, 1, 4), n = th_randint (seed, 1, nd);
    int64_t dims[NN_MAX_DIMS], st[NN_MAX_DIMS], en[NN_MAX_DIMS],
        ax[NN_MAX_DIMS], sp[NN_MAX_DIMS];
    bool used[NN_MAX_DIMS] = { false };
    for (int i = 0; i < nd; i++)
      dims[i] = th_randint (seed, 1, 7);
    for (int j = 0; j < n; j++) {
      int a;
      do
        a = th_randint (seed, 0, nd - 1);
      while (used[a]);
      used[a] = true;
      ax[j] = th_randint (seed, 0, 1) ? a : a - nd;
      st[j] = th_randint (seed, -9, 9);
      en[j] = th_randint (seed, 0, 5)
                  ? th_randint (seed, -9, 9)
                  : (th_randint (seed, 0, 1) ? INT64_MAX : INT64_MIN);
      sp[j] = th_randint (seed, 1, 3) * (th_randint (seed, 0, 1) ? 1 : -1);
    }
    th_init (&t, "Slice", 13);
    th_input (&t, nd, dims);
    th_const_i64 (&t, 1, D (n), st);
    th_const_i64 (&t, 1, D (n), en);
    th_const_i64 (&t, 1, D (n), ax);
    th_const_i64 (&t, 1, D (n), sp);
    th_output (&t);
    const float *y = run_filled (&t, seed, "Slice");
    if (y) {
      /* numpy's rule, axis by axis: the selected positions in order */
      int64_t sel[NN_MAX_DIMS][16], cnt[NN_MAX_DIMS];
      for (int i = 0; i < nd; i++) {
        cnt[i] = dims[i];
        for (int64_t q = 0; q < dims[i]; q++)
          sel[i][q] = q;
      }
      for (int j = 0; j < n; j++) {
        int a = (int)(ax[j] < 0 ? ax[j] + nd : ax[j]);
        int64_t dim = dims[a], b = st[j], e = en[j], s = sp[j];
        b = b < 0 ? b + dim : b;
        e = e == INT64_MAX ? dim : e == INT64_MIN ? -dim - 1 : e;
        e = e < 0 ? e + dim : e;
        cnt[a] = 0;
        if (s > 0) {
          b = b < 0 ? 0 : (b > dim ? dim : b);
          e = e < 0 ? 0 : (e > dim ? dim : e);
          for (int64_t q = b; q < e; q += s)
            sel[a][cnt[a]++] = q;
        } else {
          b = b < 0 ? -1 : (b > dim - 1 ? dim - 1 : b);
          e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
          for (int64_t q = b; q > e; q += s)
            sel[a][cnt[a]++] = q;
        }
      }
      const nn_value *yv = t.out[0];
      bool ok = yv->ndim == nd;
      for (int i = 0; ok && i < nd; i++)
        ok = yv->dims[i] == cnt[i];
      for (size_t o = 0; ok && o < yv->count; o++) {
        int64_t idx[NN_MAX_DIMS], src[NN_MAX_DIMS];
        unflat (o, cnt, nd, idx);
        for (int i = 0; i < nd; i++)
          src[i] = sel[i][idx[i]];
        ok = y[o] == (float)flat (src, dims, nd);
      }
      TH_CHECK (ok, "Slice rep %d differs from numpy's rule", rep);
    }
    th_free (&t);
  }
}

static void
expand_tile_transpose_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 40; rep++) {
    th_node t;
    int nd = th_randint (seed, 1, 4);
    int64_t dims[NN_MAX_DIMS], shape[NN_MAX_DIMS], reps[NN_MAX_DIMS],
        perm[NN_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
      dims[i] = th_randint (seed, 0, 2) ? 1 : th_randint (seed, 1, 4);
      shape[i] = dims[i] == 1 ? th_randint (seed, 1, 3) : dims[i];
      reps[i] = th_randint (seed, 0, 3);
      perm[i] = i;
    }
    for (int i = nd - 1; i > 0; i--) {
      int j = th_randint (seed, 0, i);
      int64_t tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    /* Expand */
    th_init (&t, "Expand", 13);
    th_input (&t, nd, dims);
    th_const_i64 (&t, 1, D (nd), shape);
    th_output (&t);
    const float *y = run_filled (&t, seed, "Expand");
    if (y) {
      bool ok = true;
      for (size_t o = 0; o < t.out[0]->count; o++) {
        int64_t idx[NN_MAX_DIMS];
        unflat (o, shape, nd, idx);
        for (int i = 0; i < nd; i++)
          idx[i] = dims[i] == 1 ? 0 : idx[i];
        ok &= y[o] == (float)flat (idx, dims, nd);
      }
      TH_CHECK (ok, "Expand rep %d", rep);
    }
    th_free (&t);
    /* Tile */
    th_init (&t, "Tile", 13);
    th_input (&t, nd, dims);
    th_const_i64 (&t, 1, D (nd), reps);
    th_output (&t);
    y = run_filled (&t, seed, "Tile");
    if (y) {
      bool ok = true;
      const nn_value *yv = t.out[0];
      for (size_t o = 0; o < yv->count; o++) {
        int64_t idx[NN_MAX_DIMS];
        unflat (o, yv->dims, nd, idx);
        for (int i = 0; i < nd; i++)
          idx[i] %= dims[i];
        ok &= y[o] == (float)flat (idx, dims, nd);
      }
      TH_CHECK (ok, "Tile rep %d", rep);
    }
    th_free (&t);
    /* Transpose on int64 data */
    th_init (&t, "Transpose", 13);
    th_input_typed (&t, NN_DTYPE_INT64, nd, shape);
    th_output (&t);
    th_attr_ints (&t, "perm", nd, perm);
    if (run_filled (&t, seed, "Transpose")) {
      int64_t *x = (int64_t *)th_data (&t, t.in[0]);
      for (size_t i = 0; i < t.in[0]->count; i++)
        x[i] = (int64_t)i * 3 + 1;
      th_run (&t, pool2, false);
      const int64_t *yy = (const int64_t *)th_data (&t, t.out[0]);
      const nn_value *yv = t.out[0];
      bool ok = true;
      for (size_t o = 0; o < yv->count; o++) {
        int64_t idx[NN_MAX_DIMS], src[NN_MAX_DIMS];
        unflat (o, yv->dims, nd, idx);
        for (int i = 0; i < nd; i++)
          src[perm[i]] = idx[i];
        ok &= yy[o] == (int64_t)flat (src, shape, nd) * 3 + 1;
      }
      TH_CHECK (ok, "Transpose int64 rep %d", rep);
    }
    th_free (&t);
  }
}

static void
depth_space_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 20; rep++) {
    th_node t;
    int64_t b = th_randint (seed, 1, 3), n = th_randint (seed, 1, 2),
            c = th_randint (seed, 1, 3), h = th_randint (seed, 1, 3),
            w = th_randint (seed, 1, 3);
    bool crd = rep % 2;
    /* DepthToSpace: x (n, c*b*b, h, w) -> y (n, c, h*b, w*b) */
    th_init (&t, "DepthToSpace", 13);
    th_input (&t, 4, D (n, c * b * b, h, w));
    th_output (&t);
    th_attr_int (&t, "blocksize", b);
    th_attr_string (&t, "mode", crd ? "CRD" : "DCR");
    const float *y = run_filled (&t, seed, "DepthToSpace");
    if (y) {
      bool ok = true;
      for (int64_t i0 = 0; i0 < n; i0++)
        for (int64_t i1 = 0; i1 < c; i1++)
          for (int64_t i2 = 0; i2 < h * b; i2++)
            for (int64_t i3 = 0; i3 < w * b; i3++) {
              int64_t by = i2 % b, bx = i3 % b;
              int64_t ch
                  = crd ? i1 * b * b + by * b + bx : (by * b + bx) * c + i1;
              float want
                  = (float)(((i0 * c * b * b + ch) * h + i2 / b) * w + i3 / b);
              ok &= y[((i0 * c + i1) * h * b + i2) * w * b + i3] == want;
            }
      TH_CHECK (ok, "DepthToSpace %s rep %d", crd ? "CRD" : "DCR", rep);
    }
    th_free (&t);
    /* SpaceToDepth: x (n, c, h*b, w*b) -> y (n, c*b*b, h, w) */
    th_init (&t, "SpaceToDepth", 13);
    th_input (&t, 4, D (n, c, h * b, w * b));
    th_output (&t);
    th_attr_int (&t, "blocksize", b);
    y = run_filled (&t, seed, "SpaceToDepth");
    if (y) {
      bool ok = true;
      for (int64_t i0 = 0; i0 < n; i0++)
        for (int64_t ch = 0; ch < c * b * b; ch++)
          for (int64_t i2 = 0; i2 < h; i2++)
            for (int64_t i3 = 0; i3 < w; i3++) {
              int64_t blk = ch / c, ci = ch % c, by = blk / b, bx = blk % b;
              float want = (float)(((i0 * c + ci) * h * b + i2 * b + by) * w * b
                                   + i3 * b + bx);
              ok &= y[((i0 * c * b * b + ch) * h + i2) * w + i3] == want;
            }
      TH_CHECK (ok, "SpaceToDepth rep %d", rep);
    }
    th_free (&t);
  }
}

static void
gather_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 30; rep++) {
    th_node t;
    int nd = th_randint (seed, 1, 3), ni = th_randint (seed, 0, 2);
    int64_t dims[NN_MAX_DIMS], idims[NN_MAX_DIMS], idx[8];
    int axis = th_randint (seed, 0, nd - 1);
    size_t icount = 1;
    for (int i = 0; i < nd; i++)
      dims[i] = th_randint (seed, 1, 4);
    for (int i = 0; i < ni; i++) {
      idims[i] = th_randint (seed, 1, 2);
      icount *= (size_t)idims[i];
    }
    for (size_t i = 0; i < icount; i++)
      idx[i] = th_randint (seed, (int)-dims[axis], (int)dims[axis] - 1);
    th_init (&t, "Gather", 13);
    th_input (&t, nd, dims);
    th_const_i64 (&t, ni, idims, idx);
    th_output (&t);
    th_attr_int (&t, "axis", axis - (rep % 2 ? nd : 0));
    const float *y = run_filled (&t, seed, "Gather");
    if (y) {
      const nn_value *yv = t.out[0];
      bool ok = yv->ndim == nd - 1 + ni;
      for (size_t o = 0; ok && o < yv->count; o++) {
        int64_t oi[NN_MAX_DIMS], src[NN_MAX_DIMS], ii[NN_MAX_DIMS];
        unflat (o, yv->dims, yv->ndim, oi);
        for (int i = 0; i < axis; i++)
          src[i] = oi[i];
        for (int i = 0; i < ni; i++)
          ii[i] = oi[axis + i];
        int64_t k = idx[ni ? flat (ii, idims, ni) : 0];
        src[axis] = k < 0 ? k + dims[axis] : k;
        for (int i = axis + 1; i < nd; i++)
          src[i] = oi[i - 1 + ni];
        ok = y[o] == (float)flat (src, dims, nd);
      }
      TH_CHECK (ok, "Gather rep %d", rep);
    }
    th_free (&t);
  }
}

/* Pad in every mode against a per-element mapping written out here. */
static int64_t
pad_src (int64_t i, int64_t n, int mode)
{
  if (i >= 0 && i < n)
    return i;
  if (mode == 0)
    return -1;
  if (mode == 2) /* edge */
    return i < 0 ? 0 : n - 1;
  if (mode == 3) { /* wrap */
    while (i < 0)
      i += n;
    return i % n;
  }
  while (i < 0 || i >= n) /* reflect: bounce off the ends */
    i = i < 0 ? -i : 2 * (n - 1) - i;
  return n == 1 ? 0 : i;
}

static void
pad_cases (uint64_t *seed)
{
  static const char *const modes[] = { "constant", "reflect", "edge", "wrap" };
  for (int rep = 0; rep < 48; rep++) {
    th_node t;
    int mode = rep % 4, nd = th_randint (seed, 1, 3);
    int64_t dims[NN_MAX_DIMS], pads[2 * NN_MAX_DIMS], out[NN_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
      dims[i] = th_randint (seed, mode == 1 ? 2 : 1, 5);
      int lim = mode == 1 ? (int)dims[i] - 1 : 4;
      pads[i] = th_randint (seed, mode == 0 ? -1 : 0, lim);
      pads[nd + i] = th_randint (seed, 0, lim);
      out[i] = dims[i] + pads[i] + pads[nd + i];
    }
    th_init (&t, "Pad", 13);
    th_input (&t, nd, dims);
    th_const_i64 (&t, 1, D (2 * nd), pads);
    th_const (&t, 0, NULL, (const float[]){ -7.5f });
    th_output (&t);
    th_attr_string (&t, "mode", modes[mode]);
    const float *y = run_filled (&t, seed, "Pad");
    if (y) {
      bool ok = true;
      for (size_t o = 0; o < t.out[0]->count; o++) {
        int64_t idx[NN_MAX_DIMS], src[NN_MAX_DIMS];
        bool outside = false;
        unflat (o, out, nd, idx);
        for (int i = 0; i < nd; i++) {
          src[i] = pad_src (idx[i] - pads[i], dims[i], mode);
          outside |= src[i] < 0;
        }
        ok &= y[o] == (outside ? -7.5f : (float)flat (src, dims, nd));
      }
      TH_CHECK (ok, "Pad %s rep %d", modes[mode], rep);
    }
    th_free (&t);
  }
}

/* ---- reductions, ArgMax, TopK, CumSum ----------------------------------- */

static void
reduce_cases (uint64_t *seed)
{
  static const char *const ops[]
      = { "ReduceSum",    "ReduceMean",     "ReduceMax", "ReduceMin",
          "ReduceProd",   "ReduceL1",       "ReduceL2",  "ReduceSumSquare",
          "ReduceLogSum", "ReduceLogSumExp" };
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
    for (int rep = 0; rep < 10; rep++) {
      th_node t;
      int nd = th_randint (seed, 1, 4), na = 0;
      int64_t dims[NN_MAX_DIMS], axes[NN_MAX_DIMS];
      bool red[NN_MAX_DIMS];
      bool keep = th_randint (seed, 0, 1);
      for (int i = 0; i < nd; i++) {
        dims[i] = th_randint (seed, 1, 5);
        red[i] = th_randint (seed, 0, 1);
        if (red[i])
          axes[na++] = th_randint (seed, 0, 1) ? i : i - nd;
      }
      if (na == 0)
        for (int i = 0; i < nd; i++)
          red[i] = true;
      th_init (&t, ops[k], 18);
      th_input (&t, nd, dims);
      if (na)
        th_const_i64 (&t, 1, D (na), axes);
      th_output (&t);
      th_attr_int (&t, "keepdims", keep);
      nn_error err = { 0 };
      cases++;
      if (th_plan (&t, &err) != NN_OK) {
        TH_CHECK (0, "%s: %s", ops[k], err.message);
        th_free (&t);
        continue;
      }
      th_fill_inputs (&t, seed);
      float *x = th_data (&t, t.in[0]);
      if (strstr (ops[k], "Log") && !strstr (ops[k], "Exp"))
        for (size_t i = 0; i < t.in[0]->count; i++)
          x[i] = fabsf (x[i]) + 0.1f;
      th_run (&t, pool2, false);
      const float *y = th_data (&t, t.out[0]);
      int64_t odims[NN_MAX_DIMS];
      size_t ocount = 1;
      for (int i = 0; i < nd; i++) {
        odims[i] = red[i] ? 1 : dims[i];
        ocount *= (size_t)odims[i];
      }
      TH_CHECK (t.out[0]->count == ocount, "%s: %zu outputs, want %zu", ops[k],
                t.out[0]->count, ocount);
      bool ok = t.out[0]->count == ocount;
      for (size_t o = 0; ok && o < ocount; o++) {
        int64_t oi[NN_MAX_DIMS];
        double acc
            = k == 4 ? 1.0 : (k == 2 ? -INFINITY : (k == 3 ? INFINITY : 0.0));
        double mx = -INFINITY;
        size_t n = 0;
        unflat (o, odims, nd, oi);
        for (size_t i = 0; i < t.in[0]->count; i++) {
          int64_t ii[NN_MAX_DIMS];
          bool match = true;
          unflat (i, dims, nd, ii);
          for (int d = 0; d < nd; d++)
            match &= red[d] || ii[d] == oi[d];
          if (match)
            mx = fmax (mx, x[i]);
        }
        for (size_t i = 0; i < t.in[0]->count; i++) {
          int64_t ii[NN_MAX_DIMS];
          bool match = true;
          unflat (i, dims, nd, ii);
          for (int d = 0; d < nd; d++)
            match &= red[d] || ii[d] == oi[d];
          if (!match)
            continue;
          double v = x[i];
          n++;
          switch (k) {
          case 2:
            acc = fmax (acc, v);
            break;
          case 3:
            acc = fmin (acc, v);
            break;
          case 4:
            acc *= v;
            break;
          case 5:
            acc += fabs (v);
            break;
          case 6:
          case 7:
            acc += v * v;
            break;
          case 9:
            acc += exp (v - mx);
            break;
          default:
            acc += v;
          }
        }
        double want = k == 1   ? acc / (double)n
                      : k == 6 ? sqrt (acc)
                      : k == 8 ? log (acc)
                      : k == 9 ? mx + log (acc)
                               : acc;
        ok = fabs (y[o] - want) <= 1e-5 + 1e-5 * fabs (want);
        TH_CHECK (ok, "%s rep %d: output %zu is %g, want %g", ops[k], rep, o,
                  y[o], want);
      }
      th_free (&t);
    }
}

static void
arg_topk_cumsum_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 30; rep++) {
    th_node t;
    int nd = th_randint (seed, 1, 3), axis = th_randint (seed, 0, nd - 1);
    int64_t dims[NN_MAX_DIMS];
    size_t outer = 1, inner = 1;
    for (int i = 0; i < nd; i++)
      dims[i] = th_randint (seed, 1, 6);
    for (int i = 0; i < axis; i++)
      outer *= (size_t)dims[i];
    for (int i = axis + 1; i < nd; i++)
      inner *= (size_t)dims[i];
    size_t n = (size_t)dims[axis];
    int64_t k = th_randint (seed, 0, (int)n);
    bool largest = rep % 2, last = rep % 3 == 0;
    /* values with ties: small integers */
    th_init (&t, rep % 2 ? "ArgMax" : "ArgMin", 13);
    th_input (&t, nd, dims);
    th_output (&t);
    th_attr_int (&t, "axis", axis);
    th_attr_int (&t, "select_last_index", last);
    nn_error err = { 0 };
    cases++;
    if (th_plan (&t, &err) == NN_OK) {
      float *x = th_data (&t, t.in[0]);
      for (size_t i = 0; i < t.in[0]->count; i++)
        x[i] = (float)th_randint (seed, 0, 3);
      th_run (&t, pool2, false);
      const int64_t *y = (const int64_t *)th_data (&t, t.out[0]);
      bool ok = true;
      for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
          size_t best = 0;
          for (size_t q = 1; q < n; q++) {
            float v = x[(o * n + q) * inner + i],
                  b = x[(o * n + best) * inner + i];
            if ((largest ? v > b : v < b) || (last && v == b))
              best = q;
          }
          ok &= y[o * inner + i] == (int64_t)best;
        }
      TH_CHECK (ok, "%s rep %d", t.node.op_type, rep);
    } else
      TH_CHECK (0, "Arg: %s", err.message);
    th_free (&t);

    th_init (&t, "TopK", 11);
    th_input (&t, nd, dims);
    th_const_i64 (&t, 1, D (1), (int64_t[]){ k });
    th_output (&t);
    th_output (&t);
    th_attr_int (&t, "axis", axis);
    th_attr_int (&t, "largest", largest);
    cases++;
    if (th_plan (&t, &err) == NN_OK) {
      float *x = th_data (&t, t.in[0]);
      for (size_t i = 0; i < t.in[0]->count; i++)
        x[i] = (float)th_randint (seed, 0, 4);
      th_run (&t, pool2, false);
      const float *v = th_data (&t, t.out[0]);
      const int64_t *ix = (const int64_t *)th_data (&t, t.out[1]);
      bool ok = true;
      for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
          bool taken[8] = { false };
          for (int64_t r = 0; r < k; r++) {
            /* the r-th best: best value, lowest index, not taken */
            size_t best = n;
            for (size_t q = 0; q < n; q++) {
              if (taken[q])
                continue;
              float a = x[(o * n + q) * inner + i];
              if (best == n
                  || (largest ? a > x[(o * n + best) * inner + i]
                              : a < x[(o * n + best) * inner + i]))
                best = q;
            }
            taken[best] = true;
            size_t at = (o * (size_t)k + (size_t)r) * inner + i;
            ok &= ix[at] == (int64_t)best
                  && v[at] == x[(o * n + best) * inner + i];
          }
        }
      TH_CHECK (ok, "TopK rep %d (k %lld of %zu)", rep, (long long)k, n);
    } else
      TH_CHECK (0, "TopK: %s", err.message);
    th_free (&t);

    th_init (&t, "CumSum", 14);
    th_input (&t, nd, dims);
    th_const_i64 (&t, 0, NULL, (int64_t[]){ axis - (rep % 2 ? nd : 0) });
    th_output (&t);
    th_attr_int (&t, "exclusive", rep % 3 == 1);
    th_attr_int (&t, "reverse", rep % 4 >= 2);
    cases++;
    if (th_plan (&t, &err) == NN_OK) {
      float *x = th_data (&t, t.in[0]);
      for (size_t i = 0; i < t.in[0]->count; i++)
        x[i] = (float)th_randint (seed, -5, 5);
      th_run (&t, pool2, false);
      const float *y = th_data (&t, t.out[0]);
      bool ok = true, excl = rep % 3 == 1, rev = rep % 4 >= 2;
      for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++)
          for (size_t q = 0; q < n; q++) {
            float want = 0.f;
            for (size_t r = 0; r < n; r++) {
              bool in = rev ? (excl ? r > q : r >= q) : (excl ? r < q : r <= q);
              if (in)
                want += x[(o * n + r) * inner + i];
            }
            ok &= y[(o * n + q) * inner + i] == want;
          }
      TH_CHECK (ok, "CumSum rep %d", rep);
    } else
      TH_CHECK (0, "CumSum: %s", err.message);
    th_free (&t);
  }
}

/* ---- normalisations ------------------------------------------------------ */

static void
norm_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 30; rep++) {
    th_node t;
    int kind = rep % 3; /* 0 layer, 1 instance, 2 group */
    int64_t n = th_randint (seed, 1, 2), c = th_randint (seed, 1, 4) * 2,
            h = th_randint (seed, 1, 4), w = th_randint (seed, 1, 5);
    int axis = th_randint (seed, 1, 3),
        groups = th_randint (seed, 0, 1) ? 2 : 1;
    size_t rows = 1, per = 1;
    int64_t dims[4] = { n, c, h, w };
    float sc[64], bi[64];
    th_fill (sc, 64, seed);
    th_fill (bi, 64, seed);
    if (kind == 0) {
      for (int i = 0; i < axis; i++)
        rows *= (size_t)dims[i];
      for (int i = axis; i < 4; i++)
        per *= (size_t)dims[i];
      th_init (&t, "LayerNormalization", 17);
      th_input (&t, 4, dims);
      th_const (&t, 4 - axis, dims + axis, sc);
      th_const (&t, 4 - axis, dims + axis, bi);
      th_output (&t);
      th_attr_int (&t, "axis", axis);
    } else if (kind == 1) {
      rows = (size_t)(n * c);
      per = (size_t)(h * w);
      th_init (&t, "InstanceNormalization", 6);
      th_input (&t, 4, dims);
      th_const (&t, 1, D (c), sc);
      th_const (&t, 1, D (c), bi);
      th_output (&t);
    } else {
      rows = (size_t)(n * groups);
      per = (size_t)(c / groups * h * w);
      th_init (&t, "GroupNormalization", rep % 2 ? 21 : 18);
      th_input (&t, 4, dims);
      th_const (&t, 1, D (rep % 2 ? c : groups), sc);
      th_const (&t, 1, D (rep % 2 ? c : groups), bi);
      th_output (&t);
      th_attr_int (&t, "num_groups", groups);
    }
    th_attr_float (&t, "epsilon", 1e-3f);
    nn_error err = { 0 };
    cases++;
    if (th_plan (&t, &err) != NN_OK) {
      TH_CHECK (0, "norm %d: %s", kind, err.message);
      th_free (&t);
      continue;
    }
    th_fill_inputs (&t, seed);
    th_run (&t, pool2, false);
    const float *x = th_data (&t, t.in[0]), *y = th_data (&t, t.out[0]);
    bool ok = true;
    for (size_t r = 0; r < rows; r++) {
      double m = 0, v = 0;
      for (size_t i = 0; i < per; i++)
        m += x[r * per + i];
      m /= (double)per;
      for (size_t i = 0; i < per; i++)
        v += (x[r * per + i] - m) * (x[r * per + i] - m);
      v /= (double)per;
      for (size_t i = 0; i < per; i++) {
        size_t ch = kind == 0   ? i
                    : kind == 1 ? r % (size_t)c
                    : rep % 2   ? (r % (size_t)groups) * (size_t)(c / groups)
                                    + i / (size_t)(h * w)
                              : r % (size_t)groups;
        double want = (x[r * per + i] - m) / sqrt (v + 1e-3) * sc[ch] + bi[ch];
        ok &= fabs (y[r * per + i] - want) <= 1e-5 + 1e-5 * fabs (want);
      }
    }
    TH_CHECK (ok, "%s rep %d", t.node.op_type, rep);
    th_free (&t);
  }
}

/* ---- Resize -------------------------------------------------------------- */

static void
resize_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 24; rep++) {
    th_node t;
    bool linear = rep % 2, align = rep % 4 >= 2;
    int64_t h = th_randint (seed, 1, 5), w = th_randint (seed, 1, 5),
            oh = th_randint (seed, 1, 9), ow = th_randint (seed, 1, 9);
    th_init (&t, "Resize", 13);
    th_input (&t, 4, D (1, 2, h, w));
    th_omit (&t);
    th_omit (&t);
    th_const_i64 (&t, 1, D (4), D (1, 2, oh, ow));
    th_output (&t);
    th_attr_string (&t, "mode", linear ? "linear" : "nearest");
    th_attr_string (&t, "coordinate_transformation_mode",
                    align ? "align_corners" : "half_pixel");
    nn_error err = { 0 };
    cases++;
    if (th_plan (&t, &err) != NN_OK) {
      TH_CHECK (0, "Resize: %s", err.message);
      th_free (&t);
      continue;
    }
    th_fill_inputs (&t, seed);
    th_run (&t, pool2, false);
    const float *x = th_data (&t, t.in[0]), *y = th_data (&t, t.out[0]);
    bool ok = true;
    for (int c = 0; c < 2; c++)
      for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j++) {
          double sy = align ? (oh == 1 ? 0 : (double)i * (h - 1) / (oh - 1))
                            : (i + 0.5) * h / oh - 0.5;
          double sx = align ? (ow == 1 ? 0 : (double)j * (w - 1) / (ow - 1))
                            : (j + 0.5) * w / ow - 0.5;
          double want;
          const float *p = x + c * h * w;
          if (!linear) {
            /* round_prefer_floor, clamped */
            double ry = sy - floor (sy) == 0.5 ? floor (sy) : round (sy);
            double rx = sx - floor (sx) == 0.5 ? floor (sx) : round (sx);
            int64_t yy = (int64_t)fmin (fmax (ry, 0), h - 1),
                    xx = (int64_t)fmin (fmax (rx, 0), w - 1);
            want = p[yy * w + xx];
          } else {
            int64_t y0 = (int64_t)floor (sy), x0 = (int64_t)floor (sx);
            double fy = sy - y0, fx = sx - x0;
#define AT(a, b)                                                               \
  p[(a < 0 ? 0 : (a > h - 1 ? h - 1 : a)) * w                                  \
    + (b < 0 ? 0 : (b > w - 1 ? w - 1 : b))]
            want = (1 - fy) * ((1 - fx) * AT (y0, x0) + fx * AT (y0, x0 + 1))
                   + fy
                         * ((1 - fx) * AT (y0 + 1, x0)
                            + fx * AT (y0 + 1, x0 + 1));
#undef AT
          }
          ok &= fabs (y[(c * oh + i) * ow + j] - want) <= 1e-5;
        }
    TH_CHECK (ok, "Resize %s %s rep %d (%lldx%lld -> %lldx%lld)",
              linear ? "linear" : "nearest", align ? "align" : "half", rep,
              (long long)h, (long long)w, (long long)oh, (long long)ow);
    th_free (&t);
  }
}

/* LayerNormalization with one scale for all, no bias and its Mean and
 * InvStdDev outputs; MeanVarianceNormalization over its default and
 * other axes. Against the definitions, in double. */
static void
norm_extra_cases (uint64_t *seed)
{
  for (int rep = 0; rep < 12; rep++) {
    th_node t;
    int64_t dims[4] = { th_randint (seed, 1, 2), th_randint (seed, 1, 3),
                        th_randint (seed, 1, 4), th_randint (seed, 2, 5) };
    bool layer = rep % 2 == 0;
    /* reduced axes: LayerNorm from `axis` on; MVN a set */
    static const int64_t mvn_axes[][3]
        = { { 0, 2, 3 }, { 1, -1, 0 }, { 2, 3, 0 } };
    static const int mvn_n[] = { -1, 2, 2 };
    int axis = th_randint (seed, 1, 3), which = (rep / 2) % 3;
    bool red[4] = { false };
    float sc = 0.5f + th_randf (seed) * 0.25f;
    nn_error err = { 0 };

    if (layer) {
      th_init (&t, "LayerNormalization", 17);
      th_input (&t, 4, dims);
      th_const (&t, 0, NULL, &sc);
      th_output (&t);
      th_output (&t);
      th_output (&t);
      th_attr_int (&t, "axis", axis);
      th_attr_float (&t, "epsilon", 1e-3f);
      for (int d = axis; d < 4; d++)
        red[d] = true;
    } else {
      th_init (&t, "MeanVarianceNormalization", 13);
      th_input (&t, 4, dims);
      th_output (&t);
      if (mvn_n[which] >= 0)
        th_attr_ints (&t, "axes", mvn_n[which], mvn_axes[which]);
      for (int i = 0; i < (mvn_n[which] < 0 ? 3 : mvn_n[which]); i++)
        red[(mvn_axes[which][i] + 4) % 4] = true;
    }
    cases++;
    if (th_plan (&t, &err) != NN_OK) {
      TH_CHECK (0, "%s rep %d: %s", t.node.op_type, rep, err.message);
      th_free (&t);
      continue;
    }
    th_fill_inputs (&t, seed);
    th_run (&t, pool2, false);
    const float *x = th_data (&t, t.in[0]), *y = th_data (&t, t.out[0]);
    bool ok = true;
    int64_t i[4], k[4];
    size_t group = 0;
    /* each group: the elements that agree on every kept axis */
    for (k[0] = 0; k[0] < (red[0] ? 1 : dims[0]); k[0]++)
      for (k[1] = 0; k[1] < (red[1] ? 1 : dims[1]); k[1]++)
        for (k[2] = 0; k[2] < (red[2] ? 1 : dims[2]); k[2]++)
          for (k[3] = 0; k[3] < (red[3] ? 1 : dims[3]); k[3]++, group++) {
            size_t at[120], cnt = 0;
            double m = 0, v = 0;
            for (i[0] = k[0]; i[0] < (red[0] ? dims[0] : k[0] + 1); i[0]++)
              for (i[1] = k[1]; i[1] < (red[1] ? dims[1] : k[1] + 1); i[1]++)
                for (i[2] = k[2]; i[2] < (red[2] ? dims[2] : k[2] + 1); i[2]++)
                  for (i[3] = k[3]; i[3] < (red[3] ? dims[3] : k[3] + 1);
                       i[3]++)
                    at[cnt++]
                        = (size_t)(((i[0] * dims[1] + i[1]) * dims[2] + i[2])
                                       * dims[3]
                                   + i[3]);
            for (size_t q = 0; q < cnt; q++)
              m += x[at[q]];
            m /= (double)cnt;
            for (size_t q = 0; q < cnt; q++)
              v += (x[at[q]] - m) * (x[at[q]] - m);
            v /= (double)cnt;
            for (size_t q = 0; q < cnt; q++) {
              double d = x[at[q]] - m;
              double want
                  = layer ? d / sqrt (v + 1e-3) * sc : d / (sqrt (v) + 1e-9);
              ok &= fabs (y[at[q]] - want) <= 1e-4 + 1e-4 * fabs (want);
            }
            if (layer) {
              const float *mo = th_data (&t, t.out[1]);
              const float *io = th_data (&t, t.out[2]);
              double inv = 1.0 / sqrt (v + 1e-3);
              ok &= t.out[1]->count == t.out[2]->count;
              ok &= fabs (mo[group] - m) <= 1e-5 + 1e-5 * fabs (m);
              ok &= fabs (io[group] - inv) <= 1e-4 * inv;
            }
          }
    TH_CHECK (ok, "%s rep %d", t.node.op_type, rep);
    th_free (&t);
  }
}

/* ---- Constant, Range, EyeLike, NonZero, Cast from uint64 ------------- */

/* Plans and runs t; false (counted) when planning fails. */
static bool
plan_run (th_node *t, const char *what)
{
  nn_error err = { 0 };
  nn_status s = th_plan (t, &err);
  cases++;
  TH_CHECK (s == NN_OK, "%s: plan failed: %s", what, err.message);
  if (s != NN_OK)
    return false;
  th_run (t, NULL, false);
  return true;
}

static void
tensor_cases (uint64_t *seed)
{
  th_node t;

  /* Constant: value_float, value_floats, value_ints */
  {
    static const float fl[] = { 1.5f, -2.25f, 1e-3f };
    static const int64_t in[] = { 7, -9000000000ll };
    nn_attr *a;

    th_init (&t, "Constant", 13);
    th_output (&t);
    th_attr_float (&t, "value_float", -0.75f);
    if (plan_run (&t, "Constant value_float")) {
      TH_CHECK (t.out[0]->ndim == 0 && t.out[0]->dtype == NN_DTYPE_FLOAT
                    && th_data (&t, t.out[0])[0] == -0.75f,
                "Constant value_float");
    }
    th_free (&t);

    th_init (&t, "Constant", 13);
    th_output (&t);
    a = &t.attrs[t.node.n_attrs++];
    memset (a, 0, sizeof *a);
    a->name = "value_floats";
    a->type = NN_ATTR_FLOATS;
    a->floats = fl;
    a->n = 3;
    if (plan_run (&t, "Constant value_floats"))
      TH_CHECK (t.out[0]->ndim == 1 && t.out[0]->dims[0] == 3
                    && t.out[0]->dtype == NN_DTYPE_FLOAT
                    && memcmp (th_data (&t, t.out[0]), fl, sizeof fl) == 0,
                "Constant value_floats");
    th_free (&t);

    th_init (&t, "Constant", 13);
    th_output (&t);
    th_attr_ints (&t, "value_ints", 2, in);
    if (plan_run (&t, "Constant value_ints"))
      TH_CHECK (t.out[0]->ndim == 1 && t.out[0]->dims[0] == 2
                    && t.out[0]->dtype == NN_DTYPE_INT64
                    && memcmp (th_data (&t, t.out[0]), in, sizeof in) == 0,
                "Constant value_ints");
    th_free (&t);

    /* a value of a type no attribute kind has */
    th_init (&t, "Constant", 13);
    th_output (&t);
    th_attr_string (&t, "value_float", "1");
    EXPECT (&t, NN_BAD_MODEL, "'value_float' has type",
            "a string in value_float");
  }

  /* Range: n = max(ceil((limit - start) / delta), 0), y[i] = start + i delta
   * (ONNX), on every type it takes */
  {
    static const struct {
      nn_dtype dt;
      double start, limit, delta;
    } r[] = {
      { NN_DTYPE_INT64, 3, -8, -3 },    { NN_DTYPE_INT32, 0, 10, 3 },
      { NN_DTYPE_INT16, -4, 5, 2 },     { NN_DTYPE_FLOAT, 0.5, 2.7, 0.4 },
      { NN_DTYPE_DOUBLE, -1, 1, 0.25 }, { NN_DTYPE_INT32, 5, 1, 1 },
      { NN_DTYPE_FLOAT, 1, 0.5, 0.5 },
    };
    for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
      double v[3] = { r[k].start, r[k].limit, r[k].delta };
      double span = ceil ((v[1] - v[0]) / v[2]);
      int64_t n = span > 0 ? (int64_t)span : 0;
      char what[64];

      snprintf (what, sizeof what, "Range %zu", k);
      th_init (&t, "Range", 11);
      for (int i = 0; i < 3; i++) {
        unsigned char b[8];
        nn_store_f64 (b, r[k].dt, 0, v[i]);
        th_const_typed (&t, r[k].dt, 0, NULL, b);
      }
      th_output (&t);
      if (plan_run (&t, what)) {
        const void *y = th_data (&t, t.out[0]);
        bool ok = t.out[0]->dtype == r[k].dt && t.out[0]->ndim == 1
                  && t.out[0]->dims[0] == n;
        for (int64_t i = 0; ok && i < n; i++)
          ok = fabs (nn_load_f64 (y, r[k].dt, (size_t)i)
                     - (v[0] + (double)i * v[2]))
               <= 1e-6;
        TH_CHECK (ok, "%s: %lld values", what, (long long)n);
      }
      th_free (&t);
    }
  }

  /* EyeLike: ones where column = row + k, of the input's type or dtype */
  for (int k = -2; k <= 3; k++) {
    nn_dtype dt = k % 2 ? NN_DTYPE_INT32 : NN_DTYPE_FLOAT;
    char what[32];
    snprintf (what, sizeof what, "EyeLike k %d", k);
    th_init (&t, "EyeLike", 9);
    th_input (&t, 2, D (3, 4));
    th_output (&t);
    th_attr_int (&t, "k", k);
    if (k % 2)
      th_attr_int (&t, "dtype", dt);
    if (plan_run (&t, what)) {
      const void *y = th_data (&t, t.out[0]);
      bool ok = t.out[0]->dtype == dt;
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
          ok &= nn_load_f64 (y, dt, (size_t)(i * 4 + j)) == (j == i + k);
      TH_CHECK (ok, "%s", what);
    }
    th_free (&t);
  }

  /* NonZero of a constant: the index of each non-zero, one row an axis,
   * in row-major order */
  for (int rep = 0; rep < 4; rep++) {
    nn_dtype dt = rep % 2 ? NN_DTYPE_INT32 : NN_DTYPE_FLOAT;
    int64_t dims[3] = { th_randint (seed, 1, 3), th_randint (seed, 1, 4),
                        th_randint (seed, 1, 5) };
    size_t count = (size_t)(dims[0] * dims[1] * dims[2]), nz = 0;
    unsigned char x[60 * 8];
    for (size_t i = 0; i < count; i++) {
      int v = th_randint (seed, -2, 2) * (th_randint (seed, 0, 1));
      nn_store_f64 (x, dt, i, v);
      nz += v != 0;
    }
    th_init (&t, "NonZero", 13);
    th_const_typed (&t, dt, 3, dims, x);
    th_output (&t);
    if (plan_run (&t, "NonZero")) {
      const int64_t *y = (const int64_t *)th_data (&t, t.out[0]);
      bool ok = t.out[0]->dtype == NN_DTYPE_INT64 && t.out[0]->ndim == 2
                && t.out[0]->dims[0] == 3 && t.out[0]->dims[1] == (int64_t)nz;
      size_t at = 0;
      for (int64_t a = 0; ok && a < dims[0]; a++)
        for (int64_t b = 0; b < dims[1]; b++)
          for (int64_t c = 0; c < dims[2]; c++) {
            size_t f = (size_t)((a * dims[1] + b) * dims[2] + c);
            if (nn_load_f64 (x, dt, f) == 0.0)
              continue;
            ok &= y[at] == a && y[nz + at] == b && y[2 * nz + at] == c;
            at++;
          }
      TH_CHECK (ok, "NonZero rep %d: %zu non-zeros", rep, nz);
    }
    th_free (&t);
  }

  /* Cast from uint64: integers and bool keep the value (mod 2^bits),
   * floating types round it */
  {
    static const uint64_t u[]
        = { 0, 1, 300, 70000, 1ull << 40, 18446744073709551615ull };
    static const nn_dtype to[]
        = { NN_DTYPE_INT32, NN_DTYPE_UINT8,  NN_DTYPE_BOOL,
            NN_DTYPE_FLOAT, NN_DTYPE_DOUBLE, NN_DTYPE_INT64 };
    for (size_t k = 0; k < sizeof to / sizeof to[0]; k++) {
      char what[32];
      snprintf (what, sizeof what, "Cast uint64 to %d", (int)to[k]);
      th_init (&t, "Cast", 13);
      th_input_typed (&t, NN_DTYPE_UINT64, 1, D (6));
      th_output (&t);
      th_attr_int (&t, "to", to[k]);
      {
        nn_error err = { 0 };
        nn_status s = th_plan (&t, &err);
        cases++;
        TH_CHECK (s == NN_OK, "%s: %s", what, err.message);
        if (s != NN_OK) {
          th_free (&t);
          continue;
        }
      }
      memcpy (th_data (&t, t.in[0]), u, sizeof u);
      th_run (&t, NULL, false);
      const void *y = th_data (&t, t.out[0]);
      bool ok = true;
      for (size_t i = 0; i < 6; i++) {
        switch (to[k]) {
        case NN_DTYPE_INT32:
          ok &= ((const int32_t *)y)[i] == (int32_t)(uint32_t)u[i];
          break;
        case NN_DTYPE_UINT8:
          ok &= ((const uint8_t *)y)[i] == (uint8_t)u[i];
          break;
        case NN_DTYPE_BOOL:
          ok &= ((const uint8_t *)y)[i] == (u[i] != 0);
          break;
        case NN_DTYPE_FLOAT:
          ok &= ((const float *)y)[i] == (float)u[i];
          break;
        case NN_DTYPE_DOUBLE:
          ok &= ((const double *)y)[i] == (double)u[i];
          break;
        default:
          ok &= ((const uint64_t *)y)[i] == u[i];
          break;
        }
      }
      TH_CHECK (ok, "%s", what);
      th_free (&t);
    }
  }
}

int
main (void)
{
  uint64_t seed = 0x5eedbeef1234ull;
  nn_error err;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK) {
    fprintf (stderr, "pool: %s\n", err.message);
    return 2;
  }
  unary_cases (&seed);
  binary_cases (&seed);
  broadcast_oracle (&seed);
  conv_transpose_cases (&seed);
  slice_cases (&seed);
  expand_tile_transpose_cases (&seed);
  depth_space_cases (&seed);
  gather_cases (&seed);
  pad_cases (&seed);
  reduce_cases (&seed);
  arg_topk_cumsum_cases (&seed);
  norm_cases (&seed);
  resize_cases (&seed);
  tensor_cases (&seed);
  norm_extra_cases (&seed);
  nn_pool_free (pool2);
  printf ("more operators: %d cases, %d checks, %d failures\n", cases,
          th_checks, th_failures);
  return th_failures ? 1 : 0;
}

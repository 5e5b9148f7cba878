/* The element-wise arithmetic, comparisons and Where on every numeric type,
 * broadcast both ways, against the ONNX definitions written out here:
 * integers wrap (two's complement), truncating Div, Mod with the divisor's
 * sign (fmod 0) or the dividend's (fmod 1), x / 0 and x % 0 give 0 (the
 * operators cannot trap), NaN wins Min and Max. Fast and reference kernels,
 * one and two threads, must all give the oracle's values exactly. */
#include "dtype.h"
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static nn_pool *pool2;
static int cases;

static const nn_dtype int_types[] = {
  NN_DTYPE_INT8,  NN_DTYPE_UINT8,  NN_DTYPE_INT16, NN_DTYPE_UINT16,
  NN_DTYPE_INT32, NN_DTYPE_UINT32, NN_DTYPE_INT64, NN_DTYPE_UINT64,
};

static bool
is_signed (nn_dtype t)
{
  return t == NN_DTYPE_INT8 || t == NN_DTYPE_INT16 || t == NN_DTYPE_INT32
         || t == NN_DTYPE_INT64;
}

/* v reduced to the type's width: sign-extended for signed types,
 * zero-extended for unsigned, as 64 bits. */
static uint64_t
norm (uint64_t v, nn_dtype t)
{
  switch (t) {
  case NN_DTYPE_INT8:
    return (uint64_t)(int64_t)(int8_t)(uint8_t)v;
  case NN_DTYPE_UINT8:
    return (uint8_t)v;
  case NN_DTYPE_INT16:
    return (uint64_t)(int64_t)(int16_t)(uint16_t)v;
  case NN_DTYPE_UINT16:
    return (uint16_t)v;
  case NN_DTYPE_INT32:
    return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
  case NN_DTYPE_UINT32:
    return (uint32_t)v;
  default:
    return v;
  }
}

static void
put (void *p, nn_dtype t, size_t i, uint64_t v)
{
  switch (nn_dtype_size (t)) {
  case 1:
    ((uint8_t *)p)[i] = (uint8_t)v;
    break;
  case 2:
    ((uint16_t *)p)[i] = (uint16_t)v;
    break;
  case 4:
    ((uint32_t *)p)[i] = (uint32_t)v;
    break;
  default:
    ((uint64_t *)p)[i] = v;
    break;
  }
}

static uint64_t
get (const void *p, nn_dtype t, size_t i)
{
  switch (nn_dtype_size (t)) {
  case 1:
    return norm (((const uint8_t *)p)[i], t);
  case 2:
    return norm (((const uint16_t *)p)[i], t);
  case 4:
    return norm (((const uint32_t *)p)[i], t);
  default:
    return ((const uint64_t *)p)[i];
  }
}

enum { ADD, SUB, MUL, DIV, MOD, FMOD, MIN, MAX, EQ, LT, GT, LE, GE, N_OPS };
static const char *const op_names[N_OPS]
    = { "Add",     "Sub",         "Mul",           "Div",   "Mod",
        "Mod",     "Min",         "Max",           "Equal", "Less",
        "Greater", "LessOrEqual", "GreaterOrEqual" };

static bool
lt (uint64_t a, uint64_t b, bool s)
{
  return s ? (int64_t)a < (int64_t)b : a < b;
}

static uint64_t
int_oracle (int op, uint64_t x, uint64_t z, nn_dtype t)
{
  bool s = is_signed (t);
  bool minus_one = s && (int64_t)z == -1;
  uint64_t r;
  switch (op) {
  case ADD:
    return norm (x + z, t);
  case SUB:
    return norm (x - z, t);
  case MUL:
    return norm (x * z, t);
  case DIV:
    if (z == 0)
      return 0;
    if (minus_one)
      return norm (0 - x, t);
    return norm (s ? (uint64_t)((int64_t)x / (int64_t)z) : x / z, t);
  case MOD:
  case FMOD:
    if (z == 0 || minus_one)
      return 0;
    if (!s)
      return x % z;
    r = (uint64_t)((int64_t)x % (int64_t)z);
    /* fmod 0: Python's rule, the result takes the divisor's sign */
    if (op == MOD && r != 0 && (((int64_t)r < 0) != ((int64_t)z < 0)))
      r = r + z;
    return norm (r, t);
  case MIN:
    return lt (x, z, s) ? x : z;
  case MAX:
    return lt (z, x, s) ? x : z;
  case EQ:
    return x == z;
  case LT:
    return lt (x, z, s);
  case GT:
    return lt (z, x, s);
  case LE:
    return !lt (z, x, s);
  default:
    return !lt (x, z, s);
  }
}

static double
flt_oracle (int op, double x, double z, bool single, bool *is_bool)
{
  *is_bool = op >= EQ;
  switch (op) {
  case ADD:
    return single ? (double)((float)x + (float)z) : x + z;
  case SUB:
    return single ? (double)((float)x - (float)z) : x - z;
  case MUL:
    return single ? (double)((float)x * (float)z) : x * z;
  case DIV:
    return single ? (double)((float)x / (float)z) : x / z;
  case FMOD:
    return fmod (x, z);
  case MIN:
    return isnan (x) || isnan (z) ? NAN : x < z ? x : z;
  case MAX:
    return isnan (x) || isnan (z) ? NAN : x > z ? x : z;
  case EQ:
    return x == z;
  case LT:
    return x < z;
  case GT:
    return x > z;
  case LE:
    return x <= z;
  default:
    return x >= z;
  }
}

/* A is (4, 3); B is (3) (a row broadcast along A's rows) or (4, 1) (a
 * column broadcast along A's columns), or A and B swap sides. */
static const int64_t a_raw[12]
    = { 7, -7, 100, -128, 5, 0, 127, -1, 64, 9, -100, INT64_MIN };
static const int64_t row_raw[3] = { 3, -1, 0 };
static const int64_t col_raw[4] = { -3, 2, INT64_MAX, -128 };
static const double a_flt[12]
    = { 1.5, -2.25, 0.0, 7.0, -0.0, 3.0, NAN, 1e30, -5.5, 0.1, 2.0, -1.0 };
static const double row_flt[3] = { 2.0, -0.5, 0.0 };
static const double col_flt[4] = { -3.0, NAN, 0.75, 1e-30 };

static void
binary_case (int op, nn_dtype t, int layout)
{
  th_node tn;
  nn_error err = { 0 };
  bool flt = t == NN_DTYPE_FLOAT || t == NN_DTYPE_DOUBLE;
  bool col = layout & 1, swap = layout & 2;
  const int64_t *bdims = col ? D (4, 1) : D (3);
  int bnd = col ? 2 : 1;
  size_t bn = col ? 4 : 3;
  char what[96];

  snprintf (what, sizeof what, "%s%s %s, B %s%s", op_names[op],
            op == FMOD ? " (fmod 1)" : "", nn_dtype_name (t),
            col ? "(4, 1)" : "(3)", swap ? " first" : "");
  th_init (&tn, op_names[op], op == LE || op == GE ? 16 : 13);
  if (swap) {
    th_input_typed (&tn, t, bnd, bdims);
    th_input_typed (&tn, t, 2, D (4, 3));
  } else {
    th_input_typed (&tn, t, 2, D (4, 3));
    th_input_typed (&tn, t, bnd, bdims);
  }
  th_output (&tn);
  if (op == FMOD)
    th_attr_int (&tn, "fmod", 1);
  cases++;
  if (th_plan (&tn, &err) != NN_OK) {
    TH_CHECK (0, "%s: plan failed: %s", what, err.message);
    th_free (&tn);
    return;
  }
  void *a = th_data (&tn, tn.in[swap ? 1 : 0]);
  void *b = th_data (&tn, tn.in[swap ? 0 : 1]);
  for (size_t i = 0; i < 12; i++)
    if (flt)
      nn_store_f64 (a, t, i, a_flt[i]);
    else
      put (a, t, i, norm ((uint64_t)a_raw[i], t));
  for (size_t i = 0; i < bn; i++)
    if (flt)
      nn_store_f64 (b, t, i, col ? col_flt[i] : row_flt[i]);
    else
      put (b, t, i, norm ((uint64_t)(col ? col_raw[i] : row_raw[i]), t));

  const nn_value *y = tn.out[0];
  TH_CHECK (y->count == 12 && y->dtype == (op >= EQ ? NN_DTYPE_BOOL : t),
            "%s: output has %zu elements of %s", what, y->count,
            nn_dtype_name (y->dtype));
  for (int pass = 0; pass < 3 && y->count == 12; pass++) {
    th_run (&tn, pass == 2 ? pool2 : NULL, pass == 0);
    const void *out = th_data (&tn, y);
    int bad = -1;
    for (size_t i = 0; i < 12 && bad < 0; i++) {
      size_t bi = col ? i / 3 : i % 3;
      if (flt) {
        double x = nn_load_f64 (a, t, i), z = nn_load_f64 (b, t, bi);
        if (swap) {
          double tmp = x;
          x = z;
          z = tmp;
        }
        bool is_bool;
        double want = flt_oracle (op, x, z, t == NN_DTYPE_FLOAT, &is_bool);
        double got
            = is_bool ? ((const uint8_t *)out)[i] : nn_load_f64 (out, t, i);
        if (!(got == want || (isnan (got) && isnan (want))))
          bad = (int)i;
      } else {
        uint64_t x = get (a, t, i), z = get (b, t, bi);
        if (swap) {
          uint64_t tmp = x;
          x = z;
          z = tmp;
        }
        uint64_t want = int_oracle (op, x, z, t);
        uint64_t got = op >= EQ ? ((const uint8_t *)out)[i] : get (out, t, i);
        if (got != want)
          bad = (int)i;
      }
    }
    TH_CHECK (bad < 0, "%s (%s): wrong at element %d", what,
              pass == 0   ? "reference"
              : pass == 1 ? "fast"
                          : "2 threads",
              bad);
  }
  th_free (&tn);
}

static void
binary_cases (void)
{
  for (int op = 0; op < N_OPS; op++)
    for (int layout = 0; layout < 4; layout++) {
      for (size_t k = 0; k < sizeof int_types / sizeof int_types[0]; k++)
        binary_case (op, int_types[k], layout);
      if (op != MOD) {
        binary_case (op, NN_DTYPE_FLOAT, layout);
        binary_case (op, NN_DTYPE_DOUBLE, layout);
      }
    }
}

/* Where selects whole elements: every element size, with the condition,
 * X and Y broadcast three different ways. */
static void
where_cases (void)
{
  static const nn_dtype types[]
      = { NN_DTYPE_BOOL,  NN_DTYPE_INT8,    NN_DTYPE_UINT8,
          NN_DTYPE_INT16, NN_DTYPE_FLOAT16, NN_DTYPE_INT32,
          NN_DTYPE_FLOAT, NN_DTYPE_DOUBLE,  NN_DTYPE_UINT64 };
  static const uint8_t cond[4] = { 1, 0, 0, 1 };
  for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
    th_node t;
    nn_error err = { 0 };
    nn_dtype dt = types[k];
    size_t es = nn_dtype_size (dt);
    th_init (&t, "Where", 16);
    th_input_typed (&t, NN_DTYPE_BOOL, 2, D (4, 1));
    th_input_typed (&t, dt, 2, D (4, 3));
    th_input_typed (&t, dt, 1, D (3));
    th_output (&t);
    cases++;
    if (th_plan (&t, &err) != NN_OK) {
      TH_CHECK (0, "Where %s: plan failed: %s", nn_dtype_name (dt),
                err.message);
      th_free (&t);
      continue;
    }
    uint8_t *c = (uint8_t *)th_data (&t, t.in[0]);
    uint8_t *x = (uint8_t *)th_data (&t, t.in[1]);
    uint8_t *yv = (uint8_t *)th_data (&t, t.in[2]);
    memcpy (c, cond, 4);
    /* distinct byte patterns: X bytes 0x10.., Y bytes 0xa0.. */
    for (size_t i = 0; i < 12 * es; i++)
      x[i] = dt == NN_DTYPE_BOOL ? 1 : (uint8_t)(0x10 + i);
    for (size_t i = 0; i < 3 * es; i++)
      yv[i] = dt == NN_DTYPE_BOOL ? 0 : (uint8_t)(0xa0 + i);
    for (int pass = 0; pass < 3; pass++) {
      th_run (&t, pass == 2 ? pool2 : NULL, pass == 0);
      const uint8_t *out = (const uint8_t *)th_data (&t, t.out[0]);
      bool ok = true;
      for (size_t i = 0; i < 12; i++) {
        const uint8_t *want = cond[i / 3] ? x + i * es : yv + (i % 3) * es;
        ok &= memcmp (out + i * es, want, es) == 0;
      }
      TH_CHECK (ok, "Where %s pass %d: wrong selection", nn_dtype_name (dt),
                pass);
    }
    th_free (&t);
  }
}

int
main (void)
{
  nn_error err;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK) {
    fprintf (stderr, "pool: %s\n", err.message);
    return 2;
  }
  binary_cases ();
  where_cases ();
  nn_pool_free (pool2);
  printf ("typed element-wise operators: %d cases, %d checks, %d failures\n",
          cases, th_checks, th_failures);
  return th_failures ? 1 : 0;
}

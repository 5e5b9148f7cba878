/* Cast and CastLike between every pair of supported types, Shape with start
 * and end, EyeLike with k and dtype, against values worked out here from
 * the ONNX definitions; and the validation rules of the tensor operators
 * that no other test reaches. */
#include "dtype.h"
#include "harness.h"

#include <math.h>
#include <string.h>

static int cases;

static const nn_dtype types[] = {
  NN_DTYPE_FLOAT,  NN_DTYPE_DOUBLE, NN_DTYPE_FLOAT16, NN_DTYPE_INT8,
  NN_DTYPE_UINT8,  NN_DTYPE_INT16,  NN_DTYPE_UINT16,  NN_DTYPE_INT32,
  NN_DTYPE_UINT32, NN_DTYPE_INT64,  NN_DTYPE_UINT64,  NN_DTYPE_BOOL,
};
#define N_TYPES (sizeof types / sizeof types[0])

static bool
is_float (nn_dtype t)
{
  return t == NN_DTYPE_FLOAT || t == NN_DTYPE_DOUBLE || t == NN_DTYPE_FLOAT16;
}

/* Binary16 bits of a value that binary16 holds exactly (0 or a positive
 * normal number). */
static uint16_t
half_bits (double v)
{
  if (v == 0.0)
    return 0;
  int e = (int)floor (log2 (v));
  double m = v / ldexp (1.0, e) - 1.0;
  return (uint16_t)(((e + 15) << 10) | (int)(m * 1024.0));
}

/* v (exact in the source type) in the target type's bytes, as 64 bits. */
static uint64_t
expected_bits (double v, uint64_t raw, bool from_u64, nn_dtype to)
{
  switch (to) {
  case NN_DTYPE_FLOAT: {
    float f = from_u64 ? (float)raw : (float)v;
    uint32_t b;
    memcpy (&b, &f, 4);
    return b;
  }
  case NN_DTYPE_DOUBLE: {
    double d = from_u64 ? (double)raw : v;
    uint64_t b;
    memcpy (&b, &d, 8);
    return b;
  }
  case NN_DTYPE_FLOAT16:
    return half_bits (v);
  case NN_DTYPE_BOOL:
    return from_u64 ? raw != 0 : v != 0.0;
  default: {
    /* truncation toward zero, then the two's complement wrap */
    uint64_t w = from_u64 ? raw : (uint64_t)(int64_t)trunc (v);
    size_t sz = nn_dtype_size (to);
    return sz == 8 ? w : w & ((1ull << (8 * sz)) - 1);
  }
  }
}

static uint64_t
bits_at (const void *p, nn_dtype t, size_t i)
{
  switch (nn_dtype_size (t)) {
  case 1:
    return ((const uint8_t *)p)[i];
  case 2:
    return ((const uint16_t *)p)[i];
  case 4:
    return ((const uint32_t *)p)[i];
  default:
    return ((const uint64_t *)p)[i];
  }
}

static void
cast_cases (void)
{
  static const double fvals[5] = { 0.0, 1.75, 2.5, 100.25, 3.0 };
  static const double ivals[5] = { 0.0, 1.0, 5.0, 100.0, 127.0 };
  static const double bvals[5] = { 0.0, 1.0, 1.0, 0.0, 1.0 };
  const uint64_t big = (1ull << 63) + 5;
  for (size_t si = 0; si < N_TYPES; si++)
    for (size_t ti = 0; ti < N_TYPES; ti++)
      for (int like = 0; like < 2; like++) {
        nn_dtype from = types[si], to = types[ti];
        bool from_u64 = from == NN_DTYPE_UINT64;
        if (from_u64 && to == NN_DTYPE_FLOAT16)
          continue; /* 2^63 does not fit */
        const double *vals = is_float (from)         ? fvals
                             : from == NN_DTYPE_BOOL ? bvals
                                                     : ivals;
        char what[80];
        nn_error err = { 0 };
        th_node t;
        snprintf (what, sizeof what, "%s %s to %s", like ? "CastLike" : "Cast",
                  nn_dtype_name (from), nn_dtype_name (to));
        th_init (&t, like ? "CastLike" : "Cast", like ? 15 : 13);
        th_input_typed (&t, from, 1, D (5));
        if (like)
          th_input_typed (&t, to, 1, D (1));
        th_output (&t);
        if (!like)
          th_attr_int (&t, "to", to);
        cases++;
        if (th_plan (&t, &err) != NN_OK) {
          TH_CHECK (0, "%s: plan failed: %s", what, err.message);
          th_free (&t);
          continue;
        }
        void *x = th_data (&t, t.in[0]);
        uint64_t raw[5];
        for (int i = 0; i < 5; i++) {
          raw[i] = i == 4 && from_u64 ? big : (uint64_t)vals[i];
          if (from == NN_DTYPE_FLOAT16)
            ((uint16_t *)x)[i] = half_bits (vals[i]);
          else if (from_u64)
            ((uint64_t *)x)[i] = raw[i];
          else
            nn_store_f64 (x, from, (size_t)i, vals[i]);
        }
        TH_CHECK (t.out[0]->dtype == to, "%s: output is %s", what,
                  nn_dtype_name (t.out[0]->dtype));
        th_run (&t, NULL, false);
        const void *y = th_data (&t, t.out[0]);
        int bad = -1;
        for (int i = 0; i < 5 && bad < 0; i++)
          if (bits_at (y, to, (size_t)i)
              != expected_bits (vals[i], raw[i], from_u64, to))
            bad = i;
        TH_CHECK (
            bad < 0, "%s: element %d has bits %llx, expected %llx", what, bad,
            bad < 0 ? 0ull : (unsigned long long)bits_at (y, to, (size_t)bad),
            bad < 0 ? 0ull
                    : (unsigned long long)expected_bits (vals[bad], raw[bad],
                                                         from_u64, to));
        th_free (&t);
      }

  th_node t;
  th_init (&t, "Cast", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'to' is required", "Cast without to");

  th_init (&t, "Cast", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_float (&t, "to", 1.f);
  EXPECT (&t, NN_BAD_MODEL, "to", "Cast with a float 'to'");

  th_init (&t, "CastLike", 15);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "input", "CastLike without target_type");
}

/* Shape's start and end (opset 15): negative values count from the back,
 * then both clamp to [0, rank]. */
static void
shape_cases (void)
{
  static const int64_t dims[5] = { 2, 3, 5, 7, 11 };
  static const int64_t se[][2] = { { 0, 5 },  { 1, 3 }, { -2, 5 }, { -9, -1 },
                                   { 3, 99 }, { 4, 2 }, { -1, -9 } };
  for (size_t k = 0; k < sizeof se / sizeof se[0]; k++) {
    th_node t;
    nn_error err = { 0 };
    char what[48];
    snprintf (what, sizeof what, "Shape start %lld end %lld",
              (long long)se[k][0], (long long)se[k][1]);
    th_init (&t, "Shape", 15);
    th_input (&t, 5, dims);
    th_output (&t);
    th_attr_int (&t, "start", se[k][0]);
    th_attr_int (&t, "end", se[k][1]);
    cases++;
    if (th_plan (&t, &err) != NN_OK) {
      TH_CHECK (0, "%s: plan failed: %s", what, err.message);
      th_free (&t);
      continue;
    }
    int64_t s = se[k][0] < 0 ? se[k][0] + 5 : se[k][0];
    int64_t e = se[k][1] < 0 ? se[k][1] + 5 : se[k][1];
    s = s < 0 ? 0 : s > 5 ? 5 : s;
    e = e < 0 ? 0 : e > 5 ? 5 : e;
    size_t n = e > s ? (size_t)(e - s) : 0;
    TH_CHECK (t.out[0]->count == n, "%s: %zu values, expected %zu", what,
              t.out[0]->count, n);
    if (t.out[0]->count == n && n > 0) {
      th_run (&t, NULL, false);
      const int64_t *y = (const int64_t *)th_data (&t, t.out[0]);
      TH_CHECK (memcmp (y, dims + s, n * sizeof *y) == 0, "%s: wrong dims",
                what);
    }
    th_free (&t);
  }
}

/* EyeLike: ones on the diagonal shifted by k, of the input's type or the
 * one given. */
static void
eye_like_cases (void)
{
  static const int64_t ks[] = { 0, 2, -1, -5, 9 };
  for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
    for (int typed = 0; typed < 2; typed++) {
      th_node t;
      nn_error err = { 0 };
      char what[48];
      nn_dtype dt = typed ? NN_DTYPE_INT32 : NN_DTYPE_FLOAT;
      snprintf (what, sizeof what, "EyeLike k %lld %s", (long long)ks[ki],
                nn_dtype_name (dt));
      th_init (&t, "EyeLike", 9);
      th_input (&t, 2, D (3, 5));
      th_output (&t);
      th_attr_int (&t, "k", ks[ki]);
      if (typed)
        th_attr_int (&t, "dtype", NN_DTYPE_INT32);
      cases++;
      if (th_plan (&t, &err) != NN_OK) {
        TH_CHECK (0, "%s: plan failed: %s", what, err.message);
        th_free (&t);
        continue;
      }
      TH_CHECK (t.out[0]->dtype == dt, "%s: output is %s", what,
                nn_dtype_name (t.out[0]->dtype));
      th_run (&t, NULL, false);
      const void *y = th_data (&t, t.out[0]);
      bool ok = true;
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++) {
          double want = j - i == ks[ki] ? 1.0 : 0.0;
          ok &= nn_load_f64 (y, dt, (size_t)(i * 5 + j)) == want;
        }
      TH_CHECK (ok, "%s: wrong values", what);
      th_free (&t);
    }

  th_node t;
  th_init (&t, "EyeLike", 9);
  th_input (&t, 2, D (3, 5));
  th_output (&t);
  th_attr_int (&t, "dtype", 8); /* string */
  EXPECT (&t, NN_UNSUPPORTED, "'dtype' = 8", "EyeLike string dtype");

  th_init (&t, "EyeLike", 9);
  th_input (&t, 3, D (1, 3, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "has rank 3, expected 2", "EyeLike rank 3");
}

static void
range_negative_cases (void)
{
  static const float bad[][3]
      = { { 0, 5, 0 }, { 0, INFINITY, 1 }, { NAN, 5, 1 }, { 0, 5, INFINITY } };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    th_node t;
    char what[48];
    snprintf (what, sizeof what, "Range %g %g %g", bad[k][0], bad[k][1],
              bad[k][2]);
    th_init (&t, "Range", 11);
    th_const (&t, 0, NULL, &bad[k][0]);
    th_const (&t, 0, NULL, &bad[k][1]);
    th_const (&t, 0, NULL, &bad[k][2]);
    th_output (&t);
    EXPECT (&t, NN_BAD_MODEL, "delta", what);
  }

  th_node t;
  th_init (&t, "ConstantOfShape", 9);
  th_const_i64 (&t, 2, D (1, 2), D (2, 3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "must be 1-D, has rank 2",
          "ConstantOfShape shape of rank 2");

  th_init (&t, "ConstantOfShape", 9);
  th_const_i64 (&t, 1, D (2), D (2, 3));
  th_output (&t);
  th_attr_float (&t, "value", 1.f);
  EXPECT (&t, NN_BAD_MODEL, "'value' must be a one-element tensor",
          "ConstantOfShape value not a tensor");
}

int
main (void)
{
  cast_cases ();
  shape_cases ();
  eye_like_cases ();
  range_negative_cases ();
  printf ("tensor operators: %d cases, %d negatives, %d checks, %d failures\n",
          cases, th_negatives, th_checks, th_failures);
  return th_failures ? 1 : 0;
}

/* Element types: float16 both ways against the compiler's own _Float16
 * (round to nearest even, as IEEE 754 says), on every half and on floats
 * across the whole range, ties included; the loads and stores of every
 * type against plain C conversions, with ONNX Cast's saturation. */
#include "check.h"
#include "dtype.h"

#include <math.h>

static uint16_t
half_bits (_Float16 h)
{
  uint16_t b;
  memcpy (&b, &h, 2);
  return b;
}

static _Float16
half_of (uint16_t b)
{
  _Float16 h;
  memcpy (&h, &b, 2);
  return h;
}

static uint32_t
float_bits (float f)
{
  uint32_t b;
  memcpy (&b, &f, 4);
  return b;
}

static float
float_of (uint32_t b)
{
  float f;
  memcpy (&f, &b, 4);
  return f;
}

static void
test_half (void)
{
  int bad_widen = 0, bad_narrow = 0;
  uint32_t first_bad = 0;

  /* every half widens exactly; NaNs stay NaNs with their payload */
  for (uint32_t b = 0; b < 65536; b++) {
    float got = nn_half_to_float ((uint16_t)b), want = (float)half_of (b);
    if (isnan (want)
            ? !isnan (got) || (float_bits (got) >> 13 & 0x3ffu) != (b & 0x3ffu)
            : float_bits (got) != float_bits (want))
      bad_widen++;
  }
  CHECK (bad_widen == 0, "%d halves widen wrong", bad_widen);

  /* floats across the range (an odd step visits every exponent and many
   * low-bit patterns), then the exact midpoints between neighbouring
   * halves, where only ties-to-even decides */
  for (uint64_t b = 0; b < (1ull << 32); b += 997) {
    float f = float_of ((uint32_t)b);
    uint16_t got = nn_float_to_half (f);
    if (isnan (f) ? (got & 0x7c00u) != 0x7c00u || !(got & 0x3ffu)
                        || (got >> 15) != (uint32_t)(b >> 31)
                  : got != half_bits ((_Float16)f)) {
      if (!bad_narrow++)
        first_bad = (uint32_t)b;
    }
  }
  for (uint32_t b = 0; b < 0x7bff; b++) {
    float lo = (float)half_of ((uint16_t)b), hi = (float)half_of (b + 1);
    float mid = lo + (hi - lo) / 2; /* exact: 11 bits need no rounding */
    for (int s = 0; s < 2; s++) {
      float f = s ? -mid : mid;
      if (nn_float_to_half (f) != half_bits ((_Float16)f) && !bad_narrow++)
        first_bad = float_bits (f);
    }
  }
  CHECK (bad_narrow == 0, "%d floats narrow wrong, first 0x%08x", bad_narrow,
         first_bad);
}

static void
test_load_store (void)
{
  static const nn_dtype types[]
      = { NN_DTYPE_FLOAT,   NN_DTYPE_UINT8,  NN_DTYPE_INT8,   NN_DTYPE_UINT16,
          NN_DTYPE_INT16,   NN_DTYPE_INT32,  NN_DTYPE_INT64,  NN_DTYPE_BOOL,
          NN_DTYPE_FLOAT16, NN_DTYPE_DOUBLE, NN_DTYPE_UINT32, NN_DTYPE_UINT64 };
  unsigned char buf[8 * 4];

  for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
    nn_dtype t = types[k];
    bool is_float
        = t == NN_DTYPE_FLOAT || t == NN_DTYPE_DOUBLE || t == NN_DTYPE_FLOAT16;
    /* small values every type holds, through both stores and loads */
    for (int v = 0; v <= 1; v++) {
      nn_store_i64 (buf, t, 2, v);
      CHECK (nn_load_i64 (buf, t, 2) == v && nn_load_f64 (buf, t, 2) == v,
             "%s: %d stored as int", nn_dtype_name (t), v);
      nn_store_f64 (buf, t, 3, v);
      CHECK (nn_load_i64 (buf, t, 3) == v, "%s: %d stored as double",
             nn_dtype_name (t), v);
    }
    CHECK (strcmp (nn_dtype_name (t), "unknown") != 0 && nn_dtype_size (t),
           "type %d has a name and a size", (int)t);
    if (t == NN_DTYPE_BOOL) {
      nn_store_i64 (buf, t, 0, -7);
      nn_store_f64 (buf, t, 1, 0.25);
      CHECK (nn_load_i64 (buf, t, 0) == 1 && nn_load_i64 (buf, t, 1) == 1,
             "bool: non-zero is true");
      continue;
    }
    /* 100 and, for signed types, -100 */
    nn_store_i64 (buf, t, 0, 100);
    CHECK (nn_load_f64 (buf, t, 0) == 100.0, "%s: 100", nn_dtype_name (t));
    if (nn_dtype_in (t, NN_TYPES_SIGNED) || t == NN_DTYPE_FLOAT16) {
      nn_store_f64 (buf, t, 1, -100.0);
      CHECK (nn_load_i64 (buf, t, 1) == -100, "%s: -100", nn_dtype_name (t));
    }
    if (is_float) {
      /* floating loads to integers: truncated, saturated, NaN as 0 */
      nn_store_f64 (buf, t, 0, -2.75);
      nn_store_f64 (buf, t, 1, NAN);
      nn_store_f64 (buf, t, 2, -INFINITY);
      nn_store_f64 (buf, t, 3, INFINITY);
      CHECK (nn_load_i64 (buf, t, 0) == -2 && nn_load_i64 (buf, t, 1) == 0
                 && nn_load_i64 (buf, t, 2) == INT64_MIN
                 && nn_load_i64 (buf, t, 3) == INT64_MAX,
             "%s to int64: %lld %lld %lld %lld", nn_dtype_name (t),
             (long long)nn_load_i64 (buf, t, 0),
             (long long)nn_load_i64 (buf, t, 1),
             (long long)nn_load_i64 (buf, t, 2),
             (long long)nn_load_i64 (buf, t, 3));
    }
  }

  /* integer stores keep the low bits (two's complement wrap) */
  nn_store_i64 (buf, NN_DTYPE_UINT8, 0, 300);
  nn_store_i64 (buf, NN_DTYPE_INT8, 1, -129);
  nn_store_i64 (buf, NN_DTYPE_UINT16, 1, 70000);
  CHECK (nn_load_i64 (buf, NN_DTYPE_UINT8, 0) == 44
             && nn_load_i64 (buf, NN_DTYPE_INT8, 1) == 127,
         "8-bit wrap");
  CHECK (nn_load_i64 (buf, NN_DTYPE_UINT16, 1) == 70000 - 65536, "16-bit wrap");
  /* uint64: the whole range as a double, negatives and NaN to 0, past the
   * top saturated */
  nn_store_f64 (buf, NN_DTYPE_UINT64, 0, -5.0);
  nn_store_f64 (buf, NN_DTYPE_UINT64, 1, NAN);
  nn_store_f64 (buf, NN_DTYPE_UINT64, 2, 1e30);
  nn_store_f64 (buf, NN_DTYPE_UINT64, 3, 12345.9);
  CHECK (((uint64_t *)buf)[0] == 0 && ((uint64_t *)buf)[1] == 0
             && ((uint64_t *)buf)[2] == UINT64_MAX
             && ((uint64_t *)buf)[3] == 12345,
         "double to uint64");
  ((uint64_t *)buf)[0] = UINT64_MAX;
  CHECK (nn_load_f64 (buf, NN_DTYPE_UINT64, 0) == 18446744073709551616.0
             && nn_load_i64 (buf, NN_DTYPE_UINT64, 0) == -1,
         "uint64 max loads");
  CHECK (strcmp (nn_dtype_name ((nn_dtype)99), "unknown") == 0
             && nn_dtype_size ((nn_dtype)99) == 0,
         "an unknown type");
}

int
main (void)
{
  test_half ();
  test_load_store ();
  return check_report ("dtype");
}

/* Element types: sizes, names, and IEEE half-precision conversions. */
#include "dtype.h"

#include <string.h>

size_t
nn_dtype_size (nn_dtype t)
{
  switch (t) {
  case NN_DTYPE_BOOL:
  case NN_DTYPE_UINT8:
  case NN_DTYPE_INT8:
    return 1;
  case NN_DTYPE_UINT16:
  case NN_DTYPE_INT16:
  case NN_DTYPE_FLOAT16:
    return 2;
  case NN_DTYPE_FLOAT:
  case NN_DTYPE_INT32:
  case NN_DTYPE_UINT32:
    return 4;
  case NN_DTYPE_INT64:
  case NN_DTYPE_UINT64:
  case NN_DTYPE_DOUBLE:
    return 8;
  }
  return 0;
}

const char *
nn_dtype_name (nn_dtype t)
{
  switch (t) {
  case NN_DTYPE_FLOAT:
    return "float32";
  case NN_DTYPE_UINT8:
    return "uint8";
  case NN_DTYPE_INT8:
    return "int8";
  case NN_DTYPE_UINT16:
    return "uint16";
  case NN_DTYPE_INT16:
    return "int16";
  case NN_DTYPE_INT32:
    return "int32";
  case NN_DTYPE_INT64:
    return "int64";
  case NN_DTYPE_BOOL:
    return "bool";
  case NN_DTYPE_FLOAT16:
    return "float16";
  case NN_DTYPE_DOUBLE:
    return "float64";
  case NN_DTYPE_UINT32:
    return "uint32";
  case NN_DTYPE_UINT64:
    return "uint64";
  }
  return "unknown";
}

float
nn_half_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
  float f;

  if (exp == 0x1f) /* inf or NaN, payload kept */
    bits = sign | 0x7f800000u | (man << 13);
  else if (exp != 0)
    bits = sign | ((exp + 112u) << 23) | (man << 13);
  else if (man == 0)
    bits = sign;
  else {
    /* subnormal: normalise */
    int e = -1;
    do {
      man <<= 1;
      e++;
    } while (!(man & 0x400u));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ffu) << 13);
  }
  memcpy (&f, &bits, 4);
  return f;
}

uint16_t
nn_float_to_half (float f)
{
  uint32_t x, sign, absx;
  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000u;
  absx = x & 0x7fffffffu;
  if (absx > 0x7f800000u) /* NaN: keep it quiet and non-zero */
    return (uint16_t)(sign | 0x7e00u | ((absx >> 13) & 0x3ffu));
  if (absx >= 0x477ff000u) /* rounds to or beyond 65520: infinity */
    return (uint16_t)(sign | 0x7c00u);
  if (absx >= 0x38800000u) { /* normal half */
    uint32_t mant = absx & 0x7fffffu, exp = (absx >> 23) - 112u;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fffu;
    /* round to nearest, ties to even */
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
      h++;
    return (uint16_t)(sign | h);
  }
  if (absx < 0x33000000u) /* below half the smallest subnormal */
    return (uint16_t)sign;
  {
    /* subnormal half: value = m * 2^-24 */
    uint32_t mant = (absx & 0x7fffffu) | 0x800000u;
    int shift = 126 - (int)(absx >> 23); /* 14..24 */
    uint32_t h = mant >> shift;
    uint32_t rest = mant & ((1u << shift) - 1u), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (h & 1u)))
      h++;
    return (uint16_t)(sign | h);
  }
}

double
nn_load_f64 (const void *data, nn_dtype t, size_t i)
{
  switch (t) {
  case NN_DTYPE_FLOAT:
    return ((const float *)data)[i];
  case NN_DTYPE_DOUBLE:
    return ((const double *)data)[i];
  case NN_DTYPE_FLOAT16:
    return nn_half_to_float (((const uint16_t *)data)[i]);
  case NN_DTYPE_UINT64:
    return (double)((const uint64_t *)data)[i];
  default:
    return (double)nn_load_i64 (data, t, i);
  }
}

/* A double to an integer type's range: truncated toward zero, saturated,
 * NaN as 0 (C leaves these undefined). */
static int64_t
sat_i64 (double x)
{
  if (!(x == x))
    return 0;
  if (x >= 9223372036854775807.0)
    return INT64_MAX;
  if (x <= -9223372036854775808.0)
    return INT64_MIN;
  return (int64_t)x;
}

int64_t
nn_load_i64 (const void *data, nn_dtype t, size_t i)
{
  switch (t) {
  case NN_DTYPE_BOOL:
  case NN_DTYPE_UINT8:
    return ((const uint8_t *)data)[i];
  case NN_DTYPE_INT8:
    return ((const int8_t *)data)[i];
  case NN_DTYPE_UINT16:
    return ((const uint16_t *)data)[i];
  case NN_DTYPE_INT16:
    return ((const int16_t *)data)[i];
  case NN_DTYPE_INT32:
    return ((const int32_t *)data)[i];
  case NN_DTYPE_UINT32:
    return ((const uint32_t *)data)[i];
  case NN_DTYPE_INT64:
    return ((const int64_t *)data)[i];
  case NN_DTYPE_UINT64:
    return (int64_t)((const uint64_t *)data)[i];
  case NN_DTYPE_FLOAT:
  case NN_DTYPE_DOUBLE:
  case NN_DTYPE_FLOAT16:
    return sat_i64 (nn_load_f64 (data, t, i));
  }
  return 0;
}

void
nn_store_i64 (void *data, nn_dtype t, size_t i, int64_t x)
{
  switch (t) {
  case NN_DTYPE_BOOL:
    ((uint8_t *)data)[i] = x != 0;
    return;
  case NN_DTYPE_UINT8:
  case NN_DTYPE_INT8:
    ((uint8_t *)data)[i] = (uint8_t)x;
    return;
  case NN_DTYPE_UINT16:
  case NN_DTYPE_INT16:
    ((uint16_t *)data)[i] = (uint16_t)x;
    return;
  case NN_DTYPE_INT32:
  case NN_DTYPE_UINT32:
    ((uint32_t *)data)[i] = (uint32_t)x;
    return;
  case NN_DTYPE_INT64:
  case NN_DTYPE_UINT64:
    ((uint64_t *)data)[i] = (uint64_t)x;
    return;
  case NN_DTYPE_FLOAT:
    ((float *)data)[i] = (float)x;
    return;
  case NN_DTYPE_DOUBLE:
    ((double *)data)[i] = (double)x;
    return;
  case NN_DTYPE_FLOAT16:
    ((uint16_t *)data)[i] = nn_float_to_half ((float)x);
    return;
  }
}

void
nn_store_f64 (void *data, nn_dtype t, size_t i, double x)
{
  switch (t) {
  case NN_DTYPE_FLOAT:
    ((float *)data)[i] = (float)x;
    return;
  case NN_DTYPE_DOUBLE:
    ((double *)data)[i] = x;
    return;
  case NN_DTYPE_FLOAT16:
    ((uint16_t *)data)[i] = nn_float_to_half ((float)x);
    return;
  case NN_DTYPE_BOOL:
    ((uint8_t *)data)[i] = x != 0.0;
    return;
  case NN_DTYPE_UINT64:
    ((uint64_t *)data)[i] = !(x > 0.0)                    ? 0
                            : x >= 18446744073709551616.0 ? UINT64_MAX
                                                          : (uint64_t)x;
    return;
  default:
    nn_store_i64 (data, t, i, sat_i64 (x));
    return;
  }
}

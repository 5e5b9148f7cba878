/* The element-wise operators' typed rows, one per (operation, type): see
 * binary.h. Integers wrap on overflow (computed as unsigned), and x / 0 and
 * x % 0 are 0: a row cannot fail or trap. */
#include "binary.h"

#include <math.h>

/* Typed rows, one per (operation, type). S: signed; U: the unsigned type
 * of the same width (wrapping arithmetic). */
#define ROW_BEGIN(NAME, TY, TA, TB)                                            \
  static void NAME (void *y_, const void *a_, const void *b_, const void *c_,  \
                    size_t n, size_t sa, size_t sb, size_t sc)                 \
  {                                                                            \
    TY *y = y_;                                                                \
    const TA *a = a_;                                                          \
    const TB *b = b_;                                                          \
    (void)c_;                                                                  \
    (void)sc;                                                                  \
    for (size_t i = 0; i < n; i++) {                                           \
      TA x = a[i * sa];                                                        \
      TB z = b[i * sb];
#define ROW_END                                                                \
  }                                                                            \
  }

/* Python's sign rule for the integer Mod: the divisor's. */
#define MOD_SIGNED(T, U)                                                       \
  if (r != 0 && ((r < 0) != (z < 0)))                                          \
    r = (T)((U)r + (U)z);
#define MOD_UNSIGNED(T, U)

#define INT_ROWS(T, N, S, U, MOD_FIX)                                          \
  ROW_BEGIN (add_##N, T, T, T) y[i] = (T)((U)x + (U)z);                        \
  ROW_END                                                                      \
  ROW_BEGIN (sub_##N, T, T, T) y[i] = (T)((U)x - (U)z);                        \
  ROW_END                                                                      \
  ROW_BEGIN (mul_##N, T, T, T) y[i] = (T)((U)x * (U)z);                        \
  ROW_END                                                                      \
  ROW_BEGIN (div_##N, T, T, T)                                                 \
  y[i] = z == 0 ? 0 : (S && z == (T)-1) ? (T)(0 - (U)x) : (T)(x / z);          \
  ROW_END                                                                      \
  ROW_BEGIN (mod_##N, T, T, T)                                                 \
  T r = (z == 0 || (S && z == (T)-1)) ? 0 : (T)(x % z);                        \
  MOD_FIX (T, U)                                                               \
  y[i] = r;                                                                    \
  ROW_END                                                                      \
  ROW_BEGIN (fmod_##N, T, T, T)                                                \
  y[i] = (z == 0 || (S && z == (T)-1)) ? 0 : (T)(x % z);                       \
  ROW_END                                                                      \
  ROW_BEGIN (min_##N, T, T, T) y[i] = x < z ? x : z;                           \
  ROW_END                                                                      \
  ROW_BEGIN (max_##N, T, T, T) y[i] = x > z ? x : z;                           \
  ROW_END

#define FLT_ROWS(T, N, FMOD)                                                   \
  ROW_BEGIN (add_##N, T, T, T) y[i] = x + z;                                   \
  ROW_END                                                                      \
  ROW_BEGIN (sub_##N, T, T, T) y[i] = x - z;                                   \
  ROW_END                                                                      \
  ROW_BEGIN (mul_##N, T, T, T) y[i] = x * z;                                   \
  ROW_END                                                                      \
  ROW_BEGIN (div_##N, T, T, T) y[i] = x / z;                                   \
  ROW_END                                                                      \
  ROW_BEGIN (fmod_##N, T, T, T) y[i] = FMOD (x, z);                            \
  ROW_END                                                                      \
  /* NaN wins, as numpy.minimum and numpy.maximum */                           \
  ROW_BEGIN (min_##N, T, T, T) y[i] = x != x ? x : (z != z || z < x ? z : x);  \
  ROW_END                                                                      \
  ROW_BEGIN (max_##N, T, T, T) y[i] = x != x ? x : (z != z || z > x ? z : x);  \
  ROW_END

#define CMP_ROWS(T, N)                                                         \
  ROW_BEGIN (eq_##N, uint8_t, T, T) y[i] = x == z;                             \
  ROW_END                                                                      \
  ROW_BEGIN (lt_##N, uint8_t, T, T) y[i] = x < z;                              \
  ROW_END                                                                      \
  ROW_BEGIN (gt_##N, uint8_t, T, T) y[i] = x > z;                              \
  ROW_END                                                                      \
  ROW_BEGIN (le_##N, uint8_t, T, T) y[i] = x <= z;                             \
  ROW_END                                                                      \
  ROW_BEGIN (ge_##N, uint8_t, T, T) y[i] = x >= z;                             \
  ROW_END

#define WHERE_ROW(T, N)                                                        \
  static void where_##N (void *y_, const void *a_, const void *b_,             \
                         const void *c_, size_t n, size_t sa, size_t sb,       \
                         size_t sc)                                            \
  {                                                                            \
    T *y = y_;                                                                 \
    const uint8_t *cond = a_;                                                  \
    const T *x = b_, *z = c_;                                                  \
    for (size_t i = 0; i < n; i++)                                             \
      y[i] = cond[i * sa] ? x[i * sb] : z[i * sc];                             \
  }

INT_ROWS (int8_t, i8, 1, uint8_t, MOD_SIGNED)
INT_ROWS (uint8_t, u8, 0, uint8_t, MOD_UNSIGNED)
INT_ROWS (int16_t, i16, 1, uint16_t, MOD_SIGNED)
INT_ROWS (uint16_t, u16, 0, uint16_t, MOD_UNSIGNED)
INT_ROWS (int32_t, i32, 1, uint32_t, MOD_SIGNED)
INT_ROWS (uint32_t, u32, 0, uint32_t, MOD_UNSIGNED)
INT_ROWS (int64_t, i64, 1, uint64_t, MOD_SIGNED)
INT_ROWS (uint64_t, u64, 0, uint64_t, MOD_UNSIGNED)
FLT_ROWS (float, f32, fmodf)
FLT_ROWS (double, f64, fmod)
CMP_ROWS (int8_t, i8)
CMP_ROWS (uint8_t, u8)
CMP_ROWS (int16_t, i16)
CMP_ROWS (uint16_t, u16)
CMP_ROWS (int32_t, i32)
CMP_ROWS (uint32_t, u32)
CMP_ROWS (int64_t, i64)
CMP_ROWS (uint64_t, u64)
CMP_ROWS (float, f32)
CMP_ROWS (double, f64)
WHERE_ROW (uint8_t, 1)
WHERE_ROW (uint16_t, 2)
WHERE_ROW (uint32_t, 4)
WHERE_ROW (uint64_t, 8)

ROW_BEGIN (and_b, uint8_t, uint8_t, uint8_t) y[i] = (x != 0) & (z != 0);
ROW_END
ROW_BEGIN (or_b, uint8_t, uint8_t, uint8_t) y[i] = (x != 0) | (z != 0);
ROW_END
ROW_BEGIN (xor_b, uint8_t, uint8_t, uint8_t) y[i] = (x != 0) ^ (z != 0);
ROW_END
ROW_BEGIN (prelu_f32, float, float, float) y[i] = x < 0.f ? x * z : x;
ROW_END
ROW_BEGIN (pow_f32, float, float, float) y[i] = powf (x, z);
ROW_END

bin_row
nn_bin_typed_row (bin_kind k, nn_dtype t)
{
#define PICK(N)                                                                \
  switch (k) {                                                                 \
  case BIN_ADD:                                                                \
    return add_##N;                                                            \
  case BIN_SUB:                                                                \
    return sub_##N;                                                            \
  case BIN_MUL:                                                                \
    return mul_##N;                                                            \
  case BIN_DIV:                                                                \
    return div_##N;                                                            \
  case BIN_FMOD:                                                               \
    return fmod_##N;                                                           \
  case BIN_MIN:                                                                \
    return min_##N;                                                            \
  case BIN_MAX:                                                                \
    return max_##N;                                                            \
  case BIN_EQ:                                                                 \
    return eq_##N;                                                             \
  case BIN_LT:                                                                 \
    return lt_##N;                                                             \
  case BIN_GT:                                                                 \
    return gt_##N;                                                             \
  case BIN_LE:                                                                 \
    return le_##N;                                                             \
  case BIN_GE:                                                                 \
    return ge_##N;                                                             \
  default:                                                                     \
    return NULL;                                                               \
  }
#define PICK_INT(N)                                                            \
  if (k == BIN_MOD)                                                            \
    return mod_##N;                                                            \
  PICK (N)
  switch (t) {
  case NN_DTYPE_FLOAT:
    if (k == BIN_PRELU)
      return prelu_f32;
    if (k == BIN_POW)
      return pow_f32;
    PICK (f32)
  case NN_DTYPE_DOUBLE:
    PICK (f64)
  case NN_DTYPE_INT8:
    PICK_INT (i8)
  case NN_DTYPE_UINT8:
    PICK_INT (u8)
  case NN_DTYPE_INT16:
    PICK_INT (i16)
  case NN_DTYPE_UINT16:
    PICK_INT (u16)
  case NN_DTYPE_INT32:
    PICK_INT (i32)
  case NN_DTYPE_UINT32:
    PICK_INT (u32)
  case NN_DTYPE_INT64:
    PICK_INT (i64)
  case NN_DTYPE_UINT64:
    PICK_INT (u64)
  case NN_DTYPE_BOOL:
    if (k == BIN_AND)
      return and_b;
    if (k == BIN_OR)
      return or_b;
    if (k == BIN_XOR)
      return xor_b;
    if (k == BIN_EQ)
      return eq_u8;
    return NULL;
  default:
    return NULL;
  }
#undef PICK
#undef PICK_INT
}

bin_row
nn_bin_where_row (size_t es)
{
  return es == 1 ? where_1 : es == 2 ? where_2 : es == 4 ? where_4 : where_8;
}

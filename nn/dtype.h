/* Internal: element type helpers shared by the loader and the operators. */
#ifndef NN_DTYPE_H
#define NN_DTYPE_H

#include "nn/nn.h"

#include <stdbool.h>
#include <stdint.h>

/* Sets of dtypes, as bit masks, for operators' type checks. */
#define NN_TYPE_BIT(t) (1u << (unsigned)(t))
#define NN_TYPES_FLOAT NN_TYPE_BIT (NN_DTYPE_FLOAT)
#define NN_TYPES_INT                                                           \
  (NN_TYPE_BIT (NN_DTYPE_INT8) | NN_TYPE_BIT (NN_DTYPE_UINT8)                  \
   | NN_TYPE_BIT (NN_DTYPE_INT16) | NN_TYPE_BIT (NN_DTYPE_UINT16)              \
   | NN_TYPE_BIT (NN_DTYPE_INT32) | NN_TYPE_BIT (NN_DTYPE_UINT32)              \
   | NN_TYPE_BIT (NN_DTYPE_INT64) | NN_TYPE_BIT (NN_DTYPE_UINT64))
#define NN_TYPES_SIGNED                                                        \
  (NN_TYPE_BIT (NN_DTYPE_INT8) | NN_TYPE_BIT (NN_DTYPE_INT16)                  \
   | NN_TYPE_BIT (NN_DTYPE_INT32) | NN_TYPE_BIT (NN_DTYPE_INT64)               \
   | NN_TYPES_FLOAT | NN_TYPE_BIT (NN_DTYPE_DOUBLE))
#define NN_TYPES_NUM                                                           \
  (NN_TYPES_FLOAT | NN_TYPE_BIT (NN_DTYPE_DOUBLE) | NN_TYPES_INT)
#define NN_TYPES_INDEX                                                         \
  (NN_TYPE_BIT (NN_DTYPE_INT32) | NN_TYPE_BIT (NN_DTYPE_INT64))
#define NN_TYPES_ALL                                                           \
  (NN_TYPES_NUM | NN_TYPE_BIT (NN_DTYPE_BOOL) | NN_TYPE_BIT (NN_DTYPE_FLOAT16))

static inline bool
nn_dtype_in (nn_dtype t, unsigned set)
{
  return (unsigned)t < 32 && (set & NN_TYPE_BIT (t)) != 0;
}

/* IEEE 754 binary16: exact widening (NaN payloads kept), and narrowing
 * with round to nearest even, overflow to infinity. */
float nn_half_to_float (uint16_t h);
uint16_t nn_float_to_half (float f);

/* Element i of a tensor of type t as a double / as an int64 (saturating
 * float conversions; NaN is 0). */
double nn_load_f64 (const void *data, nn_dtype t, size_t i);
int64_t nn_load_i64 (const void *data, nn_dtype t, size_t i);
/* Stores x into element i of type t, converting as ONNX Cast does. */
void nn_store_f64 (void *data, nn_dtype t, size_t i, double x);
void nn_store_i64 (void *data, nn_dtype t, size_t i, int64_t x);

#endif /* NN_DTYPE_H */

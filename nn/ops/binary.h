/* The element-wise operators (binary.c) and their typed rows
 * (binary_rows.c). */
#ifndef NN_OPS_BINARY_H
#define NN_OPS_BINARY_H

#include "dtype.h"

#include <stddef.h>

typedef enum bin_kind {
  BIN_ADD,
  BIN_SUB,
  BIN_MUL,
  BIN_DIV,
  BIN_POW,
  BIN_MOD,  /* integer, result takes the divisor's sign */
  BIN_FMOD, /* C fmod: the dividend's sign */
  BIN_MIN,
  BIN_MAX,
  BIN_EQ,
  BIN_LT,
  BIN_GT,
  BIN_LE,
  BIN_GE,
  BIN_AND,
  BIN_OR,
  BIN_XOR,
  BIN_PRELU,
  BIN_COPY, /* one-input Sum, Min, Max, Mean */
  BIN_WHERE,
  BIN_N
} bin_kind;

/* y[i] = a[i * sa] op b[i * sb] (c[i * sc] for Where), sa, sb in {0, 1}. */
typedef void (*bin_row) (void *y, const void *a, const void *b, const void *c,
                         size_t n, size_t sa, size_t sb, size_t sc);

/* The row of an operation on a type; NULL when there is none (Pow other
 * than float ^ float runs per element in doubles, see binary.c). */
bin_row nn_bin_typed_row (bin_kind k, nn_dtype t);
/* Where's row for elements of @es bytes (1, 2, 4 or 8). */
bin_row nn_bin_where_row (size_t es);

#endif

/* Operators that make tensors from attributes and shapes, and change
 * types: Constant, ConstantOfShape, Shape, Size, Range, EyeLike, NonZero,
 * Cast, CastLike. The planner evaluates most of them before the first run
 * (their inputs are shapes and constants); Cast and CastLike also run. */
#include "ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Constant ----------------------------------------------------------- */

typedef struct copy_params {
  const void *src;
  size_t bytes;
} copy_params;

static nn_status
constant_plan (nn_node *node, nn_error *err)
{
  static const char *const kinds[]
      = { "value", "value_float", "value_int", "value_floats", "value_ints" };
  const nn_attr *a = NULL;
  nn_status s;
  int found = 0;

  if ((s = nn_op_check_arity (node, 0, 0, 1, 1, err)))
    return s;
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    if (nn_node_attr (node, kinds[k])) {
      a = nn_node_attr (node, kinds[k]);
      found++;
    }
  if (found != 1) {
    for (int i = 0; i < node->n_attrs; i++)
      if (strncmp (node->attrs[i].name, "value_string", 12) == 0
          || strcmp (node->attrs[i].name, "sparse_value") == 0)
        return nn_fail_node (err, NN_UNSUPPORTED, node,
                             "attribute '%s' is not supported",
                             node->attrs[i].name);
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "needs exactly one of value, value_float, "
                         "value_int, value_floats, value_ints (has %d)",
                         found);
  }
  if ((s = nn_op_alloc_params (node, sizeof (copy_params), err)))
    return s;
  copy_params *p = node->params;
  switch (a->type) {
  case NN_ATTR_TENSOR: {
    const nn_value *t = a->tensor;
    if (!t || !nn_dtype_size (t->dtype))
      return nn_fail_node (err, NN_UNSUPPORTED, node,
                           "attribute '%s' holds a tensor of an unsupported "
                           "type",
                           a->name);
    p->src = t->cdata;
    p->bytes = t->count * nn_dtype_size (t->dtype);
    return nn_op_set_output_type (node, 0, t->dtype, t->ndim, t->dims, err);
  }
  case NN_ATTR_FLOAT:
    p->src = &a->f;
    p->bytes = sizeof (float);
    return nn_op_set_output_type (node, 0, NN_DTYPE_FLOAT, 0, NULL, err);
  case NN_ATTR_INT:
    p->src = &a->i;
    p->bytes = sizeof (int64_t);
    return nn_op_set_output_type (node, 0, NN_DTYPE_INT64, 0, NULL, err);
  case NN_ATTR_FLOATS:
  case NN_ATTR_INTS: {
    bool f = a->type == NN_ATTR_FLOATS;
    int64_t n = (int64_t)a->n;
    p->src = f ? (const void *)a->floats : (const void *)a->ints;
    p->bytes = a->n * (f ? sizeof (float) : sizeof (int64_t));
    return nn_op_set_output_type (node, 0, f ? NN_DTYPE_FLOAT : NN_DTYPE_INT64,
                                  1, &n, err);
  }
  default:
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute '%s' has type %d, which does not fit it",
                         a->name, (int)a->type);
  }
}

static void
copy_params_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const copy_params *p = node->params;
  if (p->bytes)
    memcpy (nn_value_ptr (node->out[0], ctx), p->src, p->bytes);
}

/* ---- ConstantOfShape ---------------------------------------------------- */

typedef struct fill_params {
  unsigned char value[8];
  size_t size;
} fill_params;

static nn_status
constant_of_shape_plan (nn_node *node, nn_error *err)
{
  int64_t dims[NN_MAX_DIMS];
  int n;
  nn_status s;
  const nn_attr *a = nn_node_attr (node, "value");
  nn_dtype dt = NN_DTYPE_FLOAT;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_const_ints (node, 0, "input", dims, NN_MAX_DIMS, &n, err)))
    return s;
  if (node->in[0]->ndim != 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "input (the shape) must be 1-D, has rank %d",
                         node->in[0]->ndim);
  for (int i = 0; i < n; i++)
    if (dims[i] < 0)
      return nn_fail_node (err, NN_SHAPE, node,
                           "shape value %lld at index %d is negative",
                           (long long)dims[i], i);
  if (a) {
    if (a->type != NN_ATTR_TENSOR || !a->tensor || a->tensor->count != 1
        || !nn_dtype_size (a->tensor->dtype))
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "attribute 'value' must be a one-element tensor "
                           "of a supported type");
    dt = a->tensor->dtype;
  }
  if ((s = nn_op_alloc_params (node, sizeof (fill_params), err)))
    return s;
  fill_params *p = node->params;
  p->size = nn_dtype_size (dt);
  if (a)
    memcpy (p->value, a->tensor->cdata, p->size);
  return nn_op_set_output_type (node, 0, dt, n, dims, err);
}

static void
fill_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const fill_params *p = node->params;
  unsigned char *y = nn_value_ptr (node->out[0], ctx);
  for (size_t i = 0; i < node->out[0]->count; i++)
    memcpy (y + i * p->size, p->value, p->size);
}

/* ---- Shape, Size -------------------------------------------------------- */

static nn_status
shape_plan (nn_node *node, nn_error *err)
{
  int64_t start, end, n;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_attr_int (node, "start", 0, &start, err)))
    return s;
  const nn_value *x = node->in[0];
  if ((s = nn_op_attr_int (node, "end", x->ndim, &end, err)))
    return s;
  /* Opset 15: negative ends count from the back, then clamp. */
  if (start < 0)
    start += x->ndim;
  if (end < 0)
    end += x->ndim;
  start = start < 0 ? 0 : (start > x->ndim ? x->ndim : start);
  end = end < 0 ? 0 : (end > x->ndim ? x->ndim : end);
  n = end > start ? end - start : 0;
  if ((s = nn_op_alloc_params (node, sizeof (int64_t), err)))
    return s;
  *(int64_t *)node->params = start;
  return nn_op_set_output_type (node, 0, NN_DTYPE_INT64, 1, &n, err);
}

static void
shape_run (const nn_node *node, const nn_run_ctx *ctx)
{
  int64_t start = *(const int64_t *)node->params;
  int64_t *y = nn_value_ptr (node->out[0], ctx);
  for (size_t i = 0; i < node->out[0]->count; i++)
    y[i] = node->in[0]->dims[start + (int64_t)i];
}

static nn_status
size_plan (nn_node *node, nn_error *err)
{
  nn_status s = nn_op_check_arity (node, 1, 1, 1, 1, err);
  if (s)
    return s;
  return nn_op_set_output_type (node, 0, NN_DTYPE_INT64, 0, NULL, err);
}

static void
size_run (const nn_node *node, const nn_run_ctx *ctx)
{
  *(int64_t *)nn_value_ptr (node->out[0], ctx) = (int64_t)node->in[0]->count;
}

/* ---- Range -------------------------------------------------------------- */

static nn_status
range_plan (nn_node *node, nn_error *err)
{
  static const unsigned types = NN_TYPES_FLOAT | NN_TYPE_BIT (NN_DTYPE_DOUBLE)
                                | NN_TYPE_BIT (NN_DTYPE_INT16)
                                | NN_TYPE_BIT (NN_DTYPE_INT32)
                                | NN_TYPE_BIT (NN_DTYPE_INT64);
  static const char *const names[] = { "start", "limit", "delta" };
  double v[3];
  int64_t n;
  nn_status s;

  if ((s = nn_op_check_arity (node, 3, 3, 1, 1, err)))
    return s;
  for (int i = 0; i < 3; i++) {
    const nn_value *x = node->in[i];
    if ((s = nn_op_typed_input (node, i, names[i], types, err))
        || (s = nn_op_same_type (node, 0, i, err)))
      return s;
    if (x->kind != NN_VAL_CONST)
      return nn_fail_node (err, NN_UNSUPPORTED, node,
                           "input %s ('%s') must be a constant", names[i],
                           x->name);
    if (x->count != 1)
      return nn_fail_node (err, NN_SHAPE, node,
                           "input %s must be a scalar, has %zu values",
                           names[i], x->count);
    v[i] = nn_load_f64 (x->cdata, x->dtype, 0);
  }
  if (v[2] == 0.0 || !isfinite (v[0]) || !isfinite (v[1]) || !isfinite (v[2]))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "start %g, limit %g and delta %g give no range", v[0],
                         v[1], v[2]);
  if (nn_dtype_in (node->in[0]->dtype, NN_TYPES_INT)) {
    int64_t a = nn_load_i64 (node->in[0]->cdata, node->in[0]->dtype, 0);
    int64_t b = nn_load_i64 (node->in[1]->cdata, node->in[1]->dtype, 0);
    int64_t d = nn_load_i64 (node->in[2]->cdata, node->in[2]->dtype, 0);
    /* ceil((b - a) / d) in exact integers */
    double span = ((double)b - (double)a) / (double)d;
    n = span <= 0 ? 0 : (int64_t)ceil (span);
  } else {
    double span = ceil ((v[1] - v[0]) / v[2]);
    n = span > 0 ? (int64_t)span : 0;
  }
  if (n > (int64_t)NN_MAX_TENSOR_ELEMS)
    return nn_fail_node (err, NN_SHAPE, node,
                         "range of %lld values is too "
                         "long",
                         (long long)n);
  return nn_op_set_output_type (node, 0, node->in[0]->dtype, 1, &n, err);
}

static void
range_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const nn_value *a = node->in[0], *d = node->in[2];
  void *y = nn_value_ptr (node->out[0], ctx);
  nn_dtype t = a->dtype;
  size_t n = node->out[0]->count;
  const void *pa = nn_value_ptr (a, ctx), *pd = nn_value_ptr (d, ctx);

  if (nn_dtype_in (t, NN_TYPES_INT)) {
    int64_t s = nn_load_i64 (pa, t, 0), st = nn_load_i64 (pd, t, 0);
    for (size_t i = 0; i < n; i++)
      nn_store_i64 (y, t, i,
                    (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)st));
  } else if (t == NN_DTYPE_FLOAT) {
    float s = *(const float *)pa, st = *(const float *)pd;
    for (size_t i = 0; i < n; i++)
      ((float *)y)[i] = s + (float)i * st;
  } else {
    double s = nn_load_f64 (pa, t, 0), st = nn_load_f64 (pd, t, 0);
    for (size_t i = 0; i < n; i++)
      ((double *)y)[i] = s + (double)i * st;
  }
}

/* ---- EyeLike ------------------------------------------------------------ */

static nn_status
eye_like_plan (nn_node *node, nn_error *err)
{
  int64_t dtype, k;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_input_rank (node, 0, "input", 2, 2, err))
      || (s = nn_op_attr_int (node, "dtype", node->in[0]->dtype, &dtype, err))
      || (s = nn_op_attr_int (node, "k", 0, &k, err)))
    return s;
  if (!nn_dtype_in ((nn_dtype)dtype, NN_TYPES_ALL))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "attribute 'dtype' = %lld is not supported",
                         (long long)dtype);
  if ((s = nn_op_alloc_params (node, sizeof (int64_t), err)))
    return s;
  *(int64_t *)node->params = k;
  return nn_op_set_output_type (node, 0, (nn_dtype)dtype, 2, node->in[0]->dims,
                                err);
}

// y (R, C): ones on the diagonal shifted by k
static void
eye_like_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const nn_value *y = node->out[0];
  int64_t k = *(const int64_t *)node->params, r = y->dims[0], c = y->dims[1];
  void *out = nn_value_ptr (y, ctx);
  memset (out, 0, y->count * nn_dtype_size (y->dtype));
  for (int64_t i = 0; i < r; i++)
    if (i + k >= 0 && i + k < c)
      nn_store_f64 (out, y->dtype, (size_t)(i * c + i + k), 1.0);
}

/* ---- NonZero ------------------------------------------------------------ */

/* The output's shape is the data's count of non-zeros: only a constant
 * input can be planned (the planner refuses a computed one, naming the
 * node). */
static nn_status
non_zero_plan (nn_node *node, nn_error *err)
{
  int64_t dims[2];
  size_t nz = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "X", NN_TYPES_ALL, err)))
    return s;
  const nn_value *x = node->in[0];
  if (x->kind != NN_VAL_CONST)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "its output's shape depends on the data of input "
                         "'%s'",
                         x->name);
  for (size_t i = 0; i < x->count; i++)
    nz += nn_load_f64 (x->cdata, x->dtype, i) != 0.0;
  dims[0] = x->ndim;
  dims[1] = (int64_t)nz;
  return nn_op_set_output_type (node, 0, NN_DTYPE_INT64, 2, dims, err);
}

static void
non_zero_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const nn_value *x = node->in[0];
  int64_t *y = nn_value_ptr (node->out[0], ctx);
  size_t nz = (size_t)node->out[0]->dims[1], at = 0;
  for (size_t i = 0; i < x->count; i++) {
    size_t rem = i;
    if (nn_load_f64 (x->cdata, x->dtype, i) == 0.0)
      continue;
    for (int d = x->ndim - 1; d >= 0; d--) {
      y[(size_t)d * nz + at] = (int64_t)(rem % (size_t)x->dims[d]);
      rem /= (size_t)x->dims[d];
    }
    at++;
  }
}

/* ---- Cast, CastLike ----------------------------------------------------- */

static nn_status
cast_common (nn_node *node, nn_dtype to, nn_error *err)
{
  nn_status s;
  if ((s = nn_op_typed_input (node, 0, "input", NN_TYPES_ALL, err)))
    return s;
  if (!nn_dtype_in (to, NN_TYPES_ALL))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "casting to type %d (%s) is not supported", (int)to,
                         nn_dtype_name (to));
  return nn_op_set_output_type (node, 0, to, node->in[0]->ndim,
                                node->in[0]->dims, err);
}

static nn_status
cast_plan (nn_node *node, nn_error *err)
{
  int64_t to;
  nn_status s;
  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err)))
    return s;
  if (!nn_op_has_attr (node, "to"))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'to' is "
                         "required");
  if ((s = nn_op_attr_int (node, "to", 0, &to, err)))
    return s;
  return cast_common (node, (nn_dtype)to, err);
}

static nn_status
cast_like_plan (nn_node *node, nn_error *err)
{
  nn_status s;
  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err)))
    return s;
  return cast_common (node, node->in[1]->dtype, err);
}

// x (n) of one type, y (n) of another
static void
cast_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const nn_value *x = node->in[0], *y = node->out[0];
  const void *in = nn_value_ptr (x, ctx);
  void *out = nn_value_ptr (y, ctx);
  size_t n = x->count;
  nn_dtype from = x->dtype, to = y->dtype;

  if (from == to) {
    if (in != out)
      memcpy (out, in, n * nn_dtype_size (from));
  } else if (from == NN_DTYPE_FLOAT && to == NN_DTYPE_FLOAT16) {
    for (size_t i = 0; i < n; i++)
      ((uint16_t *)out)[i] = nn_float_to_half (((const float *)in)[i]);
  } else if (from == NN_DTYPE_FLOAT16 && to == NN_DTYPE_FLOAT) {
    for (size_t i = 0; i < n; i++)
      ((float *)out)[i] = nn_half_to_float (((const uint16_t *)in)[i]);
  } else if (from == NN_DTYPE_FLOAT16 || from == NN_DTYPE_FLOAT
             || from == NN_DTYPE_DOUBLE) {
    for (size_t i = 0; i < n; i++)
      nn_store_f64 (out, to, i, nn_load_f64 (in, from, i));
  } else if (from == NN_DTYPE_UINT64) {
    for (size_t i = 0; i < n; i++) {
      uint64_t v = ((const uint64_t *)in)[i];
      if (nn_dtype_in (to, NN_TYPES_INT) || to == NN_DTYPE_BOOL)
        nn_store_i64 (out, to, i, (int64_t)v);
      else
        nn_store_f64 (out, to, i, (double)v);
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      int64_t v = nn_load_i64 (in, from, i);
      if (to == NN_DTYPE_FLOAT)
        ((float *)out)[i] = (float)v;
      else
        nn_store_i64 (out, to, i, v);
    }
  }
}

const nn_op_def nn_op_constant
    = { .op_type = "Constant", .plan = constant_plan, .run = copy_params_run };
const nn_op_def nn_op_constant_of_shape = { .op_type = "ConstantOfShape",
                                            .plan = constant_of_shape_plan,
                                            .run = fill_run,
                                            .min_opset = 9,
                                            .const_inputs = 0x1 };
const nn_op_def nn_op_shape = {
  .op_type = "Shape", .plan = shape_plan, .run = shape_run, .shape_only = true
};
const nn_op_def nn_op_size = {
  .op_type = "Size", .plan = size_plan, .run = size_run, .shape_only = true
};
const nn_op_def nn_op_range = { .op_type = "Range",
                                .plan = range_plan,
                                .run = range_run,
                                .min_opset = 11,
                                .const_inputs = 0x7 };
const nn_op_def nn_op_eye_like = { .op_type = "EyeLike",
                                   .plan = eye_like_plan,
                                   .run = eye_like_run,
                                   .min_opset = 9,
                                   .shape_only = true };
const nn_op_def nn_op_non_zero = { .op_type = "NonZero",
                                   .plan = non_zero_plan,
                                   .run = non_zero_run,
                                   .min_opset = 9,
                                   .const_inputs = 0x1 };
/* Opsets 1-5 named the target type with a string. */
const nn_op_def nn_op_cast
    = { .op_type = "Cast", .plan = cast_plan, .run = cast_run, .min_opset = 6 };
const nn_op_def nn_op_cast_like = { .op_type = "CastLike",
                                    .plan = cast_like_plan,
                                    .run = cast_run,
                                    .min_opset = 15 };

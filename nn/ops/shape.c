/* Operators that only move data, of any type: Flatten, Reshape, Squeeze,
 * Unsqueeze, Identity, Dropout (inference: identity) and Transpose. The
 * planner turns most of the first group into views; when it does not,
 * run() copies. */
#include "ops.h"

#include <string.h>

static void
copy_run (const nn_node *node, const nn_run_ctx *ctx)
{
  /* Whole floats: a copy of the value's bytes, rounded up, stays inside
   * both tensors' arena slots (or constant buffers). */
  nn_op_copy (ctx->pool, nn_value_ptr (node->out[0], ctx),
              nn_value_ptr (node->in[0], ctx), nn_value_floats (node->in[0]));
}

static nn_status
any_input (const nn_node *node, const char *what, nn_error *err)
{
  return nn_op_typed_input (node, 0, what, NN_TYPES_ALL, err);
}

static nn_status
flatten_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr, dims[2];
  int axis;
  size_t outer, inner;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = any_input (node, "input", err))
      || (s = nn_op_attr_int (node, "axis", 1, &axis_attr, err)))
    return s;
  const nn_value *x = node->in[0];
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x->ndim, true,
                       &axis, err)))
    return s;
  if (!nn_op_dims_product (x->dims, 0, axis, &outer)
      || !nn_op_dims_product (x->dims, axis, x->ndim, &inner))
    return nn_fail_node (err, NN_SHAPE, node, "input is too large");
  dims[0] = (int64_t)outer;
  dims[1] = (int64_t)inner;
  return nn_op_set_output_type (node, 0, x->dtype, 2, dims, err);
}

static nn_status
reshape_plan (nn_node *node, nn_error *err)
{
  int64_t shape[NN_MAX_DIMS], allowzero;
  int n, infer = -1;
  size_t known = 1;
  bool has_zero = false;
  nn_status s;

  if (node->n_in == 1 && nn_op_has_attr (node, "shape"))
    return nn_fail_node (
        err, NN_UNSUPPORTED, node,
        "attribute 'shape' (Reshape before opset 5) is not supported");
  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = any_input (node, "data", err))
      || (s = nn_op_const_ints (node, 1, "shape", shape, NN_MAX_DIMS, &n, err))
      || (s = nn_op_attr_int (node, "allowzero", 0, &allowzero, err)))
    return s;
  const nn_value *x = node->in[0];
  if (allowzero != 0 && allowzero != 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'allowzero' must be 0 or 1, is %lld",
                         (long long)allowzero);

  for (int i = 0; i < n; i++) {
    if (shape[i] < -1)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "shape value %lld at index %d is invalid",
                           (long long)shape[i], i);
    if (shape[i] == -1) {
      if (infer >= 0)
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "shape has more than one -1");
      infer = i;
      continue;
    }
    if (shape[i] == 0) {
      has_zero = true;
      if (!allowzero) {
        if (i >= x->ndim)
          return nn_fail_node (
              err, NN_BAD_MODEL, node,
              "shape value 0 at index %d copies a dimension the input (rank "
              "%d) does not have",
              i, x->ndim);
        shape[i] = x->dims[i];
      }
    }
    if (!nn_mul_size (known, (size_t)shape[i], &known)
        || known > NN_MAX_TENSOR_ELEMS)
      return nn_fail_node (err, NN_SHAPE, node, "shape is too large");
  }
  if (allowzero && has_zero && infer >= 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "shape has both 0 and -1 while 'allowzero' is set");
  if (infer >= 0) {
    if (known == 0 || x->count % known != 0)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "cannot infer the -1 in shape: %zu elements into blocks of %zu",
          x->count, known);
    shape[infer] = (int64_t)(x->count / known);
    known *= (size_t)shape[infer];
  }
  if (known != x->count)
    return nn_fail_node (err, NN_SHAPE, node,
                         "shape holds %zu elements, the input has %zu", known,
                         x->count);
  return nn_op_set_output_type (node, 0, x->dtype, n, shape, err);
}

/* Axes from the attribute (before opset 13) or the constant input 1. *n is
 * -1 when neither is given. */
static nn_status
axes_of (const nn_node *node, int64_t *axes, int *n, nn_error *err)
{
  if (node->opset < 13)
    return nn_op_attr_ints (node, "axes", axes, NN_MAX_DIMS, n, err);
  *n = -1;
  if (!nn_op_input (node, 1))
    return NN_OK;
  return nn_op_const_ints (node, 1, "axes", axes, NN_MAX_DIMS, n, err);
}

static nn_status
squeeze_plan (nn_node *node, nn_error *err)
{
  int64_t axes[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  bool drop[NN_MAX_DIMS] = { false };
  int n, nd = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, node->opset < 13 ? 1 : 2, 1, 1, err))
      || (s = any_input (node, "data", err))
      || (s = axes_of (node, axes, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  if (n < 0) {
    for (int i = 0; i < x->ndim; i++)
      drop[i] = x->dims[i] == 1;
  } else {
    for (int i = 0; i < n; i++) {
      int a;
      if ((s
           = nn_op_axis (node, "axes value", axes[i], x->ndim, false, &a, err)))
        return s;
      if (drop[a])
        return nn_fail_node (err, NN_BAD_MODEL, node, "axis %d is listed twice",
                             a);
      if (x->dims[a] != 1)
        return nn_fail_node (err, NN_SHAPE, node,
                             "cannot squeeze axis %d of size %lld", a,
                             (long long)x->dims[a]);
      drop[a] = true;
    }
  }
  for (int i = 0; i < x->ndim; i++)
    if (!drop[i])
      dims[nd++] = x->dims[i];
  return nn_op_set_output_type (node, 0, x->dtype, nd, dims, err);
}

static nn_status
unsqueeze_plan (nn_node *node, nn_error *err)
{
  int64_t axes[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  bool added[NN_MAX_DIMS] = { false };
  int n;
  nn_status s;

  if ((s = nn_op_check_arity (node, node->opset < 13 ? 1 : 2,
                              node->opset < 13 ? 1 : 2, 1, 1, err))
      || (s = any_input (node, "data", err))
      || (s = axes_of (node, axes, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  if (n < 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'axes' is required");
  int rank = x->ndim + n;
  if (rank > NN_MAX_DIMS)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "result would have rank %d, at most %d is supported",
                         rank, NN_MAX_DIMS);
  for (int i = 0; i < n; i++) {
    int a;
    if ((s = nn_op_axis (node, "axes value", axes[i], rank, false, &a, err)))
      return s;
    if (added[a])
      return nn_fail_node (err, NN_BAD_MODEL, node, "axis %d is listed twice",
                           a);
    added[a] = true;
  }
  for (int i = 0, j = 0; i < rank; i++)
    dims[i] = added[i] ? 1 : x->dims[j++];
  return nn_op_set_output_type (node, 0, x->dtype, rank, dims, err);
}

static nn_status
identity_plan (nn_node *node, nn_error *err)
{
  nn_status s;
  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = any_input (node, "input", err)))
    return s;
  return nn_op_set_output_type (node, 0, node->in[0]->dtype, node->in[0]->ndim,
                                node->in[0]->dims, err);
}

/* A constant scalar as a double; false when not constant or not one. */
static bool
const_scalar (const nn_value *v, double *out)
{
  if (!v || v->kind != NN_VAL_CONST || v->count != 1 || !v->cdata
      || !nn_dtype_in (v->dtype, NN_TYPES_ALL))
    return false;
  *out = nn_load_f64 (v->cdata, v->dtype, 0);
  return true;
}

/* Dropout in inference: the identity, and a mask of ones. Training mode is
 * refused unless its ratio is 0 (exporters keep a training-mode Dropout of
 * ratio 0, mask and all). */
static nn_status
dropout_plan (nn_node *node, nn_error *err)
{
  double train = 0.0, ratio = 0.5;
  nn_status s;
  if ((s = nn_op_check_arity (node, 1, node->opset < 12 ? 1 : 3, 1, 2, err))
      || (s = nn_op_float_input (node, 0, "data", err)))
    return s;
  if (node->opset < 10 && nn_op_output (node, 1))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "output 1 (mask) before opset 10 is float; not "
                         "supported");
  const nn_value *t = nn_op_input (node, 2), *r = nn_op_input (node, 1);
  if (t && !const_scalar (t, &train))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input training_mode ('%s') must be a constant",
                         t->name ? t->name : "?");
  if (train != 0.0 && r && !const_scalar (r, &ratio))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input ratio ('%s') must be a constant in training "
                         "mode",
                         r->name ? r->name : "?");
  if (train != 0.0 && ratio != 0.0)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "training mode with ratio %g drops values at random; "
                         "only inference (or ratio 0) is supported",
                         ratio);
  if ((s = nn_op_set_output_type (node, 1, NN_DTYPE_BOOL, node->in[0]->ndim,
                                  node->in[0]->dims, err)))
    return s;
  return nn_op_set_output (node, 0, node->in[0]->ndim, node->in[0]->dims, err);
}

/* With its mask output the node is a step of its own: a copy and ones. */
static void
dropout_run (const nn_node *node, const nn_run_ctx *ctx)
{
  copy_run (node, ctx);
  if (nn_op_output (node, 1))
    memset (nn_value_ptr (node->out[1], ctx), 1, node->out[1]->count);
}

/* ---- Transpose ---------------------------------------------------------- */

static nn_status
transpose_plan (nn_node *node, nn_error *err)
{
  int64_t perm[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  ptrdiff_t in_stride[NN_MAX_DIMS], st[NN_MAX_DIMS], e = 1;
  bool seen[NN_MAX_DIMS] = { false };
  int n;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = any_input (node, "data", err))
      || (s = nn_op_attr_ints (node, "perm", perm, NN_MAX_DIMS, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  int r = x->ndim;
  if (n < 0) {
    for (int i = 0; i < r; i++)
      perm[i] = r - 1 - i;
  } else if (n != r)
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "attribute 'perm' has %d values for an input of rank %d", n, r);
  for (int i = 0; i < r; i++) {
    if (perm[i] < 0 || perm[i] >= r || seen[perm[i]])
      return nn_fail_node (
          err, NN_BAD_MODEL, node,
          "attribute 'perm' is not a permutation of 0..%d (value %lld at "
          "index %d)",
          r - 1, (long long)perm[i], i);
    seen[perm[i]] = true;
    dims[i] = x->dims[perm[i]];
  }
  if ((s = nn_op_set_output_type (node, 0, x->dtype, r, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (nn_strided), err)))
    return s;
  for (int i = r - 1; i >= 0; i--) {
    in_stride[i] = e;
    e *= (ptrdiff_t)x->dims[i];
  }
  for (int i = 0; i < r; i++)
    st[i] = in_stride[perm[i]];
  nn_strided_setup (node->params, nn_dtype_size (x->dtype), r, dims, st, 0);
  return NN_OK;
}

/* Every operator whose params are an nn_strided. */
void
nn_op_strided_run (const nn_node *node, const nn_run_ctx *ctx)
{
  nn_strided_run (node->params, ctx->pool, nn_value_ptr (node->in[0], ctx),
                  nn_value_ptr (node->out[0], ctx));
}

const nn_op_def nn_op_flatten = {
  .op_type = "Flatten", .plan = flatten_plan, .run = copy_run, .view = true
};
const nn_op_def nn_op_reshape = { .op_type = "Reshape",
                                  .plan = reshape_plan,
                                  .run = copy_run,
                                  .min_opset = 7,
                                  .const_inputs = 0x2,
                                  .view = true };
const nn_op_def nn_op_squeeze = { .op_type = "Squeeze",
                                  .plan = squeeze_plan,
                                  .run = copy_run,
                                  .const_inputs = 0x2,
                                  .view = true };
const nn_op_def nn_op_unsqueeze = { .op_type = "Unsqueeze",
                                    .plan = unsqueeze_plan,
                                    .run = copy_run,
                                    .const_inputs = 0x2,
                                    .view = true };
const nn_op_def nn_op_identity = {
  .op_type = "Identity", .plan = identity_plan, .run = copy_run, .view = true
};
const nn_op_def nn_op_dropout = { .op_type = "Dropout",
                                  .plan = dropout_plan,
                                  .run = dropout_run,
                                  .min_opset = 7,
                                  .const_inputs = 0x4,
                                  .view = true };
const nn_op_def nn_op_transpose = { .op_type = "Transpose",
                                    .plan = transpose_plan,
                                    .run = nn_op_strided_run };

/* Operators that only move data: Flatten, Reshape, Squeeze, Unsqueeze,
 * Identity, Dropout (inference: identity) and Transpose. The planner turns
 * most of the first group into views; when it does not, run() copies. */
#include "ops.h"

#include <string.h>

static void
copy_run (const nn_node *node, const nn_run_ctx *ctx)
{
  nn_op_copy (ctx->pool, nn_value_data (node->out[0], ctx),
              nn_value_data (node->in[0], ctx), node->in[0]->count);
}

static nn_status
flatten_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr, dims[2];
  int axis;
  size_t outer, inner;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "input", err))
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
  return nn_op_set_output (node, 0, 2, dims, err);
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
      || (s = nn_op_float_input (node, 0, "data", err))
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
  return nn_op_set_output (node, 0, n, shape, err);
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
      || (s = nn_op_float_input (node, 0, "data", err))
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
  return nn_op_set_output (node, 0, nd, dims, err);
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
      || (s = nn_op_float_input (node, 0, "data", err))
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
  return nn_op_set_output (node, 0, rank, dims, err);
}

static nn_status
identity_plan (nn_node *node, nn_error *err)
{
  nn_status s;
  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "input", err)))
    return s;
  return nn_op_set_output (node, 0, node->in[0]->ndim, node->in[0]->dims, err);
}

/* Dropout in inference: the identity. Training mode and the mask output are
 * refused. */
static nn_status
dropout_plan (nn_node *node, nn_error *err)
{
  nn_status s;
  if ((s = nn_op_check_arity (node, 1, node->opset < 12 ? 1 : 3, 1, 2, err))
      || (s = nn_op_refuse_output (node, 1, "mask", err))
      || (s = nn_op_float_input (node, 0, "data", err)))
    return s;
  const nn_value *t = nn_op_input (node, 2);
  if (t) {
    bool off = t->kind == NN_VAL_CONST && t->count == 1
               && ((t->iconst && t->iconst[0] == 0)
                   || (t->fconst && t->fconst[0] == 0.f));
    if (!off)
      return nn_fail_node (
          err, NN_UNSUPPORTED, node,
          "input training_mode ('%s') must be a constant false",
          t->name ? t->name : "?");
  }
  return nn_op_set_output (node, 0, node->in[0]->ndim, node->in[0]->dims, err);
}

/* ---- Transpose ---------------------------------------------------------- */

typedef struct transpose_params {
  int nd;                         /* merged axes */
  ptrdiff_t dims[NN_MAX_DIMS];    /* output dims, merged */
  ptrdiff_t istride[NN_MAX_DIMS]; /* input stride of each output axis */
  ptrdiff_t rows;                 /* product of dims[0..nd-1) */
} transpose_params;

static nn_status
transpose_plan (nn_node *node, nn_error *err)
{
  int64_t perm[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  bool seen[NN_MAX_DIMS] = { false };
  int n;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "data", err))
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
  if ((s = nn_op_set_output (node, 0, r, dims, err)))
    return s;
  if ((s = nn_op_alloc_params (node, sizeof (transpose_params), err)))
    return s;

  transpose_params *p = node->params;
  ptrdiff_t in_stride[NN_MAX_DIMS], e = 1;
  for (int i = r - 1; i >= 0; i--) {
    in_stride[i] = e;
    e *= (ptrdiff_t)x->dims[i];
  }
  /* Drop unit axes and merge output neighbours that are also input
   * neighbours in the same order. */
  int nd = 0;
  for (int i = 0; i < r; i++) {
    ptrdiff_t d = (ptrdiff_t)dims[i], st = in_stride[perm[i]];
    if (d == 1)
      continue;
    if (nd > 0 && p->istride[nd - 1] == st * d) {
      p->dims[nd - 1] *= d;
      p->istride[nd - 1] = st;
      continue;
    }
    p->dims[nd] = d;
    p->istride[nd] = st;
    nd++;
  }
  if (nd == 0) {
    p->dims[0] = (ptrdiff_t)x->count;
    p->istride[0] = 1;
    nd = 1;
  }
  p->nd = nd;
  p->rows = 1;
  for (int i = 0; i < nd - 1; i++)
    p->rows *= p->dims[i];
  return NN_OK;
}

typedef struct transpose_job {
  const transpose_params *p;
  const float *x;
  float *y;
} transpose_job;

// x (input dims), y (permuted dims): output rows [b, e)
static void
transpose_task (void *arg, int t, int nt)
{
  const transpose_job *j = arg;
  const transpose_params *p = j->p;
  ptrdiff_t idx[NN_MAX_DIMS] = { 0 }, off = 0;
  size_t b, e;
  int outer = p->nd - 1;

  nn_op_split_range ((size_t)p->rows, t, nt, &b, &e);
  if (b >= e)
    return;
  ptrdiff_t r = (ptrdiff_t)b;
  for (int d = outer - 1; d >= 0; d--) {
    idx[d] = r % p->dims[d];
    r /= p->dims[d];
    off += idx[d] * p->istride[d];
  }
  const ptrdiff_t n = p->dims[outer], st = p->istride[outer];
  for (size_t row = b; row < e; row++) {
    float *y = j->y + (ptrdiff_t)row * n;
    const float *x = j->x + off;
    if (st == 1)
      memcpy (y, x, sizeof (float) * (size_t)n);
    else
      for (ptrdiff_t i = 0; i < n; i++)
        y[i] = x[i * st];
    for (int d = outer - 1; d >= 0; d--) {
      off += p->istride[d];
      if (++idx[d] < p->dims[d])
        break;
      off -= idx[d] * p->istride[d];
      idx[d] = 0;
    }
  }
}

static void
transpose_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const transpose_params *p = node->params;
  transpose_job j = { p, nn_value_data (node->in[0], ctx),
                      nn_value_data (node->out[0], ctx) };
  if (node->out[0]->count == 0)
    return;
  nn_pool_run (ctx->pool, transpose_task, &j,
               nn_op_task_count (ctx->pool, (double)node->out[0]->count * 4.0,
                                 (size_t)p->rows));
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
                                  .run = copy_run,
                                  .min_opset = 7,
                                  .const_inputs = 0x4,
                                  .view = true };
const nn_op_def nn_op_transpose
    = { .op_type = "Transpose", .plan = transpose_plan, .run = transpose_run };

/* Softmax, LogSoftmax and ReduceMean. */
#include "ops.h"

#include <math.h>
#include <string.h>

/* ---- Softmax, LogSoftmax ------------------------------------------------ */

/* The input viewed as (outer, n, inner); the softmax runs along n. Before
 * opset 13 the input is coerced to 2-D at axis (inner = 1, n = product of
 * the trailing axes); from 13 on it runs along the single axis. */
typedef struct softmax_params {
  size_t outer, n, inner;
  bool log;
} softmax_params;

static nn_status
softmax_plan_common (nn_node *node, bool log, nn_error *err)
{
  int64_t axis_attr;
  int axis;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "input", err))
      || (s = nn_op_input_rank (node, 0, "input", 1, NN_MAX_DIMS, err))
      || (s = nn_op_attr_int (node, "axis", node->opset < 13 ? 1 : -1,
                              &axis_attr, err)))
    return s;
  const nn_value *x = node->in[0];
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x->ndim, false,
                       &axis, err)))
    return s;
  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (softmax_params), err)))
    return s;
  softmax_params *p = node->params;
  p->log = log;
  nn_op_dims_product (x->dims, 0, axis, &p->outer);
  if (node->opset < 13) {
    nn_op_dims_product (x->dims, axis, x->ndim, &p->n);
    p->inner = 1;
  } else {
    p->n = (size_t)x->dims[axis];
    nn_op_dims_product (x->dims, axis + 1, x->ndim, &p->inner);
  }
  return NN_OK;
}

static nn_status
softmax_plan (nn_node *node, nn_error *err)
{
  return softmax_plan_common (node, false, err);
}

static nn_status
log_softmax_plan (nn_node *node, nn_error *err)
{
  return softmax_plan_common (node, true, err);
}

/* One softmax over n values spaced by stride. */
// x (n), y (n), both with the given stride
static void
softmax_line (const float *x, float *y, size_t n, size_t stride, bool log)
{
  float m = -INFINITY;
  for (size_t i = 0; i < n; i++)
    m = x[i * stride] > m ? x[i * stride] : m;
  float sum = 0.f;
  if (log) {
    for (size_t i = 0; i < n; i++)
      sum += expf (x[i * stride] - m);
    float l = logf (sum);
    for (size_t i = 0; i < n; i++)
      y[i * stride] = x[i * stride] - m - l;
  } else {
    for (size_t i = 0; i < n; i++) {
      float e = expf (x[i * stride] - m);
      y[i * stride] = e;
      sum += e;
    }
    float r = 1.f / sum;
    for (size_t i = 0; i < n; i++)
      y[i * stride] *= r;
  }
}

typedef struct softmax_job {
  const softmax_params *p;
  const float *x;
  float *y;
} softmax_job;

// x, y (outer, n, inner): lines [b, e) of outer * inner
static void
softmax_task (void *arg, int t, int nt)
{
  const softmax_job *j = arg;
  const softmax_params *p = j->p;
  size_t b, e;
  nn_op_split_range (p->outer * p->inner, t, nt, &b, &e);
  for (size_t l = b; l < e; l++) {
    size_t o = l / p->inner, i = l % p->inner;
    size_t off = o * p->n * p->inner + i;
    softmax_line (j->x + off, j->y + off, p->n, p->inner, p->log);
  }
}

/* Reference: the textbook formula in double. */
// x, y (outer, n, inner)
static void
softmax_ref (const softmax_params *p, const float *x, float *y)
{
  for (size_t o = 0; o < p->outer; o++)
    for (size_t i = 0; i < p->inner; i++) {
      const float *xl = x + o * p->n * p->inner + i;
      float *yl = y + o * p->n * p->inner + i;
      double m = -INFINITY, sum = 0.0;
      for (size_t k = 0; k < p->n; k++)
        m = xl[k * p->inner] > m ? xl[k * p->inner] : m;
      for (size_t k = 0; k < p->n; k++)
        sum += exp (xl[k * p->inner] - m);
      for (size_t k = 0; k < p->n; k++)
        yl[k * p->inner] = (float)(p->log ? xl[k * p->inner] - m - log (sum)
                                          : exp (xl[k * p->inner] - m) / sum);
    }
}

static void
softmax_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const softmax_params *p = node->params;
  softmax_job j = { p, nn_value_data (node->in[0], ctx),
                    nn_value_data (node->out[0], ctx) };
  if (p->n == 0)
    return;
  if (ctx->reference) {
    softmax_ref (p, j.x, j.y);
    return;
  }
  nn_pool_run (ctx->pool, softmax_task, &j,
               nn_op_task_count (ctx->pool, (double)node->in[0]->count * 20.0,
                                 p->outer * p->inner));
}

const nn_op_def nn_op_softmax
    = { .op_type = "Softmax", .plan = softmax_plan, .run = softmax_run };
const nn_op_def nn_op_log_softmax
    = { .op_type = "LogSoftmax", .plan = log_softmax_plan, .run = softmax_run };

/* ---- ReduceMean --------------------------------------------------------- */

typedef struct reduce_params {
  int nd; /* input axes after merging */
  size_t dims[NN_MAX_DIMS];
  bool reduced[NN_MAX_DIMS];
  size_t count;  /* elements averaged into each output */
  bool trailing; /* one reduced block at the end: rows */
  bool copy;     /* noop_with_empty_axes */
} reduce_params;

static nn_status
reduce_mean_plan (nn_node *node, nn_error *err)
{
  int64_t axes[NN_MAX_DIMS], keepdims, noop, dims[NN_MAX_DIMS];
  bool red[NN_MAX_DIMS] = { false };
  int n = -1, nd = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, node->opset < 18 ? 1 : 2, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "data", err))
      || (s = nn_op_attr_int (node, "keepdims", 1, &keepdims, err))
      || (s = nn_op_attr_int (node, "noop_with_empty_axes", 0, &noop, err)))
    return s;
  if (node->opset < 18) {
    if ((s = nn_op_attr_ints (node, "axes", axes, NN_MAX_DIMS, &n, err)))
      return s;
  } else if (nn_op_input (node, 1)
             && (s = nn_op_const_ints (node, 1, "axes", axes, NN_MAX_DIMS, &n,
                                       err)))
    return s;
  const nn_value *x = node->in[0];
  if (keepdims != 0 && keepdims != 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'keepdims' must be 0 or 1, is %lld",
                         (long long)keepdims);

  if ((s = nn_op_alloc_params (node, sizeof (reduce_params), err)))
    return s;
  reduce_params *p = node->params;
  if (n <= 0 && noop && node->opset >= 18) {
    p->copy = true;
    return nn_op_set_output (node, 0, x->ndim, x->dims, err);
  }
  if (n <= 0) {
    for (int i = 0; i < x->ndim; i++)
      red[i] = true;
  } else {
    for (int i = 0; i < n; i++) {
      int a;
      if ((s
           = nn_op_axis (node, "axes value", axes[i], x->ndim, false, &a, err)))
        return s;
      if (red[a])
        return nn_fail_node (err, NN_BAD_MODEL, node, "axis %d is listed twice",
                             a);
      red[a] = true;
    }
  }
  p->count = 1;
  for (int i = 0; i < x->ndim; i++) {
    if (red[i]) {
      p->count *= (size_t)x->dims[i];
      if (keepdims)
        dims[nd++] = 1;
    } else
      dims[nd++] = x->dims[i];
  }
  if ((s = nn_op_set_output (node, 0, nd, dims, err)))
    return s;

  /* Merge neighbouring axes of the same kind. */
  int m = 0;
  for (int i = 0; i < x->ndim; i++) {
    if (x->dims[i] == 1)
      continue;
    if (m > 0 && p->reduced[m - 1] == red[i]) {
      p->dims[m - 1] *= (size_t)x->dims[i];
      continue;
    }
    p->dims[m] = (size_t)x->dims[i];
    p->reduced[m] = red[i];
    m++;
  }
  if (m == 0) {
    p->dims[0] = x->count;
    p->reduced[0] = true;
    m = 1;
  }
  p->nd = m;
  /* Rows fast path: the last merged axis is the only reduced one. */
  p->trailing = p->reduced[m - 1];
  for (int d = 0; d < m - 1; d++)
    if (p->reduced[d])
      p->trailing = false;
  return NN_OK;
}

// x (merged dims), y (the kept axes)
static void
reduce_mean_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const reduce_params *p = node->params;
  const float *x = nn_value_data (node->in[0], ctx);
  float *y = nn_value_data (node->out[0], ctx);
  size_t out_count = node->out[0]->count;

  if (p->copy) {
    nn_op_copy (ctx->pool, y, x, node->in[0]->count);
    return;
  }
  if (out_count == 0)
    return;
  if (p->count == 0) {
    for (size_t i = 0; i < out_count; i++)
      y[i] = NAN; /* the mean of nothing */
    return;
  }
  if (p->trailing && !ctx->reference) {
    size_t n = p->dims[p->nd - 1];
    for (size_t r = 0; r < out_count; r++) {
      const float *row = x + r * n;
      float acc[8] = { 0 }, t = 0.f;
      size_t i = 0;
      for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
          acc[k] += row[i + k];
      for (; i < n; i++)
        t += row[i];
      for (int k = 0; k < 8; k++)
        t += acc[k];
      y[r] = t / (float)n;
    }
    return;
  }
  /* General case: walk the input once, adding into the kept position. */
  size_t idx[NN_MAX_DIMS] = { 0 }, in_count = node->in[0]->count;
  memset (y, 0, sizeof (float) * out_count);
  for (size_t i = 0; i < in_count; i++) {
    size_t o = 0;
    for (int d = 0; d < p->nd; d++)
      if (!p->reduced[d])
        o = o * p->dims[d] + idx[d];
    y[o] += x[i];
    for (int d = p->nd - 1; d >= 0; d--) {
      if (++idx[d] < p->dims[d])
        break;
      idx[d] = 0;
    }
  }
  for (size_t i = 0; i < out_count; i++)
    y[i] /= (float)p->count;
}

const nn_op_def nn_op_reduce_mean = { .op_type = "ReduceMean",
                                      .plan = reduce_mean_plan,
                                      .run = reduce_mean_run,
                                      .const_inputs = 0x2 };

/* Softmax, LogSoftmax and Hardmax. */
#include "ops.h"

#include <math.h>
#include <string.h>

/* The input viewed as (outer, n, inner); the softmax runs along n. Before
 * opset 13 the input is coerced to 2-D at axis (inner = 1, n = product of
 * the trailing axes); from 13 on it runs along the single axis. */
typedef struct softmax_params {
  size_t outer, n, inner;
  bool log;
  bool hard; /* Hardmax: 1 at the first maximum, 0 elsewhere */
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
hardmax_plan (nn_node *node, nn_error *err)
{
  nn_status s = softmax_plan_common (node, false, err);
  if (s == NN_OK)
    ((softmax_params *)node->params)->hard = true;
  return s;
}

// x, y (outer, n, inner): one-hot of the first maximum along n
static void
hardmax_run (const softmax_params *p, const float *x, float *y)
{
  for (size_t o = 0; o < p->outer; o++)
    for (size_t i = 0; i < p->inner; i++) {
      const float *xl = x + o * p->n * p->inner + i;
      float *yl = y + o * p->n * p->inner + i;
      size_t best = 0;
      for (size_t k = 1; k < p->n; k++)
        if (xl[k * p->inner] > xl[best * p->inner])
          best = k;
      for (size_t k = 0; k < p->n; k++)
        yl[k * p->inner] = k == best ? 1.f : 0.f;
    }
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
  if (p->hard) {
    hardmax_run (p, j.x, j.y);
    return;
  }
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
const nn_op_def nn_op_hardmax
    = { .op_type = "Hardmax", .plan = hardmax_plan, .run = softmax_run };

/* MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (1-D and 2-D). */
#include "window.h"

typedef struct pool_params {
  nn_win2d g;
  ptrdiff_t planes; /* N * C */
  ptrdiff_t inner;  /* global pools: spatial size */
  bool is_max;
  bool count_include_pad;
} pool_params;

static nn_status
bool_attr (const nn_node *node, const char *name, bool *out, nn_error *err)
{
  int64_t v;
  nn_status s = nn_op_attr_int (node, name, 0, &v, err);
  if (s)
    return s;
  if (v != 0 && v != 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute '%s' must be 0 or 1, is %lld", name,
                         (long long)v);
  *out = v != 0;
  return NN_OK;
}

static nn_status
window_pool_plan (nn_node *node, bool is_max, nn_error *err)
{
  int64_t kernel[NN_MAX_DIMS];
  int nk;
  bool ceil_mode = false, cip = false, storage_order = false;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, is_max ? 2 : 1, err))
      || (is_max && (s = nn_op_refuse_output (node, 1, "Indices", err)))
      || (s = nn_op_float_input (node, 0, "X", err)))
    return s;
  const nn_value *x = node->in[0];
  if (x->ndim == 5)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "3-D pooling is not supported");
  if ((s = nn_op_input_rank (node, 0, "X", 3, 4, err)))
    return s;
  int nsp = x->ndim - 2;

  if ((s
       = nn_op_attr_ints (node, "kernel_shape", kernel, NN_MAX_DIMS, &nk, err)))
    return s;
  if (nk < 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'kernel_shape' is required");
  if (nk != nsp)
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "attribute 'kernel_shape' has %d values, the input has %d spatial "
        "axes",
        nk, nsp);
  if ((s = bool_attr (node, "ceil_mode", &ceil_mode, err)))
    return s;
  if (is_max) {
    /* storage_order only shapes the Indices output, which is refused. */
    if ((s = bool_attr (node, "storage_order", &storage_order, err)))
      return s;
  } else if ((s = bool_attr (node, "count_include_pad", &cip, err)))
    return s;

  nn_win2d g;
  if ((s = nn_op_window (node, x, nsp, kernel, ceil_mode, is_max, &g, err)))
    return s;
  if ((s = nn_op_window_output (node, x, nsp, x->dims[1], &g, err)))
    return s;
  if ((s = nn_op_alloc_params (node, sizeof (pool_params), err)))
    return s;
  pool_params *p = node->params;
  p->g = g;
  p->planes = (ptrdiff_t)x->dims[0] * (ptrdiff_t)x->dims[1];
  p->is_max = is_max;
  p->count_include_pad = cip;
  return NN_OK;
}

static nn_status
max_pool_plan (nn_node *node, nn_error *err)
{
  return window_pool_plan (node, true, err);
}

static nn_status
average_pool_plan (nn_node *node, nn_error *err)
{
  return window_pool_plan (node, false, err);
}

typedef struct pool_job {
  const pool_params *p;
  const float *x;
  float *y;
} pool_job;

// x (P,H,W), y (P,OH,OW): a slice of planes
static void
window_pool_task (void *arg, int i, int n)
{
  const pool_job *j = arg;
  size_t b, e;
  nn_op_split_range ((size_t)j->p->planes, i, n, &b, &e);
  if (j->p->is_max)
    nn_maxpool2d (j->x, j->y, (ptrdiff_t)b, (ptrdiff_t)e, &j->p->g);
  else
    nn_avgpool2d (j->x, j->y, (ptrdiff_t)b, (ptrdiff_t)e, &j->p->g,
                  j->p->count_include_pad);
}

static void
window_pool_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const pool_params *p = node->params;
  pool_job j = { p, nn_value_data (node->in[0], ctx),
                 nn_value_data (node->out[0], ctx) };
  if (ctx->reference) {
    if (p->is_max)
      nn_ref_maxpool2d (j.x, j.y, p->planes, &p->g);
    else
      nn_ref_avgpool2d (j.x, j.y, p->planes, &p->g, p->count_include_pad);
    return;
  }
  double work = (double)node->out[0]->count * (double)(p->g.kh * p->g.kw);
  nn_pool_run (ctx->pool, window_pool_task, &j,
               nn_op_task_count (ctx->pool, work, (size_t)p->planes));
}

static nn_status
global_pool_plan (nn_node *node, bool is_max, nn_error *err)
{
  int64_t dims[NN_MAX_DIMS];
  size_t inner;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_input_rank (node, 0, "X", 2, NN_MAX_DIMS, err)))
    return s;
  const nn_value *x = node->in[0];
  if (!nn_op_dims_product (x->dims, 2, x->ndim, &inner))
    return nn_fail_node (err, NN_SHAPE, node, "input X is too large");
  if (inner == 0)
    return nn_fail_node (err, NN_SHAPE, node,
                         "input X has an empty spatial extent");
  dims[0] = x->dims[0];
  dims[1] = x->dims[1];
  for (int i = 2; i < x->ndim; i++)
    dims[i] = 1;
  if ((s = nn_op_set_output (node, 0, x->ndim, dims, err)))
    return s;
  if ((s = nn_op_alloc_params (node, sizeof (pool_params), err)))
    return s;
  pool_params *p = node->params;
  p->planes = (ptrdiff_t)x->dims[0] * (ptrdiff_t)x->dims[1];
  p->inner = (ptrdiff_t)inner;
  p->is_max = is_max;
  return NN_OK;
}

static nn_status
global_average_pool_plan (nn_node *node, nn_error *err)
{
  return global_pool_plan (node, false, err);
}

static nn_status
global_max_pool_plan (nn_node *node, nn_error *err)
{
  return global_pool_plan (node, true, err);
}

// x (P,S), y (P): a slice of planes
static void
global_pool_task (void *arg, int i, int n)
{
  const pool_job *j = arg;
  size_t b, e;
  nn_op_split_range ((size_t)j->p->planes, i, n, &b, &e);
  if (j->p->is_max)
    nn_global_maxpool (j->x, j->y, (ptrdiff_t)b, (ptrdiff_t)e, j->p->inner);
  else
    nn_global_avgpool (j->x, j->y, (ptrdiff_t)b, (ptrdiff_t)e, j->p->inner);
}

/* Reference: one plain loop per plane, summed in double. */
// x (P,S), y (P)
static void
global_pool_ref (const pool_params *p, const float *x, float *y)
{
  for (ptrdiff_t q = 0; q < p->planes; q++) {
    const float *r = x + q * p->inner;
    double acc = p->is_max ? (double)r[0] : 0.0;
    for (ptrdiff_t i = 0; i < p->inner; i++) {
      if (p->is_max)
        acc = r[i] > acc ? r[i] : acc;
      else
        acc += r[i];
    }
    y[q] = (float)(p->is_max ? acc : acc / (double)p->inner);
  }
}

static void
global_pool_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const pool_params *p = node->params;
  pool_job j = { p, nn_value_data (node->in[0], ctx),
                 nn_value_data (node->out[0], ctx) };
  if (ctx->reference) {
    global_pool_ref (p, j.x, j.y);
    return;
  }
  nn_pool_run (ctx->pool, global_pool_task, &j,
               nn_op_task_count (ctx->pool, (double)node->in[0]->count,
                                 (size_t)p->planes));
}

/* Elements one output reads: the window clipped to the input (the kernels
 * skip taps that fall in padding, however wide a SAME-padded window is). */
static double
window_pool_work (const nn_node *node)
{
  const pool_params *p = node->params;
  ptrdiff_t kh, kw;
  if (!p || !node->out[0])
    return 0.0;
  kh = p->g.kh < p->g.ih ? p->g.kh : p->g.ih;
  kw = p->g.kw < p->g.iw ? p->g.kw : p->g.iw;
  return (double)node->out[0]->count * (double)(kh > 0 ? kh : 1)
         * (double)(kw > 0 ? kw : 1);
}

const nn_op_def nn_op_max_pool = { .op_type = "MaxPool",
                                   .plan = max_pool_plan,
                                   .run = window_pool_run,
                                   .work = window_pool_work };
const nn_op_def nn_op_average_pool = { .op_type = "AveragePool",
                                       .plan = average_pool_plan,
                                       .run = window_pool_run,
                                       .work = window_pool_work };
const nn_op_def nn_op_global_average_pool = {
  .op_type = "GlobalAveragePool",
  .plan = global_average_pool_plan,
  .run = global_pool_run,
};
const nn_op_def nn_op_global_max_pool = {
  .op_type = "GlobalMaxPool",
  .plan = global_max_pool_plan,
  .run = global_pool_run,
};

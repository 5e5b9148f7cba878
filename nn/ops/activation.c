/* Element-wise activations (Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid,
 * HardSwish, Tanh) and inference-mode BatchNormalization. */
#include "ops.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Activations ------------------------------------------------------ */

/* What an activation node keeps: its nn_act (first: it is what a fusing
 * producer applies), and whether Clip reads its bounds at run time. */
typedef struct act_params {
  nn_act act;
  bool runtime_lo, runtime_hi;
} act_params;

typedef struct act_job {
  const nn_act *act;
  float *y;
  const float *x;
  size_t n;
} act_job;

static void
act_task (void *arg, int i, int n)
{
  const act_job *j = arg;
  size_t b, e;
  nn_op_split_range (j->n, i, n, &b, &e);
  nn_act_map (j->act, j->y + b, j->x + b, e - b);
}

static nn_status
act_plan_common (nn_node *node, nn_act act, nn_error *err)
{
  nn_status s;
  const nn_value *x = node->in[0];

  if ((s = nn_op_float_input (node, 0, "X", err)))
    return s;
  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err)))
    return s;
  if ((s = nn_op_alloc_params (node, sizeof (act_params), err)))
    return s;
  ((act_params *)node->params)->act = act;
  return NN_OK;
}

static void
act_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const nn_value *x = node->in[0];
  const act_params *p = node->params;
  nn_act act = p->act;
  if (p->runtime_lo)
    act.alpha = *nn_value_data (node->in[1], ctx);
  if (p->runtime_hi)
    act.beta = *nn_value_data (node->in[2], ctx);
  act_job j = { &act, nn_value_data (node->out[0], ctx), nn_value_data (x, ctx),
                x->count };
  nn_pool_run (ctx->pool, act_task, &j,
               nn_op_task_count (ctx->pool, (double)x->count * 4.0, 64));
}

static nn_status
relu_plan (nn_node *node, nn_error *err)
{
  nn_status s = nn_op_check_arity (node, 1, 1, 1, 1, err);
  if (s)
    return s;
  return act_plan_common (node, (nn_act){ NN_ACT_RELU, 0.f, 0.f }, err);
}

static nn_status
leaky_relu_plan (nn_node *node, nn_error *err)
{
  float alpha;
  nn_status s = nn_op_check_arity (node, 1, 1, 1, 1, err);
  if (s || (s = nn_op_attr_float (node, "alpha", 0.01f, &alpha, err)))
    return s;
  return act_plan_common (node, (nn_act){ NN_ACT_LEAKY_RELU, alpha, 0.f }, err);
}

static nn_status
sigmoid_plan (nn_node *node, nn_error *err)
{
  nn_status s = nn_op_check_arity (node, 1, 1, 1, 1, err);
  if (s)
    return s;
  return act_plan_common (node, (nn_act){ NN_ACT_SIGMOID, 0.f, 0.f }, err);
}

static nn_status
tanh_plan (nn_node *node, nn_error *err)
{
  nn_status s = nn_op_check_arity (node, 1, 1, 1, 1, err);
  if (s)
    return s;
  return act_plan_common (node, (nn_act){ NN_ACT_TANH, 0.f, 0.f }, err);
}

static nn_status
hard_sigmoid_plan (nn_node *node, nn_error *err)
{
  float alpha, beta;
  nn_status s = nn_op_check_arity (node, 1, 1, 1, 1, err);
  if (s || (s = nn_op_attr_float (node, "alpha", 0.2f, &alpha, err))
      || (s = nn_op_attr_float (node, "beta", 0.5f, &beta, err)))
    return s;
  return act_plan_common (node, (nn_act){ NN_ACT_HARD_SIGMOID, alpha, beta },
                          err);
}

static nn_status
hard_swish_plan (nn_node *node, nn_error *err)
{
  nn_status s = nn_op_check_arity (node, 1, 1, 1, 1, err);
  if (s)
    return s;
  return act_plan_common (node, (nn_act){ NN_ACT_HARD_SWISH, 0.f, 0.f }, err);
}

/* A Clip bound from opset 11 on: an optional scalar input, a constant
 * (read now) or computed at run time (read by run()). */
static nn_status
clip_bound (const nn_node *node, int i, const char *what, float *out,
            bool *runtime, nn_error *err)
{
  const nn_value *v = nn_op_input (node, i);
  nn_status s;
  *runtime = false;
  if (!v)
    return NN_OK;
  if (v->kind == NN_VAL_CONST)
    return nn_op_const_scalar (node, i, what, out, err);
  if ((s = nn_op_float_input (node, i, what, err)))
    return s;
  if (v->count != 1)
    return nn_fail_node (err, NN_SHAPE, node,
                         "input %s ('%s') must hold one value, has %zu", what,
                         v->name, v->count);
  *runtime = true;
  return NN_OK;
}

/* Clip: bounds are attributes before opset 11, optional scalar inputs from
 * 11 on. Absent bounds leave that side open. */
static nn_status
clip_plan (nn_node *node, nn_error *err)
{
  float lo = -FLT_MAX, hi = FLT_MAX;
  bool rlo = false, rhi = false;
  nn_status s;

  if (node->opset < 11) {
    if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
        || (s = nn_op_attr_float (node, "min", -FLT_MAX, &lo, err))
        || (s = nn_op_attr_float (node, "max", FLT_MAX, &hi, err)))
      return s;
  } else {
    if ((s = nn_op_check_arity (node, 1, 3, 1, 1, err))
        || (s = clip_bound (node, 1, "min", &lo, &rlo, err))
        || (s = clip_bound (node, 2, "max", &hi, &rhi, err)))
      return s;
  }
  /* min > max gives max everywhere, as numpy.clip does: the order of the
   * two comparisons in nn_act_map already yields that. */
  if ((s = act_plan_common (node, (nn_act){ NN_ACT_CLIP, lo, hi }, err)))
    return s;
  ((act_params *)node->params)->runtime_lo = rlo;
  ((act_params *)node->params)->runtime_hi = rhi;
  return NN_OK;
}

/* Every activation keeps its nn_act in params: that is what a producer
 * that fuses it applies. */
static bool
act_as_act (const nn_node *node, nn_act *act)
{
  const act_params *p = node->params;
  if (!p || p->runtime_lo || p->runtime_hi)
    return false;
  *act = p->act;
  return true;
}

#define NN_ACT_DEF(NAME, PLAN, ...)                                            \
  {                                                                            \
    .op_type = NAME, .plan = PLAN, .run = act_run, .as_act = act_as_act,       \
    __VA_ARGS__                                                                \
  }

const nn_op_def nn_op_relu = NN_ACT_DEF ("Relu", relu_plan);
const nn_op_def nn_op_leaky_relu = NN_ACT_DEF ("LeakyRelu", leaky_relu_plan);
const nn_op_def nn_op_clip = NN_ACT_DEF ("Clip", clip_plan);
const nn_op_def nn_op_sigmoid = NN_ACT_DEF ("Sigmoid", sigmoid_plan);
const nn_op_def nn_op_hard_sigmoid
    = NN_ACT_DEF ("HardSigmoid", hard_sigmoid_plan);
const nn_op_def nn_op_hard_swish = NN_ACT_DEF ("HardSwish", hard_swish_plan);
const nn_op_def nn_op_tanh = NN_ACT_DEF ("Tanh", tanh_plan);

/* ---- BatchNormalization ----------------------------------------------- */

/* y = x * a[c] + b[c] with a = scale / sqrt(var + eps), b = bias - mean * a.
 * Constant statistics are folded into a and b at plan time; otherwise
 * run() derives them per channel. */
typedef struct bn_params {
  float eps;
  size_t channels; /* length of a and b (C, or C*H*W) */
  size_t outer;    /* N */
  size_t inner;    /* elements per channel and image */
  int folded;
  float ab[]; /* a[channels], b[channels] when folded */
} bn_params;

static nn_status
batchnorm_plan (nn_node *node, nn_error *err)
{
  static const char *names[] = { "X", "scale", "B", "mean", "var" };
  int64_t training = 0, spatial = 1;
  float eps;
  nn_status s;
  size_t channels, inner;
  bool all_const = true;

  if ((s = nn_op_check_arity (node, 5, 5, 1, 5, err)))
    return s;
  for (int i = 1; i < node->n_out; i++)
    if ((s = nn_op_refuse_output (node, i, "training statistics", err)))
      return s;
  if ((s = nn_op_attr_float (node, "epsilon", 1e-5f, &eps, err))
      || (s = nn_op_attr_int (node, "training_mode", 0, &training, err))
      || (s = nn_op_attr_int (node, "spatial", 1, &spatial, err)))
    return s;
  if (training != 0)
    return nn_fail_node (
        err, NN_UNSUPPORTED, node,
        "attribute 'training_mode' = %lld is not supported (inference only)",
        (long long)training);
  if (node->opset >= 9)
    spatial = 1; /* the attribute was removed in opset 9 */
  if (spatial != 0 && spatial != 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'spatial' must be 0 or 1, is %lld",
                         (long long)spatial);
  if (!(eps >= 0.f) || !isfinite (eps))
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "attribute 'epsilon' must be a finite value >= 0, is %g", eps);
  for (int i = 0; i < 5; i++)
    if ((s = nn_op_float_input (node, i, names[i], err)))
      return s;
  if ((s = nn_op_input_rank (node, 0, "X", 2, NN_MAX_DIMS, err)))
    return s;

  const nn_value *x = node->in[0];
  channels = (size_t)x->dims[1];
  if (!nn_op_dims_product (x->dims, 2, x->ndim, &inner))
    return nn_fail_node (err, NN_SHAPE, node, "input X is too large");
  if (spatial == 0) {
    /* Opset 7 per-activation statistics: one value per (C, spatial...). */
    size_t all = channels * inner;
    if (node->in[1]->count == all && all != channels) {
      channels = all;
      inner = 1;
    }
  }
  for (int i = 1; i < 5; i++) {
    const nn_value *v = node->in[i];
    if (v->count != channels)
      return nn_fail_node (err, NN_SHAPE, node,
                           "input %s ('%s') has %zu values, X has %zu channels",
                           names[i], v->name, v->count, channels);
    if (v->kind != NN_VAL_CONST)
      all_const = false;
  }

  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err)))
    return s;
  size_t bytes = sizeof (bn_params);
  if (all_const)
    bytes += 2 * channels * sizeof (float);
  if ((s = nn_op_alloc_params (node, bytes, err)))
    return s;
  bn_params *p = node->params;
  p->eps = eps;
  p->channels = channels;
  p->outer = (size_t)x->dims[0];
  p->inner = inner;
  p->folded = all_const;
  if (all_const) {
    const float *sc = node->in[1]->fconst, *bi = node->in[2]->fconst,
                *mu = node->in[3]->fconst, *va = node->in[4]->fconst;
    for (size_t c = 0; c < channels; c++) {
      float a = sc[c] / sqrtf (va[c] + eps);
      p->ab[c] = a;
      p->ab[channels + c] = bi[c] - mu[c] * a;
    }
  }
  return NN_OK;
}

typedef struct bn_job {
  const nn_node *node;
  const nn_run_ctx *ctx;
} bn_job;

// x (N,C,S), y (N,C,S): one (n, c) row per step
static void
bn_task (void *arg, int t, int nt)
{
  const bn_job *j = arg;
  const nn_node *node = j->node;
  const bn_params *p = node->params;
  const float *x = nn_value_data (node->in[0], j->ctx);
  float *y = nn_value_data (node->out[0], j->ctx);
  size_t rows = p->outer * p->channels, b, e;

  nn_op_split_range (rows, t, nt, &b, &e);
  for (size_t r = b; r < e; r++) {
    size_t c = r % p->channels;
    float a, bb;
    if (p->folded) {
      a = p->ab[c];
      bb = p->ab[p->channels + c];
    } else {
      const float *sc = nn_value_data (node->in[1], j->ctx);
      const float *bi = nn_value_data (node->in[2], j->ctx);
      const float *mu = nn_value_data (node->in[3], j->ctx);
      const float *va = nn_value_data (node->in[4], j->ctx);
      a = sc[c] / sqrtf (va[c] + p->eps);
      bb = bi[c] - mu[c] * a;
    }
    const float *xr = x + r * p->inner;
    float *yr = y + r * p->inner;
    for (size_t i = 0; i < p->inner; i++)
      yr[i] = xr[i] * a + bb;
    nn_act_apply (&node->act, yr, p->inner);
  }
}

static void
batchnorm_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const bn_params *p = node->params;
  bn_job j = { node, ctx };
  nn_pool_run (ctx->pool, bn_task, &j,
               nn_op_task_count (ctx->pool, (double)node->out[0]->count * 4.0,
                                 p->outer * p->channels));
}

const nn_op_def nn_op_batchnorm = { .op_type = "BatchNormalization",
                                    .plan = batchnorm_plan,
                                    .run = batchnorm_run,
                                    .fuses_activation = 1,
                                    .min_opset = 7 };

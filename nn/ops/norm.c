/* Normalisations over groups of elements: LayerNormalization,
 * GroupNormalization, InstanceNormalization, MeanVarianceNormalization and
 * LRN. Means and variances are accumulated in double (two passes), so a
 * row's statistics do not depend on how many threads share the rows. */
#include "ops.h"

#include <math.h>
#include <string.h>

/* ---- LayerNormalization, GroupNormalization, InstanceNormalization ------ */

/* X viewed as (rows, n): each row normalised on its own. The affine part
 * is y = x_hat * scale[c] + bias[c] where c = (row index, element index)
 * mapped to a channel: for LayerNormalization the element index (scale
 * over the normalised axes), for the others the channel of the row. */
typedef struct norm_params {
  size_t rows, n;
  float eps;
  enum { AFFINE_ELEMENT, AFFINE_ROW_CHANNEL, AFFINE_ROW_INNER } affine;
  size_t channels, inner; /* AFFINE_ROW_*: channel = (row / div) % channels */
  size_t div;
  bool has_bias;
  bool scalar_scale, scalar_bias;
} norm_params;

static nn_status
norm_alloc (nn_node *node, nn_error *err)
{
  return nn_op_alloc_params (node, sizeof (norm_params), err);
}

typedef struct norm_job {
  const nn_node *node;
  const float *x, *scale, *bias;
  float *y, *mean, *inv;
} norm_job;

// x, y (rows, n); scale, bias per the affine rule; mean, inv (rows) or NULL
static void
norm_task (void *arg, int t, int nt)
{
  const norm_job *j = arg;
  const norm_params *p = j->node->params;
  size_t b, e;
  nn_op_split_range (p->rows, t, nt, &b, &e);
  for (size_t r = b; r < e; r++) {
    const float *x = j->x + r * p->n;
    float *y = j->y + r * p->n;
    double sum = 0.0, var = 0.0;
    for (size_t i = 0; i < p->n; i++)
      sum += x[i];
    double mean = p->n ? sum / (double)p->n : 0.0;
    for (size_t i = 0; i < p->n; i++) {
      double d = x[i] - mean;
      var += d * d;
    }
    var = p->n ? var / (double)p->n : 0.0;
    double inv = 1.0 / sqrt (var + (double)p->eps);
    if (j->mean)
      j->mean[r] = (float)mean;
    if (j->inv)
      j->inv[r] = (float)inv;
    if (p->affine == AFFINE_ELEMENT) {
      for (size_t i = 0; i < p->n; i++) {
        float sc = j->scale[p->scalar_scale ? 0 : i];
        float bi = p->has_bias ? j->bias[p->scalar_bias ? 0 : i] : 0.f;
        y[i] = (float)((x[i] - mean) * inv) * sc + bi;
      }
    } else {
      /* GroupNormalization per channel: each row holds channels/groups
       * channels of `inner` elements. */
      for (size_t i = 0; i < p->n; i++) {
        size_t c = p->affine == AFFINE_ROW_CHANNEL
                       ? (r / p->div) % p->channels
                       : ((r % p->div) * (p->n / p->inner) + i / p->inner)
                             % p->channels;
        float sc = j->scale[c], bi = p->has_bias ? j->bias[c] : 0.f;
        y[i] = (float)((x[i] - mean) * inv) * sc + bi;
      }
    }
  }
}

static void
norm_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const norm_params *p = node->params;
  const nn_value *b = nn_op_input (node, 2);
  nn_value *om = nn_op_output (node, 1), *oi = nn_op_output (node, 2);
  norm_job j = { node,
                 nn_value_data (node->in[0], ctx),
                 nn_value_data (node->in[1], ctx),
                 b ? nn_value_data (b, ctx) : NULL,
                 nn_value_data (node->out[0], ctx),
                 om ? nn_value_data (om, ctx) : NULL,
                 oi ? nn_value_data (oi, ctx) : NULL };
  nn_pool_run (
      ctx->pool, norm_task, &j,
      nn_op_task_count (ctx->pool, (double)node->in[0]->count * 6.0, p->rows));
}

static nn_status
check_eps (const nn_node *node, float *eps, nn_error *err)
{
  nn_status s = nn_op_attr_float (node, "epsilon", 1e-5f, eps, err);
  if (s)
    return s;
  if (!(*eps >= 0.f) || !isfinite (*eps))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'epsilon' must be a finite value >= 0, is "
                         "%g",
                         *eps);
  return NN_OK;
}

static nn_status
layer_norm_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr, stash, dims[NN_MAX_DIMS];
  int axis;
  float eps;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 3, 1, 3, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_float_input (node, 1, "Scale", err))
      || (nn_op_input (node, 2) && (s = nn_op_float_input (node, 2, "B", err)))
      || (s = nn_op_attr_int (node, "axis", -1, &axis_attr, err))
      || (s = nn_op_attr_int (node, "stash_type", 1, &stash, err))
      || (s = check_eps (node, &eps, err)))
    return s;
  const nn_value *x = node->in[0], *sc = node->in[1],
                 *b = nn_op_input (node, 2);
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x->ndim, false,
                       &axis, err)))
    return s;
  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err))
      || (s = norm_alloc (node, err)))
    return s;
  norm_params *p = node->params;
  nn_op_dims_product (x->dims, 0, axis, &p->rows);
  nn_op_dims_product (x->dims, axis, x->ndim, &p->n);
  p->eps = eps;
  p->affine = AFFINE_ELEMENT;
  p->has_bias = b != NULL;
  /* Scale and B cover the normalised axes (or are one value). */
  if (sc->count != p->n && sc->count != 1)
    return nn_fail_node (err, NN_SHAPE, node,
                         "Scale ('%s') has %zu values for %zu normalised "
                         "elements",
                         sc->name, sc->count, p->n);
  if (b && b->count != p->n && b->count != 1)
    return nn_fail_node (err, NN_SHAPE, node,
                         "B ('%s') has %zu values for %zu normalised elements",
                         b->name, b->count, p->n);
  p->scalar_scale = sc->count == 1 && p->n != 1;
  p->scalar_bias = b && b->count == 1 && p->n != 1;
  /* Mean and InvStdDev: X's shape with the normalised axes as 1. */
  memcpy (dims, x->dims, sizeof (int64_t) * (size_t)x->ndim);
  for (int i = axis; i < x->ndim; i++)
    dims[i] = 1;
  if ((s = nn_op_set_output (node, 1, x->ndim, dims, err))
      || (s = nn_op_set_output (node, 2, x->ndim, dims, err)))
    return s;
  return NN_OK;
}

/* InstanceNormalization: each (n, c) plane normalised, scale and B per
 * channel. */
static nn_status
instance_norm_plan (nn_node *node, nn_error *err)
{
  float eps;
  nn_status s;

  if ((s = nn_op_check_arity (node, 3, 3, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "input", err))
      || (s = nn_op_float_input (node, 1, "scale", err))
      || (s = nn_op_float_input (node, 2, "B", err))
      || (s = nn_op_input_rank (node, 0, "input", 3, NN_MAX_DIMS, err))
      || (s = check_eps (node, &eps, err)))
    return s;
  const nn_value *x = node->in[0];
  int64_t c = x->dims[1];
  for (int i = 1; i < 3; i++)
    if (node->in[i]->count != (size_t)c)
      return nn_fail_node (err, NN_SHAPE, node,
                           "input %d ('%s') has %zu values for %lld channels",
                           i, node->in[i]->name, node->in[i]->count,
                           (long long)c);
  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err))
      || (s = norm_alloc (node, err)))
    return s;
  norm_params *p = node->params;
  p->rows = (size_t)(x->dims[0] * c);
  nn_op_dims_product (x->dims, 2, x->ndim, &p->n);
  p->eps = eps;
  p->affine = AFFINE_ROW_CHANNEL;
  p->channels = (size_t)c;
  p->div = 1;
  p->has_bias = true;
  return NN_OK;
}

/* GroupNormalization: (N, G, C/G * spatial) rows. Scale and bias are per
 * group before opset 21, per channel from 21 on. */
static nn_status
group_norm_plan (nn_node *node, nn_error *err)
{
  int64_t groups, stash;
  float eps;
  nn_status s;

  if ((s = nn_op_check_arity (node, 3, 3, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_float_input (node, 1, "scale", err))
      || (s = nn_op_float_input (node, 2, "bias", err))
      || (s = nn_op_input_rank (node, 0, "X", 3, NN_MAX_DIMS, err))
      || (s = nn_op_attr_int (node, "num_groups", 0, &groups, err))
      || (s = nn_op_attr_int (node, "stash_type", 1, &stash, err))
      || (s = check_eps (node, &eps, err)))
    return s;
  const nn_value *x = node->in[0];
  int64_t c = x->dims[1];
  if (!nn_op_has_attr (node, "num_groups") || groups < 1 || c % groups != 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'num_groups' = %lld does not divide %lld "
                         "channels",
                         (long long)groups, (long long)c);
  bool per_channel = node->opset >= 21;
  size_t want = (size_t)(per_channel ? c : groups);
  for (int i = 1; i < 3; i++)
    if (node->in[i]->count != want)
      return nn_fail_node (err, NN_SHAPE, node,
                           "input %d ('%s') has %zu values, expected %zu (one "
                           "per %s at opset %d)",
                           i, node->in[i]->name, node->in[i]->count, want,
                           per_channel ? "channel" : "group", node->opset);
  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err))
      || (s = norm_alloc (node, err)))
    return s;
  norm_params *p = node->params;
  size_t spatial;
  nn_op_dims_product (x->dims, 2, x->ndim, &spatial);
  p->rows = (size_t)(x->dims[0] * groups);
  p->n = (size_t)(c / groups) * spatial;
  p->eps = eps;
  p->has_bias = true;
  if (per_channel) {
    p->affine = AFFINE_ROW_INNER;
    p->channels = (size_t)c;
    p->div = (size_t)groups;
    p->inner = spatial;
  } else {
    p->affine = AFFINE_ROW_CHANNEL;
    p->channels = (size_t)groups;
    p->div = 1;
  }
  return NN_OK;
}

/* ---- MeanVarianceNormalization ------------------------------------------- */

typedef struct mvn_params {
  int nk, nr;
  size_t kdims[NN_MAX_DIMS], kst[NN_MAX_DIMS];
  size_t rdims[NN_MAX_DIMS], rst[NN_MAX_DIMS];
  size_t groups, count;
} mvn_params;

static size_t
offset_of (size_t k, int n, const size_t *dims, const size_t *st)
{
  size_t off = 0;
  for (int d = 0; d < n; d++) {
    off += (k % dims[d]) * st[d];
    k /= dims[d];
  }
  return off;
}

static nn_status
mvn_plan (nn_node *node, nn_error *err)
{
  int64_t axes[NN_MAX_DIMS] = { 0, 2, 3 };
  bool red[NN_MAX_DIMS] = { false };
  int n;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_attr_ints (node, "axes", axes, NN_MAX_DIMS, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  if (n < 0)
    n = 3;
  for (int i = 0; i < n; i++) {
    int a;
    if ((s = nn_op_axis (node, "axes value", axes[i], x->ndim, false, &a, err)))
      return s;
    red[a] = true;
  }
  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (mvn_params), err)))
    return s;
  mvn_params *p = node->params;
  size_t e = 1;
  p->groups = p->count = 1;
  for (int d = x->ndim - 1; d >= 0; d--) {
    if (red[d]) {
      p->rdims[p->nr] = (size_t)x->dims[d];
      p->rst[p->nr++] = e;
      p->count *= (size_t)x->dims[d];
    } else {
      p->kdims[p->nk] = (size_t)x->dims[d];
      p->kst[p->nk++] = e;
      p->groups *= (size_t)x->dims[d];
    }
    e *= (size_t)x->dims[d];
  }
  return NN_OK;
}

// x, y (any shape): (x - mean) / (std + 1e-9) over the axes
static void
mvn_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const mvn_params *p = node->params;
  const float *x = nn_value_data (node->in[0], ctx);
  float *y = nn_value_data (node->out[0], ctx);
  for (size_t g = 0; g < p->groups; g++) {
    size_t base = offset_of (g, p->nk, p->kdims, p->kst);
    double sum = 0.0, sq = 0.0;
    for (size_t r = 0; r < p->count; r++) {
      double v = x[base + offset_of (r, p->nr, p->rdims, p->rst)];
      sum += v;
      sq += v * v;
    }
    double mean = p->count ? sum / (double)p->count : 0.0;
    double var = p->count ? sq / (double)p->count - mean * mean : 0.0;
    double sd = sqrt (var > 0.0 ? var : 0.0);
    for (size_t r = 0; r < p->count; r++) {
      size_t at = base + offset_of (r, p->nr, p->rdims, p->rst);
      y[at] = (float)((x[at] - mean) / (sd + 1e-9));
    }
  }
}

/* ---- LRN ----------------------------------------------------------------- */

typedef struct lrn_params {
  size_t n, c, inner;
  int64_t size;
  float alpha, beta, bias;
} lrn_params;

static nn_status
lrn_plan (nn_node *node, nn_error *err)
{
  int64_t size;
  float alpha, beta, bias;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_input_rank (node, 0, "X", 3, NN_MAX_DIMS, err))
      || (s = nn_op_attr_int (node, "size", 0, &size, err))
      || (s = nn_op_attr_float (node, "alpha", 1e-4f, &alpha, err))
      || (s = nn_op_attr_float (node, "beta", 0.75f, &beta, err))
      || (s = nn_op_attr_float (node, "bias", 1.f, &bias, err)))
    return s;
  if (size < 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'size' must be 1 or more, is %lld",
                         (long long)size);
  const nn_value *x = node->in[0];
  if ((s = nn_op_set_output (node, 0, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (lrn_params), err)))
    return s;
  lrn_params *p = node->params;
  p->n = (size_t)x->dims[0];
  p->c = (size_t)x->dims[1];
  nn_op_dims_product (x->dims, 2, x->ndim, &p->inner);
  p->size = size;
  p->alpha = alpha;
  p->beta = beta;
  p->bias = bias;
  return NN_OK;
}

// x, y (N, C, S): x / (bias + alpha / size * sum of squares over a channel
// window) ^ beta
static void
lrn_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const lrn_params *p = node->params;
  const float *x = nn_value_data (node->in[0], ctx);
  float *y = nn_value_data (node->out[0], ctx);
  int64_t lo_off = (p->size - 1) / 2, hi_off = p->size - 1 - lo_off;
  for (size_t n = 0; n < p->n; n++)
    for (size_t c = 0; c < p->c; c++)
      for (size_t i = 0; i < p->inner; i++) {
        int64_t lo = (int64_t)c - lo_off, hi = (int64_t)c + hi_off;
        double sq = 0.0;
        for (int64_t k = lo < 0 ? 0 : lo; k <= hi && k < (int64_t)p->c; k++) {
          double v = x[(n * p->c + (size_t)k) * p->inner + i];
          sq += v * v;
        }
        size_t at = (n * p->c + c) * p->inner + i;
        y[at] = (float)(x[at]
                        / pow (p->bias + p->alpha / (double)p->size * sq,
                               p->beta));
      }
}

const nn_op_def nn_op_layer_norm = { .op_type = "LayerNormalization",
                                     .plan = layer_norm_plan,
                                     .run = norm_run,
                                     .min_opset = 17 };
const nn_op_def nn_op_instance_norm = { .op_type = "InstanceNormalization",
                                        .plan = instance_norm_plan,
                                        .run = norm_run,
                                        .min_opset = 6 };
const nn_op_def nn_op_group_norm = { .op_type = "GroupNormalization",
                                     .plan = group_norm_plan,
                                     .run = norm_run,
                                     .min_opset = 18 };
const nn_op_def nn_op_mvn = { .op_type = "MeanVarianceNormalization",
                              .plan = mvn_plan,
                              .run = mvn_run,
                              .min_opset = 9 };
const nn_op_def nn_op_lrn
    = { .op_type = "LRN", .plan = lrn_plan, .run = lrn_run };

/* Resize (opsets 10-21) and Upsample (7-9): nearest, linear and cubic
 * interpolation, separable per axis.
 *
 * plan() works out, for every axis and every output position, which input
 * positions it reads and with what weights (up to four taps: 1 nearest, 2
 * linear, 4 cubic; an axis left as it is has one tap of weight 1). run()
 * sums the products of the taps of every axis. Coordinates follow the
 * coordinate_transformation_mode; neighbours past the edge repeat the edge
 * (or, with exclude_outside, drop out and the rest are renormalised). */
#include "ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAPS 4

typedef enum coord_mode {
  COORD_HALF_PIXEL,
  COORD_PYTORCH_HALF_PIXEL,
  COORD_ALIGN_CORNERS,
  COORD_ASYMMETRIC,
  COORD_TF_HALF_PIXEL_FOR_NN,
  COORD_TF_CROP_AND_RESIZE,
  COORD_HALF_PIXEL_SYMMETRIC
} coord_mode;

typedef enum interp_mode {
  INTERP_NEAREST,
  INTERP_LINEAR,
  INTERP_CUBIC
} interp_mode;

typedef enum nearest_mode {
  NEAREST_ROUND_PREFER_FLOOR,
  NEAREST_ROUND_PREFER_CEIL,
  NEAREST_FLOOR,
  NEAREST_CEIL
} nearest_mode;

/* Per axis: output position o reads input positions idx[o * taps + t]
 * with weights w[...]; out_of_range[o] marks tf_crop_and_resize
 * extrapolation. */
typedef struct resize_axis {
  size_t in, out, taps, in_stride;
  int32_t *idx;
  float *w;
  uint8_t *outside;
} resize_axis;

typedef struct resize_params {
  int rank;
  float extrapolation;
  bool any_outside;
  resize_axis ax[NN_MAX_DIMS];
  /* the tables, after the header */
} resize_params;

static int
word_index (const char *w, const char *const *words, int n)
{
  for (int i = 0; i < n; i++)
    if (strcmp (w, words[i]) == 0)
      return i;
  return -1;
}

static double
to_original (coord_mode m, double x, double scale, double out, double in,
             double roi_start, double roi_end)
{
  switch (m) {
  case COORD_HALF_PIXEL:
    return (x + 0.5) / scale - 0.5;
  case COORD_PYTORCH_HALF_PIXEL:
    return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  case COORD_ALIGN_CORNERS:
    return out == 1 ? 0.0 : x * (in - 1) / (out - 1);
  case COORD_ASYMMETRIC:
    return x / scale;
  case COORD_TF_HALF_PIXEL_FOR_NN:
    return (x + 0.5) / scale;
  case COORD_TF_CROP_AND_RESIZE:
    return out > 1 ? roi_start * (in - 1)
                         + x * (roi_end - roi_start) * (in - 1) / (out - 1)
                   : 0.5 * (roi_start + roi_end) * (in - 1);
  case COORD_HALF_PIXEL_SYMMETRIC: {
    double adjustment = out / (scale * in), center = in / 2.0;
    double offset = center * (1.0 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  }
  return x;
}

static double
nearest_of (nearest_mode m, double x)
{
  double f = floor (x);
  switch (m) {
  case NEAREST_ROUND_PREFER_FLOOR:
    return x - f == 0.5 ? f : round (x);
  case NEAREST_ROUND_PREFER_CEIL:
    return x - f == 0.5 ? f + 1.0 : round (x);
  case NEAREST_FLOOR:
    return f;
  default:
    return ceil (x);
  }
}

static void
cubic_coeffs (double t, double a, double *c)
{
  double t1 = t + 1.0, t2 = 1.0 - t, t3 = 2.0 - t;
  c[0] = ((a * t1 - 5.0 * a) * t1 + 8.0 * a) * t1 - 4.0 * a;
  c[1] = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0;
  c[2] = ((a + 2.0) * t2 - (a + 3.0)) * t2 * t2 + 1.0;
  c[3] = ((a * t3 - 5.0 * a) * t3 + 8.0 * a) * t3 - 4.0 * a;
}

typedef struct resize_cfg {
  interp_mode interp;
  coord_mode coord;
  nearest_mode nearest;
  float cubic_a;
  bool exclude_outside;
} resize_cfg;

/* The taps of one axis. */
static void
axis_taps (const resize_cfg *c, resize_axis *a, double scale, double roi_start,
           double roi_end)
{
  bool identity
      = a->in == a->out && scale == 1.0 && c->coord != COORD_TF_CROP_AND_RESIZE;
  a->taps = identity || c->interp == INTERP_NEAREST ? 1
            : c->interp == INTERP_LINEAR            ? 2
                                                    : 4;
  for (size_t o = 0; o < a->out; o++) {
    int32_t *idx = a->idx + o * a->taps;
    float *w = a->w + o * a->taps;
    /* The resized length is the scale times the input's, unrounded, as
     * ONNX's reference takes it (align_corners downscaling differs). */
    double x = identity ? (double)o
                        : to_original (c->coord, (double)o, scale,
                                       scale * (double)a->in, (double)a->in,
                                       roi_start, roi_end);
    int64_t last = (int64_t)a->in - 1;
    a->outside[o]
        = c->coord == COORD_TF_CROP_AND_RESIZE && (x < 0.0 || x > (double)last);
    if (a->taps == 1) {
      double k = identity ? x : nearest_of (c->nearest, x);
      int64_t i = (int64_t)(k < 0 ? 0 : (k > (double)last ? (double)last : k));
      idx[0] = (int32_t)i;
      w[0] = 1.f;
      continue;
    }
    double f = floor (x), t = x - f, coef[MAX_TAPS];
    int64_t base = (int64_t)f - (a->taps == 4 ? 1 : 0);
    if (a->taps == 2) {
      coef[0] = 1.0 - t;
      coef[1] = t;
    } else
      cubic_coeffs (t, c->cubic_a, coef);
    double sum = 0.0;
    for (size_t k = 0; k < a->taps; k++) {
      int64_t i = base + (int64_t)k;
      if (c->exclude_outside && (i < 0 || i > last))
        coef[k] = 0.0;
      sum += coef[k];
      idx[k] = (int32_t)(i < 0 ? 0 : (i > last ? last : i));
    }
    for (size_t k = 0; k < a->taps; k++)
      w[k]
          = (float)(c->exclude_outside && sum != 0.0 ? coef[k] / sum : coef[k]);
  }
}

/* Plans the tables for output dims `out` with per-axis scales. */
static nn_status
resize_setup (nn_node *node, const resize_cfg *c, const int64_t *out,
              const double *scales, const double *roi, float extrapolation,
              nn_error *err)
{
  const nn_value *x = node->in[0];
  size_t taps = 0, total;
  nn_status s;

  for (int i = 0; i < x->ndim; i++) {
    size_t t = (size_t)out[i]
               * (c->interp == INTERP_NEAREST  ? 1
                  : c->interp == INTERP_LINEAR ? 2
                                               : 4);
    taps += t;
  }
  total = sizeof (resize_params) + taps * (sizeof (int32_t) + sizeof (float))
          + (size_t)x->ndim * 64;
  for (int i = 0; i < x->ndim; i++)
    total += (size_t)out[i];
  if ((s = nn_op_set_output (node, 0, x->ndim, out, err))
      || (s = nn_op_alloc_params (node, total, err)))
    return s;
  resize_params *p = node->params;
  char *mem = (char *)(p + 1);
  size_t st = 1;
  p->rank = x->ndim;
  p->extrapolation = extrapolation;
  for (int i = x->ndim - 1; i >= 0; i--) {
    p->ax[i].in_stride = st;
    st *= (size_t)x->dims[i];
  }
  for (int i = 0; i < x->ndim; i++) {
    resize_axis *a = &p->ax[i];
    size_t maxt = c->interp == INTERP_NEAREST  ? 1
                  : c->interp == INTERP_LINEAR ? 2
                                               : 4;
    a->in = (size_t)x->dims[i];
    a->out = (size_t)out[i];
    a->idx = (int32_t *)mem;
    mem += a->out * maxt * sizeof (int32_t);
    a->w = (float *)mem;
    mem += a->out * maxt * sizeof (float);
    a->outside = (uint8_t *)mem;
    mem += a->out;
    mem += (64 - ((uintptr_t)mem % 64)) % 64;
    if (a->in == 0 && a->out > 0)
      return nn_fail_node (err, NN_SHAPE, node,
                           "axis %d of size 0 cannot be resized to %zu", i,
                           a->out);
    axis_taps (c, a, scales[i], roi ? roi[i] : 0.0,
               roi ? roi[x->ndim + i] : 1.0);
    for (size_t o = 0; o < a->out; o++)
      p->any_outside |= a->outside[o] != 0;
  }
  return NN_OK;
}

// x (in dims), y (out dims): y[o] = sum over taps of the product of weights
static void
resize_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const resize_params *p = node->params;
  const float *x = nn_value_data (node->in[0], ctx);
  float *y = nn_value_data (node->out[0], ctx);
  size_t count = node->out[0]->count, idx[NN_MAX_DIMS] = { 0 };
  int r = p->rank;

  for (size_t o = 0; o < count; o++) {
    bool outside = false;
    size_t combos = 1;
    for (int d = 0; d < r; d++) {
      combos *= p->ax[d].taps;
      outside |= p->ax[d].outside[idx[d]] != 0;
    }
    if (outside) {
      y[o] = p->extrapolation;
    } else {
      double acc = 0.0;
      for (size_t k = 0; k < combos; k++) {
        size_t rem = k, off = 0;
        double w = 1.0;
        for (int d = r - 1; d >= 0; d--) {
          const resize_axis *a = &p->ax[d];
          size_t t = rem % a->taps;
          rem /= a->taps;
          off += (size_t)a->idx[idx[d] * a->taps + t] * a->in_stride;
          w *= a->w[idx[d] * a->taps + t];
        }
        if (w != 0.0)
          acc += w * x[off];
      }
      y[o] = (float)acc;
    }
    for (int d = r - 1; d >= 0; d--) {
      if (++idx[d] < p->ax[d].out)
        break;
      idx[d] = 0;
    }
  }
}

/* ---- Resize -------------------------------------------------------------- */

static nn_status
read_floats (const nn_node *node, int i, const char *what, double *out, int max,
             int *n, nn_error *err)
{
  const nn_value *v = nn_op_input (node, i);
  *n = -1;
  if (!v || v->count == 0)
    return NN_OK;
  if (v->kind != NN_VAL_CONST)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "input %s ('%s') must be a constant", what, v->name);
  if (!nn_dtype_in (v->dtype, NN_TYPES_FLOAT | NN_TYPE_BIT (NN_DTYPE_DOUBLE)))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "input %s ('%s') must be float", what, v->name);
  if (v->count > (size_t)max)
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "input %s ('%s') has %zu values, at most %d make sense", what, v->name,
        v->count, max);
  for (size_t k = 0; k < v->count; k++)
    out[k] = nn_load_f64 (v->cdata, v->dtype, k);
  *n = (int)v->count;
  return NN_OK;
}

static nn_status
resize_plan (nn_node *node, nn_error *err)
{
  static const char *const modes[] = { "nearest", "linear", "cubic" };
  static const char *const coords[]
      = { "half_pixel",          "pytorch_half_pixel",   "align_corners",
          "asymmetric",          "tf_half_pixel_for_nn", "tf_crop_and_resize",
          "half_pixel_symmetric" };
  static const char *const nearests[]
      = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };
  static const char *const policies[]
      = { "stretch", "not_larger", "not_smaller" };
  const char *mode, *coord, *nearest, *policy;
  int64_t exclude, antialias, axes[NN_MAX_DIMS], sizes[NN_MAX_DIMS],
      out[NN_MAX_DIMS];
  double scales[2 * NN_MAX_DIMS], roi[2 * NN_MAX_DIMS], sc[NN_MAX_DIMS];
  float cubic_a, extrap;
  int na = -1, ns = -1, nz = -1, nr = -1;
  resize_cfg c = { 0 };
  nn_status s;

  /* roi (input 1) is optional from opset 13 on, scales or sizes decide */
  if ((s = nn_op_check_arity (node, node->opset < 11 ? 2 : 1,
                              node->opset < 11 ? 2 : 4, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_attr_string (node, "mode", "nearest", &mode, err))
      || (s = nn_op_attr_string (node, "coordinate_transformation_mode",
                                 node->opset < 11 ? "asymmetric" : "half_pixel",
                                 &coord, err))
      || (s = nn_op_attr_string (
              node, "nearest_mode",
              node->opset < 11 ? "floor" : "round_prefer_floor", &nearest, err))
      || (s = nn_op_attr_string (node, "keep_aspect_ratio_policy", "stretch",
                                 &policy, err))
      || (s = nn_op_attr_float (node, "cubic_coeff_a", -0.75f, &cubic_a, err))
      || (s = nn_op_attr_float (node, "extrapolation_value", 0.f, &extrap, err))
      || (s = nn_op_attr_int (node, "exclude_outside", 0, &exclude, err))
      || (s = nn_op_attr_int (node, "antialias", 0, &antialias, err))
      || (s = nn_op_attr_ints (node, "axes", axes, NN_MAX_DIMS, &na, err)))
    return s;
  const nn_value *x = node->in[0];
  int r = x->ndim;
  int im = word_index (mode, modes, 3), ic = word_index (coord, coords, 7),
      in = word_index (nearest, nearests, 4),
      ip = word_index (policy, policies, 3);
  if (im < 0 || ic < 0 || in < 0 || ip < 0) {
    const char *name = im < 0   ? "mode"
                       : ic < 0 ? "coordinate_transformation_mode"
                       : in < 0 ? "nearest_mode"
                                : "keep_aspect_ratio_policy";
    const char *value = im < 0   ? mode
                        : ic < 0 ? coord
                        : in < 0 ? nearest
                                 : policy;
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute '%s' has unknown value '%s'", name, value);
  }
  c.interp = (interp_mode)im;
  c.coord = (coord_mode)ic;
  c.nearest = (nearest_mode)in;
  c.cubic_a = cubic_a;
  c.exclude_outside = exclude != 0;

  if (node->opset < 11) {
    if ((s = read_floats (node, 1, "scales", scales, NN_MAX_DIMS, &ns, err)))
      return s;
  } else {
    if ((s = read_floats (node, 1, "roi", roi, 2 * NN_MAX_DIMS, &nr, err))
        || (s = read_floats (node, 2, "scales", scales, NN_MAX_DIMS, &ns, err))
        || (nn_op_input (node, 3) && node->in[3]->count
            && (s = nn_op_const_ints (node, 3, "sizes", sizes, NN_MAX_DIMS, &nz,
                                      err))))
      return s;
  }
  if ((ns >= 0) == (nz >= 0))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "needs exactly one of scales and sizes");
  /* axes (opset 18): which axes scales, sizes and roi list */
  int nl = ns >= 0 ? ns : nz;
  if (na < 0) {
    na = r;
    for (int i = 0; i < r; i++)
      axes[i] = i;
  }
  if (nl != na)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "%s has %d values for %d axes",
                         ns >= 0 ? "scales" : "sizes", nl, na);
  double full_roi[2 * NN_MAX_DIMS];
  for (int i = 0; i < r; i++) {
    sc[i] = 1.0;
    out[i] = x->dims[i];
    full_roi[i] = 0.0;
    full_roi[r + i] = 1.0;
  }
  bool seen[NN_MAX_DIMS] = { false };
  double policy_scale = ip == 1 ? INFINITY : 0.0;
  for (int j = 0; j < na; j++) {
    int a;
    if ((s = nn_op_axis (node, "axes value", axes[j], r, false, &a, err)))
      return s;
    if (seen[a])
      return nn_fail_node (err, NN_BAD_MODEL, node, "axis %d is listed twice",
                           a);
    seen[a] = true;
    if (nr >= 0) {
      if (nr != 2 * na)
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "roi has %d values for %d axes", nr, na);
      full_roi[a] = roi[j];
      full_roi[r + a] = roi[na + j];
    }
    if (ns >= 0) {
      if (!(scales[j] > 0.0) || !isfinite (scales[j]))
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "scale %g on axis %d is not positive", scales[j],
                             a);
      sc[a] = scales[j];
      out[a] = (int64_t)floor ((double)x->dims[a] * scales[j]);
    } else {
      if (sizes[j] < 0)
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "size %lld on axis %d is negative",
                             (long long)sizes[j], a);
      out[a] = sizes[j];
      sc[a] = x->dims[a] ? (double)sizes[j] / (double)x->dims[a] : 1.0;
      if (ip == 1 && sc[a] < policy_scale)
        policy_scale = sc[a];
      if (ip == 2 && sc[a] > policy_scale)
        policy_scale = sc[a];
    }
    if (out[a] > (int64_t)NN_MAX_TENSOR_ELEMS)
      return nn_fail_node (err, NN_SHAPE, node, "output is too large");
  }
  if (nz >= 0 && ip != 0)
    for (int j = 0; j < na; j++) {
      int a = (int)(axes[j] < 0 ? axes[j] + r : axes[j]);
      sc[a] = policy_scale;
      out[a] = (int64_t)floor ((double)x->dims[a] * policy_scale + 0.5);
    }
  if (antialias) {
    for (int i = 0; i < r; i++)
      if (sc[i] < 1.0 && c.interp != INTERP_NEAREST)
        return nn_fail_node (err, NN_UNSUPPORTED, node,
                             "antialiased downscaling is not supported");
  }
  return resize_setup (node, &c, out, sc,
                       c.coord == COORD_TF_CROP_AND_RESIZE ? full_roi : NULL,
                       extrap, err);
}

/* ---- Upsample ------------------------------------------------------------ */

static nn_status
upsample_plan (nn_node *node, nn_error *err)
{
  const char *mode;
  double scales[NN_MAX_DIMS];
  int64_t out[NN_MAX_DIMS];
  int ns = -1;
  resize_cfg c = { 0 };
  nn_status s;

  if ((s = nn_op_check_arity (node, node->opset < 9 ? 1 : 2,
                              node->opset < 9 ? 1 : 2, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_attr_string (node, "mode", "nearest", &mode, err)))
    return s;
  const nn_value *x = node->in[0];
  if (node->opset < 9) {
    const nn_attr *a = nn_node_attr (node, "scales");
    if (!a || a->type != NN_ATTR_FLOATS || a->n > NN_MAX_DIMS)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "attribute 'scales' is required");
    for (size_t i = 0; i < a->n; i++)
      scales[i] = a->floats[i];
    ns = (int)a->n;
  } else if ((s
              = read_floats (node, 1, "scales", scales, NN_MAX_DIMS, &ns, err)))
    return s;
  if (ns != x->ndim)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "scales has %d values for an input of rank %d", ns,
                         x->ndim);
  if (strcmp (mode, "nearest") == 0)
    c.interp = INTERP_NEAREST;
  else if (strcmp (mode, "linear") == 0 || strcmp (mode, "bilinear") == 0)
    c.interp = INTERP_LINEAR;
  else
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'mode' has unknown value '%s'", mode);
  c.coord = COORD_ASYMMETRIC;
  c.nearest = NEAREST_FLOOR;
  for (int i = 0; i < x->ndim; i++) {
    if (!(scales[i] >= 1.0) || !isfinite (scales[i]))
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "scale %g on axis %d: Upsample scales are >= 1",
                           scales[i], i);
    out[i] = (int64_t)floor ((double)x->dims[i] * scales[i]);
    if (out[i] > (int64_t)NN_MAX_TENSOR_ELEMS)
      return nn_fail_node (err, NN_SHAPE, node, "output is too large");
  }
  return resize_setup (node, &c, out, scales, NULL, 0.f, err);
}

static double
resize_work (const nn_node *node)
{
  const resize_params *p = node->params;
  double taps = 1.0;
  if (!p || !node->out[0])
    return 0.0;
  for (int d = 0; d < p->rank; d++)
    taps *= (double)p->ax[d].taps;
  return (double)node->out[0]->count * taps * 2.0;
}

const nn_op_def nn_op_resize = { .op_type = "Resize",
                                 .plan = resize_plan,
                                 .run = resize_run,
                                 .min_opset = 10,
                                 .const_inputs = 0xe,
                                 .work = resize_work };
/* Deprecated in opset 10 (Resize replaces it). */
const nn_op_def nn_op_upsample = { .op_type = "Upsample",
                                   .plan = upsample_plan,
                                   .run = resize_run,
                                   .min_opset = 7,
                                   .max_opset = 9,
                                   .const_inputs = 0x2,
                                   .work = resize_work };

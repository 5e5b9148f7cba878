/* Concat, Split and Pad (constant, reflect, edge, wrap): block copies
 * along one or more axes, of any element type. */
#include "ops.h"

#include <stdio.h>
#include <string.h>

/* ---- Concat ------------------------------------------------------------- */

typedef struct concat_params {
  int axis;
  size_t esize;
} concat_params;

static nn_status
concat_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr, dims[NN_MAX_DIMS];
  int axis;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, node->n_in > 1 ? node->n_in : 1, 1, 1,
                              err)))
    return s;
  if (!nn_op_has_attr (node, "axis") && node->opset >= 4)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'axis' is required");
  if ((s = nn_op_attr_int (node, "axis", 1, &axis_attr, err)))
    return s;
  for (int i = 0; i < node->n_in; i++) {
    char what[32];
    snprintf (what, sizeof what, "%d", i);
    if ((s = nn_op_typed_input (node, i, what, NN_TYPES_ALL, err))
        || (s = nn_op_same_type (node, 0, i, err)))
      return s;
  }
  const nn_value *x0 = node->in[0];
  if (x0->ndim == 0)
    return nn_fail_node (err, NN_SHAPE, node, "cannot concatenate scalars");
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x0->ndim, false,
                       &axis, err)))
    return s;
  memcpy (dims, x0->dims, sizeof (int64_t) * (size_t)x0->ndim);
  for (int i = 1; i < node->n_in; i++) {
    const nn_value *x = node->in[i];
    if (x->ndim != x0->ndim)
      return nn_fail_node (err, NN_SHAPE, node,
                           "input %d has rank %d, input 0 has rank %d", i,
                           x->ndim, x0->ndim);
    for (int d = 0; d < x0->ndim; d++) {
      if (d == axis)
        continue;
      if (x->dims[d] != x0->dims[d])
        return nn_fail_node (
            err, NN_SHAPE, node,
            "input %d has dimension %lld at axis %d, input 0 has %lld", i,
            (long long)x->dims[d], d, (long long)x0->dims[d]);
    }
    dims[axis] += x->dims[axis];
    if (dims[axis] > (int64_t)NN_MAX_TENSOR_ELEMS)
      return nn_fail_node (err, NN_SHAPE, node, "result is too large");
  }
  if ((s = nn_op_set_output_type (node, 0, x0->dtype, x0->ndim, dims, err)))
    return s;
  if ((s = nn_op_alloc_params (node, sizeof (concat_params), err)))
    return s;
  ((concat_params *)node->params)->axis = axis;
  ((concat_params *)node->params)->esize = nn_dtype_size (x0->dtype);
  return NN_OK;
}

// in_i (outer, d_i, inner) -> out (outer, sum d_i, inner)
static void
concat_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const concat_params *p = node->params;
  const nn_value *y = node->out[0];
  char *out = nn_value_ptr (y, ctx);
  size_t outer = 1, inner = p->esize;
  for (int d = 0; d < p->axis; d++)
    outer *= (size_t)y->dims[d];
  for (int d = p->axis + 1; d < y->ndim; d++)
    inner *= (size_t)y->dims[d];
  const size_t row = (size_t)y->dims[p->axis] * inner; /* bytes */
  size_t col = 0;
  for (int i = 0; i < node->n_in; i++) {
    const nn_value *x = node->in[i];
    const char *src = nn_value_ptr (x, ctx);
    size_t len = (size_t)x->dims[p->axis] * inner;
    if (outer == 1 && src == out + col)
      ; /* written in place by its producer (plan.c) */
    else if (outer == 1 && len % sizeof (float) == 0
             && col % sizeof (float) == 0)
      nn_op_copy (ctx->pool, (float *)(out + col), (const float *)src,
                  len / sizeof (float)); /* one block: split */
    else
      for (size_t o = 0; o < outer && len; o++)
        memcpy (out + o * row + col, src + o * len, len);
    col += len;
  }
}

/* Every input one block of the output: nothing but ones before the axis
 * (batch 1 along channels). */
static bool
concat_in_blocks (const nn_node *node)
{
  const concat_params *p = node->params;
  for (int d = 0; d < p->axis; d++)
    if (node->out[0]->dims[d] != 1)
      return false;
  return true;
}

const nn_op_def nn_op_concat = { .op_type = "Concat",
                                 .plan = concat_plan,
                                 .run = concat_run,
                                 .min_opset = 7,
                                 .in_blocks = concat_in_blocks };

/* ---- Split -------------------------------------------------------------- */

typedef struct split_params {
  int axis;
  size_t outer, inner, dim; /* inner in bytes */
  int64_t sizes[];          /* n_out */
} split_params;

static nn_status
split_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr, num_outputs, dims[NN_MAX_DIMS];
  int axis, n_out = node->n_out, n = -1;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, node->opset < 13 ? 1 : 2, 1,
                              n_out > 1 ? n_out : 1, err))
      || (s = nn_op_typed_input (node, 0, "input", NN_TYPES_ALL, err))
      || (s = nn_op_attr_int (node, "axis", 0, &axis_attr, err))
      || (s = nn_op_attr_int (node, "num_outputs", 0, &num_outputs, err)))
    return s;
  const nn_value *x = node->in[0];
  if (x->ndim == 0)
    return nn_fail_node (err, NN_SHAPE, node, "cannot split a scalar");
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x->ndim, false,
                       &axis, err)))
    return s;
  if ((s = nn_op_alloc_params (
           node, sizeof (split_params) + sizeof (int64_t) * (size_t)n_out,
           err)))
    return s;
  split_params *p = node->params;
  int64_t *sizes = p->sizes;

  /* Explicit sizes: attribute before opset 13, constant input after. */
  if (node->opset < 13) {
    const nn_attr *a = nn_node_attr (node, "split");
    if (a) {
      if (a->type != NN_ATTR_INTS || (a->n > 0 && !a->ints))
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "attribute 'split' must be a list of ints");
      if (a->n != (size_t)n_out)
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "attribute 'split' has %zu values for %d outputs",
                             a->n, n_out);
      memcpy (sizes, a->ints, sizeof (int64_t) * a->n);
      n = (int)a->n;
    }
  } else if (nn_op_input (node, 1)) {
    const nn_value *sv = node->in[1];
    if (sv->kind == NN_VAL_CONST && sv->count != (size_t)n_out)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "input split has %zu values for %d outputs",
                           sv->count, n_out);
    if ((s = nn_op_const_ints (node, 1, "split", sizes, n_out, &n, err)))
      return s;
  }

  int64_t dim = x->dims[axis];
  if (n >= 0) {
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
      if (sizes[i] < 0)
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "split size %lld at index %d is negative",
                             (long long)sizes[i], i);
      sum += sizes[i];
      if (sum > dim)
        break;
    }
    if (sum != dim)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "split sizes do not add up to the dimension %lld of axis %d",
          (long long)dim, axis);
  } else if (num_outputs != 0) {
    /* Opset 18: ceil-sized chunks, the last one smaller. */
    if (num_outputs != n_out)
      return nn_fail_node (
          err, NN_BAD_MODEL, node,
          "attribute 'num_outputs' is %lld but the node has %d outputs",
          (long long)num_outputs, n_out);
    int64_t chunk = (dim + n_out - 1) / n_out;
    if (chunk * (n_out - 1) > dim)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "dimension %lld of axis %d cannot be split into %d chunks of %lld",
          (long long)dim, axis, n_out, (long long)chunk);
    for (int i = 0; i < n_out; i++)
      sizes[i] = i < n_out - 1 ? chunk : dim - chunk * (n_out - 1);
  } else {
    if (dim % n_out != 0)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "dimension %lld of axis %d does not split into %d equal parts",
          (long long)dim, axis, n_out);
    for (int i = 0; i < n_out; i++)
      sizes[i] = dim / n_out;
  }

  memcpy (dims, x->dims, sizeof (int64_t) * (size_t)x->ndim);
  for (int i = 0; i < n_out; i++) {
    dims[axis] = sizes[i];
    if ((s = nn_op_set_output_type (node, i, x->dtype, x->ndim, dims, err)))
      return s;
  }
  p->axis = axis;
  p->dim = (size_t)dim;
  p->outer = 1;
  p->inner = nn_dtype_size (x->dtype);
  for (int d = 0; d < axis; d++)
    p->outer *= (size_t)x->dims[d];
  for (int d = axis + 1; d < x->ndim; d++)
    p->inner *= (size_t)x->dims[d];
  return NN_OK;
}

// in (outer, sum s_i, inner) -> out_i (outer, s_i, inner)
static void
split_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const split_params *p = node->params;
  const char *src = nn_value_ptr (node->in[0], ctx);
  const size_t row = p->dim * p->inner;
  size_t col = 0;
  for (int i = 0; i < node->n_out; i++) {
    size_t len = (size_t)p->sizes[i] * p->inner;
    if (node->out[i] && len) {
      char *dst = nn_value_ptr (node->out[i], ctx);
      for (size_t o = 0; o < p->outer; o++)
        memcpy (dst + o * len, src + o * row + col, len);
    }
    col += len;
  }
}

const nn_op_def nn_op_split = { .op_type = "Split",
                                .plan = split_plan,
                                .run = split_run,
                                .min_opset = 7,
                                .const_inputs = 0x2 };

/* ---- Pad --------------------------------------------------------------- */

typedef enum pad_mode {
  PAD_CONSTANT,
  PAD_REFLECT,
  PAD_EDGE,
  PAD_WRAP
} pad_mode;

typedef struct pad_params {
  int nd;
  pad_mode mode;
  size_t esize;
  ptrdiff_t in[NN_MAX_DIMS], out[NN_MAX_DIMS], begin[NN_MAX_DIMS];
  unsigned char value[8]; /* the constant, in the data's type */
} pad_params;

static nn_status
pad_plan (nn_node *node, nn_error *err)
{
  static const char *const modes[] = { "constant", "reflect", "edge", "wrap" };
  int64_t pads[2 * NN_MAX_DIMS], axes[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  int np, na = -1, mode = -1;
  const char *mode_name;
  float fvalue = 0.f;
  nn_status s;

  if ((s = nn_op_check_arity (node, node->opset < 11 ? 1 : 2,
                              node->opset < 11 ? 1 : (node->opset < 18 ? 3 : 4),
                              1, 1, err))
      || (s = nn_op_typed_input (node, 0, "data", NN_TYPES_ALL, err))
      || (s = nn_op_attr_string (node, "mode", "constant", &mode_name, err)))
    return s;
  for (int i = 0; i < 4; i++)
    if (strcmp (mode_name, modes[i]) == 0)
      mode = i;
  if (mode < 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'mode' has unknown value '%s'", mode_name);
  const nn_value *x = node->in[0];
  int r = x->ndim;
  if ((s = nn_op_alloc_params (node, sizeof (pad_params), err)))
    return s;
  pad_params *p = node->params;
  p->esize = nn_dtype_size (x->dtype);

  if (node->opset < 11) {
    if ((s = nn_op_attr_ints (node, "pads", pads, 2 * NN_MAX_DIMS, &np, err))
        || (s = nn_op_attr_float (node, "value", 0.f, &fvalue, err)))
      return s;
    if (np < 0)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "attribute 'pads' is required");
    nn_store_f64 (p->value, x->dtype, 0, fvalue);
  } else {
    if ((s
         = nn_op_const_ints (node, 1, "pads", pads, 2 * NN_MAX_DIMS, &np, err)))
      return s;
    const nn_value *cv = nn_op_input (node, 2);
    if (cv && cv->count == 0 && cv->kind == NN_VAL_CONST)
      cv = NULL; /* an empty tensor means the default */
    if (cv) {
      if (cv->kind != NN_VAL_CONST)
        return nn_fail_node (err, NN_UNSUPPORTED, node,
                             "input constant_value ('%s') must be a constant",
                             cv->name);
      if ((s = nn_op_same_type (node, 0, 2, err)))
        return s;
      if (cv->count != 1)
        return nn_fail_node (err, NN_SHAPE, node,
                             "input constant_value ('%s') must hold one "
                             "value, has %zu",
                             cv->name, cv->count);
      memcpy (p->value, cv->cdata, p->esize);
    }
    if (nn_op_input (node, 3)
        && (s
            = nn_op_const_ints (node, 3, "axes", axes, NN_MAX_DIMS, &na, err)))
      return s;
  }

  int64_t begin[NN_MAX_DIMS] = { 0 }, end[NN_MAX_DIMS] = { 0 };
  if (na >= 0) {
    bool seen[NN_MAX_DIMS] = { false };
    if (np != 2 * na)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "pads has %d values for %d axes", np, na);
    for (int i = 0; i < na; i++) {
      int a;
      if ((s = nn_op_axis (node, "axes value", axes[i], r, false, &a, err)))
        return s;
      if (seen[a])
        return nn_fail_node (err, NN_BAD_MODEL, node, "axis %d is listed twice",
                             a);
      seen[a] = true;
      begin[a] = pads[i];
      end[a] = pads[na + i];
    }
  } else {
    if (np != 2 * r)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "pads has %d values for an input of rank %d", np, r);
    for (int i = 0; i < r; i++) {
      begin[i] = pads[i];
      end[i] = pads[r + i];
    }
  }
  for (int i = 0; i < r; i++) {
    /* Negative pads crop. */
    if (begin[i] < -x->dims[i] || end[i] < -x->dims[i]
        || begin[i] > (int64_t)NN_MAX_TENSOR_ELEMS
        || end[i] > (int64_t)NN_MAX_TENSOR_ELEMS
        || x->dims[i] + begin[i] + end[i] < 0)
      return nn_fail_node (
          err, NN_SHAPE, node, "pads %lld,%lld do not fit axis %d of size %lld",
          (long long)begin[i], (long long)end[i], i, (long long)x->dims[i]);
    dims[i] = x->dims[i] + begin[i] + end[i];
    if (mode != PAD_CONSTANT && x->dims[i] == 0 && dims[i] > 0)
      return nn_fail_node (err, NN_SHAPE, node,
                           "mode '%s' cannot pad axis %d of size 0", mode_name,
                           i);
  }
  if ((s = nn_op_set_output_type (node, 0, x->dtype, r, dims, err)))
    return s;
  p->nd = r;
  p->mode = (pad_mode)mode;
  for (int i = 0; i < r; i++) {
    p->in[i] = (ptrdiff_t)x->dims[i];
    p->out[i] = (ptrdiff_t)dims[i];
    p->begin[i] = (ptrdiff_t)begin[i];
  }
  if (r == 0) {
    p->nd = 1;
    p->in[0] = p->out[0] = 1;
  }
  return NN_OK;
}

/* Where output position i (already shifted by the pad before) reads from
 * an axis of size n: -1 for the constant. */
static ptrdiff_t
pad_source (ptrdiff_t i, ptrdiff_t n, pad_mode mode)
{
  if (i >= 0 && i < n)
    return i;
  switch (mode) {
  case PAD_EDGE:
    return i < 0 ? 0 : n - 1;
  case PAD_WRAP:
    return ((i % n) + n) % n;
  case PAD_REFLECT:
    if (n == 1)
      return 0;
    {
      ptrdiff_t period = 2 * (n - 1), k = ((i % period) + period) % period;
      return k < n ? k : period - k;
    }
  default:
    return -1;
  }
}

/* n copies of the es-byte value at dst. */
static void
fill_value (char *dst, const unsigned char *value, ptrdiff_t n, size_t es)
{
  if (es == 4) {
    uint32_t v;
    memcpy (&v, value, 4);
    for (ptrdiff_t i = 0; i < n; i++)
      memcpy (dst + 4 * i, &v, 4);
  } else
    for (ptrdiff_t i = 0; i < n; i++)
      memcpy (dst + i * (ptrdiff_t)es, value, es);
}

// x (in dims), y (out dims): y[o] = x[source (o - begin)] or the constant
static void
pad_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const pad_params *p = node->params;
  const char *x = nn_value_ptr (node->in[0], ctx);
  char *y = nn_value_ptr (node->out[0], ctx);
  const int last = p->nd - 1;
  const size_t es = p->esize;
  const ptrdiff_t n = p->out[last], b = p->begin[last], w = p->in[last];
  ptrdiff_t idx[NN_MAX_DIMS] = { 0 }, rows = 1;

  if (node->out[0]->count == 0)
    return;
  for (int d = 0; d < last; d++)
    rows *= p->out[d];
  /* The part of each output row that comes from x: [lo, hi). */
  ptrdiff_t lo = b > 0 ? b : 0, hi = b + w < n ? b + w : n;
  if (hi < lo)
    hi = lo;
  for (ptrdiff_t row = 0; row < rows; row++, y += n * (ptrdiff_t)es) {
    ptrdiff_t off = 0;
    bool inside = true;
    for (int d = 0; d < last; d++) {
      ptrdiff_t i = pad_source (idx[d] - p->begin[d], p->in[d], p->mode);
      if (i < 0)
        inside = false;
      off = off * p->in[d] + (i < 0 ? 0 : i);
    }
    const char *xr = x + off * w * (ptrdiff_t)es;
    if (!inside) {
      fill_value (y, p->value, n, es);
    } else if (p->mode == PAD_CONSTANT) {
      fill_value (y, p->value, lo, es);
      if (hi > lo)
        memcpy (y + lo * (ptrdiff_t)es, xr + (lo - b) * (ptrdiff_t)es,
                es * (size_t)(hi - lo));
      fill_value (y + hi * (ptrdiff_t)es, p->value, n - hi, es);
    } else {
      for (ptrdiff_t i = 0; i < n; i++)
        memcpy (y + i * (ptrdiff_t)es,
                xr + pad_source (i - b, w, p->mode) * (ptrdiff_t)es, es);
    }
    for (int d = last - 1; d >= 0; d--) {
      if (++idx[d] < p->out[d])
        break;
      idx[d] = 0;
    }
  }
}

const nn_op_def nn_op_pad = { .op_type = "Pad",
                              .plan = pad_plan,
                              .run = pad_run,
                              .min_opset = 7,
                              .const_inputs = 0xe };

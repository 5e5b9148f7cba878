/* Operators that pick, repeat or place elements, of any type: Slice,
 * Expand, Tile, DepthToSpace, SpaceToDepth (strided copies), Gather,
 * GatherElements, ScatterND, ScatterElements and Trilu.
 *
 * Indices known at plan time are checked there (an index out of range is a
 * bad model). Indices computed by a run cannot fail the run: an index out
 * of range reads zeros (Gather, GatherElements) or is skipped (the
 * scatters). */
#include "ops.h"

#include <stdio.h>
#include <string.h>

static ptrdiff_t
row_major_strides (const nn_value *x, ptrdiff_t *st)
{
  ptrdiff_t e = 1;
  for (int i = x->ndim - 1; i >= 0; i--) {
    st[i] = e;
    e *= (ptrdiff_t)x->dims[i];
  }
  return e;
}

/* ---- Slice -------------------------------------------------------------- */

/* The starts, ends, axes and steps of a Slice: attributes before opset 10,
 * constant inputs (int32 or int64) from 10 on. */
static nn_status
slice_params (const nn_node *node, int64_t *starts, int64_t *ends,
              int64_t *axes, int64_t *steps, int *n, nn_error *err)
{
  int na = -1, ne, ns = -1;
  nn_status s;

  if (node->opset < 10) {
    if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
        || (s = nn_op_attr_ints (node, "starts", starts, NN_MAX_DIMS, n, err))
        || (s = nn_op_attr_ints (node, "ends", ends, NN_MAX_DIMS, &ne, err))
        || (s = nn_op_attr_ints (node, "axes", axes, NN_MAX_DIMS, &na, err)))
      return s;
    if (*n < 0 || ne < 0)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "attributes 'starts' and 'ends' are required");
  } else {
    if ((s = nn_op_check_arity (node, 3, 5, 1, 1, err))
        || (s
            = nn_op_const_ints (node, 1, "starts", starts, NN_MAX_DIMS, n, err))
        || (s = nn_op_const_ints (node, 2, "ends", ends, NN_MAX_DIMS, &ne, err))
        || (nn_op_input (node, 3)
            && (s = nn_op_const_ints (node, 3, "axes", axes, NN_MAX_DIMS, &na,
                                      err)))
        || (nn_op_input (node, 4)
            && (s = nn_op_const_ints (node, 4, "steps", steps, NN_MAX_DIMS, &ns,
                                      err))))
      return s;
  }
  if (ne != *n || (na >= 0 && na != *n) || (ns >= 0 && ns != *n))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "starts has %d values but %s has %d", *n,
                         ne != *n              ? "ends"
                         : na >= 0 && na != *n ? "axes"
                                               : "steps",
                         ne != *n              ? ne
                         : na >= 0 && na != *n ? na
                                               : ns);
  for (int i = 0; i < *n; i++) {
    if (na < 0)
      axes[i] = i;
    if (ns < 0)
      steps[i] = 1;
  }
  return NN_OK;
}

static nn_status
slice_plan (nn_node *node, nn_error *err)
{
  int64_t starts[NN_MAX_DIMS], ends[NN_MAX_DIMS], axes[NN_MAX_DIMS],
      steps[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  ptrdiff_t in_st[NN_MAX_DIMS], st[NN_MAX_DIMS], offset = 0;
  bool seen[NN_MAX_DIMS] = { false };
  int n;
  nn_status s;

  if ((s = nn_op_typed_input (node, 0, "data", NN_TYPES_ALL, err))
      || (s = slice_params (node, starts, ends, axes, steps, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  row_major_strides (x, in_st);
  for (int i = 0; i < x->ndim; i++) {
    dims[i] = x->dims[i];
    st[i] = in_st[i];
  }
  for (int j = 0; j < n; j++) {
    int a;
    int64_t dim, b, e, step = steps[j];
    if ((s = nn_op_axis (node, "axes value", axes[j], x->ndim, false, &a, err)))
      return s;
    if (seen[a])
      return nn_fail_node (err, NN_BAD_MODEL, node, "axis %d is listed twice",
                           a);
    seen[a] = true;
    if (step == 0)
      return nn_fail_node (err, NN_BAD_MODEL, node, "step 0 on axis %d", a);
    dim = x->dims[a];
    b = starts[j] < 0 ? starts[j] + dim : starts[j];
    e = ends[j] < 0 ? ends[j] + dim : ends[j];
    if (step > 0) {
      b = b < 0 ? 0 : (b > dim ? dim : b);
      e = e < 0 ? 0 : (e > dim ? dim : e);
      dims[a] = e > b ? (e - b + step - 1) / step : 0;
    } else {
      b = b < 0 ? -1 : (b > dim - 1 ? dim - 1 : b);
      e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
      dims[a] = b > e ? (b - e - step - 1) / (-step) : 0;
    }
    if (dims[a] > 0)
      offset += (ptrdiff_t)b * in_st[a];
    st[a] = in_st[a] * (ptrdiff_t)step;
  }
  if ((s = nn_op_set_output_type (node, 0, x->dtype, x->ndim, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (nn_strided), err)))
    return s;
  nn_strided_setup (node->params, nn_dtype_size (x->dtype), x->ndim, dims, st,
                    node->out[0]->count ? offset : 0);
  return NN_OK;
}

/* ---- Expand, Tile ------------------------------------------------------- */

static nn_status
expand_plan (nn_node *node, nn_error *err)
{
  int64_t shape[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  ptrdiff_t in_st[NN_MAX_DIMS], st[NN_MAX_DIMS];
  int n;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "input", NN_TYPES_ALL, err))
      || (s = nn_op_const_ints (node, 1, "shape", shape, NN_MAX_DIMS, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  int r = x->ndim > n ? x->ndim : n;
  row_major_strides (x, in_st);
  /* Bidirectional broadcast of the input's shape with `shape`. */
  for (int i = 0; i < r; i++) {
    int ix = i - (r - x->ndim), is = i - (r - n);
    int64_t a = ix >= 0 ? x->dims[ix] : 1, b = is >= 0 ? shape[is] : 1;
    if (b < 0 || (a != b && a != 1 && b != 1))
      return nn_fail_node (err, NN_SHAPE, node,
                           "input dimension %lld cannot be expanded to %lld "
                           "at axis %d",
                           (long long)a, (long long)b, i);
    dims[i] = a == 1 ? b : a;
    st[i] = ix >= 0 && a != 1 ? in_st[ix] : 0;
  }
  if ((s = nn_op_set_output_type (node, 0, x->dtype, r, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (nn_strided), err)))
    return s;
  nn_strided_setup (node->params, nn_dtype_size (x->dtype), r, dims, st, 0);
  return NN_OK;
}

static nn_status
tile_plan (nn_node *node, nn_error *err)
{
  int64_t reps[NN_MAX_DIMS], dims[NN_MAX_DIMS], sdims[NN_STRIDED_MAX_DIMS];
  ptrdiff_t in_st[NN_MAX_DIMS], st[NN_STRIDED_MAX_DIMS];
  int n;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "input", NN_TYPES_ALL, err))
      || (s
          = nn_op_const_ints (node, 1, "repeats", reps, NN_MAX_DIMS, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  if (n != x->ndim)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "repeats has %d values for an input of rank %d", n,
                         x->ndim);
  row_major_strides (x, in_st);
  /* y viewed as (r0, d0, r1, d1, ...): the repeat axes read stride 0. */
  for (int i = 0; i < n; i++) {
    if (reps[i] < 0)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "repeat %lld at axis %d is negative",
                           (long long)reps[i], i);
    if (reps[i] > 0 && x->dims[i] > (int64_t)NN_MAX_TENSOR_ELEMS / reps[i])
      return nn_fail_node (err, NN_SHAPE, node, "result is too large");
    dims[i] = x->dims[i] * reps[i];
    sdims[2 * i] = reps[i];
    sdims[2 * i + 1] = x->dims[i];
    st[2 * i] = 0;
    st[2 * i + 1] = in_st[i];
  }
  if ((s = nn_op_set_output_type (node, 0, x->dtype, n, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (nn_strided), err)))
    return s;
  nn_strided_setup (node->params, nn_dtype_size (x->dtype), 2 * n, sdims, st,
                    0);
  return NN_OK;
}

/* ---- DepthToSpace, SpaceToDepth ----------------------------------------- */

/* Both are a reshape to 6-D, a transpose and a reshape back: one strided
 * copy with the transposed view's strides. */
static nn_status
depth_space_plan (nn_node *node, bool to_space, nn_error *err)
{
  int64_t b, dims[4], v[6], tv[6];
  ptrdiff_t vst[6], st[6], e = 1;
  const int *perm;
  const char *mode = "DCR";
  nn_status s;
  static const int dcr[6] = { 0, 3, 4, 1, 5, 2 }, crd[6] = { 0, 1, 4, 2, 5, 3 },
                   s2d[6] = { 0, 3, 5, 1, 2, 4 };

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "input", NN_TYPES_ALL, err))
      || (s = nn_op_input_rank (node, 0, "input", 4, 4, err))
      || (s = nn_op_attr_int (node, "blocksize", 0, &b, err))
      || (to_space
          && (s = nn_op_attr_string (node, "mode", "DCR", &mode, err))))
    return s;
  const nn_value *x = node->in[0];
  int64_t n = x->dims[0], c = x->dims[1], h = x->dims[2], w = x->dims[3];
  if (b < 1 || b > 65536)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'blocksize' must be 1 or more, is %lld",
                         (long long)b);
  if (to_space) {
    bool is_dcr = strcmp (mode, "DCR") == 0;
    if (!is_dcr && strcmp (mode, "CRD") != 0)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "attribute 'mode' must be DCR or CRD, is '%s'",
                           mode);
    if (c % (b * b) != 0)
      return nn_fail_node (err, NN_SHAPE, node,
                           "%lld channels do not divide by blocksize %lld "
                           "squared",
                           (long long)c, (long long)b);
    int64_t cb = c / (b * b);
    if (is_dcr) {
      v[0] = n, v[1] = b, v[2] = b, v[3] = cb, v[4] = h, v[5] = w;
      perm = dcr;
    } else {
      v[0] = n, v[1] = cb, v[2] = b, v[3] = b, v[4] = h, v[5] = w;
      perm = crd;
    }
    dims[0] = n, dims[1] = cb, dims[2] = h * b, dims[3] = w * b;
  } else {
    if (h % b != 0 || w % b != 0)
      return nn_fail_node (err, NN_SHAPE, node,
                           "height %lld and width %lld do not divide by "
                           "blocksize %lld",
                           (long long)h, (long long)w, (long long)b);
    v[0] = n, v[1] = c, v[2] = h / b, v[3] = b, v[4] = w / b, v[5] = b;
    perm = s2d;
    dims[0] = n, dims[1] = c * b * b, dims[2] = h / b, dims[3] = w / b;
  }
  for (int i = 5; i >= 0; i--) {
    vst[i] = e;
    e *= (ptrdiff_t)v[i];
  }
  for (int i = 0; i < 6; i++) {
    tv[i] = v[perm[i]];
    st[i] = vst[perm[i]];
  }
  if ((s = nn_op_set_output_type (node, 0, x->dtype, 4, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (nn_strided), err)))
    return s;
  nn_strided_setup (node->params, nn_dtype_size (x->dtype), 6, tv, st, 0);
  return NN_OK;
}

static nn_status
depth_to_space_plan (nn_node *node, nn_error *err)
{
  return depth_space_plan (node, true, err);
}

static nn_status
space_to_depth_plan (nn_node *node, nn_error *err)
{
  return depth_space_plan (node, false, err);
}

/* ---- Gather ------------------------------------------------------------- */

typedef struct gather_params {
  size_t outer, inner, dim, esize;
} gather_params;

/* Constant indices must lie in [-dim, dim). */
static nn_status
check_indices (const nn_node *node, const nn_value *idx, int64_t dim,
               nn_error *err)
{
  if (idx->kind != NN_VAL_CONST)
    return NN_OK;
  for (size_t i = 0; i < idx->count; i++) {
    int64_t k = nn_load_i64 (idx->cdata, idx->dtype, i);
    if (k < -dim || k >= dim)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "index %lld out of range for an axis of size %lld",
                           (long long)k, (long long)dim);
  }
  return NN_OK;
}

static nn_status
gather_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr, dims[NN_MAX_DIMS];
  int axis, nd = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "data", NN_TYPES_ALL, err))
      || (s = nn_op_typed_input (node, 1, "indices", NN_TYPES_INDEX, err))
      || (s = nn_op_attr_int (node, "axis", 0, &axis_attr, err)))
    return s;
  const nn_value *x = node->in[0], *idx = node->in[1];
  if (x->ndim == 0)
    return nn_fail_node (err, NN_SHAPE, node, "data is a scalar");
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x->ndim, false,
                       &axis, err))
      || (s = check_indices (node, idx, x->dims[axis], err)))
    return s;
  if (x->ndim - 1 + idx->ndim > NN_MAX_DIMS)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "result would have rank %d, at most %d is supported",
                         x->ndim - 1 + idx->ndim, NN_MAX_DIMS);
  for (int i = 0; i < axis; i++)
    dims[nd++] = x->dims[i];
  for (int i = 0; i < idx->ndim; i++)
    dims[nd++] = idx->dims[i];
  for (int i = axis + 1; i < x->ndim; i++)
    dims[nd++] = x->dims[i];
  if ((s = nn_op_set_output_type (node, 0, x->dtype, nd, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (gather_params), err)))
    return s;
  gather_params *p = node->params;
  nn_op_dims_product (x->dims, 0, axis, &p->outer);
  nn_op_dims_product (x->dims, axis + 1, x->ndim, &p->inner);
  p->dim = (size_t)x->dims[axis];
  p->esize = nn_dtype_size (x->dtype);
  return NN_OK;
}

// x (outer, dim, inner), idx (k), y (outer, k, inner)
static void
gather_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const gather_params *p = node->params;
  const nn_value *iv = node->in[1];
  const char *x = nn_value_ptr (node->in[0], ctx);
  const void *idx = nn_value_ptr (iv, ctx);
  char *y = nn_value_ptr (node->out[0], ctx);
  const size_t row = p->inner * p->esize;

  for (size_t o = 0; o < p->outer; o++)
    for (size_t j = 0; j < iv->count; j++, y += row) {
      int64_t k = nn_load_i64 (idx, iv->dtype, j);
      if (k < 0)
        k += (int64_t)p->dim;
      if (k < 0 || k >= (int64_t)p->dim)
        memset (y, 0, row);
      else
        memcpy (y, x + (o * p->dim + (size_t)k) * row, row);
    }
}

/* ---- GatherElements ----------------------------------------------------- */

typedef struct elements_params {
  int axis;
  size_t esize;
  int reduction; /* ScatterElements: 0 none, 1 add, 2 mul, 3 max, 4 min */
} elements_params;

/* Offset in data (shape `d`) of index position i of a tensor of shape
 * `ishape`, with the coordinate along axis replaced by k. */
static size_t
elements_offset (const nn_value *data, const nn_value *ind, int axis, size_t i,
                 int64_t k)
{
  size_t off = 0, mul = 1;
  for (int d = ind->ndim - 1; d >= 0; d--) {
    size_t c = i % (size_t)ind->dims[d];
    i /= (size_t)ind->dims[d];
    off += (d == axis ? (size_t)k : c) * mul;
    mul *= (size_t)data->dims[d];
  }
  return off;
}

static nn_status
elements_check (const nn_node *node, const nn_value *data, const nn_value *ind,
                int64_t axis_attr, int *axis, nn_error *err)
{
  nn_status s;
  if (ind->ndim != data->ndim)
    return nn_fail_node (err, NN_SHAPE, node,
                         "indices have rank %d, data rank %d", ind->ndim,
                         data->ndim);
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, data->ndim, false,
                       axis, err))
      || (s = check_indices (node, ind, data->dims[*axis], err)))
    return s;
  for (int d = 0; d < data->ndim; d++)
    if (d != *axis && ind->dims[d] > data->dims[d])
      return nn_fail_node (err, NN_SHAPE, node,
                           "indices dimension %lld exceeds data's %lld at "
                           "axis %d",
                           (long long)ind->dims[d], (long long)data->dims[d],
                           d);
  return NN_OK;
}

static nn_status
gather_elements_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr;
  int axis;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "data", NN_TYPES_ALL, err))
      || (s = nn_op_typed_input (node, 1, "indices", NN_TYPES_INDEX, err))
      || (s = nn_op_attr_int (node, "axis", 0, &axis_attr, err))
      || (s = elements_check (node, node->in[0], node->in[1], axis_attr, &axis,
                              err)))
    return s;
  const nn_value *ind = node->in[1];
  if ((s = nn_op_set_output_type (node, 0, node->in[0]->dtype, ind->ndim,
                                  ind->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (elements_params), err)))
    return s;
  ((elements_params *)node->params)->axis = axis;
  ((elements_params *)node->params)->esize = nn_dtype_size (node->in[0]->dtype);
  return NN_OK;
}

static void
gather_elements_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const elements_params *p = node->params;
  const nn_value *data = node->in[0], *ind = node->in[1];
  const char *x = nn_value_ptr (data, ctx);
  const void *idx = nn_value_ptr (ind, ctx);
  char *y = nn_value_ptr (node->out[0], ctx);
  int64_t dim = data->dims[p->axis];
  for (size_t i = 0; i < ind->count; i++) {
    int64_t k = nn_load_i64 (idx, ind->dtype, i);
    if (k < 0)
      k += dim;
    if (k < 0 || k >= dim)
      memset (y + i * p->esize, 0, p->esize);
    else
      memcpy (y + i * p->esize,
              x + elements_offset (data, ind, p->axis, i, k) * p->esize,
              p->esize);
  }
}

/* ---- ScatterND, ScatterElements ----------------------------------------- */

static nn_status
reduction_attr (const nn_node *node, int *out, nn_error *err)
{
  static const char *const names[] = { "none", "add", "mul", "max", "min" };
  const char *r;
  nn_status s = nn_op_attr_string (node, "reduction", "none", &r, err);
  if (s)
    return s;
  for (int i = 0; i < 5; i++)
    if (strcmp (r, names[i]) == 0) {
      if (i > 0 && node->in[0]->dtype != NN_DTYPE_FLOAT)
        return nn_fail_node (err, NN_UNSUPPORTED, node,
                             "reduction '%s' is supported on float data only",
                             r);
      *out = i;
      return NN_OK;
    }
  return nn_fail_node (err, NN_BAD_MODEL, node,
                       "attribute 'reduction' has unknown value '%s'", r);
}

static void
scatter_one (char *y, const char *u, size_t esize, int reduction)
{
  float *a = (float *)y, b;
  if (reduction == 0) {
    memcpy (y, u, esize);
    return;
  }
  memcpy (&b, u, sizeof b);
  switch (reduction) {
  case 1:
    *a += b;
    break;
  case 2:
    *a *= b;
    break;
  case 3:
    *a = *a > b ? *a : b;
    break;
  default:
    *a = *a < b ? *a : b;
    break;
  }
}

typedef struct scatter_nd_params {
  int q;        /* index tuple length */
  size_t slice; /* elements per update slice */
  size_t esize;
  int reduction;
} scatter_nd_params;

static nn_status
scatter_nd_plan (nn_node *node, nn_error *err)
{
  int reduction = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 3, 3, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "data", NN_TYPES_ALL, err))
      || (s = nn_op_typed_input (node, 1, "indices", NN_TYPES_INDEX, err))
      || (s = nn_op_typed_input (node, 2, "updates", NN_TYPES_ALL, err))
      || (s = nn_op_same_type (node, 0, 2, err))
      || (s = reduction_attr (node, &reduction, err)))
    return s;
  const nn_value *x = node->in[0], *ind = node->in[1], *u = node->in[2];
  if (ind->ndim < 1)
    return nn_fail_node (err, NN_SHAPE, node, "indices must have rank 1+");
  int q = (int)ind->dims[ind->ndim - 1];
  if (q < 1 || q > x->ndim)
    return nn_fail_node (err, NN_SHAPE, node,
                         "index tuples of %d for data of rank %d", q, x->ndim);
  /* updates: indices.shape[:-1] + data.shape[q:] */
  if (u->ndim != ind->ndim - 1 + x->ndim - q)
    return nn_fail_node (err, NN_SHAPE, node,
                         "updates have rank %d, expected "
                         "%d",
                         u->ndim, ind->ndim - 1 + x->ndim - q);
  for (int i = 0; i < ind->ndim - 1; i++)
    if (u->dims[i] != ind->dims[i])
      return nn_fail_node (err, NN_SHAPE, node,
                           "updates do not match indices at axis %d", i);
  for (int i = q; i < x->ndim; i++)
    if (u->dims[ind->ndim - 1 + i - q] != x->dims[i])
      return nn_fail_node (err, NN_SHAPE, node,
                           "updates do not match data at axis %d", i);
  if (ind->kind == NN_VAL_CONST)
    for (size_t i = 0; i < ind->count; i++) {
      int64_t k = nn_load_i64 (ind->cdata, ind->dtype, i);
      int64_t dim = x->dims[i % (size_t)q];
      if (k < -dim || k >= dim)
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "index %lld out of range for an axis of size "
                             "%lld",
                             (long long)k, (long long)dim);
    }
  if ((s = nn_op_set_output_type (node, 0, x->dtype, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (scatter_nd_params), err)))
    return s;
  scatter_nd_params *p = node->params;
  p->q = q;
  nn_op_dims_product (x->dims, q, x->ndim, &p->slice);
  p->esize = nn_dtype_size (x->dtype);
  p->reduction = reduction;
  return NN_OK;
}

static void
scatter_nd_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const scatter_nd_params *p = node->params;
  const nn_value *x = node->in[0], *ind = node->in[1];
  const void *idx = nn_value_ptr (ind, ctx);
  const char *u = nn_value_ptr (node->in[2], ctx);
  char *y = nn_value_ptr (node->out[0], ctx);
  size_t tuples = ind->count / (size_t)p->q, row = p->slice * p->esize;

  if (y != (char *)nn_value_ptr (x, ctx))
    memcpy (y, nn_value_ptr (x, ctx), x->count * p->esize);
  for (size_t t = 0; t < tuples; t++, u += row) {
    size_t off = 0;
    bool ok = true;
    for (int j = 0; j < p->q; j++) {
      int64_t dim = x->dims[j],
              k = nn_load_i64 (idx, ind->dtype, t * (size_t)p->q + (size_t)j);
      if (k < 0)
        k += dim;
      if (k < 0 || k >= dim)
        ok = false;
      off = off * (size_t)dim + (size_t)(ok ? k : 0);
    }
    if (!ok)
      continue;
    if (p->reduction == 0)
      memcpy (y + off * row, u, row);
    else
      for (size_t e = 0; e < p->slice; e++)
        scatter_one (y + off * row + e * p->esize, u + e * p->esize, p->esize,
                     p->reduction);
  }
}

static nn_status
scatter_elements_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr;
  int axis, reduction = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 3, 3, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "data", NN_TYPES_ALL, err))
      || (s = nn_op_typed_input (node, 1, "indices", NN_TYPES_INDEX, err))
      || (s = nn_op_typed_input (node, 2, "updates", NN_TYPES_ALL, err))
      || (s = nn_op_same_type (node, 0, 2, err))
      || (s = nn_op_attr_int (node, "axis", 0, &axis_attr, err))
      || (s = reduction_attr (node, &reduction, err))
      || (s = elements_check (node, node->in[0], node->in[1], axis_attr, &axis,
                              err)))
    return s;
  const nn_value *x = node->in[0], *ind = node->in[1], *u = node->in[2];
  if (u->ndim != ind->ndim)
    return nn_fail_node (err, NN_SHAPE, node,
                         "updates and indices differ in rank");
  for (int d = 0; d < u->ndim; d++)
    if (u->dims[d] != ind->dims[d])
      return nn_fail_node (err, NN_SHAPE, node,
                           "updates and indices differ at axis %d", d);
  if ((s = nn_op_set_output_type (node, 0, x->dtype, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (elements_params), err)))
    return s;
  elements_params *p = node->params;
  p->axis = axis;
  p->esize = nn_dtype_size (x->dtype);
  p->reduction = reduction;
  return NN_OK;
}

static void
scatter_elements_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const elements_params *p = node->params;
  const nn_value *x = node->in[0], *ind = node->in[1];
  const void *idx = nn_value_ptr (ind, ctx);
  const char *u = nn_value_ptr (node->in[2], ctx);
  char *y = nn_value_ptr (node->out[0], ctx);
  int64_t dim = x->dims[p->axis];

  if (y != (char *)nn_value_ptr (x, ctx))
    memcpy (y, nn_value_ptr (x, ctx), x->count * p->esize);
  for (size_t i = 0; i < ind->count; i++) {
    int64_t k = nn_load_i64 (idx, ind->dtype, i);
    if (k < 0)
      k += dim;
    if (k < 0 || k >= dim)
      continue;
    scatter_one (y + elements_offset (x, ind, p->axis, i, k) * p->esize,
                 u + i * p->esize, p->esize, p->reduction);
  }
}

/* ---- Trilu -------------------------------------------------------------- */

typedef struct trilu_params {
  int64_t k;
  bool upper;
  size_t esize;
} trilu_params;

static nn_status
trilu_plan (nn_node *node, nn_error *err)
{
  int64_t upper, k = 0;
  int n = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 2, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "input", NN_TYPES_ALL, err))
      || (s = nn_op_input_rank (node, 0, "input", 2, NN_MAX_DIMS, err))
      || (s = nn_op_attr_int (node, "upper", 1, &upper, err))
      || (nn_op_input (node, 1)
          && (s = nn_op_const_ints (node, 1, "k", &k, 1, &n, err))))
    return s;
  if (nn_op_input (node, 1) && (n != 1 || node->in[1]->ndim != 0))
    return nn_fail_node (err, NN_SHAPE, node, "input k must be a scalar");
  const nn_value *x = node->in[0];
  if ((s = nn_op_set_output_type (node, 0, x->dtype, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (trilu_params), err)))
    return s;
  trilu_params *p = node->params;
  p->k = k;
  p->upper = upper != 0;
  p->esize = nn_dtype_size (x->dtype);
  return NN_OK;
}

// x, y (..., R, C): elements off the kept triangle zeroed
static void
trilu_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const trilu_params *p = node->params;
  const nn_value *x = node->in[0];
  const char *in = nn_value_ptr (x, ctx);
  char *out = nn_value_ptr (node->out[0], ctx);
  int64_t r = x->dims[x->ndim - 2], c = x->dims[x->ndim - 1];
  size_t mats = r > 0 && c > 0 ? x->count / (size_t)(r * c) : 0;
  for (size_t m = 0; m < mats; m++)
    for (int64_t i = 0; i < r; i++)
      for (int64_t j = 0; j < c; j++) {
        size_t at
            = ((m * (size_t)r + (size_t)i) * (size_t)c + (size_t)j) * p->esize;
        bool keep = p->upper ? j - i >= p->k : j - i <= p->k;
        if (keep)
          memcpy (out + at, in + at, p->esize);
        else
          memset (out + at, 0, p->esize);
      }
}

const nn_op_def nn_op_slice = { .op_type = "Slice",
                                .plan = slice_plan,
                                .run = nn_op_strided_run,
                                .const_inputs = 0x1e };
const nn_op_def nn_op_expand = { .op_type = "Expand",
                                 .plan = expand_plan,
                                 .run = nn_op_strided_run,
                                 .min_opset = 8,
                                 .const_inputs = 0x2 };
const nn_op_def nn_op_tile = { .op_type = "Tile",
                               .plan = tile_plan,
                               .run = nn_op_strided_run,
                               .min_opset = 6,
                               .const_inputs = 0x2 };
const nn_op_def nn_op_depth_to_space = { .op_type = "DepthToSpace",
                                         .plan = depth_to_space_plan,
                                         .run = nn_op_strided_run };
const nn_op_def nn_op_space_to_depth = { .op_type = "SpaceToDepth",
                                         .plan = space_to_depth_plan,
                                         .run = nn_op_strided_run };
const nn_op_def nn_op_gather
    = { .op_type = "Gather", .plan = gather_plan, .run = gather_run };
const nn_op_def nn_op_gather_elements = { .op_type = "GatherElements",
                                          .plan = gather_elements_plan,
                                          .run = gather_elements_run,
                                          .min_opset = 11 };
const nn_op_def nn_op_scatter_nd = { .op_type = "ScatterND",
                                     .plan = scatter_nd_plan,
                                     .run = scatter_nd_run,
                                     .min_opset = 11 };
const nn_op_def nn_op_scatter_elements = { .op_type = "ScatterElements",
                                           .plan = scatter_elements_plan,
                                           .run = scatter_elements_run,
                                           .min_opset = 11 };
const nn_op_def nn_op_trilu = { .op_type = "Trilu",
                                .plan = trilu_plan,
                                .run = trilu_run,
                                .min_opset = 14,
                                .const_inputs = 0x2 };

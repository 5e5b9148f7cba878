/* Constant folding of the int64 shape sub-graphs that exporters emit
 * (Shape, Gather, Unsqueeze, Concat, Reshape, Cast, Slice, arithmetic):
 * evaluated once at plan time, so run() never sees an int64 tensor. */
#include "fold.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nn_status
nn_fold_set_const (nn_plan *plan, nn_value *v, nn_dtype dtype, int ndim,
                   const int64_t *dims, const nn_node *node, nn_error *err,
                   void **data)
{
  nn_status s = nn_value_set_shape (v, ndim, dims, node, err);
  if (s)
    return s;
  if (v->count > NN_MAX_FOLD_ELEMS)
    return nn_fail_node (
        err, NN_UNSUPPORTED, node,
        "constant '%s' would have %zu elements, folding stops at %zu", v->name,
        v->count, NN_MAX_FOLD_ELEMS);
  v->kind = NN_VAL_CONST;
  v->dtype = dtype;
  *data = nn_mem_array (&plan->mem, v->count + 1, 8);
  if (!*data)
    return nn_fail_node (err, NN_NOMEM, node, "out of memory");
  if (dtype == NN_DTYPE_FLOAT) {
    v->fconst = *data;
    v->iconst = NULL;
  } else {
    v->iconst = *data;
    v->fconst = NULL;
  }
  return NN_OK;
}

double
nn_fold_get_num (const nn_value *v, size_t i)
{
  return v->dtype == NN_DTYPE_FLOAT ? (double)v->fconst[i]
                                    : (double)v->iconst[i];
}

void
nn_fold_put_num (nn_value *v, size_t i, double x)
{
  if (v->dtype == NN_DTYPE_FLOAT)
    ((float *)v->fconst)[i] = (float)x;
  else
    ((int64_t *)v->iconst)[i] = (int64_t)x;
}

nn_status
nn_fold_need_const (const nn_node *node, int k, nn_error *err)
{
  const nn_value *v = k < node->n_in ? node->in[k] : NULL;
  if (!v)
    return nn_fail_node (err, NN_BAD_MODEL, node, "input %d is missing", k);
  if (v->kind != NN_VAL_CONST)
    return nn_fail_node (
        err, NN_UNSUPPORTED, node,
        "input '%s' is computed at run time; %s is only supported on "
        "constants",
        v->name, node->op_type);
  return NN_OK;
}

int
nn_fold_norm_axis (int64_t axis, int rank, int64_t *out)
{
  if (axis < -rank || axis >= rank)
    return 0;
  *out = axis < 0 ? axis + rank : axis;
  return 1;
}

/* Axes from the attribute (old opsets) or a constant int64 input. */
nn_status
nn_fold_get_axes (const nn_node *node, int input, const int64_t **axes,
                  size_t *n, nn_error *err)
{
  const nn_attr *a = nn_node_attr (node, "axes");
  *axes = NULL;
  *n = 0;
  if (a && a->type == NN_ATTR_INTS) {
    *axes = a->ints;
    *n = a->n;
  } else if (input < node->n_in && node->in[input]) {
    nn_status s = nn_fold_need_const (node, input, err);
    if (s)
      return s;
    if (node->in[input]->dtype != NN_DTYPE_INT64)
      return nn_fail_node (err, NN_BAD_MODEL, node, "axes must be int64");
    *axes = node->in[input]->iconst;
    *n = node->in[input]->count;
  }
  if (*n > NN_MAX_DIMS)
    return nn_fail_node (err, NN_BAD_MODEL, node, "too many axes");
  return NN_OK;
}

nn_status
nn_fold_constant (nn_plan *plan, nn_node *node, nn_error *err)
{
  nn_value *o = node->out[0];
  void *d;
  nn_status s;
  for (int i = 0; i < node->n_attrs; i++) {
    const nn_attr *a = &node->attrs[i];
    if (strcmp (a->name, "value") == 0 && a->type == NN_ATTR_TENSOR) {
      const nn_value *t = a->tensor;
      if ((s = nn_fold_set_const (plan, o, t->dtype, t->ndim, t->dims, node,
                                  err, &d)))
        return s;
      memcpy (d,
              t->dtype == NN_DTYPE_FLOAT ? (const void *)t->fconst
                                         : (const void *)t->iconst,
              t->count * (t->dtype == NN_DTYPE_FLOAT ? 4 : 8));
      return NN_OK;
    }
    if (strcmp (a->name, "value_float") == 0
        || strcmp (a->name, "value_int") == 0) {
      int isf = a->type == NN_ATTR_FLOAT;
      if ((s
           = nn_fold_set_const (plan, o, isf ? NN_DTYPE_FLOAT : NN_DTYPE_INT64,
                                0, NULL, node, err, &d)))
        return s;
      if (isf)
        ((float *)d)[0] = a->f;
      else
        ((int64_t *)d)[0] = a->i;
      return NN_OK;
    }
    if (strcmp (a->name, "value_floats") == 0
        || strcmp (a->name, "value_ints") == 0) {
      int isf = a->type == NN_ATTR_FLOATS;
      int64_t dim = (int64_t)a->n;
      if ((s
           = nn_fold_set_const (plan, o, isf ? NN_DTYPE_FLOAT : NN_DTYPE_INT64,
                                1, &dim, node, err, &d)))
        return s;
      memcpy (d, isf ? (const void *)a->floats : (const void *)a->ints,
              a->n * (isf ? 4 : 8));
      return NN_OK;
    }
  }
  return nn_fail_node (err, NN_UNSUPPORTED, node,
                       "Constant needs a float or int64 'value'");
}

nn_status
nn_fold_shape (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *x = node->in[0];
  int64_t start = nn_node_attr_int (node, "start", 0);
  int64_t end = nn_node_attr_int (node, "end", x->ndim);
  int64_t n;
  void *d;
  nn_status s;
  if (start < 0)
    start += x->ndim;
  if (end < 0)
    end += x->ndim;
  start = start < 0 ? 0 : (start > x->ndim ? x->ndim : start);
  end = end < 0 ? 0 : (end > x->ndim ? x->ndim : end);
  n = end > start ? end - start : 0;
  if ((s = nn_fold_set_const (plan, node->out[0], NN_DTYPE_INT64, 1, &n, node,
                              err, &d)))
    return s;
  for (int64_t i = 0; i < n; i++)
    ((int64_t *)d)[i] = x->dims[start + i];
  return NN_OK;
}

nn_status
nn_fold_gather (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *x = node->in[0], *idx = node->in[1];
  int64_t axis, dims[NN_MAX_DIMS];
  size_t outer = 1, inner = 1, n = 0;
  int nd = 0;
  void *d;
  nn_status s;
  if (idx->dtype != NN_DTYPE_INT64)
    return nn_fail_node (err, NN_BAD_MODEL, node, "indices must be int64");
  if (!nn_fold_norm_axis (nn_node_attr_int (node, "axis", 0), x->ndim, &axis))
    return nn_fail_node (err, NN_BAD_MODEL, node, "axis out of range");
  if (x->ndim - 1 + idx->ndim > NN_MAX_DIMS)
    return nn_fail_node (err, NN_UNSUPPORTED, node, "result rank too large");
  for (int i = 0; i < axis; i++)
    outer *= (size_t)x->dims[i], dims[nd++] = x->dims[i];
  for (int i = 0; i < idx->ndim; i++)
    dims[nd++] = idx->dims[i];
  for (int i = (int)axis + 1; i < x->ndim; i++)
    inner *= (size_t)x->dims[i], dims[nd++] = x->dims[i];
  if ((s = nn_fold_set_const (plan, node->out[0], x->dtype, nd, dims, node, err,
                              &d)))
    return s;
  for (size_t o = 0; o < outer; o++)
    for (size_t j = 0; j < idx->count; j++) {
      int64_t k = idx->iconst[j];
      if (k < -x->dims[axis] || k >= x->dims[axis])
        return nn_fail_node (err, NN_BAD_MODEL, node,
                             "index %lld out of range for axis of size %lld",
                             (long long)k, (long long)x->dims[axis]);
      if (k < 0)
        k += x->dims[axis];
      for (size_t i = 0; i < inner; i++)
        nn_fold_put_num (
            node->out[0], n++,
            nn_fold_get_num (x, (o * (size_t)x->dims[axis] + (size_t)k) * inner
                                    + i));
    }
  return NN_OK;
}

nn_status
nn_fold_cast (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *x = node->in[0];
  int64_t to = nn_node_attr_int (node, "to", 0);
  nn_dtype dt = to == 1 ? NN_DTYPE_FLOAT : NN_DTYPE_INT64;
  void *d;
  nn_status s;
  if (to != 1 && to != 7 && to != 6)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "cast to type %lld is not supported", (long long)to);
  if ((s = nn_fold_set_const (plan, node->out[0], dt, x->ndim, x->dims, node,
                              err, &d)))
    return s;
  for (size_t i = 0; i < x->count; i++) {
    double v = nn_fold_get_num (x, i);
    if (dt == NN_DTYPE_INT64 && !(fabs (v) < 9.2e18))
      return nn_fail_node (err, NN_BAD_MODEL, node, "value out of int64 range");
    nn_fold_put_num (node->out[0], i, v);
  }
  return NN_OK;
}

nn_status
nn_fold_constant_of_shape (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *shape = node->in[0];
  const nn_attr *a = nn_node_attr (node, "value");
  nn_dtype dt = a && a->tensor ? a->tensor->dtype : NN_DTYPE_FLOAT;
  double fill
      = a && a->tensor && a->tensor->count ? nn_fold_get_num (a->tensor, 0) : 0;
  void *d;
  nn_status s;
  if (shape->dtype != NN_DTYPE_INT64 || shape->ndim != 1
      || shape->count > NN_MAX_DIMS)
    return nn_fail_node (err, NN_BAD_MODEL, node, "shape must be 1-D int64");
  if ((s = nn_fold_set_const (plan, node->out[0], dt, (int)shape->count,
                              shape->iconst, node, err, &d)))
    return s;
  for (size_t i = 0; i < node->out[0]->count; i++)
    nn_fold_put_num (node->out[0], i, fill);
  return NN_OK;
}

/* Slice (opset 1-9 attributes, 10+ inputs) on any constant tensor. */
nn_status
nn_fold_slice (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *x = node->in[0];
  const int64_t *starts, *ends, *axes = NULL, *steps = NULL;
  size_t n, n_axes = 0;
  int64_t begin[NN_MAX_DIMS], step[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  size_t stride[NN_MAX_DIMS], idx[NN_MAX_DIMS] = { 0 };
  void *d;
  nn_status s;

  if (node->opset < 10) {
    const nn_attr *sa = nn_node_attr (node, "starts"),
                  *ea = nn_node_attr (node, "ends");
    if (!sa || !ea || sa->type != NN_ATTR_INTS || ea->type != NN_ATTR_INTS
        || sa->n != ea->n)
      return nn_fail_node (err, NN_BAD_MODEL, node, "bad starts/ends");
    starts = sa->ints, ends = ea->ints, n = sa->n;
    if ((s = nn_fold_get_axes (node, 99, &axes, &n_axes, err)))
      return s;
  } else {
    for (int k = 1; k < node->n_in && k < 5; k++)
      if (node->in[k]
          && ((s = nn_fold_need_const (node, k, err))
              || node->in[k]->dtype != NN_DTYPE_INT64))
        return s ? s
                 : nn_fail_node (err, NN_BAD_MODEL, node,
                                 "slice parameters must be int64");
    if (node->n_in < 3 || !node->in[1] || !node->in[2]
        || node->in[1]->count != node->in[2]->count)
      return nn_fail_node (err, NN_BAD_MODEL, node, "bad starts/ends");
    starts = node->in[1]->iconst, ends = node->in[2]->iconst;
    n = node->in[1]->count;
    if (node->n_in > 3 && node->in[3])
      axes = node->in[3]->iconst, n_axes = node->in[3]->count;
    if (node->n_in > 4 && node->in[4]) {
      steps = node->in[4]->iconst;
      if (node->in[4]->count != n)
        return nn_fail_node (err, NN_BAD_MODEL, node, "bad steps");
    }
  }
  if ((axes && n_axes != n) || n > (size_t)x->ndim)
    return nn_fail_node (err, NN_BAD_MODEL, node, "bad axes");
  for (int i = 0; i < x->ndim; i++)
    begin[i] = 0, step[i] = 1, dims[i] = x->dims[i];
  for (size_t j = 0; j < n; j++) {
    int64_t ax, dim, st, b, e;
    if (!nn_fold_norm_axis (axes ? axes[j] : (int64_t)j, x->ndim, &ax))
      return nn_fail_node (err, NN_BAD_MODEL, node, "axis out of range");
    dim = x->dims[ax];
    st = steps ? steps[j] : 1;
    if (st == 0)
      return nn_fail_node (err, NN_BAD_MODEL, node, "step 0");
    b = starts[j] < 0 ? starts[j] + dim : starts[j];
    e = ends[j] < 0 ? (ends[j] < -dim ? -1 : ends[j] + dim) : ends[j];
    if (st > 0) {
      b = b < 0 ? 0 : (b > dim ? dim : b);
      e = e < 0 ? 0 : (e > dim ? dim : e);
      dims[ax] = e > b ? (e - b + st - 1) / st : 0;
    } else {
      b = b < 0 ? -1 : (b > dim - 1 ? dim - 1 : b);
      e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
      dims[ax] = b > e ? (b - e + (-st) - 1) / (-st) : 0;
    }
    begin[ax] = b, step[ax] = st;
  }
  if ((s = nn_fold_set_const (plan, node->out[0], x->dtype, x->ndim, dims, node,
                              err, &d)))
    return s;
  for (int i = x->ndim - 1; i >= 0; i--)
    stride[i] = i == x->ndim - 1 ? 1 : stride[i + 1] * (size_t)x->dims[i + 1];
  for (size_t o = 0; o < node->out[0]->count; o++) {
    size_t src = 0;
    for (int i = 0; i < x->ndim; i++)
      src += (size_t)(begin[i] + (int64_t)idx[i] * step[i]) * stride[i];
    nn_fold_put_num (node->out[0], o, nn_fold_get_num (x, src));
    for (int i = x->ndim - 1; i >= 0; i--) {
      if (++idx[i] < (size_t)dims[i])
        break;
      idx[i] = 0;
    }
  }
  return NN_OK;
}

/* int64 tensors only ever describe shapes: the handful of ops exporters
 * apply to them, on constants. */
nn_status
nn_fold_int64 (nn_plan *plan, nn_node *node, nn_error *err)
{
  const char *op = node->op_type;
  const nn_value *x = node->in[0];
  nn_value *o = node->out[0];
  int64_t dims[NN_MAX_DIMS];
  int nd = 0;
  void *d;
  nn_status s;

  if (strcmp (op, "Identity") == 0) {
    nd = x->ndim;
    memcpy (dims, x->dims, sizeof dims);
  } else if (strcmp (op, "Unsqueeze") == 0 || strcmp (op, "Squeeze") == 0) {
    const int64_t *axes;
    size_t n;
    int mark[NN_MAX_DIMS + 1] = { 0 };
    int sq = op[0] == 'S';
    int out_rank = sq ? x->ndim : x->ndim + 0;
    if ((s = nn_fold_get_axes (node, 1, &axes, &n, err)))
      return s;
    if (!sq)
      out_rank = x->ndim + (int)n;
    if (out_rank > NN_MAX_DIMS)
      return nn_fail_node (err, NN_UNSUPPORTED, node, "rank too large");
    for (size_t i = 0; i < n; i++) {
      int64_t a;
      if (!nn_fold_norm_axis (axes[i], out_rank, &a) || mark[a])
        return nn_fail_node (err, NN_BAD_MODEL, node, "bad axes");
      mark[a] = 1;
    }
    for (int i = 0, j = 0; i < out_rank; i++) {
      if (sq) {
        if ((n && !mark[i]) || (!n && x->dims[i] != 1))
          dims[nd++] = x->dims[i];
        else if (x->dims[i] != 1)
          return nn_fail_node (err, NN_SHAPE, node, "squeezed axis is not 1");
      } else {
        dims[nd++] = mark[i] ? 1 : x->dims[j++];
      }
    }
  } else if (strcmp (op, "Reshape") == 0) {
    const nn_value *sh = node->n_in > 1 ? node->in[1] : NULL;
    size_t known = 1;
    int infer = -1;
    if ((s = nn_fold_need_const (node, 1, err)))
      return s;
    if (sh->dtype != NN_DTYPE_INT64 || sh->count > NN_MAX_DIMS)
      return nn_fail_node (err, NN_BAD_MODEL, node, "bad shape");
    nd = (int)sh->count;
    for (int i = 0; i < nd; i++) {
      dims[i] = sh->iconst[i];
      if (dims[i] == 0 && !nn_node_attr_int (node, "allowzero", 0))
        dims[i] = i < x->ndim ? x->dims[i] : 0;
      if (dims[i] == -1 && infer < 0)
        infer = i;
      else if (dims[i] < 0)
        return nn_fail_node (err, NN_BAD_MODEL, node, "bad shape value");
      else
        known *= (size_t)dims[i];
    }
    if (infer >= 0)
      dims[infer] = known ? (int64_t)(x->count / known) : 0;
  } else if (strcmp (op, "Concat") == 0) {
    int64_t axis;
    if (!nn_fold_norm_axis (nn_node_attr_int (node, "axis", 0), x->ndim, &axis)
        || x->ndim != 1)
      return nn_fail_node (
          err, NN_UNSUPPORTED, node,
          "int64 Concat is supported on 1-D shape vectors only");
    nd = 1;
    dims[0] = 0;
    for (int k = 0; k < node->n_in; k++) {
      if (!node->in[k] || node->in[k]->ndim != 1
          || node->in[k]->dtype != NN_DTYPE_INT64)
        return nn_fail_node (err, NN_BAD_MODEL, node, "bad Concat input");
      dims[0] += node->in[k]->dims[0];
    }
    if ((s = nn_fold_set_const (plan, o, NN_DTYPE_INT64, nd, dims, node, err,
                                &d)))
      return s;
    for (int k = 0, at = 0; k < node->n_in; k++)
      for (size_t i = 0; i < node->in[k]->count; i++)
        ((int64_t *)d)[at++] = node->in[k]->iconst[i];
    return NN_OK;
  } else if (!strcmp (op, "Add") || !strcmp (op, "Sub") || !strcmp (op, "Mul")
             || !strcmp (op, "Div")) {
    const nn_value *y = node->n_in > 1 ? node->in[1] : NULL;
    const nn_value *big;
    if (!y || y->dtype != NN_DTYPE_INT64)
      return nn_fail_node (err, NN_BAD_MODEL, node, "mixed types");
    if (x->count != y->count && x->count != 1 && y->count != 1)
      return nn_fail_node (err, NN_UNSUPPORTED, node,
                           "int64 arithmetic needs equal sizes or a scalar");
    big = x->count >= y->count ? x : y;
    if ((s = nn_fold_set_const (plan, o, NN_DTYPE_INT64, big->ndim, big->dims,
                                node, err, &d)))
      return s;
    for (size_t i = 0; i < big->count; i++) {
      int64_t a = x->iconst[x->count == 1 ? 0 : i];
      int64_t b = y->iconst[y->count == 1 ? 0 : i], r;
      switch (op[0]) {
      case 'A':
        if (__builtin_add_overflow (a, b, &r))
          return nn_fail_node (err, NN_BAD_MODEL, node, "overflow");
        break;
      case 'S':
        if (__builtin_sub_overflow (a, b, &r))
          return nn_fail_node (err, NN_BAD_MODEL, node, "overflow");
        break;
      case 'M':
        if (__builtin_mul_overflow (a, b, &r))
          return nn_fail_node (err, NN_BAD_MODEL, node, "overflow");
        break;
      default:
        if (b == 0 || (a == INT64_MIN && b == -1))
          return nn_fail_node (err, NN_BAD_MODEL, node, "division by zero");
        r = a / b;
      }
      ((int64_t *)d)[i] = r;
    }
    return NN_OK;
  } else {
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "%s on int64 tensors is not supported", op);
  }
  if ((s
       = nn_fold_set_const (plan, o, NN_DTYPE_INT64, nd, dims, node, err, &d)))
    return s;
  if (o->count != x->count)
    return nn_fail_node (err, NN_SHAPE, node,
                         "%zu values cannot take the "
                         "new shape (%zu)",
                         x->count, o->count);
  memcpy (d, x->iconst, x->count * 8);
  return NN_OK;
}

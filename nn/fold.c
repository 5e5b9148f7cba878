/* Load-time rewriting: BatchNormalization folded into Conv, and constant
 * folding of everything computable before the first frame (the int64 shape
 * sub-graphs exporters emit, and float nodes whose inputs are all weights).
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const fold_only[] = {
  "Constant", "Shape", "Gather", "Cast", "ConstantOfShape", "Slice", "Size",
  NULL
};

int
nn_fold_only_op (const char *op_type)
{
  for (int i = 0; fold_only[i]; i++)
    if (strcmp (op_type, fold_only[i]) == 0)
      return 1;
  return 0;
}

/* ---- BatchNormalization -> Conv ---- */

static size_t
count_uses (const nn_graph *g, const nn_value *v)
{
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++)
      n += g->nodes[i].in[k] == v;
  for (size_t i = 0; i < g->n_outputs; i++)
    n += &g->values[g->outputs[i]] == v;
  return n;
}

static int
is_float_const (const nn_value *v, size_t count)
{
  return v && v->kind == NN_VAL_CONST && v->dtype == NN_DTYPE_FLOAT
      && v->count == count;
}

nn_status
nn_fold_batchnorm (nn_model *model, nn_error *err)
{
  nn_graph *g = &model->graph;
  size_t kept = 0;

  for (size_t i = 0; i < g->n_nodes; i++) {
    nn_node *bn = &g->nodes[i], *conv = NULL;
    nn_value *w, *bias_holder;
    size_t oc, per_oc;
    float eps;

    if (strcmp (bn->op_type, "BatchNormalization") != 0 || bn->n_in != 5
        || bn->n_out != 1 || !bn->in[0]
        || nn_node_attr_int (bn, "spatial", 1) != 1)
      goto keep;
    for (size_t j = 0; j < i; j++)
      if (g->nodes[j].n_out >= 1 && g->nodes[j].out[0] == bn->in[0]
          && strcmp (g->nodes[j].op_type, "Conv") == 0)
        conv = &g->nodes[j];
    if (!conv || conv->n_in < 2 || !conv->in[1] || count_uses (g, bn->in[0]) != 1)
      goto keep;
    w = conv->in[1];
    if (w->kind != NN_VAL_CONST || w->dtype != NN_DTYPE_FLOAT || w->ndim < 3
        || w->dims[0] <= 0 || count_uses (g, w) != 1)
      goto keep;
    oc = (size_t) w->dims[0];
    per_oc = w->count / oc;
    if (!is_float_const (bn->in[1], oc) || !is_float_const (bn->in[2], oc)
        || !is_float_const (bn->in[3], oc) || !is_float_const (bn->in[4], oc))
      goto keep;
    if (conv->n_in >= 3 && conv->in[2] && (!is_float_const (conv->in[2], oc)
            || count_uses (g, conv->in[2]) != 1))
      goto keep;
    /* BN's own B tensor becomes the conv bias, so it must be private too. */
    bias_holder = bn->in[2];
    if (count_uses (g, bias_holder) != 1)
      goto keep;
    eps = nn_node_attr_float (bn, "epsilon", 1e-5f);

    {
      float *nw = nn_mem_array (&model->mem, w->count + 1, sizeof (float));
      float *nb = nn_mem_array (&model->mem, oc + 1, sizeof (float));
      const float *scale = bn->in[1]->fconst, *beta = bn->in[2]->fconst;
      const float *mean = bn->in[3]->fconst, *var = bn->in[4]->fconst;
      const float *ob = conv->n_in >= 3 && conv->in[2] ? conv->in[2]->fconst
          : NULL;
      if (!nw || !nb)
        return nn_fail (err, NN_NOMEM, "out of memory folding BatchNorm");
      for (size_t o = 0; o < oc; o++) {
        /* y = s * (conv(x) + b - mean) + beta, s = scale / sqrt(var + eps) */
        double s = scale[o] / sqrt ((double) var[o] + eps);
        for (size_t k = 0; k < per_oc; k++)
          nw[o * per_oc + k] = (float) (w->fconst[o * per_oc + k] * s);
        nb[o] = (float) (((ob ? ob[o] : 0.0) - mean[o]) * s + beta[o]);
      }
      w->fconst = nw;
      bias_holder->fconst = nb;
      if (conv->n_in < 3) {
        nn_value **in = nn_mem_array (&model->mem, 3, sizeof (nn_value *));
        if (!in)
          return nn_fail (err, NN_NOMEM, "out of memory folding BatchNorm");
        in[0] = conv->in[0];
        in[1] = conv->in[1];
        conv->in = in;
        conv->n_in = 3;
      }
      conv->in[2] = bias_holder;
      conv->out[0] = bn->out[0];
    }
    continue;                   /* the BatchNormalization node disappears */
  keep:
    g->nodes[kept++] = *bn;
  }
  g->n_nodes = kept;
  return NN_OK;
}

/* ---- constant folding at plan time ---- */

static nn_status
set_const (nn_plan *plan, nn_value *v, nn_dtype dtype, int ndim,
    const int64_t *dims, const nn_node *node, nn_error *err, void **data)
{
  nn_status s = nn_value_set_shape (v, ndim, dims, node, err);
  if (s)
    return s;
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

static double
get_num (const nn_value *v, size_t i)
{
  return v->dtype == NN_DTYPE_FLOAT ? (double) v->fconst[i]
      : (double) v->iconst[i];
}

static void
put_num (nn_value *v, size_t i, double x)
{
  if (v->dtype == NN_DTYPE_FLOAT)
    ((float *) v->fconst)[i] = (float) x;
  else
    ((int64_t *) v->iconst)[i] = (int64_t) x;
}

static nn_status
need_const (const nn_node *node, int k, nn_error *err)
{
  const nn_value *v = k < node->n_in ? node->in[k] : NULL;
  if (!v)
    return nn_fail_node (err, NN_BAD_MODEL, node, "input %d is missing", k);
  if (v->kind != NN_VAL_CONST)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
        "input '%s' is computed at run time; %s is only supported on "
        "constants", v->name, node->op_type);
  return NN_OK;
}

static int
norm_axis (int64_t axis, int rank, int64_t *out)
{
  if (axis < -rank || axis >= rank)
    return 0;
  *out = axis < 0 ? axis + rank : axis;
  return 1;
}

/* Axes from the attribute (old opsets) or a constant int64 input. */
static nn_status
get_axes (const nn_node *node, int input, const int64_t **axes, size_t *n,
    nn_error *err)
{
  const nn_attr *a = nn_node_attr (node, "axes");
  *axes = NULL;
  *n = 0;
  if (a && a->type == NN_ATTR_INTS) {
    *axes = a->ints;
    *n = a->n;
  } else if (input < node->n_in && node->in[input]) {
    nn_status s = need_const (node, input, err);
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

static nn_status
fold_constant (nn_plan *plan, nn_node *node, nn_error *err)
{
  nn_value *o = node->out[0];
  void *d;
  nn_status s;
  for (int i = 0; i < node->n_attrs; i++) {
    const nn_attr *a = &node->attrs[i];
    if (strcmp (a->name, "value") == 0 && a->type == NN_ATTR_TENSOR) {
      const nn_value *t = a->tensor;
      if ((s = set_const (plan, o, t->dtype, t->ndim, t->dims, node, err, &d)))
        return s;
      memcpy (d, t->dtype == NN_DTYPE_FLOAT ? (const void *) t->fconst
          : (const void *) t->iconst, t->count * (t->dtype == NN_DTYPE_FLOAT
              ? 4 : 8));
      return NN_OK;
    }
    if (strcmp (a->name, "value_float") == 0 || strcmp (a->name, "value_int") == 0) {
      int isf = a->type == NN_ATTR_FLOAT;
      if ((s = set_const (plan, o, isf ? NN_DTYPE_FLOAT : NN_DTYPE_INT64, 0,
                  NULL, node, err, &d)))
        return s;
      if (isf)
        ((float *) d)[0] = a->f;
      else
        ((int64_t *) d)[0] = a->i;
      return NN_OK;
    }
    if (strcmp (a->name, "value_floats") == 0 || strcmp (a->name, "value_ints") == 0) {
      int isf = a->type == NN_ATTR_FLOATS;
      int64_t dim = (int64_t) a->n;
      if ((s = set_const (plan, o, isf ? NN_DTYPE_FLOAT : NN_DTYPE_INT64, 1,
                  &dim, node, err, &d)))
        return s;
      memcpy (d, isf ? (const void *) a->floats : (const void *) a->ints,
          a->n * (isf ? 4 : 8));
      return NN_OK;
    }
  }
  return nn_fail_node (err, NN_UNSUPPORTED, node,
      "Constant needs a float or int64 'value'");
}

static nn_status
fold_shape (nn_plan *plan, nn_node *node, nn_error *err)
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
  if ((s = set_const (plan, node->out[0], NN_DTYPE_INT64, 1, &n, node, err, &d)))
    return s;
  for (int64_t i = 0; i < n; i++)
    ((int64_t *) d)[i] = x->dims[start + i];
  return NN_OK;
}

static nn_status
fold_gather (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *x = node->in[0], *idx = node->in[1];
  int64_t axis, dims[NN_MAX_DIMS];
  size_t outer = 1, inner = 1, n = 0;
  int nd = 0;
  void *d;
  nn_status s;
  if (idx->dtype != NN_DTYPE_INT64)
    return nn_fail_node (err, NN_BAD_MODEL, node, "indices must be int64");
  if (!norm_axis (nn_node_attr_int (node, "axis", 0), x->ndim, &axis))
    return nn_fail_node (err, NN_BAD_MODEL, node, "axis out of range");
  if (x->ndim - 1 + idx->ndim > NN_MAX_DIMS)
    return nn_fail_node (err, NN_UNSUPPORTED, node, "result rank too large");
  for (int i = 0; i < axis; i++)
    outer *= (size_t) x->dims[i], dims[nd++] = x->dims[i];
  for (int i = 0; i < idx->ndim; i++)
    dims[nd++] = idx->dims[i];
  for (int i = (int) axis + 1; i < x->ndim; i++)
    inner *= (size_t) x->dims[i], dims[nd++] = x->dims[i];
  if ((s = set_const (plan, node->out[0], x->dtype, nd, dims, node, err, &d)))
    return s;
  for (size_t o = 0; o < outer; o++)
    for (size_t j = 0; j < idx->count; j++) {
      int64_t k = idx->iconst[j];
      if (k < -x->dims[axis] || k >= x->dims[axis])
        return nn_fail_node (err, NN_BAD_MODEL, node,
            "index %lld out of range for axis of size %lld", (long long) k,
            (long long) x->dims[axis]);
      if (k < 0)
        k += x->dims[axis];
      for (size_t i = 0; i < inner; i++)
        put_num (node->out[0], n++, get_num (x, (o * (size_t) x->dims[axis]
                    + (size_t) k) * inner + i));
    }
  return NN_OK;
}

static nn_status
fold_cast (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *x = node->in[0];
  int64_t to = nn_node_attr_int (node, "to", 0);
  nn_dtype dt = to == 1 ? NN_DTYPE_FLOAT : NN_DTYPE_INT64;
  void *d;
  nn_status s;
  if (to != 1 && to != 7 && to != 6)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
        "cast to type %lld is not supported", (long long) to);
  if ((s = set_const (plan, node->out[0], dt, x->ndim, x->dims, node, err, &d)))
    return s;
  for (size_t i = 0; i < x->count; i++) {
    double v = get_num (x, i);
    if (dt == NN_DTYPE_INT64 && !(fabs (v) < 9.2e18))
      return nn_fail_node (err, NN_BAD_MODEL, node, "value out of int64 range");
    put_num (node->out[0], i, v);
  }
  return NN_OK;
}

static nn_status
fold_constant_of_shape (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *shape = node->in[0];
  const nn_attr *a = nn_node_attr (node, "value");
  nn_dtype dt = a && a->tensor ? a->tensor->dtype : NN_DTYPE_FLOAT;
  double fill = a && a->tensor && a->tensor->count ? get_num (a->tensor, 0) : 0;
  void *d;
  nn_status s;
  if (shape->dtype != NN_DTYPE_INT64 || shape->ndim != 1
      || shape->count > NN_MAX_DIMS)
    return nn_fail_node (err, NN_BAD_MODEL, node, "shape must be 1-D int64");
  if ((s = set_const (plan, node->out[0], dt, (int) shape->count,
              shape->iconst, node, err, &d)))
    return s;
  for (size_t i = 0; i < node->out[0]->count; i++)
    put_num (node->out[0], i, fill);
  return NN_OK;
}

/* Slice (opset 1-9 attributes, 10+ inputs) on any constant tensor. */
static nn_status
fold_slice (nn_plan *plan, nn_node *node, nn_error *err)
{
  const nn_value *x = node->in[0];
  const int64_t *starts, *ends, *axes = NULL, *steps = NULL;
  size_t n, n_axes = 0;
  int64_t begin[NN_MAX_DIMS], step[NN_MAX_DIMS], dims[NN_MAX_DIMS];
  size_t stride[NN_MAX_DIMS], idx[NN_MAX_DIMS] = { 0 };
  void *d;
  nn_status s;

  if (node->opset < 10) {
    const nn_attr *sa = nn_node_attr (node, "starts"), *ea =
        nn_node_attr (node, "ends");
    if (!sa || !ea || sa->type != NN_ATTR_INTS || ea->type != NN_ATTR_INTS
        || sa->n != ea->n)
      return nn_fail_node (err, NN_BAD_MODEL, node, "bad starts/ends");
    starts = sa->ints, ends = ea->ints, n = sa->n;
    if ((s = get_axes (node, 99, &axes, &n_axes, err)))
      return s;
  } else {
    for (int k = 1; k < node->n_in && k < 5; k++)
      if (node->in[k] && ((s = need_const (node, k, err))
              || node->in[k]->dtype != NN_DTYPE_INT64))
        return s ? s : nn_fail_node (err, NN_BAD_MODEL, node,
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
  if ((axes && n_axes != n) || n > (size_t) x->ndim)
    return nn_fail_node (err, NN_BAD_MODEL, node, "bad axes");
  for (int i = 0; i < x->ndim; i++)
    begin[i] = 0, step[i] = 1, dims[i] = x->dims[i];
  for (size_t j = 0; j < n; j++) {
    int64_t ax, dim, st, b, e;
    if (!norm_axis (axes ? axes[j] : (int64_t) j, x->ndim, &ax))
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
  if ((s = set_const (plan, node->out[0], x->dtype, x->ndim, dims, node, err,
              &d)))
    return s;
  for (int i = x->ndim - 1; i >= 0; i--)
    stride[i] = i == x->ndim - 1 ? 1 : stride[i + 1] * (size_t) x->dims[i + 1];
  for (size_t o = 0; o < node->out[0]->count; o++) {
    size_t src = 0;
    for (int i = 0; i < x->ndim; i++)
      src += (size_t) (begin[i] + (int64_t) idx[i] * step[i]) * stride[i];
    put_num (node->out[0], o, get_num (x, src));
    for (int i = x->ndim - 1; i >= 0; i--) {
      if (++idx[i] < (size_t) dims[i])
        break;
      idx[i] = 0;
    }
  }
  return NN_OK;
}

/* int64 tensors only ever describe shapes: the handful of ops exporters
 * apply to them, on constants. */
static nn_status
fold_int64 (nn_plan *plan, nn_node *node, nn_error *err)
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
    if ((s = get_axes (node, 1, &axes, &n, err)))
      return s;
    if (!sq)
      out_rank = x->ndim + (int) n;
    if (out_rank > NN_MAX_DIMS)
      return nn_fail_node (err, NN_UNSUPPORTED, node, "rank too large");
    for (size_t i = 0; i < n; i++) {
      int64_t a;
      if (!norm_axis (axes[i], out_rank, &a) || mark[a])
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
    if ((s = need_const (node, 1, err)))
      return s;
    if (sh->dtype != NN_DTYPE_INT64 || sh->count > NN_MAX_DIMS)
      return nn_fail_node (err, NN_BAD_MODEL, node, "bad shape");
    nd = (int) sh->count;
    for (int i = 0; i < nd; i++) {
      dims[i] = sh->iconst[i];
      if (dims[i] == 0 && !nn_node_attr_int (node, "allowzero", 0))
        dims[i] = i < x->ndim ? x->dims[i] : 0;
      if (dims[i] == -1 && infer < 0)
        infer = i;
      else if (dims[i] < 0)
        return nn_fail_node (err, NN_BAD_MODEL, node, "bad shape value");
      else
        known *= (size_t) dims[i];
    }
    if (infer >= 0)
      dims[infer] = known ? (int64_t) (x->count / known) : 0;
  } else if (strcmp (op, "Concat") == 0) {
    int64_t axis;
    if (!norm_axis (nn_node_attr_int (node, "axis", 0), x->ndim, &axis)
        || x->ndim != 1)
      return nn_fail_node (err, NN_UNSUPPORTED, node,
          "int64 Concat is supported on 1-D shape vectors only");
    nd = 1;
    dims[0] = 0;
    for (int k = 0; k < node->n_in; k++) {
      if (!node->in[k] || node->in[k]->ndim != 1
          || node->in[k]->dtype != NN_DTYPE_INT64)
        return nn_fail_node (err, NN_BAD_MODEL, node, "bad Concat input");
      dims[0] += node->in[k]->dims[0];
    }
    if ((s = set_const (plan, o, NN_DTYPE_INT64, nd, dims, node, err, &d)))
      return s;
    for (int k = 0, at = 0; k < node->n_in; k++)
      for (size_t i = 0; i < node->in[k]->count; i++)
        ((int64_t *) d)[at++] = node->in[k]->iconst[i];
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
    if ((s = set_const (plan, o, NN_DTYPE_INT64, big->ndim, big->dims, node,
                err, &d)))
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
      ((int64_t *) d)[i] = r;
    }
    return NN_OK;
  } else {
    return nn_fail_node (err, NN_UNSUPPORTED, node,
        "%s on int64 tensors is not supported", op);
  }
  if ((s = set_const (plan, o, NN_DTYPE_INT64, nd, dims, node, err, &d)))
    return s;
  if (o->count != x->count)
    return nn_fail_node (err, NN_SHAPE, node, "%zu values cannot take the "
        "new shape (%zu)", x->count, o->count);
  memcpy (d, x->iconst, x->count * 8);
  return NN_OK;
}

/* A float node whose inputs are all constant: plan and run it once now. */
static nn_status
fold_float (nn_plan *plan, nn_node *node, nn_error *err)
{
  size_t total = 0, off[64];
  float *buf, *ws = NULL;
  nn_run_ctx ctx = { 0 };
  nn_status s;

  if (!node->def)
    return nn_fail_node (err, NN_UNSUPPORTED, node, "no float kernel");
  if (node->n_out > 64)
    return nn_fail_node (err, NN_UNSUPPORTED, node, "too many outputs");
  if ((s = node->def->plan (node, err)))
    return s;
  for (int i = 0; i < node->n_out; i++) {
    off[i] = total;
    if (node->out[i])
      total += (node->out[i]->count + 15) & ~(size_t) 15;
  }
  buf = nn_mem_array (&plan->mem, total + 16, sizeof (float));
  if (node->workspace_floats)
    ws = malloc (node->workspace_floats * sizeof (float));
  if (!buf || (node->workspace_floats && !ws)) {
    free (ws);
    return nn_fail_node (err, NN_NOMEM, node, "out of memory folding");
  }
  for (int i = 0; i < node->n_out; i++)
    if (node->out[i]) {
      node->out[i]->kind = NN_VAL_ACT;
      node->out[i]->offset = off[i];
    }
  ctx.arena = buf;
  ctx.workspace = ws;
  node->def->run (node, &ctx);
  free (ws);
  free (node->params);
  node->params = NULL;
  for (int i = 0; i < node->n_out; i++)
    if (node->out[i]) {
      node->out[i]->kind = NN_VAL_CONST;
      node->out[i]->fconst = buf + off[i];
    }
  return NN_OK;
}

nn_status
nn_fold_node (nn_plan *plan, nn_node *node, int *folded, nn_error *err)
{
  const char *op = node->op_type;
  int all_const = 1;
  nn_status s;

  *folded = 0;
  if (strcmp (op, "Constant") == 0) {
    *folded = 1;
    return fold_constant (plan, node, err);
  }
  if (node->n_in < 1 || !node->in[0])
    return nn_fail_node (err, NN_BAD_MODEL, node, "first input is missing");
  if (strcmp (op, "Shape") == 0 || strcmp (op, "Size") == 0) {
    *folded = 1;
    if (op[1] == 'h')
      return fold_shape (plan, node, err);
    {
      void *d;
      if ((s = set_const (plan, node->out[0], NN_DTYPE_INT64, 0, NULL, node,
                  err, &d)))
        return s;
      ((int64_t *) d)[0] = (int64_t) node->in[0]->count;
      return NN_OK;
    }
  }
  for (int k = 0; k < node->n_in; k++)
    if (node->in[k] && node->in[k]->kind != NN_VAL_CONST)
      all_const = 0;
  if (nn_fold_only_op (op)) {
    for (int k = 0; k < node->n_in; k++)
      if (node->in[k] && (s = need_const (node, k, err)))
        return s;
    *folded = 1;
    if (strcmp (op, "Gather") == 0)
      return node->n_in < 2 ? nn_fail_node (err, NN_BAD_MODEL, node,
          "missing indices") : fold_gather (plan, node, err);
    if (strcmp (op, "Cast") == 0)
      return fold_cast (plan, node, err);
    if (strcmp (op, "ConstantOfShape") == 0)
      return fold_constant_of_shape (plan, node, err);
    return fold_slice (plan, node, err);
  }
  if (!all_const)
    return NN_OK;
  *folded = 1;
  if (node->in[0]->dtype == NN_DTYPE_INT64)
    return fold_int64 (plan, node, err);
  return fold_float (plan, node, err);
}

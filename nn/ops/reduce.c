/* The reductions (ReduceMean, Sum, Max, Min, Prod, L1, L2, SumSquare,
 * LogSum, LogSumExp); ArgMax, ArgMin, TopK and CumSum. Softmax and its
 * kin are in softmax.c. */
#include "ops.h"

#include <math.h>
#include <string.h>

/* ---- Reductions -----------------------------------------------------------
 */

typedef enum red_kind {
  RED_MEAN,
  RED_SUM,
  RED_MAX,
  RED_MIN,
  RED_PROD,
  RED_L1,
  RED_L2,
  RED_SUM_SQUARE,
  RED_LOG_SUM,
  RED_LOG_SUM_EXP
} red_kind;

typedef struct reduce_params {
  red_kind kind;
  nn_dtype t;
  int nd; /* input axes after merging */
  size_t dims[NN_MAX_DIMS];
  bool reduced[NN_MAX_DIMS];
  size_t count;  /* elements reduced into each output */
  bool trailing; /* one reduced block at the end: rows */
  bool copy;     /* noop_with_empty_axes */
  /* For the per-output walk: kept and reduced axes, input strides. */
  int nk, nr;
  size_t kdims[NN_MAX_DIMS], kst[NN_MAX_DIMS];
  size_t rdims[NN_MAX_DIMS], rst[NN_MAX_DIMS];
} reduce_params;

/* Axes: an attribute before `input_from` (13 for ReduceSum, 18 for the
 * others), the optional input 1 from then on. *n is -1 when absent. */
static nn_status
reduce_axes (const nn_node *node, int input_from, int64_t *axes, int *n,
             nn_error *err)
{
  *n = -1;
  if (node->opset < input_from)
    return nn_op_attr_ints (node, "axes", axes, NN_MAX_DIMS, n, err);
  if (nn_op_has_attr (node, "axes"))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'axes' is an input from opset %d on",
                         input_from);
  if (nn_op_input (node, 1))
    return nn_op_const_ints (node, 1, "axes", axes, NN_MAX_DIMS, n, err);
  return NN_OK;
}

static nn_status
reduce_plan (nn_node *node, red_kind kind, int input_from, unsigned types,
             nn_error *err)
{
  int64_t axes[NN_MAX_DIMS], keepdims, noop, dims[NN_MAX_DIMS];
  bool red[NN_MAX_DIMS] = { false };
  int n = -1, nd = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, node->opset < input_from ? 1 : 2, 1, 1,
                              err))
      || (s = nn_op_typed_input (node, 0, "data", types, err))
      || (s = nn_op_attr_int (node, "keepdims", 1, &keepdims, err))
      || (s = nn_op_attr_int (node, "noop_with_empty_axes", 0, &noop, err))
      || (s = reduce_axes (node, input_from, axes, &n, err)))
    return s;
  const nn_value *x = node->in[0];
  if (keepdims != 0 && keepdims != 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'keepdims' must be 0 or 1, is %lld",
                         (long long)keepdims);

  if ((s = nn_op_alloc_params (node, sizeof (reduce_params), err)))
    return s;
  reduce_params *p = node->params;
  p->kind = kind;
  p->t = x->dtype;
  if (n <= 0 && noop && node->opset >= input_from) {
    p->copy = true;
    return nn_op_set_output_type (node, 0, x->dtype, x->ndim, x->dims, err);
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
  if ((s = nn_op_set_output_type (node, 0, x->dtype, nd, dims, err)))
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
  size_t e = 1;
  for (int d = m - 1; d >= 0; d--) {
    if (p->reduced[d]) {
      p->rdims[p->nr] = p->dims[d];
      p->rst[p->nr++] = e;
    } else {
      p->kdims[p->nk] = p->dims[d];
      p->kst[p->nk++] = e;
    }
    e *= p->dims[d];
  }
  return NN_OK;
}

/* Offset of the k-th of n positions over axes (dims, strides), listed
 * innermost first. */
static size_t
walk_offset (size_t k, int n, const size_t *dims, const size_t *st)
{
  size_t off = 0;
  for (int d = 0; d < n; d++) {
    off += (k % dims[d]) * st[d];
    k /= dims[d];
  }
  return off;
}

static double
red_init (red_kind k)
{
  switch (k) {
  case RED_MAX:
  case RED_LOG_SUM_EXP:
    return -INFINITY;
  case RED_MIN:
    return INFINITY;
  case RED_PROD:
    return 1.0;
  default:
    return 0.0;
  }
}

/* One output of a float (or double) reduction, accumulated in double. */
static double
reduce_one (const reduce_params *p, const void *x, size_t base)
{
  double acc = red_init (p->kind), m = -INFINITY;
  if (p->kind == RED_LOG_SUM_EXP) {
    for (size_t r = 0; r < p->count; r++) {
      double v = nn_load_f64 (x, p->t,
                              base + walk_offset (r, p->nr, p->rdims, p->rst));
      m = v > m ? v : m;
    }
    if (isinf (m))
      return m;
    acc = 0.0;
  }
  for (size_t r = 0; r < p->count; r++) {
    double v = nn_load_f64 (x, p->t,
                            base + walk_offset (r, p->nr, p->rdims, p->rst));
    switch (p->kind) {
    case RED_MAX:
      acc = v > acc || v != v ? v : acc;
      break;
    case RED_MIN:
      acc = v < acc || v != v ? v : acc;
      break;
    case RED_PROD:
      acc *= v;
      break;
    case RED_L1:
      acc += fabs (v);
      break;
    case RED_L2:
    case RED_SUM_SQUARE:
      acc += v * v;
      break;
    case RED_LOG_SUM_EXP:
      acc += exp (v - m);
      break;
    default:
      acc += v;
      break;
    }
  }
  switch (p->kind) {
  case RED_MEAN:
    return p->count ? acc / (double)p->count : NAN;
  case RED_L2:
    return sqrt (acc);
  case RED_LOG_SUM:
    return log (acc);
  case RED_LOG_SUM_EXP:
    return m + log (acc);
  default:
    return acc;
  }
}

/* One output of an integer Sum, Prod, Max or Min (wrapping). */
static int64_t
reduce_one_int (const reduce_params *p, const void *x, size_t base)
{
  bool is_unsigned = !nn_dtype_in (p->t, NN_TYPES_SIGNED);
  uint64_t acc = p->kind == RED_PROD ? 1 : 0;
  int64_t best = 0;
  for (size_t r = 0; r < p->count; r++) {
    int64_t v = nn_load_i64 (x, p->t,
                             base + walk_offset (r, p->nr, p->rdims, p->rst));
    if (p->kind == RED_SUM)
      acc += (uint64_t)v;
    else if (p->kind == RED_PROD)
      acc *= (uint64_t)v;
    else if (r == 0)
      best = v;
    else if (p->kind == RED_MAX
                 ? (is_unsigned ? (uint64_t)v > (uint64_t)best : v > best)
                 : (is_unsigned ? (uint64_t)v < (uint64_t)best : v < best))
      best = v;
  }
  return p->kind == RED_SUM || p->kind == RED_PROD ? (int64_t)acc : best;
}

// x (merged dims), y (the kept axes): a mean over trailing rows, in float
static void
mean_rows (const reduce_params *p, const float *x, float *y, size_t out_count)
{
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
}

// x (merged dims), y (the kept axes)
static void
reduce_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const reduce_params *p = node->params;
  const void *x = nn_value_ptr (node->in[0], ctx);
  void *y = nn_value_ptr (node->out[0], ctx);
  size_t out_count = node->out[0]->count;

  if (p->copy) {
    nn_op_copy (ctx->pool, y, x, nn_value_floats (node->in[0]));
    return;
  }
  if (p->kind == RED_MEAN && p->t == NN_DTYPE_FLOAT && p->trailing
      && p->count > 0 && !ctx->reference) {
    mean_rows (p, x, y, out_count);
    return;
  }
  for (size_t o = 0; o < out_count; o++) {
    size_t base = walk_offset (o, p->nk, p->kdims, p->kst);
    if (nn_dtype_in (p->t, NN_TYPES_INT)) {
      if (p->count == 0 && (p->kind == RED_MAX || p->kind == RED_MIN))
        nn_store_f64 (y, p->t, o, p->kind == RED_MAX ? -INFINITY : INFINITY);
      else
        nn_store_i64 (y, p->t, o, reduce_one_int (p, x, base));
    } else
      nn_store_f64 (y, p->t, o, reduce_one (p, x, base));
  }
}

#define RED_FLOAT (NN_TYPES_FLOAT | NN_TYPE_BIT (NN_DTYPE_DOUBLE))
#define RED_NUM (RED_FLOAT | NN_TYPES_INT)

#define REDUCE(FN, KIND, FROM, TYPES)                                          \
  static nn_status FN (nn_node *node, nn_error *err)                           \
  {                                                                            \
    return reduce_plan (node, KIND, FROM, TYPES, err);                         \
  }

REDUCE (reduce_mean_plan, RED_MEAN, 18, RED_FLOAT)
REDUCE (reduce_sum_plan, RED_SUM, 13, RED_NUM)
REDUCE (reduce_max_plan, RED_MAX, 18, RED_NUM)
REDUCE (reduce_min_plan, RED_MIN, 18, RED_NUM)
REDUCE (reduce_prod_plan, RED_PROD, 18, RED_NUM)
REDUCE (reduce_l1_plan, RED_L1, 18, RED_FLOAT)
REDUCE (reduce_l2_plan, RED_L2, 18, RED_FLOAT)
REDUCE (reduce_sum_square_plan, RED_SUM_SQUARE, 18, RED_FLOAT)
REDUCE (reduce_log_sum_plan, RED_LOG_SUM, 18, RED_FLOAT)
REDUCE (reduce_log_sum_exp_plan, RED_LOG_SUM_EXP, 18, RED_FLOAT)

#define RED_DEF(NAME, PLAN)                                                    \
  {                                                                            \
    .op_type = NAME, .plan = PLAN, .run = reduce_run, .const_inputs = 0x2      \
  }

const nn_op_def nn_op_reduce_mean = RED_DEF ("ReduceMean", reduce_mean_plan);
const nn_op_def nn_op_reduce_sum = RED_DEF ("ReduceSum", reduce_sum_plan);
const nn_op_def nn_op_reduce_max = RED_DEF ("ReduceMax", reduce_max_plan);
const nn_op_def nn_op_reduce_min = RED_DEF ("ReduceMin", reduce_min_plan);
const nn_op_def nn_op_reduce_prod = RED_DEF ("ReduceProd", reduce_prod_plan);
const nn_op_def nn_op_reduce_l1 = RED_DEF ("ReduceL1", reduce_l1_plan);
const nn_op_def nn_op_reduce_l2 = RED_DEF ("ReduceL2", reduce_l2_plan);
const nn_op_def nn_op_reduce_sum_square
    = RED_DEF ("ReduceSumSquare", reduce_sum_square_plan);
const nn_op_def nn_op_reduce_log_sum
    = RED_DEF ("ReduceLogSum", reduce_log_sum_plan);
const nn_op_def nn_op_reduce_log_sum_exp
    = RED_DEF ("ReduceLogSumExp", reduce_log_sum_exp_plan);

/* ---- ArgMax, ArgMin ------------------------------------------------------ */

typedef struct arg_params {
  size_t outer, n, inner;
  bool max, last;
  nn_dtype t;
} arg_params;

static nn_status
arg_plan (nn_node *node, bool max, nn_error *err)
{
  int64_t axis_attr, keepdims, last, dims[NN_MAX_DIMS];
  int axis, nd = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "data", RED_NUM, err))
      || (s = nn_op_input_rank (node, 0, "data", 1, NN_MAX_DIMS, err))
      || (s = nn_op_attr_int (node, "axis", 0, &axis_attr, err))
      || (s = nn_op_attr_int (node, "keepdims", 1, &keepdims, err))
      || (s = nn_op_attr_int (node, "select_last_index", 0, &last, err)))
    return s;
  const nn_value *x = node->in[0];
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x->ndim, false,
                       &axis, err)))
    return s;
  if (x->dims[axis] == 0)
    return nn_fail_node (err, NN_SHAPE, node, "axis %d is empty", axis);
  for (int i = 0; i < x->ndim; i++)
    if (i != axis)
      dims[nd++] = x->dims[i];
    else if (keepdims)
      dims[nd++] = 1;
  if ((s = nn_op_set_output_type (node, 0, NN_DTYPE_INT64, nd, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (arg_params), err)))
    return s;
  arg_params *p = node->params;
  nn_op_dims_product (x->dims, 0, axis, &p->outer);
  nn_op_dims_product (x->dims, axis + 1, x->ndim, &p->inner);
  p->n = (size_t)x->dims[axis];
  p->max = max;
  p->last = last != 0;
  p->t = x->dtype;
  return NN_OK;
}

// x (outer, n, inner), y (outer, inner): the index of the best along n
static void
arg_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const arg_params *p = node->params;
  const void *x = nn_value_ptr (node->in[0], ctx);
  int64_t *y = nn_value_ptr (node->out[0], ctx);
  for (size_t o = 0; o < p->outer; o++)
    for (size_t i = 0; i < p->inner; i++) {
      size_t base = o * p->n * p->inner + i, best = 0;
      double bv = nn_load_f64 (x, p->t, base);
      for (size_t k = 1; k < p->n; k++) {
        double v = nn_load_f64 (x, p->t, base + k * p->inner);
        bool better = p->max ? v > bv : v < bv;
        if (better || (p->last && v == bv)) {
          best = k;
          bv = v;
        }
      }
      y[o * p->inner + i] = (int64_t)best;
    }
}

static nn_status
arg_max_plan (nn_node *node, nn_error *err)
{
  return arg_plan (node, true, err);
}

static nn_status
arg_min_plan (nn_node *node, nn_error *err)
{
  return arg_plan (node, false, err);
}

const nn_op_def nn_op_arg_max
    = { .op_type = "ArgMax", .plan = arg_max_plan, .run = arg_run };
const nn_op_def nn_op_arg_min
    = { .op_type = "ArgMin", .plan = arg_min_plan, .run = arg_run };

/* ---- TopK ---------------------------------------------------------------- */

typedef struct topk_params {
  size_t outer, n, inner, k;
  bool largest;
} topk_params;

static nn_status
topk_plan (nn_node *node, nn_error *err)
{
  int64_t axis_attr, largest, sorted, k = 0, dims[NN_MAX_DIMS];
  int axis, nk = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, node->opset < 10 ? 1 : 2,
                              node->opset < 10 ? 1 : 2, 1, 2, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_input_rank (node, 0, "X", 1, NN_MAX_DIMS, err))
      || (s = nn_op_attr_int (node, "axis", -1, &axis_attr, err))
      || (s = nn_op_attr_int (node, "largest", 1, &largest, err))
      || (s = nn_op_attr_int (node, "sorted", 1, &sorted, err)))
    return s;
  if (node->opset < 10) {
    if ((s = nn_op_attr_int (node, "k", -1, &k, err)))
      return s;
  } else if ((s = nn_op_const_ints (node, 1, "K", &k, 1, &nk, err)))
    return s;
  else if (nk != 1)
    return nn_fail_node (err, NN_SHAPE, node, "input K must hold one value");
  const nn_value *x = node->in[0];
  if ((s = nn_op_axis (node, "attribute 'axis'", axis_attr, x->ndim, false,
                       &axis, err)))
    return s;
  if (k < 0 || k > x->dims[axis])
    return nn_fail_node (err, NN_SHAPE, node,
                         "k = %lld for an axis of %lld elements", (long long)k,
                         (long long)x->dims[axis]);
  memcpy (dims, x->dims, sizeof (int64_t) * (size_t)x->ndim);
  dims[axis] = k;
  if ((s = nn_op_set_output (node, 0, x->ndim, dims, err))
      || (s
          = nn_op_set_output_type (node, 1, NN_DTYPE_INT64, x->ndim, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (topk_params), err)))
    return s;
  /* Without the Indices output, the indices of one line are kept in the
   * workspace (ties are broken by index). */
  if (!nn_op_output (node, 1)
      && (s = nn_op_workspace (node, 2 * (size_t)k + 2, err)))
    return s;
  topk_params *p = node->params;
  nn_op_dims_product (x->dims, 0, axis, &p->outer);
  nn_op_dims_product (x->dims, axis + 1, x->ndim, &p->inner);
  p->n = (size_t)x->dims[axis];
  p->k = (size_t)k;
  p->largest = largest != 0;
  return NN_OK;
}

/* Whether value a (index ia) goes before b (index ib): the better value,
 * then the lower index. NaN counts as the largest value. */
static bool
topk_before (float a, size_t ia, float b, size_t ib, bool largest)
{
  bool an = a != a, bn = b != b;
  if (an || bn) {
    if (an && bn)
      return ia < ib;
    return largest ? an : bn;
  }
  if (a != b)
    return largest ? a > b : a < b;
  return ia < ib;
}

// x (outer, n, inner), values and indices (outer, k, inner), sorted
static void
topk_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const topk_params *p = node->params;
  const float *x = nn_value_data (node->in[0], ctx);
  float *v = nn_value_data (node->out[0], ctx);
  int64_t *ix = node->out[1] ? nn_value_ptr (node->out[1], ctx) : NULL;
  const size_t is = ix ? p->inner : 1, vs = p->inner;
  for (size_t o = 0; o < p->outer; o++)
    for (size_t i = 0; i < p->inner; i++) {
      const float *xl = x + o * p->n * p->inner + i;
      float *vl = v + o * p->k * vs + i;
      int64_t *il = ix ? ix + o * p->k * is + i : (int64_t *)ctx->workspace;
      size_t cnt = 0;
      /* Insertion into the sorted best k so far: O(n k), k is small. */
      for (size_t j = 0; j < p->n; j++) {
        float val = xl[j * p->inner];
        size_t pos = cnt;
        while (pos > 0
               && topk_before (val, j, vl[(pos - 1) * vs],
                               (size_t)il[(pos - 1) * is], p->largest))
          pos--;
        if (pos >= p->k)
          continue;
        if (cnt < p->k)
          cnt++;
        for (size_t q = cnt - 1; q > pos; q--) {
          vl[q * vs] = vl[(q - 1) * vs];
          il[q * is] = il[(q - 1) * is];
        }
        vl[pos * vs] = val;
        il[pos * is] = (int64_t)j;
      }
    }
}

const nn_op_def nn_op_topk = {
  .op_type = "TopK", .plan = topk_plan, .run = topk_run, .const_inputs = 0x2
};

/* ---- CumSum -------------------------------------------------------------- */

typedef struct cumsum_params {
  size_t outer, n, inner;
  bool exclusive, reverse;
  nn_dtype t;
} cumsum_params;

static nn_status
cumsum_plan (nn_node *node, nn_error *err)
{
  int64_t axis[NN_MAX_DIMS], exclusive, reverse;
  int na, a;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "x", RED_NUM, err))
      || (s = nn_op_const_ints (node, 1, "axis", axis, NN_MAX_DIMS, &na, err))
      || (s = nn_op_attr_int (node, "exclusive", 0, &exclusive, err))
      || (s = nn_op_attr_int (node, "reverse", 0, &reverse, err)))
    return s;
  const nn_value *x = node->in[0];
  if (na != 1)
    return nn_fail_node (err, NN_SHAPE, node, "input axis must hold one value");
  if ((s = nn_op_axis (node, "input axis", axis[0], x->ndim, false, &a, err))
      || (s = nn_op_set_output_type (node, 0, x->dtype, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (cumsum_params), err)))
    return s;
  cumsum_params *p = node->params;
  nn_op_dims_product (x->dims, 0, a, &p->outer);
  nn_op_dims_product (x->dims, a + 1, x->ndim, &p->inner);
  p->n = (size_t)x->dims[a];
  p->exclusive = exclusive != 0;
  p->reverse = reverse != 0;
  p->t = x->dtype;
  return NN_OK;
}

// x, y (outer, n, inner): running sums along n
static void
cumsum_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const cumsum_params *p = node->params;
  const void *x = nn_value_ptr (node->in[0], ctx);
  void *y = nn_value_ptr (node->out[0], ctx);
  bool is_int = nn_dtype_in (p->t, NN_TYPES_INT);
  for (size_t o = 0; o < p->outer; o++)
    for (size_t i = 0; i < p->inner; i++) {
      double acc = 0.0;
      uint64_t iacc = 0;
      for (size_t q = 0; q < p->n; q++) {
        size_t k = p->reverse ? p->n - 1 - q : q;
        size_t at = (o * p->n + k) * p->inner + i;
        if (p->exclusive) {
          if (is_int)
            nn_store_i64 (y, p->t, at, (int64_t)iacc);
          else
            nn_store_f64 (y, p->t, at, acc);
        }
        if (is_int)
          iacc += (uint64_t)nn_load_i64 (x, p->t, at);
        else if (p->t == NN_DTYPE_FLOAT)
          acc = (float)(acc + ((const float *)x)[at]); /* as float adds */
        else
          acc += nn_load_f64 (x, p->t, at);
        if (!p->exclusive) {
          if (is_int)
            nn_store_i64 (y, p->t, at, (int64_t)iacc);
          else
            nn_store_f64 (y, p->t, at, acc);
        }
      }
    }
}

const nn_op_def nn_op_cumsum = { .op_type = "CumSum",
                                 .plan = cumsum_plan,
                                 .run = cumsum_run,
                                 .min_opset = 11,
                                 .const_inputs = 0x2 };

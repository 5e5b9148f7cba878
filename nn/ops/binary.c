/* Add, Sub, Mul, Div with multidirectional (numpy) broadcasting.
 *
 * plan() collapses the broadcast into at most NN_MAX_DIMS merged axes whose
 * innermost one is contiguous in both operands or a scalar in one of them,
 * so run() is a counter over rows and one vectorizable loop per row. */
#include "ops.h"

#include <string.h>

typedef enum bin_kind { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } bin_kind;

typedef struct bin_params {
  bin_kind kind;
  int nd; /* merged axes, innermost last; >= 1 */
  size_t dims[NN_MAX_DIMS];
  size_t sa[NN_MAX_DIMS], sb[NN_MAX_DIMS]; /* strides, 0 = broadcast */
  size_t rows, inner;                      /* rows = product of dims[0..nd-1) */
  /* For the reference kernel: the unmerged shapes, right-aligned. */
  int rank;
  size_t out_dims[NN_MAX_DIMS], a_dims[NN_MAX_DIMS], b_dims[NN_MAX_DIMS];
} bin_params;

static nn_status
binary_plan (nn_node *node, bin_kind kind, nn_error *err)
{
  nn_status s;
  int64_t bcast = 0, out[NN_MAX_DIMS];

  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "A", err))
      || (s = nn_op_float_input (node, 1, "B", err)))
    return s;
  const nn_value *a = node->in[0], *b = node->in[1];

  if (node->opset < 7) {
    if ((s = nn_op_attr_int (node, "broadcast", 0, &bcast, err)))
      return s;
    if (bcast != 0)
      return nn_fail_node (
          err, NN_UNSUPPORTED, node,
          "attribute 'broadcast' (legacy opset %d broadcasting) is not "
          "supported",
          node->opset);
    if (nn_op_has_attr (node, "axis"))
      return nn_fail_node (
          err, NN_UNSUPPORTED, node,
          "attribute 'axis' (legacy opset %d broadcasting) is not supported",
          node->opset);
    if (a->ndim != b->ndim
        || memcmp (a->dims, b->dims, sizeof (int64_t) * (size_t)a->ndim) != 0)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "inputs A and B differ in shape (no broadcasting before opset 7)");
  }

  int rank = a->ndim > b->ndim ? a->ndim : b->ndim;
  size_t ad[NN_MAX_DIMS], bd[NN_MAX_DIMS];
  for (int i = 0; i < rank; i++) {
    int ia = i - (rank - a->ndim), ib = i - (rank - b->ndim);
    ad[i] = ia >= 0 ? (size_t)a->dims[ia] : 1;
    bd[i] = ib >= 0 ? (size_t)b->dims[ib] : 1;
    if (ad[i] != bd[i] && ad[i] != 1 && bd[i] != 1)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "inputs A and B cannot be broadcast: dimension %zu against %zu at "
          "axis %d of %d",
          ad[i], bd[i], i, rank);
    out[i] = (int64_t)(ad[i] == 1 ? bd[i] : ad[i]);
  }
  if ((s = nn_op_set_output (node, 0, rank, out, err)))
    return s;
  if ((s = nn_op_alloc_params (node, sizeof (bin_params), err)))
    return s;

  bin_params *p = node->params;
  p->kind = kind;
  p->rank = rank;
  for (int i = 0; i < rank; i++) {
    p->out_dims[i] = (size_t)out[i];
    p->a_dims[i] = ad[i];
    p->b_dims[i] = bd[i];
  }

  /* Strides in each operand, then merge neighbours that stay affine. */
  size_t sa[NN_MAX_DIMS], sb[NN_MAX_DIMS], ea = 1, eb = 1;
  for (int i = rank - 1; i >= 0; i--) {
    sa[i] = ad[i] == 1 ? 0 : ea;
    sb[i] = bd[i] == 1 ? 0 : eb;
    ea *= ad[i];
    eb *= bd[i];
  }
  int nd = 0;
  for (int i = 0; i < rank; i++) {
    if (out[i] == 1)
      continue;
    if (nd > 0 && p->sa[nd - 1] == sa[i] * (size_t)out[i]
        && p->sb[nd - 1] == sb[i] * (size_t)out[i]) {
      p->dims[nd - 1] *= (size_t)out[i];
      p->sa[nd - 1] = sa[i];
      p->sb[nd - 1] = sb[i];
      continue;
    }
    p->dims[nd] = (size_t)out[i];
    p->sa[nd] = sa[i];
    p->sb[nd] = sb[i];
    nd++;
  }
  if (nd == 0) {
    p->dims[0] = node->out[0]->count; /* 1, or 0 for an empty tensor */
    p->sa[0] = a->count == 1 ? 0 : 1;
    p->sb[0] = b->count == 1 ? 0 : 1;
    nd = 1;
  }
  p->nd = nd;
  p->inner = p->dims[nd - 1];
  p->rows = p->inner ? node->out[0]->count / p->inner : 0;
  return NN_OK;
}

/* One row: y[i] = a[i*sa] op b[i*sb] with sa, sb in {0, 1}. */
#define BIN_ROW(NAME, OP)                                                      \
  __attribute__ ((target_clones ("avx2", "default"))) static void NAME (       \
      float *restrict y, const float *restrict a, const float *restrict b,     \
      size_t n, size_t sa, size_t sb)                                          \
  {                                                                            \
    if (sa && sb)                                                              \
      for (size_t i = 0; i < n; i++)                                           \
        y[i] = a[i] OP b[i];                                                   \
    else if (sa) {                                                             \
      const float s = b[0];                                                    \
      for (size_t i = 0; i < n; i++)                                           \
        y[i] = a[i] OP s;                                                      \
    } else if (sb) {                                                           \
      const float s = a[0];                                                    \
      for (size_t i = 0; i < n; i++)                                           \
        y[i] = s OP b[i];                                                      \
    } else {                                                                   \
      const float s = a[0] OP b[0];                                            \
      for (size_t i = 0; i < n; i++)                                           \
        y[i] = s;                                                              \
    }                                                                          \
  }

// a, b, y: one row of n floats
BIN_ROW (row_add, +)
BIN_ROW (row_sub, -)
BIN_ROW (row_mul, *)
BIN_ROW (row_div, /)

typedef struct bin_job {
  const nn_node *node;
  const float *a, *b;
  float *y;
} bin_job;

// a, b broadcast to y (dims of p); rows [b, e) of the merged view
static void
bin_task (void *arg, int t, int nt)
{
  const bin_job *j = arg;
  const bin_params *p = j->node->params;
  size_t rb, re, idx[NN_MAX_DIMS] = { 0 }, oa = 0, ob = 0;
  int outer = p->nd - 1;

  nn_op_split_range (p->rows, t, nt, &rb, &re);
  if (rb >= re)
    return;
  /* Position the counter at row rb. */
  size_t r = rb;
  for (int d = outer - 1; d >= 0; d--) {
    idx[d] = r % p->dims[d];
    r /= p->dims[d];
    oa += idx[d] * p->sa[d];
    ob += idx[d] * p->sb[d];
  }
  const size_t n = p->inner, sa = p->sa[outer], sb = p->sb[outer];
  for (size_t row = rb; row < re; row++) {
    float *y = j->y + row * n;
    switch (p->kind) {
    case BIN_ADD:
      row_add (y, j->a + oa, j->b + ob, n, sa, sb);
      break;
    case BIN_SUB:
      row_sub (y, j->a + oa, j->b + ob, n, sa, sb);
      break;
    case BIN_MUL:
      row_mul (y, j->a + oa, j->b + ob, n, sa, sb);
      break;
    case BIN_DIV:
      row_div (y, j->a + oa, j->b + ob, n, sa, sb);
      break;
    }
    nn_act_apply (&j->node->act, y, n);
    for (int d = outer - 1; d >= 0; d--) {
      oa += p->sa[d];
      ob += p->sb[d];
      if (++idx[d] < p->dims[d])
        break;
      oa -= idx[d] * p->sa[d];
      ob -= idx[d] * p->sb[d];
      idx[d] = 0;
    }
  }
}

/* Reference: every output index unravelled and mapped back through the
 * original (unmerged) shapes. */
// a (a_dims), b (b_dims), y (out_dims), all right-aligned to rank
static void
binary_ref (const nn_node *node, const float *a, const float *b, float *y)
{
  const bin_params *p = node->params;
  size_t count = node->out[0]->count;
  for (size_t i = 0; i < count; i++) {
    size_t rem = i, ia = 0, ib = 0, ma = 1, mb = 1;
    for (int d = p->rank - 1; d >= 0; d--) {
      size_t k = rem % p->out_dims[d];
      rem /= p->out_dims[d];
      ia += (p->a_dims[d] == 1 ? 0 : k) * ma;
      ib += (p->b_dims[d] == 1 ? 0 : k) * mb;
      ma *= p->a_dims[d];
      mb *= p->b_dims[d];
    }
    float v;
    switch (p->kind) {
    case BIN_ADD:
      v = a[ia] + b[ib];
      break;
    case BIN_SUB:
      v = a[ia] - b[ib];
      break;
    case BIN_MUL:
      v = a[ia] * b[ib];
      break;
    default:
      v = a[ia] / b[ib];
      break;
    }
    y[i] = nn_op_act1 (&node->act, v);
  }
}

static void
binary_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const bin_params *p = node->params;
  bin_job j
      = { node, nn_value_data (node->in[0], ctx),
          nn_value_data (node->in[1], ctx), nn_value_data (node->out[0], ctx) };
  if (ctx->reference) {
    binary_ref (node, j.a, j.b, j.y);
    return;
  }
  nn_pool_run (
      ctx->pool, bin_task, &j,
      nn_op_task_count (ctx->pool, (double)node->out[0]->count * 3.0, p->rows));
}

static nn_status
add_plan (nn_node *node, nn_error *err)
{
  return binary_plan (node, BIN_ADD, err);
}

static nn_status
sub_plan (nn_node *node, nn_error *err)
{
  return binary_plan (node, BIN_SUB, err);
}

static nn_status
mul_plan (nn_node *node, nn_error *err)
{
  return binary_plan (node, BIN_MUL, err);
}

static nn_status
div_plan (nn_node *node, nn_error *err)
{
  return binary_plan (node, BIN_DIV, err);
}

/* Before opset 7 these broadcast by attribute ('broadcast', 'axis'). */
#define NN_BIN_DEF(NAME, PLAN)                                                 \
  {                                                                            \
    .op_type = NAME, .plan = PLAN, .run = binary_run, .fuses_activation = 1,   \
    .min_opset = 7                                                             \
  }

const nn_op_def nn_op_add = NN_BIN_DEF ("Add", add_plan);
const nn_op_def nn_op_sub = NN_BIN_DEF ("Sub", sub_plan);
const nn_op_def nn_op_mul = NN_BIN_DEF ("Mul", mul_plan);
const nn_op_def nn_op_div = NN_BIN_DEF ("Div", div_plan);

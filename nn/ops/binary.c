/* Element-wise operators with multidirectional (numpy) broadcasting, on
 * every numeric type: Add, Sub, Mul, Div, Pow, Mod, Min, Max, Sum, Mean
 * (variadic: one pass per further input), Equal, Less, Greater,
 * LessOrEqual, GreaterOrEqual (to bool), And, Or, Xor (bool), PRelu
 * (float, the slope broadcast to X) and Where (three operands).
 *
 * plan() collapses each broadcast into at most NN_MAX_DIMS merged axes
 * whose innermost one is contiguous in every operand or a scalar in some,
 * so run() is a counter over rows and one loop per row. Float Add, Sub,
 * Mul and Div keep vectorised rows of their own and fuse an activation.
 *
 * Integers wrap on overflow (computed as unsigned), and x / 0 and x % 0
 * are 0: a run cannot fail or trap. */
#include "binary.h"
#include "ops.h"

#include <math.h>
#include <string.h>

/* One broadcast pass: operands 0..k-1 read into the output's shape. */
typedef struct bin_pass {
  int nd; /* merged axes, innermost last; >= 1 */
  size_t dims[NN_MAX_DIMS];
  size_t st[3][NN_MAX_DIMS]; /* element strides, 0 = broadcast */
  size_t rows, inner;
  bool by_columns; /* threads split the columns of every row */
  /* For the reference kernel: the unmerged shapes, right-aligned. */
  int rank;
  size_t out_dims[NN_MAX_DIMS], op_dims[3][NN_MAX_DIMS];
} bin_pass;

typedef struct bin_params {
  bin_kind kind;
  nn_dtype tin, tb; /* types of A (and Y, X in Where) and of B */
  bin_row row;
  size_t es[3], ey; /* element sizes of the operands and of y */
  bool fast;        /* float Add/Sub/Mul/Div: vectorised rows */
  bool mean;        /* divide by n_mean after the passes */
  int n_mean;
  int n_pass;
  bin_pass pass[]; /* n_pass */
} bin_params;

/* ---- rows ----------------------------------------------------------------
 * Float Add/Sub/Mul/Div: one loop per case so each vectorises. */

#define FAST_ROW(NAME, OP)                                                     \
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
FAST_ROW (row_add, +)
FAST_ROW (row_sub, -)
FAST_ROW (row_mul, *)
FAST_ROW (row_div, /)

/* ---- plan ---------------------------------------------------------------- */

/* Element-wise ops on whole tensors (the residual Add) whose image planes
 * are at least this long, one of whose operands threads wrote by positions
 * (a packed convolution), split them the same way: each thread then reads
 * what it wrote rather than half from the other core's cache (on 2
 * threads, ResNet-18's Add+Relu 353 -> 304 us, its whole run 17.6 -> 16.7
 * ms). Others split by rows, as their operands were written: the
 * squeeze-excitation Mul, whose operand a depthwise layer made by
 * channels, ran 255 -> 410 us by columns. */
#define BIN_SPLIT_COLS 256
/* Column ranges start on a cache line of floats. */
#define BIN_COL_ALIGN 16

/* Strides of k operands read into the output's shape, merged. */
static void
pass_setup (bin_pass *p, int rank, const int64_t *out, int k,
            const nn_value *const *ops)
{
  size_t od[NN_MAX_DIMS], st[3][NN_MAX_DIMS];
  memset (p, 0, sizeof *p);
  p->rank = rank;
  for (int i = 0; i < rank; i++)
    p->out_dims[i] = od[i] = (size_t)out[i];
  for (int j = 0; j < k; j++) {
    size_t e = 1;
    for (int i = rank - 1; i >= 0; i--) {
      int io = i - (rank - ops[j]->ndim);
      size_t d = io >= 0 ? (size_t)ops[j]->dims[io] : 1;
      p->op_dims[j][i] = d;
      st[j][i] = d == 1 ? 0 : e;
      e *= d;
    }
  }
  int nd = 0;
  for (int i = 0; i < rank; i++) {
    bool merge = nd > 0;
    if (od[i] == 1)
      continue;
    for (int j = 0; j < k && merge; j++)
      merge = p->st[j][nd - 1] == st[j][i] * od[i];
    if (merge) {
      p->dims[nd - 1] *= od[i];
      for (int j = 0; j < k; j++)
        p->st[j][nd - 1] = st[j][i];
      continue;
    }
    p->dims[nd] = od[i];
    for (int j = 0; j < k; j++)
      p->st[j][nd] = st[j][i];
    nd++;
  }
  size_t count = 1;
  for (int i = 0; i < rank; i++)
    count *= od[i];
  if (nd == 0) {
    p->dims[0] = count; /* 1, or 0 for an empty tensor */
    for (int j = 0; j < k; j++) {
      size_t c = 1;
      for (int i = 0; i < rank; i++)
        c *= p->op_dims[j][i];
      p->st[j][0] = c == 1 ? 0 : 1;
    }
    nd = 1;
  }
  /* Operands that merged whole (no broadcast but scalars) keep their image
   * planes as rows, which threads split by positions (bin_task) when an
   * operand was written that way. */
  const size_t plane = rank >= 3 ? od[rank - 2] * od[rank - 1] : 0;
  if (nd == 1 && plane >= BIN_SPLIT_COLS && count / plane >= 2
      && count % plane == 0) {
    p->dims[0] = count / plane;
    p->dims[1] = plane;
    for (int j = 0; j < k; j++) {
      p->st[j][1] = p->st[j][0];
      p->st[j][0] *= plane;
      p->by_columns |= ops[j]->by_positions;
    }
    nd = 2;
  }
  p->nd = nd;
  p->inner = p->dims[nd - 1];
  p->rows = p->inner ? count / p->inner : 0;
}

/* The multidirectional broadcast of inputs [first, first + k) into out. */
static nn_status
broadcast_shape (const nn_node *node, int first, int k, int *rank, int64_t *out,
                 nn_error *err)
{
  int r = 0;
  for (int j = first; j < first + k; j++)
    r = node->in[j]->ndim > r ? node->in[j]->ndim : r;
  for (int i = 0; i < r; i++) {
    int64_t d = 1;
    for (int j = first; j < first + k; j++) {
      const nn_value *v = node->in[j];
      int io = i - (r - v->ndim);
      int64_t e = io >= 0 ? v->dims[io] : 1;
      if (e == d || e == 1)
        continue;
      if (d != 1)
        return nn_fail_node (
            err, NN_SHAPE, node,
            "inputs cannot be broadcast: dimension %lld against %lld at "
            "axis %d of %d",
            (long long)d, (long long)e, i, r);
      d = e;
    }
    out[i] = d;
  }
  *rank = r;
  return NN_OK;
}

static nn_status
alloc_bin (nn_node *node, int n_pass, nn_error *err)
{
  return nn_op_alloc_params (
      node, sizeof (bin_params) + sizeof (bin_pass) * (size_t)n_pass, err);
}

static const char *
op_name (int i)
{
  static const char *const names[] = { "A", "B", "C" };
  return names[i < 3 ? i : 2];
}

/* Binary and variadic element-wise operators. */
static nn_status
elementwise_plan (nn_node *node, bin_kind kind, int min_in, int max_in,
                  unsigned types, nn_error *err)
{
  int64_t out[NN_MAX_DIMS];
  int rank = 0;
  nn_status s;
  bool variadic = min_in == 1; /* Sum, Min, Max, Mean */

  if ((s = nn_op_check_arity (node, min_in, max_in, 1, 1, err)))
    return s;
  for (int i = 0; i < node->n_in; i++) {
    if (!node->in[i])
      return nn_fail_node (err, NN_BAD_MODEL, node, "input %d is missing", i);
    if ((s = nn_op_typed_input (node, i, op_name (i), types, err)))
      return s;
    if (kind != BIN_POW && (s = nn_op_same_type (node, 0, i, err)))
      return s;
  }
  const nn_value *a = node->in[0];
  if (kind <= BIN_DIV && !variadic && node->opset < 7) {
    int64_t bcast = 0;
    const nn_value *b = node->in[1];
    if ((s = nn_op_attr_int (node, "broadcast", 0, &bcast, err)))
      return s;
    if (bcast != 0 || nn_op_has_attr (node, "axis"))
      return nn_fail_node (
          err, NN_UNSUPPORTED, node,
          "attributes 'broadcast' and 'axis' (legacy opset %d broadcasting) "
          "are not supported",
          node->opset);
    if (a->ndim != b->ndim
        || memcmp (a->dims, b->dims, sizeof (int64_t) * (size_t)a->ndim) != 0)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "inputs A and B differ in shape (no broadcasting before opset 7)");
  }
  if ((s = broadcast_shape (node, 0, node->n_in, &rank, out, err)))
    return s;
  /* Before opset 8 the variadic forms did not broadcast. */
  if (variadic && node->opset < 8)
    for (int i = 1; i < node->n_in; i++)
      if (node->in[i]->ndim != a->ndim
          || memcmp (node->in[i]->dims, a->dims,
                     sizeof (int64_t) * (size_t)a->ndim))
        return nn_fail_node (err, NN_SHAPE, node,
                             "inputs differ in shape (no broadcasting before "
                             "opset 8)");
  bool to_bool = kind >= BIN_EQ && kind <= BIN_GE;
  if ((s = nn_op_set_output_type (node, 0, to_bool ? NN_DTYPE_BOOL : a->dtype,
                                  rank, out, err)))
    return s;
  int n_pass = node->n_in > 1 ? node->n_in - 1 : 1;
  if ((s = alloc_bin (node, n_pass, err)))
    return s;
  bin_params *p = node->params;
  p->kind = node->n_in == 1 ? BIN_COPY : kind;
  p->tin = a->dtype;
  p->tb = node->n_in > 1 ? node->in[1]->dtype : a->dtype;
  p->es[0] = nn_dtype_size (a->dtype);
  p->es[1] = nn_dtype_size (p->tb);
  p->ey = nn_dtype_size (node->out[0]->dtype);
  p->n_pass = n_pass;
  /* The vectorised rows take restrict pointers: not for the passes that
   * read the output back. */
  p->fast = a->dtype == NN_DTYPE_FLOAT && kind <= BIN_DIV && node->n_in == 2;
  p->row = nn_bin_typed_row (kind, a->dtype);
  if (kind == BIN_POW && (a->dtype != NN_DTYPE_FLOAT || p->tb != a->dtype))
    p->row = NULL; /* per element, in doubles */
  if (!p->row && kind != BIN_POW)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "%s is not supported on %s tensors", node->op_type,
                         nn_dtype_name (a->dtype));
  for (int i = 0; i < n_pass; i++) {
    const nn_value *ops[2]
        = { i == 0 ? a : node->out[0], node->n_in > 1 ? node->in[i + 1] : a };
    pass_setup (&p->pass[i], rank, out, 2, ops);
  }
  node->out[0]->by_positions = n_pass == 1 && p->pass[0].by_columns;
  return NN_OK;
}

/* ---- run ----------------------------------------------------------------- */

typedef struct bin_job {
  const nn_node *node;
  const bin_pass *pass;
  const char *a, *b, *c;
  char *y;
} bin_job;

/* Pow on anything but float ^ float. */
static void
pow_row (const bin_params *p, char *y, const char *a, const char *b, size_t n,
         size_t sa, size_t sb)
{
  for (size_t i = 0; i < n; i++) {
    double x = nn_load_f64 (a, p->tin, i * sa);
    double z = nn_load_f64 (b, p->tb, i * sb);
    nn_store_f64 (y, p->tin, i, pow (x, z));
  }
}

/* Columns [cb, ce) of rows [rb, re) of one pass, with the fused activation
 * when asked. */
static void
bin_rows (const bin_job *j, size_t rb, size_t re, size_t cb, size_t ce,
          bool act)
{
  const bin_params *p = j->node->params;
  const bin_pass *ps = j->pass;
  size_t idx[NN_MAX_DIMS] = { 0 }, off[3] = { 0 };
  int outer = ps->nd - 1;
  size_t r = rb;

  if (rb >= re)
    return;
  for (int d = outer - 1; d >= 0; d--) {
    idx[d] = r % ps->dims[d];
    r /= ps->dims[d];
    for (int k = 0; k < 3; k++)
      off[k] += idx[d] * ps->st[k][d];
  }
  if (ce <= cb)
    return;
  const size_t n = ce - cb;
  const size_t sa = ps->st[0][outer], sb = ps->st[1][outer],
               sc = ps->st[2][outer];
  for (size_t row = rb; row < re; row++) {
    char *y = j->y + (row * ps->inner + cb) * p->ey;
    const char *a = j->a + (off[0] + cb * sa) * p->es[0],
               *b = j->b + (off[1] + cb * sb) * p->es[1],
               *c = j->c ? j->c + (off[2] + cb * sc) * p->es[2] : NULL;
    if (p->fast) {
      switch (p->kind) {
      case BIN_ADD:
        row_add ((float *)y, (const float *)a, (const float *)b, n, sa, sb);
        break;
      case BIN_SUB:
        row_sub ((float *)y, (const float *)a, (const float *)b, n, sa, sb);
        break;
      case BIN_MUL:
        row_mul ((float *)y, (const float *)a, (const float *)b, n, sa, sb);
        break;
      default:
        row_div ((float *)y, (const float *)a, (const float *)b, n, sa, sb);
        break;
      }
    } else if (p->row)
      p->row (y, a, b, c, n, sa, sb, sc);
    else
      pow_row (p, y, a, b, n, sa, sb);
    if (act)
      nn_act_apply (&j->node->act, (float *)y, n);
    for (int d = outer - 1; d >= 0; d--) {
      for (int k = 0; k < 3; k++)
        off[k] += ps->st[k][d];
      if (++idx[d] < ps->dims[d])
        break;
      for (int k = 0; k < 3; k++)
        off[k] -= idx[d] * ps->st[k][d];
      idx[d] = 0;
    }
  }
}

// a, b (, c) broadcast to y (dims of the pass): a range of rows of the
// merged view, or of columns of every row where an operand was written by
// positions
static void
bin_task (void *arg, int t, int nt)
{
  const bin_job *j = arg;
  const bin_pass *ps = j->pass;
  const bool act = j->node->act.type != NN_ACT_NONE;
  size_t b, e;
  if (nt > 1 && ps->by_columns) {
    const size_t lines = (ps->inner + BIN_COL_ALIGN - 1) / BIN_COL_ALIGN;
    nn_op_split_range (lines, t, nt, &b, &e);
    e = e * BIN_COL_ALIGN < ps->inner ? e * BIN_COL_ALIGN : ps->inner;
    bin_rows (j, 0, ps->rows, b * BIN_COL_ALIGN, e, act);
    return;
  }
  nn_op_split_range (ps->rows, t, nt, &b, &e);
  bin_rows (j, b, e, 0, ps->inner, act);
}

/* Reference: every output index unravelled and mapped back through the
 * original (unmerged) shapes, one element at a time. */
// a, b (, c), y: shapes of the pass, right-aligned to its rank
static void
bin_ref (const bin_job *j)
{
  const bin_params *p = j->node->params;
  const bin_pass *ps = j->pass;
  size_t count = ps->rows * ps->inner;
  for (size_t i = 0; i < count; i++) {
    size_t rem = i, o[3] = { 0 }, m[3] = { 1, 1, 1 };
    for (int d = ps->rank - 1; d >= 0; d--) {
      size_t k = rem % ps->out_dims[d];
      rem /= ps->out_dims[d];
      for (int q = 0; q < 3; q++) {
        o[q] += (ps->op_dims[q][d] == 1 ? 0 : k) * m[q];
        m[q] *= ps->op_dims[q][d];
      }
    }
    char *y = j->y + i * p->ey;
    const char *a = j->a + o[0] * p->es[0], *b = j->b + o[1] * p->es[1],
               *c = j->c ? j->c + o[2] * p->es[2] : NULL;
    if (p->row)
      p->row (y, a, b, c, 1, 0, 0, 0);
    else
      pow_row (p, y, a, b, 1, 0, 0);
    if (j->node->act.type != NN_ACT_NONE)
      *(float *)y = nn_op_act1 (&j->node->act, *(float *)y);
  }
}

static void
binary_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const bin_params *p = node->params;
  char *y = nn_value_ptr (node->out[0], ctx);

  if (p->kind == BIN_COPY) {
    nn_op_copy (ctx->pool, (float *)y, nn_value_ptr (node->in[0], ctx),
                nn_value_floats (node->out[0]));
    return;
  }
  for (int i = 0; i < p->n_pass; i++) {
    const bin_pass *ps = &p->pass[i];
    bin_job j = { node,
                  ps,
                  i == 0 ? nn_value_ptr (node->in[0], ctx) : y,
                  nn_value_ptr (node->in[node->n_in > 1 ? i + 1 : 0], ctx),
                  NULL,
                  y };
    if (p->kind == BIN_WHERE)
      j = (bin_job){ node,
                     ps,
                     nn_value_ptr (node->in[0], ctx),
                     nn_value_ptr (node->in[1], ctx),
                     nn_value_ptr (node->in[2], ctx),
                     y };
    if (ctx->reference)
      bin_ref (&j);
    else
      nn_pool_run (ctx->pool, bin_task, &j,
                   nn_op_task_count (
                       ctx->pool, (double)node->out[0]->count * 3.0,
                       ps->by_columns ? ps->inner / BIN_COL_ALIGN : ps->rows));
  }
  if (p->mean) {
    float *f = (float *)y, r = 1.0f / (float)p->n_mean;
    for (size_t i = 0; i < node->out[0]->count; i++)
      f[i] *= r;
  }
}

/* ---- definitions -------------------------------------------------------- */

#define NN_TYPES_ARITH NN_TYPES_NUM
#define NN_TYPES_CMP (NN_TYPES_NUM | NN_TYPE_BIT (NN_DTYPE_BOOL))
#define NN_TYPES_BOOL NN_TYPE_BIT (NN_DTYPE_BOOL)

#define BINARY(FN, KIND, TYPES)                                                \
  static nn_status FN (nn_node *node, nn_error *err)                           \
  {                                                                            \
    return elementwise_plan (node, KIND, 2, 2, TYPES, err);                    \
  }

BINARY (add_plan, BIN_ADD, NN_TYPES_ARITH)
BINARY (sub_plan, BIN_SUB, NN_TYPES_ARITH)
BINARY (mul_plan, BIN_MUL, NN_TYPES_ARITH)
BINARY (div_plan, BIN_DIV, NN_TYPES_ARITH)
BINARY (equal_plan, BIN_EQ, NN_TYPES_CMP)
BINARY (less_plan, BIN_LT, NN_TYPES_NUM)
BINARY (greater_plan, BIN_GT, NN_TYPES_NUM)
BINARY (less_equal_plan, BIN_LE, NN_TYPES_NUM)
BINARY (greater_equal_plan, BIN_GE, NN_TYPES_NUM)
BINARY (and_plan, BIN_AND, NN_TYPES_BOOL)
BINARY (or_plan, BIN_OR, NN_TYPES_BOOL)
BINARY (xor_plan, BIN_XOR, NN_TYPES_BOOL)

static nn_status
pow_plan (nn_node *node, nn_error *err)
{
  nn_status s = elementwise_plan (node, BIN_POW, 2, 2, NN_TYPES_NUM, err);
  if (s == NN_OK
      && !nn_dtype_in (node->in[0]->dtype, NN_TYPES_FLOAT
                                               | NN_TYPE_BIT (NN_DTYPE_DOUBLE)
                                               | NN_TYPES_INDEX))
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "base of type %s is not supported",
                         nn_dtype_name (node->in[0]->dtype));
  return s;
}

static nn_status
mod_plan (nn_node *node, nn_error *err)
{
  int64_t fmod_attr;
  nn_status s = nn_op_attr_int (node, "fmod", 0, &fmod_attr, err);
  if (s)
    return s;
  if (fmod_attr != 0 && fmod_attr != 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'fmod' must be 0 or 1, is %lld",
                         (long long)fmod_attr);
  if (!fmod_attr && node->n_in > 0 && node->in[0]
      && !nn_dtype_in (node->in[0]->dtype, NN_TYPES_INT))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "fmod 0 on %s: floating point Mod needs fmod 1",
                         nn_dtype_name (node->in[0]->dtype));
  return elementwise_plan (node, fmod_attr ? BIN_FMOD : BIN_MOD, 2, 2,
                           NN_TYPES_NUM, err);
}

static nn_status
variadic_plan (nn_node *node, bin_kind kind, unsigned types, nn_error *err)
{
  if (node->n_in < 1)
    return nn_fail_node (err, NN_BAD_MODEL, node, "needs at least one input");
  return elementwise_plan (node, kind, 1, node->n_in, types, err);
}

static nn_status
sum_plan (nn_node *node, nn_error *err)
{
  return variadic_plan (node, BIN_ADD, NN_TYPES_NUM, err);
}

static nn_status
min_plan (nn_node *node, nn_error *err)
{
  return variadic_plan (node, BIN_MIN, NN_TYPES_NUM, err);
}

static nn_status
max_plan (nn_node *node, nn_error *err)
{
  return variadic_plan (node, BIN_MAX, NN_TYPES_NUM, err);
}

static nn_status
mean_plan (nn_node *node, nn_error *err)
{
  nn_status s = variadic_plan (node, BIN_ADD, NN_TYPES_FLOAT, err);
  if (s == NN_OK) {
    bin_params *p = node->params;
    p->mean = node->n_in > 1;
    p->n_mean = node->n_in;
  }
  return s;
}

/* PRelu: the slope broadcasts to X only (unidirectional). */
static nn_status
prelu_plan (nn_node *node, nn_error *err)
{
  nn_status s = elementwise_plan (node, BIN_PRELU, 2, 2, NN_TYPES_FLOAT, err);
  if (s)
    return s;
  const nn_value *x = node->in[0], *y = node->out[0];
  if (y->ndim != x->ndim || y->count != x->count)
    return nn_fail_node (err, NN_SHAPE, node,
                         "slope ('%s') does not broadcast to the shape of X",
                         node->in[1]->name);
  return NN_OK;
}

static nn_status
where_plan (nn_node *node, nn_error *err)
{
  int64_t out[NN_MAX_DIMS];
  int rank = 0;
  nn_status s;

  if ((s = nn_op_check_arity (node, 3, 3, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "condition", NN_TYPES_BOOL, err))
      || (s = nn_op_typed_input (node, 1, "X", NN_TYPES_ALL, err))
      || (s = nn_op_typed_input (node, 2, "Y", NN_TYPES_ALL, err))
      || (s = nn_op_same_type (node, 1, 2, err))
      || (s = broadcast_shape (node, 0, 3, &rank, out, err)))
    return s;
  const nn_value *x = node->in[1];
  if ((s = nn_op_set_output_type (node, 0, x->dtype, rank, out, err))
      || (s = alloc_bin (node, 1, err)))
    return s;
  bin_params *p = node->params;
  size_t es = nn_dtype_size (x->dtype);
  p->kind = BIN_WHERE;
  p->tin = p->tb = x->dtype;
  p->es[0] = 1;
  p->es[1] = p->es[2] = p->ey = es;
  p->n_pass = 1;
  p->row = nn_bin_where_row (es);
  pass_setup (
      &p->pass[0], rank, out, 3,
      (const nn_value *const[]){ node->in[0], node->in[1], node->in[2] });
  return NN_OK;
}

/* Before opset 7 these broadcast by attribute ('broadcast', 'axis'). */
#define NN_BIN_DEF(NAME, PLAN)                                                 \
  {                                                                            \
    .op_type = NAME, .plan = PLAN, .run = binary_run, .fuses_activation = 1,   \
    .min_opset = 7                                                             \
  }
#define NN_ELEM_DEF(NAME, PLAN, MIN)                                           \
  {                                                                            \
    .op_type = NAME, .plan = PLAN, .run = binary_run, .min_opset = MIN         \
  }

const nn_op_def nn_op_add = NN_BIN_DEF ("Add", add_plan);
const nn_op_def nn_op_sub = NN_BIN_DEF ("Sub", sub_plan);
const nn_op_def nn_op_mul = NN_BIN_DEF ("Mul", mul_plan);
const nn_op_def nn_op_div = NN_BIN_DEF ("Div", div_plan);
const nn_op_def nn_op_pow = NN_ELEM_DEF ("Pow", pow_plan, 7);
const nn_op_def nn_op_mod = NN_ELEM_DEF ("Mod", mod_plan, 10);
/* Opsets 1-5: a legacy 'consumed_inputs'; 6-7: no broadcasting. */
const nn_op_def nn_op_sum = NN_ELEM_DEF ("Sum", sum_plan, 6);
const nn_op_def nn_op_min = NN_ELEM_DEF ("Min", min_plan, 6);
const nn_op_def nn_op_max = NN_ELEM_DEF ("Max", max_plan, 6);
const nn_op_def nn_op_mean = NN_ELEM_DEF ("Mean", mean_plan, 6);
const nn_op_def nn_op_equal = NN_ELEM_DEF ("Equal", equal_plan, 7);
const nn_op_def nn_op_less = NN_ELEM_DEF ("Less", less_plan, 7);
const nn_op_def nn_op_greater = NN_ELEM_DEF ("Greater", greater_plan, 7);
const nn_op_def nn_op_less_equal
    = NN_ELEM_DEF ("LessOrEqual", less_equal_plan, 12);
const nn_op_def nn_op_greater_equal
    = NN_ELEM_DEF ("GreaterOrEqual", greater_equal_plan, 12);
const nn_op_def nn_op_and = NN_ELEM_DEF ("And", and_plan, 7);
const nn_op_def nn_op_or = NN_ELEM_DEF ("Or", or_plan, 7);
const nn_op_def nn_op_xor = NN_ELEM_DEF ("Xor", xor_plan, 7);
/* Opset 6 broadcast the slope per channel by other rules. */
const nn_op_def nn_op_prelu = NN_ELEM_DEF ("PRelu", prelu_plan, 7);
const nn_op_def nn_op_where = NN_ELEM_DEF ("Where", where_plan, 9);

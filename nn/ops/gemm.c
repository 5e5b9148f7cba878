/* Gemm and MatMul, both fusing a following activation.
 *
 * Everything runs on the vec_oc kernel (kernels/packed.c): B, scaled by
 * alpha, is packed once at plan time when it is a constant (the usual fully
 * connected layer), else at run time into the workspace. OpenBLAS is not
 * used: Debian's serial build is not safe to call from several threads at
 * once, which pool tasks and concurrent sessions would do. */
#include "ops.h"
#include "kernels/kernels.h"
#include "kernels/packed.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- Packed GEMM ------------------------------------------------------- */

/* y (M, N) = act(A B' + bias): A row p, column q at a[p * col_step +
 * koff[q]]; B' = alpha op(B) in 16-column panels. */
typedef struct packed_mm {
  ptrdiff_t m, n, k;
  ptrdiff_t col_step;
  ptrdiff_t panels, ntiles, items;
  ptrdiff_t chunk_tiles; /* tiles per position chunk */
  ptrdiff_t groups;      /* panel groups: items = chunks * groups */
  ptrdiff_t *koff;
  float *w;    /* packed at plan time, or NULL: at run */
  float *bias; /* N values (padded), or NULL */
  /* Run-time packing of B. */
  bool b_nk; /* B stored (N, K), else (K, N) */
  ptrdiff_t ldb;
  float alpha;
} packed_mm;

/* Positions per work item: 16 tiles of 6 rows (the kernel's chunk). */
#define MM_CHUNK_TILES 16

static size_t
align64 (size_t n)
{
  return (n + 63) / 64 * 64;
}

/* Floats of packed B (the workspace when B is packed at run time). */
static size_t
packed_floats (ptrdiff_t n, ptrdiff_t k)
{
  return (size_t)((n + NN_VOC_NR - 1) / NN_VOC_NR * NN_VOC_NR) * (size_t)k;
}

/* Replaces node->params with a copy of the hdr_size bytes at hdr followed
 * by the tables (and packed weights when b is non-NULL) of the packed_mm at
 * hdr + pm_off. bias: N values times beta, or NULL. */
static nn_status
packed_mm_plan (nn_node *node, const void *hdr, size_t hdr_size, size_t pm_off,
                ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *b,
                ptrdiff_t ldb, bool b_nk, float alpha, bool ta, ptrdiff_t lda,
                const float *bias, ptrdiff_t bias_stride, float beta,
                nn_error *err)
{
  packed_mm pm = { m, n, k, ta ? 1 : lda };
  pm.panels = (n + NN_VOC_NR - 1) / NN_VOC_NR;
  pm.ntiles = (m + NN_VOC_MR - 1) / NN_VOC_MR;
  pm.chunk_tiles = nn_op_even_chunk (pm.ntiles, MM_CHUNK_TILES);
  const ptrdiff_t chunks = (pm.ntiles + pm.chunk_tiles - 1) / pm.chunk_tiles;
  pm.groups = nn_voc_groups (pm.panels, chunks);
  pm.items = chunks * pm.groups;
  pm.b_nk = b_nk;
  pm.ldb = ldb;
  pm.alpha = alpha;
  size_t off_koff = align64 (hdr_size);
  size_t off_w = off_koff + align64 (sizeof (ptrdiff_t) * (size_t)k);
  size_t off_b
      = off_w + (b ? align64 (sizeof (float) * packed_floats (n, k)) : 0);
  size_t total
      = off_b
        + (bias ? align64 (sizeof (float) * (size_t)pm.panels * NN_VOC_NR) : 0);
  nn_status s = nn_op_workspace (node, b ? 0 : packed_floats (n, k), err);
  if (s)
    return s;

  free (node->params);
  char *mem = aligned_alloc (64, total);
  node->params = mem;
  if (!mem)
    return nn_fail_node (err, NN_NOMEM, node,
                         "out of memory for %zu bytes of packed weights",
                         total);
  memset (mem, 0, total);
  pm.koff = (ptrdiff_t *)(mem + off_koff);
  pm.w = b ? (float *)(mem + off_w) : NULL;
  pm.bias = bias ? (float *)(mem + off_b) : NULL;
  for (ptrdiff_t q = 0; q < k; q++)
    pm.koff[q] = ta ? q * lda : q;
  if (b && b_nk)
    nn_pack_voc (b, ldb, n, k, alpha, pm.w);
  else if (b)
    nn_pack_voc_t (b, ldb, n, k, alpha, pm.w);
  if (bias)
    for (ptrdiff_t j = 0; j < n; j++)
      pm.bias[j] = beta * bias[j * bias_stride];
  memcpy (mem, hdr, hdr_size);
  memcpy (mem + pm_off, &pm, sizeof pm);
  return NN_OK;
}

typedef struct packed_mm_job {
  const packed_mm *pm;
  nn_voc_args args;
} packed_mm_job;

// a (M,K) via koff, y (M,N): a range of (tile chunk, panel group) items
static void
packed_mm_task (void *arg, int t, int nt)
{
  const packed_mm_job *j = arg;
  const packed_mm *pm = j->pm;
  size_t b, e;
  nn_op_split_range ((size_t)pm->items, t, nt, &b, &e);
  for (size_t it = b; it < e; it++) {
    ptrdiff_t chunk = (ptrdiff_t)it / pm->groups;
    ptrdiff_t pg = (ptrdiff_t)it % pm->groups;
    ptrdiff_t t0 = chunk * pm->chunk_tiles, t1 = t0 + pm->chunk_tiles;
    nn_voc_group_tiles (&j->args, pm->panels, pm->groups, pg, t0,
                        t1 < pm->ntiles ? t1 : pm->ntiles);
  }
}

/* b: the B to pack into ws when pm->w is NULL. */
// a (M,K) via koff, b (K,N) or (N,K), y (M,N)
static void
packed_mm_run (const packed_mm *pm, const float *a, const float *b, float *y,
               const nn_act *act, nn_pool *pool, float *ws)
{
  if (pm->m == 0 || pm->n == 0)
    return;
  const float *w = pm->w;
  if (!w) {
    if (pm->b_nk)
      nn_pack_voc (b, pm->ldb, pm->n, pm->k, pm->alpha, ws);
    else
      nn_pack_voc_t (b, pm->ldb, pm->n, pm->k, pm->alpha, ws);
    w = ws;
  }
  packed_mm_job j = { pm,
                      { .x = a,
                        .koff = pm->koff,
                        .k = pm->k,
                        .w = w,
                        .bias = pm->bias,
                        .y = y,
                        .ocg = pm->n,
                        .npos = pm->m,
                        .pw = pm->m,
                        .row_step = 0,
                        .col_step = pm->col_step,
                        .ys_oc = 1,
                        .ys_p = pm->n,
                        .act = act } };
  double flops = 2.0 * (double)pm->m * (double)pm->n * (double)pm->k;
  nn_pool_run (pool, packed_mm_task, &j,
               nn_op_task_count (pool, flops, (size_t)pm->items));
}

static nn_status
size_limits (const nn_node *node, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
             nn_error *err)
{
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "matrix dimensions %td x %td x %td are too large", m,
                         n, k);
  return NN_OK;
}

/* ---- Gemm -------------------------------------------------------------- */

typedef struct gemm_params {
  bool ta, tb;
  ptrdiff_t m, n, k, lda, ldb;
  float alpha, beta;
  bool has_c;
  ptrdiff_t c_rs, c_cs; /* strides of C over (m, n); 0 = broadcast */
  bool c_after;         /* beta C added after the product */
  packed_mm pm;
} gemm_params;

static nn_status
gemm_plan (nn_node *node, nn_error *err)
{
  int64_t ta, tb;
  float alpha, beta;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 3, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "A", err))
      || (s = nn_op_float_input (node, 1, "B", err))
      || (s = nn_op_input_rank (node, 0, "A", 2, 2, err))
      || (s = nn_op_input_rank (node, 1, "B", 2, 2, err))
      || (s = nn_op_attr_int (node, "transA", 0, &ta, err))
      || (s = nn_op_attr_int (node, "transB", 0, &tb, err))
      || (s = nn_op_attr_float (node, "alpha", 1.f, &alpha, err))
      || (s = nn_op_attr_float (node, "beta", 1.f, &beta, err)))
    return s;
  if ((ta != 0 && ta != 1) || (tb != 0 && tb != 1))
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "attributes 'transA' and 'transB' must be 0 or 1, are %lld and %lld",
        (long long)ta, (long long)tb);
  const nn_value *a = node->in[0], *b = node->in[1], *c = nn_op_input (node, 2);
  ptrdiff_t m = (ptrdiff_t)a->dims[ta ? 1 : 0];
  ptrdiff_t k = (ptrdiff_t)a->dims[ta ? 0 : 1];
  ptrdiff_t kb = (ptrdiff_t)b->dims[tb ? 1 : 0];
  ptrdiff_t n = (ptrdiff_t)b->dims[tb ? 0 : 1];
  if (k != kb)
    return nn_fail_node (
        err, NN_SHAPE, node,
        "A has %td columns (after transA) but B has %td rows (after transB)", k,
        kb);
  if ((s = size_limits (node, m, n, k, err)))
    return s;

  ptrdiff_t c_rs = 0, c_cs = 0;
  if (c) {
    if ((s = nn_op_float_input (node, 2, "C", err))
        || (s = nn_op_input_rank (node, 2, "C", 0, 2, err)))
      return s;
    /* Unidirectional broadcast of C to (M, N). */
    int64_t cm = c->ndim == 2 ? c->dims[0] : 1;
    int64_t cn = c->ndim >= 1 ? c->dims[c->ndim - 1] : 1;
    if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
      return nn_fail_node (
          err, NN_SHAPE, node,
          "C of shape (%lld, %lld) cannot be broadcast to (%td, %td)",
          (long long)cm, (long long)cn, m, n);
    c_cs = cn == 1 ? 0 : 1;
    c_rs = cm == 1 ? 0 : (ptrdiff_t)cn;
  }
  int64_t dims[2] = { m, n };
  if ((s = nn_op_set_output (node, 0, 2, dims, err)))
    return s;

  /* A constant C that does not vary along M becomes the kernel's bias;
   * any other C is added after the product. */
  bool use_c = c && beta != 0.f;
  bool fused = use_c && c_rs == 0 && c->kind == NN_VAL_CONST;
  gemm_params hdr = { ta,
                      tb,
                      m,
                      n,
                      k,
                      (ptrdiff_t)a->dims[1],
                      (ptrdiff_t)b->dims[1],
                      alpha,
                      beta,
                      c != NULL,
                      c_rs,
                      c_cs,
                      use_c && !fused };
  return packed_mm_plan (node, &hdr, sizeof hdr, offsetof (gemm_params, pm), m,
                         n, k, b->kind == NN_VAL_CONST ? b->fconst : NULL,
                         hdr.ldb, tb, alpha, ta, hdr.lda,
                         fused ? c->fconst : NULL, c_cs, beta, err);
}

// y (M,N) = act(alpha op(A) op(B) + beta C)
static void
gemm_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const gemm_params *p = node->params;
  const float *a = nn_value_data (node->in[0], ctx);
  const float *b = nn_value_data (node->in[1], ctx);
  const float *c = p->has_c ? nn_value_data (node->in[2], ctx) : NULL;
  float *y = nn_value_data (node->out[0], ctx);
  const size_t count = (size_t)(p->m * p->n);
  static const nn_act none = { NN_ACT_NONE, 0.f, 0.f };

  if (count == 0)
    return;
  if (ctx->reference) {
    for (ptrdiff_t i = 0; i < p->m; i++)
      for (ptrdiff_t jj = 0; jj < p->n; jj++)
        y[i * p->n + jj]
            = c && p->beta != 0.f ? c[i * p->c_rs + jj * p->c_cs] : 0.f;
    nn_ref_gemm (p->ta, p->tb, p->m, p->n, p->k, p->alpha, a, p->lda, b, p->ldb,
                 c && p->beta != 0.f ? p->beta : 0.f, y, p->n);
    nn_act_apply (&node->act, y, count);
    return;
  }
  if (p->k > 0)
    packed_mm_run (&p->pm, a, b, y, p->c_after ? &none : &node->act, ctx->pool,
                   ctx->workspace);
  else
    for (size_t i = 0; i < count; i++)
      y[i] = p->pm.bias ? p->pm.bias[i % (size_t)p->n] : 0.f;
  if (p->c_after) {
    for (ptrdiff_t i = 0; i < p->m; i++)
      for (ptrdiff_t jj = 0; jj < p->n; jj++)
        y[i * p->n + jj] = (p->k > 0 ? y[i * p->n + jj] : 0.f)
                           + p->beta * c[i * p->c_rs + jj * p->c_cs];
    nn_act_apply (&node->act, y, count);
  } else if (p->k == 0)
    nn_act_apply (&node->act, y, count);
}

static double
gemm_work (const nn_node *node)
{
  const gemm_params *p = node->params;
  return p ? 2.0 * (double)p->m * (double)p->n * (double)p->k : 0.0;
}

const nn_op_def nn_op_gemm = { .op_type = "Gemm",
                               .plan = gemm_plan,
                               .run = gemm_run,
                               .fuses_activation = 1,
                               .min_opset = 7,
                               .work = gemm_work };

/* ---- MatMul ------------------------------------------------------------ */

typedef struct matmul_params {
  ptrdiff_t m, n, k;
  ptrdiff_t batch; /* matrices in the output */
  int nbd;         /* broadcast batch axes */
  ptrdiff_t bdims[NN_MAX_DIMS];
  ptrdiff_t sa[NN_MAX_DIMS], sb[NN_MAX_DIMS]; /* matrix strides, 0 = bcast */
  bool fold_batch; /* one B: A's matrices stack along M */
  packed_mm pm;
} matmul_params;

static nn_status
matmul_plan (nn_node *node, nn_error *err)
{
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 2, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "A", err))
      || (s = nn_op_float_input (node, 1, "B", err))
      || (s = nn_op_input_rank (node, 0, "A", 1, NN_MAX_DIMS, err))
      || (s = nn_op_input_rank (node, 1, "B", 1, NN_MAX_DIMS, err)))
    return s;
  const nn_value *a = node->in[0], *b = node->in[1];
  /* numpy.matmul: a 1-D A is a row (1, K), a 1-D B a column (K, 1); the
   * added axis is dropped from the result. */
  ptrdiff_t m = a->ndim == 1 ? 1 : (ptrdiff_t)a->dims[a->ndim - 2];
  ptrdiff_t k = (ptrdiff_t)a->dims[a->ndim - 1];
  ptrdiff_t kb
      = b->ndim == 1 ? (ptrdiff_t)b->dims[0] : (ptrdiff_t)b->dims[b->ndim - 2];
  ptrdiff_t n = b->ndim == 1 ? 1 : (ptrdiff_t)b->dims[b->ndim - 1];
  if (k != kb)
    return nn_fail_node (err, NN_SHAPE, node,
                         "A has %td columns but B has %td rows", k, kb);
  if ((s = size_limits (node, m, n, k, err)))
    return s;

  int abd = a->ndim > 2 ? a->ndim - 2 : 0, bbd = b->ndim > 2 ? b->ndim - 2 : 0;
  int nbd = abd > bbd ? abd : bbd;
  int64_t out[NN_MAX_DIMS];
  ptrdiff_t ad[NN_MAX_DIMS], bd[NN_MAX_DIMS];
  for (int i = 0; i < nbd; i++) {
    int ia = i - (nbd - abd), ib = i - (nbd - bbd);
    ad[i] = ia >= 0 ? (ptrdiff_t)a->dims[ia] : 1;
    bd[i] = ib >= 0 ? (ptrdiff_t)b->dims[ib] : 1;
    if (ad[i] != bd[i] && ad[i] != 1 && bd[i] != 1)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "batch dimensions %td and %td of A and B cannot be broadcast at "
          "axis %d",
          ad[i], bd[i], i);
    out[i] = ad[i] == 1 ? bd[i] : ad[i];
  }
  int nd = nbd;
  if (a->ndim > 1)
    out[nd++] = m;
  if (b->ndim > 1)
    out[nd++] = n;
  if (nd > NN_MAX_DIMS)
    return nn_fail_node (err, NN_UNSUPPORTED, node, "result rank too high");
  if ((s = nn_op_set_output (node, 0, nd, out, err)))
    return s;

  matmul_params hdr = { m, n, k, 1, nbd };
  ptrdiff_t ea = m * k, eb = k * n;
  for (int i = nbd - 1; i >= 0; i--) {
    hdr.bdims[i] = (ptrdiff_t)out[i];
    hdr.sa[i] = ad[i] == 1 ? 0 : ea;
    hdr.sb[i] = bd[i] == 1 ? 0 : eb;
    ea *= ad[i];
    eb *= bd[i];
    hdr.batch *= (ptrdiff_t)out[i];
  }
  /* A single B matrix: A's matrices (then all distinct) stack along M. */
  hdr.fold_batch = b->ndim <= 2 && hdr.batch * m <= INT_MAX;
  ptrdiff_t rows = hdr.fold_batch ? hdr.batch * m : m;
  const float *bconst
      = hdr.fold_batch && b->kind == NN_VAL_CONST ? b->fconst : NULL;
  return packed_mm_plan (node, &hdr, sizeof hdr, offsetof (matmul_params, pm),
                         rows, n, k, bconst, n, false, 1.f, false, k, NULL, 0,
                         0.f, err);
}

static void
batch_offsets (const matmul_params *p, ptrdiff_t idx, ptrdiff_t *oa,
               ptrdiff_t *ob)
{
  *oa = *ob = 0;
  for (int d = p->nbd - 1; d >= 0; d--) {
    ptrdiff_t i = idx % p->bdims[d];
    idx /= p->bdims[d];
    *oa += i * p->sa[d];
    *ob += i * p->sb[d];
  }
}

// a (batch...,M,K), b (batch...,K,N), y (batch...,M,N)
static void
matmul_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const matmul_params *p = node->params;
  const float *a = nn_value_data (node->in[0], ctx);
  const float *b = nn_value_data (node->in[1], ctx);
  float *y = nn_value_data (node->out[0], ctx);
  size_t count = node->out[0]->count;

  if (count == 0)
    return;
  if (p->k == 0) {
    memset (y, 0, sizeof (float) * count);
    nn_act_apply (&node->act, y, count);
    return;
  }
  if (ctx->reference) {
    for (ptrdiff_t q = 0; q < p->batch; q++) {
      ptrdiff_t oa, ob;
      batch_offsets (p, q, &oa, &ob);
      nn_ref_gemm (false, false, p->m, p->n, p->k, 1.f, a + oa, p->k, b + ob,
                   p->n, 0.f, y + q * p->m * p->n, p->n);
    }
    nn_act_apply (&node->act, y, count);
    return;
  }
  if (p->fold_batch) {
    packed_mm_run (&p->pm, a, b, y, &node->act, ctx->pool, ctx->workspace);
    return;
  }
  for (ptrdiff_t q = 0; q < p->batch; q++) {
    ptrdiff_t oa, ob;
    batch_offsets (p, q, &oa, &ob);
    packed_mm_run (&p->pm, a + oa, b + ob, y + q * p->m * p->n, &node->act,
                   ctx->pool, ctx->workspace);
  }
}

static double
matmul_work (const nn_node *node)
{
  const nn_value *a = node->in[0], *y = node->out[0];
  if (!y || !a || a->ndim < 1)
    return 0.0;
  return 2.0 * (double)y->count * (double)a->dims[a->ndim - 1];
}

const nn_op_def nn_op_matmul = { .op_type = "MatMul",
                                 .plan = matmul_plan,
                                 .run = matmul_run,
                                 .fuses_activation = 1,
                                 .work = matmul_work };

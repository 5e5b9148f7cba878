/* Conv 3x3, stride 1, by Winograd F(2x2, 3x3) (kernels/winograd.c).
 * Per image:
 *   1. per channel: stage the padded plane, transform it into V;
 *   2. 16 GEMMs M[xi] (T x OC) = V[xi]' U[xi]' on the vec_oc kernel, with
 *      the transformed weights U packed at plan time;
 *   3. per 8 output channels: transform M back, add bias, activate.
 * It does 4 multiplies per output and channel where the direct kernels do
 * 9; plan() takes it only where that outweighs the transforms. */
#include "conv.h"
#include "kernels/packed.h"
#include "kernels/winograd.h"

#include <stdlib.h>
#include <string.h>

/* Tests force the direct kernels with the first, Winograd wherever the
 * shape allows it with the second. */
int nn_conv_wino_disabled, nn_conv_wino_forced;

/* Positions per GEMM work item: 16 tiles of 6 (the kernel's chunk). */
#define WINO_CHUNK_TILES 16
/* Tiles per block at least (so that each panel of transformed weights
 * serves 8 GEMM tiles), and V + M of a block at most, in bytes. */
#define WINO_BLOCK_TILES 48
#define WINO_BLOCK_BYTES (2 << 20)
/* Blocks in flight at once (their V and M live in the workspace). */
#define WINO_SLOTS 4

/* Tiles are processed a block of tile rows at a time, so that V and M
 * of the block stay in cache. With several blocks, each task takes a run
 * of neighbouring blocks and stages the input rows each one reads itself:
 * a thread then reads the rows the layer before wrote on its core (when
 * that layer split by positions, as the direct kernels do), and writes
 * its output by rows too. A layer that fits one block runs its three
 * phases on the whole pool. */
typedef struct conv_wino {
  conv_params base;  /* first: conv_run reads base.path */
  ptrdiff_t th, tw;  /* tile rows, tile columns */
  ptrdiff_t hs, ws;  /* staged plane (one block: the whole plane) */
  ptrdiff_t strip_h; /* several blocks: padded rows a block reads */
  ptrdiff_t rows;    /* tile rows per block */
  ptrdiff_t nblocks;
  ptrdiff_t tsb; /* V row stride in a block */
  size_t off_slot, strip_floats, v_floats, slot_floats; /* workspace */
  ptrdiff_t *koff;                                      /* C offsets: c * tsb */
  float *u; /* packed transformed weights, per xi */
  ptrdiff_t u_xi;
  float *bias; /* OC values, or NULL */
  ptrdiff_t panels;
} conv_wino;

static size_t
align64 (size_t n)
{
  return (n + 63) / 64 * 64;
}

bool
nn_conv_wino_wanted (const nn_node *node, const conv_params *p)
{
  const nn_win2d *g = &p->g;
  if (nn_conv_wino_disabled || !nn_kernels_avx2 () || p->group != 1
      || g->kh != 3 || g->kw != 3 || g->sh != 1 || g->sw != 1 || g->dh != 1
      || g->dw != 1)
    return false;
  if (nn_conv_wino_forced)
    return true;
  /* Rough cycle counts, as in nn_conv_packed_plan: the direct vec_oc
   * kernel against 16 GEMMs of K = C plus both transforms. */
  const double c = (double)p->c, oc = (double)p->oc;
  const ptrdiff_t th = (g->oh + 1) / 2, tw = (g->ow + 1) / 2;
  const double t = (double)(th * tw);
  /* Few channels make the GEMMs too short for the transforms to pay. */
  if (p->c < 32)
    return false;
  if (nn_kernels_avx512 ()) {
    /* Few tiles leave each panel of transformed weights too little reuse
     * for these kernels (7x7 planes: level or slower, but for 512
     * channels on one thread). */
    if (t < 24)
      return false;
    /* In nn_conv_packed_costs' AVX-512 units: 16 GEMMs of K = C on the
     * vec_oc kernel (rows of 16 channels stored whole), and 21 per tile
     * and channel for the transforms (about 8.5 ns, measured). */
    double voc, vpos;
    nn_conv_packed_costs (p, &voc, &vpos, NULL);
    double wino
        = 16.0 * nn_voc_cost512 (th * tw, p->oc, c, 30.0) + (c + oc) * t * 21.0;
    return wino < (voc < vpos ? voc : vpos);
  }
  /* The AVX2 kernels gain from Winograd on small planes too (7x7 and 5x5
   * planes of 160 to 512 channels: 0.73-0.87 of the direct time on one
   * thread, 0.77-1.04 on two), but not narrow layers, whose three short
   * pool runs and transforms cost more than the FMAs saved (64 -> 64 and
   * 128 -> 32 on 7x7: 1.8-2.2x the direct time on two threads). */
  if (t < 24 && (p->c < 128 || p->oc < 128))
    return false;
  double direct = (double)((p->ohw + 5) / 6) * (double)((p->oc + 15) / 16)
                  * (6.0 * (double)p->k + 110.0);
  double wino = 16.0 * (double)((th * tw + 5) / 6) * (double)((p->oc + 15) / 16)
                    * (6.0 * c + 40.0)
                + c * t * 14.0 + oc * t * 10.0;
  return wino < 0.85 * direct;
}

nn_status
nn_conv_wino_plan (nn_node *node, const conv_params *p, nn_error *err)
{
  const nn_win2d *g = &p->g;
  const nn_value *w = node->in[1], *b = nn_op_input (node, 2);
  conv_wino cw = { 0 };
  nn_status s;

  cw.base = *p;
  cw.base.path = CONV_WINOGRAD;
  cw.th = (g->oh + 1) / 2;
  cw.tw = (g->ow + 1) / 2;
  cw.hs = 2 * cw.th + 2;
  cw.ws = 2 * ((cw.tw + 7) / 8 * 8) + 2 + 16;
  if (cw.hs < g->pt + g->ih)
    cw.hs = g->pt + g->ih;
  if (cw.ws < g->pl + g->iw)
    cw.ws = g->pl + g->iw;
  /* Block height: enough tiles for weight reuse, within the byte cap. */
  const double row_bytes = (double)cw.tw * 16.0 * (double)(p->c + p->oc) * 4.0;
  cw.rows = (WINO_BLOCK_TILES + cw.tw - 1) / cw.tw;
  while (cw.rows > 1 && row_bytes * (double)cw.rows > WINO_BLOCK_BYTES)
    cw.rows--;
  if (cw.rows > cw.th)
    cw.rows = cw.th;
  cw.nblocks = (cw.th + cw.rows - 1) / cw.rows;
  /* An even number of blocks, their heights apart by one at most: two
   * threads then take the same number of tile rows (14 tile rows in
   * blocks of 4, 4, 4 and 2 gave them 8 and 6). */
  if (cw.nblocks > 1 && cw.nblocks % 2 && cw.nblocks < cw.th)
    cw.nblocks++;
  cw.rows = (cw.th + cw.nblocks - 1) / cw.nblocks;
  cw.tsb = cw.rows * cw.tw + 8;
  cw.panels = (p->oc + NN_VOC_NR - 1) / NN_VOC_NR;
  cw.u_xi = cw.panels * NN_VOC_NR * p->c;

  /* Workspace: one block: the staged input, then V and M (+ slack for
   * the last 8-lane reads of M); several: per slot, the staged strip of
   * the block's rows, V and M. Each part is a small multiple of a tensor
   * already under the cap. */
  int slots = cw.nblocks < WINO_SLOTS ? (int)cw.nblocks : WINO_SLOTS;
  size_t stage = cw.nblocks == 1 ? (size_t)(p->c * cw.hs * cw.ws) : 0;
  cw.strip_h = 2 * cw.rows + 2;
  cw.strip_floats = cw.nblocks == 1
                        ? 0
                        : ((size_t)(p->c * cw.strip_h * cw.ws) + 15) / 16 * 16;
  cw.v_floats = ((size_t)(16 * p->c * cw.tsb) + 15) / 16 * 16;
  size_t m_floats = (size_t)(16 * cw.rows * cw.tw * p->oc) + 8;
  cw.slot_floats = cw.strip_floats + cw.v_floats + (m_floats + 15) / 16 * 16;
  cw.off_slot = (stage + 15) / 16 * 16;
  /* several blocks: threads write runs of rows (ops/binary.c reads this) */
  node->out[0]->by_positions = cw.nblocks > 1;
  if ((s = nn_op_workspace (node, cw.off_slot + (size_t)slots * cw.slot_floats,
                            err)))
    return s;

  size_t off_koff = align64 (sizeof cw);
  size_t off_u = off_koff + align64 (sizeof (ptrdiff_t) * (size_t)p->c);
  size_t ufloats = (size_t)(16 * cw.u_xi);
  size_t off_b = off_u + align64 (sizeof (float) * ufloats);
  size_t total = off_b + (b ? align64 (sizeof (float) * (size_t)p->oc) : 0);
  float *tmp = malloc (sizeof (float) * (size_t)(16 * p->oc * p->c));
  free (node->params);
  char *mem = aligned_alloc (64, total);
  node->params = mem;
  if (!mem || !tmp) {
    free (tmp);
    return nn_fail_node (err, NN_NOMEM, node,
                         "out of memory for %zu bytes of transformed weights",
                         total);
  }
  memset (mem, 0, total);
  cw.koff = (ptrdiff_t *)(mem + off_koff);
  cw.u = (float *)(mem + off_u);
  cw.bias = b ? (float *)(mem + off_b) : NULL;
  for (ptrdiff_t c = 0; c < p->c; c++)
    cw.koff[c] = c * cw.tsb;
  nn_wino_weights (w->fconst, p->oc, p->c, tmp);
  for (int xi = 0; xi < 16; xi++)
    nn_pack_voc (tmp + xi * p->oc * p->c, p->c, p->oc, p->c, 1.f,
                 cw.u + xi * cw.u_xi);
  free (tmp);
  if (b)
    memcpy (cw.bias, b->fconst, sizeof (float) * (size_t)p->oc);
  memcpy (mem, &cw, sizeof cw);
  return NN_OK;
}

typedef struct wino_job {
  const nn_node *node;
  const conv_wino *cw;
  const float *x;   /* input of this image */
  float *y;         /* output of this image */
  const float *res; /* fused residual of this image, or NULL */
  float *ws;
  ptrdiff_t block; /* single-block mode: the block */
} wino_job;

/* Geometry of block blk: first tile row, tile rows (cw->rows at most),
 * tiles. */
static void
block_rows (const conv_wino *cw, ptrdiff_t blk, ptrdiff_t *ty0, ptrdiff_t *th,
            ptrdiff_t *tiles)
{
  *ty0 = blk * cw->th / cw->nblocks;
  *th = (blk + 1) * cw->th / cw->nblocks - *ty0;
  *tiles = *th * cw->tw;
}

static float *
slot_strip (const wino_job *j, int slot)
{
  return j->ws + j->cw->off_slot + (size_t)slot * j->cw->slot_floats;
}

static float *
slot_v (const wino_job *j, int slot)
{
  return slot_strip (j, slot) + j->cw->strip_floats;
}

static float *
slot_m (const wino_job *j, int slot)
{
  return slot_v (j, slot) + j->cw->v_floats;
}

/* Padded rows [r0, r1) of one channel plane, zeros outside the input,
 * ws floats each. */
// src (H,W) -> dst (r1 - r0, ws)
static void
stage_rows (const conv_wino *cw, float *dst, const float *src, ptrdiff_t r0,
            ptrdiff_t r1)
{
  const nn_win2d *g = &cw->base.g;
  const size_t tail = (size_t)(cw->ws - g->pl - g->iw);
  for (ptrdiff_t r = r0; r < r1; r++, dst += cw->ws) {
    const ptrdiff_t y = r - g->pt;
    if (y < 0 || y >= g->ih) {
      memset (dst, 0, sizeof (float) * (size_t)cw->ws);
      continue;
    }
    memset (dst, 0, sizeof (float) * (size_t)g->pl);
    memcpy (dst + g->pl, src + y * g->iw, sizeof (float) * (size_t)g->iw);
    memset (dst + g->pl + g->iw, 0, sizeof (float) * tail);
  }
}

// x (C,H,W) -> st (C,hs,ws): a range of channels
static void
stage_task (void *arg, int t, int nt)
{
  const wino_job *j = arg;
  const conv_wino *cw = j->cw;
  const nn_win2d *g = &cw->base.g;
  size_t b, e;
  nn_op_split_range ((size_t)cw->base.c, t, nt, &b, &e);
  for (size_t c = b; c < e; c++)
    stage_rows (cw, j->ws + (ptrdiff_t)c * cw->hs * cw->ws,
                j->x + (ptrdiff_t)c * g->ih * g->iw, 0, cw->hs);
}

/* The padded rows block blk reads, [2 ty0, 2 ty0 + 2 th + 2), into its
 * slot's strip. */
// x (C,H,W) -> strip (C,strip_h,ws)
static void
stage_strip (const wino_job *j, ptrdiff_t blk, int slot)
{
  const conv_wino *cw = j->cw;
  const nn_win2d *g = &cw->base.g;
  ptrdiff_t ty0, th, tiles;
  block_rows (cw, blk, &ty0, &th, &tiles);
  for (ptrdiff_t c = 0; c < cw->base.c; c++)
    stage_rows (cw, slot_strip (j, slot) + c * cw->strip_h * cw->ws,
                j->x + c * g->ih * g->iw, 2 * ty0, 2 * ty0 + 2 * th + 2);
}

/* The three phases of one block, each over a part of its range. */
// st -> v [16][C][tsb]: channels [c0, c1); st the whole staged input with
// one block, else the slot's strip
static void
block_input (const wino_job *j, ptrdiff_t blk, int slot, ptrdiff_t c0,
             ptrdiff_t c1)
{
  const conv_wino *cw = j->cw;
  ptrdiff_t ty0, th, tiles;
  block_rows (cw, blk, &ty0, &th, &tiles);
  const bool strip = cw->nblocks > 1;
  nn_wino_input (strip ? slot_strip (j, slot) : j->ws,
                 strip ? cw->strip_h : cw->hs, cw->ws, c0, c1, cw->base.c, th,
                 cw->tw, cw->tsb, slot_v (j, slot));
}

// v [16][C][tsb] -> m [16][tiles][OC]: items [i0, i1) of (xi, chunk,
// panel group)
static void
block_gemm (const wino_job *j, ptrdiff_t blk, int slot, ptrdiff_t i0,
            ptrdiff_t i1)
{
  const conv_wino *cw = j->cw;
  const ptrdiff_t c = cw->base.c, oc = cw->base.oc;
  static const nn_act none = { NN_ACT_NONE, 0.f, 0.f };
  ptrdiff_t ty0, th, tiles;
  block_rows (cw, blk, &ty0, &th, &tiles);
  const ptrdiff_t ntiles = (tiles + NN_VOC_MR - 1) / NN_VOC_MR;
  const ptrdiff_t per = nn_op_even_chunk (ntiles, WINO_CHUNK_TILES);
  const ptrdiff_t chunks = (ntiles + per - 1) / per;
  const ptrdiff_t groups = nn_voc_groups (cw->panels, 16 * chunks);
  for (ptrdiff_t it = i0; it < i1; it++) {
    ptrdiff_t xi = it / (chunks * groups);
    ptrdiff_t rest = it % (chunks * groups);
    ptrdiff_t chunk = rest % chunks, pg = rest / chunks;
    nn_voc_args a = { .x = slot_v (j, slot) + xi * c * cw->tsb,
                      .koff = cw->koff,
                      .k = c,
                      .w = cw->u + xi * cw->u_xi,
                      .bias = NULL,
                      .y = slot_m (j, slot) + xi * tiles * oc,
                      .ocg = oc,
                      .npos = tiles,
                      .pw = tiles,
                      .row_step = 0,
                      .col_step = 1,
                      .ys_oc = 1,
                      .ys_p = oc,
                      .act = &none };
    ptrdiff_t t0 = chunk * per, t1 = t0 + per;
    nn_voc_group_tiles (&a, cw->panels, groups, pg, t0,
                        t1 < ntiles ? t1 : ntiles);
  }
}

static ptrdiff_t
block_items (const conv_wino *cw, ptrdiff_t blk)
{
  ptrdiff_t ty0, th, tiles;
  block_rows (cw, blk, &ty0, &th, &tiles);
  ptrdiff_t ntiles = (tiles + NN_VOC_MR - 1) / NN_VOC_MR;
  ptrdiff_t per = nn_op_even_chunk (ntiles, WINO_CHUNK_TILES);
  ptrdiff_t chunks = (ntiles + per - 1) / per;
  return 16 * nn_voc_groups (cw->panels, 16 * chunks) * chunks;
}

// m [16][tiles][OC] -> y rows of the block: 8-channel blocks [b0, b1)
static void
block_output (const wino_job *j, ptrdiff_t blk, int slot, ptrdiff_t b0,
              ptrdiff_t b1)
{
  const conv_wino *cw = j->cw;
  const nn_win2d *g = &cw->base.g;
  const ptrdiff_t oc = cw->base.oc;
  ptrdiff_t ty0, th, tiles;
  block_rows (cw, blk, &ty0, &th, &tiles);
  ptrdiff_t oh = g->oh - 2 * ty0 < 2 * th ? g->oh - 2 * ty0 : 2 * th;
  if (b0 < b1)
    nn_wino_output (slot_m (j, slot), oc, b0 * 8, b1 * 8 < oc ? b1 * 8 : oc, oc,
                    th, cw->tw, oh, g->ow, cw->base.ohw, cw->bias,
                    j->res ? j->res + 2 * ty0 * g->ow : NULL, &j->node->act,
                    j->y + 2 * ty0 * g->ow);
}

static void
input_task (void *arg, int t, int nt)
{
  const wino_job *j = arg;
  size_t b, e;
  nn_op_split_range ((size_t)j->cw->base.c, t, nt, &b, &e);
  block_input (j, j->block, 0, (ptrdiff_t)b, (ptrdiff_t)e);
}

static void
gemm_task (void *arg, int t, int nt)
{
  const wino_job *j = arg;
  size_t b, e;
  nn_op_split_range ((size_t)block_items (j->cw, j->block), t, nt, &b, &e);
  block_gemm (j, j->block, 0, (ptrdiff_t)b, (ptrdiff_t)e);
}

static void
output_task (void *arg, int t, int nt)
{
  const wino_job *j = arg;
  size_t b, e;
  nn_op_split_range ((size_t)((j->cw->base.oc + 7) / 8), t, nt, &b, &e);
  block_output (j, j->block, 0, (ptrdiff_t)b, (ptrdiff_t)e);
}

/* Task t of nt runs its range of blocks whole, in slot t. */
static void
blocks_task (void *arg, int t, int nt)
{
  const wino_job *j = arg;
  const conv_wino *cw = j->cw;
  size_t b, e;
  nn_op_split_range ((size_t)cw->nblocks, t, nt, &b, &e);
  for (ptrdiff_t blk = (ptrdiff_t)b; blk < (ptrdiff_t)e; blk++) {
    stage_strip (j, blk, t);
    block_input (j, blk, t, 0, cw->base.c);
    block_gemm (j, blk, t, 0, block_items (cw, blk));
    block_output (j, blk, t, 0, (cw->base.oc + 7) / 8);
  }
}

void
nn_conv_wino_run (const nn_node *node, const conv_params *base,
                  const nn_run_ctx *ctx)
{
  const conv_wino *cw = (const conv_wino *)base;
  const conv_params *p = base;
  const float *x = nn_value_data (node->in[0], ctx);
  float *y = nn_value_data (node->out[0], ctx);
  const float *r = node->residual ? nn_value_data (node->residual, ctx) : NULL;
  const double gemm
      = 2.0 * 16.0 * (double)(cw->th * cw->tw) * (double)p->oc * (double)p->c;

  for (ptrdiff_t img = 0; img < p->n; img++) {
    wino_job j = { node,
                   cw,
                   x + img * p->c * p->g.ih * p->g.iw,
                   y + img * p->oc * p->ohw,
                   r ? r + img * p->oc * p->ohw : NULL,
                   ctx->workspace,
                   0 };
    if (cw->nblocks == 1) {
      nn_pool_run (ctx->pool, stage_task, &j,
                   nn_op_task_count (ctx->pool,
                                     (double)(p->c * cw->hs * cw->ws) * 2.0,
                                     (size_t)p->c));
      nn_pool_run (ctx->pool, input_task, &j,
                   nn_op_task_count (ctx->pool,
                                     (double)(p->c * cw->th * cw->tw) * 12.0,
                                     (size_t)p->c));
      nn_pool_run (
          ctx->pool, gemm_task, &j,
          nn_op_task_count (ctx->pool, gemm, (size_t)block_items (cw, 0)));
      nn_pool_run (ctx->pool, output_task, &j,
                   nn_op_task_count (ctx->pool,
                                     (double)(p->oc * cw->th * cw->tw) * 40.0,
                                     (size_t)((p->oc + 7) / 8)));
    } else {
      size_t most
          = (size_t)(cw->nblocks < WINO_SLOTS ? cw->nblocks : WINO_SLOTS);
      nn_pool_run (ctx->pool, blocks_task, &j,
                   nn_op_task_count (ctx->pool, gemm, most));
    }
  }
}

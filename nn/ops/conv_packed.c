/* Conv on the direct kernels of kernels/packed.c, weights packed at plan
 * time (or, when they are not constants, at run time into the workspace,
 * once per group). Per image, for all groups at once when the weights are
 * constants (else group by group):
 *   1. stage: copy the input into the workspace with its zero padding (and
 *      readable slack after it) when the kernel needs that;
 *   2. tiles: vec_oc over (position chunk, group of 16-channel panels)
 *      items, or vec_pos over (output row or position chunk, group of
 *      6-channel panels) items, split across the pool.
 * Each output element is computed the same way whatever the split, so
 * results do not depend on the thread count. */
#include "conv.h"
#include "kernels/packed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FAM_VPOS = 1, FAM_VOC = 2 };

/* Tests and benchmarks force a family with this (FAM_VPOS where its
 * strides allow, or FAM_VOC; 3: FAM_VPOS over padded rows where the
 * stride is 1); 0 chooses by cost. */
int nn_conv_packed_family;

/* Positions per vec_oc work item: at most 16 tiles of 6 (the kernel's
 * chunk), as many in each item (nn_op_even_chunk). */
#define VOC_CHUNK_TILES 16
/* Positions per vec_pos work item when rows are flattened (1x1 convs):
 * at most this many, at least VPOS_FLAT_MIN when that makes more items. */
#define VPOS_FLAT_CHUNK 128
#define VPOS_FLAT_MIN 32
/* vec_pos work items wanted at least, so that small images (14x14 has 196
 * positions) still keep every thread busy: chunks get smaller, and when
 * the weights outweigh the input the panels are split into groups too. */
#define VPOS_MIN_ITEMS 16
/* Readable floats after a staged input for the vec_pos vector loads. */
#define VPOS_SLACK 16
/* Padded-flat vec_pos: positions per work item at most (a multiple of the
 * AVX-512 tile), and the stack tile a pair of panels writes them to. */
#define PFLAT_CHUNK 128

typedef struct conv_packed {
  conv_params base; /* first: conv_run reads base.path */
  int family;
  bool stage;              /* copy into a padded buffer first */
  bool flat;               /* vec_pos on flattened rows (1x1 convs) */
  bool sub;                /* flat on the staged subsample (strided 1x1) */
  bool pflat;              /* stride 1: flat over the padded rows, junk
                              columns computed and dropped */
  ptrdiff_t pflat_n;       /* padded-flat positions: (OH - 1) * Wp + OW */
  ptrdiff_t hp, wp, plane; /* the input as the kernel reads it */
  bool split;              /* stride 2 vec_pos: staged rows hold the
                              even then the odd padded columns */
  ptrdiff_t half;          /* split rows: floats per half */
  ptrdiff_t stage_floats;  /* per group, including slack */
  ptrdiff_t *koff;         /* K offsets into the (staged) input */
  ptrdiff_t *koff_tail;    /* flat vec_pos: offsets into the tail copy */
  float *w;                /* packed weights, group after group; NULL:
                              packed at run time at ws + off_w */
  ptrdiff_t w_group;
  float *bias; /* padded bias per group, or NULL */
  ptrdiff_t b_group;
  bool bias_run;       /* bias copied at run time to ws + off_b */
  size_t off_w, off_b; /* workspace offsets, floats */
  ptrdiff_t panels, ntiles, items;
  ptrdiff_t chunk_tiles; /* vec_oc: tiles per position chunk */
  bool panel_major;      /* vec_oc items ordered panel by panel */
  ptrdiff_t tail_start;  /* flat vec_pos: first position of the tail */
  ptrdiff_t chunk;       /* flat vec_pos: positions per chunk */
  ptrdiff_t spans;       /* vec_pos: rows, or chunks and the tail */
  ptrdiff_t pgroups;     /* panel groups; vec_pos: items = spans * pgroups,
                            vec_oc: position chunks * pgroups */
  ptrdiff_t merged;      /* groups one pool run covers: all of them when
                            weights and bias are constants, else 1 */
} conv_packed;

static size_t
align64 (size_t n)
{
  return (n + 63) / 64 * 64;
}

/* 1x1, stride 1, no pads: vec_pos runs on the input's flattened rows. */
static bool
shape_flat (const nn_win2d *g)
{
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && !g->pt
         && !g->pl && !g->pb && !g->pr;
}

/* 1x1 with a stride and no pads: flat on the staged subsample. */
static bool
shape_sub (const nn_win2d *g)
{
  return g->kh == 1 && g->kw == 1 && !g->pt && !g->pl && !g->pb && !g->pr
         && !shape_flat (g);
}

/* Relative costs of the two direct families on this shape (vpos 1e300
 * where its strides do not allow it), in the units of the CPU's kernels:
 * comparable with each other and, with AVX-512, with
 * nn_conv_wino_wanted's. */
void
nn_conv_packed_costs (const conv_params *p, double *voc_cost, double *vpos_cost,
                      bool *pflat)
{
  const nn_win2d *g = &p->g;
  const bool pads = g->pt || g->pl || g->pb || g->pr;
  const bool flat = shape_flat (g), sub = shape_sub (g);
  const double k = (double)p->k;
  const double plane_p
      = (double)(g->ih + g->pt + g->pb) * (double)(g->iw + g->pl + g->pr);
  double voc, vpos = 1e300;
  bool use_pflat = false;
  const bool vpos_ok = sub || g->sw == 1 || g->sw == 2;
  const double rows = flat || sub ? 1.0 : (double)g->oh;
  const double n = flat || sub ? (double)p->ohw : (double)g->ow;
  const double sub_stage = (double)p->cg * (double)p->ohw;
  if (nn_kernels_avx512 ()) {
    /* Measured on the AVX-512 kernels (bench/ops_bench): vec_oc as
     * nn_voc_cost512 says, plus 100 per tile for the scattered store;
     * vec_pos 13 per k per pair of panels and 32
     * positions (7 when 16 positions or fewer fill one vector), a lone
     * panel 0.7 of a pair; staging 0.5 per float copied, 0.3-0.55 when
     * split into even and odd columns (re-measured on five stride-2 3x3
     * layers: the 2.5 it was given before that split was vectorized made
     * RegNetX's grouped stride-2 layers take vec_oc, 1.1-1.25x slower). */
    const double stage = sub ? 0.5 * sub_stage : (double)p->cg * plane_p * 0.5;
    voc = nn_voc_cost512 (p->ohw, p->ocg, k, 100.0)
          + (pads ? (double)p->cg * plane_p * 0.5 : 0.0);
    if (vpos_ok) {
      const ptrdiff_t panels = (p->ocg + NN_VPOS_MR - 1) / NN_VPOS_MR;
      const double full = (double)((ptrdiff_t)n / 32);
      const double rest = n - 32.0 * full;
      const double span = full * (13.0 * k + 40.0)
                          + (rest > 16.0  ? 13.0 * k + 40.0
                             : rest > 0.0 ? 7.0 * k + 40.0
                                          : 0.0);
      const double pairs = (double)(panels / 2) + 0.7 * (double)(panels % 2);
      vpos = pairs * rows * span + (flat ? 0.0 : stage);
      /* Stride 1 over the padded rows as one flat span: whole tiles of 32
       * where rows of OW fill them badly (7, 14, 56), for a copy of the
       * outputs (1 per float). */
      if (!flat && !sub && g->sh == 1 && g->sw == 1) {
        const double wp = (double)(g->iw + g->pl + g->pr);
        const double pn = ((double)g->oh - 1.0) * wp + (double)g->ow;
        const double tiles = (double)((ptrdiff_t)pn + 31) / 32;
        const double cost = pairs * tiles * (13.0 * k + 40.0) + stage
                            + (double)p->ocg * (double)p->ohw;
        if (cost < vpos) {
          vpos = cost;
          use_pflat = true;
        }
      }
    }
  } else {
    /* Rough cycle counts of the AVX2 kernels: 6 cycles per k per tile,
     * plus the tile store (vec_oc scatters 96 floats) and the staging
     * copy. vec_pos runs whole tiles of 16 positions: a row of 112 is 7 of
     * them, not 7.9 (ResNet's first layer chose vec_oc, 1.2x slower).
     * 1x1 layers take costs fitted to ops_bench --avx2 over 33 of them
     * (MobileNetV2's, SqueezeNet's): vec_oc's store costs 274, and
     * vec_pos 11 % more per k. The rough counts chose vec_oc on narrow
     * layers of small K, up to 1.26x slower, and vec_pos on wide ones of
     * K 384 and more, up to 1.1x slower. */
    const double voc_tile = flat ? 274.0 : 110.0;
    const double vpos_k = flat ? 6.7 : 6.0, vpos_tile = flat ? 4.0 : 20.0;
    voc = (double)((p->ohw + 5) / 6) * (double)((p->ocg + 15) / 16)
              * (6.0 * k + voc_tile)
          + (pads ? (double)p->cg * plane_p / 4.0 : 0.0);
    if (vpos_ok)
      vpos = (double)((p->ocg + 5) / 6) * rows * floor ((n + 15.0) / 16.0)
                 * (vpos_k * k + vpos_tile)
             + (flat  ? 0.0
                : sub ? sub_stage / 4.0
                      : (double)p->cg * plane_p / 4.0);
  }
  *voc_cost = voc;
  *vpos_cost = vpos;
  if (pflat)
    *pflat = use_pflat;
}

nn_status
nn_conv_packed_plan (nn_node *node, const conv_params *p, nn_error *err)
{
  const nn_win2d *g = &p->g;
  const nn_value *w = node->in[1], *b = nn_op_input (node, 2);
  const bool pads = g->pt || g->pl || g->pb || g->pr;
  const bool flat = shape_flat (g), sub = shape_sub (g);

  if (w->kind == NN_VAL_CONST && (!b || b->kind == NN_VAL_CONST)
      && nn_conv_wino_wanted (node, p))
    return nn_conv_wino_plan (node, p, err);

  const double k = (double)p->k;
  const double plane_p
      = (double)(g->ih + g->pt + g->pb) * (double)(g->iw + g->pl + g->pr);
  double voc, vpos;
  bool pflat;
  nn_conv_packed_costs (p, &voc, &vpos, &pflat);

  conv_packed cp = { 0 };
  cp.base = *p;
  cp.base.path = CONV_PACKED;
  cp.family = vpos < voc ? FAM_VPOS : FAM_VOC;
  if (nn_conv_packed_family == FAM_VOC)
    cp.family = FAM_VOC;
  else if (nn_conv_packed_family && vpos < 1e300) {
    cp.family = FAM_VPOS;
    pflat = nn_conv_packed_family == 3 && !flat && !sub && g->sh == 1
            && g->sw == 1;
  }
  /* A strided 1x1 (ResNet's downsampling) runs as a flat one on the
   * input's subsample, which staging copies. */
  cp.sub = cp.family == FAM_VPOS && sub;
  cp.flat = cp.family == FAM_VPOS && (flat || sub);
  cp.stage = cp.family == FAM_VPOS ? !flat : pads;
  cp.hp = cp.sub ? g->oh : cp.stage ? g->ih + g->pt + g->pb : g->ih;
  cp.wp = cp.sub ? g->ow : cp.stage ? g->iw + g->pl + g->pr : g->iw;
  /* Stride 2 for vec_pos: outputs x and x + 1 read columns 2 apart; with
   * each staged row split into its even and its odd columns they read
   * neighbours again. */
  cp.split = cp.family == FAM_VPOS && g->sw == 2 && !cp.sub;
  cp.pflat = cp.family == FAM_VPOS && pflat;
  cp.half = (cp.wp + 1) / 2;
  if (cp.split)
    cp.wp = 2 * cp.half;
  cp.plane = cp.hp * cp.wp;
  /* padded-flat tiles read on past the last row by the kernel's width */
  cp.stage_floats
      = cp.stage ? p->cg * cp.plane + VPOS_SLACK
                       + (cp.pflat ? (g->kw - 1) * g->dw + PFLAT_CHUNK : 0)
                 : 0;
  if (cp.flat && !cp.sub)
    cp.stage_floats = p->cg * NN_VPOS_NR + VPOS_SLACK; /* the tail copy */

  const ptrdiff_t nr = cp.family == FAM_VOC ? NN_VOC_NR : NN_VPOS_MR;
  cp.panels = (p->ocg + nr - 1) / nr;
  cp.w_group = cp.panels * p->k * nr;
  cp.b_group = cp.panels * nr;
  if (cp.family == FAM_VOC) {
    cp.ntiles = (p->ohw + NN_VOC_MR - 1) / NN_VOC_MR;
    cp.chunk_tiles = nn_op_even_chunk (cp.ntiles, VOC_CHUNK_TILES);
    const ptrdiff_t chunks = (cp.ntiles + cp.chunk_tiles - 1) / cp.chunk_tiles;
    cp.pgroups = nn_voc_groups (cp.panels, chunks);
    cp.items = chunks * cp.pgroups;
    /* Sweep the larger of weights and input the fewest times: panel by
     * panel when the weights are larger (each panel's weights then stay
     * in L2 across all positions), chunk by chunk otherwise. */
    cp.panel_major = (double)p->ocg * (double)p->k > (double)p->cg * plane_p;
  } else {
    if (cp.flat) {
      /* a staged subsample has slack for the last tile's loads: no tail */
      cp.tail_start = cp.sub ? p->ohw : p->ohw / NN_VPOS_NR * NN_VPOS_NR;
      cp.chunk = cp.tail_start / VPOS_MIN_ITEMS / NN_VPOS_NR * NN_VPOS_NR;
      cp.chunk = cp.chunk < VPOS_FLAT_MIN     ? VPOS_FLAT_MIN
                 : cp.chunk > VPOS_FLAT_CHUNK ? VPOS_FLAT_CHUNK
                                              : cp.chunk;
      cp.spans = (cp.tail_start + cp.chunk - 1) / cp.chunk
                 + (cp.tail_start < p->ohw);
    } else if (cp.pflat) {
      cp.pflat_n = (g->oh - 1) * cp.wp + g->ow;
      cp.chunk = cp.pflat_n / VPOS_MIN_ITEMS / 32 * 32;
      cp.chunk = cp.chunk < 32            ? 32
                 : cp.chunk > PFLAT_CHUNK ? PFLAT_CHUNK
                                          : cp.chunk;
      cp.spans = (cp.pflat_n + cp.chunk - 1) / cp.chunk;
    } else
      cp.spans = g->oh;
    /* Panel groups sweep the input once per group, rows the weights once
     * per row: split the panels only when the weights are the larger. */
    cp.pgroups = 1;
    if ((double)p->ocg * k > (double)p->cg * plane_p) {
      cp.pgroups = (VPOS_MIN_ITEMS + cp.spans - 1) / cp.spans;
      if (cp.pgroups > cp.panels)
        cp.pgroups = cp.panels;
    }
    cp.items = cp.spans * cp.pgroups;
  }
  /* Threads take ranges of items: positions of every output channel, but
   * for groups, panel groups or panel-major vec_oc (ops/binary.c reads
   * this). */
  node->out[0]->by_positions
      = p->group == 1
        && (cp.family == FAM_VPOS ? cp.pgroups == 1 : !cp.panel_major);

  /* One allocation: header, tables, packed weights, bias. All sizes are
   * bounded by the weight count times a small factor, which plan() has
   * already bounded by the tensor cap. Weights and bias that are not
   * constants get their room in the workspace instead. */
  const bool wconst = w->kind == NN_VAL_CONST;
  cp.bias_run = b && b->kind != NN_VAL_CONST;
  size_t off_koff = align64 (sizeof cp);
  size_t off_tail = off_koff + align64 (sizeof (ptrdiff_t) * (size_t)p->k);
  size_t off_w
      = off_tail + (cp.flat ? align64 (sizeof (ptrdiff_t) * (size_t)p->k) : 0);
  size_t wfloats = wconst ? (size_t)cp.w_group * (size_t)p->group : 0;
  size_t off_b = off_w + align64 (sizeof (float) * wfloats);
  size_t total = off_b
                 + (b && !cp.bias_run ? align64 (
                        sizeof (float) * (size_t)cp.b_group * (size_t)p->group)
                                      : 0);
  /* Grouped layers (RegNet, ResNeXt) have few items per group: with
   * constant weights one pool run takes every group's items, each group
   * staged into its own part of the workspace. */
  cp.merged = wconst && !cp.bias_run ? p->group : 1;
  cp.off_w = ((size_t)cp.stage_floats * (size_t)cp.merged + 15) / 16 * 16;
  cp.off_b = cp.off_w + (wconst ? 0 : ((size_t)cp.w_group + 15) / 16 * 16);
  size_t ws = cp.off_b + (cp.bias_run ? (size_t)cp.b_group : 0);
  nn_status s = nn_op_workspace (node, ws, err);
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
  cp.koff = (ptrdiff_t *)(mem + off_koff);
  cp.koff_tail = cp.flat ? (ptrdiff_t *)(mem + off_tail) : NULL;
  cp.w = wconst ? (float *)(mem + off_w) : NULL;
  cp.bias = b && !cp.bias_run ? (float *)(mem + off_b) : NULL;

  for (ptrdiff_t q = 0; q < p->k; q++) {
    ptrdiff_t c = q / (g->kh * g->kw), ky = q / g->kw % g->kh, kx = q % g->kw;
    ptrdiff_t col = kx * g->dw;
    if (cp.split)
      col = (col & 1) * cp.half + (col >> 1);
    cp.koff[q] = c * cp.plane + ky * g->dh * cp.wp + col;
    if (cp.flat)
      cp.koff_tail[q] = c * NN_VPOS_NR;
  }
  for (ptrdiff_t grp = 0; grp < p->group; grp++) {
    if (wconst) {
      const float *wg = w->fconst + grp * p->ocg * p->k;
      if (cp.family == FAM_VOC)
        nn_pack_voc (wg, p->k, p->ocg, p->k, 1.f, cp.w + grp * cp.w_group);
      else
        nn_pack_vpos (wg, p->k, p->ocg, p->k, cp.w + grp * cp.w_group);
    }
    if (cp.bias)
      memcpy (cp.bias + grp * cp.b_group, b->fconst + grp * p->ocg,
              sizeof (float) * (size_t)p->ocg);
  }
  memcpy (mem, &cp, sizeof cp);
  return NN_OK;
}

/* One pool run: groups g0 .. g0 + ng - 1 of one image. */
typedef struct packed_job {
  const nn_node *node;
  const conv_packed *cp;
  const float *x;        /* input of group g0 of this image */
  float *y;              /* output of group g0 of this image */
  float *ws;             /* workspace: a staged input per group */
  const float *w, *bias; /* packed weights and bias of group g0 */
  ptrdiff_t ng;
  const float *r; /* fused residual of group g0 of this image, or NULL */
} packed_job;

/* Group gi's fused residual (laid out as its output), or NULL. */
static const float *
group_residual (const packed_job *j, ptrdiff_t gi)
{
  return j->r ? j->r + gi * j->cp->base.ocg * j->cp->base.ohw : NULL;
}

/* Group gi's part of the workspace: its staged input, or with flat
 * vec_pos the zero-padded copy of its tail. */
static float *
group_ws (const packed_job *j, ptrdiff_t gi)
{
  return j->ws + gi * j->cp->stage_floats;
}

/* What the kernels read for group gi of the run: the input itself or its
 * staged copy. */
static const float *
job_input (const packed_job *j, ptrdiff_t gi)
{
  const conv_packed *cp = j->cp;
  if (cp->stage)
    return group_ws (j, gi);
  return j->x + gi * cp->base.cg * cp->base.g.ih * cp->base.g.iw;
}

// x (H,W) -> dst (Hp,Wp): padded rows [r0, r1) of one channel, zero
// padded (split by column parity for stride 2)
static void
stage_plane_rows (const conv_packed *cp, float *dst, const float *src,
                  ptrdiff_t r0, ptrdiff_t r1)
{
  const nn_win2d *g = &cp->base.g;
  for (ptrdiff_t r = r0; r < r1; r++) {
    float *row = dst + r * cp->wp;
    const ptrdiff_t y = r - g->pt;
    if (y < 0 || y >= g->ih) {
      memset (row, 0, sizeof (float) * (size_t)cp->wp);
      continue;
    }
    if (cp->split) {
      nn_stage_split_row (row, src + y * g->iw, g->iw, g->pl, cp->half);
      continue;
    }
    for (ptrdiff_t x = 0; x < g->pl; x++)
      row[x] = 0.f;
    memcpy (row + g->pl, src + y * g->iw, sizeof (float) * (size_t)g->iw);
    for (ptrdiff_t x = g->pl + g->iw; x < cp->wp; x++)
      row[x] = 0.f;
  }
}

/* Zeroes the slack after group gi's staged planes. */
static void
stage_slack (const packed_job *j, ptrdiff_t gi)
{
  const conv_packed *cp = j->cp;
  const ptrdiff_t used = cp->base.cg * cp->plane;
  memset (group_ws (j, gi) + used, 0,
          sizeof (float) * (size_t)(cp->stage_floats - used));
}

// x (Cg,H,W) -> ws (Cg,Hp,Wp) zero padded, per group: a range of channels
static void
stage_task (void *arg, int t, int nt)
{
  const packed_job *j = arg;
  const conv_packed *cp = j->cp;
  const nn_win2d *g = &cp->base.g;
  const ptrdiff_t cg = cp->base.cg;
  size_t b, e;
  nn_op_split_range ((size_t)(cg * j->ng), t, nt, &b, &e);
  for (size_t ci = b; ci < e; ci++) {
    const ptrdiff_t gi = (ptrdiff_t)ci / cg, c = (ptrdiff_t)ci % cg;
    float *dst = group_ws (j, gi) + c * cp->plane;
    const float *src = j->x + (ptrdiff_t)ci * g->ih * g->iw;
    if (cp->sub) {
      for (ptrdiff_t y = 0; y < g->oh; y++)
        nn_stage_sub_row (dst + y * g->ow, src + y * g->sh * g->iw, g->ow,
                          g->sw);
    } else
      stage_plane_rows (cp, dst, src, 0, cp->hp);
    if (c == cg - 1)
      stage_slack (j, gi);
  }
}

/* Staged rows that vec_pos task t of nt starts on, when the job's tasks
 * are one range of spans per thread (row_stage in nn_conv_packed_run):
 * the rows from its first span's to the next task's first span's. */
static void
stage_rows_of_task (const conv_packed *cp, int t, int nt, ptrdiff_t *r0,
                    ptrdiff_t *r1)
{
  size_t b, e;
  nn_op_split_range ((size_t)cp->spans, t, nt, &b, &e);
  if (cp->pflat) {
    *r0 = (ptrdiff_t)b * cp->chunk / cp->wp;
    *r1 = (ptrdiff_t)e * cp->chunk / cp->wp;
  } else {
    *r0 = (ptrdiff_t)b * cp->base.g.sh;
    *r1 = (ptrdiff_t)e * cp->base.g.sh;
  }
  if (t == nt - 1 || *r1 > cp->hp)
    *r1 = cp->hp;
}

/* The same staging by rows: each thread writes the rows it then reads
 * (all but a kernel's height of halo rows), rather than lines the other
 * core holds. */
// x (Cg,H,W) -> ws (Cg,Hp,Wp) zero padded, one group: a range of rows
static void
stage_rows_task (void *arg, int t, int nt)
{
  const packed_job *j = arg;
  const conv_packed *cp = j->cp;
  const nn_win2d *g = &cp->base.g;
  ptrdiff_t r0, r1;
  stage_rows_of_task (cp, t, nt, &r0, &r1);
  for (ptrdiff_t c = 0; c < cp->base.cg; c++)
    stage_plane_rows (cp, group_ws (j, 0) + c * cp->plane,
                      j->x + c * g->ih * g->iw, r0, r1);
  if (t == nt - 1)
    stage_slack (j, 0);
}

// xs (Cg, Hp, Wp), y (OCg, OH*OW) per group: a range of (group, chunk,
// panel group) items
static void
voc_task (void *arg, int t, int nt)
{
  const packed_job *j = arg;
  const conv_packed *cp = j->cp;
  const conv_params *p = &cp->base;
  nn_voc_args a = { .koff = cp->koff,
                    .k = p->k,
                    .ocg = p->ocg,
                    .npos = p->ohw,
                    .pw = p->g.ow,
                    .row_step = p->g.sh * cp->wp,
                    .col_step = p->g.sw,
                    .ys_oc = p->ohw,
                    .ys_p = 1,
                    .act = &j->node->act };
  size_t b, e;
  nn_op_split_range ((size_t)(cp->items * j->ng), t, nt, &b, &e);
  const ptrdiff_t chunks = cp->items / cp->pgroups;
  for (size_t item = b; item < e; item++) {
    const ptrdiff_t gi = (ptrdiff_t)item / cp->items;
    const ptrdiff_t it = (ptrdiff_t)item % cp->items;
    a.x = job_input (j, gi);
    a.w = j->w + gi * cp->w_group;
    a.bias = j->bias ? j->bias + gi * cp->b_group : NULL;
    a.y = j->y + gi * p->ocg * p->ohw;
    a.res = group_residual (j, gi);
    ptrdiff_t chunk = it / cp->pgroups;
    ptrdiff_t pg = it % cp->pgroups;
    if (cp->panel_major) {
      pg = it / chunks;
      chunk = it % chunks;
    }
    ptrdiff_t t0 = chunk * cp->chunk_tiles, t1 = t0 + cp->chunk_tiles;
    nn_voc_group_tiles (&a, cp->panels, cp->pgroups, pg, t0,
                        t1 < cp->ntiles ? t1 : cp->ntiles);
  }
}

/* Padded-flat positions [i0, i0 + n) of panels [p0, p1): a pair of panels
 * at a time into a stack tile, whose rows' valid columns are then copied
 * to y. */
// xs (Cg, Hp, Wp) staged, y (OCg, OH*OW)
static void
pflat_span (const conv_packed *cp, const nn_vpos_args *a, const float *xs,
            ptrdiff_t i0, ptrdiff_t n, ptrdiff_t p0, ptrdiff_t p1)
{
  const conv_params *p = &cp->base;
  float tile[2 * NN_VPOS_MR * PFLAT_CHUNK] __attribute__ ((aligned (64)));
  for (ptrdiff_t j = p0; j < p1; j += 2) {
    nn_vpos_args t = *a;
    t.w = a->w + j * p->k * NN_VPOS_MR;
    t.bias = a->bias ? a->bias + j * NN_VPOS_MR : NULL;
    t.ocg = p->ocg - j * NN_VPOS_MR;
    t.y = tile;
    t.ldy = PFLAT_CHUNK;
    const ptrdiff_t pairs = p1 - j < 2 ? p1 - j : 2;
    nn_vpos_rows (&t, 0, pairs, xs + i0, cp->koff, 0, n);
    const ptrdiff_t rows
        = t.ocg < pairs * NN_VPOS_MR ? t.ocg : pairs * NN_VPOS_MR;
    /* row segments: padded position q = y * Wp + x, valid for x < OW */
    for (ptrdiff_t q = i0; q < i0 + n;) {
      const ptrdiff_t oy = q / cp->wp, ox = q % cp->wp;
      ptrdiff_t len = ox < p->g.ow ? p->g.ow - ox : 0;
      if (len > i0 + n - q)
        len = i0 + n - q;
      for (ptrdiff_t r = 0; r < rows && len > 0; r++)
        memcpy (a->y + (j * NN_VPOS_MR + r) * p->ohw + oy * p->g.ow + ox,
                tile + r * PFLAT_CHUNK + (q - i0),
                sizeof (float) * (size_t)len);
      q += cp->wp - ox;
    }
  }
}

// xs (Cg, Hp, Wp), y (OCg, OH*OW): a range of (panel group, row or flat
// chunk) items; a thread's range then holds whole panel groups, whose
// weights stay in cache across its rows.
static void
vpos_task (void *arg, int t, int nt)
{
  const packed_job *j = arg;
  const conv_packed *cp = j->cp;
  const conv_params *p = &cp->base;
  nn_vpos_args a
      = { .k = p->k, .ocg = p->ocg, .ldy = p->ohw, .act = &j->node->act };
  size_t b, e;
  nn_op_split_range ((size_t)(cp->items * j->ng), t, nt, &b, &e);
  for (size_t item = b; item < e; item++) {
    const ptrdiff_t gi = (ptrdiff_t)item / cp->items;
    const ptrdiff_t it = (ptrdiff_t)item % cp->items % cp->spans;
    const ptrdiff_t pg = (ptrdiff_t)item % cp->items / cp->spans;
    const float *xs = job_input (j, gi);
    a.w = j->w + gi * cp->w_group;
    a.bias = j->bias ? j->bias + gi * cp->b_group : NULL;
    a.y = j->y + gi * p->ocg * p->ohw;
    a.res = group_residual (j, gi);
    const float *x;
    const ptrdiff_t *koff = cp->koff;
    ptrdiff_t yoff, n;
    const ptrdiff_t p0 = pg * cp->panels / cp->pgroups;
    const ptrdiff_t p1 = (pg + 1) * cp->panels / cp->pgroups;
    if (cp->pflat) {
      const ptrdiff_t i0 = it * cp->chunk;
      pflat_span (cp, &a, xs, i0,
                  cp->pflat_n - i0 < cp->chunk ? cp->pflat_n - i0 : cp->chunk,
                  p0, p1);
      continue;
    }
    if (!cp->flat) {
      x = xs + it * p->g.sh * cp->wp;
      yoff = it * p->g.ow;
      n = p->g.ow;
    } else if (it * cp->chunk < cp->tail_start) {
      yoff = it * cp->chunk;
      x = xs + yoff;
      n = cp->tail_start - yoff < cp->chunk ? cp->tail_start - yoff : cp->chunk;
    } else {
      /* The last partial tile reads a zero-padded copy so that its vector
       * loads stay inside the buffer. */
      yoff = cp->tail_start;
      x = group_ws (j, gi);
      koff = cp->koff_tail;
      n = p->ohw - cp->tail_start;
    }
    nn_vpos_rows (&a, p0, p1, x, koff, yoff, n);
  }
}

bool
nn_conv_packed_takes_residual (const conv_params *p)
{
  return !((const conv_packed *)p)->pflat;
}

void
nn_conv_packed_run (const nn_node *node, const conv_params *base,
                    const nn_run_ctx *ctx)
{
  const conv_packed *cp = (const conv_packed *)base;
  const conv_params *p = base;
  const float *x = nn_value_data (node->in[0], ctx);
  float *y = nn_value_data (node->out[0], ctx);
  const float *r = node->residual ? nn_value_data (node->residual, ctx) : NULL;
  const ptrdiff_t ng = cp->merged;
  const double flops
      = 2.0 * (double)p->ocg * (double)p->ohw * (double)p->k * (double)ng;
  const int tasks
      = nn_op_task_count_fine (ctx->pool, flops, (size_t)(cp->items * ng));
  const size_t in_plane = (size_t)(p->g.ih * p->g.iw);
  /* vec_pos over rows or padded-flat chunks, one range of them per
   * thread: each thread stages the rows it reads. */
  const bool row_stage = cp->family == FAM_VPOS && cp->stage && !cp->flat
                         && cp->pgroups == 1 && ng == 1 && tasks > 1
                         && tasks <= nn_pool_threads (ctx->pool);

  const nn_value *bv = nn_op_input (node, 2);
  for (ptrdiff_t grp = 0; grp < p->group; grp += ng) {
    const float *wg, *bg = NULL;
    if (cp->w)
      wg = cp->w + grp * cp->w_group;
    else {
      /* Weights that are not constants: pack this group's now. */
      float *dst = ctx->workspace + cp->off_w;
      const float *src = nn_value_data (node->in[1], ctx) + grp * p->ocg * p->k;
      if (cp->family == FAM_VOC)
        nn_pack_voc (src, p->k, p->ocg, p->k, 1.f, dst);
      else
        nn_pack_vpos (src, p->k, p->ocg, p->k, dst);
      wg = dst;
    }
    if (cp->bias)
      bg = cp->bias + grp * cp->b_group;
    else if (cp->bias_run) {
      float *dst = ctx->workspace + cp->off_b;
      memset (dst, 0, sizeof (float) * (size_t)cp->b_group);
      memcpy (dst, nn_value_data (bv, ctx) + grp * p->ocg,
              sizeof (float) * (size_t)p->ocg);
      bg = dst;
    }
    for (ptrdiff_t img = 0; img < p->n; img++) {
      packed_job j = { node,
                       cp,
                       x + (img * p->c + grp * p->cg) * p->g.ih * p->g.iw,
                       y + (img * p->oc + grp * p->ocg) * p->ohw,
                       ctx->workspace,
                       wg,
                       bg,
                       ng,
                       r ? r + (img * p->oc + grp * p->ocg) * p->ohw : NULL };
      if (row_stage)
        nn_pool_run (ctx->pool, stage_rows_task, &j, tasks);
      else if (cp->stage)
        nn_pool_run (ctx->pool, stage_task, &j,
                     nn_op_task_count (ctx->pool,
                                       (double)(p->cg * ng * cp->plane),
                                       (size_t)(p->cg * ng)));
      else if (cp->flat && cp->tail_start < p->ohw) {
        ptrdiff_t n = p->ohw - cp->tail_start;
        for (ptrdiff_t gi = 0; gi < ng; gi++) {
          float *tail = group_ws (&j, gi);
          const float *src = job_input (&j, gi);
          for (ptrdiff_t c = 0; c < p->cg; c++) {
            float *dst = tail + c * NN_VPOS_NR;
            memcpy (dst, src + (size_t)c * in_plane + cp->tail_start,
                    sizeof (float) * (size_t)n);
            memset (dst + n, 0, sizeof (float) * (size_t)(NN_VPOS_NR - n));
          }
          memset (tail + p->cg * NN_VPOS_NR, 0, sizeof (float) * VPOS_SLACK);
        }
      }
      nn_pool_run (ctx->pool, cp->family == FAM_VOC ? voc_task : vpos_task, &j,
                   tasks);
    }
  }
}

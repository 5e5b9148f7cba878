/* Packed-weight direct kernels for Conv, Gemm and MatMul (AVX2 + FMA).
 *
 * Both kernels compute out[oc][p] = bias[oc] + sum_k W[oc][k] * x[at(p, k)]
 * where the input address splits as at(p, k) = pos(p) + koff[k]: koff is a
 * per-node table (channel, kernel row, kernel column) and pos(p) the start
 * of output position p. No im2col buffer is built.
 *
 *   "oc-vector" (vec_oc): tiles of 6 positions x 16 output channels; the
 *   weights are packed as [panel of 16 oc][k][16], the input is read one
 *   broadcast float at a time, so any stride, dilation and position order
 *   works. Best when there are few positions or K is large.
 *
 *   "position-vector" (vec_pos): tiles of 6 output channels x 16 positions
 *   that are consecutive in the input (stride 1 along the row); weights
 *   packed as [panel of 6 oc][k][6]. Best for wide rows and small K. The
 *   input is read as whole vectors, up to 15 floats past the last position,
 *   so callers provide that much readable slack.
 *
 * Each has an AVX2 + FMA version and a portable one (same tiles, same
 * order of additions over k), chosen at run time; on CPUs with AVX-512
 * both take twice as wide a tile (packed512.c), with the same results to
 * the bit. */
#ifndef NN_KERNELS_PACKED_H
#define NN_KERNELS_PACKED_H

#include "graph.h"

#include <stdbool.h>
#include <stddef.h>

#define NN_VOC_MR 6   /* positions per vec_oc tile */
#define NN_VOC_NR 16  /* output channels per vec_oc panel */
#define NN_VPOS_MR 6  /* output channels per vec_pos panel */
#define NN_VPOS_NR 16 /* positions per vec_pos tile */

/* True when the AVX2 + FMA kernels run (this CPU has them and the tests
 * did not set nn_kernels_generic). Winograd exists only in that form. */
bool nn_kernels_avx2 (void);
extern int nn_kernels_generic;
/* True when the AVX-512 forms run: nn_kernels_avx2 (), this CPU has
 * AVX-512 F, DQ and VL, and the tests did not set nn_kernels_no_avx512. */
bool nn_kernels_avx512 (void);
extern int nn_kernels_no_avx512;

/* Packs the weights of one group, w (OCg, K) row-major with row stride ldw,
 * scaled by alpha. out holds ceil(OCg/16) * K * 16 floats (vec_oc) or
 * ceil(OCg/6) * K * 6 floats (vec_pos); channels past OCg are zero. */
void nn_pack_voc (const float *w, ptrdiff_t ldw, ptrdiff_t ocg, ptrdiff_t k,
                  float alpha, float *out);
/* One input row staged for stride-2 vec_pos: padded column q (pl zeros,
 * the iw floats of src, zeros) goes to dst[(q & 1) * half + q / 2], for
 * the 2 * half columns. */
void nn_stage_split_row (float *dst, const float *src, ptrdiff_t iw,
                         ptrdiff_t pl, ptrdiff_t half);
/* Every stride-th float of src, n of them, to dst (a strided 1x1
 * convolution's subsample, row by row). */
void nn_stage_sub_row (float *dst, const float *src, ptrdiff_t n,
                       ptrdiff_t stride);
void nn_pack_vpos (const float *w, ptrdiff_t ldw, ptrdiff_t ocg, ptrdiff_t k,
                   float *out);
/* As nn_pack_voc, for a weight stored transposed: w (K, OCg), row stride
 * ldw (a Gemm B without transB). */
void nn_pack_voc_t (const float *w, ptrdiff_t ldw, ptrdiff_t ocg, ptrdiff_t k,
                    float alpha, float *out);

typedef struct nn_voc_args {
  const float *x;        /* input base */
  const ptrdiff_t *koff; /* K offsets */
  ptrdiff_t k;
  const float *w;    /* packed panels */
  const float *bias; /* ceil(OCg/16)*16 values, or NULL */
  float *y;
  ptrdiff_t ocg, npos;
  /* pos(p) = (p / pw) * row_step + (p % pw) * col_step */
  ptrdiff_t pw, row_step, col_step;
  /* out[oc][p] lives at y[oc * ys_oc + p * ys_p]; ys_oc == 1 stores rows
   * of 16 channels with vector stores (Gemm), otherwise scattered (Conv) */
  ptrdiff_t ys_oc, ys_p;
  const nn_act *act;
  /* Added to the output before act (a fused residual), laid out as y;
   * NULL: nothing */
  const float *res;
} nn_voc_args;

/* Output channel panels [j0, j1) (16 channels each), position tiles
 * [t0, t1) of 6. With AVX-512, 2 to 4 panels run together. */
// x (any, via pos and koff), w [panels][K][16], y (OCg, npos) strided
void nn_voc_tiles (const nn_voc_args *a, ptrdiff_t j0, ptrdiff_t j1,
                   ptrdiff_t t0, ptrdiff_t t1);
/* Groups of panels for vec_oc work items, given the position chunks: with
 * AVX-512, as few as keep groups of at most 4 panels and at least
 * NN_VOC_MIN_ITEMS items where the panels allow; else one panel a group.
 * Group g holds panels [g * panels / groups, (g + 1) * panels / groups). */
ptrdiff_t nn_voc_groups (ptrdiff_t panels, ptrdiff_t chunks);
#define NN_VOC_MIN_ITEMS 4
/* nn_voc_tiles on group g of the panels cut into groups (nn_voc_groups). */
static inline void
nn_voc_group_tiles (const nn_voc_args *a, ptrdiff_t panels, ptrdiff_t groups,
                    ptrdiff_t g, ptrdiff_t t0, ptrdiff_t t1)
{
  nn_voc_tiles (a, g * panels / groups, (g + 1) * panels / groups, t0, t1);
}
/* Relative cost of npos positions times ocg channels over k on the
 * AVX-512 vec_oc kernels, in nn_conv_packed_costs' units: per k, per tile
 * of 6 positions and panel of 16 channels, 3.8 when 3 or 4 panels run
 * together (3.4 from K = 512 on), 4.2 for 2 and 5 for one (two tiles at
 * once), measured with
 * bench/ops_bench; store: per tile and panel. A last partial tile counts
 * for its share of rows. */
double nn_voc_cost512 (ptrdiff_t npos, ptrdiff_t ocg, double k, double store);

typedef struct nn_vpos_args {
  const float *w;    /* packed panels */
  const float *bias; /* ceil(OCg/6)*6 values, or NULL */
  ptrdiff_t k, ocg;
  float *y; /* out[oc][p] at y[oc * ldy + p] */
  ptrdiff_t ldy;
  const nn_act *act;
  const float *res; /* added before act, laid out as y; NULL: nothing */
} nn_vpos_args;

/* Output channel panel j (6 channels), n consecutive positions whose input
 * starts at x (x + koff[k] + i for position i) and output at y + yoff. */
// x (n positions + 15 slack), w [panels][K][6], y (OCg, ldy)
void nn_vpos_row (const nn_vpos_args *a, ptrdiff_t j, const float *x,
                  const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n);
/* Panels [j0, j1), as nn_vpos_row for each (two at a time with
 * AVX-512, the same bits). */
void nn_vpos_rows (const nn_vpos_args *a, ptrdiff_t j0, ptrdiff_t j1,
                   const float *x, const ptrdiff_t *koff, ptrdiff_t yoff,
                   ptrdiff_t n);

/* ---- AVX-512 forms (packed512.c), called by the dispatch above -------- */

bool nn_kernels_have_avx512 (void);
/* vec_oc rows: mr in 2..12, one tile of up to 6 positions or two (ro and
 * tile run on from the first into the second); tile (mr, 16) 64-byte
 * aligned, as the AVX2 kernel's. */
void nn_voc_rows_avx512 (int mr, ptrdiff_t kc, const float *x,
                         const ptrdiff_t *ro, const ptrdiff_t *koff,
                         const float *w, const float *bias, bool cont,
                         float *tile);
/* vec_oc, one tile of mr rows (2..6) for np panels (2..4) at once:
 * panel p's weights at w + p * wstep, its bias at bias + 16 p, its tile
 * (mr, 16) at tile + p * tstep, 64-byte aligned. */
void nn_voc_wide_avx512 (int mr, int np, ptrdiff_t kc, const float *x,
                         const ptrdiff_t *ro, const ptrdiff_t *koff,
                         const float *w, ptrdiff_t wstep, const float *bias,
                         bool cont, float *tile, ptrdiff_t tstep);
/* As nn_voc_wide_avx512 for a tile of one row, which adds over k as the
 * AVX2 one-row kernel does (four chains), np in 2..4. */
void nn_voc_row_wide_avx512 (int np, ptrdiff_t kc, const float *x,
                             const ptrdiff_t *ro, const ptrdiff_t *koff,
                             const float *w, ptrdiff_t wstep, const float *bias,
                             bool cont, float *tile, ptrdiff_t tstep);
/* vec_pos panels j to j + panels - 1 (1, or 2 as one tile of up to 12
 * rows), which must exist. */
void nn_vpos_panels_avx512 (const nn_vpos_args *a, ptrdiff_t j, int panels,
                            const float *x, const ptrdiff_t *koff,
                            ptrdiff_t yoff, ptrdiff_t n);

#endif /* NN_KERNELS_PACKED_H */

/* AVX-512 forms of the packed kernels (see packed.h), for CPUs that have
 * AVX-512 F, DQ and VL. They read the same packed weights as the AVX2
 * kernels and every output element takes the same FMAs in the same order,
 * so results are the same bits whichever form runs; only the tile is
 * twice as wide:
 *
 *   vec_pos: MR output channels x 32 positions (two 16-lane vectors per
 *   channel), where AVX2 takes 16;
 *   vec_oc: two 6-position tiles at once, 12 rows of 16 channels (one
 *   16-lane vector per row), where AVX2 takes one tile in 12 8-lane
 *   halves. A lone tile (the last of a chunk) runs its 2 to 6 rows alone;
 *   one row keeps the AVX2 kernel, which adds over k in four chains.
 *   Work items of 2 to 4 panels take the wide form instead: one tile for
 *   all their panels at once, so that each input broadcast feeds up to 4
 *   FMAs. */
#include "act.h"
#include "packed.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "target.h"

#define TGT512 NN_TGT_AVX512
#define INL512 NN_INL_AVX512

bool
nn_kernels_have_avx512 (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f")
         && __builtin_cpu_supports ("avx512dq")
         && __builtin_cpu_supports ("avx512vl");
}

/* The first n lanes (none for n <= 0, all 16 from 16 on). */
INL512 __mmask16
lanes (int n)
{
  if (n <= 0)
    return 0;
  return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* ---- vec_oc: up to 12 rows ------------------------------------------- */

#define V12_LOAD(r)                                                            \
  do {                                                                         \
    if (cont && MR > r)                                                        \
      c##r = _mm512_load_ps (tile + r * 16);                                   \
  } while (0)
#define V12_ROW(r) const float *x##r = x + ro[MR > r ? r : 0]
#define V12_FMA(r)                                                             \
  do {                                                                         \
    if (MR > r)                                                                \
      c##r = _mm512_fmadd_ps (_mm512_set1_ps (x##r[o]), wv, c##r);             \
  } while (0)
#define V12_STORE(r)                                                           \
  do {                                                                         \
    if (MR > r)                                                                \
      _mm512_store_ps (tile + r * 16, c##r);                                   \
  } while (0)

/* tile (MR, 16) = (cont ? tile : bias) + sum_k x_r[koff[k]] * w[k][16],
 * MR in 2..12: one tile of 6 positions or fewer, or two. */
// x rows at x + ro[r], w (K, 16), tile (MR, 16)
INL512 void
voc12_kernel (const int MR, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
              const ptrdiff_t *koff, const float *w, const float *bias,
              bool cont, float *tile)
{
  const __m512 b = bias ? _mm512_loadu_ps (bias) : _mm512_setzero_ps ();
  __m512 c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b;
  __m512 c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
  V12_LOAD (0);
  V12_LOAD (1);
  V12_LOAD (2);
  V12_LOAD (3);
  V12_LOAD (4);
  V12_LOAD (5);
  V12_LOAD (6);
  V12_LOAD (7);
  V12_LOAD (8);
  V12_LOAD (9);
  V12_LOAD (10);
  V12_LOAD (11);
  V12_ROW (0);
  V12_ROW (1);
  V12_ROW (2);
  V12_ROW (3);
  V12_ROW (4);
  V12_ROW (5);
  V12_ROW (6);
  V12_ROW (7);
  V12_ROW (8);
  V12_ROW (9);
  V12_ROW (10);
  V12_ROW (11);

  for (ptrdiff_t q = 0; q < kc; q++, w += 16) {
    const ptrdiff_t o = koff[q];
    const __m512 wv = _mm512_loadu_ps (w);
    V12_FMA (0);
    V12_FMA (1);
    V12_FMA (2);
    V12_FMA (3);
    V12_FMA (4);
    V12_FMA (5);
    V12_FMA (6);
    V12_FMA (7);
    V12_FMA (8);
    V12_FMA (9);
    V12_FMA (10);
    V12_FMA (11);
  }
  V12_STORE (0);
  V12_STORE (1);
  V12_STORE (2);
  V12_STORE (3);
  V12_STORE (4);
  V12_STORE (5);
  V12_STORE (6);
  V12_STORE (7);
  V12_STORE (8);
  V12_STORE (9);
  V12_STORE (10);
  V12_STORE (11);
}

#define V12_CASE(n)                                                            \
  case n:                                                                      \
    voc12_kernel (n, kc, x, ro, koff, w, bias, cont, tile);                    \
    break;

// x rows at x + ro[r], w (K, 16), tile (mr, 16) 64-byte aligned
TGT512 void
nn_voc_rows_avx512 (int mr, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
                    const ptrdiff_t *koff, const float *w, const float *bias,
                    bool cont, float *tile)
{
  switch (mr) {
    V12_CASE (12)
    V12_CASE (11)
    V12_CASE (10)
    V12_CASE (9)
    V12_CASE (8)
    V12_CASE (7)
    V12_CASE (6)
    V12_CASE (5)
    V12_CASE (4)
    V12_CASE (3)
    V12_CASE (2)
  default:
    break;
  }
}

/* ---- vec_oc: one tile, up to 4 panels --------------------------------- */

/* tiles p = 0 .. NP - 1 at tile + p * tstep, each (MR, 16),
 * = (cont ? tile : bias + 16 p) + sum_k x_r[koff[k]] * w_p[k][16] with
 * w_p = w + p * wstep: MR in 2..6, NP in 2..4. Each input broadcast feeds
 * NP FMAs (24 accumulators at 6 x 4), so a k takes 6 + NP loads where
 * the 12-row kernel takes 13 for 12 FMAs; each element still takes its
 * FMAs in the order of k from the bias, as in the other forms. */
// x rows at x + ro[r], w (NP panels of (K, 16), wstep apart), tile (NP, MR, 16)
INL512 void
vocw_kernel (const int MR, const int NP, ptrdiff_t kc, const float *x,
             const ptrdiff_t *ro, const ptrdiff_t *koff, const float *w,
             ptrdiff_t wstep, const float *bias, bool cont, float *tile,
             ptrdiff_t tstep)
{
  __m512 c[6][4];
  const float *xr[6];
  const float *wp[4];
#pragma GCC unroll 4
  for (int p = 0; p < NP; p++) {
    const __m512 b
        = bias ? _mm512_loadu_ps (bias + 16 * p) : _mm512_setzero_ps ();
    wp[p] = w + p * wstep;
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++)
      c[r][p] = cont ? _mm512_load_ps (tile + p * tstep + r * 16) : b;
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++)
    xr[r] = x + ro[r];

  for (ptrdiff_t q = 0; q < kc; q++) {
    const ptrdiff_t o = koff[q];
    __m512 wv[4];
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++)
      wv[p] = _mm512_loadu_ps (wp[p] + q * 16);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      const __m512 xv = _mm512_set1_ps (xr[r][o]);
#pragma GCC unroll 4
      for (int p = 0; p < NP; p++)
        c[r][p] = _mm512_fmadd_ps (xv, wv[p], c[r][p]);
    }
  }
#pragma GCC unroll 4
  for (int p = 0; p < NP; p++)
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++)
      _mm512_store_ps (tile + p * tstep + r * 16, c[r][p]);
}

#define VW_CASE(m, n)                                                          \
  case (m)*8 + (n):                                                            \
    vocw_kernel (m, n, kc, x, ro, koff, w, wstep, bias, cont, tile, tstep);    \
    break;

// x rows at x + ro[r], w (np panels of (K, 16), wstep apart), tile (np, mr, 16)
TGT512 void
nn_voc_wide_avx512 (int mr, int np, ptrdiff_t kc, const float *x,
                    const ptrdiff_t *ro, const ptrdiff_t *koff, const float *w,
                    ptrdiff_t wstep, const float *bias, bool cont, float *tile,
                    ptrdiff_t tstep)
{
  switch (mr * 8 + np) {
    VW_CASE (6, 4)
    VW_CASE (6, 3)
    VW_CASE (6, 2)
    VW_CASE (5, 4)
    VW_CASE (5, 3)
    VW_CASE (5, 2)
    VW_CASE (4, 4)
    VW_CASE (4, 3)
    VW_CASE (4, 2)
    VW_CASE (3, 4)
    VW_CASE (3, 3)
    VW_CASE (3, 2)
    VW_CASE (2, 4)
    VW_CASE (2, 3)
    VW_CASE (2, 2)
  default:
    break;
  }
}

/* One row (a Gemm with M = 1, or a last tile of one position) for NP
 * panels at once, NP in 2..4: the AVX2 kernel's four chains over k, whose
 * sums it adds in the same order, one vector per panel and chain. Here
 * the weights are all there is to read: NP streams of them at once keep
 * more loads in flight than one. */
// x row at x + ro[0], w (NP panels of (K, 16), wstep apart), tile (NP, 1, 16)
INL512 void
voc1w_kernel (const int NP, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
              const ptrdiff_t *koff, const float *w, ptrdiff_t wstep,
              const float *bias, bool cont, float *tile, ptrdiff_t tstep)
{
  __m512 c[4][4];
  const float *x0 = x + ro[0];
#pragma GCC unroll 4
  for (int p = 0; p < NP; p++) {
    c[p][0] = cont   ? _mm512_load_ps (tile + p * tstep)
              : bias ? _mm512_loadu_ps (bias + 16 * p)
                     : _mm512_setzero_ps ();
    c[p][1] = c[p][2] = c[p][3] = _mm512_setzero_ps ();
  }
  ptrdiff_t q = 0;
  for (; q + 4 <= kc; q += 4) {
#pragma GCC unroll 4
    for (int h = 0; h < 4; h++) {
      const __m512 a = _mm512_set1_ps (x0[koff[q + h]]);
#pragma GCC unroll 4
      for (int p = 0; p < NP; p++)
        c[p][h] = _mm512_fmadd_ps (
            a, _mm512_loadu_ps (w + p * wstep + (q + h) * 16), c[p][h]);
    }
  }
#pragma GCC unroll 4
  for (int p = 0; p < NP; p++)
    c[p][0] = _mm512_add_ps (_mm512_add_ps (c[p][0], c[p][1]),
                             _mm512_add_ps (c[p][2], c[p][3]));
  for (; q < kc; q++) {
    const __m512 a = _mm512_set1_ps (x0[koff[q]]);
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++)
      c[p][0] = _mm512_fmadd_ps (a, _mm512_loadu_ps (w + p * wstep + q * 16),
                                 c[p][0]);
  }
#pragma GCC unroll 4
  for (int p = 0; p < NP; p++)
    _mm512_store_ps (tile + p * tstep, c[p][0]);
}

// x row at x + ro[0], w (np panels of (K, 16), wstep apart), tile (np, 1, 16)
TGT512 void
nn_voc_row_wide_avx512 (int np, ptrdiff_t kc, const float *x,
                        const ptrdiff_t *ro, const ptrdiff_t *koff,
                        const float *w, ptrdiff_t wstep, const float *bias,
                        bool cont, float *tile, ptrdiff_t tstep)
{
  switch (np) {
  case 4:
    voc1w_kernel (4, kc, x, ro, koff, w, wstep, bias, cont, tile, tstep);
    break;
  case 3:
    voc1w_kernel (3, kc, x, ro, koff, w, wstep, bias, cont, tile, tstep);
    break;
  case 2:
    voc1w_kernel (2, kc, x, ro, koff, w, wstep, bias, cont, tile, tstep);
    break;
  default:
    break;
  }
}

/* ---- vec_pos: 32 positions -------------------------------------------- */

#define V32_INIT(r)                                                            \
  const __m512 b##r                                                            \
      = bias && MR > r ? _mm512_set1_ps (bias[r]) : _mm512_setzero_ps ();      \
  __m512 c##r##0 = b##r, c##r##1 = b##r;
#define V32_FMA_W(r, wr)                                                       \
  if (MR > r) {                                                                \
    const __m512 a = _mm512_set1_ps (wr);                                      \
    c##r##0 = _mm512_fmadd_ps (a, x0, c##r##0);                                \
    if (TWO)                                                                   \
      c##r##1 = _mm512_fmadd_ps (a, x1, c##r##1);                              \
  }
#define V32_STORE(r)                                                           \
  if (MR > r) {                                                                \
    float *d = y + r * ldy;                                                    \
    if (res) {                                                                 \
      c##r##0 = _mm512_add_ps (c##r##0,                                        \
                               _mm512_maskz_loadu_ps (m0, res + r * ldy));     \
      if (TWO)                                                                 \
        c##r##1 = _mm512_add_ps (                                              \
            c##r##1, _mm512_maskz_loadu_ps (m1, res + r * ldy + 16));          \
    }                                                                          \
    _mm512_mask_storeu_ps (d, m0, nn_act512 (c##r##0, kind, lo, hi));          \
    if (TWO)                                                                   \
      _mm512_mask_storeu_ps (d + 16, m1, nn_act512 (c##r##1, kind, lo, hi));   \
  }

/* y (MR, n) = bias + sum_k w[k][MR] * x[koff[k] .. + n] (+ res, laid out
 * as y, when not NULL: each element read before the output element at the
 * same place is stored, so res may be y), n in 1..32 (TWO:
 * n > 16), MR in 1..12: rows 0-5 take panel w0, rows 6 to MR - 1 panel w1
 * (two panels at once: each pair of input vectors feeds 24 FMAs, not 12,
 * in 27 of the 32 registers). Each row takes the same FMAs in the same
 * order whatever MR. Loads are whole vectors: 15 floats of slack past
 * position n - 1 cover them, as for the AVX2 kernel. */
// x (n + 15 slack per k), w0 and w1 (K, 6), y (MR rows of ldy)
INL512 void
vpos32x2_kernel (const int MR, const bool TWO, ptrdiff_t kc, const float *x,
                 const ptrdiff_t *koff, const float *w0, const float *w1,
                 const float *bias, float *y, const float *res, ptrdiff_t ldy,
                 int n, int kind, __m512 lo, __m512 hi)
{
  V32_INIT (0);
  V32_INIT (1);
  V32_INIT (2);
  V32_INIT (3);
  V32_INIT (4);
  V32_INIT (5);
  V32_INIT (6);
  V32_INIT (7);
  V32_INIT (8);
  V32_INIT (9);
  V32_INIT (10);
  V32_INIT (11);
  for (ptrdiff_t q = 0; q < kc; q++, w0 += NN_VPOS_MR, w1 += NN_VPOS_MR) {
    const float *xp = x + koff[q];
    const __m512 x0 = _mm512_loadu_ps (xp);
    const __m512 x1 = TWO ? _mm512_loadu_ps (xp + 16) : x0;
    V32_FMA_W (0, w0[0]);
    V32_FMA_W (1, w0[1]);
    V32_FMA_W (2, w0[2]);
    V32_FMA_W (3, w0[3]);
    V32_FMA_W (4, w0[4]);
    V32_FMA_W (5, w0[5]);
    V32_FMA_W (6, w1[0]);
    V32_FMA_W (7, w1[1]);
    V32_FMA_W (8, w1[2]);
    V32_FMA_W (9, w1[3]);
    V32_FMA_W (10, w1[4]);
    V32_FMA_W (11, w1[5]);
  }
  const __mmask16 m0 = lanes (n), m1 = lanes (n - 16);
  V32_STORE (0);
  V32_STORE (1);
  V32_STORE (2);
  V32_STORE (3);
  V32_STORE (4);
  V32_STORE (5);
  V32_STORE (6);
  V32_STORE (7);
  V32_STORE (8);
  V32_STORE (9);
  V32_STORE (10);
  V32_STORE (11);
}

/* One panel: MR in 1..6 */
INL512 void
vpos32_call (const int MR, ptrdiff_t kc, const float *x, const ptrdiff_t *koff,
             const float *w, const float *bias, float *y, const float *res,
             ptrdiff_t ldy, int n, int kind, __m512 lo, __m512 hi)
{
  if (n > 16)
    vpos32x2_kernel (MR, true, kc, x, koff, w, w, bias, y, res, ldy, n, kind,
                     lo, hi);
  else
    vpos32x2_kernel (MR, false, kc, x, koff, w, w, bias, y, res, ldy, n, kind,
                     lo, hi);
}

#define V32X2_CASE(n)                                                          \
  case n:                                                                      \
    if (nv > 16)                                                               \
      vpos32x2_kernel (n, true, a->k, x + i, koff, w, w + a->k * NN_VPOS_MR,   \
                       bias, y + i, res ? res + i : NULL, a->ldy, nv, kind,    \
                       lo, hi);                                                \
    else                                                                       \
      vpos32x2_kernel (n, false, a->k, x + i, koff, w, w + a->k * NN_VPOS_MR,  \
                       bias, y + i, res ? res + i : NULL, a->ldy, nv, kind,    \
                       lo, hi);                                                \
    break;

#define V32_CASE(n)                                                            \
  case n:                                                                      \
    vpos32_call (n, a->k, x + i, koff, w, bias, y + i, res ? res + i : NULL,   \
                 a->ldy, nv, kind, lo, hi);                                    \
    break;

// x (n positions + 15 slack), w [panels][K][6], y (OCg, ldy): panels j to
// j + panels - 1 (1 or 2), which must exist
INL512 void
vpos_panels (const nn_vpos_args *a, ptrdiff_t j, int panels, const float *x,
             const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n, const bool RES)
{
  const float *w = a->w + j * a->k * NN_VPOS_MR;
  const float *bias = a->bias ? a->bias + j * NN_VPOS_MR : NULL;
  const ptrdiff_t oc0 = j * NN_VPOS_MR;
  const int most = panels * NN_VPOS_MR;
  const int mr = a->ocg - oc0 < most ? (int)(a->ocg - oc0) : most;
  /* Relu and Clip in registers, the others over the rows afterwards, as
   * the AVX2 kernel does (packed.c says why). */
  const int act = nn_act_kind (a->act);
  const int kind = act == 1 || act == 2 ? act : 0;
  const __m512 lo = _mm512_set1_ps (a->act->alpha);
  const __m512 hi = _mm512_set1_ps (a->act->beta);
  float *y = a->y + oc0 * a->ldy + yoff;
  const float *res = RES ? a->res + oc0 * a->ldy + yoff : NULL;

  for (ptrdiff_t i = 0; i < n; i += 32) {
    const int nv = n - i < 32 ? (int)(n - i) : 32;
    switch (mr) {
      V32X2_CASE (12)
      V32X2_CASE (11)
      V32X2_CASE (10)
      V32X2_CASE (9)
      V32X2_CASE (8)
      V32X2_CASE (7)
      V32_CASE (6)
      V32_CASE (5)
      V32_CASE (4)
      V32_CASE (3)
      V32_CASE (2)
    default:
      vpos32_call (1, a->k, x + i, koff, w, bias, y + i, res ? res + i : NULL,
                   a->ldy, nv, kind, lo, hi);
      break;
    }
  }
  if (act != kind)
    for (int r = 0; r < mr; r++)
      nn_act_apply (a->act, y + r * a->ldy, (size_t)n);
}

/* With a residual or without, as two functions: see packed.c's
 * vpos_row_body. */
TGT512 void
nn_vpos_panels_avx512 (const nn_vpos_args *a, ptrdiff_t j, int panels,
                       const float *x, const ptrdiff_t *koff, ptrdiff_t yoff,
                       ptrdiff_t n)
{
  if (a->res)
    vpos_panels (a, j, panels, x, koff, yoff, n, true);
  else
    vpos_panels (a, j, panels, x, koff, yoff, n, false);
}

#else /* !__x86_64__ */

bool
nn_kernels_have_avx512 (void)
{
  return false;
}

void
nn_voc_rows_avx512 (int mr, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
                    const ptrdiff_t *koff, const float *w, const float *bias,
                    bool cont, float *tile)
{
}

void
nn_vpos_panels_avx512 (const nn_vpos_args *a, ptrdiff_t j, int panels,
                       const float *x, const ptrdiff_t *koff, ptrdiff_t yoff,
                       ptrdiff_t n)
{
}

void
nn_voc_wide_avx512 (int mr, int np, ptrdiff_t kc, const float *x,
                    const ptrdiff_t *ro, const ptrdiff_t *koff, const float *w,
                    ptrdiff_t wstep, const float *bias, bool cont, float *tile,
                    ptrdiff_t tstep)
{
}

void
nn_voc_row_wide_avx512 (int np, ptrdiff_t kc, const float *x,
                        const ptrdiff_t *ro, const ptrdiff_t *koff,
                        const float *w, ptrdiff_t wstep, const float *bias,
                        bool cont, float *tile, ptrdiff_t tstep)
{
}

#endif

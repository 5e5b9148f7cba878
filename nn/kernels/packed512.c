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
 *   halves. One tile alone would have only 6 accumulators, too few to
 *   cover the FMA latency, so a lone tile stays with the AVX2 kernel. */
#include "act.h"
#include "packed.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT512 __attribute__ ((target ("avx512f,avx512dq,avx512vl,avx2,fma")))
#ifndef NN_COVERAGE_BUILD
#define INL512 static inline __attribute__ ((always_inline)) TGT512
#else
#define INL512 static inline TGT512
#endif

bool
nn_kernels_have_avx512 (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f")
         && __builtin_cpu_supports ("avx512dq")
         && __builtin_cpu_supports ("avx512vl");
}

/* Relu (kind 1) and Clip (kind 2) as nn_act_vec computes them, operand
 * for operand (max and min return their second operand on a NaN). */
INL512 __m512
act512 (__m512 v, int kind, __m512 lo, __m512 hi)
{
  if (kind == 1)
    return _mm512_max_ps (v, _mm512_setzero_ps ());
  if (kind == 2)
    return _mm512_min_ps (hi, _mm512_max_ps (lo, v));
  return v;
}

/* The first n (0..16) lanes. */
INL512 __mmask16
lanes (int n)
{
  return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* ---- vec_oc: 12 rows ------------------------------------------------- */

#define V12_FMA(r)                                                             \
  if (MR > r)                                                                  \
    c##r = _mm512_fmadd_ps (_mm512_set1_ps (x##r[o]), wv, c##r);

/* tile (MR, 16) = (cont ? tile : bias) + sum_k x_r[koff[k]] * w[k][16],
 * MR in 7..12 (two tiles of 6, the second partial). */
// x rows at x + ro[r], w (K, 16), tile (MR, 16)
INL512 void
voc12_kernel (const int MR, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
              const ptrdiff_t *koff, const float *w, const float *bias,
              bool cont, float *tile)
{
  const __m512 b = bias ? _mm512_loadu_ps (bias) : _mm512_setzero_ps ();
  __m512 c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b;
  __m512 c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
  if (cont) {
    c0 = _mm512_load_ps (tile);
    c1 = _mm512_load_ps (tile + 16);
    c2 = _mm512_load_ps (tile + 32);
    c3 = _mm512_load_ps (tile + 48);
    c4 = _mm512_load_ps (tile + 64);
    c5 = _mm512_load_ps (tile + 80);
    c6 = _mm512_load_ps (tile + 96);
    if (MR > 7)
      c7 = _mm512_load_ps (tile + 112);
    if (MR > 8)
      c8 = _mm512_load_ps (tile + 128);
    if (MR > 9)
      c9 = _mm512_load_ps (tile + 144);
    if (MR > 10)
      c10 = _mm512_load_ps (tile + 160);
    if (MR > 11)
      c11 = _mm512_load_ps (tile + 176);
  }
  const float *x0 = x + ro[0], *x1 = x + ro[1], *x2 = x + ro[2];
  const float *x3 = x + ro[3], *x4 = x + ro[4], *x5 = x + ro[5];
  const float *x6 = x + ro[6];
  const float *x7 = x + ro[MR > 7 ? 7 : 6];
  const float *x8 = x + ro[MR > 8 ? 8 : 6];
  const float *x9 = x + ro[MR > 9 ? 9 : 6];
  const float *x10 = x + ro[MR > 10 ? 10 : 6];
  const float *x11 = x + ro[MR > 11 ? 11 : 6];

  for (ptrdiff_t q = 0; q < kc; q++, w += 16) {
    const ptrdiff_t o = koff[q];
    const __m512 wv = _mm512_loadu_ps (w);
    V12_FMA (0)
    V12_FMA (1) V12_FMA (2) V12_FMA (3) V12_FMA (4) V12_FMA (5) V12_FMA (6)
        V12_FMA (7) V12_FMA (8) V12_FMA (9) V12_FMA (10) V12_FMA (11)
  }
  _mm512_store_ps (tile, c0);
  _mm512_store_ps (tile + 16, c1);
  _mm512_store_ps (tile + 32, c2);
  _mm512_store_ps (tile + 48, c3);
  _mm512_store_ps (tile + 64, c4);
  _mm512_store_ps (tile + 80, c5);
  _mm512_store_ps (tile + 96, c6);
  if (MR > 7)
    _mm512_store_ps (tile + 112, c7);
  if (MR > 8)
    _mm512_store_ps (tile + 128, c8);
  if (MR > 9)
    _mm512_store_ps (tile + 144, c9);
  if (MR > 10)
    _mm512_store_ps (tile + 160, c10);
  if (MR > 11)
    _mm512_store_ps (tile + 176, c11);
}

// x rows at x + ro[r], w (K, 16), tile (mr, 16) 64-byte aligned
TGT512 void
nn_voc_rows_avx512 (int mr, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
                    const ptrdiff_t *koff, const float *w, const float *bias,
                    bool cont, float *tile)
{
  switch (mr) {
  case 12:
    voc12_kernel (12, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 11:
    voc12_kernel (11, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 10:
    voc12_kernel (10, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 9:
    voc12_kernel (9, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 8:
    voc12_kernel (8, kc, x, ro, koff, w, bias, cont, tile);
    break;
  default:
    voc12_kernel (7, kc, x, ro, koff, w, bias, cont, tile);
    break;
  }
}

/* ---- vec_pos: 32 positions -------------------------------------------- */

#define V32_INIT(r)                                                            \
  const __m512 b##r                                                            \
      = bias && MR > r ? _mm512_set1_ps (bias[r]) : _mm512_setzero_ps ();      \
  __m512 c##r##0 = b##r, c##r##1 = b##r;
#define V32_FMA(r)                                                             \
  if (MR > r) {                                                                \
    const __m512 a = _mm512_set1_ps (w[r]);                                    \
    c##r##0 = _mm512_fmadd_ps (a, x0, c##r##0);                                \
    if (TWO)                                                                   \
      c##r##1 = _mm512_fmadd_ps (a, x1, c##r##1);                              \
  }
#define V32_STORE(r)                                                           \
  if (MR > r) {                                                                \
    float *d = y + r * ldy;                                                    \
    _mm512_mask_storeu_ps (d, m0, act512 (c##r##0, kind, lo, hi));             \
    if (TWO)                                                                   \
      _mm512_mask_storeu_ps (d + 16, m1, act512 (c##r##1, kind, lo, hi));      \
  }

/* y (MR, n) = bias + sum_k w[k][MR] * x[koff[k] .. + n], n in 1..32 (TWO:
 * n > 16). Loads are whole vectors: 15 floats of slack past position n - 1
 * cover them, as for the AVX2 kernel. */
// x (n + 15 slack per k), w (K, 6), y (MR rows of ldy)
INL512 void
vpos32_kernel (const int MR, const bool TWO, ptrdiff_t kc, const float *x,
               const ptrdiff_t *koff, const float *w, const float *bias,
               float *y, ptrdiff_t ldy, int n, int kind, __m512 lo, __m512 hi)
{
  V32_INIT (0);
  V32_INIT (1);
  V32_INIT (2);
  V32_INIT (3);
  V32_INIT (4);
  V32_INIT (5);
  for (ptrdiff_t q = 0; q < kc; q++, w += NN_VPOS_MR) {
    const float *xp = x + koff[q];
    const __m512 x0 = _mm512_loadu_ps (xp);
    const __m512 x1 = TWO ? _mm512_loadu_ps (xp + 16) : x0;
    V32_FMA (0);
    V32_FMA (1);
    V32_FMA (2);
    V32_FMA (3);
    V32_FMA (4);
    V32_FMA (5);
  }
  const __mmask16 m0 = lanes (n), m1 = lanes (n - 16);
  V32_STORE (0);
  V32_STORE (1);
  V32_STORE (2);
  V32_STORE (3);
  V32_STORE (4);
  V32_STORE (5);
}

INL512 void
vpos32_call (const int MR, ptrdiff_t kc, const float *x, const ptrdiff_t *koff,
             const float *w, const float *bias, float *y, ptrdiff_t ldy, int n,
             int kind, __m512 lo, __m512 hi)
{
  if (n > 16)
    vpos32_kernel (MR, true, kc, x, koff, w, bias, y, ldy, n, kind, lo, hi);
  else
    vpos32_kernel (MR, false, kc, x, koff, w, bias, y, ldy, n, kind, lo, hi);
}

// x (n positions + 15 slack), w [panels][K][6], y (OCg, ldy)
TGT512 void
nn_vpos_row_avx512 (const nn_vpos_args *a, ptrdiff_t j, const float *x,
                    const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n)
{
  const float *w = a->w + j * a->k * NN_VPOS_MR;
  const float *bias = a->bias ? a->bias + j * NN_VPOS_MR : NULL;
  const ptrdiff_t oc0 = j * NN_VPOS_MR;
  const int mr = a->ocg - oc0 < NN_VPOS_MR ? (int)(a->ocg - oc0) : NN_VPOS_MR;
  /* Relu and Clip in registers, the others over the rows afterwards, as
   * the AVX2 kernel does (packed.c says why). */
  const int act = nn_act_kind (a->act);
  const int kind = act == 1 || act == 2 ? act : 0;
  const __m512 lo = _mm512_set1_ps (a->act->alpha);
  const __m512 hi = _mm512_set1_ps (a->act->beta);
  float *y = a->y + oc0 * a->ldy + yoff;

  for (ptrdiff_t i = 0; i < n; i += 32) {
    const int nv = n - i < 32 ? (int)(n - i) : 32;
    switch (mr) {
    case 6:
      vpos32_call (6, a->k, x + i, koff, w, bias, y + i, a->ldy, nv, kind, lo,
                   hi);
      break;
    case 5:
      vpos32_call (5, a->k, x + i, koff, w, bias, y + i, a->ldy, nv, kind, lo,
                   hi);
      break;
    case 4:
      vpos32_call (4, a->k, x + i, koff, w, bias, y + i, a->ldy, nv, kind, lo,
                   hi);
      break;
    case 3:
      vpos32_call (3, a->k, x + i, koff, w, bias, y + i, a->ldy, nv, kind, lo,
                   hi);
      break;
    case 2:
      vpos32_call (2, a->k, x + i, koff, w, bias, y + i, a->ldy, nv, kind, lo,
                   hi);
      break;
    default:
      vpos32_call (1, a->k, x + i, koff, w, bias, y + i, a->ldy, nv, kind, lo,
                   hi);
      break;
    }
  }
  if (act != kind)
    for (int r = 0; r < mr; r++)
      nn_act_apply (a->act, y + r * a->ldy, (size_t)n);
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
nn_vpos_row_avx512 (const nn_vpos_args *a, ptrdiff_t j, const float *x,
                    const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n)
{
}

#endif

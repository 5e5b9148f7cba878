/* Depthwise convolution (one input channel per output channel group).
 *
 * 3x3 and 5x5 windows of stride 1, and of stride 2 from 16 output
 * columns (most depthwise layers), run in the channel planes: a band of
 * padded input rows is copied to the stack (split into even and odd
 * columns for stride 2) and each 8 outputs of a row are K * K FMAs of
 * contiguous loads, four output rows at a time.
 *
 * Other windows use the staged AVX2 kernel, on blocks of 8 channels laid
 * side by side as NCHWc runtimes do: a band of input rows is transposed
 * into 8-lane pixels (with the zero padding) on the stack, each output
 * pixel is then one vector FMA per kernel tap against that tap's 8
 * weights, four pixels at a time, and the band is transposed back into the
 * channel planes. Any stride or dilation runs the same way and no vector
 * is partial. Very wide rows and CPUs without AVX2 use the portable
 * row-sweep kernel. */
#include "act.h"
#include "kernels.h"
#include "packed.h"

#include <string.h>

/* Portable kernel: each output row is swept once per tap. */
// in (C,H,W), w (C*mult,1,KH,KW), bias (C*mult) or NULL, out (C*mult,OH,OW)
static void
dw_generic (const float *in, const float *w, const float *bias, float *out,
            ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult, const nn_win2d *g,
            const nn_act *act)
{
  for (ptrdiff_t o = o0; o < o1; o++) {
    const float *plane = in + (o / mult) * g->ih * g->iw;
    const float *wo = w + o * g->kh * g->kw;
    const float b = bias ? bias[o] : 0.f;
    for (ptrdiff_t y = 0; y < g->oh; y++) {
      float *yr = out + (o * g->oh + y) * g->ow;
      for (ptrdiff_t x = 0; x < g->ow; x++)
        yr[x] = b;
      for (ptrdiff_t ky = 0; ky < g->kh; ky++) {
        ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
        if (iy < 0 || iy >= g->ih)
          continue;
        const float *r = plane + iy * g->iw;
        for (ptrdiff_t kx = 0; kx < g->kw; kx++) {
          ptrdiff_t off = kx * g->dw - g->pl, x0, x1;
          nn_win_taps (off, g->sw, g->iw, g->ow, &x0, &x1);
          const float wv = wo[ky * g->kw + kx];
          for (ptrdiff_t x = x0; x < x1; x++)
            yr[x] += wv * r[x * g->sw + off];
        }
      }
      nn_act_apply (act, yr, (size_t)g->ow);
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__ ((target ("avx2,fma")))
/* Forced inlining: callers pass constants that select a loop. Not in the
 * coverage build (meson.build says why). */
#ifndef NN_COVERAGE_BUILD
#define INL static inline __attribute__ ((always_inline)) TGT
#else
#define INL static inline TGT
#endif

/* Floats of the band buffers (on the stack): staged input pixels and
 * output pixels of one band of output rows. */
#define DW_BAND_IN 24576
#define DW_BAND_OUT 8192
#define DW_BAND_ROWS 8

/* The first n (< 8) lanes of v to y, without a loop that the compiler
 * would turn into a slow string move, nor a masked store (slow on AMD). */
INL void
store_part (float *y, __m256 v, int n)
{
  __m128 h = _mm256_castps256_ps128 (v);
  if (n >= 4) {
    _mm_storeu_ps (y, h);
    h = _mm256_extractf128_ps (v, 1);
    y += 4;
    n -= 4;
  }
  if (n >= 2) {
    _mm_storel_pi ((__m64 *)y, h);
    h = _mm_movehl_ps (h, h);
    y += 2;
    n -= 2;
  }
  if (n >= 1)
    _mm_store_ss (y, h);
}

/* In-place 8x8 transpose of r[0..7]. */
INL void
transpose8 (__m256 r[8])
{
  __m256 t0 = _mm256_unpacklo_ps (r[0], r[1]);
  __m256 t1 = _mm256_unpackhi_ps (r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps (r[2], r[3]);
  __m256 t3 = _mm256_unpackhi_ps (r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps (r[4], r[5]);
  __m256 t5 = _mm256_unpackhi_ps (r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps (r[6], r[7]);
  __m256 t7 = _mm256_unpackhi_ps (r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u1 = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 u2 = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u3 = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 u4 = _mm256_shuffle_ps (t4, t6, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u5 = _mm256_shuffle_ps (t4, t6, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 u6 = _mm256_shuffle_ps (t5, t7, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u7 = _mm256_shuffle_ps (t5, t7, _MM_SHUFFLE (3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps (u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps (u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps (u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps (u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps (u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps (u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps (u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps (u3, u7, 0x31);
}

/* Output pixels per row in the output band: a multiple of 4, so that
 * every pixel goes through the 4-pixel kernel. */
static inline ptrdiff_t
dw_ow4 (const nn_win2d *g)
{
  return (g->ow + 3) / 4 * 4;
}

/* Zeroed floats after the staged band: what the extra pixels of the last
 * group of 4 read past its last row. */
static inline ptrdiff_t
dw_slack (const nn_win2d *g)
{
  return (3 * g->sw + 1) * 8;
}

/* Band geometry: output rows per band (0: the band buffers cannot hold
 * one row). */
static inline ptrdiff_t
dw_band_rows (const nn_win2d *g)
{
  const ptrdiff_t wp = g->pl + g->iw + g->pr;
  for (ptrdiff_t b = DW_BAND_ROWS; b >= 1; b--) {
    ptrdiff_t rows = (b - 1) * g->sh + (g->kh - 1) * g->dh + 1;
    if (rows * wp * 8 + dw_slack (g) <= DW_BAND_IN
        && b * dw_ow4 (g) * 8 <= DW_BAND_OUT)
      return b;
  }
  return 0;
}

/* Output channels [o0, o0 + 8) (those below o1 real), padded input rows
 * [py0, py0 + rows) to pixels: st[(py - py0) * wp + px][lane]. */
INL void
dw_stage (float *st, const float *in, ptrdiff_t o0, ptrdiff_t o1,
          ptrdiff_t mult, ptrdiff_t py0, ptrdiff_t rows, const nn_win2d *g)
{
  const ptrdiff_t wp = g->pl + g->iw + g->pr;
  const float *src[8];
  const bool full = o1 - o0 >= 8;
  for (int l = 0; l < 8; l++)
    src[l] = o0 + l < o1 ? in + (o0 + l) / mult * g->ih * g->iw : NULL;
  for (ptrdiff_t r = 0; r < rows; r++) {
    float *row = st + r * wp * 8;
    const ptrdiff_t iy = py0 + r - g->pt;
    if (iy < 0 || iy >= g->ih) {
      for (ptrdiff_t j = 0; j < wp; j++)
        _mm256_store_ps (row + j * 8, _mm256_setzero_ps ());
      continue;
    }
    for (ptrdiff_t j = 0; j < g->pl; j++)
      _mm256_store_ps (row + j * 8, _mm256_setzero_ps ());
    for (ptrdiff_t j = g->pl + g->iw; j < wp; j++)
      _mm256_store_ps (row + j * 8, _mm256_setzero_ps ());
    ptrdiff_t x = 0;
    if (full)
      for (; x + 8 <= g->iw; x += 8) {
        __m256 v[8];
        for (int l = 0; l < 8; l++)
          v[l] = _mm256_loadu_ps (src[l] + iy * g->iw + x);
        transpose8 (v);
        for (int i = 0; i < 8; i++)
          _mm256_store_ps (row + (g->pl + x + i) * 8, v[i]);
      }
    /* Row tails and blocks with missing channels: masked loads (a vector
     * load of a copy just written float by float would stall store
     * forwarding; masked loads are cheap, unlike masked stores). */
    for (; x < g->iw; x += 8) {
      const int n = g->iw - x < 8 ? (int)(g->iw - x) : 8;
      const __m256i mask = _mm256_cmpgt_epi32 (
          _mm256_set1_epi32 (n), _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
      __m256 v[8];
      for (int l = 0; l < 8; l++)
        v[l] = src[l] ? _mm256_maskload_ps (src[l] + iy * g->iw + x, mask)
                      : _mm256_setzero_ps ();
      transpose8 (v);
      for (int i = 0; i < n; i++)
        _mm256_store_ps (row + (g->pl + x + i) * 8, v[i]);
    }
  }
}

/* 4 output pixels of a 3x3 kernel with the 9 weight vectors in
 * registers. ir: the first tap of pixel 0; sx, dx, dy in floats. */
#define DW3_TAP(t, off)                                                        \
  do {                                                                         \
    const float *q = ir + (off);                                               \
    a0 = _mm256_fmadd_ps (w##t, _mm256_load_ps (q), a0);                       \
    a1 = _mm256_fmadd_ps (w##t, _mm256_load_ps (q + sx), a1);                  \
    a2 = _mm256_fmadd_ps (w##t, _mm256_load_ps (q + 2 * sx), a2);              \
    a3 = _mm256_fmadd_ps (w##t, _mm256_load_ps (q + 3 * sx), a3);              \
  } while (0)

/* Output pixels of `brows` output rows from the staged band, 4 pixels at
 * a time so that four FMA chains overlap (pixels past OW are computed
 * and never read); 3x3 kernels keep their weights in registers. */
// st (rows, wp, 8), wv (KH*KW, 8), ob (brows, OW4, 8)
INL void
dw_pixels (const float *st, const float *wv, __m256 bias, float *ob,
           ptrdiff_t brows, const nn_win2d *g)
{
  const ptrdiff_t wp = g->pl + g->iw + g->pr, ow4 = dw_ow4 (g);
  const ptrdiff_t sx = g->sw * 8, dx = g->dw * 8, dy = g->dh * wp * 8;
  const bool k3 = g->kh == 3 && g->kw == 3;
  const __m256 w0 = _mm256_load_ps (wv), w1 = _mm256_load_ps (wv + 8);
  const __m256 w2 = _mm256_load_ps (wv + 16), w3 = _mm256_load_ps (wv + 24);
  const __m256 w4 = _mm256_load_ps (wv + 32), w5 = _mm256_load_ps (wv + 40);
  const __m256 w6 = _mm256_load_ps (wv + 48), w7 = _mm256_load_ps (wv + 56);
  const __m256 w8 = _mm256_load_ps (wv + 64);

  for (ptrdiff_t r = 0; r < brows; r++) {
    float *orow = ob + r * ow4 * 8;
    const float *srow = st + r * g->sh * wp * 8;
    for (ptrdiff_t x = 0; x < ow4; x += 4) {
      __m256 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
      if (k3) {
        const float *ir = srow + x * sx;
        DW3_TAP (0, 0);
        DW3_TAP (1, dx);
        DW3_TAP (2, 2 * dx);
        DW3_TAP (3, dy);
        DW3_TAP (4, dy + dx);
        DW3_TAP (5, dy + 2 * dx);
        DW3_TAP (6, 2 * dy);
        DW3_TAP (7, 2 * dy + dx);
        DW3_TAP (8, 2 * dy + 2 * dx);
      } else
        for (ptrdiff_t ky = 0; ky < g->kh; ky++) {
          const float *ir = srow + ky * dy + x * sx;
          for (ptrdiff_t kx = 0; kx < g->kw; kx++) {
            const __m256 w = _mm256_load_ps (wv + (ky * g->kw + kx) * 8);
            const float *p = ir + kx * dx;
            a0 = _mm256_fmadd_ps (w, _mm256_load_ps (p), a0);
            a1 = _mm256_fmadd_ps (w, _mm256_load_ps (p + sx), a1);
            a2 = _mm256_fmadd_ps (w, _mm256_load_ps (p + 2 * sx), a2);
            a3 = _mm256_fmadd_ps (w, _mm256_load_ps (p + 3 * sx), a3);
          }
        }
      _mm256_store_ps (orow + x * 8, a0);
      _mm256_store_ps (orow + (x + 1) * 8, a1);
      _mm256_store_ps (orow + (x + 2) * 8, a2);
      _mm256_store_ps (orow + (x + 3) * 8, a3);
    }
  }
}

/* Output pixels back to channel planes, with the activation (@kind of
 * nn_act_kind, not Tanh) applied per channel row after the transpose, so
 * only the lanes that are stored are computed. */
// ob (brows, OW, 8) -> out (C*mult, OH, OW) rows [oy0, oy0 + brows)
INL void
dw_unstage (const float *ob, float *out, ptrdiff_t o0, ptrdiff_t o1,
            ptrdiff_t oy0, ptrdiff_t brows, const nn_win2d *g, int kind,
            __m256 lo, __m256 hi)
{
  const int nc = o1 - o0 < 8 ? (int)(o1 - o0) : 8;
  for (ptrdiff_t r = 0; r < brows; r++)
    for (ptrdiff_t x = 0; x < g->ow; x += 8) {
      const int n = g->ow - x < 8 ? (int)(g->ow - x) : 8;
      __m256 v[8];
      for (int i = 0; i < 8; i++)
        v[i] = i < n ? _mm256_load_ps (ob + (r * dw_ow4 (g) + x + i) * 8)
                     : _mm256_setzero_ps ();
      transpose8 (v);
      for (int l = 0; l < nc; l++) {
        float *d = out + ((o0 + l) * g->oh + oy0 + r) * g->ow + x;
        const __m256 a = nn_act_vec (v[l], kind, lo, hi);
        if (n == 8)
          _mm256_storeu_ps (d, a);
        else
          store_part (d, a, n);
      }
    }
}

/* Blocks of 8 output channels; per block, bands of output rows: stage
 * the band's input as 8-channel pixels, compute, write back. */
TGT static void
dw_avx2 (const float *in, const float *w, const float *bias, float *out,
         ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult, const nn_win2d *g,
         const nn_act *act)
{
  const int kind = nn_act_kind (act);
  const __m256 lo = _mm256_set1_ps (act->alpha);
  const __m256 hi = _mm256_set1_ps (act->beta);
  const ptrdiff_t taps = g->kh * g->kw, band = dw_band_rows (g);
  float st[DW_BAND_IN] __attribute__ ((aligned (32)));
  float ob[DW_BAND_OUT] __attribute__ ((aligned (32)));
  float wv[16 * 16 * 8] __attribute__ ((aligned (32))) = { 0 };

  for (ptrdiff_t c0 = o0; c0 < o1; c0 += 8) {
    /* Weights and bias of the block as 8-lane vectors (zero past o1). */
    float bv[8] = { 0 };
    for (int l = 0; l < 8; l++) {
      const ptrdiff_t o = c0 + l;
      for (ptrdiff_t t = 0; t < taps; t++)
        wv[t * 8 + l] = o < o1 ? w[o * taps + t] : 0.f;
      if (o < o1 && bias)
        bv[l] = bias[o];
    }
    const __m256 b = _mm256_loadu_ps (bv);
    for (ptrdiff_t oy = 0; oy < g->oh; oy += band) {
      const ptrdiff_t brows = g->oh - oy < band ? g->oh - oy : band;
      const ptrdiff_t rows = (brows - 1) * g->sh + (g->kh - 1) * g->dh + 1;
      dw_stage (st, in, c0, o1, mult, oy * g->sh, rows, g);
      memset (st + rows * (g->pl + g->iw + g->pr) * 8, 0,
              sizeof (float) * (size_t)dw_slack (g));
      dw_pixels (st, wv, b, ob, brows, g);
      dw_unstage (ob, out, c0, o1, oy, brows, g, kind < 0 ? 0 : kind, lo, hi);
      if (kind < 0)
        for (ptrdiff_t o = c0; o < o1 && o < c0 + 8; o++)
          nn_act_apply (act, out + (o * g->oh + oy) * g->ow,
                        (size_t)(brows * g->ow));
    }
  }
}

/* ---- Channel planes: 3x3 and 5x5, stride 1 or 2 ---------------------- */

/* Floats of the padded band of one channel (on the stack), and output rows
 * per step of the row kernel. */
#define DWP_BAND 6144
#define DWP_ROWS 4

/* A padded row is stored as its S phases (stride S), phase ph holding the
 * padded columns ph, ph + S, ...: every tap of 8 consecutive outputs is
 * then one contiguous load. Floats per phase: the last 8 outputs' taps
 * are full loads, and the stride-2 split of a row fits. */
static inline ptrdiff_t
dwp_phase_len (const nn_win2d *g)
{
  ptrdiff_t n = (g->ow + 7) / 8 * 8 + (g->kw - 1) / g->sw;
  if (g->sw == 2 && n < 4 + (g->iw + 15) / 16 * 8)
    n = 4 + (g->iw + 15) / 16 * 8;
  return (n + 7) / 8 * 8;
}

/* Output rows per band (0: not even one fits). */
static inline ptrdiff_t
dwp_band_rows (const nn_win2d *g)
{
  const ptrdiff_t rows = DWP_BAND / (dwp_phase_len (g) * g->sw);
  return rows < g->kh ? 0 : (rows - g->kh) / g->sh + 1;
}

/* True when the plane kernel takes this window. Stride 2 only from 16
 * output columns: on smaller planes copying the rows split by phase cost
 * more than the staged kernel's transposes (MobileNetV2's 14x14 to 7x7
 * layer ran 1.35x slower, its 28x28 to 14x14 one level). */
static bool
dwp_ok (const nn_win2d *g)
{
  return (g->kh == 3 || g->kh == 5) && g->kw == g->kh && g->sh == g->sw
         && (g->sw == 1 || (g->sw == 2 && g->ow >= 16)) && g->dh == 1
         && g->dw == 1 && g->pl < 8 && dwp_band_rows (g) > 0
         && nn_kernels_avx2 ();
}

/* Zeroes n floats (rounded up to 8) at d; the asm keeps GCC from turning
 * the loop into a memset call, which costs more than these few stores. */
INL void
dwp_zero (float *d, ptrdiff_t n)
{
  for (ptrdiff_t x = 0; x < n; x += 8) {
    __asm__("" : "+r"(x));
    _mm256_storeu_ps (d + x, _mm256_setzero_ps ());
  }
}

/* The first n (0..8) floats of s, zeros after: a masked load. */
INL __m256
dwp_load_part (const float *s, ptrdiff_t n)
{
  const __m256i mask = _mm256_cmpgt_epi32 (
      _mm256_set1_epi32 ((int)n), _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_maskload_ps (s, mask);
}

/* Stride 1: row s of the plane, padded, to d (len floats). The lanes
 * that masked loads leave zero are the right padding. */
INL void
dwp_row1 (float *d, const float *s, ptrdiff_t len, const nn_win2d *g)
{
  _mm256_storeu_ps (d, _mm256_setzero_ps ());
  ptrdiff_t x = 0;
  for (; x + 8 <= g->iw; x += 8) {
    __asm__("" : "+r"(x));
    _mm256_storeu_ps (d + g->pl + x, _mm256_loadu_ps (s + x));
  }
  ptrdiff_t p = g->pl + x;
  if (x < g->iw) {
    _mm256_storeu_ps (d + p, dwp_load_part (s + x, g->iw - x));
    p += 8;
  }
  if (p < len)
    dwp_zero (d + p, len - p);
}

/* 16 consecutive floats (a, b): the 8 even ones to ev, the 8 odd to od. */
INL void
dwp_split (__m256 a, __m256 b, float *ev, float *od)
{
  const __m256 e = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (2, 0, 2, 0));
  const __m256 o = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (3, 1, 3, 1));
  /* The shuffles work per 128-bit half: put the 64-bit pairs in order. */
  _mm256_storeu_ps (ev, _mm256_castpd_ps (_mm256_permute4x64_pd (
                            _mm256_castps_pd (e), 0xd8)));
  _mm256_storeu_ps (od, _mm256_castpd_ps (_mm256_permute4x64_pd (
                            _mm256_castps_pd (o), 0xd8)));
}

/* Stride 2: row s split straight into its even and odd input columns,
 * each stored in the phase that holds it: padded column 2j + ph is input
 * column 2j + q with q = ph - pl, so phase ph holds the columns of q's
 * parity from its index off = ((q & 1) - q) / 2 on. Read from the plane,
 * not from a padded copy: loads spanning stores just made would stall. */
INL void
dwp_row2 (float *d, const float *s, ptrdiff_t len, const nn_win2d *g)
{
  /* Zeros first, the padding wherever the columns do not land. */
  dwp_zero (d, 2 * len);
  float *ph[2]; /* by parity of the input columns */
  for (int h = 0; h < 2; h++) {
    const ptrdiff_t q = h - g->pl;
    ph[q & 1] = d + h * len + ((q & 1) - q) / 2;
  }
  float *ev = ph[0], *od = ph[1];
  ptrdiff_t i = 0;
  for (; 2 * i + 16 <= g->iw; i += 8)
    dwp_split (_mm256_loadu_ps (s + 2 * i), _mm256_loadu_ps (s + 2 * i + 8),
               ev + i, od + i);
  if (2 * i < g->iw) {
    const ptrdiff_t n = g->iw - 2 * i;
    dwp_split (dwp_load_part (s + 2 * i, n < 8 ? n : 8),
               n > 8 ? dwp_load_part (s + 2 * i + 8, n - 8)
                     : _mm256_setzero_ps (),
               ev + i, od + i);
  }
}

/* Padded input row iy (zeros outside the plane) to d, as its phases. */
INL void
dwp_row (float *d, const float *plane, ptrdiff_t iy, ptrdiff_t len,
         const nn_win2d *g)
{
  if (iy < 0 || iy >= g->ih)
    dwp_zero (d, len * g->sw);
  else if (g->sw == 1)
    dwp_row1 (d, plane + iy * g->iw, len, g);
  else
    dwp_row2 (d, plane + iy * g->iw, len, g);
}

/* R output rows of one channel from its padded band (K x K taps, stride
 * S): the R accumulators of each 8 outputs take every loaded input vector
 * they need, in the order of the taps (ky, then kx) as the staged kernel
 * does. */
// pb (rows, S phases of len), wv (K*K) broadcast weights, out (R, ow)
INL void
dwp_rows (const int K, const int S, const int R, const float *pb, ptrdiff_t len,
          const __m256 *wv, __m256 bias, float *out, ptrdiff_t ow, int kind,
          __m256 lo, __m256 hi)
{
  for (ptrdiff_t x = 0; x < ow; x += 8) {
    __m256 a[DWP_ROWS];
#pragma GCC unroll 8
    for (int i = 0; i < R; i++)
      a[i] = bias;
#pragma GCC unroll 16
    for (int r = 0; r < (R - 1) * S + K; r++) {
#pragma GCC unroll 8
      for (int kx = 0; kx < K; kx++) {
        const __m256 v
            = _mm256_loadu_ps (pb + (r * S + kx % S) * len + x + kx / S);
#pragma GCC unroll 8
        for (int i = 0; i < R; i++)
          if (r - i * S >= 0 && r - i * S < K)
            a[i] = _mm256_fmadd_ps (wv[(r - i * S) * K + kx], v, a[i]);
      }
    }
    const int n = ow - x < 8 ? (int)(ow - x) : 8;
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      const __m256 v = nn_act_vec (a[i], kind, lo, hi);
      if (n == 8)
        _mm256_storeu_ps (out + i * ow + x, v);
      else
        store_part (out + i * ow + x, v, n);
    }
  }
}

/* A band of output rows of one channel, DWP_ROWS at a time. */
INL void
dwp_band (const int K, const int S, const float *pb, ptrdiff_t len,
          const __m256 *wv, __m256 bias, float *out, ptrdiff_t brows,
          ptrdiff_t ow, int kind, __m256 lo, __m256 hi)
{
  const ptrdiff_t step = S * S * len; /* floats per output row */
  ptrdiff_t y = 0;
  for (; y + DWP_ROWS <= brows; y += DWP_ROWS)
    dwp_rows (K, S, DWP_ROWS, pb + y * step, len, wv, bias, out + y * ow, ow,
              kind, lo, hi);
  switch (brows - y) {
  case 3:
    dwp_rows (K, S, 3, pb + y * step, len, wv, bias, out + y * ow, ow, kind, lo,
              hi);
    break;
  case 2:
    dwp_rows (K, S, 2, pb + y * step, len, wv, bias, out + y * ow, ow, kind, lo,
              hi);
    break;
  case 1:
    dwp_rows (K, S, 1, pb + y * step, len, wv, bias, out + y * ow, ow, kind, lo,
              hi);
    break;
  default:
    break;
  }
}

/* One channel at a time in its own plane: each band of padded input rows
 * is copied once (split by phase for stride 2) and every output vector is
 * K * K FMAs of contiguous loads. No transposes: on MobileNetV2's
 * depthwise layers the staged kernel spent more time in them than in its
 * FMAs. */
TGT static void
dw_planes (const float *in, const float *w, const float *bias, float *out,
           ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult, const nn_win2d *g,
           const nn_act *act)
{
  /* Relu and Clip in the row kernel; the others over the band's rows
   * afterwards, still in L1 (in the kernel they spill its accumulators). */
  const int kind = nn_act_kind (act), vk = kind == 1 || kind == 2 ? kind : 0;
  const __m256 lo = _mm256_set1_ps (act->alpha);
  const __m256 hi = _mm256_set1_ps (act->beta);
  const int K = (int)g->kh, S = (int)g->sw;
  const ptrdiff_t len = dwp_phase_len (g), band = dwp_band_rows (g);
  /* 8 floats of slack: the last row's zeroing rounds up to a vector. */
  float pb[DWP_BAND + 8] __attribute__ ((aligned (32)));

  for (ptrdiff_t o = o0; o < o1; o++) {
    const float *plane = in + (o / mult) * g->ih * g->iw;
    __m256 wv[25];
    for (int t = 0; t < K * K; t++)
      wv[t] = _mm256_broadcast_ss (w + o * K * K + t);
    const __m256 b = _mm256_set1_ps (bias ? bias[o] : 0.f);
    for (ptrdiff_t oy = 0; oy < g->oh; oy += band) {
      const ptrdiff_t brows = g->oh - oy < band ? g->oh - oy : band;
      for (ptrdiff_t r = 0; r < (brows - 1) * S + K; r++)
        dwp_row (pb + r * S * len, plane, oy * S + r - g->pt, len, g);
      float *orow = out + (o * g->oh + oy) * g->ow;
      if (K == 3 && S == 1)
        dwp_band (3, 1, pb, len, wv, b, orow, brows, g->ow, vk, lo, hi);
      else if (K == 3)
        dwp_band (3, 2, pb, len, wv, b, orow, brows, g->ow, vk, lo, hi);
      else if (S == 1)
        dwp_band (5, 1, pb, len, wv, b, orow, brows, g->ow, vk, lo, hi);
      else
        dwp_band (5, 2, pb, len, wv, b, orow, brows, g->ow, vk, lo, hi);
      if (vk != kind)
        nn_act_apply (act, orow, (size_t)(brows * g->ow));
    }
  }
}

static bool
dw_avx2_ok (const nn_win2d *g)
{
  return g->kh * g->kw <= 256 && dw_band_rows (g) > 0 && nn_kernels_avx2 ();
}

#endif

// in (C,H,W), w (C*mult,1,KH,KW), bias (C*mult) or NULL, out (C*mult,OH,OW):
// output channels [o0, o1)
void
nn_depthwise2d (const float *in, const float *w, const float *bias, float *out,
                ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult, const nn_win2d *g,
                const nn_act *act)
{
#if defined(__x86_64__)
  if (dwp_ok (g)) {
    dw_planes (in, w, bias, out, o0, o1, mult, g, act);
    return;
  }
  if (dw_avx2_ok (g)) {
    dw_avx2 (in, w, bias, out, o0, o1, mult, g, act);
    return;
  }
#endif
  dw_generic (in, w, bias, out, o0, o1, mult, g, act);
}

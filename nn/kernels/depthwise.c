/* Depthwise convolution (one input channel per output channel group).
 *
 * 3x3 and 5x5 windows of stride 1, and of stride 2 from 16 output
 * columns (most depthwise layers), run in the channel planes
 * (depthwise_planes.c).
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

#include "target.h"

#define TGT NN_TGT_AVX2
#define INL NN_INL_AVX2

/* Floats of the band buffers (on the stack): staged input pixels and
 * output pixels of one band of output rows. */
#define DW_BAND_IN 24576
#define DW_BAND_OUT 8192
#define DW_BAND_ROWS 8

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
        nn_transpose8 (v);
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
      nn_transpose8 (v);
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
      nn_transpose8 (v);
      for (int l = 0; l < nc; l++) {
        float *d = out + ((o0 + l) * g->oh + oy0 + r) * g->ow + x;
        const __m256 a = nn_act_vec (v[l], kind, lo, hi);
        if (n == 8)
          _mm256_storeu_ps (d, a);
        else
          nn_store_part (d, a, n);
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
  if (nn_dw_planes_ok (g)) {
    nn_dw_planes (in, w, bias, out, o0, o1, mult, g, act);
    return;
  }
  if (dw_avx2_ok (g)) {
    dw_avx2 (in, w, bias, out, o0, o1, mult, g, act);
    return;
  }
#endif
  dw_generic (in, w, bias, out, o0, o1, mult, g, act);
}

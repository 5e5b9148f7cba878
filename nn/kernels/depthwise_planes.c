/* Depthwise 3x3 and 5x5 windows of stride 1, and of stride 2 from 16
 * output columns (most depthwise layers), in the channel planes: a band
 * of padded input rows is copied to the stack (split into even and odd
 * columns for stride 2) and each 8 outputs of a row are K * K FMAs of
 * contiguous loads, four output rows at a time. depthwise.c has the
 * other windows and the dispatch. */
#include "act.h"
#include "kernels.h"
#include "packed.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "target.h"

#define TGT NN_TGT_AVX2
#define INL NN_INL_AVX2

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
bool
nn_dw_planes_ok (const nn_win2d *g)
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
        nn_store_part (out + i * ow + x, v, n);
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
TGT void
nn_dw_planes (const float *in, const float *w, const float *bias, float *out,
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

#else /* !__x86_64__ */

bool
nn_dw_planes_ok (const nn_win2d *g)
{
  return false;
}

void
nn_dw_planes (const float *in, const float *w, const float *bias, float *out,
              ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult, const nn_win2d *g,
              const nn_act *act)
{
}

#endif

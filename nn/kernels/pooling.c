/* Fast pooling kernels. Each output row is built by sweeping whole input
 * rows once per kernel tap, so the inner loops have no bounds checks and
 * vectorize (strides 1 and 2 get their own loops with a constant stride). */
#include "kernels.h"
#include "packed.h"

#include <math.h>
#include <string.h>

/* Forced inlining: callers pass the stride as a constant. Not in the
 * coverage build (meson.build says why). */
#ifndef NN_COVERAGE_BUILD
#define ROW_INL static inline __attribute__ ((always_inline))
#else
#define ROW_INL static inline
#endif

// y[x] = max(y[x], r[x*s]) for x in [x0, x1)
ROW_INL void
row_max (float *restrict y, const float *restrict r, ptrdiff_t x0, ptrdiff_t x1,
         ptrdiff_t s)
{
  if (s == 1)
    for (ptrdiff_t x = x0; x < x1; x++)
      y[x] = r[x] > y[x] ? r[x] : y[x];
  else if (s == 2)
    for (ptrdiff_t x = x0; x < x1; x++)
      y[x] = r[2 * x] > y[x] ? r[2 * x] : y[x];
  else
    for (ptrdiff_t x = x0; x < x1; x++)
      y[x] = r[x * s] > y[x] ? r[x * s] : y[x];
}

// y[x] += r[x*s] for x in [x0, x1)
ROW_INL void
row_sum (float *restrict y, const float *restrict r, ptrdiff_t x0, ptrdiff_t x1,
         ptrdiff_t s)
{
  if (s == 1)
    for (ptrdiff_t x = x0; x < x1; x++)
      y[x] += r[x];
  else if (s == 2)
    for (ptrdiff_t x = x0; x < x1; x++)
      y[x] += r[2 * x];
  else
    for (ptrdiff_t x = x0; x < x1; x++)
      y[x] += r[x * s];
}

/* Column ranges per kernel column, computed once per call: the divisions
 * in nn_win_taps would otherwise dominate small pools. Wider kernels fall
 * back to computing them per row. */
#define COLS_MAX 32

typedef struct col_ranges {
  ptrdiff_t x0[COLS_MAX], x1[COLS_MAX];
  bool pre;
} col_ranges;

static inline void
cols_init (col_ranges *c, const nn_win2d *g)
{
  c->pre = g->kw <= COLS_MAX;
  if (c->pre)
    for (ptrdiff_t kx = 0; kx < g->kw; kx++)
      nn_win_taps (kx * g->dw - g->pl, g->sw, g->iw, g->ow, &c->x0[kx],
                   &c->x1[kx]);
}

static inline void
cols_get (const col_ranges *c, const nn_win2d *g, ptrdiff_t kx, ptrdiff_t *x0,
          ptrdiff_t *x1)
{
  if (c->pre) {
    *x0 = c->x0[kx];
    *x1 = c->x1[kx];
  } else
    nn_win_taps (kx * g->dw - g->pl, g->sw, g->iw, g->ow, x0, x1);
}

/* Kernel columns that reach the input from some output column: their
 * offset kx * dw - pl lies in [-(ow - 1) * sw, iw). */
static inline void
sweep_cols (const nn_win2d *g, ptrdiff_t *kx0, ptrdiff_t *kx1)
{
  ptrdiff_t reach = (g->ow - 1) * g->sw;
  nn_win_taps (reach - g->pl, g->dw, g->iw + reach, g->kw, kx0, kx1);
}

/* The row helpers are inlined so that each kernel is cloned for AVX2 as a
 * whole: per-row calls through the clone resolver cost more than the rows
 * of a small pool. */
// in (P,H,W), out (P,OH,OW): planes [p0, p1)
__attribute__ ((target_clones ("avx2", "default"))) static void
maxpool_sweep (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
               const nn_win2d *g)
{
  col_ranges cr;
  ptrdiff_t kx0, kx1;
  cols_init (&cr, g);
  sweep_cols (g, &kx0, &kx1);
  for (ptrdiff_t p = p0; p < p1; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++) {
      float *yr = out + (p * g->oh + y) * g->ow;
      for (ptrdiff_t x = 0; x < g->ow; x++)
        yr[x] = -INFINITY;
      ptrdiff_t ky0, ky1;
      nn_win_taps (y * g->sh - g->pt, g->dh, g->ih, g->kh, &ky0, &ky1);
      for (ptrdiff_t ky = ky0; ky < ky1; ky++) {
        ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
        const float *r = in + (p * g->ih + iy) * g->iw;
        for (ptrdiff_t kx = kx0; kx < kx1; kx++) {
          ptrdiff_t off = kx * g->dw - g->pl, x0, x1;
          cols_get (&cr, g, kx, &x0, &x1);
          if (x0 < x1)
            row_max (yr, r + off, x0, x1, g->sw);
        }
      }
    }
}

/* Window extent along one axis: `padded` clipped to the padded input (what
 * count_include_pad divides by), `valid` clipped to the input. */
static inline void
window_len (ptrdiff_t o, ptrdiff_t s, ptrdiff_t k, ptrdiff_t pad0,
            ptrdiff_t pad1, ptrdiff_t in, ptrdiff_t *padded, ptrdiff_t *valid)
{
  ptrdiff_t a = o * s - pad0, b = a + k;
  if (b > in + pad1)
    b = in + pad1;
  *padded = b - a;
  ptrdiff_t va = a < 0 ? 0 : a, vb = b > in ? in : b;
  *valid = vb > va ? vb - va : 0;
}

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
__attribute__ ((target_clones ("avx2", "default"))) static void
avgpool_sweep (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
               const nn_win2d *g, bool count_include_pad)
{
  col_ranges cr;
  ptrdiff_t kx0, kx1;
  cols_init (&cr, g);
  sweep_cols (g, &kx0, &kx1);
  for (ptrdiff_t p = p0; p < p1; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++) {
      float *yr = out + (p * g->oh + y) * g->ow;
      for (ptrdiff_t x = 0; x < g->ow; x++)
        yr[x] = 0.f;
      ptrdiff_t ky0, ky1;
      nn_win_taps (y * g->sh - g->pt, g->dh, g->ih, g->kh, &ky0, &ky1);
      for (ptrdiff_t ky = ky0; ky < ky1; ky++) {
        ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
        const float *r = in + (p * g->ih + iy) * g->iw;
        for (ptrdiff_t kx = kx0; kx < kx1; kx++) {
          ptrdiff_t off = kx * g->dw - g->pl, x0, x1;
          cols_get (&cr, g, kx, &x0, &x1);
          if (x0 < x1)
            row_sum (yr, r + off, x0, x1, g->sw);
        }
      }
      ptrdiff_t ph, vh;
      window_len (y, g->sh, g->kh, g->pt, g->pb, g->ih, &ph, &vh);
      for (ptrdiff_t x = 0; x < g->ow; x++) {
        ptrdiff_t pw, vw;
        window_len (x, g->sw, g->kw, g->pl, g->pr, g->iw, &pw, &vw);
        ptrdiff_t div = count_include_pad ? ph * pw : vh * vw;
        yr[x] = div > 0 ? yr[x] / (float)div : 0.f;
      }
    }
}

/* ---- Two-pass kernels ---------------------------------------------------
 *
 * Per output row: reduce the window's input rows into one padded row
 * (contiguous, so it vectorizes whatever the stride), reduce that row
 * along the window with stride 1, then pick every sw-th value. Rows wider
 * than ROW_MAX fall back to the sweeps above. */
#define ROW_MAX 4096

/* Width of the padded row: pads, plus what ceil_mode windows overhang. */
static inline ptrdiff_t
row_width (const nn_win2d *g)
{
  ptrdiff_t w = g->pl + g->iw + g->pr;
  ptrdiff_t need = (g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1;
  return need > w ? need : w;
}

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
__attribute__ ((target_clones ("avx2", "default"))) static void
maxpool_rows (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
              const nn_win2d *g)
{
  float t[ROW_MAX], u[ROW_MAX];
  const ptrdiff_t wide = row_width (g);
  const ptrdiff_t span = (g->ow - 1) * g->sw + 1;

  for (ptrdiff_t x = 0; x < wide; x++)
    t[x] = -INFINITY;
  for (ptrdiff_t p = p0; p < p1; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++) {
      float *tr = t + g->pl, *yr = out + (p * g->oh + y) * g->ow;
      bool first = true;
      ptrdiff_t ky0, ky1;
      nn_win_taps (y * g->sh - g->pt, g->dh, g->ih, g->kh, &ky0, &ky1);
      for (ptrdiff_t ky = ky0; ky < ky1; ky++) {
        ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
        const float *r = in + (p * g->ih + iy) * g->iw;
        if (first)
          for (ptrdiff_t x = 0; x < g->iw; x++)
            tr[x] = r[x];
        else
          for (ptrdiff_t x = 0; x < g->iw; x++)
            tr[x] = r[x] > tr[x] ? r[x] : tr[x];
        first = false;
      }
      if (first)
        for (ptrdiff_t x = 0; x < g->iw; x++)
          tr[x] = -INFINITY;
      float *dst = g->sw == 1 ? yr : u;
      for (ptrdiff_t x = 0; x < span; x++)
        dst[x] = t[x];
      for (ptrdiff_t kx = 1; kx < g->kw; kx++) {
        const float *src = t + kx * g->dw;
        for (ptrdiff_t x = 0; x < span; x++)
          dst[x] = src[x] > dst[x] ? src[x] : dst[x];
      }
      if (g->sw != 1)
        for (ptrdiff_t x = 0; x < g->ow; x++)
          yr[x] = u[x * g->sw];
    }
}

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
__attribute__ ((target_clones ("avx2", "default"))) static void
avgpool_rows (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
              const nn_win2d *g, bool count_include_pad)
{
  float t[ROW_MAX], u[ROW_MAX];
  const ptrdiff_t wide = row_width (g);
  const ptrdiff_t span = (g->ow - 1) * g->sw + 1;

  for (ptrdiff_t x = 0; x < wide; x++)
    t[x] = 0.f;
  for (ptrdiff_t p = p0; p < p1; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++) {
      float *tr = t + g->pl, *yr = out + (p * g->oh + y) * g->ow;
      for (ptrdiff_t x = 0; x < g->iw; x++)
        tr[x] = 0.f;
      ptrdiff_t ky0, ky1;
      nn_win_taps (y * g->sh - g->pt, g->dh, g->ih, g->kh, &ky0, &ky1);
      for (ptrdiff_t ky = ky0; ky < ky1; ky++) {
        ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
        const float *r = in + (p * g->ih + iy) * g->iw;
        for (ptrdiff_t x = 0; x < g->iw; x++)
          tr[x] += r[x];
      }
      float *dst = g->sw == 1 ? yr : u;
      for (ptrdiff_t x = 0; x < span; x++)
        dst[x] = t[x];
      for (ptrdiff_t kx = 1; kx < g->kw; kx++) {
        const float *src = t + kx * g->dw;
        for (ptrdiff_t x = 0; x < span; x++)
          dst[x] += src[x];
      }
      if (g->sw != 1)
        for (ptrdiff_t x = 0; x < g->ow; x++)
          yr[x] = u[x * g->sw];
      ptrdiff_t ph, vh;
      window_len (y, g->sh, g->kh, g->pt, g->pb, g->ih, &ph, &vh);
      for (ptrdiff_t x = 0; x < g->ow; x++) {
        ptrdiff_t pw, vw;
        window_len (x, g->sw, g->kw, g->pl, g->pr, g->iw, &pw, &vw);
        ptrdiff_t div = count_include_pad ? ph * pw : vh * vw;
        yr[x] = div > 0 ? yr[x] / (float)div : 0.f;
      }
    }
}

/* 2x2 windows with stride 2 and no left pad, straight from the input
 * rows: the most common pool. Blocks of 8 outputs read 16 floats of each
 * row; the rest (row tails, ceil_mode overhang) go one by one. */
#if defined(__x86_64__)
#include <immintrin.h>

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
__attribute__ ((target ("avx2"))) static void
maxpool_2x2s2 (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
               const nn_win2d *g)
{
  /* Outputs with both columns inside, and those in whole blocks. */
  const ptrdiff_t xv = g->iw / 2 < g->ow ? g->iw / 2 : g->ow;
  const ptrdiff_t xb = xv / 8 * 8;
  for (ptrdiff_t p = p0; p < p1; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++) {
      float *yr = out + (p * g->oh + y) * g->ow;
      const float *r[2];
      int nr = 0;
      for (ptrdiff_t ky = 0; ky < 2; ky++) {
        ptrdiff_t iy = y * g->sh + ky * g->dh - g->pt;
        if (iy >= 0 && iy < g->ih)
          r[nr++] = in + (p * g->ih + iy) * g->iw;
      }
      if (nr == 0) {
        for (ptrdiff_t x = 0; x < g->ow; x++)
          yr[x] = -INFINITY;
        continue;
      }
      if (nr == 1)
        r[1] = r[0];
      for (ptrdiff_t x = 0; x < xb; x += 8) {
        __m256 a = _mm256_max_ps (_mm256_loadu_ps (r[0] + 2 * x),
                                  _mm256_loadu_ps (r[1] + 2 * x));
        __m256 b = _mm256_max_ps (_mm256_loadu_ps (r[0] + 2 * x + 8),
                                  _mm256_loadu_ps (r[1] + 2 * x + 8));
        __m256 e = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (2, 0, 2, 0));
        __m256 o = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (3, 1, 3, 1));
        __m256 m = _mm256_max_ps (e, o);
        _mm256_storeu_ps (yr + x,
                          _mm256_castpd_ps (_mm256_permute4x64_pd (
                              _mm256_castps_pd (m), _MM_SHUFFLE (3, 1, 2, 0))));
      }
      /* Branch-free tail (it compiles to max instructions). */
      for (ptrdiff_t x = xb; x < xv; x++) {
        float a = r[0][2 * x] > r[0][2 * x + 1] ? r[0][2 * x] : r[0][2 * x + 1];
        float b = r[1][2 * x] > r[1][2 * x + 1] ? r[1][2 * x] : r[1][2 * x + 1];
        yr[x] = a > b ? a : b;
      }
      /* ceil_mode overhang: only column 2x can be inside. */
      for (ptrdiff_t x = xv; x < g->ow; x++)
        yr[x] = 2 * x >= g->iw              ? -INFINITY
                : r[0][2 * x] > r[1][2 * x] ? r[0][2 * x]
                                            : r[1][2 * x];
    }
}

/* Even floats of a and b, in order: a0 a2 a4 a6 b0 b2 b4 b6. */
__attribute__ ((target ("avx2"))) static inline __m256
even8 (__m256 a, __m256 b)
{
  __m256 e = _mm256_shuffle_ps (a, b, _MM_SHUFFLE (2, 0, 2, 0));
  return _mm256_castpd_ps (
      _mm256_permute4x64_pd (_mm256_castps_pd (e), _MM_SHUFFLE (3, 1, 2, 0)));
}

/* 3x3 windows with stride 2 (the stem pool of ResNet, SqueezeNet,
 * ShuffleNet, GoogLeNet): per output row, the column maxima of its rows
 * go into a padded row v whose pads and overhang hold -inf, then output x
 * is the max of v[2x], v[2x + 1] and v[2x + 2]: the even half of the
 * maxima of three neighbours, 8 outputs per step. v has room for whole
 * vectors; row tails are masked loads and stores. max (r, m) is
 * r > m ? r : m, as the reference's comparisons (NaN is skipped). */
#define S2_ROOM 64

/* Lanes [0, n) of 8 set, for the masked loads and stores of row tails. */
__attribute__ ((target ("avx2"))) static inline __m256i
first_lanes (ptrdiff_t n)
{
  const __m256i idx = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int)n), idx);
}

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
__attribute__ ((target ("avx2"))) static void
maxpool_3x3s2 (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
               const nn_win2d *g)
{
  float v[ROW_MAX + S2_ROOM];
  const ptrdiff_t iv = g->iw / 8 * 8, ov = g->ow / 8 * 8;
  const __m256i in_tail = first_lanes (g->iw - iv);
  const __m256i out_tail = first_lanes (g->ow - ov);
  const __m256 lowest = _mm256_set1_ps (-INFINITY);
  float *mid = v + g->pl;

  for (ptrdiff_t x = 0; x < ROW_MAX + S2_ROOM; x++)
    v[x] = -INFINITY;
  for (ptrdiff_t p = p0; p < p1; p++)
    for (ptrdiff_t y = 0; y < g->oh; y++) {
      float *yr = out + (p * g->oh + y) * g->ow;
      /* rows 2y - pt + [ky0, ky1) of the input */
      const ptrdiff_t top = y * 2 - g->pt;
      const ptrdiff_t ky0 = top < 0 ? -top : 0;
      const ptrdiff_t ky1 = g->ih - top < 3 ? g->ih - top : 3;
      const ptrdiff_t nr = ky1 - ky0;
      const float *r0 = in + (p * g->ih + top + ky0) * g->iw;
      if (nr <= 0) {
        for (ptrdiff_t x = 0; x < g->ow; x++)
          yr[x] = -INFINITY;
        continue;
      }
      ptrdiff_t x = 0;
      for (; x < iv; x += 8) {
        __m256 m = _mm256_max_ps (_mm256_loadu_ps (r0 + x), lowest);
        for (ptrdiff_t i = 1; i < nr; i++)
          m = _mm256_max_ps (_mm256_loadu_ps (r0 + i * g->iw + x), m);
        _mm256_storeu_ps (mid + x, m);
      }
      if (x < g->iw) {
        /* masked-off lanes load 0 but are not stored: v keeps its -inf */
        __m256 m = _mm256_max_ps (_mm256_maskload_ps (r0 + x, in_tail), lowest);
        for (ptrdiff_t i = 1; i < nr; i++)
          m = _mm256_max_ps (_mm256_maskload_ps (r0 + i * g->iw + x, in_tail),
                             m);
        _mm256_maskstore_ps (mid + x, in_tail, m);
      }
      /* h[j] = max (v[j], v[j + 1], v[j + 2]) for 16 j, then the even
       * ones */
      for (x = 0; x < g->ow; x += 8) {
        const float *s = v + 2 * x;
        __m256 h0 = _mm256_max_ps (
            _mm256_loadu_ps (s + 2),
            _mm256_max_ps (_mm256_loadu_ps (s + 1), _mm256_loadu_ps (s)));
        __m256 h1 = _mm256_max_ps (
            _mm256_loadu_ps (s + 10),
            _mm256_max_ps (_mm256_loadu_ps (s + 9), _mm256_loadu_ps (s + 8)));
        __m256 m = even8 (h0, h1);
        if (x < ov)
          _mm256_storeu_ps (yr + x, m);
        else
          _mm256_maskstore_ps (yr + x, out_tail, m);
      }
    }
}

static bool
have_avx2 (void)
{
  return nn_kernels_avx2 ();
}
#else
static void
maxpool_2x2s2 (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
               const nn_win2d *g)
{
}

static void
maxpool_3x3s2 (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
               const nn_win2d *g)
{
}

static bool
have_avx2 (void)
{
  return false;
}
#endif

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
void
nn_maxpool2d (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
              const nn_win2d *g)
{
  if (g->kh == 2 && g->kw == 2 && g->sw == 2 && g->dw == 1 && g->pl == 0
      && have_avx2 ())
    maxpool_2x2s2 (in, out, p0, p1, g);
  else if (g->kh == 3 && g->kw == 3 && g->sh == 2 && g->sw == 2 && g->dh == 1
           && g->dw == 1 && row_width (g) <= ROW_MAX && have_avx2 ())
    maxpool_3x3s2 (in, out, p0, p1, g);
  else if (row_width (g) <= ROW_MAX)
    maxpool_rows (in, out, p0, p1, g);
  else
    maxpool_sweep (in, out, p0, p1, g);
}

// in (P,H,W), out (P,OH,OW): planes [p0, p1)
void
nn_avgpool2d (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
              const nn_win2d *g, bool count_include_pad)
{
  if (row_width (g) <= ROW_MAX && g->dh == 1 && g->dw == 1)
    avgpool_rows (in, out, p0, p1, g, count_include_pad);
  else
    avgpool_sweep (in, out, p0, p1, g, count_include_pad);
}

// in (P,S), out (P): planes [p0, p1)
__attribute__ ((target_clones ("avx2", "default"))) void
nn_global_avgpool (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
                   ptrdiff_t s)
{
  for (ptrdiff_t p = p0; p < p1; p++) {
    const float *r = in + p * s;
    /* Eight partial sums so the loop vectorizes without reassociation. */
    float acc[8] = { 0 };
    ptrdiff_t i = 0;
    for (; i + 8 <= s; i += 8)
      for (int k = 0; k < 8; k++)
        acc[k] += r[i + k];
    float t = 0.f;
    for (; i < s; i++)
      t += r[i];
    for (int k = 0; k < 8; k++)
      t += acc[k];
    out[p] = s > 0 ? t / (float)s : 0.f;
  }
}

// in (P,S), out (P): planes [p0, p1)
__attribute__ ((target_clones ("avx2", "default"))) void
nn_global_maxpool (const float *in, float *out, ptrdiff_t p0, ptrdiff_t p1,
                   ptrdiff_t s)
{
  for (ptrdiff_t p = p0; p < p1; p++) {
    const float *r = in + p * s;
    float acc[8];
    for (int k = 0; k < 8; k++)
      acc[k] = -INFINITY;
    ptrdiff_t i = 0;
    for (; i + 8 <= s; i += 8)
      for (int k = 0; k < 8; k++)
        acc[k] = r[i + k] > acc[k] ? r[i + k] : acc[k];
    float t = -INFINITY;
    for (; i < s; i++)
      t = r[i] > t ? r[i] : t;
    for (int k = 0; k < 8; k++)
      t = acc[k] > t ? acc[k] : t;
    out[p] = t;
  }
}

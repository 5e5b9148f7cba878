/* Depthwise convolution (one input channel per output channel group).
 *
 * The AVX2 kernel computes strips of up to 32 outputs of one row in four
 * independent accumulators, taking the kernel taps in the inner loop; the
 * input is read as whole vectors (stride 1) or as two vectors split into
 * even and odd lanes (stride 2). Input rows are first copied with their
 * zero padding into a small ring on the stack, so that no output needs a
 * bounds check. Other strides, very wide rows and CPUs without AVX2 use
 * the portable row-sweep kernel. */
#include "kernels.h"
#include "packed.h"

#include <string.h>

/* Output columns [*x0, *x1) whose input column x*sw + off lies in [0, iw). */
static inline void
valid_cols (ptrdiff_t off, ptrdiff_t sw, ptrdiff_t iw, ptrdiff_t ow,
    ptrdiff_t *x0, ptrdiff_t *x1)
{
  ptrdiff_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  ptrdiff_t hi = iw - 1 - off >= 0 ? (iw - 1 - off) / sw + 1 : 0;
  if (hi > ow)
    hi = ow;
  *x0 = lo;
  *x1 = hi < lo ? lo : hi;
}

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
          valid_cols (off, g->sw, g->iw, g->ow, &x0, &x1);
          const float wv = wo[ky * g->kw + kx];
          for (ptrdiff_t x = x0; x < x1; x++)
            yr[x] += wv * r[x * g->sw + off];
        }
      }
      nn_act_apply (act, yr, (size_t) g->ow);
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target ("avx2,fma")))
#define INL static inline __attribute__((always_inline)) TGT

/* Floats of the staging buffers (on the stack): two whole padded planes
 * when they fit, else a ring of padded rows. */
#define DW_PLANE_MAX 12288
#define DW_RING_MAX 8192
/* Output rows the ring is filled ahead of use. */
#define DW_AHEAD 4

/* The first n (< 8) lanes of v to y, without a loop that the compiler
 * would turn into a slow string move. */
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
    _mm_storel_pi ((__m64 *) y, h);
    h = _mm_movehl_ps (h, h);
    y += 2;
    n -= 2;
  }
  if (n >= 1)
    _mm_store_ss (y, h);
}

/* U vectors (8U outputs) of one output row starting at output x; tap
 * (ky, kx) reads 8 consecutive floats at rows[ky] + toff[kx] + x + 8u. */
// rows: KH ring slots, w (KH,KW), y (n <= 8U)
INL void
dw_strip (const int U, const float *const *rows, const ptrdiff_t *toff,
    const float *w, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t x, __m256 b,
    float *y, int n, int kind, __m256 lo, __m256 hi)
{
  __m256 a0 = b, a1 = b, a2 = b, a3 = b;
  for (ptrdiff_t ky = 0; ky < kh; ky++) {
    const float *row = rows[ky] + x;
    for (ptrdiff_t kx = 0; kx < kw; kx++) {
      const float *r = row + toff[kx];
      const __m256 wv = _mm256_broadcast_ss (w + ky * kw + kx);
      a0 = _mm256_fmadd_ps (wv, _mm256_loadu_ps (r), a0);
      if (U > 1)
        a1 = _mm256_fmadd_ps (wv, _mm256_loadu_ps (r + 8), a1);
      if (U > 2)
        a2 = _mm256_fmadd_ps (wv, _mm256_loadu_ps (r + 16), a2);
      if (U > 3)
        a3 = _mm256_fmadd_ps (wv, _mm256_loadu_ps (r + 24), a3);
    }
  }
  __m256 v[4] = { a0, a1, a2, a3 };
  for (int u = 0; u < U; u++) {
    if (kind == 1)
      v[u] = _mm256_max_ps (v[u], _mm256_setzero_ps ());
    else if (kind == 2)
      v[u] = _mm256_min_ps (hi, _mm256_max_ps (lo, v[u]));
  }
  for (int u = 0; u < U; u++) {
    if (n >= 8 * (u + 1))
      _mm256_storeu_ps (y + 8 * u, v[u]);
    else if (n > 8 * u)
      store_part (y + 8 * u, v[u], n - 8 * u);
  }
}

/* One output row through strips of up to 32. */
INL void
dw_row (const float *const *rows, const ptrdiff_t *toff, const float *w,
    const nn_win2d *g, __m256 b, float *yr, int kind, __m256 lo, __m256 hi)
{
  ptrdiff_t x = 0;
  for (; x + 32 <= g->ow; x += 32)
    dw_strip (4, rows, toff, w, g->kh, g->kw, x, b, yr + x, 32, kind, lo,
        hi);
  ptrdiff_t n = g->ow - x;
  if (n > 24)
    dw_strip (4, rows, toff, w, g->kh, g->kw, x, b, yr + x, (int) n, kind,
        lo, hi);
  else if (n > 16)
    dw_strip (3, rows, toff, w, g->kh, g->kw, x, b, yr + x, (int) n, kind,
        lo, hi);
  else if (n > 8)
    dw_strip (2, rows, toff, w, g->kh, g->kw, x, b, yr + x, (int) n, kind,
        lo, hi);
  else if (n > 0)
    dw_strip (1, rows, toff, w, g->kh, g->kw, x, b, yr + x, (int) n, kind,
        lo, hi);
}

/* Ring geometry. A slot holds one padded input row: as is for stride 1,
 * split into its even then its odd columns for stride 2 (so that the
 * outputs' inputs are consecutive again). */
static inline ptrdiff_t
dw_span (const nn_win2d *g)
{
  return (g->kh - 1) * g->dh + 1;
}

/* Slots in the ring: the rows of this output row and of the next
 * DW_AHEAD ones, rounded up to a power of two so that a row's slot is a
 * mask away. Rows are filled ahead of use so that the strips never read a
 * row whose stores may still be in flight: such reads, at another
 * alignment than the stores, stall store forwarding. */
static inline ptrdiff_t
dw_ring (const nn_win2d *g)
{
  ptrdiff_t r = 1;
  while (r < dw_span (g) + DW_AHEAD * g->sh)
    r *= 2;
  return r;
}

static inline ptrdiff_t
dw_wp (const nn_win2d *g)
{
  return g->pl + g->iw + g->pr;
}

static inline ptrdiff_t
dw_slot (const nn_win2d *g)
{
  ptrdiff_t wp = dw_wp (g);
  return g->sw == 2 ? 2 * ((wp + 1) / 2) : wp;
}

/* What a strip may read past the last slot (lanes never stored; strips
 * running past the end of other slots read the next one). */
static inline ptrdiff_t
dw_extra (const nn_win2d *g)
{
  return 48 + (g->kw - 1) * g->dw;
}

/* Element j of the padded row over input row src. */
static inline float
dw_padded (const float *src, ptrdiff_t j, const nn_win2d *g)
{
  j -= g->pl;
  return j >= 0 && j < g->iw ? src[j] : 0.f;
}

/* Fills a slot from input row src (NULL: a padding row). Stride 2 splits
 * the padded row into even then odd columns, reading the input directly
 * (splitting a freshly written copy would stall store forwarding). */
INL void
dw_fill (float *slot, const float *src, const nn_win2d *g, int s2)
{
  const ptrdiff_t wp = dw_wp (g);
  if (!src) {
    for (ptrdiff_t j = 0; j < dw_slot (g); j++)
      slot[j] = 0.f;
    return;
  }
  if (!s2) {
    for (ptrdiff_t j = 0; j < g->pl; j++)
      slot[j] = 0.f;
    ptrdiff_t j = 0;
    for (; j + 8 <= g->iw; j += 8)
      _mm256_storeu_ps (slot + g->pl + j, _mm256_loadu_ps (src + j));
    for (; j < g->iw; j++)
      slot[g->pl + j] = src[j];
    for (j = g->pl + g->iw; j < wp; j++)
      slot[j] = 0.f;
    return;
  }
  const ptrdiff_t half = (wp + 1) / 2;
  const int perm = _MM_SHUFFLE (3, 1, 2, 0);
  for (ptrdiff_t i = 0; i < half; i += 8) {
    const ptrdiff_t base = 2 * i - g->pl;
    if (base >= 0 && base + 16 <= g->iw && i + 8 <= half) {
      const __m256 a = _mm256_loadu_ps (src + base);
      const __m256 c = _mm256_loadu_ps (src + base + 8);
      const __m256 e = _mm256_shuffle_ps (a, c, _MM_SHUFFLE (2, 0, 2, 0));
      const __m256 o = _mm256_shuffle_ps (a, c, _MM_SHUFFLE (3, 1, 3, 1));
      _mm256_storeu_ps (slot + i, _mm256_castpd_ps (_mm256_permute4x64_pd
              (_mm256_castps_pd (e), perm)));
      _mm256_storeu_ps (slot + half + i, _mm256_castpd_ps
          (_mm256_permute4x64_pd (_mm256_castps_pd (o), perm)));
    } else
      for (ptrdiff_t l = i; l < i + 8 && l < half; l++) {
        slot[l] = dw_padded (src, 2 * l, g);
        slot[half + l] = dw_padded (src, 2 * l + 1, g);
      }
  }
}

/* Stages every padded row of one input plane. */
INL void
dw_fill_plane (float *buf, const float *plane, const nn_win2d *g, int s2)
{
  const ptrdiff_t slot = dw_slot (g), hp = g->pt + g->ih + g->pb;
  for (ptrdiff_t py = 0; py < hp; py++) {
    const ptrdiff_t iy = py - g->pt;
    dw_fill (buf + py * slot, iy < 0 || iy >= g->ih ? NULL
        : plane + iy * g->iw, g, s2);
  }
}

static inline bool
dw_plane_mode (const nn_win2d *g)
{
  return (g->pt + g->ih + g->pb) * dw_slot (g) + dw_extra (g)
      <= DW_PLANE_MAX;
}

/* Planes that fit are staged whole, one input channel ahead of the one
 * being computed; larger ones go through a ring of rows filled DW_AHEAD
 * output rows ahead. Either way every output reads staged padded rows
 * only, written long enough before. */
TGT static void
dw_avx2 (const float *in, const float *w, const float *bias, float *out,
    ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult, const nn_win2d *g,
    const nn_act *act)
{
  const int s2 = g->sw == 2;
  int kind = act->type == NN_ACT_NONE ? 0 : act->type == NN_ACT_RELU ? 1
      : act->type == NN_ACT_CLIP ? 2 : -1;
  const __m256 lo = _mm256_set1_ps (act->alpha);
  const __m256 hi = _mm256_set1_ps (act->beta);
  const ptrdiff_t span = dw_span (g), slot = dw_slot (g);
  const ptrdiff_t half = (dw_wp (g) + 1) / 2;
  const ptrdiff_t hp = g->pt + g->ih + g->pb;
  const bool whole = dw_plane_mode (g);
  const ptrdiff_t nring = dw_ring (g), mask = nring - 1;
  /* Plane mode: two planes, each with its slack. Ring mode: the ring. */
  float buf[2 * DW_PLANE_MAX] __attribute__((aligned (32)));
  const ptrdiff_t pstride = ((hp * slot + dw_extra (g)) + 7) / 8 * 8;
  const float *rows[16];
  ptrdiff_t toff[16];

  for (ptrdiff_t kx = 0; kx < g->kw; kx++) {
    ptrdiff_t c = kx * g->dw;
    toff[kx] = s2 ? (c & 1) * half + (c >> 1) : c;
  }
  if (whole) {
    memset (buf + hp * slot, 0, sizeof (float) * (size_t) dw_extra (g));
    memset (buf + pstride + hp * slot, 0,
        sizeof (float) * (size_t) dw_extra (g));
    dw_fill_plane (buf + (o0 / mult & 1) * pstride, in + (o0 / mult)
        * g->ih * g->iw, g, s2);
  } else
    memset (buf + nring * slot, 0, sizeof (float) * (size_t) dw_extra (g));

  for (ptrdiff_t o = o0; o < o1; o++) {
    const ptrdiff_t ic = o / mult;
    const float *plane = in + ic * g->ih * g->iw;
    const float *wo = w + o * g->kh * g->kw;
    const __m256 b = _mm256_set1_ps (bias ? bias[o] : 0.f);
    float *y = out + o * g->oh * g->ow;
    const float *pb = buf + (ic & 1) * pstride;
    /* Stage the next input channel before computing this one. */
    if (whole && (o + 1) < o1 && (o + 1) / mult != ic)
      dw_fill_plane (buf + (((o + 1) / mult) & 1) * pstride, in + ((o + 1)
              / mult) * g->ih * g->iw, g, s2);
    ptrdiff_t next = 0;         /* ring mode: first row not yet staged */
    for (ptrdiff_t oy = 0; oy < g->oh; oy++) {
      const ptrdiff_t py0 = oy * g->sh;
      if (whole) {
        for (ptrdiff_t ky = 0; ky < g->kh; ky++)
          rows[ky] = pb + (py0 + ky * g->dh) * slot;
      } else {
        if (next < py0)
          next = py0;
        for (; next < py0 + span + DW_AHEAD * g->sh && next < hp; next++) {
          const ptrdiff_t iy = next - g->pt;
          dw_fill (buf + (next & mask) * slot, iy < 0 || iy >= g->ih
              ? NULL : plane + iy * g->iw, g, s2);
        }
        for (ptrdiff_t ky = 0; ky < g->kh; ky++)
          rows[ky] = buf + ((py0 + ky * g->dh) & mask) * slot;
      }
      float *yr = y + oy * g->ow;
      dw_row (rows, toff, wo, g, b, yr, kind < 0 ? 0 : kind, lo, hi);
      if (kind < 0)
        nn_act_apply (act, yr, (size_t) g->ow);
    }
  }
}

static bool
dw_avx2_ok (const nn_win2d *g)
{
  return (g->sw == 1 || g->sw == 2) && g->kh <= 16 && g->kw <= 16
      && (dw_plane_mode (g)
      || dw_ring (g) * dw_slot (g) + dw_extra (g) <= DW_RING_MAX)
      && nn_kernels_avx2 ();
}

#else

static bool
dw_avx2_ok (const nn_win2d *g)
{
  return false;
}

static void
dw_avx2 (const float *in, const float *w, const float *bias, float *out,
    ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult, const nn_win2d *g,
    const nn_act *act)
{
}

#endif

// in (C,H,W), w (C*mult,1,KH,KW), bias (C*mult) or NULL, out (C*mult,OH,OW):
// output channels [o0, o1)
void
nn_depthwise2d (const float *in, const float *w, const float *bias,
    float *out, ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t mult,
    const nn_win2d *g, const nn_act *act)
{
  if (dw_avx2_ok (g))
    dw_avx2 (in, w, bias, out, o0, o1, mult, g, act);
  else
    dw_generic (in, w, bias, out, o0, o1, mult, g, act);
}

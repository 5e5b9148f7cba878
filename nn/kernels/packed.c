/* Packed-weight direct kernels (see packed.h). The micro-kernels keep a
 * 6 x 16 tile in twelve AVX registers and do two FMAs per load of the
 * streamed operand; tile heights below 6 are separate instantiations of
 * the same inline function. Weights are read with unaligned loads: weights
 * packed at run time sit in the workspace, whose alignment is the
 * planner's. */
#include "act.h"
#include "packed.h"

#include <string.h>

void
nn_pack_voc (const float *w, ptrdiff_t ldw, ptrdiff_t ocg, ptrdiff_t k,
             float alpha, float *out)
{
  ptrdiff_t panels = (ocg + NN_VOC_NR - 1) / NN_VOC_NR;
  for (ptrdiff_t j = 0; j < panels; j++)
    for (ptrdiff_t q = 0; q < k; q++)
      for (ptrdiff_t v = 0; v < NN_VOC_NR; v++) {
        ptrdiff_t o = j * NN_VOC_NR + v;
        *out++ = o < ocg ? alpha * w[o * ldw + q] : 0.f;
      }
}

void
nn_pack_voc_t (const float *w, ptrdiff_t ldw, ptrdiff_t ocg, ptrdiff_t k,
               float alpha, float *out)
{
  ptrdiff_t panels = (ocg + NN_VOC_NR - 1) / NN_VOC_NR;
  for (ptrdiff_t j = 0; j < panels; j++)
    for (ptrdiff_t q = 0; q < k; q++)
      for (ptrdiff_t v = 0; v < NN_VOC_NR; v++) {
        ptrdiff_t o = j * NN_VOC_NR + v;
        *out++ = o < ocg ? alpha * w[q * ldw + o] : 0.f;
      }
}

void
nn_pack_vpos (const float *w, ptrdiff_t ldw, ptrdiff_t ocg, ptrdiff_t k,
              float *out)
{
  ptrdiff_t panels = (ocg + NN_VPOS_MR - 1) / NN_VPOS_MR;
  for (ptrdiff_t j = 0; j < panels; j++)
    for (ptrdiff_t q = 0; q < k; q++)
      for (ptrdiff_t r = 0; r < NN_VPOS_MR; r++) {
        ptrdiff_t o = j * NN_VPOS_MR + r;
        *out++ = o < ocg ? w[o * ldw + q] : 0.f;
      }
}

#if defined(__x86_64__)
#include <immintrin.h>

#include "target.h"

#define TGT NN_TGT_AVX2
#define INL NN_INL_AVX2

/* The CPU's features, read once as the library loads (before any thread
 * runs): the dispatch asks for them on every call, thousands of times a
 * run (each activation row of a vec_pos layer), and the compiler's checks
 * are function calls. */
static bool cpu_avx2_fma, cpu_avx512;

__attribute__ ((constructor)) static void
read_cpu_features (void)
{
  __builtin_cpu_init ();
  cpu_avx2_fma
      = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
  cpu_avx512 = cpu_avx2_fma && nn_kernels_have_avx512 ();
}

static bool
have_avx2_fma (void)
{
  return cpu_avx2_fma;
}

static bool
have_avx512 (void)
{
  return cpu_avx512;
}

/* ---- vec_oc ------------------------------------------------------------ */

/* K is cut into blocks whose weights (KC x 16 floats, 16 KiB) stay in L1
 * while up to VOC_CHUNK tiles use them; partial sums wait in a stack
 * buffer between blocks. */
#define VOC_KC 256
#define VOC_CHUNK 16

#define VOC_FMA(r)                                                             \
  if (MR > r) {                                                                \
    const __m256 a = _mm256_broadcast_ss (x##r + o);                           \
    c##r##0 = _mm256_fmadd_ps (a, w0, c##r##0);                                \
    c##r##1 = _mm256_fmadd_ps (a, w1, c##r##1);                                \
  }
#define VOC_LOAD(r)                                                            \
  if (MR > r) {                                                                \
    c##r##0 = _mm256_load_ps (tile + r * 16);                                  \
    c##r##1 = _mm256_load_ps (tile + r * 16 + 8);                              \
  }
#define VOC_STORE(r)                                                           \
  if (MR > r) {                                                                \
    _mm256_store_ps (tile + r * 16, c##r##0);                                  \
    _mm256_store_ps (tile + r * 16 + 8, c##r##1);                              \
  }

/* tile (MR, 16) = (cont ? tile : bias) + sum_k x_r[koff[k]] * w[k][16] */
// x rows at x + ro[r], w (K, 16), tile (MR, 16)
INL void
voc_kernel (const int MR, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
            const ptrdiff_t *koff, const float *w, const float *bias, bool cont,
            float *tile)
{
  const __m256 b0 = bias ? _mm256_loadu_ps (bias) : _mm256_setzero_ps ();
  const __m256 b1 = bias ? _mm256_loadu_ps (bias + 8) : _mm256_setzero_ps ();
  __m256 c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1;
  __m256 c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1;
  if (cont) {
    VOC_LOAD (0)
    VOC_LOAD (1) VOC_LOAD (2) VOC_LOAD (3) VOC_LOAD (4) VOC_LOAD (5)
  }
  const float *x0 = x + ro[0];
  const float *x1 = x + ro[MR > 1 ? 1 : 0];
  const float *x2 = x + ro[MR > 2 ? 2 : 0];
  const float *x3 = x + ro[MR > 3 ? 3 : 0];
  const float *x4 = x + ro[MR > 4 ? 4 : 0];
  const float *x5 = x + ro[MR > 5 ? 5 : 0];

  if (MR == 1) {
    /* One row alone would wait on FMA latency: run four independent
     * chains over k and add them up at the end. */
    ptrdiff_t q = 0;
    c10 = c11 = c20 = c21 = c30 = c31 = _mm256_setzero_ps ();
    for (; q + 4 <= kc; q += 4, w += 64) {
      __m256 a = _mm256_broadcast_ss (x0 + koff[q]);
      c00 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w), c00);
      c01 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 8), c01);
      a = _mm256_broadcast_ss (x0 + koff[q + 1]);
      c10 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 16), c10);
      c11 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 24), c11);
      a = _mm256_broadcast_ss (x0 + koff[q + 2]);
      c20 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 32), c20);
      c21 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 40), c21);
      a = _mm256_broadcast_ss (x0 + koff[q + 3]);
      c30 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 48), c30);
      c31 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 56), c31);
    }
    c00 = _mm256_add_ps (_mm256_add_ps (c00, c10), _mm256_add_ps (c20, c30));
    c01 = _mm256_add_ps (_mm256_add_ps (c01, c11), _mm256_add_ps (c21, c31));
    for (; q < kc; q++, w += 16) {
      const __m256 a = _mm256_broadcast_ss (x0 + koff[q]);
      c00 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w), c00);
      c01 = _mm256_fmadd_ps (a, _mm256_loadu_ps (w + 8), c01);
    }
    _mm256_store_ps (tile, c00);
    _mm256_store_ps (tile + 8, c01);
    return;
  }

  for (ptrdiff_t q = 0; q < kc; q++, w += 16) {
    const ptrdiff_t o = koff[q];
    const __m256 w0 = _mm256_loadu_ps (w), w1 = _mm256_loadu_ps (w + 8);
    VOC_FMA (0) VOC_FMA (1) VOC_FMA (2) VOC_FMA (3) VOC_FMA (4) VOC_FMA (5)
  }
  VOC_STORE (0)
  VOC_STORE (1) VOC_STORE (2) VOC_STORE (3) VOC_STORE (4) VOC_STORE (5)
}

INL void
voc_call (int mr, ptrdiff_t kc, const float *x, const ptrdiff_t *ro,
          const ptrdiff_t *koff, const float *w, const float *bias, bool cont,
          float *tile)
{
  switch (mr) {
  case 6:
    voc_kernel (6, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 5:
    voc_kernel (5, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 4:
    voc_kernel (4, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 3:
    voc_kernel (3, kc, x, ro, koff, w, bias, cont, tile);
    break;
  case 2:
    voc_kernel (2, kc, x, ro, koff, w, bias, cont, tile);
    break;
  default:
    voc_kernel (1, kc, x, ro, koff, w, bias, cont, tile);
    break;
  }
}

/* A full tile (6 positions of 16 channels) into channel rows of y, 6
 * floats a channel, transposed in registers: 32 stores rather than 96.
 * With a residual (when act_after): each row's 6 residual floats are read
 * before its 6 outputs are stored (so res may be y), added, and the
 * activation applied (kind >= 0). */
INL void
voc_store_rows (const nn_voc_args *a, const float *tile, ptrdiff_t p0,
                ptrdiff_t oc0, bool act_after, int kind, __m256 lo, __m256 hi)
{
  for (int h = 0; h < 2; h++) {
    __m256 v[8];
    for (int r = 0; r < NN_VOC_MR; r++)
      v[r] = _mm256_load_ps (tile + r * 16 + h * 8);
    v[6] = v[7] = _mm256_setzero_ps ();
    nn_transpose8 (v);
    for (int c = 0; c < 8; c++) {
      const ptrdiff_t at = (oc0 + h * 8 + c) * a->ys_oc + p0;
      __m256 t = v[c];
      if (act_after)
        t = nn_act_vec (_mm256_add_ps (t, nn_load_part (a->res + at, 6)), kind,
                        lo, hi);
      nn_store_part (a->y + at, t, NN_VOC_MR);
    }
  }
}

/* Residual, activation and store of one finished tile. */
INL void
voc_epilogue (const nn_voc_args *a, float *tile, int mr, ptrdiff_t p0,
              ptrdiff_t oc0, ptrdiff_t noc, int kind, __m256 lo, __m256 hi)
{
  /* Channel rows (a Conv's output): whole tiles transposed in registers,
   * the residual and the activation added there when act >= 0 allows. */
  const bool rows = a->ys_oc != 1 && a->ys_p == 1 && mr == NN_VOC_MR
                    && noc == NN_VOC_NR && (!a->res || kind >= 0);
  if (rows && a->res) {
    voc_store_rows (a, tile, p0, oc0, true, kind, lo, hi);
    return;
  }
  if (a->res)
    for (ptrdiff_t v = 0; v < noc; v++) {
      const float *src = a->res + (oc0 + v) * a->ys_oc + p0 * a->ys_p;
      for (int r = 0; r < mr; r++)
        tile[r * 16 + v] += src[r * a->ys_p];
    }
  if (kind > 0)
    for (int r = 0; r < mr; r++) {
      _mm256_store_ps (
          tile + r * 16,
          nn_act_vec (_mm256_load_ps (tile + r * 16), kind, lo, hi));
      _mm256_store_ps (
          tile + r * 16 + 8,
          nn_act_vec (_mm256_load_ps (tile + r * 16 + 8), kind, lo, hi));
    }
  else if (kind < 0)
    nn_act_apply (a->act, tile, (size_t)mr * NN_VOC_NR);

  if (rows)
    voc_store_rows (a, tile, p0, oc0, false, 0, lo, hi);
  else if (a->ys_oc == 1) {
    /* Rows of channels: contiguous stores. */
    for (int r = 0; r < mr; r++) {
      float *dst = a->y + (p0 + r) * a->ys_p + oc0;
      if (noc == NN_VOC_NR) {
        _mm256_storeu_ps (dst, _mm256_load_ps (tile + r * 16));
        _mm256_storeu_ps (dst + 8, _mm256_load_ps (tile + r * 16 + 8));
      } else
        memcpy (dst, tile + r * 16, sizeof (float) * (size_t)noc);
    }
  } else {
    for (ptrdiff_t v = 0; v < noc; v++) {
      float *dst = a->y + (oc0 + v) * a->ys_oc + p0 * a->ys_p;
      for (int r = 0; r < mr; r++)
        dst[r * a->ys_p] = tile[r * 16 + v];
    }
  }
}

/* Tile positions and rows of chunk [c0, c0 + nt): one division per chunk,
 * positions then advance one by one. */
INL void
voc_chunk_rows (const nn_voc_args *a, ptrdiff_t c0, int nt,
                ptrdiff_t ro[][NN_VOC_MR], int *mr)
{
  ptrdiff_t row = c0 * NN_VOC_MR / a->pw, col = c0 * NN_VOC_MR % a->pw;
  for (int i = 0; i < nt; i++) {
    const ptrdiff_t p0 = (c0 + i) * NN_VOC_MR;
    mr[i] = a->npos - p0 < NN_VOC_MR ? (int)(a->npos - p0) : NN_VOC_MR;
    for (int r = 0; r < NN_VOC_MR; r++) {
      ro[i][r] = row * a->row_step + col * a->col_step;
      if (++col == a->pw) {
        col = 0;
        row++;
      }
    }
  }
}

// x (any, via pos and koff), w [panels][K][16], y (OCg, npos) strided
TGT static void
voc_panel_avx2 (const nn_voc_args *a, ptrdiff_t j, ptrdiff_t t0, ptrdiff_t t1)
{
  const float *w = a->w + j * a->k * NN_VOC_NR;
  const float *bias = a->bias ? a->bias + j * NN_VOC_NR : NULL;
  const ptrdiff_t oc0 = j * NN_VOC_NR;
  const ptrdiff_t noc = a->ocg - oc0 < NN_VOC_NR ? a->ocg - oc0 : NN_VOC_NR;
  const int kind = nn_act_kind (a->act);
  const __m256 lo = _mm256_set1_ps (a->act->alpha);
  const __m256 hi = _mm256_set1_ps (a->act->beta);
  const bool wide = nn_kernels_avx512 ();
  float acc[VOC_CHUNK][NN_VOC_MR * NN_VOC_NR] __attribute__ ((aligned (64)));
  ptrdiff_t ro[VOC_CHUNK][NN_VOC_MR];
  int mr[VOC_CHUNK];

  for (ptrdiff_t c0 = t0; c0 < t1; c0 += VOC_CHUNK) {
    const int nt = t1 - c0 < VOC_CHUNK ? (int)(t1 - c0) : VOC_CHUNK;
    voc_chunk_rows (a, c0, nt, ro, mr);
    for (ptrdiff_t kb = 0; kb < a->k; kb += VOC_KC) {
      const ptrdiff_t kc = a->k - kb < VOC_KC ? a->k - kb : VOC_KC;
      for (int i = 0; i < nt; i++) {
        /* With AVX-512, a full tile and the next (if it has more than one
         * row: one row adds over k in its own order, below) run as one
         * tile of 12 rows: ro[i] and acc[i] run on into ro[i + 1] and
         * acc[i + 1]. A lone tile of 2 to 6 rows runs alone. */
        if (wide && mr[i] > 1) {
          const bool pair = mr[i] == NN_VOC_MR && i + 1 < nt && mr[i + 1] > 1;
          nn_voc_rows_avx512 (pair ? NN_VOC_MR + mr[i + 1] : mr[i], kc, a->x,
                              ro[i], a->koff + kb, w + kb * NN_VOC_NR, bias,
                              kb > 0, acc[i]);
          i += pair;
          continue;
        }
        voc_call (mr[i], kc, a->x, ro[i], a->koff + kb, w + kb * NN_VOC_NR,
                  bias, kb > 0, acc[i]);
      }
    }
    for (int i = 0; i < nt; i++)
      voc_epilogue (a, acc[i], mr[i], (c0 + i) * NN_VOC_MR, oc0, noc, kind, lo,
                    hi);
  }
}

/* K block of the wide form: NP panels' weights (up to 4 x 8 KiB) stay in
 * L1 while the chunk's tiles use them. */
#define VOC_KC_WIDE 128

/* Panels [j0, j0 + np), np in 2..4, with the AVX-512 wide kernels: each
 * tile for all np panels at once; a tile of one row (the last, when npos
 * is 6 q + 1) in the AVX2 one-row kernel's blocks of K and order of
 * additions (four chains), as the one-panel form runs it. */
// x (any, via pos and koff), w [panels][K][16], y (OCg, npos) strided
TGT static void
voc_wide_avx512 (const nn_voc_args *a, ptrdiff_t j0, int np, ptrdiff_t t0,
                 ptrdiff_t t1)
{
  const ptrdiff_t wstep = a->k * NN_VOC_NR;
  const float *w = a->w + j0 * wstep;
  const float *bias = a->bias ? a->bias + j0 * NN_VOC_NR : NULL;
  /* Sigmoid and SiLU over the whole tile in 16 lanes (kind -1:
   * nn_act_apply), the same bits as 8 at a time in registers, for half
   * the instructions of their exp and division. */
  const int kind = a->act->type == NN_ACT_SIGMOID ? -1 : nn_act_kind (a->act);
  const __m256 lo = _mm256_set1_ps (a->act->alpha);
  const __m256 hi = _mm256_set1_ps (a->act->beta);
  enum { TSTEP = VOC_CHUNK * NN_VOC_MR * NN_VOC_NR };
  float acc[4][VOC_CHUNK][NN_VOC_MR * NN_VOC_NR] __attribute__ ((aligned (64)));
  ptrdiff_t ro[VOC_CHUNK][NN_VOC_MR];
  int mr[VOC_CHUNK];

  for (ptrdiff_t c0 = t0; c0 < t1; c0 += VOC_CHUNK) {
    const int nt = t1 - c0 < VOC_CHUNK ? (int)(t1 - c0) : VOC_CHUNK;
    voc_chunk_rows (a, c0, nt, ro, mr);
    for (ptrdiff_t kb = 0; kb < a->k; kb += VOC_KC_WIDE) {
      const ptrdiff_t kc = a->k - kb < VOC_KC_WIDE ? a->k - kb : VOC_KC_WIDE;
      for (int i = 0; i < nt; i++)
        if (mr[i] > 1)
          nn_voc_wide_avx512 (mr[i], np, kc, a->x, ro[i], a->koff + kb,
                              w + kb * NN_VOC_NR, wstep, bias, kb > 0,
                              acc[0][i], TSTEP);
    }
    const int last = nt - 1;
    if (mr[last] == 1)
      for (ptrdiff_t kb = 0; kb < a->k; kb += VOC_KC) {
        const ptrdiff_t kc = a->k - kb < VOC_KC ? a->k - kb : VOC_KC;
        nn_voc_row_wide_avx512 (np, kc, a->x, ro[last], a->koff + kb,
                                w + kb * NN_VOC_NR, wstep, bias, kb > 0,
                                acc[0][last], TSTEP);
      }
    for (int p = 0; p < np; p++) {
      const ptrdiff_t oc0 = (j0 + p) * NN_VOC_NR;
      const ptrdiff_t noc = a->ocg - oc0 < NN_VOC_NR ? a->ocg - oc0 : NN_VOC_NR;
      for (int i = 0; i < nt; i++)
        voc_epilogue (a, acc[p][i], mr[i], (c0 + i) * NN_VOC_MR, oc0, noc, kind,
                      lo, hi);
    }
  }
}

// x (any, via pos and koff), w [panels][K][16], y (OCg, npos) strided
TGT static void
voc_tiles_avx2 (const nn_voc_args *a, ptrdiff_t j0, ptrdiff_t j1, ptrdiff_t t0,
                ptrdiff_t t1)
{
  if (nn_kernels_avx512 () && j1 - j0 >= 2 && j1 - j0 <= 4) {
    voc_wide_avx512 (a, j0, (int)(j1 - j0), t0, t1);
    return;
  }
  for (ptrdiff_t j = j0; j < j1; j++)
    voc_panel_avx2 (a, j, t0, t1);
}

/* ---- vec_pos ----------------------------------------------------------- */

#define VPOS_FMA(r)                                                            \
  if (MR > r) {                                                                \
    const __m256 a = _mm256_broadcast_ss (w + r);                              \
    c##r##0 = _mm256_fmadd_ps (a, x0, c##r##0);                                \
    c##r##1 = _mm256_fmadd_ps (a, x1, c##r##1);                                \
  }
#define VPOS_STORE(r)                                                          \
  if (MR > r) {                                                                \
    float *d = y + r * ldy;                                                    \
    if (RES) {                                                                 \
      c##r##0 = _mm256_add_ps (c##r##0, nn_load_part (res + r * ldy, n));      \
      c##r##1                                                                  \
          = _mm256_add_ps (c##r##1, nn_load_part (res + r * ldy + 8, n - 8));  \
    }                                                                          \
    const __m256 v0 = nn_act_vec (c##r##0, kind, lo, hi);                      \
    const __m256 v1 = nn_act_vec (c##r##1, kind, lo, hi);                      \
    if (n == 16) {                                                             \
      _mm256_storeu_ps (d, v0);                                                \
      _mm256_storeu_ps (d + 8, v1);                                            \
    } else if (n > 8) {                                                        \
      _mm256_storeu_ps (d, v0);                                                \
      nn_store_part (d + 8, v1, n - 8);                                        \
    } else if (n == 8)                                                         \
      _mm256_storeu_ps (d, v0);                                                \
    else                                                                       \
      nn_store_part (d, v0, n);                                                \
  }
#define VPOS_INIT(r)                                                           \
  const __m256 b##r = bias && MR > r ? _mm256_broadcast_ss (bias + r)          \
                                     : _mm256_setzero_ps ();                   \
  __m256 c##r##0 = b##r, c##r##1 = b##r;

/* y (MR, n <= 16) = bias + sum_k w[k][MR] * x[koff[k] .. + 16], plus res
 * with RES (each residual element read before the output element at the
 * same place is stored, so res may be y) */
// x (16 + slack per k), w (K, 6), y and res (MR rows of ldy)
INL void
vpos_kernel (const int MR, const bool RES, ptrdiff_t kc, const float *x,
             const ptrdiff_t *koff, const float *w, const float *bias, float *y,
             const float *res, ptrdiff_t ldy, int n, int kind, __m256 lo,
             __m256 hi)
{
  VPOS_INIT (0);
  VPOS_INIT (1);
  VPOS_INIT (2);
  VPOS_INIT (3);
  VPOS_INIT (4);
  VPOS_INIT (5);
  for (ptrdiff_t q = 0; q < kc; q++, w += NN_VPOS_MR) {
    const float *xp = x + koff[q];
    const __m256 x0 = _mm256_loadu_ps (xp), x1 = _mm256_loadu_ps (xp + 8);
    VPOS_FMA (0);
    VPOS_FMA (1);
    VPOS_FMA (2);
    VPOS_FMA (3);
    VPOS_FMA (4);
    VPOS_FMA (5);
  }
  /* Partial tiles: no masked stores, which are microcoded and slow on
   * AMD cores. */
  VPOS_STORE (0);
  VPOS_STORE (1);
  VPOS_STORE (2);
  VPOS_STORE (3);
  VPOS_STORE (4);
  VPOS_STORE (5);
}

/* RES: a->res is set. A constant, so that the kernels without a residual
 * stay as they were: a test of res inside them slowed every vec_pos layer
 * by 1.3-1.5x. */
// x (n positions + 15 slack), w [panels][K][6], y (OCg, ldy)
INL void
vpos_row_body (const nn_vpos_args *a, ptrdiff_t j, const float *x,
               const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n,
               const bool RES)
{
  const float *w = a->w + j * a->k * NN_VPOS_MR;
  const float *bias = a->bias ? a->bias + j * NN_VPOS_MR : NULL;
  const ptrdiff_t oc0 = j * NN_VPOS_MR;
  const int mr = a->ocg - oc0 < NN_VPOS_MR ? (int)(a->ocg - oc0) : NN_VPOS_MR;
  /* Relu and Clip cost one instruction in the kernel's epilogue. The
   * others run afterwards over the panel's rows, still in L1: inside the
   * kernel their many constants and temporaries spill its twelve
   * accumulators, and they took longer than the FMAs of a small K. */
  const int act = nn_act_kind (a->act);
  const int kind = act == 1 || act == 2 ? act : 0;
  const __m256 lo = _mm256_set1_ps (a->act->alpha);
  const __m256 hi = _mm256_set1_ps (a->act->beta);
  float *y = a->y + oc0 * a->ldy + yoff;
  const float *res = RES ? a->res + oc0 * a->ldy + yoff : NULL;

  for (ptrdiff_t i = 0; i < n; i += NN_VPOS_NR) {
    const int nv = n - i < NN_VPOS_NR ? (int)(n - i) : NN_VPOS_NR;
    switch (mr) {
    case 6:
      vpos_kernel (6, RES, a->k, x + i, koff, w, bias, y + i,
                   RES ? res + i : NULL, a->ldy, nv, kind, lo, hi);
      break;
    case 5:
      vpos_kernel (5, RES, a->k, x + i, koff, w, bias, y + i,
                   RES ? res + i : NULL, a->ldy, nv, kind, lo, hi);
      break;
    case 4:
      vpos_kernel (4, RES, a->k, x + i, koff, w, bias, y + i,
                   RES ? res + i : NULL, a->ldy, nv, kind, lo, hi);
      break;
    case 3:
      vpos_kernel (3, RES, a->k, x + i, koff, w, bias, y + i,
                   RES ? res + i : NULL, a->ldy, nv, kind, lo, hi);
      break;
    case 2:
      vpos_kernel (2, RES, a->k, x + i, koff, w, bias, y + i,
                   RES ? res + i : NULL, a->ldy, nv, kind, lo, hi);
      break;
    default:
      vpos_kernel (1, RES, a->k, x + i, koff, w, bias, y + i,
                   RES ? res + i : NULL, a->ldy, nv, kind, lo, hi);
      break;
    }
  }
  if (act != kind)
    for (int r = 0; r < mr; r++)
      nn_act_apply (a->act, y + r * a->ldy, (size_t)n);
}

TGT static void
vpos_row_avx2 (const nn_vpos_args *a, ptrdiff_t j, const float *x,
               const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n)
{
  if (a->res)
    vpos_row_body (a, j, x, koff, yoff, n, true);
  else
    vpos_row_body (a, j, x, koff, yoff, n, false);
}

#else /* !__x86_64__ */

static bool
have_avx2_fma (void)
{
  return false;
}

static bool
have_avx512 (void)
{
  return false;
}

static void
voc_tiles_avx2 (const nn_voc_args *a, ptrdiff_t j0, ptrdiff_t j1, ptrdiff_t t0,
                ptrdiff_t t1)
{
}

static void
vpos_row_avx2 (const nn_vpos_args *a, ptrdiff_t j, const float *x,
               const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n)
{
}

#endif

/* ---- Portable versions --------------------------------------------------
 * The same tiles and the same order of additions over k within a tile, in
 * plain C, for CPUs without AVX2 + FMA (and for the tests). */

int nn_kernels_generic;
int nn_kernels_no_avx512;

bool
nn_kernels_avx2 (void)
{
  return !nn_kernels_generic && have_avx2_fma ();
}

bool
nn_kernels_avx512 (void)
{
  return !nn_kernels_no_avx512 && !nn_kernels_generic && have_avx512 ();
}

// x (any, via pos and koff), w [panels][K][16], y (OCg, npos) strided
static void
voc_tiles_c (const nn_voc_args *a, ptrdiff_t j, ptrdiff_t t0, ptrdiff_t t1)
{
  const float *w = a->w + j * a->k * NN_VOC_NR;
  const ptrdiff_t oc0 = j * NN_VOC_NR;
  const ptrdiff_t noc = a->ocg - oc0 < NN_VOC_NR ? a->ocg - oc0 : NN_VOC_NR;
  float acc[NN_VOC_MR][NN_VOC_NR];
  ptrdiff_t ro[NN_VOC_MR];

  for (ptrdiff_t t = t0; t < t1; t++) {
    const ptrdiff_t p0 = t * NN_VOC_MR;
    const int mr = a->npos - p0 < NN_VOC_MR ? (int)(a->npos - p0) : NN_VOC_MR;
    for (int r = 0; r < mr; r++) {
      ptrdiff_t p = p0 + r;
      ro[r] = p / a->pw * a->row_step + p % a->pw * a->col_step;
      for (int v = 0; v < NN_VOC_NR; v++)
        acc[r][v] = a->bias ? a->bias[oc0 + v] : 0.f;
    }
    for (ptrdiff_t q = 0; q < a->k; q++) {
      const float *wq = w + q * NN_VOC_NR;
      for (int r = 0; r < mr; r++) {
        const float xv = a->x[ro[r] + a->koff[q]];
        for (int v = 0; v < NN_VOC_NR; v++)
          acc[r][v] += xv * wq[v];
      }
    }
    for (int r = 0; r < mr; r++) {
      if (a->res)
        for (ptrdiff_t v = 0; v < noc; v++)
          acc[r][v] += a->res[(oc0 + v) * a->ys_oc + (p0 + r) * a->ys_p];
      nn_act_apply (a->act, acc[r], (size_t)noc);
      for (ptrdiff_t v = 0; v < noc; v++)
        a->y[(oc0 + v) * a->ys_oc + (p0 + r) * a->ys_p] = acc[r][v];
    }
  }
}

// x (n positions), w [panels][K][6], y (OCg, ldy)
static void
vpos_row_c (const nn_vpos_args *a, ptrdiff_t j, const float *x,
            const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n)
{
  const float *w = a->w + j * a->k * NN_VPOS_MR;
  const ptrdiff_t oc0 = j * NN_VPOS_MR;
  const int mr = a->ocg - oc0 < NN_VPOS_MR ? (int)(a->ocg - oc0) : NN_VPOS_MR;
  float acc[NN_VPOS_MR][NN_VPOS_NR];

  for (ptrdiff_t i = 0; i < n; i += NN_VPOS_NR) {
    const int nv = n - i < NN_VPOS_NR ? (int)(n - i) : NN_VPOS_NR;
    for (int r = 0; r < mr; r++)
      for (int v = 0; v < nv; v++)
        acc[r][v] = a->bias ? a->bias[oc0 + r] : 0.f;
    for (ptrdiff_t q = 0; q < a->k; q++) {
      const float *xq = x + koff[q] + i, *wq = w + q * NN_VPOS_MR;
      for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++)
          acc[r][v] += wq[r] * xq[v];
    }
    for (int r = 0; r < mr; r++) {
      float *dst = a->y + (oc0 + r) * a->ldy + yoff + i;
      const float *src = a->res ? a->res + (oc0 + r) * a->ldy + yoff + i : NULL;
      for (int v = 0; v < nv; v++)
        dst[v] = src ? acc[r][v] + src[v] : acc[r][v];
      nn_act_apply (a->act, dst, (size_t)nv);
    }
  }
}

ptrdiff_t
nn_voc_groups (ptrdiff_t panels, ptrdiff_t chunks)
{
  if (!nn_kernels_avx512 () || panels < 2)
    return panels;
  ptrdiff_t groups = (panels + 3) / 4;
  const ptrdiff_t want = (NN_VOC_MIN_ITEMS + chunks - 1) / chunks;
  if (groups < want)
    groups = want < panels ? want : panels;
  return groups;
}

double
nn_voc_cost512 (ptrdiff_t npos, ptrdiff_t ocg, double k, double store)
{
  const ptrdiff_t tiles = (npos + NN_VOC_MR - 1) / NN_VOC_MR;
  const ptrdiff_t panels = (ocg + NN_VOC_NR - 1) / NN_VOC_NR;
  /* work items take chunks of at most 16 tiles */
  const ptrdiff_t groups = nn_voc_groups (panels, (tiles + 15) / 16);
  const double np = (double)panels / (double)groups;
  /* groups of 3-4 panels: 3.3-3.6 per k measured from K = 512 on (ResNet's
   * stride-2 and 7x7 layers), 3.8 below (SqueezeNet's 3x3 layers) */
  const double per_k = np >= 3.0   ? (k >= 512.0 ? 3.4 : 3.8)
                       : np >= 2.0 ? 4.2
                                   : 5.0;
  /* a last tile of fewer rows costs about its share of a full one */
  return (double)npos / NN_VOC_MR * (double)panels * (per_k * k + store);
}

void
nn_voc_tiles (const nn_voc_args *a, ptrdiff_t j0, ptrdiff_t j1, ptrdiff_t t0,
              ptrdiff_t t1)
{
  if (nn_kernels_avx2 ())
    voc_tiles_avx2 (a, j0, j1, t0, t1);
  else
    for (ptrdiff_t j = j0; j < j1; j++)
      voc_tiles_c (a, j, t0, t1);
}

void
nn_vpos_row (const nn_vpos_args *a, ptrdiff_t j, const float *x,
             const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n)
{
  if (nn_kernels_avx512 ())
    nn_vpos_panels_avx512 (a, j, 1, x, koff, yoff, n);
  else if (nn_kernels_avx2 ())
    vpos_row_avx2 (a, j, x, koff, yoff, n);
  else
    vpos_row_c (a, j, x, koff, yoff, n);
}

void
nn_vpos_rows (const nn_vpos_args *a, ptrdiff_t j0, ptrdiff_t j1, const float *x,
              const ptrdiff_t *koff, ptrdiff_t yoff, ptrdiff_t n)
{
  ptrdiff_t j = j0;
  if (nn_kernels_avx512 ())
    for (; j + 1 < j1; j += 2)
      nn_vpos_panels_avx512 (a, j, 2, x, koff, yoff, n);
  for (; j < j1; j++)
    nn_vpos_row (a, j, x, koff, yoff, n);
}

/* Each phase is a stride-2 gather between zeros, which the compiler turns
 * into vector loads and shuffles: the per-column branch it replaces cost
 * a third of MobileNetV2's first convolution. */
__attribute__ ((target_clones ("avx2", "default"))) void
nn_stage_split_row (float *dst, const float *src, ptrdiff_t iw, ptrdiff_t pl,
                    ptrdiff_t half)
{
  for (ptrdiff_t ph = 0; ph < 2; ph++) {
    /* phase ph holds padded columns 2i + ph, input columns 2i + ph - pl */
    float *d = dst + ph * half;
    ptrdiff_t i0 = pl - ph > 0 ? (pl - ph + 1) / 2 : 0;
    ptrdiff_t i1 = (iw + pl - ph + 1) / 2;
    if (i1 > half)
      i1 = half;
    if (i0 > i1)
      i0 = i1;
    const float *s = src + 2 * i0 + ph - pl;
    for (ptrdiff_t i = 0; i < i0; i++)
      d[i] = 0.f;
    for (ptrdiff_t i = 0; i < i1 - i0; i++)
      d[i0 + i] = s[2 * i];
    for (ptrdiff_t i = i1; i < half; i++)
      d[i] = 0.f;
  }
}

/* Stride 2, the usual one, as a loop of constant stride, which the
 * compiler turns into vector loads and shuffles: a scalar gather made
 * staging cost three times RegNetX's first shortcut's own GEMM. */
__attribute__ ((target_clones ("avx2", "default"))) void
nn_stage_sub_row (float *dst, const float *src, ptrdiff_t n, ptrdiff_t stride)
{
  if (stride == 2)
    for (ptrdiff_t i = 0; i < n; i++)
      dst[i] = src[2 * i];
  else
    for (ptrdiff_t i = 0; i < n; i++)
      dst[i] = src[stride * i];
}

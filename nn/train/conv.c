/* Conv2d for training: im2col + one GEMM per shard, forward and backward.
 *
 * NHWC activations make each kernel row of a patch (KW*C floats) contiguous
 * in the input, so im2col is a handful of memcpy calls per output pixel,
 * and one GEMM of (n*OH*OW) rows covers the whole shard: far better shapes
 * for OpenBLAS than one small GEMM per image.
 */
#include "layers.h"

#include <cblas.h>
#include <string.h>

size_t
nn_conv_col_per_item (const nn_layer *l)
{
  return (size_t)l->out_h * l->out_w * l->k * l->k * l->in_c;
}

/* ---- direct path: tiny KD = KH*KW*C, OC <= NN_CONV_DIRECT_MAX_OC ---- */

/* yr (OC) = b + sum over t of tap[t] * wt (KD, OC) row t */
NN_HOT static void
direct_row (int kd, int oc, const float *restrict tap, const float *restrict wt,
            const float *restrict b, int relu, float *restrict yr)
{
  for (int o = 0; o < oc; o++)
    yr[o] = b[o];
  for (int t = 0; t < kd; t++) {
    const float v = tap[t];
    const float *wr = wt + (size_t)t * oc;
    for (int o = 0; o < oc; o++)
      yr[o] += v * wr[o];
  }
  if (relu)
    for (int o = 0; o < oc; o++)
      yr[o] = yr[o] > 0.0f ? yr[o] : 0.0f;
}

/* part (KD, OC) += tap (KD) outer dyr (OC) */
NN_HOT static void
direct_outer (int kd, int oc, const float *restrict tap,
              const float *restrict dyr, float *restrict part)
{
  for (int t = 0; t < kd; t++) {
    const float v = tap[t];
    float *pr = part + (size_t)t * oc;
    for (int o = 0; o < oc; o++)
      pr[o] += v * dyr[o];
  }
}

/* col (rows, KD), w (OC, KD), b (OC) -> y (rows, OC) */
static void
direct_forward (int rows, int kd, int oc, const float *col, const float *w,
                const float *b, int relu, float *y)
{
  float wt[NN_CONV_DIRECT_MAX_KD * NN_CONV_DIRECT_MAX_OC];

  for (int o = 0; o < oc; o++)
    for (int t = 0; t < kd; t++)
      wt[t * oc + o] = w[(size_t)o * kd + t];
  for (int r = 0; r < rows; r++)
    direct_row (kd, oc, col + (size_t)r * kd, wt, b, relu, y + (size_t)r * oc);
}

/* col (n * rows_per_item, KD), dy (n * rows_per_item, OC):
 * total (KD, OC) += col^T . dy, one item at a time */
static void
direct_weight_grad (int n, int rows_per_item, int kd, int oc, const float *col,
                    const float *dy, float *total)
{
  float part[NN_CONV_DIRECT_MAX_KD * NN_CONV_DIRECT_MAX_OC];

  for (int i = 0; i < n; i++) {
    /* Per-item partial sums keep each float accumulation short. */
    memset (part, 0, (size_t)kd * oc * sizeof *part);
    for (int r = 0; r < rows_per_item; r++, col += kd, dy += oc)
      direct_outer (kd, oc, col, dy, part);
    for (int j = 0; j < kd * oc; j++)
      total[j] += part[j];
  }
}

/* ---- im2col + GEMM path ---- */

/* x (n,H,W,C) -> col (n*OH*OW, KH*KW*C) */
void
nn_im2col_nhwc (const nn_layer *l, int n, const float *x, float *col)
{
  const int h = l->in_h, w = l->in_w, c = l->in_c, k = l->k;
  const int oh = l->out_h, ow = l->out_w, s = l->stride, p = l->pad;
  const size_t krow = (size_t)k * c; /* one kernel row of a patch */

  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t)i * h * w * c;
    for (int y = 0; y < oh; y++) {
      for (int xo = 0; xo < ow; xo++) {
        const int iy0 = y * s - p, ix0 = xo * s - p;
        const int full_row = ix0 >= 0 && ix0 + k <= w;
        for (int ky = 0; ky < k; ky++, col += krow) {
          const int iy = iy0 + ky;
          if (iy < 0 || iy >= h) {
            memset (col, 0, krow * sizeof *col);
            continue;
          }
          const float *src = xi + ((size_t)iy * w) * c;
          if (full_row && krow <= 16) {
            /* A call to memcpy costs more than a few floats. */
            for (size_t j = 0; j < krow; j++)
              col[j] = src[(size_t)ix0 * c + j];
            continue;
          }
          if (full_row) {
            memcpy (col, src + (size_t)ix0 * c, krow * sizeof *col);
            continue;
          }
          for (int kx = 0; kx < k; kx++) {
            const int ix = ix0 + kx;
            if (ix < 0 || ix >= w)
              memset (col + (size_t)kx * c, 0, c * sizeof *col);
            else
              memcpy (col + (size_t)kx * c, src + (size_t)ix * c,
                      c * sizeof *col);
          }
        }
      }
    }
  }
}

/* col (n*OH*OW, KH*KW*C) -> dx (n,H,W,C), summing overlapping windows */
void
nn_col2im_nhwc (const nn_layer *l, int n, const float *col, float *dx)
{
  const int h = l->in_h, w = l->in_w, c = l->in_c, k = l->k;
  const int oh = l->out_h, ow = l->out_w, s = l->stride, p = l->pad;
  const size_t krow = (size_t)k * c;

  memset (dx, 0, (size_t)n * h * w * c * sizeof *dx);
  for (int i = 0; i < n; i++) {
    float *di = dx + (size_t)i * h * w * c;
    for (int y = 0; y < oh; y++) {
      for (int xo = 0; xo < ow; xo++) {
        const int iy0 = y * s - p, ix0 = xo * s - p;
        for (int ky = 0; ky < k; ky++, col += krow) {
          const int iy = iy0 + ky;
          if (iy < 0 || iy >= h)
            continue;
          float *dst = di + ((size_t)iy * w) * c;
          for (int kx = 0; kx < k; kx++) {
            const int ix = ix0 + kx;
            if (ix < 0 || ix >= w)
              continue;
            float *d = dst + (size_t)ix * c;
            const float *g = col + (size_t)kx * c;
            for (int j = 0; j < c; j++)
              d[j] += g[j];
          }
        }
      }
    }
  }
}

/* y (rows, OC) += b (OC), then max(y, 0) when relu */
NN_HOT static void
add_bias (int rows, int oc, const float *restrict b, int relu,
          float *restrict y)
{
  for (int r = 0; r < rows; r++) {
    float *yr = y + (size_t)r * oc;
    if (relu)
      for (int o = 0; o < oc; o++) {
        const float v = yr[o] + b[o];
        yr[o] = v > 0.0f ? v : 0.0f;
      }
    else
      for (int o = 0; o < oc; o++)
        yr[o] += b[o];
  }
}

int
nn_conv_chunk (const nn_layer *l)
{
  const size_t per = nn_conv_col_per_item (l);
  const size_t items = NN_CONV_CHUNK_FLOATS / (per ? per : 1);
  return items < 1 ? 1 : items > 65536 ? 65536 : (int)items;
}

/* x (n,H,W,C), w (OC,KH,KW,C), b (OC) -> y (n,OH,OW,OC), col scratch */
void
nn_conv_forward (const nn_layer *l, int n, const float *x, const float *w,
                 const float *b, int relu, float *col, float *y)
{
  const int kd = l->k * l->k * l->in_c, oc = l->out_c;
  const int chunk = nn_conv_chunk (l);
  const size_t in_item = nn_layer_in_size (l);
  const size_t out_item = nn_layer_out_size (l);

  for (int i0 = 0; i0 < n; i0 += chunk) {
    const int nb = n - i0 < chunk ? n - i0 : chunk;
    const int rows = nb * l->out_h * l->out_w;
    float *yc = y + i0 * out_item;
    nn_im2col_nhwc (l, nb, x + i0 * in_item, col);
    if (l->direct) {
      direct_forward (rows, kd, oc, col, w, b, relu, yc);
      continue;
    }
    /* yc (rows, OC) = col (rows, KD) . w^T (KD, OC) */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, oc, kd, 1.0f,
                 col, kd, w, kd, 0.0f, yc, oc);
    add_bias (rows, oc, b, relu, yc);
  }
}

/* x (n,H,W,C), w (OC, KD), dy (n*OH*OW, OC) -> dw (OC, KD), db (OC),
 * dx (n,H,W,C) when non-NULL; col, dcol: chunk scratch */
void
nn_conv_backward (const nn_layer *l, int n, const float *x, const float *w,
                  const float *dy, float *dw, float *db, float *col,
                  float *dcol, float *dx)
{
  const int kd = l->k * l->k * l->in_c, oc = l->out_c;
  const int chunk = nn_conv_chunk (l), rows_item = l->out_h * l->out_w;
  const size_t in_item = nn_layer_in_size (l);
  float total[NN_CONV_DIRECT_MAX_KD * NN_CONV_DIRECT_MAX_OC];

  /* db (OC) = column sums of dy; summed in row order for determinism */
  memset (db, 0, oc * sizeof *db);
  for (size_t r = 0; r < (size_t)n * rows_item; r++) {
    const float *g = dy + r * oc;
    for (int o = 0; o < oc; o++)
      db[o] += g[o];
  }
  if (l->direct)
    memset (total, 0, (size_t)kd * oc * sizeof *total);

  /* The im2col matrix is rebuilt chunk by chunk rather than kept from the
   * forward pass: copying is cheaper than streaming a large stored matrix
   * back from memory, and the chunk stays in cache for both GEMMs. */
  for (int i0 = 0; i0 < n; i0 += chunk) {
    const int nb = n - i0 < chunk ? n - i0 : chunk;
    const int rows = nb * rows_item;
    const float *dyc = dy + (size_t)i0 * rows_item * oc;
    nn_im2col_nhwc (l, nb, x + i0 * in_item, col);
    if (l->direct)
      direct_weight_grad (nb, rows_item, kd, oc, col, dyc, total);
    else /* dw (OC, KD) (+)= dyc^T (OC, rows) . col (rows, KD) */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, oc, kd, rows, 1.0f,
                   dyc, oc, col, kd, i0 ? 1.0f : 0.0f, dw, kd);
    if (!dx)
      continue;
    /* dcol (rows, KD) = dyc (rows, OC) . w (OC, KD) */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, kd, oc, 1.0f,
                 dyc, oc, w, kd, 0.0f, dcol, kd);
    nn_col2im_nhwc (l, nb, dcol, dx + i0 * in_item);
  }
  if (l->direct)
    for (int o = 0; o < oc; o++)
      for (int t = 0; t < kd; t++)
        dw[(size_t)o * kd + t] = total[t * oc + o];
}

/* x (n,H,W,C), w (OC,KH,KW,C), b (OC) -> y (n,OH,OW,OC), by definition */
void
nn_conv_forward_ref (const nn_layer *l, int n, const float *x, const float *w,
                     const float *b, float *y)
{
  const int h = l->in_h, wd = l->in_w, c = l->in_c, k = l->k;

  for (int i = 0; i < n; i++)
    for (int oy = 0; oy < l->out_h; oy++)
      for (int ox = 0; ox < l->out_w; ox++)
        for (int o = 0; o < l->out_c; o++) {
          double acc = b[o];
          for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
              const int iy = oy * l->stride - l->pad + ky;
              const int ix = ox * l->stride - l->pad + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                continue;
              for (int ci = 0; ci < c; ci++)
                acc += (double)x[(((size_t)i * h + iy) * wd + ix) * c + ci]
                       * w[(((size_t)o * k + ky) * k + kx) * c + ci];
            }
          y[(((size_t)i * l->out_h + oy) * l->out_w + ox) * l->out_c + o]
              = (float)acc;
        }
}

/* MaxPool2d for training (no padding, floor mode, as ONNX's defaults).
 * The forward pass records where each maximum came from so the backward
 * pass is a scatter. */
#include "layers.h"

#include <string.h>

/* Folds one window pixel xr (C) into the running max y (C) and its
 * position arg (C). Branch-free selects over contiguous channels vectorise;
 * random data would mispredict every other branch. */
NN_HOT static void
fold_max (int c, const float *restrict xr, int32_t base, float *restrict y,
          int32_t *restrict arg)
{
  for (int ch = 0; ch < c; ch++) {
    const int gt = xr[ch] > y[ch];
    y[ch] = gt ? xr[ch] : y[ch];
    arg[ch] = gt ? base + ch : arg[ch];
  }
}

/* x (n,H,W,C) -> y (n,OH,OW,C), arg (n,OH,OW,C) indices into the item */
void
nn_maxpool_forward (const nn_layer *l, int n, const float *x, float *y,
                    int32_t *arg)
{
  const int h = l->in_h, w = l->in_w, c = l->in_c, k = l->k, s = l->stride;
  const size_t in_item = (size_t)h * w * c;

  for (int i = 0; i < n; i++) {
    const float *xi = x + i * in_item;
    for (int oy = 0; oy < l->out_h; oy++)
      for (int ox = 0; ox < l->out_w; ox++, y += c, arg += c) {
        /* The window's first pixel seeds the max; ties keep the first, as
         * PyTorch does. */
        const int32_t first = (int32_t)(((size_t)oy * s * w + ox * s) * c);
        for (int ch = 0; ch < c; ch++) {
          y[ch] = xi[first + ch];
          arg[ch] = first + ch;
        }
        for (int ky = 0; ky < k; ky++)
          for (int kx = 0; kx < k; kx++) {
            const int32_t base
                = (int32_t)((((size_t)oy * s + ky) * w + ox * s + kx) * c);
            if (base != first)
              fold_max (c, xi + base, base, y, arg);
          }
      }
  }
}

/* dy (n,OH,OW,C), arg, y (n,OH,OW,C) or NULL -> dx (n,H,W,C) */
void
nn_maxpool_backward (const nn_layer *l, int n, const float *dy,
                     const int32_t *arg, const float *y, float *dx)
{
  const size_t in_item = nn_layer_in_size (l);
  const size_t out_item = nn_layer_out_size (l);

  memset (dx, 0, n * in_item * sizeof *dx);
  for (int i = 0; i < n; i++) {
    float *di = dx + i * in_item;
    const size_t o = i * out_item;
    if (y)
      for (size_t j = 0; j < out_item; j++)
        di[arg[o + j]] += dy[o + j] * (float)(y[o + j] > 0.0f);
    else
      for (size_t j = 0; j < out_item; j++)
        di[arg[o + j]] += dy[o + j];
  }
}

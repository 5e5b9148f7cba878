/* Light data augmentation on preprocessed images: random translation,
 * horizontal mirror and random erasing. Done on the model's own tensor
 * (after nn_preprocess) so uncovered pixels get exactly the value black
 * takes at deployment. */
#include "nn/train.h"

#include <string.h>

/* src (C,H,W) -> dst (C,H,W); fill (C) */
void
nn_augment_image (const nn_augment *aug, nn_rng *rng, int channels, int height,
                  int width, const float *src, const float *fill, float *dst)
{
  const size_t plane = (size_t)height * width;
  int dx = 0, dy = 0, flip = 0;

  /* Draw in a fixed order whatever is enabled, so a seed means one thing. */
  if (aug->shift > 0) {
    const uint32_t span = 2u * (uint32_t)aug->shift + 1u;
    dx = (int)nn_rng_below (rng, span) - aug->shift;
    dy = (int)nn_rng_below (rng, span) - aug->shift;
  }
  if (aug->hflip)
    flip = (int)(nn_rng_next (rng) >> 63);

  for (int c = 0; c < channels; c++) {
    const float *s = src + c * plane;
    float *d = dst + c * plane;
    for (int y = 0; y < height; y++) {
      const int sy = y - dy;
      float *row = d + (size_t)y * width;
      if (sy < 0 || sy >= height) {
        for (int x = 0; x < width; x++)
          row[x] = fill[c];
        continue;
      }
      const float *srow = s + (size_t)sy * width;
      for (int x = 0; x < width; x++) {
        /* out(x) = in'(x - dx), where in' is the mirrored input */
        int sx = x - dx;
        if (sx < 0 || sx >= width) {
          row[x] = fill[c];
          continue;
        }
        if (flip)
          sx = width - 1 - sx;
        row[x] = srow[sx];
      }
    }
  }

  if (aug->erase > 0) {
    /* Erase with probability 1/2 a square of side in [1, erase]. */
    if (nn_rng_next (rng) >> 63) {
      const int maxs = aug->erase < width && aug->erase < height
                           ? aug->erase
                           : (width < height ? width : height);
      const int side = 1 + (int)nn_rng_below (rng, (uint32_t)maxs);
      const int x0 = (int)nn_rng_below (rng, (uint32_t)(width - side + 1));
      const int y0 = (int)nn_rng_below (rng, (uint32_t)(height - side + 1));
      for (int c = 0; c < channels; c++)
        for (int y = y0; y < y0 + side; y++)
          for (int x = x0; x < x0 + side; x++)
            dst[c * plane + (size_t)y * width + x] = fill[c];
    }
  }
}

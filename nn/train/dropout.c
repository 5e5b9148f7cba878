/* Inverted dropout: scaled at training time so inference is the identity
 * and the exported graph has no Dropout node. */
#include "layers.h"

/* x (n,S) -> y (n,S), mask (n,S) */
void
nn_dropout_forward (const nn_layer *l, int n, uint64_t seed, long step,
                    long first, const float *x, float *y, float *mask)
{
  const size_t size = nn_layer_in_size (l);
  const float keep = 1.0f - l->drop, scale = 1.0f / keep;
  /* Below this 24-bit threshold a unit is kept. */
  const uint32_t threshold = (uint32_t)((double)keep * (1u << 24));

  for (int i = 0; i < n; i++) {
    /* A stream per (step, item): the mask does not depend on which worker
     * or shard handles the item. */
    uint64_t st = seed ^ ((uint64_t)step * 0x9E3779B97F4A7C15ull)
                  ^ ((uint64_t)(first + i) * 0xD1B54A32D192ED03ull);
    uint64_t bits = 0;
    for (size_t j = 0; j < size; j++) {
      if (j % 2 == 0)
        bits = nn_splitmix64 (&st);
      const uint32_t r = (uint32_t)(bits >> (j % 2 ? 40 : 8)) & 0xFFFFFFu;
      const size_t at = i * size + j;
      mask[at] = r < threshold ? scale : 0.0f;
      y[at] = x[at] * mask[at];
    }
  }
}

/* dy (n,S), mask -> dx (n,S); dx may alias dy */
void
nn_dropout_backward (const nn_layer *l, int n, const float *mask,
                     const float *dy, float *dx)
{
  const size_t count = (size_t)n * nn_layer_in_size (l);
  for (size_t i = 0; i < count; i++)
    dx[i] = dy[i] * mask[i];
}

/* ReLU for training. Runs in place after a conv or dense layer: its
 * backward needs only its own output, so the input may be overwritten. */
#include "layers.h"

/* x (count) -> y (count); y may alias x */
NN_HOT void
nn_relu_forward (size_t count, const float *x, float *y)
{
  for (size_t i = 0; i < count; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* y (count), dy (count) -> dx (count); dx may alias dy */
NN_HOT void
nn_relu_backward (size_t count, const float *y, const float *dy, float *dx)
{
  /* A multiply by 0 or 1 instead of a select: the signs of y are random,
   * so a branch mispredicts half the time; this form vectorises. */
  for (size_t i = 0; i < count; i++)
    dx[i] = dy[i] * (float)(y[i] > 0.0f);
}

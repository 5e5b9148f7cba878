/* Softmax + cross-entropy, fused: the gradient of the pair is simply
 * probs - onehot, which is both cheaper and better conditioned than
 * chaining the two backward passes. */
#include "layers.h"

#include <math.h>

/* logits (n,K) -> probs (n,K); returns sum of -log p[label] */
double
nn_softmax_ce_forward (int n, int k, const float *logits, const int32_t *labels,
                       float *probs, int *correct)
{
  double loss = 0.0;
  int hits = 0;

  for (int i = 0; i < n; i++) {
    const float *z = logits + (size_t)i * k;
    float *p = probs + (size_t)i * k;
    float zmax = z[0];
    int best = 0;
    for (int j = 1; j < k; j++)
      if (z[j] > zmax) {
        zmax = z[j];
        best = j;
      }
    /* Shifted by the max so exp never overflows. */
    double sum = 0.0;
    for (int j = 0; j < k; j++)
      sum += exp ((double)z[j] - zmax);
    for (int j = 0; j < k; j++)
      p[j] = (float)(exp ((double)z[j] - zmax) / sum);
    if (labels) {
      loss += log (sum) - ((double)z[labels[i]] - zmax);
      hits += best == labels[i];
    }
  }
  if (correct)
    *correct = hits;
  return loss;
}

/* probs (n,K), labels (n) -> dlogits (n,K) */
void
nn_softmax_ce_backward (int n, int k, const float *probs, const int32_t *labels,
                        float scale, float *dlogits)
{
  for (int i = 0; i < n; i++) {
    const float *p = probs + (size_t)i * k;
    float *d = dlogits + (size_t)i * k;
    for (int j = 0; j < k; j++)
      d[j] = (p[j] - (j == labels[i] ? 1.0f : 0.0f)) * scale;
  }
}

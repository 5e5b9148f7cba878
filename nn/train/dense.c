/* Dense (ONNX Gemm with transB = 1) for training, forward and backward.
 * The weight is stored (O, I) as the exported Gemm expects. */
#include "layers.h"

#include <cblas.h>
#include <string.h>

/* x (n,I), w (O,I), b (O) -> y (n,O) */
void
nn_dense_forward (const nn_layer *l, int n, const float *x, const float *w,
                  const float *b, int relu, float *y)
{
  const int in = (int)nn_layer_in_size (l), out = l->out_c;

  for (int i = 0; i < n; i++)
    memcpy (y + (size_t)i * out, b, out * sizeof *y);
  /* y (n, O) += x (n, I) . w^T (I, O) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in,
               w, in, 1.0f, y, out);
  if (relu)
    nn_relu_forward ((size_t)n * out, y, y);
}

/* x (n,I), w (O,I), dy (n,O) -> dw (O,I), db (O), dx (n,I) */
void
nn_dense_backward (const nn_layer *l, int n, const float *x, const float *w,
                   const float *dy, float *dw, float *db, float *dx)
{
  const int in = (int)nn_layer_in_size (l), out = l->out_c;

  /* dw (O, I) = dy^T (O, n) . x (n, I) */
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy,
               out, x, in, 0.0f, dw, in);
  memset (db, 0, out * sizeof *db);
  for (int i = 0; i < n; i++)
    for (int o = 0; o < out; o++)
      db[o] += dy[(size_t)i * out + o];
  if (!dx)
    return;
  /* dx (n, I) = dy (n, O) . w (O, I) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy,
               out, w, in, 0.0f, dx, in);
}

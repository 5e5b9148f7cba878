/* Activations over a run of floats (nn_act_map, nn_act_apply): what the
 * Activation operators and every fusing producer (Conv, Gemm, Add, ...)
 * run on their output.
 *
 * Sigmoid is computed as s = (x >= 0 ? 1 : e) / (1 + e) with e = exp(-|x|):
 * e never overflows, so large negative x keep their tiny (even subnormal)
 * results instead of 1 / (1 + inf) = 0, and a gated Sigmoid (SiLU,
 * x * s) of a large negative x is a tiny negative number, not 0 or NaN.
 *
 * The AVX2 + FMA version computes exp(-|x|) with a polynomial (range
 * reduction by ln 2 in two parts, degree-5 polynomial, then 2^n through
 * the exponent bits in two steps, so subnormal results are rounded once),
 * within 3 ulp of exp; the portable version calls expf. The piecewise-
 * linear activations (Relu, LeakyRelu, Clip, HardSigmoid, HardSwish) make
 * the same operations in the same order in both versions, so they agree
 * bit for bit. Tanh calls tanhf in both. On CPUs with AVX-512 the vector
 * version runs 16 lanes at a time, operation for operation as the 8-lane
 * one: the same bits for every activation.
 *
 * The vector version treats a tail shorter than 8 with masked loads and
 * stores, never with the scalar code: each element gets the same result
 * wherever it falls in the run, so results do not depend on how a run is
 * split across threads. */
#include "act.h"
#include "graph.h"
#include "packed.h"

#include <math.h>
#include <string.h>

/* One element, the portable way. */
static inline float
act1 (const nn_act *act, float x)
{
  float v, e;
  switch (act->type) {
  case NN_ACT_NONE:
    return x;
  case NN_ACT_RELU:
    return x > 0.f ? x : 0.f;
  case NN_ACT_LEAKY_RELU:
    return x >= 0.f ? x : x * act->alpha;
  case NN_ACT_CLIP:
    v = x < act->alpha ? act->alpha : x;
    return v > act->beta ? act->beta : v;
  case NN_ACT_SIGMOID:
    e = expf (-fabsf (x));
    v = (x >= 0.f ? 1.f : e) / (1.f + e);
    return act->gate ? x * v : v;
  case NN_ACT_HARD_SIGMOID:
    v = act->alpha * x + act->beta;
    v = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
    return act->gate ? x * v : v;
  case NN_ACT_HARD_SWISH:
    v = x / 6.f + 0.5f;
    v = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
    return x * v;
  case NN_ACT_TANH:
    return tanhf (x);
  }
  return x;
}

// x (n), y (n); y may be x
static void
act_map_c (const nn_act *act, float *y, const float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    y[i] = act1 (act, x[i]);
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT NN_TGT_AVX2

/* Each activation type in its own loop (LOOP (TYPE, GATE)), with the
 * type a constant there; Tanh and NONE take the portable loop. */
#define ACT_SWITCH(LOOP)                                                       \
  do {                                                                         \
    switch (act->type) {                                                       \
    case NN_ACT_RELU:                                                          \
      LOOP (NN_ACT_RELU, false);                                               \
      return;                                                                  \
    case NN_ACT_LEAKY_RELU:                                                    \
      LOOP (NN_ACT_LEAKY_RELU, false);                                         \
      return;                                                                  \
    case NN_ACT_CLIP:                                                          \
      LOOP (NN_ACT_CLIP, false);                                               \
      return;                                                                  \
    case NN_ACT_SIGMOID:                                                       \
      if (act->gate)                                                           \
        LOOP (NN_ACT_SIGMOID, true);                                           \
      else                                                                     \
        LOOP (NN_ACT_SIGMOID, false);                                          \
      return;                                                                  \
    case NN_ACT_HARD_SIGMOID:                                                  \
      if (act->gate)                                                           \
        LOOP (NN_ACT_HARD_SIGMOID, true);                                      \
      else                                                                     \
        LOOP (NN_ACT_HARD_SIGMOID, false);                                     \
      return;                                                                  \
    case NN_ACT_HARD_SWISH:                                                    \
      LOOP (NN_ACT_HARD_SWISH, false);                                         \
      return;                                                                  \
    case NN_ACT_NONE:                                                          \
    case NN_ACT_TANH:                                                          \
      break;                                                                   \
    }                                                                          \
    act_map_c (act, y, x, n);                                                  \
  } while (0)

#define ACT_LOOP(TYPE, GATE)                                                   \
  do {                                                                         \
    for (; i + 8 <= n; i += 8)                                                 \
      _mm256_storeu_ps (y + i,                                                 \
                        nn_vact (TYPE, GATE, _mm256_loadu_ps (x + i), a, b));  \
    if (i < n) {                                                               \
      const __m256i m                                                          \
          = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int)(n - i)),              \
                                _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));   \
      _mm256_maskstore_ps (                                                    \
          y + i, m,                                                            \
          nn_vact (TYPE, GATE, _mm256_maskload_ps (x + i, m), a, b));          \
    }                                                                          \
  } while (0)

// x (n), y (n); y may be x
TGT static void
act_map_avx2 (const nn_act *act, float *y, const float *x, size_t n)
{
  const __m256 a = _mm256_set1_ps (act->alpha), b = _mm256_set1_ps (act->beta);
  size_t i = 0;

  ACT_SWITCH (ACT_LOOP);
}

#define TGT512 NN_TGT_AVX512

#define ACT_LOOP512(TYPE, GATE)                                                \
  do {                                                                         \
    for (; i + 16 <= n; i += 16)                                               \
      _mm512_storeu_ps (                                                       \
          y + i, nn_vact512 (TYPE, GATE, _mm512_loadu_ps (x + i), a, b));      \
    if (i < n) {                                                               \
      const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);                   \
      _mm512_mask_storeu_ps (                                                  \
          y + i, m,                                                            \
          nn_vact512 (TYPE, GATE, _mm512_maskz_loadu_ps (m, x + i), a, b));    \
    }                                                                          \
  } while (0)

/* The 16-lane form of act_map_avx2: the same bits, half the instructions
 * (SiLU over EfficientNet-B0's outputs is a fifth of its run). */
// x (n), y (n); y may be x
TGT512 static void
act_map_avx512 (const nn_act *act, float *y, const float *x, size_t n)
{
  const __m512 a = _mm512_set1_ps (act->alpha), b = _mm512_set1_ps (act->beta);
  size_t i = 0;

  ACT_SWITCH (ACT_LOOP512);
}

static bool
vector_ok (const nn_act *act)
{
  return act->type != NN_ACT_TANH && nn_kernels_avx2 ();
}

#else

static bool
vector_ok (const nn_act *act)
{
  (void)act;
  return false;
}

static void
act_map_avx2 (const nn_act *act, float *y, const float *x, size_t n)
{
  (void)act;
  (void)y;
  (void)x;
  (void)n;
}

static void
act_map_avx512 (const nn_act *act, float *y, const float *x, size_t n)
{
  (void)act;
  (void)y;
  (void)x;
  (void)n;
}

#endif

// x (n), y (n); y may be x
void
nn_act_map (const nn_act *act, float *y, const float *x, size_t n)
{
  if (act->type == NN_ACT_NONE) {
    if (y != x)
      memmove (y, x, n * sizeof (float));
    return;
  }
  if (!vector_ok (act))
    act_map_c (act, y, x, n);
  else if (nn_kernels_avx512 ())
    act_map_avx512 (act, y, x, n);
  else
    act_map_avx2 (act, y, x, n);
}

void
nn_act_apply (const nn_act *act, float *x, size_t n)
{
  nn_act_map (act, x, x, n);
}

/* Activations applied in place (nn_act_apply): what the Activation
 * operators and every fusing producer (Conv, Gemm, Add, ...) run on their
 * output.
 *
 * The AVX2 + FMA version computes exp with a polynomial (Cephes' expf:
 * range reduction by ln 2 in two parts, degree-5 polynomial, scaling by
 * 2^n through the exponent bits), within 2 ulp of expf; the portable
 * version calls expf. Either way each element is computed on its own, so
 * the result does not depend on how a run is split across threads. */
#include "graph.h"
#include "packed.h"

#include <math.h>

/* One element, the portable way: also the tail of the vector loops. */
static inline float
act1 (const nn_act *act, float x)
{
  float v;
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
    v = 1.f / (1.f + expf (-x));
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

static void
act_apply_c (const nn_act *act, float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = act1 (act, x[i]);
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__ ((target ("avx2,fma")))
#define INL static inline __attribute__ ((always_inline)) TGT

/* exp(x) for 8 lanes; x is clamped to where expf is a normal number, a NaN
 * stays NaN. */
INL __m256
vexp (__m256 x)
{
  /* max/min return their second operand when one is NaN. */
  x = _mm256_max_ps (_mm256_set1_ps (-87.3365448f), x);
  x = _mm256_min_ps (_mm256_set1_ps (88.3762626f), x);
  const __m256 fx = _mm256_round_ps (
      _mm256_mul_ps (x, _mm256_set1_ps (1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm256_fnmadd_ps (fx, _mm256_set1_ps (0.693359375f), x);
  x = _mm256_fnmadd_ps (fx, _mm256_set1_ps (-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps (1.9875691500e-4f);
  y = _mm256_fmadd_ps (y, x, _mm256_set1_ps (1.3981999507e-3f));
  y = _mm256_fmadd_ps (y, x, _mm256_set1_ps (8.3334519073e-3f));
  y = _mm256_fmadd_ps (y, x, _mm256_set1_ps (4.1665795894e-2f));
  y = _mm256_fmadd_ps (y, x, _mm256_set1_ps (1.6666665459e-1f));
  y = _mm256_fmadd_ps (y, x, _mm256_set1_ps (5.0000001201e-1f));
  y = _mm256_fmadd_ps (y, _mm256_mul_ps (x, x),
                       _mm256_add_ps (x, _mm256_set1_ps (1.f)));
  /* 2^fx: fx is in [-126, 127] after the clamp (or NaN, whose lanes the
   * polynomial already made NaN). */
  const __m256i e = _mm256_slli_epi32 (
      _mm256_add_epi32 (_mm256_cvtps_epi32 (fx), _mm256_set1_epi32 (127)), 23);
  return _mm256_mul_ps (y, _mm256_castsi256_ps (e));
}

INL __m256
vsigmoid (__m256 x)
{
  const __m256 one = _mm256_set1_ps (1.f);
  const __m256 e = vexp (_mm256_sub_ps (_mm256_setzero_ps (), x));
  return _mm256_div_ps (one, _mm256_add_ps (one, e));
}

/* max (lo, min (hi, v)) with NaN kept, like the scalar comparisons. */
INL __m256
vclamp01 (__m256 v)
{
  v = _mm256_max_ps (_mm256_setzero_ps (), v);
  return _mm256_min_ps (_mm256_set1_ps (1.f), v);
}

TGT static void
act_apply_avx2 (const nn_act *act, float *x, size_t n)
{
  const __m256 a = _mm256_set1_ps (act->alpha), b = _mm256_set1_ps (act->beta);
  const __m256 zero = _mm256_setzero_ps ();
  size_t i = 0;

  switch (act->type) {
  case NN_ACT_RELU:
    /* max returns its second operand for a NaN x: 0, as x > 0 ? x : 0. */
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps (x + i, _mm256_max_ps (_mm256_loadu_ps (x + i), zero));
    break;
  case NN_ACT_SIGMOID:
    if (act->gate)
      for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps (x + i);
        _mm256_storeu_ps (x + i, _mm256_mul_ps (v, vsigmoid (v)));
      }
    else
      for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps (x + i, vsigmoid (_mm256_loadu_ps (x + i)));
    break;
  case NN_ACT_HARD_SIGMOID:
    for (; i + 8 <= n; i += 8) {
      const __m256 v = _mm256_loadu_ps (x + i);
      const __m256 h = vclamp01 (_mm256_fmadd_ps (a, v, b));
      _mm256_storeu_ps (x + i, act->gate ? _mm256_mul_ps (v, h) : h);
    }
    break;
  case NN_ACT_HARD_SWISH:
    for (; i + 8 <= n; i += 8) {
      const __m256 v = _mm256_loadu_ps (x + i);
      const __m256 h = vclamp01 (_mm256_add_ps (
          _mm256_div_ps (v, _mm256_set1_ps (6.f)), _mm256_set1_ps (0.5f)));
      _mm256_storeu_ps (x + i, _mm256_mul_ps (v, h));
    }
    break;
  default:
    break;
  }
  act_apply_c (act, x + i, n - i);
}

static bool
vector_ok (const nn_act *act)
{
  return act->type != NN_ACT_NONE && nn_kernels_avx2 ();
}

#else

static bool
vector_ok (const nn_act *act)
{
  return false;
}

static void
act_apply_avx2 (const nn_act *act, float *x, size_t n)
{
}

#endif

void
nn_act_apply (const nn_act *act, float *x, size_t n)
{
  if (act->type == NN_ACT_NONE)
    return;
  if (vector_ok (act))
    act_apply_avx2 (act, x, n);
  else
    act_apply_c (act, x, n);
}

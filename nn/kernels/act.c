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
 * bit for bit. Tanh calls tanhf in both.
 *
 * The vector version treats a tail shorter than 8 with masked loads and
 * stores, never with the scalar code: each element gets the same result
 * wherever it falls in the run, so results do not depend on how a run is
 * split across threads. */
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

#define TGT __attribute__ ((target ("avx2,fma")))
#define INL static inline __attribute__ ((always_inline)) TGT

/* exp(x) for x <= 0 in 8 lanes (a NaN stays NaN). Below -104 the result
 * rounds to 0 whatever the exact value, so x is clamped there. */
INL __m256
vexp_neg (__m256 x)
{
  /* max returns its second operand when one is NaN. */
  x = _mm256_max_ps (_mm256_set1_ps (-104.f), x);
  const __m256 fx = _mm256_round_ps (
      _mm256_mul_ps (x, _mm256_set1_ps (1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  /* r = x - fx ln 2, with ln 2 in two parts so that fx * hi is exact. */
  __m256 r = _mm256_fnmadd_ps (fx, _mm256_set1_ps (0.693359375f), x);
  r = _mm256_fnmadd_ps (fx, _mm256_set1_ps (-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps (1.9875691500e-4f);
  y = _mm256_fmadd_ps (y, r, _mm256_set1_ps (1.3981999507e-3f));
  y = _mm256_fmadd_ps (y, r, _mm256_set1_ps (8.3334519073e-3f));
  y = _mm256_fmadd_ps (y, r, _mm256_set1_ps (4.1665795894e-2f));
  y = _mm256_fmadd_ps (y, r, _mm256_set1_ps (1.6666665459e-1f));
  y = _mm256_fmadd_ps (y, r, _mm256_set1_ps (5.0000001201e-1f));
  y = _mm256_fmadd_ps (y, _mm256_mul_ps (r, r),
                       _mm256_add_ps (r, _mm256_set1_ps (1.f)));
  /* 2^fx with fx in [-150, 0] (a NaN lane is NaN already): 2^(fx + 64),
   * a normal number, makes an exact product; the last multiplication by
   * 2^-64 is the only rounding, also into the subnormals. */
  const __m256i e = _mm256_slli_epi32 (
      _mm256_add_epi32 (_mm256_cvtps_epi32 (fx), _mm256_set1_epi32 (127 + 64)),
      23);
  y = _mm256_mul_ps (y, _mm256_castsi256_ps (e));
  return _mm256_mul_ps (y, _mm256_set1_ps (0x1p-64f));
}

/* (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|). */
INL __m256
vsigmoid (__m256 x)
{
  const __m256 one = _mm256_set1_ps (1.f);
  const __m256 negabs = _mm256_or_ps (x, _mm256_set1_ps (-0.f));
  const __m256 e = vexp_neg (negabs);
  const __m256 pos = _mm256_cmp_ps (x, _mm256_setzero_ps (), _CMP_GE_OQ);
  return _mm256_div_ps (_mm256_blendv_ps (e, one, pos), _mm256_add_ps (one, e));
}

/* min (1, max (0, v)): a NaN v stays NaN, like the scalar comparisons. */
INL __m256
vclamp01 (__m256 v)
{
  v = _mm256_max_ps (_mm256_setzero_ps (), v);
  return _mm256_min_ps (_mm256_set1_ps (1.f), v);
}

/* One vector of the activation; the switch is resolved at compile time in
 * each loop below (type is a constant there). */
INL __m256
vact (nn_act_type type, bool gate, __m256 v, __m256 a, __m256 b)
{
  __m256 h;
  switch (type) {
  case NN_ACT_RELU:
    /* max returns its second operand for a NaN v: 0, as v > 0 ? v : 0. */
    return _mm256_max_ps (v, _mm256_setzero_ps ());
  case NN_ACT_LEAKY_RELU:
    return _mm256_blendv_ps (
        _mm256_mul_ps (v, a), v,
        _mm256_cmp_ps (v, _mm256_setzero_ps (), _CMP_GE_OQ));
  case NN_ACT_CLIP:
    return _mm256_min_ps (b, _mm256_max_ps (a, v));
  case NN_ACT_SIGMOID:
    h = vsigmoid (v);
    return gate ? _mm256_mul_ps (v, h) : h;
  case NN_ACT_HARD_SIGMOID:
    /* No FMA: the same two roundings as the portable version. */
    h = vclamp01 (_mm256_add_ps (_mm256_mul_ps (a, v), b));
    return gate ? _mm256_mul_ps (v, h) : h;
  case NN_ACT_HARD_SWISH:
    h = vclamp01 (_mm256_add_ps (_mm256_div_ps (v, _mm256_set1_ps (6.f)),
                                 _mm256_set1_ps (0.5f)));
    return _mm256_mul_ps (v, h);
  default:
    return v;
  }
}

#define ACT_LOOP(TYPE, GATE)                                                   \
  do {                                                                         \
    for (; i + 8 <= n; i += 8)                                                 \
      _mm256_storeu_ps (y + i,                                                 \
                        vact (TYPE, GATE, _mm256_loadu_ps (x + i), a, b));     \
    if (i < n) {                                                               \
      const __m256i m                                                          \
          = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int)(n - i)),              \
                                _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));   \
      _mm256_maskstore_ps (                                                    \
          y + i, m, vact (TYPE, GATE, _mm256_maskload_ps (x + i, m), a, b));   \
    }                                                                          \
  } while (0)

// x (n), y (n); y may be x
TGT static void
act_map_avx2 (const nn_act *act, float *y, const float *x, size_t n)
{
  const __m256 a = _mm256_set1_ps (act->alpha), b = _mm256_set1_ps (act->beta);
  size_t i = 0;

  switch (act->type) {
  case NN_ACT_RELU:
    ACT_LOOP (NN_ACT_RELU, false);
    return;
  case NN_ACT_LEAKY_RELU:
    ACT_LOOP (NN_ACT_LEAKY_RELU, false);
    return;
  case NN_ACT_CLIP:
    ACT_LOOP (NN_ACT_CLIP, false);
    return;
  case NN_ACT_SIGMOID:
    if (act->gate)
      ACT_LOOP (NN_ACT_SIGMOID, true);
    else
      ACT_LOOP (NN_ACT_SIGMOID, false);
    return;
  case NN_ACT_HARD_SIGMOID:
    if (act->gate)
      ACT_LOOP (NN_ACT_HARD_SIGMOID, true);
    else
      ACT_LOOP (NN_ACT_HARD_SIGMOID, false);
    return;
  case NN_ACT_HARD_SWISH:
    ACT_LOOP (NN_ACT_HARD_SWISH, false);
    return;
  case NN_ACT_NONE:
  case NN_ACT_TANH:
    break;
  }
  act_map_c (act, y, x, n);
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
  if (vector_ok (act))
    act_map_avx2 (act, y, x, n);
  else
    act_map_c (act, y, x, n);
}

void
nn_act_apply (const nn_act *act, float *x, size_t n)
{
  nn_act_map (act, x, x, n);
}

/* The AVX2 + FMA activation of 8 lanes (kernels/act.c explains the
 * arithmetic), for nn_act_map and for the kernels that apply a fused
 * activation while the results are still in registers: every caller gets
 * the same bits for the same input. Only where the CPU has AVX2 and FMA
 * (nn_kernels_avx2()); its 16-lane twin, below, where it has AVX-512. */
#ifndef NN_KERNELS_ACT_H
#define NN_KERNELS_ACT_H

#include "graph.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdbool.h>

#include "target.h"

/* Callers pass a constant type, and the switch below folds away. */
#define NN_ACT_INL NN_INL_AVX2

/* exp(x) for x <= 0 in 8 lanes (a NaN stays NaN). Below -104 the result
 * rounds to 0 whatever the exact value, so x is clamped there. */
NN_ACT_INL __m256
nn_vexp_neg (__m256 x)
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
NN_ACT_INL __m256
nn_vsigmoid (__m256 x)
{
  const __m256 one = _mm256_set1_ps (1.f);
  const __m256 negabs = _mm256_or_ps (x, _mm256_set1_ps (-0.f));
  const __m256 e = nn_vexp_neg (negabs);
  const __m256 pos = _mm256_cmp_ps (x, _mm256_setzero_ps (), _CMP_GE_OQ);
  return _mm256_div_ps (_mm256_blendv_ps (e, one, pos), _mm256_add_ps (one, e));
}

/* min (1, max (0, v)): a NaN v stays NaN, like the scalar comparisons. */
NN_ACT_INL __m256
nn_vclamp01 (__m256 v)
{
  v = _mm256_max_ps (_mm256_setzero_ps (), v);
  return _mm256_min_ps (_mm256_set1_ps (1.f), v);
}

/* One vector of the activation; the switch is resolved at compile time in
 * each loop below (type is a constant there). */
NN_ACT_INL __m256
nn_vact (nn_act_type type, bool gate, __m256 v, __m256 a, __m256 b)
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
    h = nn_vsigmoid (v);
    return gate ? _mm256_mul_ps (v, h) : h;
  case NN_ACT_HARD_SIGMOID:
    /* No FMA: the same two roundings as the portable version. */
    h = nn_vclamp01 (_mm256_add_ps (_mm256_mul_ps (a, v), b));
    return gate ? _mm256_mul_ps (v, h) : h;
  case NN_ACT_HARD_SWISH:
    h = nn_vclamp01 (_mm256_add_ps (_mm256_div_ps (v, _mm256_set1_ps (6.f)),
                                    _mm256_set1_ps (0.5f)));
    return _mm256_mul_ps (v, h);
  default:
    return v;
  }
}

/* What a kernel applies in registers, decided once per call: 0 none,
 * 1 Relu, 2 Clip (lo, hi), NN_ACT_VEC + 2 * type + gate for the others
 * nn_vact computes; -1 for Tanh, which the caller applies afterwards with
 * nn_act_apply. */
#define NN_ACT_VEC 16

static inline int
nn_act_kind (const nn_act *act)
{
  switch (act->type) {
  case NN_ACT_NONE:
    return 0;
  case NN_ACT_RELU:
    return 1;
  case NN_ACT_CLIP:
    return 2;
  case NN_ACT_TANH:
    return -1;
  default:
    return NN_ACT_VEC + 2 * (int)act->type + (act->gate ? 1 : 0);
  }
}

/* One vector of activation @kind (lo, hi: alpha and beta broadcast).
 * Operand order keeps NaN handling identical to nn_act_apply. */
NN_ACT_INL __m256
nn_act_vec (__m256 v, int kind, __m256 lo, __m256 hi)
{
  if (kind == 1)
    return _mm256_max_ps (v, _mm256_setzero_ps ());
  if (kind == 2)
    return _mm256_min_ps (hi, _mm256_max_ps (lo, v));
  if (kind >= NN_ACT_VEC)
    return nn_vact ((nn_act_type)((kind - NN_ACT_VEC) / 2),
                    (kind - NN_ACT_VEC) & 1, v, lo, hi);
  return v;
}

/* In-place 8x8 transpose of r[0..7]. */
NN_ACT_INL void
nn_transpose8 (__m256 r[8])
{
  __m256 t0 = _mm256_unpacklo_ps (r[0], r[1]);
  __m256 t1 = _mm256_unpackhi_ps (r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps (r[2], r[3]);
  __m256 t3 = _mm256_unpackhi_ps (r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps (r[4], r[5]);
  __m256 t5 = _mm256_unpackhi_ps (r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps (r[6], r[7]);
  __m256 t7 = _mm256_unpackhi_ps (r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u1 = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 u2 = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u3 = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 u4 = _mm256_shuffle_ps (t4, t6, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u5 = _mm256_shuffle_ps (t4, t6, _MM_SHUFFLE (3, 2, 3, 2));
  __m256 u6 = _mm256_shuffle_ps (t5, t7, _MM_SHUFFLE (1, 0, 1, 0));
  __m256 u7 = _mm256_shuffle_ps (t5, t7, _MM_SHUFFLE (3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps (u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps (u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps (u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps (u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps (u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps (u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps (u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps (u3, u7, 0x31);
}

/* The first n lanes of p (all 8 from n = 8, none below 1), zeros in the
 * others; the lanes left out are not read. */
NN_ACT_INL __m256
nn_load_part (const float *p, int n)
{
  if (n >= 8)
    return _mm256_loadu_ps (p);
  const __m256i lane = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_maskload_ps (p,
                             _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n), lane));
}

/* The first n (< 8) lanes of v to y, without a loop that the compiler
 * would turn into a slow string move, nor a masked store (microcoded and
 * slow on AMD cores). */
NN_ACT_INL void
nn_store_part (float *y, __m256 v, int n)
{
  __m128 h = _mm256_castps256_ps128 (v);
  if (n >= 4) {
    _mm_storeu_ps (y, h);
    h = _mm256_extractf128_ps (v, 1);
    y += 4;
    n -= 4;
  }
  if (n >= 2) {
    _mm_storel_pi ((__m64 *)y, h);
    h = _mm_movehl_ps (h, h);
    y += 2;
    n -= 2;
  }
  if (n >= 1)
    _mm_store_ss (y, h);
}

/* ---- 16 lanes (nn_kernels_avx512()): the 8-lane functions above,
 * operation for operation, so each lane gets the same bits. ---------- */

NN_INL_AVX512 __m512
nn_vexp_neg512 (__m512 x)
{
  x = _mm512_max_ps (_mm512_set1_ps (-104.f), x);
  const __m512 fx = _mm512_roundscale_ps (
      _mm512_mul_ps (x, _mm512_set1_ps (1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps (fx, _mm512_set1_ps (0.693359375f), x);
  r = _mm512_fnmadd_ps (fx, _mm512_set1_ps (-2.12194440e-4f), r);
  __m512 y = _mm512_set1_ps (1.9875691500e-4f);
  y = _mm512_fmadd_ps (y, r, _mm512_set1_ps (1.3981999507e-3f));
  y = _mm512_fmadd_ps (y, r, _mm512_set1_ps (8.3334519073e-3f));
  y = _mm512_fmadd_ps (y, r, _mm512_set1_ps (4.1665795894e-2f));
  y = _mm512_fmadd_ps (y, r, _mm512_set1_ps (1.6666665459e-1f));
  y = _mm512_fmadd_ps (y, r, _mm512_set1_ps (5.0000001201e-1f));
  y = _mm512_fmadd_ps (y, _mm512_mul_ps (r, r),
                       _mm512_add_ps (r, _mm512_set1_ps (1.f)));
  const __m512i e = _mm512_slli_epi32 (
      _mm512_add_epi32 (_mm512_cvtps_epi32 (fx), _mm512_set1_epi32 (127 + 64)),
      23);
  y = _mm512_mul_ps (y, _mm512_castsi512_ps (e));
  return _mm512_mul_ps (y, _mm512_set1_ps (0x1p-64f));
}

NN_INL_AVX512 __m512
nn_vsigmoid512 (__m512 x)
{
  const __m512 one = _mm512_set1_ps (1.f);
  const __m512 negabs = _mm512_or_ps (x, _mm512_set1_ps (-0.f));
  const __m512 e = nn_vexp_neg512 (negabs);
  const __mmask16 pos
      = _mm512_cmp_ps_mask (x, _mm512_setzero_ps (), _CMP_GE_OQ);
  return _mm512_div_ps (_mm512_mask_blend_ps (pos, e, one),
                        _mm512_add_ps (one, e));
}

NN_INL_AVX512 __m512
nn_vclamp01_512 (__m512 v)
{
  v = _mm512_max_ps (_mm512_setzero_ps (), v);
  return _mm512_min_ps (_mm512_set1_ps (1.f), v);
}

/* nn_vact in 16 lanes. */
NN_INL_AVX512 __m512
nn_vact512 (nn_act_type type, bool gate, __m512 v, __m512 a, __m512 b)
{
  __m512 h;
  switch (type) {
  case NN_ACT_RELU:
    return _mm512_max_ps (v, _mm512_setzero_ps ());
  case NN_ACT_LEAKY_RELU:
    return _mm512_mask_blend_ps (
        _mm512_cmp_ps_mask (v, _mm512_setzero_ps (), _CMP_GE_OQ),
        _mm512_mul_ps (v, a), v);
  case NN_ACT_CLIP:
    return _mm512_min_ps (b, _mm512_max_ps (a, v));
  case NN_ACT_SIGMOID:
    h = nn_vsigmoid512 (v);
    return gate ? _mm512_mul_ps (v, h) : h;
  case NN_ACT_HARD_SIGMOID:
    h = nn_vclamp01_512 (_mm512_add_ps (_mm512_mul_ps (a, v), b));
    return gate ? _mm512_mul_ps (v, h) : h;
  case NN_ACT_HARD_SWISH:
    h = nn_vclamp01_512 (_mm512_add_ps (_mm512_div_ps (v, _mm512_set1_ps (6.f)),
                                        _mm512_set1_ps (0.5f)));
    return _mm512_mul_ps (v, h);
  default:
    return v;
  }
}

/* AVX-512 kernels (nn_kernels_avx512()): Relu (kind 1) and Clip (kind 2)
 * of 16 lanes, operand for operand as nn_act_vec. */
NN_INL_AVX512 __m512
nn_act512 (__m512 v, int kind, __m512 lo, __m512 hi)
{
  if (kind == 1)
    return _mm512_max_ps (v, _mm512_setzero_ps ());
  if (kind == 2)
    return _mm512_min_ps (hi, _mm512_max_ps (lo, v));
  return v;
}

#endif /* __x86_64__ */
#endif /* NN_KERNELS_ACT_H */

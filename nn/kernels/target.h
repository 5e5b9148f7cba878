/* Function attributes of the SIMD kernels, chosen at run time by CPU
 * feature (nn_kernels_avx2 (), nn_kernels_avx512 ()):
 *   NN_TGT_AVX2 / NN_TGT_AVX512  a function compiled for that ISA;
 *   NN_INL_AVX2 / NN_INL_AVX512  a helper inlined into such functions:
 *     forced, since callers pass constants that select a loop, except in
 *     the coverage build (meson.build says why). */
#ifndef NN_KERNELS_TARGET_H
#define NN_KERNELS_TARGET_H

#define NN_TGT_AVX2 __attribute__ ((target ("avx2,fma")))
#define NN_TGT_AVX512                                                          \
  __attribute__ ((target ("avx512f,avx512dq,avx512vl,avx2,fma")))

#ifndef NN_COVERAGE_BUILD
#define NN_INL_AVX2 static inline __attribute__ ((always_inline)) NN_TGT_AVX2
#define NN_INL_AVX512                                                          \
  static inline __attribute__ ((always_inline)) NN_TGT_AVX512
#else
#define NN_INL_AVX2 static inline NN_TGT_AVX2
#define NN_INL_AVX512 static inline NN_TGT_AVX512
#endif

#endif /* NN_KERNELS_TARGET_H */

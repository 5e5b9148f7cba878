/* The operator table: ONNX op_type -> nn_op_def. An operator is its
 * definition (plan, run and traits, in its family's file) and one row
 * here; nothing else in nn/ names operators. */
#include "ops.h"

#include <string.h>

/* Defined in the operator family files. */
extern const nn_op_def nn_op_conv;
extern const nn_op_def nn_op_batchnorm;
extern const nn_op_def nn_op_relu, nn_op_leaky_relu, nn_op_clip, nn_op_sigmoid,
    nn_op_hard_sigmoid, nn_op_hard_swish, nn_op_tanh;
extern const nn_op_def nn_op_add, nn_op_sub, nn_op_mul, nn_op_div, nn_op_pow,
    nn_op_mod, nn_op_sum, nn_op_min, nn_op_max, nn_op_mean, nn_op_equal,
    nn_op_less, nn_op_greater, nn_op_less_equal, nn_op_greater_equal, nn_op_and,
    nn_op_or, nn_op_xor, nn_op_prelu, nn_op_where;
extern const nn_op_def nn_op_max_pool, nn_op_average_pool,
    nn_op_global_average_pool, nn_op_global_max_pool;
extern const nn_op_def nn_op_gemm, nn_op_matmul;
extern const nn_op_def nn_op_flatten, nn_op_reshape, nn_op_transpose,
    nn_op_squeeze, nn_op_unsqueeze, nn_op_identity, nn_op_dropout;
extern const nn_op_def nn_op_concat, nn_op_split, nn_op_pad;
extern const nn_op_def nn_op_softmax, nn_op_log_softmax, nn_op_reduce_mean;
extern const nn_op_def nn_op_constant, nn_op_constant_of_shape, nn_op_shape,
    nn_op_size, nn_op_range, nn_op_eye_like, nn_op_non_zero, nn_op_cast,
    nn_op_cast_like;
extern const nn_op_def nn_op_slice, nn_op_expand, nn_op_tile,
    nn_op_depth_to_space, nn_op_space_to_depth, nn_op_gather,
    nn_op_gather_elements, nn_op_scatter_nd, nn_op_scatter_elements,
    nn_op_trilu;
extern const nn_op_def nn_op_abs, nn_op_neg, nn_op_sqrt, nn_op_exp, nn_op_log,
    nn_op_reciprocal, nn_op_floor, nn_op_ceil, nn_op_round, nn_op_erf,
    nn_op_sin, nn_op_cos, nn_op_tan, nn_op_asin, nn_op_acos, nn_op_atan,
    nn_op_sinh, nn_op_cosh, nn_op_asinh, nn_op_acosh, nn_op_atanh, nn_op_sign,
    nn_op_not, nn_op_is_nan, nn_op_is_inf, nn_op_elu, nn_op_selu, nn_op_celu,
    nn_op_gelu, nn_op_mish, nn_op_softplus, nn_op_softsign,
    nn_op_thresholded_relu, nn_op_shrink;
extern const nn_op_def nn_op_hardmax, nn_op_reduce_sum, nn_op_reduce_max,
    nn_op_reduce_min, nn_op_reduce_prod, nn_op_reduce_l1, nn_op_reduce_l2,
    nn_op_reduce_sum_square, nn_op_reduce_log_sum, nn_op_reduce_log_sum_exp,
    nn_op_arg_max, nn_op_arg_min, nn_op_topk, nn_op_cumsum;
extern const nn_op_def nn_op_layer_norm, nn_op_instance_norm, nn_op_group_norm,
    nn_op_mvn, nn_op_lrn;
extern const nn_op_def nn_op_resize, nn_op_upsample, nn_op_conv_transpose;

static const nn_op_def *const ops[] = {
  &nn_op_abs,
  &nn_op_acos,
  &nn_op_acosh,
  &nn_op_add,
  &nn_op_and,
  &nn_op_arg_max,
  &nn_op_arg_min,
  &nn_op_asin,
  &nn_op_asinh,
  &nn_op_atan,
  &nn_op_atanh,
  &nn_op_average_pool,
  &nn_op_batchnorm,
  &nn_op_cast,
  &nn_op_cast_like,
  &nn_op_ceil,
  &nn_op_celu,
  &nn_op_clip,
  &nn_op_concat,
  &nn_op_constant,
  &nn_op_constant_of_shape,
  &nn_op_conv,
  &nn_op_conv_transpose,
  &nn_op_cos,
  &nn_op_cosh,
  &nn_op_cumsum,
  &nn_op_depth_to_space,
  &nn_op_div,
  &nn_op_dropout,
  &nn_op_elu,
  &nn_op_equal,
  &nn_op_erf,
  &nn_op_exp,
  &nn_op_expand,
  &nn_op_eye_like,
  &nn_op_flatten,
  &nn_op_floor,
  &nn_op_gather,
  &nn_op_gather_elements,
  &nn_op_gelu,
  &nn_op_gemm,
  &nn_op_global_average_pool,
  &nn_op_global_max_pool,
  &nn_op_greater,
  &nn_op_greater_equal,
  &nn_op_group_norm,
  &nn_op_hard_sigmoid,
  &nn_op_hard_swish,
  &nn_op_hardmax,
  &nn_op_identity,
  &nn_op_instance_norm,
  &nn_op_is_inf,
  &nn_op_is_nan,
  &nn_op_layer_norm,
  &nn_op_leaky_relu,
  &nn_op_less,
  &nn_op_less_equal,
  &nn_op_log,
  &nn_op_log_softmax,
  &nn_op_lrn,
  &nn_op_matmul,
  &nn_op_max,
  &nn_op_max_pool,
  &nn_op_mean,
  &nn_op_min,
  &nn_op_mish,
  &nn_op_mod,
  &nn_op_mul,
  &nn_op_mvn,
  &nn_op_neg,
  &nn_op_non_zero,
  &nn_op_not,
  &nn_op_or,
  &nn_op_pad,
  &nn_op_pow,
  &nn_op_prelu,
  &nn_op_range,
  &nn_op_reciprocal,
  &nn_op_reduce_l1,
  &nn_op_reduce_l2,
  &nn_op_reduce_log_sum,
  &nn_op_reduce_log_sum_exp,
  &nn_op_reduce_max,
  &nn_op_reduce_mean,
  &nn_op_reduce_min,
  &nn_op_reduce_prod,
  &nn_op_reduce_sum,
  &nn_op_reduce_sum_square,
  &nn_op_relu,
  &nn_op_reshape,
  &nn_op_resize,
  &nn_op_round,
  &nn_op_scatter_elements,
  &nn_op_scatter_nd,
  &nn_op_selu,
  &nn_op_shape,
  &nn_op_shrink,
  &nn_op_sigmoid,
  &nn_op_sign,
  &nn_op_sin,
  &nn_op_sinh,
  &nn_op_size,
  &nn_op_slice,
  &nn_op_softmax,
  &nn_op_softplus,
  &nn_op_softsign,
  &nn_op_space_to_depth,
  &nn_op_split,
  &nn_op_sqrt,
  &nn_op_squeeze,
  &nn_op_sub,
  &nn_op_sum,
  &nn_op_tan,
  &nn_op_tanh,
  &nn_op_thresholded_relu,
  &nn_op_tile,
  &nn_op_topk,
  &nn_op_transpose,
  &nn_op_trilu,
  &nn_op_unsqueeze,
  &nn_op_upsample,
  &nn_op_where,
  &nn_op_xor,
};

const nn_op_def *
nn_op_find (const char *op_type)
{
  if (!op_type)
    return NULL;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp (ops[i]->op_type, op_type) == 0)
      return ops[i];
  return NULL;
}

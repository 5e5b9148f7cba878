/* The operator table: ONNX op_type -> nn_op_def. */
#include "ops.h"

#include <string.h>

static const nn_op_def *const ops[] = {
  &nn_op_add,
  &nn_op_average_pool,
  &nn_op_batchnorm,
  &nn_op_clip,
  &nn_op_concat,
  &nn_op_conv,
  &nn_op_div,
  &nn_op_dropout,
  &nn_op_flatten,
  &nn_op_gemm,
  &nn_op_global_average_pool,
  &nn_op_global_max_pool,
  &nn_op_hard_sigmoid,
  &nn_op_hard_swish,
  &nn_op_identity,
  &nn_op_leaky_relu,
  &nn_op_log_softmax,
  &nn_op_matmul,
  &nn_op_max_pool,
  &nn_op_mul,
  &nn_op_pad,
  &nn_op_reduce_mean,
  &nn_op_relu,
  &nn_op_reshape,
  &nn_op_sigmoid,
  &nn_op_softmax,
  &nn_op_split,
  &nn_op_squeeze,
  &nn_op_sub,
  &nn_op_tanh,
  &nn_op_transpose,
  &nn_op_unsqueeze,
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

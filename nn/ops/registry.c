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
extern const nn_op_def nn_op_add, nn_op_sub, nn_op_mul, nn_op_div;
extern const nn_op_def nn_op_max_pool, nn_op_average_pool,
    nn_op_global_average_pool, nn_op_global_max_pool;
extern const nn_op_def nn_op_gemm, nn_op_matmul;
extern const nn_op_def nn_op_flatten, nn_op_reshape, nn_op_transpose,
    nn_op_squeeze, nn_op_unsqueeze, nn_op_identity, nn_op_dropout;
extern const nn_op_def nn_op_concat, nn_op_split, nn_op_pad;
extern const nn_op_def nn_op_softmax, nn_op_log_softmax, nn_op_reduce_mean;

/* Operators of the int64 shape sub-graphs, evaluated by the planner's
 * folding (fold.c) and never run: every input must be a constant, except
 * for Shape and Size, which read only their input's shape. */
static const nn_op_def nn_op_constant
    = { .op_type = "Constant", .fold_only = true };
static const nn_op_def nn_op_shape = { .op_type = "Shape", .fold_only = true };
static const nn_op_def nn_op_size = { .op_type = "Size", .fold_only = true };
static const nn_op_def nn_op_gather
    = { .op_type = "Gather", .fold_only = true, .const_inputs = 0x3 };
static const nn_op_def nn_op_cast = {
  .op_type = "Cast", .fold_only = true, .min_opset = 7, .const_inputs = 0x1
};
static const nn_op_def nn_op_constant_of_shape
    = { .op_type = "ConstantOfShape", .fold_only = true, .const_inputs = 0x1 };
static const nn_op_def nn_op_slice
    = { .op_type = "Slice", .fold_only = true, .const_inputs = 0x1f };

static const nn_op_def *const ops[] = {
  &nn_op_add,
  &nn_op_average_pool,
  &nn_op_batchnorm,
  &nn_op_cast,
  &nn_op_clip,
  &nn_op_concat,
  &nn_op_constant,
  &nn_op_constant_of_shape,
  &nn_op_conv,
  &nn_op_div,
  &nn_op_dropout,
  &nn_op_flatten,
  &nn_op_gather,
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
  &nn_op_shape,
  &nn_op_sigmoid,
  &nn_op_size,
  &nn_op_slice,
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

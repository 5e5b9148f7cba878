/* Negative tests: every validation rule of the other operators'
 * plan(), each asserting the status and that the message names the node. */
#include "harness.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static float zeros[1 << 16];

static void
bn_base (th_node *t, int n_stats, int c_stats)
{
  th_init (t, "BatchNormalization", 15);
  th_input (t, 4, D (1, 3, 4, 4));
  for (int i = 0; i < n_stats; i++)
    th_const (t, 1, D (i == 1 ? c_stats : 3), zeros);
  th_output (t);
}

static void
activation_rules (void)
{
  th_node t;

  bn_base (&t, 4, 2);
  EXPECT (&t, NN_SHAPE, "bias with 2 values for 3 channels");
  bn_base (&t, 3, 3);
  EXPECT (&t, NN_BAD_MODEL, "4 inputs");
  bn_base (&t, 4, 3);
  th_attr_int (&t, "training_mode", 1);
  EXPECT (&t, NN_UNSUPPORTED, "training_mode");
  bn_base (&t, 4, 3);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "running_mean output");
  bn_base (&t, 4, 3);
  th_attr_float (&t, "epsilon", -1.f);
  EXPECT (&t, NN_BAD_MODEL, "negative epsilon");
  th_init (&t, "BatchNormalization", 7);
  th_input (&t, 4, D (1, 3, 4, 4));
  for (int i = 0; i < 4; i++)
    th_const (&t, 1, D (3), zeros);
  th_output (&t);
  th_attr_int (&t, "spatial", 2);
  EXPECT (&t, NN_BAD_MODEL, "spatial 2");
  th_init (&t, "BatchNormalization", 15);
  th_input (&t, 1, D (3));
  for (int i = 0; i < 4; i++)
    th_const (&t, 1, D (3), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "X of rank 1");

  th_init (&t, "Clip", 13);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "min not constant");
  th_init (&t, "Clip", 13);
  th_input (&t, 2, D (2, 3));
  th_omit (&t);
  th_const (&t, 1, D (2), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "max with two values");
  th_init (&t, "Clip", 6);
  th_input (&t, 2, D (2, 3));
  th_const (&t, 0, NULL, zeros);
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "min input before opset 11");
  th_init (&t, "Clip", 6);
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_int (&t, "min", 0);
  EXPECT (&t, NN_BAD_MODEL, "min attribute of type INT");
  th_init (&t, "LeakyRelu", 16);
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_string (&t, "alpha", "x");
  EXPECT (&t, NN_BAD_MODEL, "alpha of type STRING");
  th_init (&t, "Relu", 14);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "two inputs");
  th_init (&t, "Sigmoid", 13);
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "no input");
  th_init (&t, "Tanh", 13);
  th_input (&t, 2, D (2, 3));
  EXPECT (&t, NN_BAD_MODEL, "no output");
  th_init (&t, "HardSigmoid", 6);
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_ints (&t, "beta", 1, D (1));
  EXPECT (&t, NN_BAD_MODEL, "beta of type INTS");
  th_init (&t, "HardSwish", 14);
  th_const_i64 (&t, 1, D (2), D (1, 2));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "int64 input");
}

static void
binary_rules (void)
{
  static const char *ops[] = { "Add", "Sub", "Mul", "Div" };
  th_node t;

  for (int i = 0; i < 4; i++) {
    th_init (&t, ops[i], 14);
    th_input (&t, 3, D (2, 3, 4));
    th_input (&t, 2, D (2, 4));
    th_output (&t);
    EXPECT (&t, NN_SHAPE, "shapes that do not broadcast");
    th_init (&t, ops[i], 6);
    th_input (&t, 2, D (2, 3));
    th_input (&t, 1, D (3));
    th_output (&t);
    th_attr_int (&t, "broadcast", 1);
    EXPECT (&t, NN_UNSUPPORTED, "legacy broadcast attribute");
    th_init (&t, ops[i], 6);
    th_input (&t, 2, D (2, 3));
    th_input (&t, 1, D (3));
    th_output (&t);
    EXPECT (&t, NN_SHAPE, "legacy shapes differing without broadcast");
    th_init (&t, ops[i], 14);
    th_input (&t, 2, D (2, 3));
    th_output (&t);
    EXPECT (&t, NN_BAD_MODEL, "one input");
  }
  th_init (&t, "Add", 6);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_UNSUPPORTED, "legacy axis attribute");
}

static void
gemm_rules (void)
{
  th_node t;

  th_init (&t, "Gemm", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "A of rank 3");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (3, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "K mismatch");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (5, 3), zeros);
  th_output (&t);
  th_attr_int (&t, "transB", 1);
  EXPECT (&t, NN_SHAPE, "K mismatch after transB");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_const (&t, 1, D (4), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "C that does not broadcast");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_const (&t, 3, D (1, 2, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "C of rank 3");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_output (&t);
  th_attr_int (&t, "transA", 2);
  EXPECT (&t, NN_BAD_MODEL, "transA 2");
  th_init (&t, "MatMul", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (3, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "MatMul K mismatch");
  th_init (&t, "MatMul", 13);
  th_input (&t, 3, D (2, 2, 4));
  th_input (&t, 3, D (3, 4, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "MatMul batch that does not broadcast");
  th_init (&t, "MatMul", 13);
  th_input (&t, 0, NULL);
  th_input (&t, 2, D (1, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "MatMul scalar operand");
  th_init (&t, "MatMul", 13);
  th_input (&t, 1, D (4));
  th_input (&t, 1, D (5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "MatMul vectors of different lengths");
}

static void
shape_rules (void)
{
  th_node t;

  th_init (&t, "Flatten", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 4);
  EXPECT (&t, NN_BAD_MODEL, "axis past the rank");
  th_init (&t, "Flatten", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", -4);
  EXPECT (&t, NN_BAD_MODEL, "axis below -rank");

  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_input (&t, 1, D (2));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "shape not constant");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (-1, -1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "two -1");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (-2, 6));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "-2 in shape");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (5, 2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "element count mismatch");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (2, 6, 0));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "0 past the input rank");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (0, -1));
  th_output (&t);
  th_attr_int (&t, "allowzero", 1);
  EXPECT (&t, NN_BAD_MODEL, "allowzero with 0 and -1");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (5, -1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "-1 that cannot be inferred");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (INT64_MAX / 2, 4, -1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "shape product overflowing");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const (&t, 1, D (2), zeros);
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "float shape");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 2, D (1, 2), D (3, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "shape of rank 2");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (3, 4));
  th_output (&t);
  th_attr_int (&t, "allowzero", 2);
  EXPECT (&t, NN_BAD_MODEL, "allowzero 2");
  th_init (&t, "Reshape", 1);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_ints (&t, "shape", 2, D (3, 4));
  EXPECT (&t, NN_UNSUPPORTED, "shape attribute of opset 1");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (9), D (1, 1, 1, 1, 1, 1, 1, 1, 12));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "rank 9 result");

  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 3, D (0, 1, 1));
  EXPECT (&t, NN_BAD_MODEL, "perm with a duplicate");
  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 2, D (1, 0));
  EXPECT (&t, NN_BAD_MODEL, "perm of wrong length");
  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 3, D (0, 1, 3));
  EXPECT (&t, NN_BAD_MODEL, "perm out of range");
  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 3, D (0, -1, 1));
  EXPECT (&t, NN_BAD_MODEL, "negative perm");

  th_init (&t, "Squeeze", 11);
  th_input (&t, 3, D (2, 1, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (0));
  EXPECT (&t, NN_SHAPE, "squeezing a dimension of 2");
  th_init (&t, "Squeeze", 11);
  th_input (&t, 3, D (2, 1, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (3));
  EXPECT (&t, NN_BAD_MODEL, "axis out of range");
  th_init (&t, "Squeeze", 11);
  th_input (&t, 3, D (2, 1, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (1, -2));
  EXPECT (&t, NN_BAD_MODEL, "axis listed twice");
  th_init (&t, "Squeeze", 13);
  th_input (&t, 3, D (2, 1, 4));
  th_input (&t, 1, D (1));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "axes input not constant");

  th_init (&t, "Unsqueeze", 11);
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "missing axes");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "missing axes input");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_const_i64 (&t, 1, D (2), D (0, 0));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "axis listed twice");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_const_i64 (&t, 1, D (1), D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "axis out of range");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_const_i64 (&t, 1, D (7), D (0, 1, 2, 3, 4, 5, 6));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "rank 9 result");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 1, D (1));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "axes input not constant");

  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "mask output");
  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (2, 4));
  th_omit (&t);
  th_input (&t, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "training_mode not constant");
  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (2, 4));
  th_omit (&t);
  th_const_i64 (&t, 0, NULL, D (1));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "training_mode true");
  th_init (&t, "Identity", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "two inputs");
}

static void
join_rules (void)
{
  th_node t;

  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "missing axis");
  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "axis out of range");
  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 3, D (2, 4, 1));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "ranks differ");
  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "other dimension differs");
  th_init (&t, "Concat", 13);
  th_input (&t, 0, NULL);
  th_input (&t, 0, NULL);
  th_output (&t);
  th_attr_int (&t, "axis", 0);
  EXPECT (&t, NN_SHAPE, "scalars");

  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (2, 3));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "split sizes not adding up");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (2, 2, 2));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_BAD_MODEL, "split of wrong length");
  th_init (&t, "Split", 11);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  th_attr_ints (&t, "split", 2, D (-1, 7));
  EXPECT (&t, NN_BAD_MODEL, "negative split");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 7));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "unequal split without sizes");
  th_init (&t, "Split", 18);
  th_input (&t, 2, D (2, 7));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  th_attr_int (&t, "num_outputs", 3);
  EXPECT (&t, NN_BAD_MODEL, "num_outputs not matching the outputs");
  th_init (&t, "Split", 18);
  th_input (&t, 2, D (2, 5));
  th_output (&t);
  th_output (&t);
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  th_attr_int (&t, "num_outputs", 4);
  EXPECT (&t, NN_SHAPE, "num_outputs with an impossible last chunk");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_int (&t, "axis", -3);
  EXPECT (&t, NN_BAD_MODEL, "axis out of range");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_input (&t, 1, D (2));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "split not constant");

  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 0));
  th_const_i64 (&t, 1, D (4), D (0, 1, 0, 1));
  th_output (&t);
  th_attr_string (&t, "mode", "reflect");
  EXPECT (&t, NN_SHAPE, "reflect of an empty axis");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (1, 1, 1, 1));
  th_output (&t);
  th_attr_string (&t, "mode", "mirror");
  EXPECT (&t, NN_BAD_MODEL, "unknown mode");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (1, 1, 1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "pads of wrong length");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_input (&t, 1, D (4));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "pads not constant");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (1, 1, 1, 1));
  th_input (&t, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "constant_value not constant");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (0, -4, 0, -3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "cropping more than the axis");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (0, 0, INT64_MAX, 0));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "huge pad");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (0, 0, 1 << 30, 1 << 30));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "result too large");
  th_init (&t, "Pad", 2);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "missing pads attribute");
  th_init (&t, "Pad", 18);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (1, 1, 1, 1));
  th_omit (&t);
  th_const_i64 (&t, 1, D (2), D (1, -1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "axes listed twice");
}

static void
reduce_rules (void)
{
  th_node t;

  th_init (&t, "Softmax", 13);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "axis out of range");
  th_init (&t, "LogSoftmax", 11);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_int (&t, "axis", -3);
  EXPECT (&t, NN_BAD_MODEL, "axis below -rank");
  th_init (&t, "Softmax", 13);
  th_input (&t, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "scalar input");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 6, 3));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (3));
  EXPECT (&t, NN_BAD_MODEL, "axis out of range");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 6, 3));
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (2, -1));
  EXPECT (&t, NN_BAD_MODEL, "axis listed twice");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 6, 3));
  th_output (&t);
  th_attr_int (&t, "keepdims", 3);
  EXPECT (&t, NN_BAD_MODEL, "keepdims 3");
  th_init (&t, "ReduceMean", 18);
  th_input (&t, 3, D (2, 6, 3));
  th_input (&t, 1, D (1));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "axes input not constant");
}

int
main (void)
{
  activation_rules ();
  binary_rules ();
  gemm_rules ();
  shape_rules ();
  join_rules ();
  reduce_rules ();
  TH_CHECK (nn_op_find ("Conv3D") == NULL, "unknown op found");
  TH_CHECK (nn_op_find (NULL) == NULL, "NULL op found");
  printf ("negative: %d rule cases, %d checks, %d failures\n", th_negatives,
          th_checks, th_failures);
  return th_failures ? 1 : 0;
}

/* Negative tests: every validation rule of the other operators'
 * plan(), each asserting the status and that the message names the node. */
#include "harness.h"

#include <math.h>

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
  th_input (&t, 1, D (2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "run-time min with two values");
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

  th_init (&t, "Dropout", 9);
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "float mask output before opset 10");
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
  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 0, NULL, (const float[]){ 0.1f });
  th_const_i64 (&t, 0, NULL, D (1));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "training mode with ratio 0.1");
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

/* ---- the operators added for today's classifiers ------------------------ */

static const float zeros64[64];

static void
elementwise_new_rules (void)
{
  th_node t;

  th_init (&t, "Add", 14);
  th_input_typed (&t, NN_DTYPE_INT32, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "int32 + float");
  th_init (&t, "And", 7);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "And on float");
  th_init (&t, "Where", 16);
  th_input_typed (&t, NN_DTYPE_BOOL, 1, D (4));
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Where condition that does not broadcast");
  th_init (&t, "Where", 16);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "float condition");
  th_init (&t, "Where", 16);
  th_input_typed (&t, NN_DTYPE_BOOL, 1, D (3));
  th_input (&t, 1, D (3));
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "X and Y of two types");
  th_init (&t, "Mod", 13);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "float Mod without fmod");
  th_init (&t, "Mod", 13);
  th_input_typed (&t, NN_DTYPE_INT32, 1, D (3));
  th_input_typed (&t, NN_DTYPE_INT32, 1, D (3));
  th_output (&t);
  th_attr_int (&t, "fmod", 2);
  EXPECT (&t, NN_BAD_MODEL, "fmod 2");
  th_init (&t, "Sum", 7);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Sum broadcasting before opset 8");
  th_init (&t, "Max", 13);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Max of shapes that do not broadcast");
  th_init (&t, "PRelu", 16);
  th_input (&t, 1, D (3));
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "slope larger than X");
  th_init (&t, "Pow", 15);
  th_input_typed (&t, NN_DTYPE_UINT8, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "uint8 base");
  th_init (&t, "Sqrt", 13);
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "Sqrt of int64");
  th_init (&t, "Not", 1);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "Not of float");
  th_init (&t, "Celu", 12);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_float (&t, "alpha", 0.f);
  EXPECT (&t, NN_BAD_MODEL, "Celu alpha 0");
  th_init (&t, "Elu", 6);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_float (&t, "alpha", INFINITY);
  EXPECT (&t, NN_BAD_MODEL, "Elu alpha infinite");
  th_init (&t, "Gelu", 20);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_string (&t, "approximate", "fast");
  EXPECT (&t, NN_BAD_MODEL, "Gelu approximate fast");
  th_init (&t, "Neg", 13);
  th_input_typed (&t, NN_DTYPE_UINT8, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "Neg of unsigned");
}

static void
index_new_rules (void)
{
  th_node t;

  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_const_i64 (&t, 1, D (1), D (2));
  th_const_i64 (&t, 1, D (1), D (0));
  th_const_i64 (&t, 1, D (1), D (0));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Slice step 0");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (0, 0));
  th_const_i64 (&t, 1, D (2), D (2, 2));
  th_const_i64 (&t, 1, D (2), D (1, -1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Slice axis listed twice");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_const_i64 (&t, 1, D (1), D (2));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Slice axis out of range");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (0, 0));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Slice starts and ends of two lengths");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_input (&t, 1, D (1));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  t.vals[1].dtype = NN_DTYPE_INT64;
  EXPECT (&t, NN_UNSUPPORTED, "Slice starts computed at run time");
  th_init (&t, "Expand", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (3, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Expand to a shape that does not broadcast");
  th_init (&t, "Expand", 13);
  th_input (&t, 1, D (1));
  th_const_i64 (&t, 1, D (1), D (-2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Expand to a negative dimension");
  th_init (&t, "Tile", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Tile repeats of the wrong length");
  th_init (&t, "Tile", 13);
  th_input (&t, 1, D (3));
  th_const_i64 (&t, 1, D (1), D (-1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Tile negative repeat");
  th_init (&t, "DepthToSpace", 13);
  th_input (&t, 4, D (1, 6, 2, 2));
  th_output (&t);
  th_attr_int (&t, "blocksize", 2);
  EXPECT (&t, NN_SHAPE, "channels not a multiple of blocksize squared");
  th_init (&t, "DepthToSpace", 13);
  th_input (&t, 4, D (1, 4, 2, 2));
  th_output (&t);
  th_attr_int (&t, "blocksize", 0);
  EXPECT (&t, NN_BAD_MODEL, "blocksize 0");
  th_init (&t, "DepthToSpace", 13);
  th_input (&t, 4, D (1, 4, 2, 2));
  th_output (&t);
  th_attr_int (&t, "blocksize", 2);
  th_attr_string (&t, "mode", "RCD");
  EXPECT (&t, NN_BAD_MODEL, "unknown mode");
  th_init (&t, "SpaceToDepth", 13);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_output (&t);
  th_attr_int (&t, "blocksize", 2);
  EXPECT (&t, NN_SHAPE, "height not a multiple of blocksize");
  th_init (&t, "Gather", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Gather index out of range");
  th_init (&t, "Gather", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "Gather axis out of range");
  th_init (&t, "Gather", 13);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (1), zeros64);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "float indices");
  th_init (&t, "GatherElements", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "GatherElements indices of another rank");
  th_init (&t, "ScatterND", 16);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 2, D (1, 3), D (0, 0, 0));
  th_input (&t, 1, D (1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "index tuples longer than the rank");
  th_init (&t, "ScatterND", 16);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 2, D (1, 1), D (0));
  th_input (&t, 2, D (1, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "updates that do not fit");
  th_init (&t, "ScatterND", 16);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 2, D (1, 1), D (0));
  th_input (&t, 2, D (1, 4));
  th_output (&t);
  th_attr_string (&t, "reduction", "avg");
  EXPECT (&t, NN_BAD_MODEL, "unknown reduction");
  th_init (&t, "Trilu", 14);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Trilu of rank 1");
}

static void
tensor_new_rules (void)
{
  th_node t;

  th_init (&t, "Range", 11);
  th_const (&t, 0, NULL, (const float[]){ 0.f });
  th_const (&t, 0, NULL, (const float[]){ 5.f });
  th_const (&t, 0, NULL, (const float[]){ 0.f });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Range delta 0");
  th_init (&t, "Range", 11);
  th_const (&t, 1, D (2), zeros64);
  th_const (&t, 0, NULL, (const float[]){ 5.f });
  th_const (&t, 0, NULL, (const float[]){ 1.f });
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Range start of two values");
  th_init (&t, "Range", 11);
  th_const (&t, 0, NULL, (const float[]){ 0.f });
  th_const_i64 (&t, 0, NULL, D (5));
  th_const (&t, 0, NULL, (const float[]){ 1.f });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Range of two types");
  th_init (&t, "Cast", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_int (&t, "to", 8);
  EXPECT (&t, NN_UNSUPPORTED, "Cast to STRING");
  th_init (&t, "Cast", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Cast without 'to'");
  th_init (&t, "ConstantOfShape", 13);
  th_const_i64 (&t, 1, D (2), D (2, -1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "negative shape");
  th_init (&t, "Constant", 13);
  th_output (&t);
  th_attr_float (&t, "value_float", 1.f);
  th_attr_int (&t, "value_int", 1);
  EXPECT (&t, NN_BAD_MODEL, "two values");
  th_init (&t, "Constant", 13);
  th_output (&t);
  th_attr_string (&t, "value_string", "x");
  EXPECT (&t, NN_UNSUPPORTED, "a string constant");
  th_init (&t, "NonZero", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "NonZero of run-time data");
  th_init (&t, "EyeLike", 9);
  th_input (&t, 3, D (2, 2, 2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "EyeLike of rank 3");
  th_init (&t, "Pad", 13);
  th_input (&t, 1, D (3));
  th_const_i64 (&t, 1, D (2), D (1, 1));
  th_const_i64 (&t, 0, NULL, D (1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "int64 constant_value for float data");
}

static void
reduce_new_rules (void)
{
  th_node t;

  th_init (&t, "ReduceSum", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "ReduceSum axis out of range");
  th_init (&t, "ReduceMax", 18);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (0));
  EXPECT (&t, NN_BAD_MODEL, "ReduceMax axes attribute at opset 18");
  th_init (&t, "ReduceProd", 13);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "keepdims", 2);
  EXPECT (&t, NN_BAD_MODEL, "keepdims 2");
  th_init (&t, "ReduceL2", 13);
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (3, 4));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "ReduceL2 of int64");
  th_init (&t, "ArgMax", 13);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", -3);
  EXPECT (&t, NN_BAD_MODEL, "ArgMax axis out of range");
  th_init (&t, "ArgMin", 13);
  th_input (&t, 2, D (3, 0));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "ArgMin over an empty axis");
  th_init (&t, "TopK", 11);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (5));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "k larger than the axis");
  th_init (&t, "TopK", 11);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (-1));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "negative k");
  th_init (&t, "CumSum", 14);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (0, 1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "CumSum of two axes");
  th_init (&t, "CumSum", 14);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 0, NULL, D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "CumSum axis out of range");
  th_init (&t, "Hardmax", 13);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "Hardmax axis out of range");
}

static void
norm_new_rules (void)
{
  th_node t;

  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (3), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Scale of the wrong size");
  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (4), zeros64);
  th_output (&t);
  th_attr_float (&t, "epsilon", -1.f);
  EXPECT (&t, NN_BAD_MODEL, "negative epsilon");
  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (4), zeros64);
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "axis out of range");
  th_init (&t, "GroupNormalization", 18);
  th_input (&t, 3, D (1, 6, 4));
  th_const (&t, 1, D (4), zeros64);
  th_const (&t, 1, D (4), zeros64);
  th_output (&t);
  th_attr_int (&t, "num_groups", 4);
  EXPECT (&t, NN_BAD_MODEL, "groups that do not divide the channels");
  th_init (&t, "GroupNormalization", 21);
  th_input (&t, 3, D (1, 6, 4));
  th_const (&t, 1, D (2), zeros64);
  th_const (&t, 1, D (2), zeros64);
  th_output (&t);
  th_attr_int (&t, "num_groups", 2);
  EXPECT (&t, NN_SHAPE, "per-group scale at opset 21");
  th_init (&t, "InstanceNormalization", 6);
  th_input (&t, 3, D (1, 6, 4));
  th_const (&t, 1, D (5), zeros64);
  th_const (&t, 1, D (6), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "scale of the wrong size");
  th_init (&t, "LRN", 13);
  th_input (&t, 4, D (1, 6, 4, 4));
  th_output (&t);
  th_attr_int (&t, "size", 0);
  EXPECT (&t, NN_BAD_MODEL, "LRN size 0");
}

static void
resize_new_rules (void)
{
  th_node t;

  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_const_i64 (&t, 1, D (4), D (1, 1, 8, 8));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "both scales and sizes");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "neither scales nor sizes");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_output (&t);
  th_attr_string (&t, "mode", "area");
  EXPECT (&t, NN_BAD_MODEL, "unknown mode");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, -2, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "negative scale");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (3), (const float[]){ 1, 2, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "scales of the wrong length");
  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 0.5f, 0.5f });
  th_output (&t);
  th_attr_string (&t, "mode", "linear");
  th_attr_int (&t, "antialias", 1);
  EXPECT (&t, NN_UNSUPPORTED, "antialiased downscaling");
  th_init (&t, "Upsample", 9);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 0.5f, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Upsample scale below 1");
  th_init (&t, "Upsample", 7);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "Upsample without scales");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 3, 4, 4));
  th_const (&t, 4, D (2, 2, 3, 3), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "W of the wrong input channels");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 5, D (1, 1, 2, 2, 2));
  th_const (&t, 5, D (1, 1, 1, 1, 1), zeros64);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "3-D");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 4, D (1, 1, 3, 3), zeros64);
  th_output (&t);
  th_attr_ints (&t, "output_padding", 2, D (1, 1));
  EXPECT (&t, NN_BAD_MODEL, "output_padding not below the stride");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 4, D (1, 2, 3, 3), zeros64);
  th_const (&t, 1, D (3), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "bias of the wrong size");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 4, D (1, 1, 3, 3), zeros64);
  th_output (&t);
  th_attr_string (&t, "auto_pad", "SAME");
  EXPECT (&t, NN_BAD_MODEL, "unknown auto_pad");
}

/* A shape an operator would produce that no tensor can have: over the
 * element cap. And the attribute getters: an attribute of another type is
 * as good as absent. */
static void
graph_rules (void)
{
  th_node t;
  nn_error err = { 0 };
  nn_status s;

  th_init (&t, "Expand", 13);
  th_input (&t, 2, D (1, 1));
  th_const_i64 (&t, 1, D (2), D (65536, 65536));
  th_output (&t);
  s = th_plan (&t, &err);
  th_negatives++;
  TH_CHECK (
      s == NN_SHAPE && strstr (err.message, "node 'n0' (Expand): tensor ")
          && strstr (err.message, "would have more than 2147483648 elements"),
      "Expand: %s", err.message);
  th_free (&t);

  th_init (&t, "Relu", 14);
  th_attr_int (&t, "i", 3);
  th_attr_float (&t, "f", 0.5f);
  th_attr_string (&t, "s", "text");
  TH_CHECK (nn_node_attr_int (&t.node, "i", 7) == 3
                && nn_node_attr_int (&t.node, "f", 7) == 7
                && nn_node_attr_int (&t.node, "none", 7) == 7,
            "int attributes");
  TH_CHECK (nn_node_attr_float (&t.node, "f", 2.f) == 0.5f
                && nn_node_attr_float (&t.node, "i", 2.f) == 2.f
                && nn_node_attr_float (&t.node, "none", 2.f) == 2.f,
            "float attributes");
  TH_CHECK (strcmp (nn_node_attr_string (&t.node, "s", "d"), "text") == 0
                && strcmp (nn_node_attr_string (&t.node, "i", "d"), "d") == 0
                && strcmp (nn_node_attr_string (&t.node, "none", "d"), "d")
                       == 0,
            "string attributes");
  th_free (&t);
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
  elementwise_new_rules ();
  index_new_rules ();
  tensor_new_rules ();
  reduce_new_rules ();
  norm_new_rules ();
  resize_new_rules ();
  graph_rules ();
  TH_CHECK (nn_op_find ("Conv3D") == NULL, "unknown op found");
  TH_CHECK (nn_op_find (NULL) == NULL, "NULL op found");
  printf ("negative: %d rule cases, %d checks, %d failures\n", th_negatives,
          th_checks, th_failures);
  return th_failures ? 1 : 0;
}

/* Negative tests: every validation rule of the other operators'
 * plan(), each asserting the status, that the message names the node and
 * that it says which rule fired. */
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
  EXPECT (&t, NN_SHAPE, "input B", "bias with 2 values for 3 channels");
  bn_base (&t, 3, 3);
  EXPECT (&t, NN_BAD_MODEL, "has 4 inputs", "4 inputs");
  bn_base (&t, 4, 3);
  th_attr_int (&t, "training_mode", 1);
  EXPECT (&t, NN_UNSUPPORTED, "'training_mode'", "training_mode");
  bn_base (&t, 4, 3);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "output 1", "running_mean output");
  bn_base (&t, 4, 3);
  th_attr_float (&t, "epsilon", -1.f);
  EXPECT (&t, NN_BAD_MODEL, "'epsilon'", "negative epsilon");
  th_init (&t, "BatchNormalization", 7);
  th_input (&t, 4, D (1, 3, 4, 4));
  for (int i = 0; i < 4; i++)
    th_const (&t, 1, D (3), zeros);
  th_output (&t);
  th_attr_int (&t, "spatial", 2);
  EXPECT (&t, NN_BAD_MODEL, "'spatial'", "spatial 2");
  th_init (&t, "BatchNormalization", 15);
  th_input (&t, 1, D (3));
  for (int i = 0; i < 4; i++)
    th_const (&t, 1, D (3), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input X ('v0') has rank 1", "X of rank 1");

  th_init (&t, "Clip", 13);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 1, D (2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input min", "run-time min with two values");
  th_init (&t, "Clip", 13);
  th_input (&t, 2, D (2, 3));
  th_omit (&t);
  th_const (&t, 1, D (2), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input max", "max with two values");
  th_init (&t, "Clip", 6);
  th_input (&t, 2, D (2, 3));
  th_const (&t, 0, NULL, zeros);
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "has 2 inputs", "min input before opset 11");
  th_init (&t, "Clip", 6);
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_int (&t, "min", 0);
  EXPECT (&t, NN_BAD_MODEL, "'min' has type INT", "min attribute of type INT");
  th_init (&t, "LeakyRelu", 16);
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_string (&t, "alpha", "x");
  EXPECT (&t, NN_BAD_MODEL, "'alpha' has type STRING", "alpha of type STRING");
  th_init (&t, "Relu", 14);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "has 2 inputs", "two inputs");
  th_init (&t, "Sigmoid", 13);
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "has 0 inputs", "no input");
  th_init (&t, "Tanh", 13);
  th_input (&t, 2, D (2, 3));
  EXPECT (&t, NN_BAD_MODEL, "has 0 outputs", "no output");
  th_init (&t, "HardSigmoid", 6);
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_ints (&t, "beta", 1, D (1));
  EXPECT (&t, NN_BAD_MODEL, "'beta' has type INTS", "beta of type INTS");
  th_init (&t, "HardSwish", 14);
  th_const_i64 (&t, 1, D (2), D (1, 2));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "is int64, not float", "int64 input");
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
    EXPECT (&t, NN_SHAPE, "cannot be broadcast",
            "shapes that do not broadcast");
    th_init (&t, ops[i], 6);
    th_input (&t, 2, D (2, 3));
    th_input (&t, 1, D (3));
    th_output (&t);
    th_attr_int (&t, "broadcast", 1);
    EXPECT (&t, NN_UNSUPPORTED, "'broadcast'", "legacy broadcast attribute");
    th_init (&t, ops[i], 6);
    th_input (&t, 2, D (2, 3));
    th_input (&t, 1, D (3));
    th_output (&t);
    EXPECT (&t, NN_SHAPE, "differ in shape",
            "legacy shapes differing without broadcast");
    th_init (&t, ops[i], 14);
    th_input (&t, 2, D (2, 3));
    th_output (&t);
    EXPECT (&t, NN_BAD_MODEL, "has 1 inputs", "one input");
  }
  th_init (&t, "Add", 6);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_UNSUPPORTED, "'axis'", "legacy axis attribute");
}

static void
gemm_rules (void)
{
  th_node t;

  th_init (&t, "Gemm", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input A ('v0') has rank 3", "A of rank 3");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (3, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "A has 4 columns", "K mismatch");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (5, 3), zeros);
  th_output (&t);
  th_attr_int (&t, "transB", 1);
  EXPECT (&t, NN_SHAPE, "B has 3 rows", "K mismatch after transB");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_const (&t, 1, D (4), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "C of shape (1, 4) cannot be broadcast",
          "C that does not broadcast");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_const (&t, 3, D (1, 2, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input C ('v2') has rank 3", "C of rank 3");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (4, 5), zeros);
  th_output (&t);
  th_attr_int (&t, "transA", 2);
  EXPECT (&t, NN_BAD_MODEL, "'transA'", "transA 2");
  th_init (&t, "MatMul", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 2, D (3, 5), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "B has 3 rows", "MatMul K mismatch");
  th_init (&t, "MatMul", 13);
  th_input (&t, 3, D (2, 2, 4));
  th_input (&t, 3, D (3, 4, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "batch dimensions",
          "MatMul batch that does not broadcast");
  th_init (&t, "MatMul", 13);
  th_input (&t, 0, NULL);
  th_input (&t, 2, D (1, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input A ('v0') has rank 0", "MatMul scalar operand");
  th_init (&t, "MatMul", 13);
  th_input (&t, 1, D (4));
  th_input (&t, 1, D (5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "B has 5 rows", "MatMul vectors of different lengths");
}

static void
shape_rules (void)
{
  th_node t;

  th_init (&t, "Flatten", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 4);
  EXPECT (&t, NN_BAD_MODEL, "'axis' 4", "axis past the rank");
  th_init (&t, "Flatten", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", -4);
  EXPECT (&t, NN_BAD_MODEL, "'axis' -4", "axis below -rank");

  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_input (&t, 1, D (2));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "must be a constant", "shape not constant");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (-1, -1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "more than one -1", "two -1");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (-2, 6));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "value -2", "-2 in shape");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (5, 2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "holds 10 elements", "element count mismatch");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (2, 6, 0));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "does not have", "0 past the input rank");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (0, -1));
  th_output (&t);
  th_attr_int (&t, "allowzero", 1);
  EXPECT (&t, NN_BAD_MODEL, "'allowzero'", "allowzero with 0 and -1");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (5, -1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "cannot infer the -1", "-1 that cannot be inferred");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (INT64_MAX / 2, 4, -1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "too large", "shape product overflowing");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const (&t, 1, D (2), zeros);
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "int64 tensor", "float shape");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 2, D (1, 2), D (3, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "must be 1-D", "shape of rank 2");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (3, 4));
  th_output (&t);
  th_attr_int (&t, "allowzero", 2);
  EXPECT (&t, NN_BAD_MODEL, "'allowzero' must be 0 or 1", "allowzero 2");
  th_init (&t, "Reshape", 1);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_ints (&t, "shape", 2, D (3, 4));
  EXPECT (&t, NN_UNSUPPORTED, "attribute 'shape'",
          "shape attribute of opset 1");
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (9), D (1, 1, 1, 1, 1, 1, 1, 1, 12));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "has 9 values", "rank 9 result");

  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 3, D (0, 1, 1));
  EXPECT (&t, NN_BAD_MODEL, "value 1 at index 2", "perm with a duplicate");
  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 2, D (1, 0));
  EXPECT (&t, NN_BAD_MODEL, "has 2 values", "perm of wrong length");
  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 3, D (0, 1, 3));
  EXPECT (&t, NN_BAD_MODEL, "value 3 at index 2", "perm out of range");
  th_init (&t, "Transpose", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_ints (&t, "perm", 3, D (0, -1, 1));
  EXPECT (&t, NN_BAD_MODEL, "value -1 at index 1", "negative perm");

  th_init (&t, "Squeeze", 11);
  th_input (&t, 3, D (2, 1, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (0));
  EXPECT (&t, NN_SHAPE, "cannot squeeze axis 0", "squeezing a dimension of 2");
  th_init (&t, "Squeeze", 11);
  th_input (&t, 3, D (2, 1, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (3));
  EXPECT (&t, NN_BAD_MODEL, "value 3 is out of range", "axis out of range");
  th_init (&t, "Squeeze", 11);
  th_input (&t, 3, D (2, 1, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (1, -2));
  EXPECT (&t, NN_BAD_MODEL, "listed twice", "axis listed twice");
  th_init (&t, "Squeeze", 13);
  th_input (&t, 3, D (2, 1, 4));
  th_input (&t, 1, D (1));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input axes ('v1') must be a constant",
          "axes input not constant");

  th_init (&t, "Unsqueeze", 11);
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'axes' is required", "missing axes");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "has 1 inputs", "missing axes input");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_const_i64 (&t, 1, D (2), D (0, 0));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "listed twice", "axis listed twice");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_const_i64 (&t, 1, D (1), D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "value 3 is out of range", "axis out of range");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_const_i64 (&t, 1, D (7), D (0, 1, 2, 3, 4, 5, 6));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "rank 9", "rank 9 result");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 1, D (1));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input axes ('v1') must be a constant",
          "axes input not constant");

  th_init (&t, "Dropout", 9);
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "output 1 (mask)",
          "float mask output before opset 10");
  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (2, 4));
  th_omit (&t);
  th_input (&t, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input training_mode ('v1') must be a constant",
          "training_mode not constant");
  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (2, 4));
  th_omit (&t);
  th_const_i64 (&t, 0, NULL, D (1));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "training mode with ratio 0.5",
          "training_mode true");
  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (2, 4));
  th_const (&t, 0, NULL, (const float[]){ 0.1f });
  th_const_i64 (&t, 0, NULL, D (1));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "training mode with ratio 0.1",
          "training mode with ratio 0.1");
  th_init (&t, "Identity", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "has 2 inputs", "two inputs");
}

static void
join_rules (void)
{
  th_node t;

  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'axis' is required", "missing axis");
  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (2, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "'axis' 2 is out of range", "axis out of range");
  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 3, D (2, 4, 1));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "input 1 has rank 3", "ranks differ");
  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 4));
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "dimension 3 at axis 0", "other dimension differs");
  th_init (&t, "Concat", 13);
  th_input (&t, 0, NULL);
  th_input (&t, 0, NULL);
  th_output (&t);
  th_attr_int (&t, "axis", 0);
  EXPECT (&t, NN_SHAPE, "scalars", "scalars");

  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (2), D (2, 3));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "do not add up", "split sizes not adding up");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (2, 2, 2));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_BAD_MODEL, "3 values for 2 outputs", "split of wrong length");
  th_init (&t, "Split", 11);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  th_attr_ints (&t, "split", 2, D (-1, 7));
  EXPECT (&t, NN_BAD_MODEL, "-1 at index 0 is negative", "negative split");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 7));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "2 equal parts", "unequal split without sizes");
  th_init (&t, "Split", 18);
  th_input (&t, 2, D (2, 7));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  th_attr_int (&t, "num_outputs", 3);
  EXPECT (&t, NN_BAD_MODEL, "'num_outputs' is 3",
          "num_outputs not matching the outputs");
  th_init (&t, "Split", 18);
  th_input (&t, 2, D (2, 5));
  th_output (&t);
  th_output (&t);
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  th_attr_int (&t, "num_outputs", 4);
  EXPECT (&t, NN_SHAPE, "4 chunks",
          "num_outputs with an impossible last chunk");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_int (&t, "axis", -3);
  EXPECT (&t, NN_BAD_MODEL, "'axis' -3", "axis out of range");
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_input (&t, 1, D (2));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input split ('v1') must be a constant",
          "split not constant");

  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 0));
  th_const_i64 (&t, 1, D (4), D (0, 1, 0, 1));
  th_output (&t);
  th_attr_string (&t, "mode", "reflect");
  EXPECT (&t, NN_SHAPE, "'reflect' cannot pad axis 1",
          "reflect of an empty axis");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (1, 1, 1, 1));
  th_output (&t);
  th_attr_string (&t, "mode", "mirror");
  EXPECT (&t, NN_BAD_MODEL, "'mirror'", "unknown mode");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (1, 1, 1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "3 values for an input of rank 2",
          "pads of wrong length");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_input (&t, 1, D (4));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input pads ('v1') must be a constant",
          "pads not constant");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (1, 1, 1, 1));
  th_input (&t, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input constant_value ('v2') must be a constant",
          "constant_value not constant");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (0, -4, 0, -3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "-4,-3 do not fit axis 1",
          "cropping more than the axis");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (0, 0, INT64_MAX, 0));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "9223372036854775807 do not fit", "huge pad");
  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (0, 0, 1 << 30, 1 << 30));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "more than 2147483648 elements", "result too large");
  th_init (&t, "Pad", 2);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'pads' is required", "missing pads attribute");
  th_init (&t, "Pad", 18);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (4), D (1, 1, 1, 1));
  th_omit (&t);
  th_const_i64 (&t, 1, D (2), D (1, -1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "axis 1 is listed twice", "axes listed twice");
}

static void
reduce_rules (void)
{
  th_node t;

  th_init (&t, "Softmax", 13);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "'axis' 2", "axis out of range");
  th_init (&t, "LogSoftmax", 11);
  th_input (&t, 2, D (2, 6));
  th_output (&t);
  th_attr_int (&t, "axis", -3);
  EXPECT (&t, NN_BAD_MODEL, "'axis' -3", "axis below -rank");
  th_init (&t, "Softmax", 13);
  th_input (&t, 0, NULL);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "('v0') has rank 0", "scalar input");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 6, 3));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (3));
  EXPECT (&t, NN_BAD_MODEL, "axes value 3", "axis out of range");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 6, 3));
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (2, -1));
  EXPECT (&t, NN_BAD_MODEL, "axis 2 is listed twice", "axis listed twice");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 6, 3));
  th_output (&t);
  th_attr_int (&t, "keepdims", 3);
  EXPECT (&t, NN_BAD_MODEL, "'keepdims'", "keepdims 3");
  th_init (&t, "ReduceMean", 18);
  th_input (&t, 3, D (2, 6, 3));
  th_input (&t, 1, D (1));
  t.vals[1].dtype = NN_DTYPE_INT64;
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input axes ('v1') must be a constant",
          "axes input not constant");
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
  EXPECT (&t, NN_BAD_MODEL, "differ in type", "int32 + float");
  th_init (&t, "And", 7);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "float32 is not supported", "And on float");
  th_init (&t, "Where", 16);
  th_input_typed (&t, NN_DTYPE_BOOL, 1, D (4));
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "cannot be broadcast",
          "Where condition that does not broadcast");
  th_init (&t, "Where", 16);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input condition", "float condition");
  th_init (&t, "Where", 16);
  th_input_typed (&t, NN_DTYPE_BOOL, 1, D (3));
  th_input (&t, 1, D (3));
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "inputs 1 ('v1') and 2 ('v2') differ in type",
          "X and Y of two types");
  th_init (&t, "Mod", 13);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "needs fmod 1", "float Mod without fmod");
  th_init (&t, "Mod", 13);
  th_input_typed (&t, NN_DTYPE_INT32, 1, D (3));
  th_input_typed (&t, NN_DTYPE_INT32, 1, D (3));
  th_output (&t);
  th_attr_int (&t, "fmod", 2);
  EXPECT (&t, NN_BAD_MODEL, "'fmod' must be 0 or 1", "fmod 2");
  th_init (&t, "Sum", 7);
  th_input (&t, 2, D (2, 3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "no broadcasting before opset 8",
          "Sum broadcasting before opset 8");
  th_init (&t, "Max", 13);
  th_input (&t, 1, D (3));
  th_input (&t, 1, D (2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "cannot be broadcast",
          "Max of shapes that do not broadcast");
  th_init (&t, "PRelu", 16);
  th_input (&t, 1, D (3));
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "slope", "slope larger than X");
  th_init (&t, "Pow", 15);
  th_input_typed (&t, NN_DTYPE_UINT8, 1, D (3));
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "base of type uint8", "uint8 base");
  th_init (&t, "Sqrt", 13);
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "int64 is not supported", "Sqrt of int64");
  th_init (&t, "Not", 1);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "float32 is not supported", "Not of float");
  th_init (&t, "Celu", 12);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_float (&t, "alpha", 0.f);
  EXPECT (&t, NN_BAD_MODEL, "'alpha' must not be 0", "Celu alpha 0");
  th_init (&t, "Elu", 6);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_float (&t, "alpha", INFINITY);
  EXPECT (&t, NN_BAD_MODEL, "'alpha' must be finite", "Elu alpha infinite");
  th_init (&t, "Selu", 6);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_float (&t, "gamma", NAN);
  EXPECT (&t, NN_BAD_MODEL, "'gamma' must be finite", "Selu gamma NaN");
  th_init (&t, "Gelu", 20);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_string (&t, "approximate", "fast");
  EXPECT (&t, NN_BAD_MODEL, "'approximate'", "Gelu approximate fast");
  th_init (&t, "Neg", 13);
  th_input_typed (&t, NN_DTYPE_UINT8, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "uint8 is not supported", "Neg of unsigned");
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
  EXPECT (&t, NN_BAD_MODEL, "step 0", "Slice step 0");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (0, 0));
  th_const_i64 (&t, 1, D (2), D (2, 2));
  th_const_i64 (&t, 1, D (2), D (1, -1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "axis 1 is listed twice",
          "Slice axis listed twice");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_const_i64 (&t, 1, D (1), D (2));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "axes value 2", "Slice axis out of range");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (0, 0));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "but ends has 1",
          "Slice starts and ends of two lengths");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_const_i64 (&t, 1, D (1), D (2));
  th_const_i64 (&t, 1, D (2), D (0, 1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "but axes has 2",
          "Slice starts and axes of two lengths");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_const_i64 (&t, 1, D (1), D (2));
  th_omit (&t);
  th_const_i64 (&t, 1, D (2), D (1, 1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "but steps has 2",
          "Slice starts and steps of two lengths");
  th_init (&t, "Slice", 13);
  th_input (&t, 2, D (3, 4));
  th_input (&t, 1, D (1));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  t.vals[1].dtype = NN_DTYPE_INT64;
  EXPECT (&t, NN_UNSUPPORTED, "input starts ('v1') must be a constant",
          "Slice starts computed at run time");
  th_init (&t, "Expand", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (3, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "cannot be expanded to 5",
          "Expand to a shape that does not broadcast");
  th_init (&t, "Expand", 13);
  th_input (&t, 1, D (1));
  th_const_i64 (&t, 1, D (1), D (-2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "expanded to -2", "Expand to a negative dimension");
  th_init (&t, "Tile", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "repeats has 1 values",
          "Tile repeats of the wrong length");
  th_init (&t, "Tile", 13);
  th_input (&t, 1, D (3));
  th_const_i64 (&t, 1, D (1), D (-1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "repeat -1", "Tile negative repeat");
  th_init (&t, "DepthToSpace", 13);
  th_input (&t, 4, D (1, 6, 2, 2));
  th_output (&t);
  th_attr_int (&t, "blocksize", 2);
  EXPECT (&t, NN_SHAPE, "blocksize 2 squared",
          "channels not a multiple of blocksize squared");
  th_init (&t, "DepthToSpace", 13);
  th_input (&t, 4, D (1, 4, 2, 2));
  th_output (&t);
  th_attr_int (&t, "blocksize", 0);
  EXPECT (&t, NN_BAD_MODEL, "'blocksize' must be 1 or more", "blocksize 0");
  th_init (&t, "DepthToSpace", 13);
  th_input (&t, 4, D (1, 4, 2, 2));
  th_output (&t);
  th_attr_int (&t, "blocksize", 2);
  th_attr_string (&t, "mode", "RCD");
  EXPECT (&t, NN_BAD_MODEL, "'mode' must be DCR or CRD", "unknown mode");
  th_init (&t, "SpaceToDepth", 13);
  th_input (&t, 4, D (1, 1, 3, 4));
  th_output (&t);
  th_attr_int (&t, "blocksize", 2);
  EXPECT (&t, NN_SHAPE, "height 3", "height not a multiple of blocksize");
  th_init (&t, "Gather", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "index 3 out of range",
          "Gather index out of range");
  th_init (&t, "Gather", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "'axis' 2", "Gather axis out of range");
  th_init (&t, "Gather", 13);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (1), zeros64);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "input indices", "float indices");
  th_init (&t, "GatherElements", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (0));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "indices have rank 1",
          "GatherElements indices of another rank");
  th_init (&t, "ScatterND", 16);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 2, D (1, 3), D (0, 0, 0));
  th_input (&t, 1, D (1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "index tuples of 3",
          "index tuples longer than the rank");
  th_init (&t, "ScatterND", 16);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 2, D (1, 1), D (0));
  th_input (&t, 2, D (1, 5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "updates do not match", "updates that do not fit");
  th_init (&t, "ScatterND", 16);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 2, D (1, 1), D (0));
  th_input (&t, 2, D (1, 4));
  th_output (&t);
  th_attr_string (&t, "reduction", "avg");
  EXPECT (&t, NN_BAD_MODEL, "'reduction'", "unknown reduction");
  th_init (&t, "Trilu", 14);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "('v0') has rank 1", "Trilu of rank 1");
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
  EXPECT (&t, NN_BAD_MODEL, "delta 0", "Range delta 0");
  th_init (&t, "Range", 11);
  th_const (&t, 1, D (2), zeros64);
  th_const (&t, 0, NULL, (const float[]){ 5.f });
  th_const (&t, 0, NULL, (const float[]){ 1.f });
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input start must be a scalar",
          "Range start of two values");
  th_init (&t, "Range", 11);
  th_const (&t, 0, NULL, (const float[]){ 0.f });
  th_const_i64 (&t, 0, NULL, D (5));
  th_const (&t, 0, NULL, (const float[]){ 1.f });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "differ in type", "Range of two types");
  th_init (&t, "Cast", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  th_attr_int (&t, "to", 8);
  EXPECT (&t, NN_UNSUPPORTED, "type 8", "Cast to STRING");
  th_init (&t, "Cast", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'to' is required", "Cast without 'to'");
  th_init (&t, "ConstantOfShape", 13);
  th_const_i64 (&t, 1, D (2), D (2, -1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "-1 at index 1 is negative", "negative shape");
  th_init (&t, "Constant", 13);
  th_output (&t);
  th_attr_float (&t, "value_float", 1.f);
  th_attr_int (&t, "value_int", 1);
  EXPECT (&t, NN_BAD_MODEL, "exactly one of value", "two values");
  th_init (&t, "Constant", 13);
  th_output (&t);
  th_attr_string (&t, "value_string", "x");
  EXPECT (&t, NN_UNSUPPORTED, "'value_string'", "a string constant");
  th_init (&t, "NonZero", 13);
  th_input (&t, 1, D (3));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "depends on the data",
          "NonZero of run-time data");
  th_init (&t, "EyeLike", 9);
  th_input (&t, 3, D (2, 2, 2));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "('v0') has rank 3", "EyeLike of rank 3");
  th_init (&t, "Pad", 13);
  th_input (&t, 1, D (3));
  th_const_i64 (&t, 1, D (2), D (1, 1));
  th_const_i64 (&t, 0, NULL, D (1));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "inputs 0 ('v0') and 2 ('v2') differ in type",
          "int64 constant_value for float data");
}

static void
reduce_new_rules (void)
{
  th_node t;

  th_init (&t, "ReduceSum", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "axes value 2", "ReduceSum axis out of range");
  th_init (&t, "ReduceMax", 18);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (0));
  EXPECT (&t, NN_BAD_MODEL, "'axes' is an input",
          "ReduceMax axes attribute at opset 18");
  th_init (&t, "ReduceProd", 13);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "keepdims", 2);
  EXPECT (&t, NN_BAD_MODEL, "'keepdims'", "keepdims 2");
  th_init (&t, "ReduceL2", 13);
  th_input_typed (&t, NN_DTYPE_INT64, 2, D (3, 4));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "int64 is not supported", "ReduceL2 of int64");
  th_init (&t, "ArgMax", 13);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", -3);
  EXPECT (&t, NN_BAD_MODEL, "'axis' -3", "ArgMax axis out of range");
  th_init (&t, "ArgMin", 13);
  th_input (&t, 2, D (3, 0));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  EXPECT (&t, NN_SHAPE, "axis 1 is empty", "ArgMin over an empty axis");
  th_init (&t, "TopK", 11);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (5));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "k = 5", "k larger than the axis");
  th_init (&t, "TopK", 11);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (1), D (-1));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "k = -1", "negative k");
  th_init (&t, "CumSum", 14);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (0, 1));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input axis must hold one value", "CumSum of two axes");
  th_init (&t, "CumSum", 14);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 0, NULL, D (2));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "input axis 2 is out of range",
          "CumSum axis out of range");
  th_init (&t, "Hardmax", 13);
  th_input (&t, 2, D (3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "'axis' 2", "Hardmax axis out of range");
}

static void
norm_new_rules (void)
{
  th_node t;

  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (3), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "Scale ('v1') has 3 values", "Scale of the wrong size");
  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (4), zeros64);
  th_output (&t);
  th_attr_float (&t, "epsilon", -1.f);
  EXPECT (&t, NN_BAD_MODEL, "'epsilon'", "negative epsilon");
  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 2, D (3, 4));
  th_const (&t, 1, D (4), zeros64);
  th_output (&t);
  th_attr_int (&t, "axis", 2);
  EXPECT (&t, NN_BAD_MODEL, "'axis' 2", "axis out of range");
  th_init (&t, "GroupNormalization", 18);
  th_input (&t, 3, D (1, 6, 4));
  th_const (&t, 1, D (4), zeros64);
  th_const (&t, 1, D (4), zeros64);
  th_output (&t);
  th_attr_int (&t, "num_groups", 4);
  EXPECT (&t, NN_BAD_MODEL, "'num_groups' = 4",
          "groups that do not divide the channels");
  th_init (&t, "GroupNormalization", 21);
  th_input (&t, 3, D (1, 6, 4));
  th_const (&t, 1, D (2), zeros64);
  th_const (&t, 1, D (2), zeros64);
  th_output (&t);
  th_attr_int (&t, "num_groups", 2);
  EXPECT (&t, NN_SHAPE, "one per channel", "per-group scale at opset 21");
  th_init (&t, "InstanceNormalization", 6);
  th_input (&t, 3, D (1, 6, 4));
  th_const (&t, 1, D (5), zeros64);
  th_const (&t, 1, D (6), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "5 values for 6 channels", "scale of the wrong size");
  th_init (&t, "LRN", 13);
  th_input (&t, 4, D (1, 6, 4, 4));
  th_output (&t);
  th_attr_int (&t, "size", 0);
  EXPECT (&t, NN_BAD_MODEL, "'size'", "LRN size 0");
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
  EXPECT (&t, NN_BAD_MODEL, "exactly one of scales and sizes",
          "both scales and sizes");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "exactly one of scales and sizes",
          "neither scales nor sizes");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_output (&t);
  th_attr_string (&t, "mode", "area");
  EXPECT (&t, NN_BAD_MODEL, "'mode' has unknown value 'area'", "unknown mode");
  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_output (&t);
  th_attr_string (&t, "coordinate_transformation_mode", "other");
  EXPECT (&t, NN_BAD_MODEL,
          "'coordinate_transformation_mode' has unknown value 'other'",
          "unknown coordinate_transformation_mode");
  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_output (&t);
  th_attr_string (&t, "nearest_mode", "other");
  EXPECT (&t, NN_BAD_MODEL, "'nearest_mode' has unknown value 'other'",
          "unknown nearest_mode");
  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2, 2 });
  th_output (&t);
  th_attr_string (&t, "keep_aspect_ratio_policy", "other");
  EXPECT (&t, NN_BAD_MODEL,
          "'keep_aspect_ratio_policy' has unknown value 'other'",
          "unknown keep_aspect_ratio_policy");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, -2, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "scale -2", "negative scale");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (3), (const float[]){ 1, 2, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "scales has 3 values",
          "scales of the wrong length");
  th_init (&t, "Resize", 18);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 0.5f, 0.5f });
  th_output (&t);
  th_attr_string (&t, "mode", "linear");
  th_attr_int (&t, "antialias", 1);
  EXPECT (&t, NN_UNSUPPORTED, "antialiased", "antialiased downscaling");
  th_init (&t, "Upsample", 9);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 0.5f, 2 });
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "scale 0.5", "Upsample scale below 1");
  th_init (&t, "Upsample", 7);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "'scales' is required", "Upsample without scales");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 3, 4, 4));
  th_const (&t, 4, D (2, 2, 3, 3), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "W has 2 input channels",
          "W of the wrong input channels");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 5, D (1, 1, 2, 2, 2));
  th_const (&t, 5, D (1, 1, 1, 1, 1), zeros64);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "3-D", "3-D");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 4, D (1, 1, 3, 3), zeros64);
  th_output (&t);
  th_attr_ints (&t, "output_padding", 2, D (1, 1));
  EXPECT (&t, NN_BAD_MODEL, "output_padding 1",
          "output_padding not below the stride");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 4, D (1, 2, 3, 3), zeros64);
  th_const (&t, 1, D (3), zeros64);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "bias B has 3 values", "bias of the wrong size");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_const (&t, 4, D (1, 1, 3, 3), zeros64);
  th_output (&t);
  th_attr_string (&t, "auto_pad", "SAME");
  EXPECT (&t, NN_BAD_MODEL, "'auto_pad' has unknown value 'SAME'",
          "unknown auto_pad");
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

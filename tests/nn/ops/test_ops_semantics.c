/* Known answers: ONNX semantics of each operator on small hand-checked
 * cases (shapes and values), for the operators that have no separate
 * reference kernel and for the corner cases of those that do. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F(...) ((const float[]){ __VA_ARGS__ })

static float iota_buf[4096];

/* Plans, fills activation input i from data[i] (iota when NULL), runs on
 * the calling thread and on a pool, and returns output 0 (or NULL). */
static nn_pool *pool2;

static float *
run (th_node *t, const float *const *data)
{
  nn_error err = { 0 };
  nn_status s = th_plan (t, &err);
  TH_CHECK (s == NN_OK, "%s: plan failed: %s", t->node.op_type, err.message);
  if (s != NN_OK)
    return NULL;
  for (int i = 0; i < t->node.n_in; i++) {
    nn_value *v = t->in[i];
    if (v && v->kind != NN_VAL_CONST)
      memcpy (th_data (t, v), data && data[i] ? data[i] : iota_buf,
              sizeof (float) * v->count);
  }
  th_run (t, pool2, false);
  return th_data (t, t->out[0]);
}

static void
expect_shape (th_node *t, int o, int ndim, const int64_t *dims,
              const char *what)
{
  const nn_value *v = t->out[o];
  bool ok = v->ndim == ndim && v->dtype == NN_DTYPE_FLOAT;
  for (int i = 0; ok && i < ndim; i++)
    ok = v->dims[i] == dims[i];
  TH_CHECK (ok, "%s: output %d has the wrong shape (rank %d)", what, o,
            v->ndim);
}

static void
expect_values (const float *y, const float *want, size_t n, double tol,
               const char *what)
{
  if (!y) {
    TH_CHECK (false, "%s: no output", what);
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (!(fabs ((double)y[i] - want[i]) <= tol * (1.0 + fabs (want[i])))) {
      TH_CHECK (false, "%s: value %zu is %g, expected %g", what, i, y[i],
                want[i]);
      return;
    }
  TH_CHECK (true, "%s", what);
}

static void
shapes (void)
{
  th_node t;
  float *y;

  th_init (&t, "Reshape", 14);
  th_input (&t, 3, D (2, 3, 4));
  th_const_i64 (&t, 1, D (2), D (0, -1));
  th_output (&t);
  y = run (&t, NULL);
  expect_shape (&t, 0, 2, D (2, 12), "Reshape 0 and -1");
  expect_values (y, iota_buf, 24, 0, "Reshape keeps the data");
  th_free (&t);
  th_init (&t, "Reshape", 14);
  th_input (&t, 2, D (0, 4));
  th_const_i64 (&t, 1, D (3), D (4, 0, 1));
  th_output (&t);
  th_attr_int (&t, "allowzero", 1);
  run (&t, NULL);
  expect_shape (&t, 0, 3, D (4, 0, 1), "Reshape allowzero keeps a real 0");
  th_free (&t);

  th_init (&t, "Flatten", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", 0);
  run (&t, NULL);
  expect_shape (&t, 0, 2, D (1, 24), "Flatten axis 0");
  th_free (&t);
  th_init (&t, "Flatten", 13);
  th_input (&t, 3, D (2, 3, 4));
  th_output (&t);
  th_attr_int (&t, "axis", -1);
  run (&t, NULL);
  expect_shape (&t, 0, 2, D (6, 4), "Flatten axis -1");
  th_free (&t);

  th_init (&t, "Squeeze", 13);
  th_input (&t, 4, D (1, 3, 1, 2));
  th_output (&t);
  run (&t, NULL);
  expect_shape (&t, 0, 2, D (3, 2), "Squeeze without axes");
  th_free (&t);
  th_init (&t, "Squeeze", 11);
  th_input (&t, 4, D (1, 3, 1, 2));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (-2));
  run (&t, NULL);
  expect_shape (&t, 0, 3, D (1, 3, 2), "Squeeze axes attribute, negative");
  th_free (&t);
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (3, 4));
  th_const_i64 (&t, 1, D (2), D (-1, 0));
  th_output (&t);
  run (&t, NULL);
  expect_shape (&t, 0, 4, D (1, 3, 4, 1), "Unsqueeze -1 and 0");
  th_free (&t);

  /* Transpose against index arithmetic. */
  th_init (&t, "Transpose", 13);
  th_input (&t, 4, D (2, 3, 4, 5));
  th_output (&t);
  th_attr_ints (&t, "perm", 4, D (2, 0, 3, 1));
  y = run (&t, NULL);
  expect_shape (&t, 0, 4, D (4, 2, 5, 3), "Transpose shape");
  {
    float want[120];
    for (int a = 0; a < 4; a++)
      for (int b = 0; b < 2; b++)
        for (int c = 0; c < 5; c++)
          for (int d = 0; d < 3; d++)
            want[((a * 2 + b) * 5 + c) * 3 + d]
                = iota_buf[((b * 3 + d) * 4 + a) * 5 + c];
    expect_values (y, want, 120, 0, "Transpose values");
  }
  th_free (&t);
  th_init (&t, "Transpose", 13);
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  y = run (&t, NULL);
  expect_values (y, F (0, 3, 1, 4, 2, 5), 6, 0, "Transpose default perm");
  th_free (&t);

  th_init (&t, "Dropout", 12);
  th_input (&t, 2, D (2, 3));
  th_const (&t, 0, NULL, F (0.5f));
  th_const_i64 (&t, 0, NULL, D (0));
  th_output (&t);
  y = run (&t, NULL);
  expect_values (y, iota_buf, 6, 0, "Dropout is the identity");
  th_free (&t);
}

static void
joins (void)
{
  th_node t;
  float *y;

  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 2));
  th_const (&t, 2, D (2, 1), F (10, 11));
  th_output (&t);
  th_attr_int (&t, "axis", -1);
  y = run (&t, NULL);
  expect_shape (&t, 0, 2, D (2, 3), "Concat shape");
  expect_values (y, F (0, 1, 10, 2, 3, 11), 6, 0, "Concat values");
  th_free (&t);
  th_init (&t, "Concat", 13);
  th_input (&t, 2, D (2, 2));
  th_const (&t, 2, D (1, 2), F (10, 11));
  th_output (&t);
  th_attr_int (&t, "axis", 0);
  y = run (&t, NULL);
  expect_values (y, F (0, 1, 2, 3, 10, 11), 6, 0, "Concat on axis 0");
  th_free (&t);

  th_init (&t, "Split", 18);
  th_input (&t, 1, D (7));
  th_output (&t);
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "num_outputs", 3);
  y = run (&t, NULL);
  expect_shape (&t, 0, 1, D (3), "Split num_outputs: first");
  expect_shape (&t, 2, 1, D (1), "Split num_outputs: last is smaller");
  expect_values (th_data (&t, t.out[2]), F (6), 1, 0, "Split last value");
  th_free (&t);
  th_init (&t, "Split", 13);
  th_input (&t, 2, D (2, 6));
  th_const_i64 (&t, 1, D (3), D (0, 2, 4));
  th_output (&t);
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  run (&t, NULL);
  expect_shape (&t, 0, 2, D (2, 0), "Split zero-size part");
  expect_values (th_data (&t, t.out[1]), F (0, 1, 6, 7), 4, 0,
                 "Split middle part");
  expect_values (th_data (&t, t.out[2]), F (2, 3, 4, 5, 8, 9, 10, 11), 8, 0,
                 "Split last part");
  th_free (&t);
  th_init (&t, "Split", 11);
  th_input (&t, 2, D (4, 2));
  th_output (&t);
  th_output (&t);
  run (&t, NULL);
  expect_values (th_data (&t, t.out[1]), F (4, 5, 6, 7), 4, 0,
                 "Split equal parts on axis 0");
  th_free (&t);

  th_init (&t, "Pad", 13);
  th_input (&t, 2, D (2, 3));
  th_const_i64 (&t, 1, D (4), D (1, 0, 0, -1));
  th_const (&t, 0, NULL, F (9));
  th_output (&t);
  y = run (&t, NULL);
  expect_shape (&t, 0, 2, D (3, 2), "Pad with a crop");
  expect_values (y, F (9, 9, 0, 1, 3, 4), 6, 0, "Pad values");
  th_free (&t);
  th_init (&t, "Pad", 2);
  th_input (&t, 2, D (1, 2));
  th_output (&t);
  th_attr_ints (&t, "pads", 4, D (0, 1, 1, 0));
  th_attr_float (&t, "value", -1.f);
  y = run (&t, NULL);
  expect_values (y, F (-1, 0, 1, -1, -1, -1), 6, 0, "Pad opset 2 attrs");
  th_free (&t);
  th_init (&t, "Pad", 18);
  th_input (&t, 2, D (2, 2));
  th_const_i64 (&t, 1, D (2), D (1, 1));
  th_omit (&t);
  th_const_i64 (&t, 1, D (1), D (-1));
  th_output (&t);
  y = run (&t, NULL);
  expect_values (y, F (0, 0, 1, 0, 0, 2, 3, 0), 8, 0, "Pad opset 18 axes");
  th_free (&t);
}

static void
reductions (void)
{
  th_node t;
  float *y;

  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 3, 2));
  th_output (&t);
  th_attr_ints (&t, "axes", 1, D (1));
  th_attr_int (&t, "keepdims", 0);
  y = run (&t, NULL);
  expect_shape (&t, 0, 2, D (2, 2), "ReduceMean keepdims 0");
  expect_values (y, F (2, 3, 8, 9), 4, 1e-6, "ReduceMean middle axis");
  th_free (&t);
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 3, D (2, 3, 2));
  th_output (&t);
  y = run (&t, NULL);
  expect_shape (&t, 0, 3, D (1, 1, 1), "ReduceMean all, keepdims");
  expect_values (y, F (5.5f), 1, 1e-6, "ReduceMean all");
  th_free (&t);
  th_init (&t, "ReduceMean", 18);
  th_input (&t, 3, D (2, 3, 2));
  th_const_i64 (&t, 1, D (0), D (0));
  th_output (&t);
  th_attr_int (&t, "noop_with_empty_axes", 1);
  y = run (&t, NULL);
  expect_shape (&t, 0, 3, D (2, 3, 2), "ReduceMean noop_with_empty_axes");
  expect_values (y, iota_buf, 12, 0, "ReduceMean noop copies");
  th_free (&t);
  th_init (&t, "ReduceMean", 18);
  th_input (&t, 3, D (2, 3, 2));
  th_const_i64 (&t, 1, D (2), D (0, 2));
  th_output (&t);
  y = run (&t, NULL);
  expect_values (y, F (3.5f, 5.5f, 7.5f), 3, 1e-6, "ReduceMean axes 0, 2");
  th_free (&t);

  /* Softmax: opset 11 coerces to 2-D at axis, 13 uses one axis. */
  th_init (&t, "Softmax", 11);
  th_input (&t, 2, D (1, 3));
  th_output (&t);
  y = run (&t, (const float *const[]){ F (1, 2, 3) });
  expect_values (y, F (0.09003057f, 0.24472847f, 0.66524096f), 3, 1e-6,
                 "Softmax example");
  th_free (&t);
  th_init (&t, "Softmax", 11);
  th_input (&t, 3, D (1, 2, 2));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  y = run (&t, (const float *const[]){ F (0, 0, 0, 0) });
  expect_values (y, F (0.25f, 0.25f, 0.25f, 0.25f), 4, 1e-6,
                 "Softmax opset 11 over the trailing block");
  th_free (&t);
  th_init (&t, "Softmax", 13);
  th_input (&t, 3, D (1, 2, 2));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  y = run (&t, (const float *const[]){ F (0, 0, 0, 0) });
  expect_values (y, F (0.5f, 0.5f, 0.5f, 0.5f), 4, 1e-6,
                 "Softmax opset 13 over one axis");
  th_free (&t);
  th_init (&t, "LogSoftmax", 13);
  th_input (&t, 1, D (2));
  th_output (&t);
  y = run (&t, (const float *const[]){ F (1000, 1000) });
  expect_values (y, F (-0.6931472f, -0.6931472f), 2, 1e-6,
                 "LogSoftmax large numbers");
  th_free (&t);

  th_init (&t, "GlobalAveragePool", 1);
  th_input (&t, 3, D (1, 2, 3));
  th_output (&t);
  y = run (&t, NULL);
  expect_shape (&t, 0, 3, D (1, 2, 1), "GlobalAveragePool rank 3");
  expect_values (y, F (1, 4), 2, 1e-6, "GlobalAveragePool values");
  th_free (&t);
}

static void
elementwise (void)
{
  const float x[6] = { -3, -0.5f, 0, 0.5f, 2, 8 };
  th_node t;
  float *y, want[6];

  th_init (&t, "LeakyRelu", 16);
  th_input (&t, 1, D (6));
  th_output (&t);
  th_attr_float (&t, "alpha", 0.1f);
  y = run (&t, (const float *const[]){ x });
  expect_values (y, F (-0.3f, -0.05f, 0, 0.5f, 2, 8), 6, 1e-6, "LeakyRelu");
  th_free (&t);
  th_init (&t, "HardSigmoid", 6);
  th_input (&t, 1, D (6));
  th_output (&t);
  th_attr_float (&t, "alpha", 0.3f);
  th_attr_float (&t, "beta", 0.4f);
  y = run (&t, (const float *const[]){ x });
  for (int i = 0; i < 6; i++)
    want[i] = fmaxf (0.f, fminf (1.f, 0.3f * x[i] + 0.4f));
  expect_values (y, want, 6, 1e-6, "HardSigmoid");
  th_free (&t);
  th_init (&t, "HardSwish", 14);
  th_input (&t, 1, D (6));
  th_output (&t);
  y = run (&t, (const float *const[]){ x });
  for (int i = 0; i < 6; i++)
    want[i] = x[i] * fmaxf (0.f, fminf (1.f, x[i] / 6.f + 0.5f));
  expect_values (y, want, 6, 1e-6, "HardSwish");
  th_free (&t);
  th_init (&t, "Sigmoid", 13);
  th_input (&t, 1, D (6));
  th_output (&t);
  y = run (&t, (const float *const[]){ x });
  for (int i = 0; i < 6; i++)
    want[i] = 1.f / (1.f + expf (-x[i]));
  expect_values (y, want, 6, 1e-6, "Sigmoid");
  th_free (&t);
  th_init (&t, "Tanh", 13);
  th_input (&t, 1, D (6));
  th_output (&t);
  y = run (&t, (const float *const[]){ x });
  for (int i = 0; i < 6; i++)
    want[i] = tanhf (x[i]);
  expect_values (y, want, 6, 1e-6, "Tanh");
  th_free (&t);
  th_init (&t, "Clip", 6);
  th_input (&t, 1, D (6));
  th_output (&t);
  th_attr_float (&t, "min", -1.f);
  th_attr_float (&t, "max", 1.f);
  y = run (&t, (const float *const[]){ x });
  expect_values (y, F (-1, -0.5f, 0, 0.5f, 1, 1), 6, 0, "Clip opset 6");
  th_free (&t);
  th_init (&t, "Clip", 13);
  th_input (&t, 1, D (6));
  th_omit (&t);
  th_const (&t, 0, NULL, F (0.25f));
  th_output (&t);
  y = run (&t, (const float *const[]){ x });
  expect_values (y, F (-3, -0.5f, 0, 0.25f, 0.25f, 0.25f), 6, 0,
                 "Clip with only max");
  th_free (&t);
  th_init (&t, "Clip", 13);
  th_input (&t, 1, D (6));
  th_const (&t, 0, NULL, F (2));
  th_const (&t, 0, NULL, F (1));
  th_output (&t);
  y = run (&t, (const float *const[]){ x });
  expect_values (y, F (1, 1, 1, 1, 1, 1), 6, 0, "Clip min > max gives max");
  th_free (&t);

  th_init (&t, "Sub", 14);
  th_const (&t, 0, NULL, F (10));
  th_input (&t, 2, D (2, 3));
  th_output (&t);
  y = run (&t, (const float *const[]){ NULL, x });
  for (int i = 0; i < 6; i++)
    want[i] = 10.f - x[i];
  expect_values (y, want, 6, 0, "Sub scalar minus tensor");
  th_free (&t);
  th_init (&t, "Div", 14);
  th_input (&t, 2, D (2, 3));
  th_const (&t, 2, D (2, 1), F (2, 4));
  th_output (&t);
  y = run (&t, (const float *const[]){ x });
  expect_values (y, F (-1.5f, -0.25f, 0, 0.125f, 0.5f, 2), 6, 0,
                 "Div by a column");
  th_free (&t);

  /* BatchNormalization: constant statistics, and statistics as inputs. */
  for (int as_inputs = 0; as_inputs < 2; as_inputs++) {
    const float sc[2] = { 2, 0.5f }, bi[2] = { 1, -1 }, mu[2] = { 0.5f, 2 };
    const float va[2] = { 4, 0.25f };
    th_init (&t, "BatchNormalization", 15);
    th_input (&t, 3, D (1, 2, 3));
    const float *stats[4] = { sc, bi, mu, va };
    for (int i = 0; i < 4; i++)
      if (as_inputs)
        th_input (&t, 1, D (2));
      else
        th_const (&t, 1, D (2), stats[i]);
    th_output (&t);
    th_attr_float (&t, "epsilon", 0.f);
    y = run (&t, (const float *const[]){ x, sc, bi, mu, va });
    for (int i = 0; i < 6; i++) {
      int c = i / 3;
      want[i] = sc[c] * (x[i] - mu[c]) / sqrtf (va[c]) + bi[c];
    }
    expect_values (y, want, 6, 1e-6,
                   as_inputs ? "BatchNormalization, "
                               "statistics as inputs"
                             : "BatchNormalization");
    th_free (&t);
  }
}

static void
windows (void)
{
  th_node t;
  float *y;

  /* test_maxpool_2d_ceil / test_averagepool_2d_ceil of ONNX. */
  th_init (&t, "MaxPool", 12);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_output (&t);
  th_attr_ints (&t, "kernel_shape", 2, D (3, 3));
  th_attr_ints (&t, "strides", 2, D (2, 2));
  th_attr_int (&t, "ceil_mode", 1);
  y = run (&t, (const float *const[]){ iota_buf + 1 });
  expect_values (y, F (11, 12, 15, 16), 4, 0, "MaxPool ceil_mode");
  th_free (&t);
  th_init (&t, "AveragePool", 12);
  th_input (&t, 4, D (1, 1, 4, 4));
  th_output (&t);
  th_attr_ints (&t, "kernel_shape", 2, D (3, 3));
  th_attr_ints (&t, "strides", 2, D (2, 2));
  th_attr_int (&t, "ceil_mode", 1);
  y = run (&t, (const float *const[]){ iota_buf + 1 });
  expect_values (y, F (6, 7.5f, 12, 13.5f), 4, 1e-6, "AveragePool ceil_mode");
  th_free (&t);
  th_init (&t, "MaxPool", 12);
  th_input (&t, 4, D (1, 1, 2, 2));
  th_output (&t);
  th_attr_ints (&t, "kernel_shape", 2, D (1, 1));
  th_attr_ints (&t, "strides", 2, D (2, 2));
  th_attr_int (&t, "ceil_mode", 1);
  run (&t, NULL);
  expect_shape (&t, 0, 4, D (1, 1, 1, 1),
                "ceil_mode drops a window starting in the padding");
  th_free (&t);
  static const char *same[2] = { "SAME_UPPER", "SAME_LOWER" };
  static const float want_same[2][2] = { { 3, 9 }, { 1, 7 } };
  for (int i = 0; i < 2; i++) {
    th_init (&t, "AveragePool", 12);
    th_input (&t, 4, D (1, 1, 3, 3));
    th_output (&t);
    th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
    th_attr_string (&t, "auto_pad", same[i]);
    y = run (&t, (const float *const[]){ iota_buf + 1 });
    expect_shape (&t, 0, 4, D (1, 1, 3, 3), same[i]);
    if (y) {
      float got[2] = { y[0], y[8] };
      expect_values (got, want_same[i], 2, 1e-6, same[i]);
    }
    th_free (&t);
  }
  th_init (&t, "AveragePool", 12);
  th_input (&t, 4, D (1, 1, 3, 3));
  th_output (&t);
  th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
  th_attr_ints (&t, "pads", 4, D (1, 1, 0, 0));
  th_attr_int (&t, "count_include_pad", 1);
  y = run (&t, (const float *const[]){ iota_buf + 1 });
  expect_values (y, F (0.25f, 0.75f, 1.25f, 1.25f, 3, 4, 2.75f, 6, 7), 9, 1e-6,
                 "AveragePool count_include_pad");
  th_free (&t);

  /* test_basic_conv_with_padding of ONNX, on the packed kernel, then with
   * a fused Relu on a negative weight. */
  for (int relu = 0; relu < 2; relu++) {
    float w[9];
    for (int i = 0; i < 9; i++)
      w[i] = relu ? -1.f : 1.f;
    th_init (&t, "Conv", 11);
    th_input (&t, 4, D (1, 1, 5, 5));
    th_const (&t, 4, D (1, 1, 3, 3), w);
    th_output (&t);
    th_attr_ints (&t, "pads", 4, D (1, 1, 1, 1));
    nn_error err;
    if (th_plan (&t, &err) == NN_OK) {
      if (relu)
        t.node.act.type = NN_ACT_RELU;
      memcpy (th_data (&t, t.in[0]), iota_buf, sizeof (float) * 25);
      th_run (&t, NULL, false);
      y = th_data (&t, t.out[0]);
      float got[3] = { y[0], y[12], y[24] };
      expect_values (got, relu ? F (0, 0, 0) : F (12, 108, 84), 3, 1e-6,
                     relu ? "Conv with fused Relu" : "Conv with padding");
    }
    th_free (&t);
  }
  /* A 1-D Conv. */
  th_init (&t, "Conv", 11);
  th_input (&t, 3, D (1, 1, 5));
  th_const (&t, 3, D (1, 1, 2), F (1, -1));
  th_output (&t);
  th_attr_ints (&t, "strides", 1, D (2));
  y = run (&t, NULL);
  expect_shape (&t, 0, 3, D (1, 1, 2), "Conv 1-D shape");
  expect_values (y, F (-1, -1), 2, 0, "Conv 1-D values");
  th_free (&t);
}

static void
matrices (void)
{
  th_node t;
  float *y;

  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (2, 2));
  th_const (&t, 2, D (2, 2), F (1, 2, 3, 4));
  th_const (&t, 1, D (2), F (10, 20));
  th_output (&t);
  th_attr_int (&t, "transA", 1);
  th_attr_int (&t, "transB", 1);
  th_attr_float (&t, "alpha", 2.f);
  th_attr_float (&t, "beta", 0.5f);
  /* A = [[0,1],[2,3]], A' = [[0,2],[1,3]], B' = [[1,3],[2,4]] */
  y = run (&t, NULL);
  expect_values (y, F (2 * 4 + 5, 2 * 8 + 10, 2 * 7 + 5, 2 * 15 + 10), 4, 1e-6,
                 "Gemm transA transB alpha beta");
  th_free (&t);

  th_init (&t, "MatMul", 13);
  th_input (&t, 1, D (3));
  th_const (&t, 1, D (3), F (1, 1, 1));
  th_output (&t);
  y = run (&t, NULL);
  expect_shape (&t, 0, 0, NULL, "MatMul vector . vector is a scalar");
  expect_values (y, F (3), 1, 0, "MatMul vector . vector");
  th_free (&t);
  th_init (&t, "MatMul", 13);
  th_input (&t, 1, D (2));
  th_input (&t, 3, D (2, 2, 3));
  th_output (&t);
  y = run (&t, NULL);
  expect_shape (&t, 0, 2, D (2, 3), "MatMul vector . batch of matrices");
  expect_values (y, F (3, 4, 5, 9, 10, 11), 6, 0,
                 "MatMul vector . batch of matrices");
  th_free (&t);
  th_init (&t, "MatMul", 13);
  th_input (&t, 2, D (2, 3));
  th_const (&t, 1, D (3), F (1, 0, -1));
  th_output (&t);
  y = run (&t, NULL);
  expect_shape (&t, 0, 1, D (2), "MatMul matrix . vector");
  expect_values (y, F (-2, -2), 2, 0, "MatMul matrix . vector");
  th_free (&t);
}

int
main (void)
{
  nn_error err;
  for (int i = 0; i < 4096; i++)
    iota_buf[i] = (float)i;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK)
    return 1;
  shapes ();
  joins ();
  reductions ();
  elementwise ();
  windows ();
  matrices ();
  nn_pool_free (pool2);
  printf ("semantics: %d checks, %d failures\n", th_checks, th_failures);
  return th_failures ? 1 : 0;
}

/* run() allocates nothing: malloc, calloc, realloc, aligned_alloc and
 * posix_memalign are wrapped at link time (-Wl,--wrap=...) and counted
 * while every operator runs, on the calling thread, on a 2-thread pool and
 * with the reference kernels. plan() may allocate; it is not counted. */
#include "harness.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc (size_t n);
void *__real_calloc (size_t n, size_t s);
void *__real_realloc (void *p, size_t n);
void *__real_aligned_alloc (size_t a, size_t n);
int __real_posix_memalign (void **p, size_t a, size_t n);

static atomic_int counting, allocations;

static void
count (void)
{
  if (atomic_load (&counting))
    atomic_fetch_add (&allocations, 1);
}

void *
__wrap_malloc (size_t n)
{
  count ();
  return __real_malloc (n);
}

void *
__wrap_calloc (size_t n, size_t s)
{
  count ();
  return __real_calloc (n, s);
}

void *
__wrap_realloc (void *p, size_t n)
{
  count ();
  return __real_realloc (p, n);
}

void *
__wrap_aligned_alloc (size_t a, size_t n)
{
  count ();
  return __real_aligned_alloc (a, n);
}

int
__wrap_posix_memalign (void **p, size_t a, size_t n)
{
  count ();
  return __real_posix_memalign (p, a, n);
}

static nn_pool *pool2;
static float weights[1 << 18];
static int n_ops;

/* Plans t, then counts allocations over three runs (inline, pool,
 * reference) after a warm-up run. */
static void
check (th_node *t, const char *what)
{
  nn_error err = { 0 };
  uint64_t seed = 1;
  nn_status s = th_plan (t, &err);
  TH_CHECK (s == NN_OK, "%s: plan failed: %s", what, err.message);
  if (s == NN_OK) {
    if (t->node.def->fuses_activation)
      t->node.act.type = NN_ACT_RELU;
    th_fill_inputs (t, &seed);
    th_run (t, pool2, false);
    atomic_store (&allocations, 0);
    atomic_store (&counting, 1);
    th_run (t, NULL, false);
    th_run (t, pool2, false);
    th_run (t, NULL, true);
    atomic_store (&counting, 0);
    TH_CHECK (atomic_load (&allocations) == 0,
              "%s: run() allocated %d "
              "times",
              what, atomic_load (&allocations));
    n_ops++;
  }
  th_free (t);
}

static void
conv (int c, int oc, int group, int h, int k, int s, int pad, bool wconst,
      const char *what)
{
  th_node t;
  th_init (&t, "Conv", 11);
  th_input (&t, 4, D (2, c, h, h));
  if (wconst)
    th_const (&t, 4, D (oc, c / group, k, k), weights);
  else
    th_input (&t, 4, D (oc, c / group, k, k));
  th_const (&t, 1, D (oc), weights);
  th_output (&t);
  th_attr_int (&t, "group", group);
  th_attr_ints (&t, "strides", 2, D (s, s));
  th_attr_ints (&t, "pads", 4, D (pad, pad, pad, pad));
  check (&t, what);
}

static void
unary (const char *op, int opset)
{
  th_node t;
  th_init (&t, op, opset);
  th_input (&t, 4, D (2, 8, 20, 20));
  th_output (&t);
  check (&t, op);
}

int
main (void)
{
  nn_error err;
  th_node t;

  for (size_t i = 0; i < sizeof weights / sizeof weights[0]; i++)
    weights[i] = (float)(i % 13) * 0.01f - 0.06f;
  if (nn_pool_create (2, NULL, NULL, &pool2, &err) != NN_OK)
    return 1;

  /* The wrapping must see the operators' own allocations: plan() of a
   * packed Conv allocates its parameters. */
  th_init (&t, "Conv", 11);
  th_input (&t, 4, D (1, 8, 9, 9));
  th_const (&t, 4, D (16, 8, 3, 3), weights);
  th_output (&t);
  atomic_store (&allocations, 0);
  atomic_store (&counting, 1);
  nn_status s = th_plan (&t, &err);
  atomic_store (&counting, 0);
  TH_CHECK (s == NN_OK && atomic_load (&allocations) > 0,
            "allocations in plan() are not seen (%d)",
            atomic_load (&allocations));
  th_free (&t);

  conv (1, 32, 1, 28, 3, 1, 0, true, "Conv vec_pos (seed conv1)");
  conv (32, 64, 1, 13, 3, 1, 0, true, "Conv vec_oc (seed conv2)");
  conv (16, 24, 1, 15, 3, 2, 1, true, "Conv vec_oc padded, strided");
  conv (24, 40, 1, 19, 1, 1, 0, true, "Conv 1x1 flat with a tail");
  conv (16, 32, 2, 12, 3, 1, 1, true, "Conv grouped");
  conv (16, 16, 16, 20, 3, 2, 1, true, "Conv depthwise");
  conv (8, 12, 1, 12, 3, 1, 1, false, "Conv, weights as an input");
  conv (8, 12, 1, 12, 1, 1, 0, false, "Conv 1x1, weights as an input");
  conv (16, 32, 1, 20, 3, 1, 1, true, "Conv 3x3 (Winograd)");

  static const char *unaries[]
      = { "Relu",       "Sigmoid",           "Tanh",         "HardSwish",
          "LeakyRelu",  "HardSigmoid",       "Identity",     "Softmax",
          "LogSoftmax", "GlobalAveragePool", "GlobalMaxPool" };
  for (size_t i = 0; i < sizeof unaries / sizeof unaries[0]; i++)
    unary (unaries[i], 14);

  th_init (&t, "Clip", 13);
  th_input (&t, 2, D (30, 50));
  th_const (&t, 0, NULL, weights);
  th_const (&t, 0, NULL, weights + 20);
  th_output (&t);
  check (&t, "Clip");
  th_init (&t, "Dropout", 13);
  th_input (&t, 2, D (30, 50));
  th_output (&t);
  check (&t, "Dropout");
  th_init (&t, "BatchNormalization", 15);
  th_input (&t, 4, D (2, 8, 20, 20));
  for (int i = 0; i < 4; i++)
    th_const (&t, 1, D (8), weights + 100);
  th_output (&t);
  check (&t, "BatchNormalization");
  th_init (&t, "BatchNormalization", 15);
  th_input (&t, 4, D (2, 8, 20, 20));
  for (int i = 0; i < 4; i++)
    th_input (&t, 1, D (8));
  th_output (&t);
  check (&t, "BatchNormalization (statistics as inputs)");

  static const char *bin[] = { "Add", "Sub", "Mul", "Div" };
  for (int i = 0; i < 4; i++) {
    th_init (&t, bin[i], 14);
    th_input (&t, 4, D (2, 8, 20, 20));
    th_input (&t, 3, D (8, 1, 20));
    th_output (&t);
    check (&t, bin[i]);
  }

  static const char *pools[] = { "MaxPool", "AveragePool" };
  for (int i = 0; i < 2; i++) {
    th_init (&t, pools[i], 12);
    th_input (&t, 4, D (2, 8, 21, 21));
    th_output (&t);
    th_attr_ints (&t, "kernel_shape", 2, D (3, 3));
    th_attr_ints (&t, "strides", 2, D (2, 2));
    th_attr_ints (&t, "pads", 4, D (1, 1, 1, 1));
    th_attr_int (&t, "ceil_mode", 1);
    check (&t, pools[i]);
  }

  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (3, 576));
  th_const (&t, 2, D (64, 576), weights);
  th_const (&t, 1, D (64), weights);
  th_output (&t);
  th_attr_int (&t, "transB", 1);
  check (&t, "Gemm packed");
  th_init (&t, "Gemm", 13);
  th_input (&t, 2, D (40, 70));
  th_input (&t, 2, D (70, 50));
  th_input (&t, 2, D (40, 1));
  th_output (&t);
  check (&t, "Gemm, B as an input");
  th_init (&t, "MatMul", 13);
  th_input (&t, 3, D (4, 10, 30));
  th_const (&t, 2, D (30, 20), weights);
  th_output (&t);
  check (&t, "MatMul packed");
  th_init (&t, "MatMul", 13);
  th_input (&t, 4, D (2, 3, 10, 30));
  th_input (&t, 3, D (3, 30, 20));
  th_output (&t);
  check (&t, "MatMul batched, B as an input");

  th_init (&t, "Flatten", 13);
  th_input (&t, 4, D (2, 8, 5, 5));
  th_output (&t);
  check (&t, "Flatten");
  th_init (&t, "Reshape", 14);
  th_input (&t, 4, D (2, 8, 5, 5));
  th_const_i64 (&t, 1, D (2), D (0, -1));
  th_output (&t);
  check (&t, "Reshape");
  th_init (&t, "Transpose", 13);
  th_input (&t, 4, D (2, 8, 5, 7));
  th_output (&t);
  th_attr_ints (&t, "perm", 4, D (0, 2, 3, 1));
  check (&t, "Transpose");
  th_init (&t, "Squeeze", 13);
  th_input (&t, 4, D (2, 1, 5, 7));
  th_output (&t);
  check (&t, "Squeeze");
  th_init (&t, "Unsqueeze", 13);
  th_input (&t, 2, D (5, 7));
  th_const_i64 (&t, 1, D (1), D (0));
  th_output (&t);
  check (&t, "Unsqueeze");
  th_init (&t, "Concat", 13);
  th_input (&t, 4, D (2, 3, 5, 5));
  th_input (&t, 4, D (2, 4, 5, 5));
  th_const (&t, 4, D (2, 1, 5, 5), weights);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  check (&t, "Concat");
  th_init (&t, "Split", 13);
  th_input (&t, 4, D (2, 6, 5, 5));
  th_output (&t);
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  check (&t, "Split");
  th_init (&t, "Pad", 13);
  th_input (&t, 4, D (2, 6, 5, 5));
  th_const_i64 (&t, 1, D (8), D (0, 0, 1, 2, 0, 0, 2, -1));
  th_output (&t);
  check (&t, "Pad");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 4, D (2, 6, 5, 5));
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (2, 3));
  check (&t, "ReduceMean trailing");
  th_init (&t, "ReduceMean", 13);
  th_input (&t, 4, D (2, 6, 5, 5));
  th_output (&t);
  th_attr_ints (&t, "axes", 2, D (0, 2));
  check (&t, "ReduceMean general");

  /* The operators added for today's classifiers. */
  static const char *more_unaries[]
      = { "Abs",  "Neg",      "Sqrt",     "Exp",        "Log",
          "Erf",  "Floor",    "Ceil",     "Reciprocal", "Elu",
          "Selu", "Softplus", "Softsign", "Sign",       "Hardmax" };
  for (size_t i = 0; i < sizeof more_unaries / sizeof more_unaries[0]; i++)
    unary (more_unaries[i], 14);
  unary ("Gelu", 20);
  unary ("Mish", 18);
  static const char *more_bin[]
      = { "Pow", "Min", "Max", "Sum", "Mean", "Equal", "Less", "PRelu" };
  for (int i = 0; i < 8; i++) {
    th_init (&t, more_bin[i], 16);
    th_input (&t, 4, D (2, 8, 20, 20));
    th_input (&t, 3, D (8, 1, 20));
    th_output (&t);
    check (&t, more_bin[i]);
  }
  th_init (&t, "Where", 16);
  th_input_typed (&t, NN_DTYPE_BOOL, 3, D (8, 1, 20));
  th_input (&t, 4, D (2, 8, 20, 20));
  th_input (&t, 1, D (20));
  th_output (&t);
  check (&t, "Where");
  th_init (&t, "Cast", 13);
  th_input (&t, 2, D (30, 50));
  th_output (&t);
  th_attr_int (&t, "to", NN_DTYPE_FLOAT16);
  check (&t, "Cast to float16");
  th_init (&t, "Slice", 13);
  th_input (&t, 4, D (2, 6, 9, 9));
  th_const_i64 (&t, 1, D (2), D (1, -1));
  th_const_i64 (&t, 1, D (2), D (8, -8));
  th_const_i64 (&t, 1, D (2), D (2, 3));
  th_const_i64 (&t, 1, D (2), D (2, -1));
  th_output (&t);
  check (&t, "Slice");
  th_init (&t, "Expand", 13);
  th_input (&t, 3, D (8, 1, 20));
  th_const_i64 (&t, 1, D (4), D (2, 8, 20, 20));
  th_output (&t);
  check (&t, "Expand");
  th_init (&t, "Tile", 13);
  th_input (&t, 2, D (8, 20));
  th_const_i64 (&t, 1, D (2), D (3, 2));
  th_output (&t);
  check (&t, "Tile");
  th_init (&t, "Gather", 13);
  th_input (&t, 3, D (8, 10, 20));
  th_input_typed (&t, NN_DTYPE_INT64, 1, D (5));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  check (&t, "Gather, indices as an input");
  th_init (&t, "DepthToSpace", 13);
  th_input (&t, 4, D (2, 8, 6, 6));
  th_output (&t);
  th_attr_int (&t, "blocksize", 2);
  check (&t, "DepthToSpace");
  th_init (&t, "Pad", 13);
  th_input (&t, 4, D (2, 6, 5, 5));
  th_const_i64 (&t, 1, D (8), D (0, 0, 2, 2, 0, 0, 2, 2));
  th_output (&t);
  th_attr_string (&t, "mode", "reflect");
  check (&t, "Pad reflect");
  static const char *reds[]
      = { "ReduceSum", "ReduceMax", "ReduceL2", "ReduceLogSumExp" };
  for (int i = 0; i < 4; i++) {
    th_init (&t, reds[i], 18);
    th_input (&t, 4, D (2, 6, 5, 5));
    th_const_i64 (&t, 1, D (2), D (1, 3));
    th_output (&t);
    check (&t, reds[i]);
  }
  th_init (&t, "ArgMax", 13);
  th_input (&t, 3, D (2, 1000, 3));
  th_output (&t);
  th_attr_int (&t, "axis", 1);
  check (&t, "ArgMax");
  th_init (&t, "TopK", 11);
  th_input (&t, 2, D (2, 1000));
  th_const_i64 (&t, 1, D (1), D (5));
  th_output (&t);
  th_omit_output (&t);
  check (&t, "TopK without indices");
  th_init (&t, "LayerNormalization", 17);
  th_input (&t, 3, D (2, 50, 64));
  th_const (&t, 1, D (64), weights);
  th_const (&t, 1, D (64), weights + 64);
  th_output (&t);
  check (&t, "LayerNormalization");
  th_init (&t, "GroupNormalization", 18);
  th_input (&t, 4, D (2, 8, 5, 5));
  th_const (&t, 1, D (4), weights);
  th_const (&t, 1, D (4), weights + 4);
  th_output (&t);
  th_attr_int (&t, "num_groups", 4);
  check (&t, "GroupNormalization");
  th_init (&t, "Resize", 13);
  th_input (&t, 4, D (1, 3, 10, 12));
  th_omit (&t);
  th_const (&t, 1, D (4), (const float[]){ 1, 1, 2.5f, 1.5f });
  th_output (&t);
  th_attr_string (&t, "mode", "linear");
  check (&t, "Resize linear");
  th_init (&t, "ConvTranspose", 11);
  th_input (&t, 4, D (1, 4, 6, 6));
  th_const (&t, 4, D (4, 3, 3, 3), weights);
  th_output (&t);
  th_attr_ints (&t, "strides", 2, D (2, 2));
  check (&t, "ConvTranspose");

  nn_pool_free (pool2);
  printf ("alloc: %d operator configurations run without allocating, "
          "%d checks, %d failures\n",
          n_ops, th_checks, th_failures);
  return th_failures ? 1 : 0;
}

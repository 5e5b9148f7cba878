/* Negative tests, windows: every validation rule of Conv and the pools
 * (status, and a message naming the node and the rule), then random
 * mutations of valid Conv and pool nodes into invalid ones. */
#include "harness.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static float zeros[1 << 16];

/* A valid 2-D Conv: x (1,4,8,8), w (6,4,3,3), b (6); callers break it. */
static void
conv_base (th_node *t, int c, int oc, int wc, int k)
{
  th_init (t, "Conv", 11);
  th_input (t, 4, D (1, c, 8, 8));
  th_const (t, 4, D (oc, wc, k, k), zeros);
  th_output (t);
}

static void
conv_rules (void)
{
  th_node t;

  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "strides", 2, D (0, 1));
  EXPECT (&t, NN_BAD_MODEL, "'strides' value 0", "stride 0");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "strides", 2, D (1, -2));
  EXPECT (&t, NN_BAD_MODEL, "'strides' value -2", "negative stride");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "strides", 3, D (1, 1, 1));
  EXPECT (&t, NN_BAD_MODEL, "'strides' has 3 values",
          "strides of wrong length");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "strides", 2, D (1, (int64_t)INT32_MAX + 1));
  EXPECT (&t, NN_BAD_MODEL, "'strides' value 2147483648", "huge stride");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "dilations", 2, D (0, 1));
  EXPECT (&t, NN_BAD_MODEL, "'dilations' value 0", "dilation 0");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "dilations", 1, D (1));
  EXPECT (&t, NN_BAD_MODEL, "'dilations' has 1 values",
          "dilations of wrong length");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_int (&t, "group", 0);
  EXPECT (&t, NN_BAD_MODEL, "'group' must be >= 1", "group 0");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_int (&t, "group", -2);
  EXPECT (&t, NN_BAD_MODEL, "'group' must be >= 1", "negative group");
  conv_base (&t, 4, 6, 1, 3);
  th_attr_int (&t, "group", 4);
  EXPECT (&t, NN_BAD_MODEL, "not a positive multiple of group 4",
          "group not dividing OC");
  conv_base (&t, 3, 6, 1, 3);
  th_attr_int (&t, "group", 2);
  EXPECT (&t, NN_SHAPE, "3 channels but W expects 1 per group x 2 groups",
          "group not dividing C");
  conv_base (&t, 4, 6, 3, 3);
  EXPECT (&t, NN_SHAPE, "4 channels but W expects 3 per group",
          "weight channels do not match C");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_int (&t, "group", 2);
  EXPECT (&t, NN_SHAPE, "W expects 4 per group x 2 groups",
          "weight channels do not match C / group");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "pads", 4, D (0, -1, 0, 0));
  EXPECT (&t, NN_BAD_MODEL, "'pads' value -1", "negative pad");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "pads", 2, D (1, 1));
  EXPECT (&t, NN_BAD_MODEL, "'pads' has 2 values", "pads of wrong length");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "pads", 4, D (3, 0, 0, 0));
  EXPECT (&t, NN_UNSUPPORTED, "pads 3,0 at axis 0 are not smaller",
          "pad equal to the kernel");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "pads", 4, D (0, 0, 0, 5));
  EXPECT (&t, NN_UNSUPPORTED, "pads 0,5 at axis 1 are not smaller",
          "end pad larger than the kernel");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "dilations", 2, D (2, 2));
  th_attr_ints (&t, "pads", 4, D (5, 5, 5, 5));
  EXPECT (&t, NN_UNSUPPORTED, "kernel extent 5",
          "pad equal to the dilated kernel extent");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "kernel_shape", 2, D (3, 5));
  EXPECT (&t, NN_BAD_MODEL, "'kernel_shape' value 5",
          "kernel_shape not matching W");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "kernel_shape", 1, D (3));
  EXPECT (&t, NN_BAD_MODEL, "'kernel_shape' has 1 values",
          "kernel_shape of wrong length");
  conv_base (&t, 4, 6, 4, 0);
  EXPECT (&t, NN_BAD_MODEL, "kernel size 0", "kernel of size 0");
  conv_base (&t, 4, 6, 4, 3);
  th_const (&t, 1, D (5), zeros);
  EXPECT (&t, NN_SHAPE, "bias B has 5 values", "bias of wrong length");
  conv_base (&t, 4, 6, 4, 3);
  th_const (&t, 2, D (6, 1), zeros);
  EXPECT (&t, NN_SHAPE, "(rank 2)", "bias of rank 2");
  conv_base (&t, 4, 6, 4, 9);
  EXPECT (&t, NN_SHAPE, "exceeds the padded input size",
          "kernel larger than the input");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_string (&t, "auto_pad", "SAME");
  EXPECT (&t, NN_BAD_MODEL, "'auto_pad' has unknown value 'SAME'",
          "unknown auto_pad");
  conv_base (&t, 4, 6, 4, 9);
  th_attr_string (&t, "auto_pad", "VALID");
  EXPECT (&t, NN_SHAPE, "exceeds the input size",
          "VALID with a kernel larger than the input");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_int (&t, "strides", 1);
  EXPECT (&t, NN_BAD_MODEL, "'strides' has type INT", "strides of type INT");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_float (&t, "group", 1.f);
  EXPECT (&t, NN_BAD_MODEL, "'group' has type FLOAT", "group of type FLOAT");
  conv_base (&t, 4, 6, 4, 3);
  th_attr_ints (&t, "auto_pad", 1, D (1));
  EXPECT (&t, NN_BAD_MODEL, "'auto_pad' has type INTS",
          "auto_pad of type INTS");

  th_init (&t, "Conv", 11);
  th_input (&t, 4, D (1, 4, 8, 8));
  th_const (&t, 3, D (6, 4, 3), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "weight W has rank 3", "W of rank 3 with X of rank 4");
  th_init (&t, "Conv", 11);
  th_input (&t, 5, D (1, 4, 8, 8, 8));
  th_const (&t, 5, D (6, 4, 3, 3, 3), zeros);
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "3-D convolution", "3-D convolution");
  th_init (&t, "Conv", 11);
  th_input (&t, 2, D (1, 4));
  th_const (&t, 2, D (6, 4), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input X ('v0') has rank 2", "X of rank 2");
  th_init (&t, "Conv", 11);
  th_input (&t, 4, D (1, 4, 8, 8));
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "has 1 inputs", "missing W");
  th_init (&t, "Conv", 11);
  th_input (&t, 4, D (1, 1, 1, 65536));
  th_const (&t, 4, D (65536, 1, 1, 1), zeros);
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "more than 2147483648 elements",
          "output element count overflowing the cap");
  th_init (&t, "Conv", 11);
  th_input (&t, 4, D (1, 4, 8, 8));
  th_const_i64 (&t, 1, D (1), D (1));
  th_output (&t);
  t.vals[1].ndim = 4;
  EXPECT (&t, NN_UNSUPPORTED, "input W ('v1') is int64, not float",
          "int64 weight");
}

static void
pool_base (th_node *t, const char *op)
{
  th_init (t, op, 12);
  th_input (t, 4, D (1, 3, 9, 9));
  th_output (t);
}

static void
pool_rules (void)
{
  static const char *ops[] = { "MaxPool", "AveragePool" };
  th_node t;

  for (int i = 0; i < 2; i++) {
    pool_base (&t, ops[i]);
    EXPECT (&t, NN_BAD_MODEL, "'kernel_shape' is required",
            "missing kernel_shape");
    pool_base (&t, ops[i]);
    th_attr_ints (&t, "kernel_shape", 1, D (2));
    EXPECT (&t, NN_BAD_MODEL, "'kernel_shape' has 1 values",
            "kernel_shape of wrong length");
    pool_base (&t, ops[i]);
    th_attr_ints (&t, "kernel_shape", 2, D (2, 0));
    EXPECT (&t, NN_BAD_MODEL, "kernel size 0", "kernel 0");
    pool_base (&t, ops[i]);
    th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
    th_attr_ints (&t, "strides", 2, D (0, 2));
    EXPECT (&t, NN_BAD_MODEL, "'strides' value 0", "stride 0");
    pool_base (&t, ops[i]);
    th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
    th_attr_ints (&t, "pads", 4, D (2, 0, 0, 0));
    EXPECT (&t, NN_UNSUPPORTED, "pads 2,0 at axis 0 are not smaller",
            "pad equal to the kernel");
    pool_base (&t, ops[i]);
    th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
    th_attr_ints (&t, "pads", 3, D (0, 0, 0));
    EXPECT (&t, NN_BAD_MODEL, "'pads' has 3 values", "pads of wrong length");
    pool_base (&t, ops[i]);
    th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
    th_attr_int (&t, "ceil_mode", 2);
    EXPECT (&t, NN_BAD_MODEL, "'ceil_mode'", "ceil_mode 2");
    pool_base (&t, ops[i]);
    th_attr_ints (&t, "kernel_shape", 2, D (10, 2));
    EXPECT (&t, NN_SHAPE, "exceeds the padded input size",
            "kernel larger than the input");
    th_init (&t, ops[i], 12);
    th_input (&t, 5, D (1, 3, 4, 4, 4));
    th_output (&t);
    th_attr_ints (&t, "kernel_shape", 3, D (2, 2, 2));
    EXPECT (&t, NN_UNSUPPORTED, "3-D pooling", "3-D pooling");
    th_init (&t, ops[i], 12);
    th_input (&t, 2, D (1, 3));
    th_output (&t);
    th_attr_ints (&t, "kernel_shape", 0, NULL);
    EXPECT (&t, NN_SHAPE, "input X ('v0') has rank 2", "input of rank 2");
  }
  pool_base (&t, "MaxPool");
  th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
  th_output (&t);
  EXPECT (&t, NN_UNSUPPORTED, "output 1 (Indices)", "Indices output");
  pool_base (&t, "MaxPool");
  th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
  th_attr_int (&t, "storage_order", 2);
  EXPECT (&t, NN_BAD_MODEL, "'storage_order'", "storage_order 2");
  pool_base (&t, "MaxPool");
  th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
  th_attr_ints (&t, "dilations", 2, D (1, 0));
  EXPECT (&t, NN_BAD_MODEL, "'dilations' value 0", "dilation 0");
  pool_base (&t, "AveragePool");
  th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
  th_attr_ints (&t, "dilations", 2, D (2, 2));
  EXPECT (&t, NN_UNSUPPORTED, "'dilations' is not supported",
          "AveragePool dilations");
  pool_base (&t, "AveragePool");
  th_attr_ints (&t, "kernel_shape", 2, D (2, 2));
  th_attr_int (&t, "count_include_pad", 3);
  EXPECT (&t, NN_BAD_MODEL, "'count_include_pad'", "count_include_pad 3");
  th_init (&t, "GlobalAveragePool", 1);
  th_input (&t, 1, D (5));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "input X ('v0') has rank 1",
          "global pool of a rank-1 input");
  th_init (&t, "GlobalMaxPool", 1);
  th_input (&t, 4, D (1, 3, 0, 4));
  th_output (&t);
  EXPECT (&t, NN_SHAPE, "empty spatial extent",
          "global pool of an empty plane");
  th_init (&t, "GlobalMaxPool", 1);
  th_input (&t, 4, D (1, 3, 2, 4));
  th_output (&t);
  th_output (&t);
  EXPECT (&t, NN_BAD_MODEL, "has 2 outputs", "two outputs");
}

/* Valid Conv and pool configurations broken in one random way each. */
static void
mutations (uint64_t *seed, int count)
{
  for (int i = 0; i < count; i++) {
    th_node t;
    bool is_conv = th_randint (seed, 0, 1);
    int mut = th_randint (seed, 0, 7);
    int64_t k = th_randint (seed, 1, 4), h = k + th_randint (seed, 0, 6);
    nn_status want;
    const char *needle;
    char what[64];

    if (is_conv) {
      int group = th_randint (seed, 1, 3);
      int64_t c = group * th_randint (seed, 1, 3);
      int64_t oc = group * th_randint (seed, 1, 3);
      th_init (&t, "Conv", 11);
      th_input (&t, 4, D (1, c, h, h));
      th_const (&t, 4, D (oc, c / group, k, k), zeros);
      th_output (&t);
      if (mut == 7) {
        /* The weight was made for `group`: OC not divisible by the new
         * group is a bad model, else the channel count cannot match. */
        th_attr_int (&t, "group", group + 1);
        want = oc % (group + 1) != 0 ? NN_BAD_MODEL : NN_SHAPE;
        needle = want == NN_BAD_MODEL ? "not a positive multiple of group"
                                      : "per group";
        EXPECT (&t, want, needle, "random wrong group");
        continue;
      }
      if (group > 1)
        th_attr_int (&t, "group", group);
    } else {
      th_init (&t, th_randint (seed, 0, 1) ? "MaxPool" : "AveragePool", 12);
      th_input (&t, 4, D (1, 2, h, h));
      th_output (&t);
      th_attr_ints (&t, "kernel_shape", 2, D (k, k));
      if (mut == 7)
        mut = 6;
    }
    switch (mut) {
    case 0:
      th_attr_ints (&t, "strides", 2, D (1, -th_randint (seed, 0, 3)));
      want = NN_BAD_MODEL;
      needle = "'strides' value";
      break;
    case 1:
      th_attr_ints (&t, "pads", 4, D (0, 0, -th_randint (seed, 1, 9), 0));
      want = NN_BAD_MODEL;
      needle = "'pads' value";
      break;
    case 2:
      th_attr_ints (&t, "pads", 4, D (0, k + th_randint (seed, 0, 3), 0, 0));
      want = NN_UNSUPPORTED;
      needle = "not smaller than the kernel extent";
      break;
    case 3:
      th_attr_ints (&t, "pads", th_randint (seed, 0, 1) ? 2 : 6,
                    D (0, 0, 0, 0, 0, 0));
      want = NN_BAD_MODEL;
      needle = "'pads' has";
      break;
    case 4:
      th_attr_ints (&t, "strides", th_randint (seed, 0, 1) ? 1 : 3,
                    D (1, 1, 1));
      want = NN_BAD_MODEL;
      needle = "'strides' has";
      break;
    case 5:
      th_attr_string (&t, "auto_pad", th_randint (seed, 0, 1) ? "same" : "");
      want = NN_BAD_MODEL;
      needle = "'auto_pad' has unknown value";
      break;
    default:
      th_attr_ints (&t, "dilations", 2, D (th_randint (seed, -2, 0), 1));
      want = NN_BAD_MODEL; /* malformed before unsupported */
      needle = "'dilations' value";
      break;
    }
    snprintf (what, sizeof what, "random mutation %d", mut);
    EXPECT (&t, want, needle, what);
  }
}

int
main (void)
{
  uint64_t seed = 777;

  conv_rules ();
  pool_rules ();
  int rules = th_negatives;
  mutations (&seed, 4000);
  printf ("negative (windows): %d rule cases, %d random mutations, %d checks, "
          "%d failures\n",
          rules, th_negatives - rules, th_checks, th_failures);
  return th_failures ? 1 : 0;
}

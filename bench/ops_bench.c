/* ops_bench — speed of nn/ operators on their own, outside any model.
 *
 *   ops_bench [--threads T] [--min-time SECONDS] [--filter TEXT] [--cpu]
 *             [--avx2] [--act relu|none|silu|hardswish]
 *
 * --cpu times with the calling thread's CPU clock and reports the fastest
 * batch instead of the median: steadier on a loaded machine, but only
 * meaningful with one thread. --avx2 leaves AVX-512 unused, as on CPUs
 * without it (AMD Zen 3), to time that path on any machine. --act sets the
 * activation fused into the single layers: relu (the default), none, silu or
 * hardswish. Times single Conv layers (the seed CNN's, ResNet-18's,
 * MobileNetV2's and a large 3x3) with the kernels plan() picks ("fast") and
 * with the direct kernels only ("direct": no Winograd), and the seed CNN as a
 * chain of nodes. 3x3 layers of stride 1 are also timed with Winograd forced
 * ("wino"). Prints one JSON object per line.
 * Nodes are built by hand the way the planner builds them (plan, then an
 * arena and a workspace), so no model file is involved. */
#include "graph.h"
#include "kernels/kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern int nn_conv_wino_disabled, nn_conv_wino_forced, nn_conv_packed_family;
extern int nn_kernels_no_avx512;

static double min_time = 0.3;
static bool cpu_clock;
/* The activation fused into the single layers (--act). */
static nn_act layer_act = { NN_ACT_RELU, 0.f, 0.f, false };

static double
now (void)
{
  struct timespec t;
  clock_gettime (cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size);
  if (!p) {
    fprintf (stderr, "ops_bench: out of memory\n");
    exit (1);
  }
  return p;
}

/* ---- A tiny node builder --------------------------------------------- */

typedef struct bnode {
  nn_node node;
  nn_value *in[3], *out[1];
  nn_attr attrs[6];
  int64_t ints[6][4];
} bnode;

static nn_value *
new_value (const char *name, nn_value_kind kind, int ndim, const int64_t *d)
{
  nn_value *v = xcalloc (1, sizeof *v);
  v->name = name;
  v->dtype = NN_DTYPE_FLOAT;
  v->kind = kind;
  v->ndim = ndim;
  v->count = 1;
  for (int i = 0; i < ndim; i++) {
    v->dims[i] = d[i];
    v->count *= (size_t)d[i];
  }
  if (kind == NN_VAL_CONST) {
    float *data = xcalloc (v->count, sizeof (float));
    for (size_t i = 0; i < v->count; i++)
      data[i] = (float)((i * 2654435761u) % 1000) / 1000.f - 0.5f;
    v->fconst = data;
  }
  return v;
}

static void
add_ints (bnode *b, const char *name, int n, int64_t a0, int64_t a1, int64_t a2,
          int64_t a3)
{
  nn_attr *a = &b->attrs[b->node.n_attrs];
  int64_t *v = b->ints[b->node.n_attrs++];
  v[0] = a0;
  v[1] = a1;
  v[2] = a2;
  v[3] = a3;
  *a = (nn_attr){
    .name = name, .type = NN_ATTR_INTS, .ints = v, .n = (size_t)n
  };
}

static bnode *
new_node (const char *op, nn_value *x)
{
  bnode *b = xcalloc (1, sizeof *b);
  b->node.name = op;
  b->node.op_type = op;
  b->node.opset = 13;
  b->node.in = b->in;
  b->node.out = b->out;
  b->node.attrs = b->attrs;
  b->in[b->node.n_in++] = x;
  b->out[b->node.n_out++] = new_value ("y", NN_VAL_ACT, 0, NULL);
  return b;
}

static void
plan (bnode *b)
{
  nn_error err = { 0 };
  b->node.def = nn_op_find (b->node.op_type);
  if (!b->node.def || b->node.def->plan (&b->node, &err) != NN_OK) {
    fprintf (stderr, "ops_bench: plan %s: %s\n", b->node.op_type, err.message);
    exit (1);
  }
}

static bnode *
conv (nn_value *x, int oc, int k, int stride, int pad, int group, bool relu)
{
  int64_t wd[4] = { oc, x->dims[1] / group, k, k }, bd[1] = { oc };
  bnode *b = new_node ("Conv", x);
  b->in[b->node.n_in++] = new_value ("w", NN_VAL_CONST, 4, wd);
  b->in[b->node.n_in++] = new_value ("b", NN_VAL_CONST, 1, bd);
  add_ints (b, "strides", 2, stride, stride, 0, 0);
  add_ints (b, "pads", 4, pad, pad, pad, pad);
  b->attrs[b->node.n_attrs++]
      = (nn_attr){ .name = "group", .type = NN_ATTR_INT, .i = group };
  plan (b);
  if (relu)
    b->node.act = layer_act;
  return b;
}

/* ---- Running a chain ------------------------------------------------- */

typedef struct chain {
  bnode *nodes[16];
  int n;
  float *arena, *ws;
} chain;

static void
chain_alloc (chain *c)
{
  size_t off = 0, ws = 0;
  for (int i = 0; i < c->n; i++) {
    nn_node *nd = &c->nodes[i]->node;
    for (int j = 0; j < nd->n_in; j++)
      if (nd->in[j] && nd->in[j]->kind != NN_VAL_CONST && i == 0) {
        nd->in[j]->offset = off;
        off += (nd->in[j]->count + 15) / 16 * 16;
      }
    nd->out[0]->offset = off;
    off += (nd->out[0]->count + 15) / 16 * 16;
    if (nd->workspace_floats > ws)
      ws = nd->workspace_floats;
  }
  c->arena = xcalloc (off + 16, sizeof (float));
  c->ws = xcalloc (ws + 16, sizeof (float));
  for (size_t i = 0; i < off; i++)
    c->arena[i] = (float)(i % 7) * 0.1f - 0.3f;
}

static void
chain_run (chain *c, nn_pool *pool)
{
  nn_run_ctx ctx = { c->arena, c->ws, pool, false };
  for (int i = 0; i < c->n; i++)
    c->nodes[i]->node.def->run (&c->nodes[i]->node, &ctx);
}

/* Seconds per run: the median of 7 batches of about min_time / 7 each; with
 * --cpu, the fastest of many batches of about 2 ms (the ones that no other
 * process disturbed). */
static double
time_chain (chain *c, nn_pool *pool)
{
  const double batch = cpu_clock ? 2e-3 : min_time / 7;
  const int n_batches = cpu_clock ? (int)(min_time / batch) + 1 : 7;
  double t, times[4096];
  long iters = 1;

  chain_run (c, pool);
  for (;;) {
    t = now ();
    for (long i = 0; i < iters; i++)
      chain_run (c, pool);
    t = now () - t;
    if (t > batch / 4)
      break;
    iters *= 2;
  }
  iters = (long)ceil ((double)iters * batch / t);
  int n = n_batches < 4096 ? n_batches : 4096;
  for (int b = 0; b < n; b++) {
    t = now ();
    for (long i = 0; i < iters; i++)
      chain_run (c, pool);
    times[b] = (now () - t) / (double)iters;
  }
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (times[j] < times[i]) {
        t = times[i];
        times[i] = times[j];
        times[j] = t;
      }
  return cpu_clock ? times[0] : times[n / 2];
}

typedef struct layer {
  const char *name;
  int c, h, w, oc, k, stride, pad, group;
  int count; /* times the model has it (0: once) */
} layer;

static const layer layers[] = {
  { "seed.conv1", 1, 28, 28, 32, 3, 1, 0, 1 },
  { "seed.conv2", 32, 13, 13, 64, 3, 1, 0, 1 },
  { "seed.conv3", 64, 5, 5, 64, 3, 1, 0, 1 },
  { "resnet.conv1", 3, 224, 224, 64, 7, 2, 3, 1 },
  { "resnet.l1", 64, 56, 56, 64, 3, 1, 1, 1 },
  { "resnet.l2a", 64, 56, 56, 128, 3, 2, 1, 1 },
  { "resnet.l2", 128, 28, 28, 128, 3, 1, 1, 1 },
  { "resnet.l3", 256, 14, 14, 256, 3, 1, 1, 1 },
  { "resnet.l4", 512, 7, 7, 512, 3, 1, 1, 1 },
  { "resnet.down3", 128, 28, 28, 256, 1, 2, 0, 1 },
  { "mbv2.expand", 24, 56, 56, 144, 1, 1, 0, 1 },
  { "mbv2.project", 144, 56, 56, 24, 1, 1, 0, 1 },
  { "mbv2.dw112", 32, 112, 112, 32, 3, 1, 1, 32 },
  { "mbv2.dw56s2", 144, 56, 56, 144, 3, 2, 1, 144 },
  { "mbv2.dw14", 384, 14, 14, 384, 3, 1, 1, 384 },
  { "mbv2.last", 320, 7, 7, 1280, 1, 1, 0, 1 },
  { "large", 64, 112, 112, 64, 3, 1, 1, 1 },
  /* MobileNetV2 at 224x224, every distinct Conv with its count. */
  { "mbv2.c0", 3, 224, 224, 32, 3, 2, 1, 1, 1 },
  { "mbv2.b0dw", 32, 112, 112, 32, 3, 1, 1, 32, 1 },
  { "mbv2.b0pw", 32, 112, 112, 16, 1, 1, 0, 1, 1 },
  { "mbv2.b1ex", 16, 112, 112, 96, 1, 1, 0, 1, 1 },
  { "mbv2.b1dw", 96, 112, 112, 96, 3, 2, 1, 96, 1 },
  { "mbv2.b1pw", 96, 56, 56, 24, 1, 1, 0, 1, 1 },
  { "mbv2.b2ex", 24, 56, 56, 144, 1, 1, 0, 1, 2 },
  { "mbv2.b2dw", 144, 56, 56, 144, 3, 1, 1, 144, 1 },
  { "mbv2.b2pw", 144, 56, 56, 24, 1, 1, 0, 1, 1 },
  { "mbv2.b3dw", 144, 56, 56, 144, 3, 2, 1, 144, 1 },
  { "mbv2.b3pw", 144, 28, 28, 32, 1, 1, 0, 1, 1 },
  { "mbv2.b4ex", 32, 28, 28, 192, 1, 1, 0, 1, 3 },
  { "mbv2.b4dw", 192, 28, 28, 192, 3, 1, 1, 192, 2 },
  { "mbv2.b4pw", 192, 28, 28, 32, 1, 1, 0, 1, 2 },
  { "mbv2.b6dw", 192, 28, 28, 192, 3, 2, 1, 192, 1 },
  { "mbv2.b6pw", 192, 14, 14, 64, 1, 1, 0, 1, 1 },
  { "mbv2.b7ex", 64, 14, 14, 384, 1, 1, 0, 1, 4 },
  { "mbv2.b7dw", 384, 14, 14, 384, 3, 1, 1, 384, 4 },
  { "mbv2.b7pw", 384, 14, 14, 64, 1, 1, 0, 1, 3 },
  { "mbv2.b10pw", 384, 14, 14, 96, 1, 1, 0, 1, 1 },
  { "mbv2.b11ex", 96, 14, 14, 576, 1, 1, 0, 1, 3 },
  { "mbv2.b11dw", 576, 14, 14, 576, 3, 1, 1, 576, 2 },
  { "mbv2.b11pw", 576, 14, 14, 96, 1, 1, 0, 1, 2 },
  { "mbv2.b13dw", 576, 14, 14, 576, 3, 2, 1, 576, 1 },
  { "mbv2.b13pw", 576, 7, 7, 160, 1, 1, 0, 1, 1 },
  { "mbv2.b14ex", 160, 7, 7, 960, 1, 1, 0, 1, 3 },
  { "mbv2.b14dw", 960, 7, 7, 960, 3, 1, 1, 960, 3 },
  { "mbv2.b14pw", 960, 7, 7, 160, 1, 1, 0, 1, 2 },
  { "mbv2.b16pw", 960, 7, 7, 320, 1, 1, 0, 1, 1 },
  { "mbv2.c18", 320, 7, 7, 1280, 1, 1, 0, 1, 1 },
  /* SqueezeNet 1.1 at 224x224 (fire modules: squeeze, expand 1x1, 3x3). */
  { "sq.c1", 3, 224, 224, 64, 3, 2, 0, 1, 1 },
  { "sq.f2s", 64, 55, 55, 16, 1, 1, 0, 1, 1 },
  { "sq.f2e1", 16, 55, 55, 64, 1, 1, 0, 1, 2 },
  { "sq.f2e3", 16, 55, 55, 64, 3, 1, 1, 1, 2 },
  { "sq.f3s", 128, 55, 55, 16, 1, 1, 0, 1, 1 },
  { "sq.f4s", 128, 27, 27, 32, 1, 1, 0, 1, 1 },
  { "sq.f4e1", 32, 27, 27, 128, 1, 1, 0, 1, 2 },
  { "sq.f4e3", 32, 27, 27, 128, 3, 1, 1, 1, 2 },
  { "sq.f5s", 256, 27, 27, 32, 1, 1, 0, 1, 1 },
  { "sq.f6s", 256, 13, 13, 48, 1, 1, 0, 1, 1 },
  { "sq.f6e1", 48, 13, 13, 192, 1, 1, 0, 1, 2 },
  { "sq.f6e3", 48, 13, 13, 192, 3, 1, 1, 1, 2 },
  { "sq.f7s", 384, 13, 13, 48, 1, 1, 0, 1, 1 },
  { "sq.f8s", 384, 13, 13, 64, 1, 1, 0, 1, 1 },
  { "sq.f8e1", 64, 13, 13, 256, 1, 1, 0, 1, 2 },
  { "sq.f8e3", 64, 13, 13, 256, 3, 1, 1, 1, 2 },
  { "sq.f9s", 512, 13, 13, 64, 1, 1, 0, 1, 1 },
  { "sq.c10", 512, 13, 13, 1000, 1, 1, 0, 1, 1 },
  /* RegNetX-400MF's first blocks: strided 1x1 shortcuts, grouped 3x3 */
  { "rx.proj1", 32, 112, 112, 32, 1, 2, 0, 1, 1 },
  { "rx.b1", 32, 112, 112, 32, 3, 2, 1, 2, 1 },
  { "rx.proj2", 32, 56, 56, 64, 1, 2, 0, 1, 1 },
  { "rx.b2", 64, 56, 56, 64, 3, 2, 1, 4, 1 },
  { "rx.proj3", 64, 28, 28, 160, 1, 2, 0, 1, 1 },
  { "rx.b3", 160, 14, 14, 160, 3, 1, 1, 10, 6 },
  /* 3x3 layers on 7x7 planes (GoogLeNet's 5a, DenseNet-121's last
   * block, a narrow one) and on 5x5 */
  { "p7.160x320", 160, 7, 7, 320, 3, 1, 1, 1, 1 },
  { "p7.128x32", 128, 7, 7, 32, 3, 1, 1, 1, 16 },
  { "p7.64x64", 64, 7, 7, 64, 3, 1, 1, 1, 1 },
  { "p7.256x256", 256, 7, 7, 256, 3, 1, 1, 1, 1 },
  { "p5.256x256", 256, 5, 5, 256, 3, 1, 1, 1, 1 },
  { "p7.384x384", 384, 7, 7, 384, 3, 1, 1, 1, 1 },
  { "p7.512x256", 512, 7, 7, 256, 3, 1, 1, 1, 1 },
  { "p7.256x512", 256, 7, 7, 512, 3, 1, 1, 1, 1 },
  { "p5.512x512", 512, 5, 5, 512, 3, 1, 1, 1, 1 },
};

static void
bench_layer (const layer *l, nn_pool *pool, int threads)
{
  double t[5];
  /* fast: as planned; direct: no Winograd; then each direct family; and
   * Winograd forced, for the layers it can take (3x3, stride 1) */
  const char *path[5] = { "fast", "direct", "vpos", "voc", "wino" };
  const int modes = l->k == 3 && l->stride == 1 && l->group == 1 ? 5 : 4;
  int64_t xd[4] = { 1, l->c, l->h, l->w };
  double flops = 0;
  for (int mode = 0; mode < modes; mode++) {
    nn_conv_wino_disabled = mode > 0 && mode < 4;
    nn_conv_wino_forced = mode == 4;
    nn_conv_packed_family = mode > 1 && mode < 4 ? mode - 1 : 0;
    chain c = { 0 };
    nn_value *x = new_value ("x", NN_VAL_ACT, 4, xd);
    c.nodes[c.n++] = conv (x, l->oc, l->k, l->stride, l->pad, l->group, true);
    chain_alloc (&c);
    nn_value *y = c.nodes[0]->node.out[0];
    flops = 2.0 * (double)y->count * (double)(l->c / l->group) * l->k * l->k;
    t[mode] = time_chain (&c, pool);
  }
  nn_conv_wino_disabled = nn_conv_wino_forced = nn_conv_packed_family = 0;
  printf ("{\"layer\": \"%s\", \"threads\": %d, \"count\": %d, "
          "\"gflop\": %.4f",
          l->name, threads, l->count ? l->count : 1, flops * 1e-9);
  for (int mode = 0; mode < modes; mode++)
    printf (", \"%s_us\": %.2f, \"%s_gflops\": %.1f", path[mode], t[mode] * 1e6,
            path[mode], flops / t[mode] * 1e-9);
  printf ("}\n");
  fflush (stdout);
}

static void
bench_seed (nn_pool *pool, int threads)
{
  chain c = { 0 };
  int64_t xd[4] = { 1, 1, 28, 28 };
  nn_value *v = new_value ("x", NN_VAL_ACT, 4, xd);
  bnode *b;

  for (int i = 0; i < 3; i++) {
    static const int oc[3] = { 32, 64, 64 };
    b = conv (v, oc[i], 3, 1, 0, 1, true);
    c.nodes[c.n++] = b;
    v = b->out[0];
    if (i < 2) {
      b = new_node ("MaxPool", v);
      add_ints (b, "kernel_shape", 2, 2, 2, 0, 0);
      add_ints (b, "strides", 2, 2, 2, 0, 0);
      plan (b);
      c.nodes[c.n++] = b;
      v = b->out[0];
    }
  }
  /* The planner makes Flatten a view; here it copies 576 floats. */
  b = new_node ("Flatten", v);
  plan (b);
  c.nodes[c.n++] = b;
  for (int i = 0; i < 2; i++) {
    static const int n_out[2] = { 64, 10 };
    int64_t wd[2] = { n_out[i], i ? 64 : 576 }, bd[1] = { n_out[i] };
    b = new_node ("Gemm", c.nodes[c.n - 1]->out[0]);
    b->in[b->node.n_in++] = new_value ("w", NN_VAL_CONST, 2, wd);
    b->in[b->node.n_in++] = new_value ("b", NN_VAL_CONST, 1, bd);
    b->attrs[b->node.n_attrs++]
        = (nn_attr){ .name = "transB", .type = NN_ATTR_INT, .i = 1 };
    plan (b);
    if (i == 0)
      b->node.act.type = NN_ACT_RELU;
    c.nodes[c.n++] = b;
  }
  b = new_node ("Softmax", c.nodes[c.n - 1]->out[0]);
  plan (b);
  c.nodes[c.n++] = b;
  chain_alloc (&c);
  double t = time_chain (&c, pool);
  printf ("{\"model\": \"seed_cnn\", \"threads\": %d, \"us\": %.2f}\n", threads,
          t * 1e6);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  int threads = 1;
  const char *filter = NULL;
  nn_pool *pool = NULL;
  nn_error err;

  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--threads") == 0 && i + 1 < argc)
      threads = atoi (argv[++i]);
    else if (strcmp (argv[i], "--min-time") == 0 && i + 1 < argc)
      min_time = atof (argv[++i]);
    else if (strcmp (argv[i], "--filter") == 0 && i + 1 < argc)
      filter = argv[++i];
    else if (strcmp (argv[i], "--cpu") == 0)
      cpu_clock = true;
    else if (strcmp (argv[i], "--avx2") == 0)
      nn_kernels_no_avx512 = 1;
    else if (strcmp (argv[i], "--act") == 0 && i + 1 < argc) {
      const char *a = argv[++i];
      if (strcmp (a, "none") == 0)
        layer_act = (nn_act){ NN_ACT_NONE, 0.f, 0.f, false };
      else if (strcmp (a, "silu") == 0)
        layer_act = (nn_act){ NN_ACT_SIGMOID, 0.f, 0.f, true };
      else if (strcmp (a, "hardswish") == 0)
        layer_act = (nn_act){ NN_ACT_HARD_SWISH, 0.f, 0.f, false };
      else if (strcmp (a, "relu") != 0) {
        fprintf (stderr, "ops_bench: unknown activation %s\n", a);
        return 2;
      }
    } else {
      fprintf (stderr, "usage: ops_bench [--threads T] [--min-time S] "
                       "[--filter TEXT] [--cpu] [--avx2] [--act A]\n");
      return 2;
    }
  }
  if (nn_pool_create (threads, NULL, NULL, &pool, &err) != NN_OK) {
    fprintf (stderr, "ops_bench: %s\n", err.message);
    return 1;
  }
  if (!filter || strstr ("seed_cnn", filter))
    bench_seed (pool, threads);
  for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
    if (!filter || strstr (layers[i].name, filter))
      bench_layer (&layers[i], pool, threads);
  nn_pool_free (pool);
  return 0;
}

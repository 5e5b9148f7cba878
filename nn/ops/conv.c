/* Conv (1-D and 2-D, groups, strides, pads, auto_pad, dilations, bias),
 * with a fused activation.
 *
 * plan() validates everything and picks a path by shape:
 *   depthwise   group == C: a direct kernel, one channel per step
 *   winograd    3x3 stride 1 where it pays (conv_winograd.c)
 *   packed      anything else: direct kernels on packed weights, no im2col
 *               buffer (conv_packed.c)
 * and the reference kernel runs when the session asks for it. OpenBLAS is
 * not used: Debian's serial build is not safe to call from several threads
 * at once, which pool tasks and concurrent sessions would do. */
#include "conv.h"

#include <limits.h>
#include <string.h>

static nn_status
conv_plan (nn_node *node, nn_error *err)
{
  int64_t group, kernel[NN_MAX_DIMS], ks[NN_MAX_DIMS];
  int nks;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 3, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_float_input (node, 1, "W", err))
      || (s = nn_op_attr_int (node, "group", 1, &group, err))
      || (s
          = nn_op_attr_ints (node, "kernel_shape", ks, NN_MAX_DIMS, &nks, err)))
    return s;
  const nn_value *x = node->in[0], *w = node->in[1], *b = nn_op_input (node, 2);
  if (x->ndim == 5)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "3-D convolution is not supported");
  if ((s = nn_op_input_rank (node, 0, "X", 3, 4, err)))
    return s;
  int nsp = x->ndim - 2;
  if (w->ndim != x->ndim)
    return nn_fail_node (err, NN_SHAPE, node,
                         "weight W has rank %d, X has rank %d", w->ndim,
                         x->ndim);
  if (group < 1)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'group' must be >= 1, is %lld",
                         (long long)group);
  int64_t c = x->dims[1], oc = w->dims[0];
  if (oc < 1 || oc % group != 0)
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "weight W has %lld output channels, not a positive multiple of "
        "group %lld",
        (long long)oc, (long long)group);
  if (c % group != 0 || w->dims[1] * group != c)
    return nn_fail_node (
        err, NN_SHAPE, node,
        "input X has %lld channels but W expects %lld per group x %lld "
        "groups",
        (long long)c, (long long)w->dims[1], (long long)group);
  for (int i = 0; i < nsp; i++)
    kernel[i] = w->dims[2 + i];
  if (nks >= 0) {
    if (nks != nsp)
      return nn_fail_node (
          err, NN_BAD_MODEL, node,
          "attribute 'kernel_shape' has %d values, the input has %d spatial "
          "axes",
          nks, nsp);
    for (int i = 0; i < nsp; i++)
      if (ks[i] != kernel[i])
        return nn_fail_node (
            err, NN_BAD_MODEL, node,
            "attribute 'kernel_shape' value %lld at axis %d does not match "
            "the weight's %lld",
            (long long)ks[i], i, (long long)kernel[i]);
  }
  if (b) {
    if ((s = nn_op_float_input (node, 2, "B", err)))
      return s;
    if (b->ndim != 1 || b->dims[0] != oc)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "bias B has %zu values (rank %d), W has %lld output channels",
          b->count, b->ndim, (long long)oc);
  }

  nn_win2d g;
  if ((s = nn_op_window (node, x, nsp, kernel, false, true, &g, err)))
    return s;
  if ((s = nn_op_window_output (node, x, nsp, oc, &g, err)))
    return s;

  conv_params p = { 0 };
  p.g = g;
  p.n = (ptrdiff_t)x->dims[0];
  p.c = (ptrdiff_t)c;
  p.oc = (ptrdiff_t)oc;
  p.group = (ptrdiff_t)group;
  p.cg = p.c / p.group;
  p.ocg = p.oc / p.group;
  p.k = p.cg * g.kh * g.kw; /* <= W count, so no overflow */
  p.ohw = g.oh * g.ow;
  if (p.k > INT_MAX || p.ohw > INT_MAX || p.ocg > INT_MAX)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "convolution of %td x %td x %td is too large", p.ocg,
                         p.ohw, p.k);

  if (p.cg == 1 && p.group == p.c && p.group > 1) {
    p.path = CONV_DEPTHWISE;
    if ((s = nn_op_alloc_params (node, sizeof p, err)))
      return s;
    memcpy (node->params, &p, sizeof p);
    return NN_OK;
  }
  return nn_conv_packed_plan (node, &p, err);
}

typedef struct conv_job {
  const nn_node *node;
  const conv_params *p;
  const float *x, *w, *bias;
  float *y, *ws;
  ptrdiff_t image, grp;
} conv_job;

// x (N,C,H,W), w (OC,1,KH,KW), y (N,OC,OH,OW): a range of (n, oc) planes
static void
depthwise_task (void *arg, int t, int nt)
{
  const conv_job *j = arg;
  const conv_params *p = j->p;
  size_t b, e;
  nn_op_split_range ((size_t)(p->n * p->oc), t, nt, &b, &e);
  while (b < e) {
    ptrdiff_t img = (ptrdiff_t)b / p->oc, o0 = (ptrdiff_t)b % p->oc;
    ptrdiff_t o1 = o0 + (ptrdiff_t)(e - b);
    if (o1 > p->oc)
      o1 = p->oc;
    nn_depthwise2d (j->x + img * p->c * p->g.ih * p->g.iw, j->w, j->bias,
                    j->y + img * p->oc * p->ohw, o0, o1, p->oc / p->c, &p->g,
                    &j->node->act);
    b += (size_t)(o1 - o0);
  }
}

static void
conv_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const conv_params *p = node->params;
  const nn_value *b = nn_op_input (node, 2);

  if (ctx->reference) {
    nn_ref_conv2d (
        nn_value_data (node->in[0], ctx), nn_value_data (node->in[1], ctx),
        b ? nn_value_data (b, ctx) : NULL, nn_value_data (node->out[0], ctx),
        node->residual ? nn_value_data (node->residual, ctx) : NULL, p->n, p->c,
        p->oc, p->group, &p->g, &node->act);
    return;
  }
  switch (p->path) {
  case CONV_DEPTHWISE: {
    conv_job j = { node,
                   p,
                   nn_value_data (node->in[0], ctx),
                   nn_value_data (node->in[1], ctx),
                   b ? nn_value_data (b, ctx) : NULL,
                   nn_value_data (node->out[0], ctx),
                   NULL,
                   0,
                   0 };
    double work
        = 2.0 * (double)(p->n * p->oc * p->ohw) * (double)(p->g.kh * p->g.kw);
    nn_pool_run (ctx->pool, depthwise_task, &j,
                 nn_op_task_count (ctx->pool, work, (size_t)(p->n * p->oc)));
    break;
  }
  case CONV_PACKED:
    nn_conv_packed_run (node, p, ctx);
    break;
  case CONV_WINOGRAD:
    nn_conv_wino_run (node, p, ctx);
    break;
  }
}

/* The packed kernels add a residual as they store (all but vec_pos over
 * the padded rows), Winograd's output transform as it stores each
 * element. The depthwise kernels' stores would need a pass of their own. */
static bool
conv_takes_residual (const nn_node *node)
{
  const conv_params *p = node->params;
  return p
         && (p->path == CONV_WINOGRAD
             || (p->path == CONV_PACKED && nn_conv_packed_takes_residual (p)));
}

/* 2 flops per multiply-add: every output reads C/group x kernel weights. */
static double
conv_work (const nn_node *node)
{
  const nn_value *w = node->in[1];
  if (!node->out[0] || !w || w->dims[0] <= 0)
    return 0.0;
  return 2.0 * (double)node->out[0]->count
         * (double)(w->count / (size_t)w->dims[0]);
}

const nn_op_def nn_op_conv = { .op_type = "Conv",
                               .plan = conv_plan,
                               .run = conv_run,
                               .fuses_activation = 1,
                               .takes_residual = conv_takes_residual,
                               .work = conv_work };

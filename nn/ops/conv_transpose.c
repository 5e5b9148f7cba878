/* ConvTranspose (1-D and 2-D, groups, strides, dilations, pads, auto_pad,
 * output_padding, output_shape, bias).
 *
 * The fast kernel gathers: each output pixel sums the input pixels whose
 * kernel taps land on it, one output plane per task, so the sum for a
 * pixel is always formed in the same order. The reference kernel scatters
 * every input pixel through the kernel. */
#include "ops.h"

#include <string.h>

typedef struct convt_params {
  ptrdiff_t n, c, m, group, cg, mg; /* m: output channels */
  ptrdiff_t ih, iw, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
} convt_params;

static nn_status
ints_attr (const nn_node *node, const char *name, int nsp, int64_t def,
           int64_t *out, nn_error *err)
{
  int n;
  nn_status s = nn_op_attr_ints (node, name, out, NN_MAX_DIMS * 2, &n, err);
  if (s)
    return s;
  if (n < 0) {
    for (int i = 0; i < 2 * nsp; i++)
      out[i] = def;
    return NN_OK;
  }
  if (n != (strcmp (name, "pads") == 0 ? 2 * nsp : nsp))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute '%s' has %d values for %d spatial axes",
                         name, n, nsp);
  return NN_OK;
}

static nn_status
convt_plan (nn_node *node, nn_error *err)
{
  int64_t group, ks[NN_MAX_DIMS], st[2 * NN_MAX_DIMS], dil[2 * NN_MAX_DIMS],
      pads[2 * NN_MAX_DIMS], opad[2 * NN_MAX_DIMS], oshape[NN_MAX_DIMS],
      dims[NN_MAX_DIMS];
  int nks, nos;
  const char *auto_pad;
  nn_status s;

  if ((s = nn_op_check_arity (node, 2, 3, 1, 1, err))
      || (s = nn_op_float_input (node, 0, "X", err))
      || (s = nn_op_float_input (node, 1, "W", err))
      || (s = nn_op_attr_int (node, "group", 1, &group, err))
      || (s
          = nn_op_attr_ints (node, "kernel_shape", ks, NN_MAX_DIMS, &nks, err))
      || (s = nn_op_attr_ints (node, "output_shape", oshape, NN_MAX_DIMS, &nos,
                               err))
      || (s = nn_op_attr_string (node, "auto_pad", "NOTSET", &auto_pad, err)))
    return s;
  const nn_value *x = node->in[0], *w = node->in[1], *b = nn_op_input (node, 2);
  if (x->ndim == 5)
    return nn_fail_node (err, NN_UNSUPPORTED, node,
                         "3-D transposed convolution is not supported");
  if ((s = nn_op_input_rank (node, 0, "X", 3, 4, err)))
    return s;
  int nsp = x->ndim - 2;
  if (w->ndim != x->ndim)
    return nn_fail_node (err, NN_SHAPE, node,
                         "weight W has rank %d, X has rank %d", w->ndim,
                         x->ndim);
  if ((s = ints_attr (node, "strides", nsp, 1, st, err))
      || (s = ints_attr (node, "dilations", nsp, 1, dil, err))
      || (s = ints_attr (node, "pads", nsp, 0, pads, err))
      || (s = ints_attr (node, "output_padding", nsp, 0, opad, err)))
    return s;
  int64_t c = x->dims[1];
  if (group < 1 || c % group != 0 || w->dims[0] != c)
    return nn_fail_node (err, NN_SHAPE, node,
                         "X has %lld channels, W has %lld input channels, "
                         "group %lld",
                         (long long)c, (long long)w->dims[0], (long long)group);
  int64_t m = w->dims[1] * group;
  if (b) {
    if ((s = nn_op_float_input (node, 2, "B", err)))
      return s;
    if (b->count != (size_t)m)
      return nn_fail_node (err, NN_SHAPE, node,
                           "bias B has %zu values for %lld output channels",
                           b->count, (long long)m);
  }
  if (nks >= 0 && nks != nsp)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'kernel_shape' has %d values", nks);
  for (int i = 0; i < nsp; i++) {
    if (nks >= 0 && ks[i] != w->dims[2 + i])
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "attribute 'kernel_shape' does not match W");
    if (st[i] < 1 || dil[i] < 1 || opad[i] < 0 || pads[i] < 0
        || pads[nsp + i] < 0)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "strides and dilations must be positive, pads and "
                           "output_padding not negative");
    if (opad[i] >= st[i] && opad[i] >= dil[i])
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "output_padding %lld must be smaller than the "
                           "stride or the dilation",
                           (long long)opad[i]);
  }
  bool same_upper = strcmp (auto_pad, "SAME_UPPER") == 0;
  bool same_lower = strcmp (auto_pad, "SAME_LOWER") == 0;
  if (!same_upper && !same_lower && strcmp (auto_pad, "NOTSET") != 0
      && strcmp (auto_pad, "VALID") != 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'auto_pad' has unknown value '%s'",
                         auto_pad);
  if (nos >= 0 && nos != nsp && nos != x->ndim)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'output_shape' has %d values", nos);
  dims[0] = x->dims[0];
  dims[1] = m;
  for (int i = 0; i < nsp; i++) {
    int64_t in = x->dims[2 + i], k = w->dims[2 + i];
    int64_t full = st[i] * (in - 1) + opad[i] + (k - 1) * dil[i] + 1;
    int64_t o;
    if (nos >= 0 || same_upper || same_lower) {
      o = nos >= 0 ? oshape[nos == nsp ? i : 2 + i] : in * st[i];
      int64_t total = full - o;
      if (total < 0)
        total = 0; /* the output is larger: zeros past the end */
      /* As ONNX Runtime and PyTorch: SAME_UPPER puts the extra at the end */
      pads[i] = same_lower ? total - total / 2 : total / 2;
      pads[nsp + i] = total - pads[i];
    } else if (strcmp (auto_pad, "VALID") == 0) {
      pads[i] = pads[nsp + i] = 0;
      o = full;
    } else
      o = full - pads[i] - pads[nsp + i];
    if (o < 1)
      return nn_fail_node (err, NN_SHAPE, node,
                           "output would have %lld elements on axis %d",
                           (long long)o, 2 + i);
    dims[2 + i] = o;
  }
  if ((s = nn_op_set_output (node, 0, x->ndim, dims, err))
      || (s = nn_op_alloc_params (node, sizeof (convt_params), err)))
    return s;
  convt_params *p = node->params;
  bool one_d = nsp == 1;
  p->n = (ptrdiff_t)x->dims[0];
  p->c = (ptrdiff_t)c;
  p->m = (ptrdiff_t)m;
  p->group = (ptrdiff_t)group;
  p->cg = p->c / p->group;
  p->mg = p->m / p->group;
  p->ih = one_d ? 1 : (ptrdiff_t)x->dims[2];
  p->iw = (ptrdiff_t)x->dims[x->ndim - 1];
  p->oh = one_d ? 1 : (ptrdiff_t)dims[2];
  p->ow = (ptrdiff_t)dims[x->ndim - 1];
  p->kh = one_d ? 1 : (ptrdiff_t)w->dims[2];
  p->kw = (ptrdiff_t)w->dims[w->ndim - 1];
  p->sh = one_d ? 1 : (ptrdiff_t)st[0];
  p->sw = (ptrdiff_t)st[nsp - 1];
  p->dh = one_d ? 1 : (ptrdiff_t)dil[0];
  p->dw = (ptrdiff_t)dil[nsp - 1];
  p->pt = one_d ? 0 : (ptrdiff_t)pads[0];
  p->pl = (ptrdiff_t)pads[nsp - 1];
  return NN_OK;
}

typedef struct convt_job {
  const convt_params *p;
  const float *x, *w, *b;
  float *y;
  const nn_act *act;
} convt_job;

// x (N,C,H,W), w (C,M/g,KH,KW), y (N,M,OH,OW): output planes [b, e)
static void
convt_task (void *arg, int t, int nt)
{
  const convt_job *j = arg;
  const convt_params *p = j->p;
  size_t b, e;
  nn_op_split_range ((size_t)(p->n * p->m), t, nt, &b, &e);
  for (size_t plane = b; plane < e; plane++) {
    ptrdiff_t n = (ptrdiff_t)plane / p->m, m = (ptrdiff_t)plane % p->m;
    ptrdiff_t g = m / p->mg, ml = m % p->mg;
    float *y = j->y + plane * (size_t)(p->oh * p->ow);
    for (ptrdiff_t oy = 0; oy < p->oh; oy++)
      for (ptrdiff_t ox = 0; ox < p->ow; ox++) {
        float acc = j->b ? j->b[m] : 0.f;
        for (ptrdiff_t ky = 0; ky < p->kh; ky++) {
          ptrdiff_t ty = oy + p->pt - ky * p->dh;
          if (ty < 0 || ty % p->sh)
            continue;
          ptrdiff_t iy = ty / p->sh;
          if (iy >= p->ih)
            continue;
          for (ptrdiff_t kx = 0; kx < p->kw; kx++) {
            ptrdiff_t tx = ox + p->pl - kx * p->dw;
            if (tx < 0 || tx % p->sw)
              continue;
            ptrdiff_t ix = tx / p->sw;
            if (ix >= p->iw)
              continue;
            for (ptrdiff_t cl = 0; cl < p->cg; cl++) {
              ptrdiff_t c = g * p->cg + cl;
              acc += j->x[((n * p->c + c) * p->ih + iy) * p->iw + ix]
                     * j->w[((c * p->mg + ml) * p->kh + ky) * p->kw + kx];
            }
          }
        }
        y[oy * p->ow + ox] = nn_op_act1 (j->act, acc);
      }
  }
}

/* Reference: every input pixel scattered through the kernel. */
// x (N,C,H,W), w (C,M/g,KH,KW), y (N,M,OH,OW)
static void
convt_ref (const convt_params *p, const float *x, const float *w,
           const float *b, float *y, const nn_act *act)
{
  size_t total = (size_t)(p->n * p->m * p->oh * p->ow);
  float *acc = y;
  for (size_t i = 0; i < total; i++)
    acc[i] = b ? b[(i / (size_t)(p->oh * p->ow)) % (size_t)p->m] : 0.f;
  for (ptrdiff_t n = 0; n < p->n; n++)
    for (ptrdiff_t c = 0; c < p->c; c++)
      for (ptrdiff_t iy = 0; iy < p->ih; iy++)
        for (ptrdiff_t ix = 0; ix < p->iw; ix++) {
          float v = x[((n * p->c + c) * p->ih + iy) * p->iw + ix];
          ptrdiff_t g = c / p->cg;
          for (ptrdiff_t ml = 0; ml < p->mg; ml++)
            for (ptrdiff_t ky = 0; ky < p->kh; ky++)
              for (ptrdiff_t kx = 0; kx < p->kw; kx++) {
                ptrdiff_t oy = iy * p->sh - p->pt + ky * p->dh;
                ptrdiff_t ox = ix * p->sw - p->pl + kx * p->dw;
                if (oy < 0 || oy >= p->oh || ox < 0 || ox >= p->ow)
                  continue;
                acc[((n * p->m + g * p->mg + ml) * p->oh + oy) * p->ow + ox]
                    += v * w[((c * p->mg + ml) * p->kh + ky) * p->kw + kx];
              }
        }
  for (size_t i = 0; i < total; i++)
    y[i] = nn_op_act1 (act, acc[i]);
}

static void
convt_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const convt_params *p = node->params;
  const nn_value *b = nn_op_input (node, 2);
  convt_job j = { p,
                  nn_value_data (node->in[0], ctx),
                  nn_value_data (node->in[1], ctx),
                  b ? nn_value_data (b, ctx) : NULL,
                  nn_value_data (node->out[0], ctx),
                  &node->act };
  if (ctx->reference) {
    convt_ref (p, j.x, j.w, j.b, j.y, j.act);
    return;
  }
  double work
      = 2.0 * (double)node->out[0]->count * (double)(p->cg * p->kh * p->kw);
  nn_pool_run (ctx->pool, convt_task, &j,
               nn_op_task_count (ctx->pool, work, (size_t)(p->n * p->m)));
}

static double
convt_work (const nn_node *node)
{
  const convt_params *p = node->params;
  return p ? 2.0 * (double)node->out[0]->count * (double)(p->cg * p->kh * p->kw)
                 / (double)(p->sh * p->sw)
           : 0.0;
}

const nn_op_def nn_op_conv_transpose = { .op_type = "ConvTranspose",
                                         .plan = convt_plan,
                                         .run = convt_run,
                                         .fuses_activation = 1,
                                         .work = convt_work };

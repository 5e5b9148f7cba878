/* Sliding-window geometry shared by Conv and the pools: strides, dilations,
 * pads and auto_pad, validated and turned into an nn_win2d. */
#include "window.h"

#include <string.h>

#define WIN_MAX INT32_MAX

/* An INTS attribute with one value per spatial axis, each in [lo, WIN_MAX];
 * def when absent. */
static nn_status
axis_ints (const nn_node *node, const char *name, int nsp, int64_t def,
           int64_t lo, int64_t *out, nn_error *err)
{
  int n;
  nn_status s = nn_op_attr_ints (node, name, out, NN_MAX_DIMS, &n, err);
  if (s)
    return s;
  if (n < 0) {
    for (int i = 0; i < nsp; i++)
      out[i] = def;
    return NN_OK;
  }
  if (n != nsp)
    return nn_fail_node (
        err, NN_BAD_MODEL, node,
        "attribute '%s' has %d values, the input has %d spatial axes", name, n,
        nsp);
  for (int i = 0; i < nsp; i++)
    if (out[i] < lo || out[i] > WIN_MAX)
      return nn_fail_node (
          err, NN_BAD_MODEL, node,
          "attribute '%s' value %lld at axis %d is out of range (must be "
          ">= %lld)",
          name, (long long)out[i], i, (long long)lo);
  return NN_OK;
}

nn_status
nn_op_window (const nn_node *node, const nn_value *x, int nsp,
              const int64_t *kernel, bool ceil_mode, bool allow_dilations,
              nn_win2d *g, nn_error *err)
{
  int64_t strides[NN_MAX_DIMS], dil[NN_MAX_DIMS], pads[2 * NN_MAX_DIMS];
  int64_t pb[2], pe[2], out[2];
  const char *auto_pad;
  int npads;
  nn_status s;

  for (int i = 0; i < nsp; i++)
    if (kernel[i] < 1 || kernel[i] > WIN_MAX)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "kernel size %lld at axis %d is out of range",
                           (long long)kernel[i], i);
  if ((s = axis_ints (node, "strides", nsp, 1, 1, strides, err))
      || (s = axis_ints (node, "dilations", nsp, 1, 1, dil, err))
      || (s = nn_op_attr_string (node, "auto_pad", "NOTSET", &auto_pad, err))
      || (s
          = nn_op_attr_ints (node, "pads", pads, 2 * NN_MAX_DIMS, &npads, err)))
    return s;
  if (!allow_dilations)
    for (int i = 0; i < nsp; i++)
      if (dil[i] != 1)
        return nn_fail_node (
            err, NN_UNSUPPORTED, node,
            "attribute 'dilations' is not supported by this operator version");
  if (npads >= 0 && npads != 2 * nsp)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'pads' has %d values, expected %d", npads,
                         2 * nsp);
  if (npads < 0)
    for (int i = 0; i < 2 * nsp; i++)
      pads[i] = 0;
  for (int i = 0; i < 2 * nsp; i++)
    if (pads[i] < 0 || pads[i] > WIN_MAX)
      return nn_fail_node (err, NN_BAD_MODEL, node,
                           "attribute 'pads' value %lld is out of range",
                           (long long)pads[i]);

  int mode;
  if (strcmp (auto_pad, "NOTSET") == 0)
    mode = 0;
  else if (strcmp (auto_pad, "VALID") == 0)
    mode = 1;
  else if (strcmp (auto_pad, "SAME_UPPER") == 0)
    mode = 2;
  else if (strcmp (auto_pad, "SAME_LOWER") == 0)
    mode = 3;
  else
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'auto_pad' has unknown value '%s'",
                         auto_pad);

  for (int i = 0; i < nsp; i++) {
    int64_t in = x->dims[2 + i], k = kernel[i], st = strides[i];
    int64_t eff = (k - 1) * dil[i] + 1;
    if (mode == 0) {
      pb[i] = pads[i];
      pe[i] = pads[nsp + i];
      if (pb[i] >= eff || pe[i] >= eff)
        return nn_fail_node (
            err, NN_UNSUPPORTED, node,
            "pads %lld,%lld at axis %d are not smaller than the kernel "
            "extent %lld",
            (long long)pb[i], (long long)pe[i], i, (long long)eff);
      int64_t span = in + pb[i] + pe[i] - eff;
      if (span < 0)
        return nn_fail_node (
            err, NN_SHAPE, node,
            "kernel extent %lld exceeds the padded input size %lld at "
            "axis %d",
            (long long)eff, (long long)(in + pb[i] + pe[i]), i);
      out[i] = (ceil_mode ? (span + st - 1) / st : span / st) + 1;
      /* A last window starting in the end padding is dropped (as in
       * PyTorch and ONNX Runtime). */
      if (ceil_mode && (out[i] - 1) * st >= in + pb[i])
        out[i]--;
    } else if (mode == 1) {
      pb[i] = pe[i] = 0;
      if (in < eff)
        return nn_fail_node (
            err, NN_SHAPE, node,
            "kernel extent %lld exceeds the input size %lld at axis %d",
            (long long)eff, (long long)in, i);
      out[i] = (in - eff) / st + 1;
    } else {
      out[i] = (in + st - 1) / st;
      int64_t total = (out[i] - 1) * st + eff - in;
      if (total < 0)
        total = 0;
      if (mode == 2) {
        pb[i] = total / 2;
        pe[i] = total - pb[i];
      } else {
        pe[i] = total / 2;
        pb[i] = total - pe[i];
      }
    }
    if (out[i] < 1)
      return nn_fail_node (
          err, NN_SHAPE, node,
          "output would be empty along spatial axis %d (input size %lld)", i,
          (long long)in);
  }

  /* 1-D windows run as 2-D ones of height 1. */
  int o = nsp == 1 ? 1 : 0;
  *g = (nn_win2d){ .ih = 1,
                   .iw = 1,
                   .oh = 1,
                   .ow = 1,
                   .kh = 1,
                   .kw = 1,
                   .sh = 1,
                   .sw = 1,
                   .dh = 1,
                   .dw = 1 };
  ptrdiff_t *fields[6][2]
      = { { &g->ih, &g->iw }, { &g->oh, &g->ow }, { &g->kh, &g->kw },
          { &g->sh, &g->sw }, { &g->dh, &g->dw }, { &g->pt, &g->pl } };
  for (int i = 0; i < nsp; i++) {
    *fields[0][i + o] = (ptrdiff_t)x->dims[2 + i];
    *fields[1][i + o] = (ptrdiff_t)out[i];
    *fields[2][i + o] = (ptrdiff_t)kernel[i];
    *fields[3][i + o] = (ptrdiff_t)strides[i];
    *fields[4][i + o] = (ptrdiff_t)dil[i];
    *fields[5][i + o] = (ptrdiff_t)pb[i];
  }
  if (nsp == 2) {
    g->pb = (ptrdiff_t)pe[0];
    g->pr = (ptrdiff_t)pe[1];
  } else {
    g->pb = 0;
    g->pr = (ptrdiff_t)pe[0];
  }
  return NN_OK;
}

nn_status
nn_op_window_output (nn_node *node, const nn_value *x, int nsp,
                     int64_t channels, const nn_win2d *g, nn_error *err)
{
  int64_t dims[4] = { x->dims[0], channels, g->oh, g->ow };
  if (nsp == 1)
    dims[2] = g->ow;
  return nn_op_set_output (node, 0, 2 + nsp, dims, err);
}

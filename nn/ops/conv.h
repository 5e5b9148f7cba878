/* Conv internals shared by conv.c (validation, depthwise),
 * conv_packed.c (packed-weight direct kernels) and conv_winograd.c. */
#ifndef NN_OPS_CONV_H
#define NN_OPS_CONV_H

#include "window.h"

typedef enum conv_path {
  CONV_DEPTHWISE = 1,
  CONV_PACKED,
  CONV_WINOGRAD
} conv_path;

typedef struct conv_params {
  nn_win2d g;
  ptrdiff_t n, c, oc, group;
  ptrdiff_t cg, ocg; /* channels per group */
  ptrdiff_t k;       /* cg * kh * kw */
  ptrdiff_t ohw;
  conv_path path;
} conv_params;

/* The activation the kernels apply: none when a residual is fused, which
 * nn_conv_residual then adds before the node's activation. */
static inline const nn_act *
nn_conv_kernel_act (const nn_node *node)
{
  static const nn_act none = { NN_ACT_NONE, 0.f, 0.f, false };
  return node->residual ? &none : &node->act;
}

/* The fused residual Add, on what the kernels wrote: y = act(y + r) on
 * channels [o0, o1) and positions [p0, p1) of planes ld floats apart (r
 * laid out as y). Nothing when the node has no residual. */
// y, r (channels, ld)
void nn_conv_residual (const nn_node *node, float *y, const float *r,
                       ptrdiff_t ld, ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t p0,
                       ptrdiff_t p1);

/* Validated geometry in *p; chooses and sets up Winograd or a packed
 * kernel (sets node->params and node->workspace_floats). */
nn_status nn_conv_packed_plan (nn_node *node, const conv_params *p,
                               nn_error *err);
void nn_conv_packed_run (const nn_node *node, const conv_params *p,
                         const nn_run_ctx *ctx);
/* The kernels add the residual as they store each output element (all
 * but vec_pos over the padded rows, which adds it after a copy). */
bool nn_conv_packed_residual_in_place (const conv_params *p);
/* The direct families' relative costs on this shape (vpos: 1e300 where it
 * cannot run); *pflat (if not NULL): vpos would run over the padded rows
 * as one flat span */
void nn_conv_packed_costs (const conv_params *p, double *voc_cost,
                           double *vpos_cost, bool *pflat);

/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (conv_winograd.c):
 * true when it should beat the direct kernels on this shape. */
bool nn_conv_wino_wanted (const nn_node *node, const conv_params *p);
nn_status nn_conv_wino_plan (nn_node *node, const conv_params *p,
                             nn_error *err);
void nn_conv_wino_run (const nn_node *node, const conv_params *p,
                       const nn_run_ctx *ctx);

#endif /* NN_OPS_CONV_H */

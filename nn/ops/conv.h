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

/* Validated geometry in *p; chooses and sets up Winograd or a packed
 * kernel (sets node->params and node->workspace_floats). */
nn_status nn_conv_packed_plan (nn_node *node, const conv_params *p,
                               nn_error *err);
void nn_conv_packed_run (const nn_node *node, const conv_params *p,
                         const nn_run_ctx *ctx);
/* The kernels can add a residual as they store each output element: all
 * but vec_pos over the padded rows, which stores through a tile. */
bool nn_conv_packed_takes_residual (const conv_params *p);
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

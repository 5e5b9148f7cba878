/* Sliding-window geometry of Conv and the pools. */
#ifndef NN_OPS_WINDOW_H
#define NN_OPS_WINDOW_H

#include "ops.h"
#include "kernels/kernels.h"

/* Reads strides, dilations, pads and auto_pad for an input x with nsp (1 or
 * 2) spatial axes and the given kernel, checks them (NN_BAD_MODEL for
 * malformed values, NN_UNSUPPORTED for pads not smaller than the kernel
 * extent, NN_SHAPE for an empty output) and fills g. ceil_mode rounds the
 * output size up (pools). Dilations other than 1 are refused when
 * !allow_dilations. */
nn_status nn_op_window (const nn_node *node, const nn_value *x, int nsp,
                        const int64_t *kernel, bool ceil_mode,
                        bool allow_dilations, nn_win2d *g, nn_error *err);

/* Sets output 0 to (N, channels, spatial...) from g. */
nn_status nn_op_window_output (nn_node *node, const nn_value *x, int nsp,
                               int64_t channels, const nn_win2d *g,
                               nn_error *err);

#endif /* NN_OPS_WINDOW_H */

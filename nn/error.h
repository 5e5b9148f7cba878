/* Filling nn_error: one place, so every message has the same shape. */
#ifndef NN_ERROR_H
#define NN_ERROR_H

#include "nn/nn.h"

/* Sets err (when non-NULL) and returns status. printf-style message. */
nn_status nn_fail (nn_error *err, nn_status status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Like nn_fail, prefixed with "node 'NAME' (OP): ". */
struct nn_node;
nn_status nn_fail_node (nn_error *err, nn_status status,
                        const struct nn_node *node, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Prepends "PREFIX: " to err's message (truncating the end if needed). */
void nn_error_prefix (nn_error *err, const char *prefix);

#endif /* NN_ERROR_H */

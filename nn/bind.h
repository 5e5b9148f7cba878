/* Internal: binding the symbolic dimensions of a graph's inputs. */
#ifndef NN_BIND_H
#define NN_BIND_H

#include "graph.h"

/* Fills dims[i] for every graph input: the file's fixed dims; then the
 * shapes given; then `batch` (> 0) for axis 0 of inputs not given; then
 * base[i] (a binding made earlier, -1 where open) when non-NULL; then 1 for
 * a symbolic axis 0. A symbolic name takes one value everywhere.
 * NN_NOT_FOUND for a shape naming no input, NN_SHAPE for a contradiction
 * (rank, fixed dim, a name bound twice to different values),
 * NN_INVALID_ARG for a dim below 1 or, with *complete set to false, a
 * dimension left unbound (the message names the input and the axis). */
nn_status nn_bind_inputs (const nn_graph *g, const nn_input_shape *shapes,
                          size_t n_shapes, const int64_t (*base)[NN_MAX_DIMS],
                          int batch, int64_t (*dims)[NN_MAX_DIMS],
                          bool *complete, nn_error *err);

#endif /* NN_BIND_H */

/* Internal: constant folding, split between fold.c (BatchNorm, float
 * nodes, dispatch) and fold_shape.c (the int64 shape sub-graph ops). */
#ifndef NN_FOLD_H
#define NN_FOLD_H

#include "model.h"

/* Largest constant folding may create: a model cannot make the loader
 * allocate gigabytes from a few bytes of ConstantOfShape. */
#define NN_MAX_FOLD_ELEMS ((size_t)1 << 26)

/* Makes v a constant of the given type and shape, data in plan memory. */
nn_status nn_fold_set_const (nn_plan *plan, nn_value *v, nn_dtype dtype,
                             int ndim, const int64_t *dims, const nn_node *node,
                             nn_error *err, void **data);
double nn_fold_get_num (const nn_value *v, size_t i);
void nn_fold_put_num (nn_value *v, size_t i, double x);
/* NN_UNSUPPORTED unless input k is present and constant. */
nn_status nn_fold_need_const (const nn_node *node, int k, nn_error *err);
int nn_fold_norm_axis (int64_t axis, int rank, int64_t *out);
nn_status nn_fold_get_axes (const nn_node *node, int input,
                            const int64_t **axes, size_t *n, nn_error *err);

nn_status nn_fold_constant (nn_plan *plan, nn_node *node, nn_error *err);
nn_status nn_fold_shape (nn_plan *plan, nn_node *node, nn_error *err);
nn_status nn_fold_gather (nn_plan *plan, nn_node *node, nn_error *err);
nn_status nn_fold_cast (nn_plan *plan, nn_node *node, nn_error *err);
nn_status nn_fold_constant_of_shape (nn_plan *plan, nn_node *node,
                                     nn_error *err);
nn_status nn_fold_slice (nn_plan *plan, nn_node *node, nn_error *err);
nn_status nn_fold_int64 (nn_plan *plan, nn_node *node, nn_error *err);

#endif /* NN_FOLD_H */

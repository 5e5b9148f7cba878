/* Internal: load-time rewriting (BatchNorm into Conv) and plan-time
 * evaluation of nodes whose outputs are known before the first run. */
#ifndef NN_FOLD_H
#define NN_FOLD_H

#include "model.h"

/* Largest constant folding may create: a model cannot make the loader
 * allocate gigabytes from a few bytes of ConstantOfShape. */
#define NN_MAX_FOLD_ELEMS ((size_t)1 << 26)

/* What folding may do for one plan in all: bytes created (views of
 * weights are free) and work (the planner's estimate, step_work). Folding
 * runs while a model loads, so a chain of nodes each under the cap above
 * must not make a small file take gigabytes or minutes to load. Room for
 * the largest classifiers: VGG-16 with every weight cast from float16 is
 * 553 MB. */
#define NN_MAX_FOLD_TOTAL_BYTES ((double)((size_t)1 << 30))
#define NN_MAX_FOLD_TOTAL_WORK ((double)((size_t)1 << 32))

/* Whether folding `node` only shares its constant input's data (a view of
 * a weight): no memory, no work. */
bool nn_fold_shares_input (const nn_node *node);

#endif /* NN_FOLD_H */

/* Internal: load-time rewriting (BatchNorm into Conv) and plan-time
 * evaluation of nodes whose outputs are known before the first run. */
#ifndef NN_FOLD_H
#define NN_FOLD_H

#include "model.h"

/* Largest constant folding may create: a model cannot make the loader
 * allocate gigabytes from a few bytes of ConstantOfShape. */
#define NN_MAX_FOLD_ELEMS ((size_t)1 << 26)

#endif /* NN_FOLD_H */

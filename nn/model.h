/* Internal: the loaded model, its plan, and the memory they live in. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include "graph.h"
#include "mem.h"
#include "onnx.h"

#include <stdatomic.h>

/* Everything that depends on the input shapes: concrete shapes, folded
 * constants, operator params, fused activations, arena offsets. Read-only
 * after nn_plan_create, so sessions on any thread may share one. */
typedef struct nn_plan {
  nn_mem mem;
  nn_value *values; /* parallel to graph->values */
  size_t n_values;
  nn_node *steps; /* executable nodes in order */
  size_t n_steps;
  size_t arena_floats; /* inputs, outputs and activations */
  size_t workspace_floats;
  nn_tensor_info *inputs, *outputs;
  nn_value **input_values, **output_values;
  size_t n_inputs, n_outputs;
  double flops;
} nn_plan;

struct nn_model {
  atomic_int refcount;
  nn_mem mem;
  nn_graph graph;
  nn_meta meta;
  /* The model's own input shapes, bound at load: -1 where open. */
  int64_t (*bound)[NN_MAX_DIMS];
  /* Planned at those when they are complete, else NULL (sessions plan). */
  nn_plan *plan;
  /* What nn_model_input/output describe when plan is NULL. */
  nn_tensor_info *inputs;
};

/* fold.c: fold BatchNormalization into the preceding Conv (load time). */
nn_status nn_fold_batchnorm (nn_model *model, nn_error *err);
/* fold.c: runs a planned node whose inputs are all known (or whose
 * outputs depend only on shapes) now; its outputs become constants in the
 * plan's memory and its params are released. */
nn_status nn_fold_run (nn_plan *plan, nn_node *node, nn_error *err);

/* plan.c: dims[i] are the concrete dims of graph input i (bind.h).
 * reporter (or NULL): node problems go there and planning goes on; the
 * plan then fails at the end with the first problem's status. */
nn_status nn_plan_create (const nn_model *model,
                          const int64_t (*dims)[NN_MAX_DIMS],
                          nn_reporter *reporter, nn_plan **out, nn_error *err);
/* Whether plan was made for exactly these input dims. */
bool nn_plan_has_dims (const nn_plan *plan, const int64_t (*dims)[NN_MAX_DIMS]);
/* The bytes a session on plan allocates: arena and workspace, 16 floats
 * of slack, rounded up to 64. False when that overflows. */
bool nn_plan_session_bytes (const nn_plan *plan, size_t *bytes);
void nn_plan_free (nn_plan *plan);

#endif /* NN_MODEL_H */

/* Internal: the loaded model, its plan, and the memory they live in. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include "graph.h"

#include <stdatomic.h>

/* A bump allocator of malloc'd blocks freed all at once: everything a model
 * or a plan owns lives in one of these, so there is one cleanup path. */
typedef struct nn_mem_block nn_mem_block;
typedef struct nn_mem {
  nn_mem_block *head;
  size_t used; /* bytes handed out, for budgets */
} nn_mem;

void *nn_mem_alloc (nn_mem *mem, size_t size); /* zeroed, 64-aligned */
void *nn_mem_array (nn_mem *mem, size_t n, size_t size); /* checked */
char *nn_mem_strdup (nn_mem *mem, const char *s);
void nn_mem_clear (nn_mem *mem);

/* A graph as loaded: batch-independent, BatchNorm folded, nodes in
 * topological order. Values with kind NN_VAL_CONST hold initializers. */
typedef struct nn_graph {
  nn_value *values;
  size_t n_values;
  nn_node *nodes;
  size_t n_nodes;
  size_t *inputs; /* indices of runtime graph inputs */
  size_t n_inputs;
  int64_t (*input_dims)[NN_MAX_DIMS]; /* declared; -1 = symbolic */
  size_t *outputs;                    /* indices of graph outputs */
  size_t n_outputs;
  int opset;
} nn_graph;

/* Everything that depends on the batch size: concrete shapes, folded
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
  int batch;
  double flops;
} nn_plan;

struct nn_model {
  atomic_int refcount;
  nn_mem mem;
  nn_graph graph;
  size_t n_meta;
  const char **meta_keys, **meta_values;
  nn_plan *plan; /* at the model's own batch size */
};

/* onnx.c: parse and validate bytes into model->graph and metadata. */
nn_status nn_onnx_parse (nn_model *model, const void *data, size_t size,
                         const nn_load_options *opts, const char *base_dir,
                         nn_error *err);

/* fold.c: fold BatchNormalization into the preceding Conv (load time). */
nn_status nn_fold_batchnorm (nn_model *model, nn_error *err);
/* fold.c: evaluate a node whose inputs are all constant (or whose output
 * depends only on shapes). Returns NN_OK and sets *folded when it did. */
nn_status nn_fold_node (nn_plan *plan, nn_node *node, int *folded,
                        nn_error *err);
/* True for operators evaluated only at load time (Shape, Gather, ...). */
int nn_fold_only_op (const char *op_type);

/* plan.c */
nn_status nn_plan_create (const nn_model *model, int batch, nn_plan **out,
                          nn_error *err);
void nn_plan_free (nn_plan *plan);

#endif /* NN_MODEL_H */

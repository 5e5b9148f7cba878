/* Internal graph representation shared by the loader, the planner and the
 * operators. Not installed; gst/ and tools/ never include it.
 *
 * Life of a graph: the loader (onnx.c) turns protobuf messages into nn_value
 * and nn_node records; the planner (plan.c) folds constants, infers every
 * shape by calling each operator's plan(), fuses activations into Conv/Gemm,
 * aliases view ops and assigns arena offsets; the session (session.c) binds
 * an arena and calls each operator's run() in order.
 */
#ifndef NN_GRAPH_H
#define NN_GRAPH_H

#include "nn/nn.h"
#include "error.h"
#include "pool.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum nn_value_kind {
  NN_VAL_INPUT, /* graph input, lives in the arena */
  NN_VAL_CONST, /* initializer or folded constant */
  NN_VAL_ACT    /* activation, lives in the arena */
} nn_value_kind;

/* A tensor of the graph. Shapes are concrete once planned. */
typedef struct nn_value {
  const char *name;
  nn_dtype dtype;
  int ndim;
  int64_t dims[NN_MAX_DIMS];
  size_t count; /* product of dims (1 for a scalar) */
  nn_value_kind kind;
  /* NN_VAL_CONST: the elements (of dtype), owned by the plan or model;
   * fconst and iconst are the same pointer for FLOAT and INT64 data. */
  union {
    const void *cdata;
    const float *fconst;
    const int64_t *iconst;
  };
  /* NN_VAL_INPUT / NN_VAL_ACT: offset in floats from the arena start (64
   * bytes aligned, whatever the dtype). */
  size_t offset;
  /* Set while planning: worker threads write this value by positions (the
   * same positions of every channel) rather than by channels, so that an
   * element-wise reader can split the same way (ops/binary.c). */
  bool by_positions;
} nn_value;

/* Floats of arena a value of this dtype and count takes (its bytes
 * rounded up to whole floats). */
static inline size_t
nn_value_floats (const nn_value *v)
{
  return (v->count * nn_dtype_size (v->dtype) + 3) / 4;
}

typedef enum nn_attr_type {
  NN_ATTR_FLOAT = 1,
  NN_ATTR_INT = 2,
  NN_ATTR_STRING = 3,
  NN_ATTR_TENSOR = 4,
  NN_ATTR_FLOATS = 6,
  NN_ATTR_INTS = 7
} nn_attr_type;

typedef struct nn_attr {
  const char *name;
  nn_attr_type type;
  float f;
  int64_t i;
  const char *s; /* NUL-terminated copy */
  const float *floats;
  const int64_t *ints;
  size_t n;               /* length of floats or ints */
  const nn_value *tensor; /* NN_ATTR_TENSOR: a constant value */
} nn_attr;

/* Activation fused into the producing Conv/Gemm/MatMul/Add by the planner.
 * Operators that accept fusion call nn_act_apply() on their output. */
typedef enum nn_act_type {
  NN_ACT_NONE = 0,
  NN_ACT_RELU,
  NN_ACT_LEAKY_RELU,
  NN_ACT_CLIP,
  NN_ACT_SIGMOID,
  NN_ACT_HARD_SIGMOID,
  NN_ACT_HARD_SWISH,
  NN_ACT_TANH
} nn_act_type;

typedef struct nn_act {
  nn_act_type type;
  float alpha, beta; /* LeakyRelu alpha; Clip min/max as alpha/beta;
                        HardSigmoid alpha/beta */
  /* y = x * f(x): the activation gates its own input (Sigmoid: SiLU,
   * HardSigmoid: HardSwish as exporters write it, x * HardSigmoid(x)).
   * Only with SIGMOID and HARD_SIGMOID. */
  bool gate;
} nn_act;

typedef struct nn_op_def nn_op_def;

typedef struct nn_node {
  const char *name; /* never NULL ("" when the file had none) */
  const char *op_type;
  int opset; /* of the default ONNX domain */
  int n_in, n_out;
  nn_value **in; /* in[i] is NULL for an omitted optional input */
  nn_value **out;
  int n_attrs;
  const nn_attr *attrs;
  const nn_op_def *def;
  /* The loader refused the node and said so (report mode only). */
  bool refused;
  /* Filled by def->plan(): */
  void *params;            /* op private, released with free() */
  size_t workspace_floats; /* scratch the run needs (shared, not kept) */
  nn_act act;              /* set by the planner after plan() */
  /* A fused residual Add (set by the planner): run() writes
   * act(its result + residual), residual having out[0]'s shape. NULL:
   * none. Read like an input. */
  const nn_value *residual;
  double flops; /* the planner's work estimate of one run */
} nn_node;

/* What run() gets besides the node. */
typedef struct nn_run_ctx {
  float *arena;
  float *workspace; /* at least node->workspace_floats floats */
  nn_pool *pool;    /* NULL: run on the calling thread */
  bool reference;   /* use the naive reference kernels */
} nn_run_ctx;

struct nn_op_def {
  const char *op_type;
  /* Validate attributes and input shapes/dtypes, then set every output's
   * dtype, ndim, dims and count. Inputs' shapes are final; constant inputs
   * (kind NN_VAL_CONST) may be read. May set node->params (malloc'd) and
   * node->workspace_floats. Must return NN_UNSUPPORTED, NN_BAD_MODEL or
   * NN_SHAPE with a message naming the node on anything it cannot run.
   * Never called twice on the same node without freeing params between. */
  nn_status (*plan) (nn_node *node, nn_error *err);
  /* Compute outputs from inputs. Never allocates, never fails. */
  void (*run) (const nn_node *node, const nn_run_ctx *ctx);
  /* Nonzero when run() applies node->act itself (fusion target). */
  int fuses_activation;
  /* True when run() can add node->residual (once planned, as now) as it
   * stores each output element, before the activation, reading each
   * residual element before it writes the output element at the same
   * index: the planner may then fold an Add of the output and a value of
   * its shape into the node, and let the output take the residual's
   * memory. NULL: never. */
  bool (*takes_residual) (const nn_node *node);

  /* Traits the loader and the planner read, so that an operator is one
   * file and one row of the table (registry.c). Zero is the usual case. */

  /* Model opsets whose meaning of the operator this definition implements;
   * 0 for either end: no limit beyond the loader's own range. */
  int min_opset, max_opset;
  /* Bit k set: input k must be known before the first run (a constant or
   * folded from constants); it shapes the output. */
  unsigned const_inputs;
  /* Output 0 is input 0 under another shape: the planner aliases the two
   * and drops the step. */
  bool view;
  /* True when output 0 is the inputs laid end to end (Concat with nothing
   * but ones before its axis): the planner may place an input inside
   * output 0 for its producer to write there, and run() must then leave
   * an input already in place alone. NULL: never. */
  bool (*in_blocks) (const nn_node *node);
  /* The outputs depend on input 0's shape only (Shape, Size): the planner
   * evaluates the node however input 0 is computed. Any node whose inputs
   * are all known before the first run is evaluated by the planner too
   * (constant folding), with the same run(). */
  bool shape_only;
  /* Describes the node as an activation a fusing producer can apply to
   * its output; false when this node cannot be fused. NULL: never. */
  bool (*as_act) (const nn_node *node, nn_act *act);
  /* Approximate floating point operations of one run. NULL: the larger of
   * input 0's and output 0's element counts (each element touched once). */
  double (*work) (const nn_node *node);
};

/* The opset range of the whole loader: models outside it are refused
 * before any operator is looked at. */
#define NN_MIN_OPSET 1
#define NN_MAX_OPSET 21

/* Runtime graph inputs a model may have (the loader refuses more). */
#define NN_MAX_GRAPH_INPUTS 1024

/* A graph as loaded: batch-independent, BatchNorm folded, nodes in
 * topological order. Values with kind NN_VAL_CONST hold initializers. */
typedef struct nn_graph {
  nn_value *values;
  size_t n_values;
  nn_node *nodes;
  size_t n_nodes;
  size_t *inputs; /* indices of runtime graph inputs */
  size_t n_inputs;
  /* As the file declares them: dims -1 and a name (dim_names) where
   * symbolic; outputs with ndim -1 when the file gives no shape. */
  nn_tensor_info *input_info, *output_info;
  size_t *outputs; /* indices of graph outputs */
  size_t n_outputs;
  int opset;
} nn_graph;

/* Where the loader and the planner send problems when they go on past
 * them (nn_load_options.report). */
typedef struct nn_reporter {
  void (*report) (void *data, nn_status status, const char *message);
  void *data;
  size_t problems;
  nn_status first;
  char first_message[NN_ERROR_MSG_MAX];
} nn_reporter;

/* Passes err's message on and counts it. */
void nn_reporter_add (nn_reporter *r, const nn_error *err);

/* Lookup by ONNX op_type; NULL when this build has no such operator. */
const nn_op_def *nn_op_find (const char *op_type);

/* Attribute helpers (NULL/defaults when absent). */
const nn_attr *nn_node_attr (const nn_node *node, const char *name);
int64_t nn_node_attr_int (const nn_node *node, const char *name, int64_t def);
float nn_node_attr_float (const nn_node *node, const char *name, float def);
const char *nn_node_attr_string (const nn_node *node, const char *name,
                                 const char *def);

/* Data of a float value: constant data, or its place in the arena. */
static inline float *
nn_value_data (const nn_value *v, const nn_run_ctx *ctx)
{
  if (v->kind == NN_VAL_CONST)
    return (float *)v->fconst;
  return ctx->arena + v->offset;
}

/* The same for a value of any dtype. */
static inline void *
nn_value_ptr (const nn_value *v, const nn_run_ctx *ctx)
{
  if (v->kind == NN_VAL_CONST)
    return (void *)v->cdata;
  return ctx->arena + v->offset;
}

/* Sets v->count from v->dims; NN_SHAPE on overflow or a count over the
 * per-tensor cap (NN_MAX_TENSOR_ELEMS). */
#define NN_MAX_TENSOR_ELEMS ((size_t)1 << 31)
nn_status nn_value_set_shape (nn_value *v, int ndim, const int64_t *dims,
                              const nn_node *node, nn_error *err);

/* The ONNX operators a step computes after its own: the activation's
 * ("Relu", "Clip", "Sigmoid+Mul" when gated; "" for NN_ACT_NONE), after
 * "Add+" when a residual Add is fused too ("Add" without activation). */
const char *nn_fused_name (const nn_act *act, bool residual);

/* y = f(x) over n floats, y == x allowed (kernels/act.c); each element's
 * result does not depend on n or on where it falls in the run. */
void nn_act_map (const nn_act *act, float *y, const float *x, size_t n);
/* The same in place: how producers apply a fused activation. */
void nn_act_apply (const nn_act *act, float *x, size_t n);

/* Overflow-checked size arithmetic: false on overflow. */
static inline bool
nn_mul_size (size_t a, size_t b, size_t *out)
{
  return !__builtin_mul_overflow (a, b, out);
}

static inline bool
nn_add_size (size_t a, size_t b, size_t *out)
{
  return !__builtin_add_overflow (a, b, out);
}

#endif /* NN_GRAPH_H */

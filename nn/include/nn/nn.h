/* edgeclassify nn — a small CNN inference core over OpenBLAS.
 *
 * Plain C11, no GLib, no GStreamer. Lifecycle (plan-then-run):
 *
 *   nn_model_load_file()   parse + validate the ONNX file, fold BatchNorm,
 *                          and, when every input dimension is known, infer
 *                          every shape and plan memory. Immutable after.
 *   nn_session_create()    binds symbolic input dimensions (plans again
 *                          for shapes other than the model's), one arena
 *                          for activations + workspace, sized by the plan;
 *                          optional private worker threads.
 *   nn_session_input()     write the input tensor(s) in place
 *   nn_session_run()       never allocates, never blocks on a lock
 *   nn_session_output()    read results in place
 *
 * A model may be shared by any number of sessions on any threads (it is
 * reference counted and never written after load). A session is used by one
 * thread at a time.
 *
 * Every fallible call returns an nn_status and, when `err` is non-NULL, fills
 * it with a precise message ("node 'conv3' (Conv): weight has 4608 floats,
 * dims need 36864"). Nothing in this library exits, aborts or asserts on
 * anything read from a file or given by a caller.
 */
#ifndef NN_NN_H
#define NN_NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nn_status {
  NN_OK = 0,
  NN_INVALID_ARG, /* caller passed something meaningless */
  NN_NOMEM,       /* an allocation failed or a budget was exceeded */
  NN_IO,          /* the file exists but could not be read */
  NN_NOT_FOUND,   /* no such file, input, output or key */
  NN_BAD_MODEL,   /* the bytes are not a valid model */
  NN_UNSUPPORTED, /* a valid model this build cannot run */
  NN_SHAPE,       /* shapes do not fit together */
  NN_INTERNAL     /* a bug in this library */
} nn_status;

#define NN_ERROR_MSG_MAX 512

typedef struct nn_error {
  nn_status status;
  char message[NN_ERROR_MSG_MAX];
} nn_error;

/* Static string such as "bad model"; never NULL. */
const char *nn_status_to_string (nn_status status);

#define NN_MAX_DIMS 8

/* Element types, numbered as ONNX's TensorProto.DataType. Every operator
 * computes in float; the others carry shapes, indices, masks and the data
 * of Cast, Gather, comparisons and the like. BOOL is one byte, 0 or 1. */
typedef enum nn_dtype {
  NN_DTYPE_FLOAT = 1,
  NN_DTYPE_UINT8 = 2,
  NN_DTYPE_INT8 = 3,
  NN_DTYPE_UINT16 = 4,
  NN_DTYPE_INT16 = 5,
  NN_DTYPE_INT32 = 6,
  NN_DTYPE_INT64 = 7,
  NN_DTYPE_BOOL = 9,
  NN_DTYPE_FLOAT16 = 10,
  NN_DTYPE_DOUBLE = 11,
  NN_DTYPE_UINT32 = 12,
  NN_DTYPE_UINT64 = 13
} nn_dtype;

/* Bytes of one element; 0 for a type this build does not know. */
size_t nn_dtype_size (nn_dtype dtype);
/* "float32", "int64", "bool", ...; "unknown" for others. Never NULL. */
const char *nn_dtype_name (nn_dtype dtype);

/* Description of a graph input or output. A session's are as planned
 * (concrete dims). A model's are planned at the model's own shapes when it
 * has them; an input dimension nothing binds at load is -1 there (count 0),
 * and an output whose shape is unknown until then has ndim -1. */
typedef struct nn_tensor_info {
  const char *name; /* owned by the model */
  nn_dtype dtype;
  int ndim;
  int64_t dims[NN_MAX_DIMS];
  size_t count; /* product of dims */
  /* The model file's name of each symbolic dimension ("batch", "height"),
   * "" for an unnamed one, NULL for a fixed one. Owned by the model. */
  const char *dim_names[NN_MAX_DIMS];
} nn_tensor_info;

typedef struct nn_model nn_model;
typedef struct nn_session nn_session;

/* Load options. Zero-initialise and set what you need. */
typedef struct nn_const_input {
  const char *name; /* a graph input to freeze */
  nn_dtype dtype;
  int ndim;
  const int64_t *dims;
  const void *data; /* elements of dtype, copied */
} nn_const_input;

enum {
  /* Accept any graph inputs (of any type nn_dtype_size knows) instead of
   * requiring exactly one float image-like [N, C, H, W] input. For tools
   * and operator tests. */
  NN_LOAD_GENERAL = 1u << 0,
  /* Bind what the load options leave open of an [N, C, H, W] input's
   * symbolic height and width to the model's edgeclassify.input-size hint
   * (nn/hints.h), else 224x224, as the element does. For checkers. */
  NN_LOAD_DEFAULT_SIZE = 1u << 1
};

/* Concrete dimensions for a graph input whose file declares some of them
 * symbolic. Every dimension is given: a fixed one must repeat the file's
 * value, a symbolic one must be >= 1, and a symbolic name used twice
 * (in one input or several) must get one value. */
typedef struct nn_input_shape {
  const char *name; /* graph input; NULL: the input at this entry's index */
  int ndim;
  int64_t dims[NN_MAX_DIMS];
} nn_input_shape;

typedef struct nn_load_options {
  unsigned flags;
  /* Largest model file accepted, bytes; 0 means the default (512 MiB). */
  size_t max_file_bytes;
  /* Graph inputs bound to constants before planning (e.g. shape tensors). */
  const nn_const_input *consts;
  size_t n_consts;
  /* Folder that external-data paths are relative to (memory loads only;
   * file loads use the model's own folder). NULL refuses external data. */
  const char *base_dir;
  /* The model's own input shapes: symbolic dimensions bound at load, so
   * that the model is planned (every shape error surfaces now) and
   * describes itself (nn_model_flops, nodes, outputs) at these shapes.
   * Unbound, a symbolic batch axis (axis 0) is 1; any other symbolic
   * dimension leaves the model unplanned until a session binds it. */
  const nn_input_shape *shapes;
  size_t n_shapes;
  /* Model checkers: when set, the loader goes on past an unsupported
   * node, operator, attribute or opset, calls report() with each (the
   * message names the node and the operator), skips what depends on a
   * refused node, and fails at the end with the first problem's status
   * and a count. Errors in the file's structure still stop it at once. */
  void (*report) (void *data, nn_status status, const char *message);
  void *report_data;
} nn_load_options;

/* Load from a file. `opts` may be NULL. On failure *out is NULL. */
nn_status nn_model_load_file (const char *path, const nn_load_options *opts,
                              nn_model **out, nn_error *err);
/* Load from memory; `data` is not kept after the call returns. */
nn_status nn_model_load_memory (const void *data, size_t size,
                                const nn_load_options *opts, nn_model **out,
                                nn_error *err);

nn_model *nn_model_ref (nn_model *model); /* thread-safe */
void nn_model_unref (nn_model *model);    /* NULL is fine */

size_t nn_model_n_inputs (const nn_model *model);
size_t nn_model_n_outputs (const nn_model *model);
/* NULL when i is out of range. Pointers live as long as the model. */
const nn_tensor_info *nn_model_input (const nn_model *model, size_t i);
const nn_tensor_info *nn_model_output (const nn_model *model, size_t i);

/* ONNX metadata_props. NULL when absent. Strings live as long as the model. */
const char *nn_model_metadata (const nn_model *model, const char *key);
size_t nn_model_n_metadata (const nn_model *model);
const char *nn_model_metadata_key (const nn_model *model, size_t i);
const char *nn_model_metadata_value (const nn_model *model, size_t i);

/* Operator census of the loaded graph (after folding), its work and its
 * sessions' memory, at the model's own shapes: 0 / NULL when the model has
 * symbolic dimensions that only a session binds. */
size_t nn_model_n_nodes (const nn_model *model);
const char *nn_model_node_op (const nn_model *model, size_t i);
const char *nn_model_node_name (const nn_model *model, size_t i);
/* Approximate floating point operations of one run at the planned batch. */
double nn_model_flops (const nn_model *model);
/* Bytes a session at the model's own batch size allocates (arena). */
size_t nn_model_session_bytes (const nn_model *model);

typedef struct nn_session_options {
  int batch;        /* 0: the model's own batch size */
  int threads;      /* 0 or 1: the calling thread only */
  int reference;    /* nonzero: naive reference kernels (tests) */
  size_t max_bytes; /* memory cap for the session; 0: 2 GiB */
  /* Input shapes for this session (see nn_input_shape); inputs not listed
   * keep the model's own. batch, when set, then replaces axis 0 of every
   * input not listed. */
  const nn_input_shape *shapes;
  size_t n_shapes;
  /* Called once at the start of each of the session's own worker threads
   * (threads - 1 of them; never for the caller's thread), in that thread,
   * before it runs any work: a host gives its inference threads their
   * scheduling class, niceness or CPU affinity here. Every call has
   * returned by the time nn_session_create does. It must not call into
   * this session. NULL: nothing is called. */
  void (*thread_init) (void *user);
  void *thread_init_user;
} nn_session_options;

/* `opts` may be NULL. Takes its own reference on the model. Fails with
 * NN_INVALID_ARG naming the input and axis when a symbolic dimension is
 * left unbound, and NN_SHAPE when the shapes given contradict the model
 * or each other. */
nn_status nn_session_create (nn_model *model, const nn_session_options *opts,
                             nn_session **out, nn_error *err);
void nn_session_free (nn_session *session); /* NULL is fine */

size_t nn_session_n_inputs (const nn_session *session);
size_t nn_session_n_outputs (const nn_session *session);
const nn_tensor_info *nn_session_input_info (const nn_session *session,
                                             size_t i);
const nn_tensor_info *nn_session_output_info (const nn_session *session,
                                              size_t i);
/* Input and output buffers inside the session's arena, valid until the
 * session is freed. Write inputs before run; read outputs after. The float
 * accessors return NULL for a tensor of another type; the _data ones
 * return any, elements of the tensor's dtype in C order. */
float *nn_session_input (nn_session *session, size_t i);
const float *nn_session_output (const nn_session *session, size_t i);
void *nn_session_input_data (nn_session *session, size_t i);
const void *nn_session_output_data (const nn_session *session, size_t i);
/* Find by name; returns (size_t)-1 when absent. */
size_t nn_session_find_input (const nn_session *session, const char *name);
size_t nn_session_find_output (const nn_session *session, const char *name);

/* Approximate floating point operations of one run of this session. */
double nn_session_flops (const nn_session *session);

/* Runs the whole graph. Allocates nothing. */
nn_status nn_session_run (nn_session *session, nn_error *err);

/* Profiling: where a run spends its time. A step is what the session runs
 * for one node of the graph after planning: constants are folded, views
 * (Reshape, Flatten, ...) cost nothing and are no step, and an activation
 * or other node fused into its producer is part of the producer's step
 * (`fused` names it: "Relu", "Clip", "Add+Relu" for a residual Add and
 * the Relu after it). */
typedef struct nn_step_info {
  const char *name;  /* the node's name in the file ("" when unnamed) */
  const char *op;    /* its operator ("Conv") */
  const char *fused; /* what its step also computes, "" for nothing */
  double flops;      /* approximate floating point operations of one run */
} nn_step_info;

/* Steps of one run, in the order they run. */
size_t nn_session_n_steps (const nn_session *session);
/* NN_INVALID_ARG when i is out of range. Strings live as long as the
 * session. */
nn_status nn_session_step_info (const nn_session *session, size_t i,
                                nn_step_info *info, nn_error *err);
/* Runs the whole graph as nn_session_run does (the same results) and
 * writes into step_us[i] the wall time of step i in microseconds; the
 * caller's array holds nn_session_n_steps() values. One clock reading
 * separates consecutive steps, so the times add up to the run's. Allocates
 * nothing. */
nn_status nn_session_run_profiled (nn_session *session, double *step_us,
                                   nn_error *err);

#ifdef __cplusplus
}
#endif
#endif /* NN_NN_H */

/* Shared by the operator files: the operator table and the checks every
 * plan() needs. Not used outside nn/ops/. */
#ifndef NN_OPS_OPS_H
#define NN_OPS_OPS_H

#include "dtype.h"
#include "graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Input i, or NULL when omitted or past the end. */
static inline const nn_value *
nn_op_input (const nn_node *node, int i)
{
  return i < node->n_in ? node->in[i] : NULL;
}

/* Output i, or NULL when omitted or past the end. */
static inline nn_value *
nn_op_output (const nn_node *node, int i)
{
  return i < node->n_out ? node->out[i] : NULL;
}

/* NN_BAD_MODEL unless min_in <= n_in <= max_in and likewise for outputs;
 * also requires the first input and output to be present. */
nn_status nn_op_check_arity (const nn_node *node, int min_in, int max_in,
                             int min_out, int max_out, nn_error *err);

/* NN_UNSUPPORTED if output i (i >= 1) is requested: optional outputs this
 * build does not compute (MaxPool Indices, Dropout mask...). */
nn_status nn_op_refuse_output (const nn_node *node, int i, const char *what,
                               nn_error *err);

/* Input i must be present and a float tensor. what names it in messages. */
nn_status nn_op_float_input (const nn_node *node, int i, const char *what,
                             nn_error *err);

/* Input i must be present with rank in [min_rank, max_rank]. */
nn_status nn_op_input_rank (const nn_node *node, int i, const char *what,
                            int min_rank, int max_rank, nn_error *err);

/* Input i must be present with a dtype in `types` (NN_TYPES_*). */
nn_status nn_op_typed_input (const nn_node *node, int i, const char *what,
                             unsigned types, nn_error *err);

/* Inputs i and j (when both present) must have one dtype. */
nn_status nn_op_same_type (const nn_node *node, int i, int j, nn_error *err);

/* A constant integer input (int64, int32, ...) read into out[0..*n) (at
 * most max entries); NN_UNSUPPORTED naming the input when it is not
 * constant. */
nn_status nn_op_const_ints (const nn_node *node, int i, const char *what,
                            int64_t *out, int max, int *n, nn_error *err);

/* A constant float scalar input (one element). */
nn_status nn_op_const_scalar (const nn_node *node, int i, const char *what,
                              float *out, nn_error *err);

/* Typed attribute getters: default when absent, NN_BAD_MODEL when present
 * with the wrong type. */
nn_status nn_op_attr_int (const nn_node *node, const char *name, int64_t def,
                          int64_t *out, nn_error *err);
nn_status nn_op_attr_float (const nn_node *node, const char *name, float def,
                            float *out, nn_error *err);
nn_status nn_op_attr_string (const nn_node *node, const char *name,
                             const char *def, const char **out, nn_error *err);
/* INTS attribute into out[0..*n), at most max; *n = -1 when absent. */
nn_status nn_op_attr_ints (const nn_node *node, const char *name, int64_t *out,
                           int max, int *n, nn_error *err);

/* Attribute present at all (any type). */
static inline bool
nn_op_has_attr (const nn_node *node, const char *name)
{
  return nn_node_attr (node, name) != NULL;
}

/* Normalises axis in [-rank, rank) (or [-rank, rank] when inclusive) to
 * [0, rank]; NN_BAD_MODEL naming what otherwise. */
nn_status nn_op_axis (const nn_node *node, const char *what, int64_t axis,
                      int rank, bool inclusive, int *out, nn_error *err);

/* Sets output i to a float tensor of the given shape. */
nn_status nn_op_set_output (nn_node *node, int i, int ndim, const int64_t *dims,
                            nn_error *err);
/* The same with any dtype. */
nn_status nn_op_set_output_type (nn_node *node, int i, nn_dtype dtype, int ndim,
                                 const int64_t *dims, nn_error *err);

/* Allocates node->params of size bytes (zeroed). */
nn_status nn_op_alloc_params (nn_node *node, size_t size, nn_error *err);

/* Product of dims[begin..end), or false on overflow past NN_MAX_TENSOR_ELEMS.
 */
bool nn_op_dims_product (const int64_t *dims, int begin, int end, size_t *out);

/* Sets node->workspace_floats, failing with NN_SHAPE when it is beyond
 * what the arena can address. */
nn_status nn_op_workspace (nn_node *node, size_t floats, nn_error *err);

/* Copies src to dst, n floats, split across the pool when large. */
void nn_op_copy (nn_pool *pool, float *dst, const float *src, size_t n);

/* The slice [*begin, *end) of total items for task i of n. */
static inline void
nn_op_split_range (size_t total, int i, int n, size_t *begin, size_t *end)
{
  size_t q = total / (size_t)n, r = total % (size_t)n;
  *begin = (size_t)i * q + ((size_t)i < r ? (size_t)i : r);
  *end = *begin + q + ((size_t)i < r ? 1 : 0);
}

/* Size of each chunk when n items (tiles of positions) are cut into chunks
 * of at most `most`: the chunk count that needs, with the items spread
 * evenly over them. 33 tiles in chunks of 16 make chunks of 11, 11 and
 * 11, not 16, 16 and 1, whose thread would wait for the others. */
static inline ptrdiff_t
nn_op_even_chunk (ptrdiff_t n, ptrdiff_t most)
{
  const ptrdiff_t chunks = (n + most - 1) / most;
  return chunks > 0 ? (n + chunks - 1) / chunks : most;
}

/* How many tasks a job of `work` (roughly flops or bytes touched) deserves:
 * 1 below the point where waking another thread costs more than it saves. */
int nn_op_task_count (const nn_pool *pool, double work, size_t max_tasks);

/* The same for jobs of few items that keep no per-task state: up to
 * NN_OP_TASKS_PER_THREAD items per thread, each item is a task of its own,
 * claimed as threads come free, so that a thread that starts late or runs
 * slower does not hold the others up (on 2 threads, 1x1 convolutions at
 * 14x14, seven items, went from 1.3x to 1.9x the one-thread speed). Items
 * that split evenly across the threads, and more items, keep one range per
 * thread: split finer, neighbouring tasks write the same cache lines from
 * both threads, and SqueezeNet's 1x1 layers (24 items) and Winograd's
 * stages measured slower; even ranges also keep each thread on the part
 * of the output it had in the layer before (2-7 % on 2 threads). */
#define NN_OP_TASKS_PER_THREAD 8
int nn_op_task_count_fine (const nn_pool *pool, double work, size_t max_tasks);

/* ---- Strided copies (strided.c) ---------------------------------------- */

#define NN_STRIDED_MAX_DIMS (2 * NN_MAX_DIMS)

/* y, contiguous with dims, from x read at offset + sum(i_k * istride_k)
 * (elements; strides may be 0 or negative). Unit axes dropped and affine
 * neighbours merged. */
typedef struct nn_strided {
  size_t esize; /* bytes per element */
  size_t count; /* elements of y */
  int nd;
  ptrdiff_t dims[NN_STRIDED_MAX_DIMS];
  ptrdiff_t istride[NN_STRIDED_MAX_DIMS];
  ptrdiff_t offset;
  ptrdiff_t rows; /* product of dims[0..nd-1) */
} nn_strided;

void nn_strided_setup (nn_strided *p, size_t esize, int nd, const int64_t *dims,
                       const ptrdiff_t *istride, ptrdiff_t offset);
/* Split across the pool by rows; the same bytes for any split. */
void nn_strided_run (const nn_strided *p, nn_pool *pool, const void *x,
                     void *y);
/* run() of an operator whose params are one nn_strided from input 0 to
 * output 0. */
void nn_op_strided_run (const nn_node *node, const nn_run_ctx *ctx);

/* Fused activation of a node as a single float function (for reference
 * kernels and scalar epilogues). */
float nn_op_act1 (const nn_act *act, float x);

#endif /* NN_OPS_OPS_H */

/* A one-node graph for operator tests: build a node by hand, plan it the
 * way the planner does (inputs final, then def->plan), give it an arena and
 * run it. All memory is taken in th_plan(); th_run() allocates nothing. */
#ifndef TH_HARNESS_H
#define TH_HARNESS_H

#include "graph.h"
#include "kernels/kernels.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TH_MAX_VALUES 24
#define TH_MAX_ATTRS 16

typedef struct th_node {
  nn_value vals[TH_MAX_VALUES];
  int n_vals;
  void *owned[TH_MAX_VALUES + TH_MAX_ATTRS]; /* constant data, attr lists */
  int n_owned;
  nn_attr attrs[TH_MAX_ATTRS];
  nn_value *in[TH_MAX_VALUES], *out[TH_MAX_VALUES];
  nn_node node;
  float *arena;
  size_t arena_floats;
  float *workspace;
  char names[TH_MAX_VALUES][32];
} th_node;

/* A fresh node of the given op and opset. */
void th_init (th_node *t, const char *op_type, int opset);
void th_free (th_node *t);

/* Inputs, in order. dims is a list of ndim values. */
nn_value *th_input (th_node *t, int ndim, const int64_t *dims);
nn_value *th_const (th_node *t, int ndim, const int64_t *dims,
                    const float *data);
nn_value *th_const_i64 (th_node *t, int ndim, const int64_t *dims,
                        const int64_t *data);
/* The same for any dtype (data: elements of dtype, copied). */
nn_value *th_input_typed (th_node *t, nn_dtype dtype, int ndim,
                          const int64_t *dims);
nn_value *th_const_typed (th_node *t, nn_dtype dtype, int ndim,
                          const int64_t *dims, const void *data);
void th_omit (th_node *t); /* an omitted optional input */
nn_value *th_output (th_node *t);
void th_omit_output (th_node *t);

void th_attr_int (th_node *t, const char *name, int64_t v);
void th_attr_float (th_node *t, const char *name, float v);
void th_attr_string (th_node *t, const char *name, const char *v);
void th_attr_ints (th_node *t, const char *name, int n, const int64_t *v);

/* Looks the op up and plans; on success allocates the arena (activation
 * inputs and outputs, NaN-filled) and the workspace. */
nn_status th_plan (th_node *t, nn_error *err);
/* Fills every activation input with uniform values in [-1, 1). */
void th_fill_inputs (th_node *t, uint64_t *seed);
/* Small random integers (-9..9; 0..9 unsigned; bools 0/1), or uniform
 * doubles, into n elements of dtype. */
void th_fill_typed (void *x, nn_dtype dtype, size_t n, uint64_t *seed);
/* Writes NaN into every output, then runs. */
void th_run (th_node *t, nn_pool *pool, bool reference);
float *th_data (th_node *t, const nn_value *v);

/* Random helpers. */
uint64_t th_rand (uint64_t *s);
int th_randint (uint64_t *s, int lo, int hi); /* inclusive */
float th_randf (uint64_t *s);                 /* [-1, 1) */
void th_fill (float *x, size_t n, uint64_t *seed);

/* Max of |a-b| / (atol + rtol*|b|) over n values: <= 1 passes. NaN in
 * either fails (returns INFINITY) unless both are NaN at the same place. */
double th_compare (const float *a, const float *b, size_t n, double rtol,
                   double atol, size_t *worst);

/* Plans t (which must fail), checks the status, that the message names
 * the node and that it contains needle: a word or phrase that tells the
 * rule which should have fired from the others (an attribute or input
 * name, the offending value). An empty needle fails the case. what
 * describes the case for the report. Frees t. Counts into th_negatives. */
void th_expect_fail (th_node *t, nn_status want, const char *needle,
                     const char *what, const char *file, int line);
extern int th_negatives;
#define EXPECT(t, want, needle, what)                                          \
  th_expect_fail (t, want, needle, what, __FILE__, __LINE__)
#define D(...) ((const int64_t[]){ __VA_ARGS__ })

/* Counters for the report. */
extern int th_checks, th_failures;
#define TH_CHECK(cond, ...)                                                    \
  do {                                                                         \
    th_checks++;                                                               \
    if (!(cond)) {                                                             \
      th_failures++;                                                           \
      fprintf (stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                    \
      fprintf (stderr, __VA_ARGS__);                                           \
      fputc ('\n', stderr);                                                    \
    }                                                                          \
  } while (0)

#endif /* TH_HARNESS_H */

/* Builds small ONNX models in memory for loader tests, through the same
 * protobuf-c code the loader uses, so each validation rule can be hit with
 * exactly one thing wrong. Everything is freed by mb_free(). */
#ifndef TESTS_NN_BUILDER_H
#define TESTS_NN_BUILDER_H

#include "onnx-subset.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef struct mb mb;

mb *mb_new (int64_t ir_version, int64_t opset);
void mb_free (mb *b);

/* Graph input of FLOAT type; dims < 0 are written as a symbolic dim_param. */
Onnx__ValueInfoProto *mb_input (mb *b, const char *name, int ndim,
                                const int64_t *dims);
/* Names symbolic dimension `axis` of a graph input ("N" by default). */
void mb_dim_param (mb *b, Onnx__ValueInfoProto *vi, int axis, const char *name);
void mb_output (mb *b, const char *name);
/* FLOAT initializer filled with `fill` (or data when non-NULL). */
Onnx__TensorProto *mb_init_f (mb *b, const char *name, int ndim,
                              const int64_t *dims, const float *data,
                              float fill);
Onnx__TensorProto *mb_init_i64 (mb *b, const char *name, int ndim,
                                const int64_t *dims, const int64_t *data);
/* Node with inputs/outputs given as NULL-terminated lists of names. */
Onnx__NodeProto *mb_node (mb *b, const char *op, const char *name,
                          const char *const *inputs,
                          const char *const *outputs);
void mb_attr_i (mb *b, Onnx__NodeProto *n, const char *name, int64_t v);
void mb_attr_f (mb *b, Onnx__NodeProto *n, const char *name, float v);
void mb_attr_ints (mb *b, Onnx__NodeProto *n, const char *name, int count,
                   const int64_t *v);
void mb_attr_s (mb *b, Onnx__NodeProto *n, const char *name, const char *v);
void mb_meta (mb *b, const char *key, const char *value);

Onnx__ModelProto *mb_model (mb *b);
/* Packed bytes, owned by the builder. */
const uint8_t *mb_pack (mb *b, size_t *size);

/* The seed CNN (1x1x28x28 -> 10 probabilities) with seeded random weights;
 * its Relus and Flatten exercise fusion and aliasing. */
mb *mb_seed_cnn (uint32_t seed);

#endif /* TESTS_NN_BUILDER_H */

/* One ONNX node test: a folder holding model.onnx and test_data_set_N/
 * with input_K.pb and output_K.pb (serialized TensorProto). */
#ifndef CONFORMANCE_NODE_CASE_H
#define CONFORMANCE_NODE_CASE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum case_result {
  CASE_PASS = 0,
  CASE_FAIL = 1,
  CASE_UNSUPPORTED = 2
} case_result;

/* Tolerances of the comparison: |got - want| <= atol + rtol * |want|. */
#define CASE_RTOL 1e-3
#define CASE_ATOL 1e-5

/* One value against its expected value: within the tolerances, NaN for
 * NaN, an infinity for the same infinity. */
bool node_case_close_enough (float got, float want);

/* Loads the model in `dir` with every int64 or rank-0 graph input bound as
 * a constant (and, when the engine says an operator needs an input before
 * the first run, every input but the first), feeds the other inputs, runs
 * and compares each output, for every data set. Returns the verdict and, for
 * anything but a pass, the reason in `msg`. */
case_result node_case_run (const char *dir, char *msg, size_t msg_size);

#endif /* CONFORMANCE_NODE_CASE_H */

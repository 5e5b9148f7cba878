/* libFuzzer target: bytes -> load -> plan -> one run on zeros.
 * Three loading modes: the image classifier's, the general one (any
 * inputs, any types), and the checker's (report mode, symbolic height and
 * width bound to the defaults), so binding, shape folding and every
 * operator's plan are reached. A model left with symbolic dimensions is
 * planned once more with each of them bound to 2. */
#include "nn/nn.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Told what became of each model that loads (cost.c, the cost check);
 * nothing in the fuzzer and the replay. */
void fuzz_onnx_observe (const nn_model *m, unsigned flags, int ran)
    __attribute__ ((weak));

static void
ignore (void *data, nn_status status, const char *message)
{
  (void)data, (void)status, (void)message;
}

/* Zeros in every input, then one run; whether it ran. */
static int
run_session (nn_model *m, const nn_session_options *so)
{
  nn_session *s = NULL;
  nn_error e;
  if (nn_session_create (m, so, &s, &e) != NN_OK)
    return 0;
  if (nn_session_flops (s) >= 5e7) {
    nn_session_free (s);
    return 0;
  }
  for (size_t i = 0; i < nn_session_n_inputs (s); i++) {
    const nn_tensor_info *info = nn_session_input_info (s, i);
    memset (nn_session_input_data (s, i), 0,
            info->count * nn_dtype_size (info->dtype));
  }
  nn_session_run (s, &e);
  nn_session_free (s);
  return 1;
}

static void
try_load (const uint8_t *data, size_t size, unsigned flags, bool report)
{
  int ran = 0;
  nn_load_options opts = { 0 };
  nn_model *m = NULL;
  nn_error e;
  /* Keep each input's work bounded: tiny caps on what a model may ask for. */
  opts.flags = flags;
  opts.max_file_bytes = 1 << 20;
  if (report)
    opts.report = ignore;
  if (nn_model_load_memory (data, size, &opts, &m, &e) != NN_OK)
    return;
  if (nn_model_flops (m) < 5e7 && nn_model_session_bytes (m) < (64u << 20)) {
    if (nn_model_n_nodes (m) > 0 || nn_model_flops (m) > 0)
      ran = run_session (m, NULL);
    else {
      /* Symbolic dimensions nothing bound: 2 each, at most 8 inputs. */
      nn_input_shape shapes[8];
      nn_session_options so = { 0 };
      size_t n = nn_model_n_inputs (m) < 8 ? nn_model_n_inputs (m) : 8;
      for (size_t i = 0; i < n; i++) {
        const nn_tensor_info *info = nn_model_input (m, i);
        shapes[i].name = info->name;
        shapes[i].ndim = info->ndim;
        for (int d = 0; d < info->ndim; d++)
          shapes[i].dims[d] = info->dims[d] < 0 ? 2 : info->dims[d];
      }
      so.shapes = shapes;
      so.n_shapes = n;
      so.max_bytes = 64u << 20;
      ran = run_session (m, &so);
    }
  }
  if (fuzz_onnx_observe)
    fuzz_onnx_observe (m, flags, ran);
  nn_model_unref (m);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  try_load (data, size, 0, false);
  try_load (data, size, NN_LOAD_GENERAL, false);
  try_load (data, size, NN_LOAD_GENERAL | NN_LOAD_DEFAULT_SIZE, true);
  return 0;
}

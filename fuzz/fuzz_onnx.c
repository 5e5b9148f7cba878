/* libFuzzer target: bytes -> load -> plan -> one run on zeros.
 * Both loading modes, so the general path (any inputs) is covered too. */
#include "nn/nn.h"

#include <stdint.h>
#include <string.h>

/* Told what became of each model that loads (cost.c, the cost check);
 * nothing in the fuzzer and the replay. */
void fuzz_onnx_observe (const nn_model *m, unsigned flags, int ran)
    __attribute__ ((weak));

static void
try_load (const uint8_t *data, size_t size, unsigned flags)
{
  int ran = 0;
  nn_load_options opts = { 0 };
  nn_model *m = NULL;
  nn_session *s = NULL;
  nn_error e;
  /* Keep each input's work bounded: tiny caps on what a model may ask for. */
  opts.flags = flags;
  opts.max_file_bytes = 1 << 20;
  if (nn_model_load_memory (data, size, &opts, &m, &e) != NN_OK)
    return;
  if (nn_model_flops (m) < 5e7 && nn_model_session_bytes (m) < (64u << 20)
      && nn_session_create (m, NULL, &s, &e) == NN_OK) {
    for (size_t i = 0; i < nn_session_n_inputs (s); i++)
      memset (nn_session_input (s, i), 0,
              nn_session_input_info (s, i)->count * sizeof (float));
    nn_session_run (s, &e);
    nn_session_free (s);
    ran = 1;
  }
  if (fuzz_onnx_observe)
    fuzz_onnx_observe (m, flags, ran);
  nn_model_unref (m);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  try_load (data, size, 0);
  try_load (data, size, NN_LOAD_GENERAL);
  return 0;
}

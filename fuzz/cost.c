/* What the onnx fuzz target makes of each input, for the cost check
 * (check_cost.py):
 *
 *   onnx-cost FILE...
 *
 * Each file goes through the target (fuzz_onnx.c) as the fuzzer would give
 * it; for every load that succeeds, one line
 *
 *   FILE MODE flops=F session_bytes=B ran=0|1
 *
 * MODE is "classifier" or "general", F the model's work estimate
 * (nn_model_flops), B nn_model_session_bytes, ran whether the target ran
 * the model (it skips those it deems too costly). */
#include "nn/nn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *current;

void
fuzz_onnx_observe (const nn_model *m, unsigned flags, int ran)
{
  printf ("%s %s flops=%.0f session_bytes=%zu ran=%d\n", current,
          flags & NN_LOAD_GENERAL ? "general" : "classifier",
          nn_model_flops (m), nn_model_session_bytes (m), ran);
}

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen (argv[i], "rb");
    uint8_t *data;
    long size;

    if (!f || fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0
        || fseek (f, 0, SEEK_SET) != 0
        || !(data = malloc (size ? (size_t)size : 1))
        || fread (data, 1, (size_t)size, f) != (size_t)size) {
      fprintf (stderr, "onnx-cost: cannot read %s\n", argv[i]);
      return 1;
    }
    fclose (f);
    current = argv[i];
    LLVMFuzzerTestOneInput (data, (size_t)size);
    fflush (stdout);
    free (data);
  }
  return 0;
}

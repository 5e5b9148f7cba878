/* libFuzzer target: the labels parser (labels files and the labels hint). */
#include "nn/hints.h"

#include <stdint.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char **labels = NULL;
  size_t n = 0;
  nn_error e;
  if (nn_labels_parse ((const char *)data, size, &labels, &n, &e) == NN_OK)
    nn_labels_free (labels, n);
  return 0;
}

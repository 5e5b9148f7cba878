/* libFuzzer target: metadata hints. Input = key, '\n', value; the key and
 * value are NUL-terminated copies, as the model loader hands them over. */
#include "nn/hints.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *buf = malloc (size + 1), *value;
  nn_hints hints;
  nn_preprocess_params params;
  nn_error e;
  if (!buf)
    return 0;
  memcpy (buf, data, size);
  buf[size] = '\0';
  value = memchr (buf, '\n', size);
  if (value)
    *value++ = '\0';
  else
    value = buf + size;
  nn_hints_init (&hints);
  if (nn_hints_parse_kv (&hints, buf, value, &e) == NN_OK) {
    nn_preprocess_params_init (&params, 28, 28, NN_COLOR_GRAY);
    nn_hints_apply (&hints, &params, &e);
  }
  nn_hints_clear (&hints);
  free (buf);
  return 0;
}

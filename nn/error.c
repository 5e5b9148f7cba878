/* nn_error filling and status names. */
#include "error.h"
#include "graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
nn_status_to_string (nn_status status)
{
  switch (status) {
  case NN_OK:
    return "ok";
  case NN_INVALID_ARG:
    return "invalid argument";
  case NN_NOMEM:
    return "out of memory";
  case NN_IO:
    return "i/o error";
  case NN_NOT_FOUND:
    return "not found";
  case NN_BAD_MODEL:
    return "bad model";
  case NN_UNSUPPORTED:
    return "unsupported";
  case NN_SHAPE:
    return "shape mismatch";
  case NN_INTERNAL:
    return "internal error";
  }
  return "unknown status";
}

nn_status
nn_fail (nn_error *err, nn_status status, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start (ap, fmt);
    err->status = status;
    vsnprintf (err->message, sizeof err->message, fmt, ap);
    va_end (ap);
  }
  return status;
}

nn_status
nn_fail_node (nn_error *err, nn_status status, const struct nn_node *node,
              const char *fmt, ...)
{
  if (err) {
    va_list ap;
    int n = snprintf (err->message, sizeof err->message,
                      "node '%s' (%s): ", node && node->name ? node->name : "",
                      node && node->op_type ? node->op_type : "?");
    if (n < 0)
      n = 0;
    if ((size_t)n < sizeof err->message) {
      va_start (ap, fmt);
      vsnprintf (err->message + n, sizeof err->message - n, fmt, ap);
      va_end (ap);
    }
    err->status = status;
  }
  return status;
}

void
nn_error_prefix (nn_error *err, const char *prefix)
{
  size_t plen, mlen, cap = sizeof err->message;
  if (!err || !prefix)
    return;
  plen = strlen (prefix) + 2;
  if (plen >= cap)
    return;
  mlen = strnlen (err->message, cap - 1);
  if (mlen > cap - 1 - plen)
    mlen = cap - 1 - plen;
  memmove (err->message + plen, err->message, mlen);
  memcpy (err->message, prefix, plen - 2);
  err->message[plen - 2] = ':';
  err->message[plen - 1] = ' ';
  err->message[plen + mlen] = '\0';
}

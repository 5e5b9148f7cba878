/* Small JSON writers for the tools' --json output. */
#ifndef TOOLS_JSON_OUT_H
#define TOOLS_JSON_OUT_H

#include <math.h>
#include <stdio.h>

/* @s as a JSON string: quotes, backslashes and control characters escaped. */
static inline void
json_out_string (FILE *f, const char *s)
{
  fputc ('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf (f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf (f, "\\u%04x", *p);
    else
      fputc (*p, f);
  }
  fputc ('"', f);
}

/* @v in @fmt; null when it is not finite (JSON has no NaN or infinity). */
static inline void
json_out_number (FILE *f, double v, const char *fmt)
{
  if (isfinite (v))
    fprintf (f, fmt, v);
  else
    fputs ("null", f);
}

#endif

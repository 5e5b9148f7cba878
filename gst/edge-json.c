/* edgeclassify: JSON text for last-result and edgereport
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "edge-json.h"

#include <math.h>
#include <string.h>

void
edge_json_string (GString *out, const gchar *str)
{
  gchar *valid = NULL;

  if (str == NULL) {
    g_string_append (out, "null");
    return;
  }
  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *)str; *p; p++) {
    switch (*p) {
    case '"':
      g_string_append (out, "\\\"");
      break;
    case '\\':
      g_string_append (out, "\\\\");
      break;
    case '\n':
      g_string_append (out, "\\n");
      break;
    case '\r':
      g_string_append (out, "\\r");
      break;
    case '\t':
      g_string_append (out, "\\t");
      break;
    default:
      if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (gchar)*p);
      break;
    }
  }
  g_string_append_c (out, '"');
  g_free (valid);
}

void
edge_json_double (GString *out, gdouble d)
{
  static const gchar *const formats[] = { "%.15g", "%.16g", "%.17g" };
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d)) {
    g_string_append (out, "null");
    return;
  }
  /* the shortest of these that reads back as @d (15 digits always do when
   * anything shorter does), as edgeclassify's last-result writes it */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_ascii_formatd (buf, sizeof (buf), formats[i], d);
    if (g_ascii_strtod (buf, NULL) == d)
      break;
  }
  g_string_append (out, buf);
  if (strpbrk (buf, ".e") == NULL)
    g_string_append (out, ".0"); /* still a double to typed readers */
}

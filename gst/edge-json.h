/* edgeclassify: JSON text for last-result and edgereport
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __EDGE_JSON_H__
#define __EDGE_JSON_H__

#include <glib.h>

G_BEGIN_DECLS

/* The one writer of JSON strings and numbers for the plugin, so that
 * edgeclassify's last-result and edgereport's records spell the same
 * value the same way. */

/* A string literal, escaped; invalid UTF-8 made valid; NULL as null. */
void edge_json_string (GString *out, const gchar *str);

/* The shortest decimal that reads back as @d, with ".0" on whole numbers
 * (still a double to typed readers); NaN and infinities as null. */
void edge_json_double (GString *out, gdouble d);

G_END_DECLS
#endif /* __EDGE_JSON_H__ */

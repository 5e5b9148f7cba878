/* edgeclassify: edgereport's JSON-lines file output
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

#include "edgereport-output.h"

#include <errno.h>
#include <stdio.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_report_debug);
#define GST_CAT_DEFAULT gst_edge_report_debug

extern const EdgeOutputClass edge_output_file;

typedef struct {
  gchar *location;
} FileSettings;

static const EdgeProp file_props[] = {
  /**
   * GstEdgeReport:location:
   *
   * File that receives one JSON object a line, appended and flushed line
   * by line; "-" is the standard output. Unset: no file.
   */
  { "location", "File to append JSON lines to (\"-\": standard output)",
    EDGE_PROP_STRING, G_STRUCT_OFFSET (FileSettings, location) },
};

typedef struct {
  EdgeOutput base;
  FILE *file; /* stdout for "-" */
  gchar *location;
  guint64 written;
} FileOutput;

static gboolean
file_wanted (gconstpointer settings)
{
  return ((const FileSettings *)settings)->location != NULL;
}

static EdgeOutput *
file_open (GstElement *element, gconstpointer settings)
{
  const FileSettings *s = settings;
  FileOutput *f
      = edge_output_new (&edge_output_file, sizeof (FileOutput), element);

  f->location = g_strdup (s->location);
  if (g_strcmp0 (f->location, "-") == 0)
    f->file = stdout;
  else if ((f->file = fopen (f->location, "a")) == NULL)
    goto open_failed;
  return &f->base;

  /* ERRORS */
open_failed : {
  GST_ELEMENT_ERROR (element, RESOURCE, OPEN_WRITE,
                     ("Could not open file \"%s\" for writing.", f->location),
                     GST_ERROR_SYSTEM);
  g_free (f->location);
  edge_output_free (&f->base);
  return NULL;
}
}

static GstFlowReturn
file_write_result (EdgeOutput *out, const EdgeRecord *record)
{
  FileOutput *f = (FileOutput *)out;

  if (fwrite (record->line, 1, record->len, f->file) != record->len
      || fputc ('\n', f->file) == EOF || fflush (f->file) != 0)
    goto write_failed;
  f->written++;
  return GST_FLOW_OK;

  /* ERRORS */
write_failed : {
  GST_ELEMENT_ERROR (out->element, RESOURCE, WRITE,
                     ("Could not write to file \"%s\".", f->location),
                     GST_ERROR_SYSTEM);
  return GST_FLOW_ERROR;
}
}

static void
file_close (EdgeOutput *out)
{
  FileOutput *f = (FileOutput *)out;

  if (f->file != stdout)
    fclose (f->file);
  else
    fflush (f->file);
  g_free (f->location);
}

static void
file_stats (EdgeOutput *out, EdgeOutputStats *stats)
{
  stats->written = ((FileOutput *)out)->written;
}

const EdgeOutputClass edge_output_file = {
  .name = "file",
  .settings_size = sizeof (FileSettings),
  .props = file_props,
  .n_props = G_N_ELEMENTS (file_props),
  .wanted = file_wanted,
  .open = file_open,
  .write_result = file_write_result,
  .close = file_close,
  .stats = file_stats,
};

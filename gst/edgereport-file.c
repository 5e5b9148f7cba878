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
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

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
   * File that receives one JSON object a line, appended line by line with
   * one write() each (no fsync); "-" is the standard output. A line that
   * could not be written whole is cut off again, and a file that does not
   * end with a newline gets one before the first line. Unset: no file.
   */
  { "location", "File to append JSON lines to (\"-\": standard output)",
    EDGE_PROP_STRING, G_STRUCT_OFFSET (FileSettings, location) },
};

typedef struct {
  EdgeOutput base;
  gchar *location;
  gint fd;          /* STDOUT_FILENO for "-" */
  gboolean regular; /* a regular file: a failed write is cut back */
  gboolean newline; /* the file ends without one: write one first */
  off_t size;       /* where our next line starts */
  GString *buf;     /* the line being written */
  guint64 written;  /* lines (base lock) */
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
  struct stat st;
  gchar last;

  f->location = g_strdup (s->location);
  if (g_strcmp0 (f->location, "-") == 0)
    f->fd = STDOUT_FILENO;
  else
    /* read too: the last byte says whether a line was cut off */
    f->fd = open (f->location, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (f->fd < 0 && errno == EACCES)
    f->fd = open (f->location, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (f->fd < 0)
    goto open_failed;
  if (fstat (f->fd, &st) == 0 && S_ISREG (st.st_mode)
      && f->fd != STDOUT_FILENO) {
    f->regular = TRUE;
    f->size = st.st_size;
    /* a line cut off by an earlier run: ours start on a line of their own */
    f->newline = st.st_size > 0 && pread (f->fd, &last, 1, st.st_size - 1) == 1
                 && last != '\n';
    if (f->newline)
      GST_WARNING_OBJECT (element, "%s does not end with a newline",
                          f->location);
  }
  f->buf = g_string_sized_new (1024);
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

/* Writes all of @len bytes; FALSE with errno set otherwise */
static gboolean
write_all (gint fd, const gchar *data, gsize len)
{
  while (len > 0) {
    gssize n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return FALSE;
    }
    data += n;
    len -= n;
  }
  return TRUE;
}

static GstFlowReturn
file_write_result (EdgeOutput *out, const EdgeRecord *record)
{
  FileOutput *f = (FileOutput *)out;
  gint err;

  g_string_truncate (f->buf, 0);
  if (f->newline)
    g_string_append_c (f->buf, '\n');
  g_string_append_len (f->buf, record->line, record->len);
  g_string_append_c (f->buf, '\n');
  if (!write_all (f->fd, f->buf->str, f->buf->len))
    goto write_failed;
  f->size += f->buf->len;
  f->newline = FALSE;
  g_mutex_lock (&out->lock);
  f->written++;
  g_mutex_unlock (&out->lock);
  return GST_FLOW_OK;

  /* ERRORS */
write_failed : {
  err = errno;
  /* no half line left for the next reader, or the next run, to trip on */
  if (f->regular && ftruncate (f->fd, f->size) != 0)
    GST_WARNING_OBJECT (
        out->element, "could not cut %s back to %" G_GINT64_FORMAT " bytes: %s",
        f->location, (gint64)f->size, g_strerror (errno));
  GST_ELEMENT_ERROR (
      out->element, RESOURCE, WRITE,
      ("Could not write to file \"%s\": %s.", f->location, g_strerror (err)),
      ("write(): %s", g_strerror (err)));
  return GST_FLOW_ERROR;
}
}

static void
file_close (EdgeOutput *out)
{
  FileOutput *f = (FileOutput *)out;

  if (f->fd != STDOUT_FILENO)
    close (f->fd);
  g_string_free (f->buf, TRUE);
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

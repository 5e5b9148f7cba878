/* edgeclassify: edgereport's on-disk spool
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

#include "edgereport-spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

GST_DEBUG_CATEGORY_EXTERN (gst_edge_report_debug);
#define GST_CAT_DEFAULT gst_edge_report_debug

#define SYNC_INTERVAL G_TIME_SPAN_SECOND
#define ACK_INTERVAL (250 * G_TIME_SPAN_MILLISECOND)
#define READ_CHUNK (64 * 1024)
#define SEGMENT_MIN (4 * 1024)
#define SEGMENT_MAX (4 * 1024 * 1024)
#define SEGMENT_SUFFIX ".jsonl"
#define SEGMENT_DIGITS 20
#define ID_DIGITS 12

typedef struct {
  guint64 seq;
  guint64 size;
} Segment;

struct _EdgeSpool {
  gchar *dir;
  gchar id[ID_DIGITS + 1];
  gint lock_fd;
  guint64 max_bytes;   /* of records waiting */
  guint64 segment_max; /* a segment is closed past this size */

  GArray *segments;   /* of Segment, oldest first, never empty */
  guint64 total;      /* bytes in all segments */
  gint write_fd;      /* of the last segment */
  EdgeSpoolPos acked; /* acked.segment is the first segment's */
  EdgeSpoolPos cursor;
  guint64 records; /* waiting */
  guint64 recovered;

  /* what was read last: bytes of segment rbuf_seq from rbuf_off */
  gint read_fd;
  guint64 read_seq;
  GByteArray *rbuf;
  guint64 rbuf_off;

  GString *line; /* a record and its newline, written at once */
  gboolean dirty, ack_dirty;
  gint64 last_sync, last_ack;
};

#define SEG(s, i) (&g_array_index ((s)->segments, Segment, (i)))
#define LAST(s) SEG ((s), (s)->segments->len - 1)

static gchar *
segment_path (EdgeSpool *s, guint64 seq)
{
  gchar name[SEGMENT_DIGITS + sizeof (SEGMENT_SUFFIX)];

  g_snprintf (name, sizeof (name), "%020" G_GUINT64_FORMAT SEGMENT_SUFFIX, seq);
  return g_build_filename (s->dir, name, NULL);
}

static void
remove_segment (EdgeSpool *s, guint64 seq)
{
  gchar *path = segment_path (s, seq);

  if (g_unlink (path) != 0)
    GST_WARNING ("could not remove %s: %s", path, g_strerror (errno));
  g_free (path);
}

static gint
compare_seq (gconstpointer a, gconstpointer b)
{
  const Segment *x = a, *y = b;

  return x->seq < y->seq ? -1 : x->seq > y->seq;
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

static gboolean
open_write_segment (EdgeSpool *s, GError **error)
{
  gchar *path = segment_path (s, LAST (s)->seq);

  s->write_fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (s->write_fd < 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                 "Could not write in the spool folder \"%s\": %s.", s->dir,
                 g_strerror (errno));
  }
  g_free (path);
  return s->write_fd >= 0;
}

/* Bytes up to and including the last newline of the segment at @path
 * (@size long): a line after it was cut off */
static guint64
whole_lines (const gchar *path, guint64 size)
{
  gint fd = open (path, O_RDONLY | O_CLOEXEC);
  gchar buf[4096];
  guint64 end = size;

  if (fd < 0)
    return size;
  while (end > 0) {
    gsize n = MIN (end, sizeof (buf));
    gssize got = pread (fd, buf, n, end - n);

    if (got != (gssize)n)
      break;
    for (gsize i = n; i > 0; i--)
      if (buf[i - 1] == '\n') {
        close (fd);
        return end - n + i;
      }
    end -= n;
  }
  close (fd);
  return end;
}

/* Newlines in @path from @offset on */
static guint64
count_lines (const gchar *path, guint64 offset)
{
  gint fd = open (path, O_RDONLY | O_CLOEXEC);
  gchar buf[READ_CHUNK];
  guint64 lines = 0;
  gssize n;

  if (fd < 0)
    return 0;
  while ((n = pread (fd, buf, sizeof (buf), offset)) > 0) {
    for (gssize i = 0; i < n; i++)
      lines += buf[i] == '\n';
    offset += n;
  }
  close (fd);
  return lines;
}

static void
read_acked (EdgeSpool *s)
{
  gchar *path = g_build_filename (s->dir, "acked", NULL), *text = NULL;
  guint64 seq, offset;

  if (g_file_get_contents (path, &text, NULL, NULL)
      && sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &seq,
                 &offset)
             == 2) {
    s->acked.segment = seq;
    s->acked.offset = offset;
  }
  g_free (text);
  g_free (path);
}

static gboolean
valid_id (const gchar *text)
{
  for (guint i = 0; i < ID_DIGITS; i++)
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  return text[ID_DIGITS] == '\0' || text[ID_DIGITS] == '\n';
}

/* The id kept in the folder, or a new one written there */
static gboolean
read_id (EdgeSpool *s, GError **error)
{
  gchar *path = g_build_filename (s->dir, "id", NULL), *text = NULL;
  GError *err = NULL;
  gboolean ok = TRUE;

  if (g_file_get_contents (path, &text, NULL, NULL) && valid_id (text)) {
    memcpy (s->id, text, ID_DIGITS);
    goto done;
  }
  if (text)
    GST_WARNING ("%s is not an id: making a new one", path);
  for (guint i = 0; i < ID_DIGITS; i++)
    s->id[i] = "0123456789abcdef"[g_random_int_range (0, 16)];
  g_free (text);
  text = g_strconcat (s->id, "\n", NULL);
  if (!g_file_set_contents (path, text, -1, &err)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                 "Could not write in the spool folder \"%s\": %s.", s->dir,
                 err->message);
    g_clear_error (&err);
    ok = FALSE;
  }
done:
  s->id[ID_DIGITS] = '\0';
  g_free (text);
  g_free (path);
  return ok;
}

/* The segments on disk, from the acknowledged one on */
static void
scan_segments (EdgeSpool *s)
{
  GDir *dir = g_dir_open (s->dir, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    Segment seg = { 0 };
    gchar *end = NULL, *path;
    struct stat st;

    if (strlen (name) != SEGMENT_DIGITS + strlen (SEGMENT_SUFFIX)
        || !g_ascii_isdigit (name[0]))
      continue;
    seg.seq = g_ascii_strtoull (name, &end, 10);
    if (end != name + SEGMENT_DIGITS || strcmp (end, SEGMENT_SUFFIX) != 0)
      continue;
    if (seg.seq < s->acked.segment) {
      remove_segment (s, seg.seq);
      continue;
    }
    path = g_build_filename (s->dir, name, NULL);
    if (g_stat (path, &st) == 0)
      seg.size = st.st_size;
    g_free (path);
    g_array_append_val (s->segments, seg);
  }
  if (dir)
    g_dir_close (dir);
  g_array_sort (s->segments, compare_seq);
}

/* Makes the acknowledged offset, the last segment's tail and the counts
 * agree with what is on disk */
static void
recover (EdgeSpool *s)
{
  gchar *path;

  if (s->segments->len == 0) {
    Segment seg = { MAX (s->acked.segment, 1), 0 };
    g_array_append_val (s->segments, seg);
  }
  if (SEG (s, 0)->seq != s->acked.segment
      || s->acked.offset > SEG (s, 0)->size) {
    s->acked.segment = SEG (s, 0)->seq;
    s->acked.offset = 0;
  }
  path = segment_path (s, s->acked.segment);
  if (s->acked.offset > 0
      && whole_lines (path, s->acked.offset) != s->acked.offset)
    s->acked.offset = 0; /* not at a line's start: from the top */
  g_free (path);

  path = segment_path (s, LAST (s)->seq);
  if (LAST (s)->size > 0) {
    guint64 whole = whole_lines (path, LAST (s)->size);
    if (whole != LAST (s)->size) {
      GST_WARNING ("%s: removing %" G_GUINT64_FORMAT
                   " bytes of a record cut off",
                   path, LAST (s)->size - whole);
      if (truncate (path, whole) == 0)
        LAST (s)->size = whole;
    }
  }
  g_free (path);

  for (guint i = 0; i < s->segments->len; i++) {
    path = segment_path (s, SEG (s, i)->seq);
    s->records += count_lines (path, i == 0 ? s->acked.offset : 0);
    s->total += SEG (s, i)->size;
    g_free (path);
  }
  s->recovered = s->records;
  s->cursor = s->acked;
}

EdgeSpool *
edge_spool_open (const gchar *dir, guint64 max_bytes, GError **error)
{
  EdgeSpool *s = g_new0 (EdgeSpool, 1);
  gchar *lock_path;

  s->dir = g_strdup (dir);
  s->max_bytes = max_bytes;
  s->segment_max = CLAMP (max_bytes / 8, SEGMENT_MIN, SEGMENT_MAX);
  s->segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  s->rbuf = g_byte_array_new ();
  s->line = g_string_new (NULL);
  s->write_fd = s->read_fd = s->lock_fd = -1;

  if (g_mkdir_with_parents (dir, 0700) != 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                 "Could not create the spool folder \"%s\": %s.", dir,
                 g_strerror (errno));
    goto failed;
  }
  lock_path = g_build_filename (dir, "lock", NULL);
  s->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_free (lock_path);
  if (s->lock_fd < 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                 "Could not write in the spool folder \"%s\": %s.", dir,
                 g_strerror (errno));
    goto failed;
  }
  if (flock (s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
                 "The spool folder \"%s\" is in use by another edgereport.",
                 dir);
    goto failed;
  }

  if (!read_id (s, error))
    goto failed;
  read_acked (s);
  scan_segments (s);
  recover (s);
  if (!open_write_segment (s, error))
    goto failed;
  GST_INFO ("spool %s: %" G_GUINT64_FORMAT " records (%" G_GUINT64_FORMAT
            " bytes) waiting in %u segments",
            dir, s->records, edge_spool_bytes (s), s->segments->len);
  return s;

failed:
  edge_spool_close (s);
  return NULL;
}

void
edge_spool_close (EdgeSpool *s)
{
  if (s->write_fd >= 0) {
    edge_spool_sync (s, TRUE);
    close (s->write_fd);
  }
  if (s->read_fd >= 0)
    close (s->read_fd);
  if (s->lock_fd >= 0)
    close (s->lock_fd); /* and with it the lock */
  g_array_unref (s->segments);
  g_byte_array_unref (s->rbuf);
  g_string_free (s->line, TRUE);
  g_free (s->dir);
  g_free (s);
}

/* Starts a new segment after the last one */
static gboolean
roll (EdgeSpool *s, GError **error)
{
  Segment seg = { LAST (s)->seq + 1, 0 };

  if (s->dirty && fdatasync (s->write_fd) != 0)
    GST_WARNING ("fdatasync: %s", g_strerror (errno));
  s->dirty = FALSE;
  close (s->write_fd);
  g_array_append_val (s->segments, seg);
  return open_write_segment (s, error);
}

EdgeSpoolResult
edge_spool_append (EdgeSpool *s, const gchar *data, gsize len, GError **error)
{
  guint64 need = len + 1;

  if (edge_spool_bytes (s) + need > s->max_bytes)
    return EDGE_SPOOL_FULL;
  if (LAST (s)->size > 0 && LAST (s)->size + need > s->segment_max
      && !roll (s, error))
    return EDGE_SPOOL_ERROR;
  if (s->write_fd < 0 && !open_write_segment (s, error))
    return EDGE_SPOOL_ERROR;
  g_string_truncate (s->line, 0);
  g_string_append_len (s->line, data, len);
  g_string_append_c (s->line, '\n');
  if (!write_all (s->write_fd, s->line->str, s->line->len))
    goto write_failed;
  LAST (s)->size += need;
  s->total += need;
  s->records++;
  s->dirty = TRUE;
  return EDGE_SPOOL_OK;

  /* ERRORS */
write_failed : {
  gint err = errno;

  if (ftruncate (s->write_fd, LAST (s)->size) != 0)
    GST_WARNING ("could not cut the spool back: %s", g_strerror (errno));
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
               "Could not write to the spool folder \"%s\": %s.", s->dir,
               g_strerror (err));
  return EDGE_SPOOL_ERROR;
}
}

/* Fills the read buffer with at least @want bytes of segment @seq from
 * @offset (fewer at its end) */
static gboolean
fill (EdgeSpool *s, guint64 seq, guint64 offset, gsize want)
{
  gssize n;

  if (s->read_fd < 0 || s->read_seq != seq) {
    gchar *path = segment_path (s, seq);

    if (s->read_fd >= 0)
      close (s->read_fd);
    s->read_fd = open (path, O_RDONLY | O_CLOEXEC);
    s->read_seq = seq;
    g_free (path);
    if (s->read_fd < 0)
      return FALSE;
  }
  g_byte_array_set_size (s->rbuf, want);
  do
    n = pread (s->read_fd, s->rbuf->data, want, offset);
  while (n < 0 && errno == EINTR);
  g_byte_array_set_size (s->rbuf, MAX (n, 0));
  s->rbuf_off = offset;
  return n > 0;
}

GBytes *
edge_spool_read (EdgeSpool *s, EdgeSpoolPos *end)
{
  gsize want = READ_CHUNK;

  for (;;) {
    Segment *seg = NULL;
    guint i;
    guint8 *start, *nl;
    gsize avail;

    for (i = 0; i < s->segments->len; i++)
      if ((seg = SEG (s, i))->seq >= s->cursor.segment)
        break;
    if (i == s->segments->len)
      return NULL;
    if (seg->seq != s->cursor.segment) {
      /* the cursor's segment was removed, all of it delivered */
      s->cursor.segment = seg->seq;
      s->cursor.offset = 0;
    }
    if (s->cursor.offset >= seg->size) {
      if (i + 1 == s->segments->len)
        return NULL;
      s->cursor.segment = SEG (s, i + 1)->seq;
      s->cursor.offset = 0;
      continue;
    }
    if (s->read_seq != seg->seq || s->read_fd < 0
        || s->cursor.offset < s->rbuf_off
        || s->cursor.offset >= s->rbuf_off + s->rbuf->len) {
      if (!fill (s, seg->seq, s->cursor.offset, want))
        goto skip;
    }
    start = s->rbuf->data + (s->cursor.offset - s->rbuf_off);
    avail = s->rbuf->len - (s->cursor.offset - s->rbuf_off);
    nl = memchr (start, '\n', avail);
    if (nl == NULL) {
      if (s->cursor.offset + avail < seg->size) {
        /* a line longer than what was read: read more */
        want = MAX (want * 2, avail * 2);
        if (!fill (s, seg->seq, s->cursor.offset, want))
          goto skip;
        continue;
      }
      goto skip;
    }
    end->segment = seg->seq;
    end->offset = s->cursor.offset + (nl - start) + 1;
    s->cursor = *end;
    return g_bytes_new (start, nl - start);

  skip:
    /* unreadable, or no newline up to the end: nothing more here */
    GST_WARNING (
        "spool %s: skipping the unreadable end of segment %" G_GUINT64_FORMAT,
        s->dir, seg->seq);
    s->cursor.offset = seg->size;
    g_byte_array_set_size (s->rbuf, 0);
  }
}

void
edge_spool_rewind (EdgeSpool *s)
{
  s->cursor = s->acked;
}

void
edge_spool_ack (EdgeSpool *s, const EdgeSpoolPos *end)
{
  s->acked = *end;
  if (s->records > 0)
    s->records--;
  /* drop the segments delivered whole, but the one written to */
  while (s->segments->len > 1
         && (SEG (s, 0)->seq < s->acked.segment
             || (SEG (s, 0)->seq == s->acked.segment
                 && s->acked.offset >= SEG (s, 0)->size))) {
    remove_segment (s, SEG (s, 0)->seq);
    s->total -= SEG (s, 0)->size;
    g_array_remove_index (s->segments, 0);
    if (SEG (s, 0)->seq > s->acked.segment) {
      s->acked.segment = SEG (s, 0)->seq;
      s->acked.offset = 0;
    }
  }
  /* all delivered and the last segment full: start afresh */
  if (s->segments->len == 1 && s->acked.offset >= LAST (s)->size
      && LAST (s)->size >= s->segment_max) {
    guint64 old = LAST (s)->seq;

    if (roll (s, NULL)) {
      remove_segment (s, old);
      s->total -= SEG (s, 0)->size;
      g_array_remove_index (s->segments, 0);
      s->acked.segment = s->cursor.segment = LAST (s)->seq;
      s->acked.offset = s->cursor.offset = 0;
    }
  }
  s->ack_dirty = TRUE;
}

void
edge_spool_sync (EdgeSpool *s, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (s->dirty && (force || now - s->last_sync >= SYNC_INTERVAL)) {
    if (fdatasync (s->write_fd) != 0)
      GST_WARNING ("fdatasync: %s", g_strerror (errno));
    s->dirty = FALSE;
    s->last_sync = now;
  }
  if (s->ack_dirty && (force || now - s->last_ack >= ACK_INTERVAL)) {
    gchar *path = g_build_filename (s->dir, "acked", NULL);
    gchar *tmp = g_strconcat (path, ".new", NULL);
    gchar text[64];
    gint fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    gint len = g_snprintf (text, sizeof (text),
                           "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                           s->acked.segment, s->acked.offset);
    gboolean ok = fd >= 0 && write_all (fd, text, len);

    if (fd >= 0)
      close (fd);
    if (!ok || g_rename (tmp, path) != 0)
      GST_WARNING ("could not write %s: %s", path, g_strerror (errno));
    s->ack_dirty = FALSE;
    s->last_ack = now;
    g_free (tmp);
    g_free (path);
  }
}

guint64
edge_spool_records (EdgeSpool *s)
{
  return s->records;
}

guint64
edge_spool_bytes (EdgeSpool *s)
{
  return s->total - s->acked.offset;
}

guint64
edge_spool_recovered (EdgeSpool *s)
{
  return s->recovered;
}

const gchar *
edge_spool_id (EdgeSpool *s)
{
  return s->id;
}

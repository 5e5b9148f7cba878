/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* edgereport's spool on its own (gst/edgereport-spool.c): records come back
 * in order across segments and reopenings, acknowledged ones never again,
 * and what a crash leaves on disk (a cut line, a stale or broken "acked",
 * a lost segment, strangers in the folder) is dealt with as the header
 * says. The element's tests cover the spool behind MQTT. */

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include "edgereport-spool.h"

GST_DEBUG_CATEGORY (gst_edge_report_debug);

/* A fresh folder for one test */
static gchar *
fresh_dir (const gchar *name)
{
  const gchar *base = g_getenv ("EDGE_TEST_OUTPUT_DIR");
  gchar *dir = g_build_filename (base ? base : ".", "spool-unit", name, NULL);
  gchar *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  fail_unless (system (cmd) == 0);
  g_free (cmd);
  return dir;
}

/* Record @i: @len bytes, its number first */
static gchar *
record (guint i, gsize len)
{
  gchar *r = g_malloc (len + 1);

  memset (r, 'a' + i % 26, len);
  r[len] = '\0';
  g_snprintf (r, len, "%05u", i);
  r[5] = ':';
  return r;
}

static void
append_records (EdgeSpool *s, guint from, guint to, gsize len)
{
  for (guint i = from; i < to; i++) {
    gchar *r = record (i, len);
    GError *err = NULL;

    fail_unless_equals_int (edge_spool_append (s, r, len, &err), EDGE_SPOOL_OK);
    g_free (r);
  }
}

/* Reads the next record; checks it is record @i of @len bytes */
static void
expect_record (EdgeSpool *s, guint i, gsize len, EdgeSpoolPos *end)
{
  GBytes *b = edge_spool_read (s, end);
  gchar *want = record (i, len);
  gsize size;
  const gchar *data;

  fail_unless (b != NULL, "no record where %u should be", i);
  data = g_bytes_get_data (b, &size);
  fail_unless (size == len && memcmp (data, want, len) == 0,
               "expected record %u, got %.*s", i, (gint)MIN (size, 8), data);
  g_bytes_unref (b);
  g_free (want);
}

static void
expect_end (EdgeSpool *s)
{
  EdgeSpoolPos end;
  GBytes *b = edge_spool_read (s, &end);

  fail_unless (b == NULL, "a record more than expected");
}

/* Segment files in @dir */
static guint
segments (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint n = 0;

  fail_unless (d != NULL);
  while ((name = g_dir_read_name (d))) {
    guint digits = strspn (name, "0123456789");
    n += digits == 20 && strcmp (name + digits, ".jsonl") == 0;
  }
  g_dir_close (d);
  return n;
}

static gchar *
segment_file (const gchar *dir, guint64 seq)
{
  gchar name[32];

  g_snprintf (name, sizeof (name), "%020" G_GUINT64_FORMAT ".jsonl", seq);
  return g_build_filename (dir, name, NULL);
}

static EdgeSpool *
open_ok (const gchar *dir, guint64 max_bytes)
{
  GError *err = NULL;
  EdgeSpool *s = edge_spool_open (dir, max_bytes, &err);

  fail_unless (s != NULL, "%s", err ? err->message : "?");
  return s;
}

/* Records of 255 bytes (256 with the newline) in segments of 4096 bytes
 * (the least, for max_bytes 32 KiB): 16 a segment exactly. Read and
 * acknowledged as they come, in several sittings. */
GST_START_TEST (test_segments_in_order)
{
  gchar *dir = fresh_dir ("order");
  EdgeSpool *s = open_ok (dir, 32 * 1024);
  EdgeSpoolPos end;
  gchar *id = g_strdup (edge_spool_id (s));

  fail_unless_equals_int (strlen (id), 12);
  for (const gchar *c = id; *c; c++)
    fail_unless (g_ascii_isxdigit (*c) && !g_ascii_isupper (*c));
  fail_unless_equals_uint64 (edge_spool_recovered (s), 0);

  append_records (s, 0, 100, 255);
  fail_unless_equals_uint64 (edge_spool_records (s), 100);
  fail_unless_equals_uint64 (edge_spool_bytes (s), 100 * 256);
  fail_unless_equals_int (segments (dir), 7); /* 6 full, 4 records in one */

  /* read and acknowledge 40: the first two segments go */
  for (guint i = 0; i < 40; i++) {
    expect_record (s, i, 255, &end);
    edge_spool_ack (s, &end);
  }
  fail_unless_equals_uint64 (edge_spool_records (s), 60);
  fail_unless_equals_uint64 (edge_spool_bytes (s), 60 * 256);
  fail_unless_equals_int (segments (dir), 5);
  /* read 10 more without acknowledging them */
  for (guint i = 40; i < 50; i++)
    expect_record (s, i, 255, &end);
  edge_spool_close (s);

  /* reopened: the same id, and the 60 from where they were acknowledged */
  s = open_ok (dir, 32 * 1024);
  fail_unless_equals_string (edge_spool_id (s), id);
  fail_unless_equals_uint64 (edge_spool_recovered (s), 60);
  fail_unless_equals_uint64 (edge_spool_records (s), 60);
  for (guint i = 40; i < 100; i++) {
    expect_record (s, i, 255, &end);
    edge_spool_ack (s, &end);
  }
  expect_end (s);
  fail_unless_equals_uint64 (edge_spool_records (s), 0);
  fail_unless_equals_uint64 (edge_spool_bytes (s), 0);
  /* the last segment was not full: it stays, to be written on */
  fail_unless_equals_int (segments (dir), 1);

  /* filled exactly and all delivered: a fresh segment replaces it */
  append_records (s, 100, 112, 255);
  for (guint i = 100; i < 112; i++) {
    expect_record (s, i, 255, &end);
    edge_spool_ack (s, &end);
  }
  fail_unless_equals_int (segments (dir), 1);
  fail_unless_equals_uint64 (edge_spool_bytes (s), 0);
  append_records (s, 112, 113, 255);
  expect_record (s, 112, 255, &end);
  expect_end (s);
  edge_spool_close (s);
  g_free (id);
  g_free (dir);
}

GST_END_TEST;

/* Rewind goes back to the oldest record not acknowledged */
GST_START_TEST (test_rewind)
{
  gchar *dir = fresh_dir ("rewind");
  EdgeSpool *s = open_ok (dir, 1 << 20);
  EdgeSpoolPos end;

  append_records (s, 0, 5, 40);
  expect_record (s, 0, 40, &end);
  edge_spool_ack (s, &end);
  expect_record (s, 1, 40, &end);
  expect_record (s, 2, 40, &end);
  edge_spool_rewind (s);
  expect_record (s, 1, 40, &end);
  expect_record (s, 2, 40, &end);
  expect_record (s, 3, 40, &end);
  fail_unless_equals_uint64 (edge_spool_records (s), 4);
  edge_spool_close (s);
  g_free (dir);
}

GST_END_TEST;

/* A power loss mid-write leaves a line without its newline: it goes */
GST_START_TEST (test_cut_record)
{
  gchar *dir = fresh_dir ("cut");
  EdgeSpool *s = open_ok (dir, 1 << 20);
  gchar *seg = segment_file (dir, 1);
  EdgeSpoolPos end;
  FILE *f;
  GStatBuf st;

  append_records (s, 0, 3, 30);
  edge_spool_close (s);
  f = fopen (seg, "a");
  fputs ("{\"frame\":3,\"cut", f);
  fclose (f);

  s = open_ok (dir, 1 << 20);
  fail_unless_equals_uint64 (edge_spool_recovered (s), 3);
  fail_unless_equals_int (g_stat (seg, &st), 0);
  fail_unless_equals_int (st.st_size, 3 * 31);
  for (guint i = 0; i < 3; i++)
    expect_record (s, i, 30, &end);
  expect_end (s);
  /* and the next record is whole after them */
  append_records (s, 3, 4, 30);
  expect_record (s, 3, 30, &end);
  edge_spool_close (s);
  g_free (seg);
  g_free (dir);

  /* a cut line in a segment before the last (only the last is mended on
   * opening): the reader skips the rest of that segment */
  dir = fresh_dir ("cut-middle");
  seg = segment_file (dir, 1);
  s = open_ok (dir, 32 * 1024);
  append_records (s, 0, 20, 255); /* 16 in segment 1, 4 in segment 2 */
  edge_spool_close (s);
  f = fopen (seg, "a");
  fputs ("{\"frame\":20,\"cut", f);
  fclose (f);
  s = open_ok (dir, 32 * 1024);
  for (guint i = 0; i < 20; i++)
    expect_record (s, i, 255, &end);
  expect_end (s);
  edge_spool_close (s);
  g_free (seg);
  g_free (dir);
}

GST_END_TEST;

static void
write_acked (const gchar *dir, const gchar *text)
{
  gchar *path = g_build_filename (dir, "acked", NULL);

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

/* What "acked" may say after a crash, and what the spool makes of it */
GST_START_TEST (test_acked_file)
{
  gchar *dir = fresh_dir ("acked");
  EdgeSpool *s = open_ok (dir, 1 << 20);
  EdgeSpoolPos end;

  append_records (s, 0, 4, 30); /* lines of 31 bytes in segment 1 */
  edge_spool_close (s);

  /* at a line's start: from there */
  write_acked (dir, "1 62\n");
  s = open_ok (dir, 1 << 20);
  fail_unless_equals_uint64 (edge_spool_recovered (s), 2);
  expect_record (s, 2, 30, &end);
  edge_spool_close (s);

  /* inside a line, past the end, a segment before the first, or not
   * numbers: all of it again (at least once) */
  {
    const gchar *bad[] = { "1 40\n", "1 5000\n", "0 0\n", "garbage", "" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
      write_acked (dir, bad[i]);
      s = open_ok (dir, 1 << 20);
      fail_unless_equals_uint64 (edge_spool_recovered (s), 4);
      expect_record (s, 0, 30, &end);
      edge_spool_close (s);
    }
  }
  g_free (dir);
}

GST_END_TEST;

/* Files that are not segments stay; segments before the acknowledged one
 * are delivered and go; a segment lost under the reader is skipped */
GST_START_TEST (test_folder_contents)
{
  gchar *dir = fresh_dir ("contents");
  const gchar *strangers[] = { "notes.txt", "0000000000000000000x.jsonl",
                               "12.jsonl", "00000000000000000001.json" };
  gchar *old = segment_file (dir, 1), *seg2 = segment_file (dir, 2);
  EdgeSpool *s;
  EdgeSpoolPos end;

  g_mkdir_with_parents (dir, 0700);
  for (guint i = 0; i < G_N_ELEMENTS (strangers); i++) {
    gchar *p = g_build_filename (dir, strangers[i], NULL);
    fail_unless (g_file_set_contents (p, "x\n", -1, NULL));
    g_free (p);
  }
  fail_unless (g_file_set_contents (old, "delivered\n", -1, NULL));
  fail_unless (g_file_set_contents (seg2, "00000:waiting\n", -1, NULL));
  write_acked (dir, "2 0\n");

  s = open_ok (dir, 32 * 1024);
  fail_unless (!g_file_test (old, G_FILE_TEST_EXISTS));
  fail_unless_equals_uint64 (edge_spool_recovered (s), 1);
  {
    GBytes *b = edge_spool_read (s, &end);
    fail_unless (b != NULL);
    fail_unless_equals_int (g_bytes_get_size (b), 13);
    fail_unless (memcmp (g_bytes_get_data (b, NULL), "00000:waiting", 13) == 0);
    g_bytes_unref (b);
  }
  for (guint i = 0; i < G_N_ELEMENTS (strangers); i++) {
    gchar *p = g_build_filename (dir, strangers[i], NULL);
    fail_unless (g_file_test (p, G_FILE_TEST_EXISTS), "%s removed", p);
    g_free (p);
  }

  /* segment 2 holds one record; fill 3 and 4, then lose 3 */
  append_records (s, 1, 40, 255);
  fail_unless_equals_int (segments (dir), 3);
  {
    gchar *lost = segment_file (dir, 3);
    fail_unless_equals_int (g_unlink (lost), 0);
    g_free (lost);
  }
  /* segment 2 holds the first record and 1 to 15 (4096 bytes at most),
   * 3 held 16 to 31: reading skips it and goes on at segment 4 */
  for (guint i = 1; i < 16; i++)
    expect_record (s, i, 255, &end);
  expect_record (s, 32, 255, &end);
  edge_spool_close (s);
  g_free (old);
  g_free (seg2);
  g_free (dir);
}

GST_END_TEST;

/* Past max_bytes, records are refused, not appended; acknowledging makes
 * room again */
GST_START_TEST (test_full)
{
  gchar *dir = fresh_dir ("full");
  EdgeSpool *s = open_ok (dir, 1000);
  GError *err = NULL;
  EdgeSpoolPos end;
  gchar *r = record (99, 99);
  guint n = 0;

  while (edge_spool_append (s, r, 99, &err) == EDGE_SPOOL_OK)
    n++;
  fail_unless_equals_int (n, 10); /* 10 x 100 bytes */
  fail_unless (err == NULL);
  fail_unless_equals_uint64 (edge_spool_records (s), 10);
  fail_unless_equals_uint64 (edge_spool_bytes (s), 1000);
  fail_unless_equals_int (edge_spool_append (s, r, 1, &err), EDGE_SPOOL_FULL);
  g_bytes_unref (edge_spool_read (s, &end));
  edge_spool_ack (s, &end);
  fail_unless_equals_int (edge_spool_append (s, r, 99, &err), EDGE_SPOOL_OK);
  fail_unless_equals_uint64 (edge_spool_records (s), 10);
  edge_spool_close (s);
  g_free (r);
  g_free (dir);
}

GST_END_TEST;

/* A record longer than one read of the segment comes back whole */
GST_START_TEST (test_long_record)
{
  gchar *dir = fresh_dir ("long");
  EdgeSpool *s = open_ok (dir, 16 << 20);
  EdgeSpoolPos end;

  append_records (s, 0, 1, 20);
  append_records (s, 1, 2, 300000);
  append_records (s, 2, 3, 20);
  expect_record (s, 0, 20, &end);
  expect_record (s, 1, 300000, &end);
  expect_record (s, 2, 20, &end);
  expect_end (s);
  edge_spool_close (s);
  g_free (dir);
}

GST_END_TEST;

/* One user at a time; an id file that is not an id is replaced; a folder
 * that cannot be made is an error that says where */
GST_START_TEST (test_open_errors)
{
  gchar *dir = fresh_dir ("errors");
  gchar *id_path = g_build_filename (dir, "id", NULL);
  gchar *file = g_build_filename (dir, "a-file", NULL);
  gchar *under = g_build_filename (file, "spool", NULL);
  GError *err = NULL;
  EdgeSpool *s = open_ok (dir, 1 << 20), *other;
  gchar *text;

  other = edge_spool_open (dir, 1 << 20, &err);
  fail_unless (other == NULL);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY));
  fail_unless (strstr (err->message, "in use") != NULL, "%s", err->message);
  g_clear_error (&err);
  edge_spool_close (s);

  /* ids: 12 lowercase hex digits, a newline or not */
  {
    const gchar *bad[] = { "NOT-AN-ID!!!\n", "0123456789AB\n",
                           "0123456789abc\n", "0123456789a\n" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
      fail_unless (g_file_set_contents (id_path, bad[i], -1, NULL));
      s = open_ok (dir, 1 << 20);
      fail_unless (g_file_get_contents (id_path, &text, NULL, NULL));
      fail_unless_equals_int (strlen (text), 13);
      fail_unless (g_str_has_prefix (text, edge_spool_id (s)));
      fail_if (g_str_has_prefix (bad[i], edge_spool_id (s)));
      g_free (text);
      edge_spool_close (s);
    }
    fail_unless (g_file_set_contents (id_path, "0123456789ab", -1, NULL));
    s = open_ok (dir, 1 << 20);
    fail_unless_equals_string (edge_spool_id (s), "0123456789ab");
    edge_spool_close (s);
  }

  fail_unless (g_file_set_contents (file, "", -1, NULL));
  fail_unless (edge_spool_open (under, 1 << 20, &err) == NULL);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE));
  fail_unless (strstr (err->message, under) != NULL, "%s", err->message);
  g_clear_error (&err);
  g_free (under);
  g_free (file);
  g_free (id_path);
  g_free (dir);
}

GST_END_TEST;

/* A write the file system refuses (here: past the process's file size
 * limit, as on a full disk) fails the append, and what was written of the
 * record is cut back: the spool holds whole records only */
GST_START_TEST (test_write_refused)
{
  gchar *dir = fresh_dir ("refused");
  gchar *seg = segment_file (dir, 1);
  EdgeSpool *s = open_ok (dir, 1 << 20);
  struct rlimit old, small;
  GError *err = NULL;
  gchar *big = record (1, 400);
  EdgeSpoolPos end;
  GStatBuf st;
  gint limited, appended = -1, restored;

  append_records (s, 0, 1, 100);
  fail_unless_equals_int (getrlimit (RLIMIT_FSIZE, &old), 0);
  small = old;
  small.rlim_cur = 300; /* 101 bytes written, room for 199 more */
  signal (SIGXFSZ, SIG_IGN);
  /* The limit holds for every file of the process, the test framework's
   * own message file too: nothing is checked until it is lifted. */
  limited = setrlimit (RLIMIT_FSIZE, &small);
  if (limited == 0)
    appended = edge_spool_append (s, big, 400, &err);
  restored = setrlimit (RLIMIT_FSIZE, &old);
  fail_unless_equals_int (limited, 0);
  fail_unless_equals_int (restored, 0);
  fail_unless_equals_int (appended, EDGE_SPOOL_ERROR);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE));
  fail_unless (strstr (err->message, dir) != NULL, "%s", err->message);
  g_clear_error (&err);
  fail_unless_equals_int (g_stat (seg, &st), 0);
  fail_unless_equals_int (st.st_size, 101);
  fail_unless_equals_uint64 (edge_spool_records (s), 1);
  fail_unless_equals_uint64 (edge_spool_bytes (s), 101);

  /* and the next one goes in whole, right after the first */
  append_records (s, 2, 3, 100);
  expect_record (s, 0, 100, &end);
  expect_record (s, 2, 100, &end);
  expect_end (s);
  edge_spool_close (s);
  g_free (big);
  g_free (seg);
  g_free (dir);
}

GST_END_TEST;

/* Makes opening a new file fail (EMFILE) once @spare more are open
 * (-1: once one more is closed too); returns the old limit */
static struct rlimit
limit_files (gint spare)
{
  struct rlimit old, lim;
  gint fd = dup (0);

  fail_unless (fd >= 0);
  close (fd); /* the lowest free descriptor: all below are open */
  fail_unless_equals_int (getrlimit (RLIMIT_NOFILE, &old), 0);
  lim = old;
  lim.rlim_cur = (rlim_t)(fd + spare);
  fail_unless_equals_int (setrlimit (RLIMIT_NOFILE, &lim), 0);
  return old;
}

/* No descriptor left for the next segment: the append that needs it
 * fails and says where, the records already in stay, and once files can
 * be opened again the spool goes on. Opening the spool without
 * descriptors fails with an error naming the folder. */
GST_START_TEST (test_out_of_descriptors)
{
  gchar *dir = fresh_dir ("descriptors");
  EdgeSpool *s = open_ok (dir, 32 * 1024);
  struct rlimit old;
  GError *err = NULL;
  gchar *r = record (16, 255);
  EdgeSpoolPos end;

  append_records (s, 0, 16, 255); /* segment 1 full */
  /* (rolling closes the full segment's descriptor first) */
  old = limit_files (-1);
  fail_unless_equals_int (edge_spool_append (s, r, 255, &err),
                          EDGE_SPOOL_ERROR);
  fail_unless_equals_int (setrlimit (RLIMIT_NOFILE, &old), 0);
  fail_unless (
      g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE));
  fail_unless (strstr (err->message, dir) != NULL, "%s", err->message);
  g_clear_error (&err);
  fail_unless_equals_uint64 (edge_spool_records (s), 16);
  fail_unless_equals_int (edge_spool_append (s, r, 255, &err), EDGE_SPOOL_OK);
  for (guint i = 0; i < 17; i++)
    expect_record (s, i, 255, &end);
  expect_end (s);
  edge_spool_close (s);

  /* opening: no descriptor for the lock, then none for the id file */
  for (gint spare = 0; spare < 2; spare++) {
    gchar *sub = g_strdup_printf ("%s-%d", dir, spare);
    EdgeSpool *t;

    old = limit_files (spare);
    t = edge_spool_open (sub, 1 << 20, &err);
    fail_unless_equals_int (setrlimit (RLIMIT_NOFILE, &old), 0);
    fail_unless (t == NULL, "opened with %d spare descriptors", spare);
    fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
                                  GST_RESOURCE_ERROR_OPEN_WRITE),
                 "%d: %s", spare, err->message);
    fail_unless (strstr (err->message, sub) != NULL, "%s", err->message);
    g_clear_error (&err);
    g_free (sub);
  }
  g_free (r);
  g_free (dir);
}

GST_END_TEST;

static Suite *
spool_suite (void)
{
  Suite *s = suite_create ("edgereport-spool");
  TCase *tc = tcase_create ("general");

  GST_DEBUG_CATEGORY_INIT (gst_edge_report_debug, "edgereport", 0, "spool");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_segments_in_order);
  tcase_add_test (tc, test_rewind);
  tcase_add_test (tc, test_cut_record);
  tcase_add_test (tc, test_acked_file);
  tcase_add_test (tc, test_folder_contents);
  tcase_add_test (tc, test_full);
  tcase_add_test (tc, test_long_record);
  tcase_add_test (tc, test_open_errors);
  tcase_add_test (tc, test_write_refused);
  tcase_add_test (tc, test_out_of_descriptors);
  return s;
}

GST_CHECK_MAIN (spool);

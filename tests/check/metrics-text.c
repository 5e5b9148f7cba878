/* edgeclassify
 * Copyright (C) 2025 The edgeclassify authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The metrics text of the classifier's statistics (gst/edgeclassify-
 * stats.c) on its own: label values escaped as the exposition formats say
 * (backslash, double quote, line feed), numbers that read back exactly in
 * their canonical form, and the samples of a statistics object under the
 * names it was given. tests/python/test_metrics.py has Prometheus itself
 * scrape a running pipeline. */

#include <math.h>
#include <string.h>
#include <gst/check/gstcheck.h>

#include "edgeclassify-stats.h"

static gchar *
number (gdouble v)
{
  GString *out = g_string_new (NULL);

  ec_metrics_number (out, v);
  return g_string_free (out, FALSE);
}

GST_START_TEST (test_numbers)
{
  const struct {
    gdouble v;
    const gchar *text;
  } cases[] = {
    { 0.1, "0.1" }, /* not 0.10000000000000001: a bucket bound's label */
    { 10, "10.0" }, /* not 1e+01 */
    { 0, "0.0" },          { 1e15, "1000000000000000.0" },
    { 2.5e-7, "2.5e-07" }, { 1e16, "1e+16" },
    { -3.75, "-3.75" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *t = number (cases[i].v);
    fail_unless_equals_string (t, cases[i].text);
    fail_unless (g_ascii_strtod (t, NULL) == cases[i].v);
    g_free (t);
  }
  /* whatever the value, the text reads back as it */
  for (guint i = 0; i < 1000; i++) {
    gdouble v = g_random_double_range (-1e6, 1e6) * pow (10, i % 40 - 20);
    gchar *t = number (v);
    fail_unless (g_ascii_strtod (t, NULL) == v, "%s for %.17g", t, v);
    g_free (t);
  }
  {
    gchar *nan = number (NAN), *pinf = number (INFINITY),
          *ninf = number (-INFINITY);
    fail_unless_equals_string (nan, "NaN");
    fail_unless_equals_string (pinf, "+Inf");
    fail_unless_equals_string (ninf, "-Inf");
    g_free (nan);
    g_free (pinf);
    g_free (ninf);
  }
}

GST_END_TEST;

GST_START_TEST (test_label_values)
{
  GString *out = g_string_new (NULL);

  ec_metrics_label_value (out, "cam \"gate\" C:\\in\nnext");
  fail_unless_equals_string (out->str, "cam \\\"gate\\\" C:\\\\in\\nnext");
  g_string_truncate (out, 0);
  ec_metrics_label_value (out, NULL);
  fail_unless_equals_string (out->str, "");
  g_string_free (out, TRUE);
}

GST_END_TEST;

/* The samples of one statistics object: counters under _total, one
 * decision series per label, histogram buckets cumulative up to +Inf, all
 * under the element and stream names it has now */
GST_START_TEST (test_samples)
{
  EcStats *st = ec_stats_new ("old-name");
  GString *out = g_string_new (NULL);
  const gchar *labels = "{element=\"cls \\\"1\\\"\",stream=\"s\\\\1\"}";
  gchar *want;

  ec_stats_set_names (st, "cls \"1\"", "s\\1");
  for (guint i = 0; i < 5; i++)
    ec_stats_frame (st, TRUE, FALSE, 0.0);
  ec_stats_fresh (st, 1500.0, 20.0); /* us */
  ec_stats_fresh (st, 250000.0, 20.0);
  ec_stats_replaced (st);
  ec_stats_decision (st, "cat");
  ec_stats_decision (st, "cat");
  ec_stats_decision (st, "dog");
  ec_stats_render_metrics (out, EC_EXPOSITION_PROMETHEUS);

  fail_unless (strstr (out->str, "old-name") == NULL);
  want = g_strdup_printf ("\nedgeclassify_frames_total%s 5\n", labels);
  fail_unless (strstr (out->str, want) != NULL, "no %s in\n%s", want, out->str);
  g_free (want);
  want = g_strdup_printf ("\nedgeclassify_fresh_results_total%s 2\n", labels);
  fail_unless (strstr (out->str, want) != NULL, "no %s", want);
  g_free (want);
  want = g_strdup_printf ("\nedgeclassify_requests_replaced_total%s 1\n",
                          labels);
  fail_unless (strstr (out->str, want) != NULL, "no %s", want);
  g_free (want);
  fail_unless (strstr (out->str,
                       "edgeclassify_decisions_total{element=\"cls \\\"1\\\"\","
                       "stream=\"s\\\\1\",label=\"cat\"} 2\n")
               != NULL);
  fail_unless (strstr (out->str,
                       "edgeclassify_decisions_total{element=\"cls \\\"1\\\"\","
                       "stream=\"s\\\\1\",label=\"dog\"} 1\n")
               != NULL);
  /* two inferences: 1.5 ms and 250 ms, 0.2515 s in all */
  want = g_strdup_printf ("\nedgeclassify_inference_seconds_count%s 2\n",
                          labels);
  fail_unless (strstr (out->str, want) != NULL, "no %s", want);
  g_free (want);
  want = g_strdup_printf ("\nedgeclassify_inference_seconds_sum%s 0.2515\n",
                          labels);
  fail_unless (strstr (out->str, want) != NULL, "no %s", want);
  g_free (want);
  fail_unless (strstr (out->str, "# TYPE edgeclassify_frames_total counter\n")
               != NULL);
  /* buckets: cumulative, never falling, 2 at +Inf */
  {
    gchar **lines = g_strsplit (out->str, "\n", -1);
    guint64 last = 0, n = 0;
    for (gchar **l = lines; *l; l++) {
      if (!g_str_has_prefix (*l, "edgeclassify_inference_seconds_bucket"))
        continue;
      guint64 v = g_ascii_strtoull (strrchr (*l, ' ') + 1, NULL, 10);
      fail_unless (v >= last, "%s after %" G_GUINT64_FORMAT, *l, last);
      last = v;
      n++;
      if (strstr (*l, "le=\"+Inf\""))
        fail_unless_equals_uint64 (v, 2);
    }
    fail_unless (n > 5);
    g_strfreev (lines);
  }

  /* OpenMetrics: counter families are named without _total */
  g_string_truncate (out, 0);
  ec_stats_render_metrics (out, EC_EXPOSITION_OPENMETRICS);
  fail_unless (strstr (out->str, "# TYPE edgeclassify_frames counter\n")
               != NULL);
  g_string_free (out, TRUE);
  ec_stats_free (st);
}

GST_END_TEST;

static Suite *
metrics_text_suite (void)
{
  Suite *s = suite_create ("edgeclassify-metrics-text");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_numbers);
  tcase_add_test (tc, test_label_values);
  tcase_add_test (tc, test_samples);
  return s;
}

GST_CHECK_MAIN (metrics_text);

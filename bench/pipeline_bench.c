/* What edgeclassify adds to a pipeline, per frame: the same pre-rendered
 * frames pushed through
 *
 *   appsrc ! identity ! fakesink sync=false
 *   appsrc ! edgeclassify post-messages=false ! fakesink sync=false
 *   appsrc ! edgeclassify ! fakesink sync=false      (bus messages on)
 *
 * in interleaved rounds, for each raw format asked for.
 *
 *   GST_PLUGIN_PATH=<build>/gst pipeline_bench [--rounds N] [--frames N]
 *       [--warmup N] [--formats NV12,I420] [--width W] [--height H]
 *       [--model PATH]
 *
 * Frames are drawn once by videotestsrc (eight patterns, so consecutive
 * frames differ) and kept; each push is a new GstBuffer sharing the kept
 * frame's memory (no pixel is copied), timestamped like a 30 fps stream.
 * Everything after appsrc runs in appsrc's streaming thread, and the push
 * happens in that thread too (from need-data), so one frame is in flight at
 * a time. A run's time goes from the push of the first frame after the
 * warm-up to the end-of-stream event reaching fakesink, in wall-clock time
 * and in CPU time of the process (the main thread only waits on the bus);
 * ns/frame is that divided by the timed frames. The per-push cost (buffer
 * struct, appsrc queue, fakesink) is the same in every variant, so the
 * difference edgeclassify - identity is what the element adds. It is taken
 * within each round, and medians over rounds are printed.
 *
 * With bus messages on, a bus sync handler reads each "edgeclassify"
 * message's inference_us (the element's own preprocess + inference time)
 * and drops the message, so the queue does not grow; an application that
 * dispatches them from a main loop pays for that on its own thread.
 */
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *const patterns[] = {
  "smpte", "snow", "ball", "circular", "pinwheel", "spokes", "gamut", "smpte75",
};

#define N_PATTERNS G_N_ELEMENTS (patterns)

enum { V_IDENTITY, V_CLASSIFY, V_CLASSIFY_MSG, N_VARIANTS };

static const char *const variant_name[N_VARIANTS] = {
  "identity",
  "edgeclassify post-messages=false",
  "edgeclassify (messages)",
};

typedef struct run {
  GstBuffer **frames;    /* N_PATTERNS kept frames */
  guint64 warmup, total; /* frames pushed: warmup + timed */
  guint64 pushed;
  gboolean eos_sent;
  gint64 t0, t1;        /* ns, monotonic */
  gint64 c0, c1;        /* ns, CPU time of the process */
  guint64 messages;     /* edgeclassify messages seen */
  GArray *inference_us; /* of the timed frames, or NULL */
} run;

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gint64
cpu_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double
min_of (const double *v, guint n)
{
  double m = v[0];
  for (guint i = 1; i < n; i++)
    m = MIN (m, v[i]);
  return m;
}

static double
max_of (const double *v, guint n)
{
  double m = v[0];
  for (guint i = 1; i < n; i++)
    m = MAX (m, v[i]);
  return m;
}

typedef struct stats {
  double med;           /* of the variant's times */
  double added, lo, hi; /* of variant - base, per round */
  double ratio;         /* of variant / base, per round */
} stats;

/* @t and @base: @rounds times each, of one variant and of identity. */
static stats
variant_stats (const double *t, const double *base, int rounds)
{
  double *d = g_new (double, rounds);
  stats s;

  memcpy (d, t, sizeof (double) * rounds);
  s.med = median (d, rounds);
  for (int r = 0; r < rounds; r++)
    d[r] = t[r] - base[r];
  s.lo = min_of (d, rounds);
  s.hi = max_of (d, rounds);
  s.added = median (d, rounds);
  for (int r = 0; r < rounds; r++)
    d[r] = t[r] / base[r];
  s.ratio = median (d, rounds);
  g_free (d);
  return s;
}

/* Waits for EOS or an error; prints the error. */
static gboolean
wait_eos (GstElement *pipeline, const char *what)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gboolean ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;

  if (!ok) {
    GError *err = NULL;
    gchar *debug = NULL;
    gst_message_parse_error (msg, &err, &debug);
    fprintf (stderr, "pipeline_bench: %s: %s\n%s\n", what, err->message,
             debug ? debug : "");
    g_clear_error (&err);
    g_free (debug);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  return ok;
}

/* One frame of @pattern, in memory of its own. */
static GstBuffer *
render_frame (const char *format, int width, int height, const char *pattern)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc pattern=%s num-buffers=1 ! "
      "video/x-raw,format=%s,width=%d,height=%d,framerate=30/1 ! "
      "appsink name=sink sync=false",
      pattern, format, width, height);
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstBuffer *copy = NULL;

  if (pipeline == NULL) {
    fprintf (stderr, "pipeline_bench: %s: %s\n", desc, err->message);
    g_clear_error (&err);
    g_free (desc);
    return NULL;
  }
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstSample *sample = NULL;
  g_signal_emit_by_name (sink, "pull-sample", &sample);
  if (sample != NULL) {
    copy = gst_buffer_copy_deep (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  } else {
    wait_eos (pipeline, desc);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  return copy;
}

/* Called by appsrc in its streaming thread when its queue is empty, that
 * is, once the previous frame has gone all the way to fakesink. */
static void
need_data (GstAppSrc *src, guint length, gpointer user_data)
{
  run *r = user_data;
  const GstClockTime dur = GST_SECOND / 30;

  if (r->eos_sent)
    return;
  if (r->pushed == r->warmup) {
    r->t0 = now_ns ();
    r->c0 = cpu_ns ();
  }
  GstBuffer *buf = gst_buffer_copy (r->frames[r->pushed % N_PATTERNS]);
  GST_BUFFER_PTS (buf) = r->pushed * dur;
  GST_BUFFER_DURATION (buf) = dur;
  gst_app_src_push_buffer (src, buf);
  if (++r->pushed == r->total) {
    gst_app_src_end_of_stream (src);
    r->eos_sent = TRUE;
  }
}

static GstPadProbeReturn
on_sink_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  run *r = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    r->t1 = now_ns ();
    r->c1 = cpu_ns ();
  }
  return GST_PAD_PROBE_OK;
}

/* Runs in the streaming thread, once per classified frame. */
static GstBusSyncReply
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  run *r = user_data;
  const GstStructure *s;
  gdouble us;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return GST_BUS_PASS;
  s = gst_message_get_structure (msg);
  if (!gst_structure_has_name (s, "edgeclassify"))
    return GST_BUS_PASS;
  if (r->messages++ >= r->warmup
      && gst_structure_get_double (s, "inference_us", &us))
    g_array_append_val (r->inference_us, us);
  return GST_BUS_DROP;
}

/* One run of one variant: wall-clock and CPU ns/frame in @cpu_out, or a
 * negative wall time on failure. Building the pipeline and the state
 * changes are not timed. */
static double
run_variant (double *cpu_out, int variant, const char *format, int width,
             int height, const char *model, GstBuffer **frames, guint warmup,
             guint frames_n, GArray *inference_us)
{
  gchar *model_prop
      = model ? g_strdup_printf (" model=\"%s\"", model) : g_strdup ("");
  const char *element = variant == V_IDENTITY ? "identity"
                        : variant == V_CLASSIFY
                            ? "edgeclassify post-messages=false"
                            : "edgeclassify post-messages=true";
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time is-live=false "
      "stream-type=stream caps=video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=30/1 ! %s%s name=under_test ! fakesink name=sink sync=false",
      format, width, height, element, variant == V_IDENTITY ? "" : model_prop);
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  run r = { frames,
            warmup,
            (guint64)warmup + frames_n,
            0,
            FALSE,
            0,
            0,
            0,
            0,
            0,
            variant == V_CLASSIFY_MSG ? inference_us : NULL };
  double ns = -1;

  if (pipeline == NULL) {
    fprintf (stderr, "pipeline_bench: %s: %s\n", desc, err->message);
    g_clear_error (&err);
    goto done;
  }

  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstAppSrcCallbacks cb = {
    need_data,
    NULL,
    NULL,
  };
  gst_app_src_set_callbacks (GST_APP_SRC (src), &cb, &r, NULL);
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     on_sink_event, &r, NULL);
  if (variant == V_CLASSIFY_MSG) {
    GstBus *bus = gst_element_get_bus (pipeline);
    gst_bus_set_sync_handler (bus, on_bus_message, &r, NULL);
    gst_object_unref (bus);
  }

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    wait_eos (pipeline, desc);
    fprintf (stderr, "pipeline_bench: %s: could not start\n", desc);
  } else if (wait_eos (pipeline, desc)) {
    if (r.pushed != r.total || r.t1 <= r.t0)
      fprintf (stderr,
               "pipeline_bench: %s: pushed %" G_GUINT64_FORMAT
               " of %" G_GUINT64_FORMAT " frames\n",
               desc, r.pushed, r.total);
    else if (variant == V_CLASSIFY_MSG && r.messages != r.total)
      fprintf (stderr,
               "pipeline_bench: %s: %" G_GUINT64_FORMAT
               " results for %" G_GUINT64_FORMAT " frames\n",
               desc, r.messages, r.total);
    else {
      ns = (double)(r.t1 - r.t0) / frames_n;
      *cpu_out = (double)(r.c1 - r.c0) / frames_n;
    }
  }
  /* post-messages=false: the element still has to have classified */
  if (ns >= 0 && variant == V_CLASSIFY) {
    GstElement *el = gst_bin_get_by_name (GST_BIN (pipeline), "under_test");
    gchar *last = NULL;
    g_object_get (el, "last-result", &last, NULL);
    if (last == NULL || strstr (last, "inference_us") == NULL) {
      fprintf (stderr, "pipeline_bench: %s: no result\n", desc);
      ns = -1;
    }
    g_free (last);
    gst_object_unref (el);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sinkpad);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
done:
  g_free (desc);
  g_free (model_prop);
  return ns;
}

/* CPU time of the whole machine (busy, all) and of this process, in
 * seconds, to tell how loaded the machine was while we measured. */
typedef struct cpu_sample {
  double busy, total, self;
} cpu_sample;

static cpu_sample
cpu_now (void)
{
  cpu_sample c = { 0, 0, 0 };
  unsigned long long v[10] = { 0 };
  FILE *f = fopen ("/proc/stat", "r");
  long hz = sysconf (_SC_CLK_TCK);
  struct rusage ru;

  if (f != NULL) {
    if (fscanf (f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
        == 8) {
      double all = 0;
      for (int i = 0; i < 8; i++)
        all += v[i];
      c.total = all / hz;
      c.busy = (all - v[3] - v[4]) / hz; /* minus idle, iowait */
    }
    fclose (f);
  }
  getrusage (RUSAGE_SELF, &ru);
  c.self = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
           + ru.ru_stime.tv_usec / 1e6;
  return c;
}

static double
loadavg1 (void)
{
  double l = -1;
  FILE *f = fopen ("/proc/loadavg", "r");
  if (f != NULL) {
    if (fscanf (f, "%lf", &l) != 1)
      l = -1;
    fclose (f);
  }
  return l;
}

int
main (int argc, char **argv)
{
  gint rounds = 11, frames_n = 1000, warmup = 30, width = 1920, height = 1080;
  gchar *formats_arg = NULL, *model = NULL;
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds,
      "Interleaved rounds (default 11)", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &frames_n,
      "Timed frames per run (default 1000)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup,
      "Untimed frames at the start of each run (default 30)", "N" },
    { "formats", 0, 0, G_OPTION_ARG_STRING, &formats_arg,
      "Comma-separated raw formats (default NV12,I420)", "LIST" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Frame width (1920)", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Frame height (1080)", "H" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model,
      "ONNX model (default: the element's built-in model)", "PATH" },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("- edgeclassify against "
                                              "identity in a pipeline");
  GError *err = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    fprintf (stderr, "pipeline_bench: %s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (rounds < 1 || frames_n < 1 || warmup < 1 || width < 1 || height < 1) {
    fprintf (stderr, "pipeline_bench: counts and sizes must be positive\n");
    return 2;
  }
  gst_init (&argc, &argv);

  GstElementFactory *f = gst_element_factory_find ("edgeclassify");
  if (f == NULL) {
    fprintf (stderr, "pipeline_bench: no edgeclassify element: put the "
                     "build's gst/ folder in GST_PLUGIN_PATH\n");
    return 1;
  }
  gchar *plugin
      = g_strdup (gst_plugin_feature_get_plugin_name (GST_PLUGIN_FEATURE (f)));
  GstPlugin *p = gst_registry_find_plugin (gst_registry_get (), plugin);
  printf ("edgeclassify from %s\n", p ? gst_plugin_get_filename (p) : "?");
  if (p)
    gst_object_unref (p);
  g_free (plugin);
  gst_object_unref (f);

  gchar **formats
      = g_strsplit (formats_arg ? formats_arg : "NV12,I420", ",", -1);
  guint n_formats = g_strv_length (formats);
  GstBuffer ***frames = g_new0 (GstBuffer **, n_formats);
  for (guint fi = 0; fi < n_formats; fi++) {
    frames[fi] = g_new0 (GstBuffer *, N_PATTERNS);
    for (guint k = 0; k < N_PATTERNS; k++) {
      frames[fi][k] = render_frame (formats[fi], width, height, patterns[k]);
      if (frames[fi][k] == NULL)
        return 1;
    }
  }

  /* wall[format][variant][round], and the same for CPU time */
  gsize n_runs = (gsize)n_formats * N_VARIANTS * rounds;
  double *wall_ns = g_new0 (double, n_runs);
  double *cpu_ns_ = g_new0 (double, n_runs);
#define AT(a, fi, v) ((a) + ((fi)*N_VARIANTS + (v)) * rounds)
  GArray **inf = g_new0 (GArray *, n_formats);
  for (guint fi = 0; fi < n_formats; fi++)
    inf[fi] = g_array_new (FALSE, FALSE, sizeof (double));

  printf ("%dx%d, model: %s; %d rounds of %d timed frames (+%d warm-up) "
          "per pipeline\n",
          width, height, model ? model : "built-in", rounds, frames_n, warmup);
  fflush (stdout);
  double load_start = loadavg1 ();
  cpu_sample c0 = cpu_now ();
  gint64 w0 = now_ns ();
  for (int r = 0; r < rounds; r++) {
    for (guint fi = 0; fi < n_formats; fi++) {
      for (int v = 0; v < N_VARIANTS; v++) {
        double c = 0;
        double t = run_variant (&c, v, formats[fi], width, height, model,
                                frames[fi], warmup, frames_n, inf[fi]);
        if (t < 0)
          return 1;
        AT (wall_ns, fi, v)[r] = t;
        AT (cpu_ns_, fi, v)[r] = c;
      }
    }
    fprintf (stderr, "round %d/%d done\n", r + 1, rounds);
  }
  double wall = (now_ns () - w0) / 1e9;
  cpu_sample c1 = cpu_now ();
  double load_end = loadavg1 ();
  double ncpu = (double)g_get_num_processors ();
  double others = ((c1.busy - c0.busy) - (c1.self - c0.self))
                  / MAX (c1.total - c0.total, 1e-9);

  printf (
      "\nns per frame, median over rounds; frames/s = 1e9 / ns. "
      "added = edgeclassify - identity and ratio = edgeclassify / identity, "
      "each taken within a round, median over rounds (min-max in "
      "brackets). Wall: elapsed time; CPU: CPU time of this process.\n\n");
  printf ("| format | pipeline | wall ns/frame | frames/s | added wall "
          "ns/frame | ratio | CPU ns/frame | added CPU ns/frame |\n");
  printf ("|---|---|---:|---:|---:|---:|---:|---:|\n");
  double added_wall[64] = { 0 };
  for (guint fi = 0; fi < n_formats; fi++) {
    for (int v = 0; v < N_VARIANTS; v++) {
      stats w = variant_stats (AT (wall_ns, fi, v),
                               AT (wall_ns, fi, V_IDENTITY), rounds);
      stats c = variant_stats (AT (cpu_ns_, fi, v),
                               AT (cpu_ns_, fi, V_IDENTITY), rounds);
      if (v == V_IDENTITY) {
        printf ("| %s | %s | %.0f | %.0f | | | %.0f | |\n", formats[fi],
                variant_name[v], w.med, 1e9 / w.med, c.med);
        continue;
      }
      if (v == V_CLASSIFY && fi < G_N_ELEMENTS (added_wall))
        added_wall[fi] = w.added;
      printf ("| %s | %s | %.0f | %.0f | %.0f (%.0f-%.0f) | %.1fx | %.0f "
              "| %.0f (%.0f-%.0f) |\n",
              formats[fi], variant_name[v], w.med, 1e9 / w.med, w.added, w.lo,
              w.hi, w.ratio, c.med, c.added, c.lo, c.hi);
    }
  }

  printf ("\nedgeclassify's own inference_us (preprocess + inference, from "
          "its messages), median over all timed frames:\n");
  for (guint fi = 0; fi < n_formats; fi++) {
    GArray *a = inf[fi];
    if (a->len == 0)
      continue;
    printf ("  %s: %.0f us (%u frames)\n", formats[fi],
            median ((double *)a->data, a->len), a->len);
  }

  /* the target is set for 1080p frames and the built-in model */
  if (width == 1920 && height == 1080 && model == NULL) {
    printf ("\nTarget: edgeclassify (post-messages=false) adds under 250000 "
            "ns of wall time per frame\n");
    for (guint fi = 0; fi < n_formats && fi < G_N_ELEMENTS (added_wall); fi++)
      printf ("  %s: %.0f ns: %s\n", formats[fi], added_wall[fi],
              added_wall[fi] < 250000 ? "met" : "missed");
  }
  printf ("\nMeasured in %.0f s; other processes used %.0f%% of the %.0f "
          "CPUs meanwhile (this one %.0f%%); 1-minute load average %.2f at "
          "start, %.2f at end\n",
          wall, 100 * others, ncpu,
          100 * (c1.self - c0.self) / MAX (c1.total - c0.total, 1e-9),
          load_start, load_end);

  for (guint fi = 0; fi < n_formats; fi++) {
    for (guint k = 0; k < N_PATTERNS; k++)
      gst_buffer_unref (frames[fi][k]);
    g_free (frames[fi]);
    g_array_free (inf[fi], TRUE);
  }
  g_free (frames);
  g_free (inf);
  g_free (wall_ns);
  g_free (cpu_ns_);
  g_strfreev (formats);
  g_free (formats_arg);
  g_free (model);
  return 0;
}

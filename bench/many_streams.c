/* Many live streams in one process: N pipelines
 *
 *   videotestsrc is-live=true
 *     ! video/x-raw,format=NV12,width=640,height=480,framerate=30/1
 *     ! ELEMENT ! fakesink sync=true
 *
 * run side by side for a while, ELEMENT being identity (the reference) or
 * edgeclassify mode=sync|async|auto [model=PATH]. What each stream got:
 *
 *   GST_PLUGIN_PATH=<build>/gst many_streams --streams N --variant V
 *       [--model PATH] [--seconds S] [--warmup S] [--output FILE.json]
 *
 * Everything is measured inside this process, in a window that starts
 * --warmup seconds after the pipelines went to PLAYING and ends --seconds
 * after it:
 *
 *  - frames: buffers counted on videotestsrc's source pad (produced) and in
 *    fakesink's handoff, which fakesink emits from render, after it waited
 *    for the buffer's clock time (rendered); "due" is the window's length
 *    times 30, what a camera would have delivered;
 *  - lag: at each handoff, the pipeline clock's running time (clock time
 *    minus base time) minus the buffer's running time (from the sink's
 *    segment). A synced sink renders a buffer at its running time plus the
 *    pipeline latency, so an on-time frame lags by the latency; a frame
 *    that arrives later lags by more;
 *  - fresh results: edgeclassify's "stats" fresh-results read each second
 *    (its count in the window), and, independently, the number of distinct
 *    "frame" values of the results the frames carry at the sink;
 *  - result ages: each carried result's age_frames, age_ms, stale, frame
 *    and pts are checked against what the sink knows: its own count of the
 *    frames (the element numbers them the same way when none is dropped in
 *    between) and the timestamps the sink saw on the frames;
 *  - CPU: the process (getrusage) and its threads (/proc/self/task) each
 *    second, grouped as streaming threads (videotestsrc's tasks, named
 *    "srcK:src": drawing, the element's work in that thread, the sink),
 *    scheduler workers ("ec-infer-*") and the rest, with the time each
 *    group was runnable but waited for a CPU (/proc/self/task/ID/schedstat);
 *    the whole machine's busy time (/proc/stat) gives what other processes
 *    used meanwhile.
 *
 * The bus: the element's per-result messages ("edgeclassify", on by
 * default) are dropped by a sync handler in the streaming thread; errors,
 * warnings and latency messages reach a main loop, which recalculates the
 * pipeline's latency as gst-launch-1.0 does.
 *
 * The output is one JSON object (stdout, or --output), with a summary, one
 * entry per stream and one per second.
 */
#include <gst/base/gstbasesink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define FPS 30

/* One frame at the sink. */
typedef struct sample {
  float t;      /* s since PLAYING, when rendered */
  float lag_ms; /* clock running time - buffer running time */
  float age_ms; /* of the result it carries; NAN: none */
  guint8 fresh; /* its result is one the sink had not seen */
} sample;

typedef struct stream {
  guint index;
  GstElement *pipeline, *ec; /* ec: NULL for identity */
  gint produced;             /* atomic: buffers out of videotestsrc */

  /* the stream's streaming thread */
  GArray *samples; /* of sample */
  GArray *pts;     /* guint64, of each rendered frame */
  guint64 rendered;
  gboolean have_result;
  guint64 last_result_frame;
  guint64 age_errors;
  gchar *first_age_error;

  /* main thread */
  gint produced_start, produced_end;
  guint64 fresh_start, fresh_end, replaced_start, replaced_end;
  guint64 fresh_prev; /* at the previous tick */
  guint latency_messages;
  gchar *error;
} stream;

enum { G_STREAMING, G_INFER, G_OTHERS, N_GROUPS };

/* Per thread group, cumulative seconds: on a CPU, and runnable but
 * waiting for one (the scheduler's run queue). */
typedef struct group_time {
  double cpu[N_GROUPS], wait[N_GROUPS];
} group_time;

/* One second of the run, from the main loop. */
typedef struct tick {
  double t;                         /* s since PLAYING */
  double self_cpu;                  /* s, process, cumulative */
  group_time threads;               /* s, cumulative */
  double machine_busy, machine_all; /* s, /proc/stat, cumulative */
  guint64 fresh_total;              /* sum of fresh-results */
  guint64 fresh_min, fresh_max;     /* per stream, since the last tick */
} tick;

typedef struct bench {
  stream *streams;
  guint n;
  gint64 t0; /* monotonic µs at PLAYING */
  double seconds, warmup;
  GArray *ticks;
  gint tick_start, tick_end; /* window */
  GMainLoop *loop;
  gboolean failed;
} bench;

static bench the_bench;

static double
now_s (void)
{
  return (g_get_monotonic_time () - the_bench.t0) / 1e6;
}

/* ---- in the streaming threads ---- */

static GstPadProbeReturn
on_produced (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  stream *s = user_data;

  g_atomic_int_inc (&s->produced);
  return GST_PAD_PROBE_OK;
}

static void G_GNUC_PRINTF (2, 3) age_error (stream *s, const char *fmt, ...)
{
  va_list ap;

  s->age_errors++;
  if (s->first_age_error != NULL)
    return;
  va_start (ap, fmt);
  s->first_age_error = g_strdup_vprintf (fmt, ap);
  va_end (ap);
}

/* Checks the result @buf carries (frame @k at the sink) against the sink's
 * own count and the timestamps of the frames it saw. Returns its age_ms,
 * NAN when the buffer carries none. */
static float
check_result (stream *s, GstBuffer *buf, guint64 k, sample *smp)
{
  GstVideoRegionOfInterestMeta *roi
      = gst_buffer_get_video_region_of_interest_meta_id (buf, 0);
  const GstStructure *c;
  guint64 frame, pts, age_frames;
  gdouble age_ms, want_ms;
  gboolean stale;

  if (roi == NULL)
    return NAN;
  c = gst_video_region_of_interest_meta_get_param (roi, "classification");
  if (c == NULL || !gst_structure_get_uint64 (c, "frame", &frame)
      || !gst_structure_get_uint64 (c, "pts", &pts)
      || !gst_structure_get_uint64 (c, "age_frames", &age_frames)
      || !gst_structure_get_double (c, "age_ms", &age_ms)
      || !gst_structure_get_boolean (c, "stale", &stale)) {
    age_error (s,
               "frame %" G_GUINT64_FORMAT ": classification without "
               "frame, pts, age_frames, age_ms or stale",
               k);
    return NAN;
  }
  if (!s->have_result || frame != s->last_result_frame)
    smp->fresh = 1;
  s->have_result = TRUE;
  s->last_result_frame = frame;

  want_ms = (GST_BUFFER_PTS (buf) - (double)pts) / GST_MSECOND;
  if (frame > k || age_frames != k - frame)
    age_error (s,
               "frame %" G_GUINT64_FORMAT ": result of frame %" G_GUINT64_FORMAT
               " says age_frames %" G_GUINT64_FORMAT,
               k, frame, age_frames);
  else if (pts != g_array_index (s->pts, guint64, frame))
    age_error (s,
               "frame %" G_GUINT64_FORMAT ": result of frame %" G_GUINT64_FORMAT
               " has pts %" G_GUINT64_FORMAT
               ", that frame had %" G_GUINT64_FORMAT,
               k, frame, pts, g_array_index (s->pts, guint64, frame));
  else if (fabs (age_ms - want_ms) > 0.001)
    age_error (s,
               "frame %" G_GUINT64_FORMAT ": result of frame %" G_GUINT64_FORMAT
               " says age_ms %.3f, the PTS differ by %.3f ms",
               k, frame, age_ms, want_ms);
  else if (stale != (age_frames != 0))
    age_error (s,
               "frame %" G_GUINT64_FORMAT
               ": stale %d, age_frames %" G_GUINT64_FORMAT,
               k, stale, age_frames);
  return (float)age_ms;
}

/* fakesink's handoff: from render, after the clock wait. */
static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer user_data)
{
  stream *s = user_data;
  GstClock *clock = gst_element_get_clock (sink);
  GstClockTime base = gst_element_get_base_time (sink);
  GstClockTime rt = gst_segment_to_running_time (
      &GST_BASE_SINK (sink)->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  sample smp = { (float)now_s (), 0.0f, NAN, 0 };
  guint64 k = s->rendered++;
  guint64 pts = GST_BUFFER_PTS (buf);

  g_array_append_val (s->pts, pts);

  if (clock == NULL)
    return;
  if (GST_CLOCK_TIME_IS_VALID (rt)) {
    GstClockTime now = gst_clock_get_time (clock) - base;
    smp.lag_ms = (float)(((gint64)now - (gint64)rt) / 1e6);
  }
  gst_object_unref (clock);
  if (s->ec != NULL)
    smp.age_ms = check_result (s, buf, k, &smp);
  g_array_append_val (s->samples, smp);
}

static GstBusSyncReply
on_bus_sync (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  const GstStructure *st;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return GST_BUS_PASS;
  st = gst_message_get_structure (msg);
  if (st != NULL
      && (gst_structure_has_name (st, "edgeclassify")
          || gst_structure_has_name (st, "edgeclassify-stats")))
    return GST_BUS_DROP;
  return GST_BUS_PASS;
}

/* ---- in the main loop ---- */

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  stream *s = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
  case GST_MESSAGE_ERROR:
    gst_message_parse_error (msg, &err, &debug);
    if (s->error == NULL)
      s->error = g_strdup_printf ("%s (%s)", err->message, debug ? debug : "");
    fprintf (stderr, "many_streams: stream %u: %s\n", s->index, s->error);
    the_bench.failed = TRUE;
    g_main_loop_quit (the_bench.loop);
    break;
  case GST_MESSAGE_WARNING:
    gst_message_parse_warning (msg, &err, &debug);
    fprintf (stderr, "many_streams: stream %u: warning: %s (%s)\n", s->index,
             err->message, debug ? debug : "");
    break;
  case GST_MESSAGE_LATENCY:
    s->latency_messages++;
    gst_bin_recalculate_latency (GST_BIN (s->pipeline));
    break;
  default:
    break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

static guint64
stats_field (stream *s, const char *field)
{
  GstStructure *st = NULL;
  guint64 v = 0;

  if (s->ec == NULL)
    return 0;
  g_object_get (s->ec, "stats", &st, NULL);
  if (st != NULL) {
    gst_structure_get_uint64 (st, field, &v);
    gst_structure_free (st);
  }
  return v;
}

static int worker_nice = G_MININT; /* --worker-nice; G_MININT: leave it */
static guint reniced;              /* workers given worker_nice */

static int
thread_group (const char *comm)
{
  unsigned src_index;
  char rest[16];

  if (g_str_has_prefix (comm, "ec-infer"))
    return G_INFER;
  if (sscanf (comm, "src%u:%15s", &src_index, rest) == 2
      && strcmp (rest, "src") == 0)
    return G_STREAMING;
  return G_OTHERS;
}

/* One thread's name and times from /proc/self/task/ID/{stat,schedstat}:
 * schedstat's nanoseconds when the kernel has them, else stat's ticks. */
static gboolean
read_thread (const char *id, char *comm, gsize comm_size, double *cpu,
             double *wait)
{
  char path[64], line[1024];
  char *open_paren, *close_paren;
  unsigned long utime, stime;
  unsigned long long run_ns, wait_ns;
  FILE *f;

  g_snprintf (path, sizeof path, "/proc/self/task/%s/stat", id);
  f = fopen (path, "r");
  if (f == NULL)
    return FALSE;
  if (fgets (line, sizeof line, f) == NULL) {
    fclose (f);
    return FALSE;
  }
  fclose (f);
  open_paren = strchr (line, '(');
  close_paren = strrchr (line, ')');
  if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
    return FALSE;
  g_strlcpy (comm, open_paren + 1,
             MIN (comm_size, (gsize)(close_paren - open_paren)));
  /* after "(comm) ": state, then 10 fields, then utime and stime */
  if (sscanf (close_paren + 2,
              "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %lu", &utime,
              &stime)
      != 2)
    return FALSE;
  *cpu = (double)(utime + stime) / sysconf (_SC_CLK_TCK);
  *wait = 0.0;
  g_snprintf (path, sizeof path, "/proc/self/task/%s/schedstat", id);
  f = fopen (path, "r");
  if (f != NULL) {
    if (fscanf (f, "%llu %llu", &run_ns, &wait_ns) == 2) {
      *cpu = run_ns / 1e9;
      *wait = wait_ns / 1e9;
    }
    fclose (f);
  }
  return TRUE;
}

/* Times of this process's threads, by group; with --worker-nice, gives the
 * inference workers that niceness (an experiment: the element sets its
 * own). */
static void
thread_times (group_time *g)
{
  DIR *d = opendir ("/proc/self/task");
  struct dirent *e;

  memset (g, 0, sizeof (*g));
  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL) {
    char comm[64];
    double cpu, wait;
    int group;

    if (e->d_name[0] == '.'
        || !read_thread (e->d_name, comm, sizeof comm, &cpu, &wait))
      continue;
    group = thread_group (comm);
    g->cpu[group] += cpu;
    g->wait[group] += wait;
    if (group == G_INFER && worker_nice != G_MININT) {
      id_t tid = (id_t)atoi (e->d_name);

      errno = 0;
      if (getpriority (PRIO_PROCESS, tid) != worker_nice || errno != 0) {
        if (setpriority (PRIO_PROCESS, tid, worker_nice) == 0)
          reniced++;
        else
          fprintf (stderr, "many_streams: cannot renice %s: %s\n", comm,
                   g_strerror (errno));
      }
    }
  }
  closedir (d);
}

static void
machine_cpu (double *busy, double *all)
{
  unsigned long long v[8] = { 0 };
  FILE *f = fopen ("/proc/stat", "r");
  long hz = sysconf (_SC_CLK_TCK);

  *busy = *all = 0.0;
  if (f == NULL)
    return;
  if (fscanf (f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
              &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
      == 8) {
    double sum = 0;
    for (int i = 0; i < 8; i++)
      sum += v[i];
    *all = sum / hz;
    *busy = (sum - v[3] - v[4]) / hz;
  }
  fclose (f);
}

static double
self_cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
         + ru.ru_stime.tv_usec / 1e6;
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

static gboolean
on_tick (gpointer user_data)
{
  bench *b = &the_bench;
  tick tk = { 0 };

  tk.t = now_s ();
  tk.self_cpu = self_cpu ();
  thread_times (&tk.threads);
  machine_cpu (&tk.machine_busy, &tk.machine_all);
  tk.fresh_min = G_MAXUINT64;
  for (guint i = 0; i < b->n; i++) {
    stream *s = &b->streams[i];
    guint64 fresh = stats_field (s, "fresh-results");
    guint64 d = fresh - s->fresh_prev;

    s->fresh_prev = fresh;
    tk.fresh_total += fresh;
    tk.fresh_min = MIN (tk.fresh_min, d);
    tk.fresh_max = MAX (tk.fresh_max, d);
    if (b->tick_start < 0 && tk.t >= b->warmup) {
      s->produced_start = g_atomic_int_get (&s->produced);
      s->fresh_start = fresh;
      s->replaced_start = stats_field (s, "requests-replaced");
    } else if (b->tick_start >= 0 && tk.t >= b->seconds) {
      s->produced_end = g_atomic_int_get (&s->produced);
      s->fresh_end = fresh;
      s->replaced_end = stats_field (s, "requests-replaced");
    }
  }
  g_array_append_val (b->ticks, tk);
  if (b->tick_start < 0 && tk.t >= b->warmup) {
    b->tick_start = b->ticks->len - 1;
  } else if (b->tick_start >= 0 && tk.t >= b->seconds) {
    b->tick_end = b->ticks->len - 1;
    g_main_loop_quit (b->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* ---- summaries ---- */

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* Nearest rank, of @n sorted values; NAN when empty. */
static double
pct (const float *sorted, gsize n, double p)
{
  gsize r;

  if (n == 0)
    return NAN;
  r = (gsize)ceil (p / 100.0 * n);
  return sorted[MAX (r, 1) - 1];
}

static void
json_num (GString *o, const char *key, double v)
{
  if (isfinite (v))
    g_string_append_printf (o, "\"%s\": %.6g, ", key, v);
  else
    g_string_append_printf (o, "\"%s\": null, ", key);
}

static void
json_str (GString *o, const char *key, const char *v)
{
  g_string_append_printf (o, "\"%s\": ", key);
  if (v == NULL) {
    g_string_append (o, "null, ");
    return;
  }
  g_string_append_c (o, '"');
  for (const char *p = v; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf (o, "\\%c", *p);
    else if ((unsigned char)*p < 0x20)
      g_string_append_printf (o, "\\u%04x", *p);
    else
      g_string_append_c (o, *p);
  }
  g_string_append (o, "\", ");
}

/* Drops the ", " after the last member of an object or array. */
static void
json_close (GString *o, char c)
{
  if (o->len >= 2 && strcmp (o->str + o->len - 2, ", ") == 0)
    g_string_truncate (o, o->len - 2);
  g_string_append_c (o, c);
}

/* CPU and run-queue wait of the thread groups between @a and @b, in CPUs
 * (seconds a second). */
static void
json_groups (GString *o, const group_time *a, const group_time *b, double dt)
{
  static const char *const name[N_GROUPS] = { "streaming", "infer", "others" };

  for (int i = 0; i < N_GROUPS; i++) {
    gchar *key = g_strdup_printf ("cpu_%s", name[i]);
    json_num (o, key, (b->cpu[i] - a->cpu[i]) / dt);
    g_free (key);
    key = g_strdup_printf ("runq_wait_%s", name[i]);
    json_num (o, key, (b->wait[i] - a->wait[i]) / dt);
    g_free (key);
  }
}

static double
mean_of (const double *v, guint n)
{
  double s = 0;
  for (guint i = 0; i < n; i++)
    s += v[i];
  return n ? s / n : NAN;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of @n values (@v is sorted in place). */
static double
median_of (double *v, guint n)
{
  if (n == 0)
    return NAN;
  qsort (v, n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Least-squares slope of @y over @x. */
static double
slope (const double *x, const double *y, guint n)
{
  double mx = mean_of (x, n), my = mean_of (y, n), sxy = 0, sxx = 0;

  for (guint i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : NAN;
}

static gchar *
report (const char *variant, const char *model, const char *element_desc,
        double load_start, double load_end)
{
  bench *b = &the_bench;
  GString *o = g_string_new ("{");
  tick *t0 = &g_array_index (b->ticks, tick, b->tick_start);
  tick *t1 = &g_array_index (b->ticks, tick, b->tick_end);
  double window = t1->t - t0->t;
  GArray *all_lag = g_array_new (FALSE, FALSE, sizeof (float));
  double *fresh_rate = g_new0 (double, b->n);
  double *frames_ratio = g_new0 (double, b->n);
  double *p99s = g_new0 (double, b->n);
  double *p50s = g_new0 (double, b->n);
  guint64 age_errors = 0, no_result = 0, rendered = 0, produced = 0;
  GstStructure *stats0 = NULL;
  guint n_seconds = (guint)ceil (b->seconds) + 1;
  GArray **per_second = g_new0 (GArray *, n_seconds);

  for (guint i = 0; i < n_seconds; i++)
    per_second[i] = g_array_new (FALSE, FALSE, sizeof (float));

  g_string_append (o, "\"config\": {");
  json_str (o, "variant", variant);
  json_str (o, "model", model);
  json_str (o, "element", element_desc);
  json_num (o, "streams", b->n);
  json_num (o, "seconds", b->seconds);
  json_num (o, "warmup", b->warmup);
  json_num (o, "window_s", window);
  json_num (o, "cpus", g_get_num_processors ());
  json_num (o, "loadavg_start", load_start);
  json_num (o, "loadavg_end", load_end);
  json_str (o, "gstreamer", gst_version_string ());
  if (worker_nice != G_MININT) {
    json_num (o, "worker_nice", worker_nice);
    json_num (o, "workers_reniced", reniced);
  }
  json_close (o, '}');

  g_string_append (o, ", \"streams\": [");
  for (guint i = 0; i < b->n; i++) {
    stream *s = &b->streams[i];
    GArray *lag = g_array_new (FALSE, FALSE, sizeof (float));
    GArray *age = g_array_new (FALSE, FALSE, sizeof (float));
    guint64 distinct = 0, carried = 0, win_frames = 0;
    GstClockTime latency = 0;
    GstElement *sink = gst_bin_get_by_name (GST_BIN (s->pipeline), "sink");

    if (sink != NULL) {
      latency = gst_base_sink_get_latency (GST_BASE_SINK (sink));
      gst_object_unref (sink);
    }
    for (guint j = 0; j < s->samples->len; j++) {
      sample *m = &g_array_index (s->samples, sample, j);
      guint sec = (guint)m->t;

      if (sec < n_seconds)
        g_array_append_val (per_second[sec], m->lag_ms);
      if (m->t < t0->t || m->t >= t1->t)
        continue;
      win_frames++;
      g_array_append_val (lag, m->lag_ms);
      g_array_append_val (all_lag, m->lag_ms);
      if (!isnan (m->age_ms)) {
        carried++;
        g_array_append_val (age, m->age_ms);
      }
      distinct += m->fresh;
    }
    qsort (lag->data, lag->len, sizeof (float), cmp_float);
    qsort (age->data, age->len, sizeof (float), cmp_float);
    fresh_rate[i] = (s->fresh_end - s->fresh_start) / window;
    frames_ratio[i] = win_frames / (window * FPS);
    p50s[i] = pct ((float *)lag->data, lag->len, 50);
    p99s[i] = pct ((float *)lag->data, lag->len, 99);
    age_errors += s->age_errors;
    if (s->ec != NULL)
      no_result += win_frames - carried;
    rendered += win_frames;
    produced += s->produced_end - s->produced_start;

    g_string_append (o, "{");
    json_num (o, "index", i);
    json_num (o, "frames_due", window * FPS);
    json_num (o, "frames_produced", s->produced_end - s->produced_start);
    json_num (o, "frames_rendered", win_frames);
    json_num (o, "frames_ratio", frames_ratio[i]);
    json_num (o, "lag_ms_p50", p50s[i]);
    json_num (o, "lag_ms_p99", p99s[i]);
    json_num (o, "lag_ms_max", pct ((float *)lag->data, lag->len, 100));
    json_num (o, "latency_ms", latency / 1e6);
    json_num (o, "latency_messages", s->latency_messages);
    if (s->ec != NULL) {
      json_num (o, "fresh", s->fresh_end - s->fresh_start);
      json_num (o, "fresh_per_s", fresh_rate[i]);
      json_num (o, "distinct_results_per_s", distinct / window);
      json_num (o, "replaced", s->replaced_end - s->replaced_start);
      json_num (o, "frames_without_result", win_frames - carried);
      json_num (o, "age_ms_p50", pct ((float *)age->data, age->len, 50));
      json_num (o, "age_ms_p99", pct ((float *)age->data, age->len, 99));
      json_num (o, "age_errors", s->age_errors);
      json_str (o, "first_age_error", s->first_age_error);
      if (stats0 == NULL)
        g_object_get (s->ec, "stats", &stats0, NULL);
    }
    json_close (o, '}');
    g_string_append (o, ", ");
    g_array_free (lag, TRUE);
    g_array_free (age, TRUE);
  }
  json_close (o, ']');
  for (guint i = 0; i < n_seconds; i++)
    qsort (per_second[i]->data, per_second[i]->len, sizeof (float), cmp_float);

  /* one entry per tick: CPU and fresh results in the second before it,
   * lag of the frames rendered in the second before it */
  g_string_append (o, ", \"seconds\": [");
  for (guint i = 1; i < b->ticks->len; i++) {
    tick *a = &g_array_index (b->ticks, tick, i - 1);
    tick *c = &g_array_index (b->ticks, tick, i);
    double dt = c->t - a->t;
    double self = (c->self_cpu - a->self_cpu) / dt;
    double busy = (c->machine_busy - a->machine_busy) / dt;
    guint sec = (guint)a->t;
    GArray *l = sec < n_seconds ? per_second[sec] : NULL;

    g_string_append (o, "{");
    json_num (o, "t", c->t);
    json_num (o, "cpu", self);
    json_groups (o, &a->threads, &c->threads, dt);
    json_num (o, "machine_other_cpu", busy - self);
    json_num (o, "fresh_per_s", (c->fresh_total - a->fresh_total) / dt);
    json_num (o, "fresh_per_s_stream_min", c->fresh_min / dt);
    json_num (o, "fresh_per_s_stream_max", c->fresh_max / dt);
    if (l != NULL && l->len > 0) {
      json_num (o, "lag_ms_p50", pct ((float *)l->data, l->len, 50));
      json_num (o, "lag_ms_p99", pct ((float *)l->data, l->len, 99));
      json_num (o, "lag_ms_max", pct ((float *)l->data, l->len, 100));
      json_num (o, "frames", l->len);
    }
    json_close (o, '}');
    g_string_append (o, ", ");
  }
  json_close (o, ']');

  /* the whole window */
  {
    double fr_min = INFINITY, fr_max = 0, fa_min = INFINITY, p99_max = 0;
    double *x = g_new0 (double, b->ticks->len);
    double *y = g_new0 (double, b->ticks->len);
    guint n_xy = 0;
    double first_p99 = NAN, last_p99 = NAN;
    GArray *first = g_array_new (FALSE, FALSE, sizeof (float));
    GArray *last = g_array_new (FALSE, FALSE, sizeof (float));

    qsort (all_lag->data, all_lag->len, sizeof (float), cmp_float);
    for (guint i = 0; i < b->n; i++) {
      fr_min = MIN (fr_min, fresh_rate[i]);
      fr_max = MAX (fr_max, fresh_rate[i]);
      fa_min = MIN (fa_min, frames_ratio[i]);
      p99_max = MAX (p99_max, p99s[i]);
    }
    /* lag trend: per-second medians in the window, and the first and the
     * last 10 s (or third of the window when shorter) */
    double span = MIN (10.0, window / 3);
    for (guint i = 0; i < b->n; i++) {
      stream *s = &b->streams[i];
      for (guint j = 0; j < s->samples->len; j++) {
        sample *m = &g_array_index (s->samples, sample, j);
        if (m->t >= t0->t && m->t < t0->t + span)
          g_array_append_val (first, m->lag_ms);
        else if (m->t >= t1->t - span && m->t < t1->t)
          g_array_append_val (last, m->lag_ms);
      }
    }
    qsort (first->data, first->len, sizeof (float), cmp_float);
    qsort (last->data, last->len, sizeof (float), cmp_float);
    first_p99 = pct ((float *)first->data, first->len, 99);
    last_p99 = pct ((float *)last->data, last->len, 99);
    for (guint sec = (guint)ceil (t0->t); sec + 1 <= (guint)t1->t; sec++) {
      GArray *l = per_second[sec];
      if (l->len == 0)
        continue;
      x[n_xy] = sec + 0.5;
      y[n_xy++] = pct ((float *)l->data, l->len, 50);
    }

    g_string_append (o, ", \"summary\": {");
    json_num (o, "frames_due_per_stream", window * FPS);
    json_num (o, "frames_rendered", rendered);
    json_num (o, "frames_produced", produced);
    json_num (o, "frames_ratio_min", fa_min);
    json_num (o, "frames_ratio_mean", mean_of (frames_ratio, b->n));
    json_num (o, "lag_ms_p50", pct ((float *)all_lag->data, all_lag->len, 50));
    json_num (o, "lag_ms_p99", pct ((float *)all_lag->data, all_lag->len, 99));
    json_num (o, "lag_ms_max", pct ((float *)all_lag->data, all_lag->len, 100));
    json_num (o, "lag_ms_p50_stream_median", median_of (p50s, b->n));
    json_num (o, "lag_ms_p99_worst_stream", p99_max);
    json_num (o, "lag_ms_p99_first", first_p99);
    json_num (o, "lag_ms_p99_last", last_p99);
    json_num (o, "lag_trend_span_s", span);
    json_num (o, "lag_ms_p50_slope_per_min", slope (x, y, n_xy) * 60);
    json_num (o, "cpu", (t1->self_cpu - t0->self_cpu) / window);
    json_groups (o, &t0->threads, &t1->threads, window);
    json_num (o, "machine_other_cpu",
              (t1->machine_busy - t0->machine_busy) / window
                  - (t1->self_cpu - t0->self_cpu) / window);
    json_num (o, "machine_cpus_busy",
              (t1->machine_busy - t0->machine_busy)
                  / MAX (t1->machine_all - t0->machine_all, 1e-9)
                  * g_get_num_processors ());
    if (b->streams[0].ec != NULL) {
      double total = 0;
      for (guint i = 0; i < b->n; i++)
        total += fresh_rate[i];
      json_num (o, "fresh_per_s_total", total);
      json_num (o, "fresh_per_s_min", fr_min);
      json_num (o, "fresh_per_s_mean", total / b->n);
      json_num (o, "fresh_per_s_max", fr_max);
      json_num (o, "fresh_min_over_mean", fr_min / (total / b->n));
      json_num (o, "frames_without_result", no_result);
      json_num (o, "age_errors", age_errors);
      if (stats0 != NULL) {
        gchar *str = gst_structure_to_string (stats0);
        json_str (o, "stats_stream0", str);
        g_free (str);
        gst_structure_free (stats0);
      }
    }
    json_close (o, '}');
    g_free (x);
    g_free (y);
    g_array_free (first, TRUE);
    g_array_free (last, TRUE);
  }
  json_close (o, '}');
  g_string_append_c (o, '\n');

  for (guint i = 0; i < n_seconds; i++)
    g_array_free (per_second[i], TRUE);
  g_free (per_second);
  g_array_free (all_lag, TRUE);
  g_free (fresh_rate);
  g_free (frames_ratio);
  g_free (p99s);
  g_free (p50s);
  return g_string_free (o, FALSE);
}

int
main (int argc, char **argv)
{
  gint n = 4;
  gdouble seconds = 60, warmup = 5;
  gchar *variant = NULL, *model = NULL, *output = NULL, *extra = NULL;
  GOptionEntry entries[]
      = { { "streams", 0, 0, G_OPTION_ARG_INT, &n, "Pipelines (default 4)",
            "N" },
          { "variant", 0, 0, G_OPTION_ARG_STRING, &variant,
            "identity, sync, async or auto (default async)", "V" },
          { "model", 0, 0, G_OPTION_ARG_FILENAME, &model,
            "ONNX model (default: the element's built-in model)", "PATH" },
          { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds,
            "Run time from PLAYING (default 60)", "S" },
          { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup,
            "Seconds left out at the start (default 5)", "S" },
          { "element-props", 0, 0, G_OPTION_ARG_STRING, &extra,
            "More edgeclassify properties, as in gst-launch", "PROPS" },
          { "worker-nice", 0, 0, G_OPTION_ARG_INT, &worker_nice,
            "Experiment: give the inference workers this niceness", "NICE" },
          { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
            "Write the JSON here (default: stdout)", "FILE" },
          { NULL } };
  GOptionContext *ctx
      = g_option_context_new ("- many live pipelines in one process");
  GError *err = NULL;
  bench *b = &the_bench;
  gchar *element;
  int ret = 1;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    fprintf (stderr, "many_streams: %s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (variant == NULL)
    variant = g_strdup ("async");
  if (n < 1 || n > 1000 || !(seconds > 0) || !(warmup >= 0)
      || warmup + 1 >= seconds) {
    fprintf (stderr, "many_streams: --streams 1..1000, --seconds above "
                     "--warmup + 1\n");
    return 2;
  }
  if (strcmp (variant, "identity") == 0) {
    element = g_strdup ("identity");
  } else if (strcmp (variant, "sync") == 0 || strcmp (variant, "async") == 0
             || strcmp (variant, "auto") == 0) {
    gchar *m = model ? g_strdup_printf (" model=\"%s\"", model) : g_strdup ("");
    element = g_strdup_printf ("edgeclassify mode=%s%s%s%s", variant, m,
                               extra ? " " : "", extra ? extra : "");
    g_free (m);
  } else {
    fprintf (stderr, "many_streams: --variant identity, sync, async or "
                     "auto\n");
    return 2;
  }
  gst_init (&argc, &argv);

  b->n = n;
  b->seconds = seconds;
  b->warmup = warmup;
  b->streams = g_new0 (stream, n);
  b->ticks = g_array_new (FALSE, FALSE, sizeof (tick));
  b->tick_start = b->tick_end = -1;
  b->loop = g_main_loop_new (NULL, FALSE);

  for (gint i = 0; i < n; i++) {
    stream *s = &b->streams[i];
    /* element names give the streaming threads' names: "srcK:src" */
    gchar *desc = g_strdup_printf (
        "videotestsrc name=src%d is-live=true "
        "! video/x-raw,format=NV12,width=640,height=480,framerate=%d/1 "
        "! %s name=under_test "
        "! fakesink name=sink sync=true signal-handoffs=true",
        i, FPS, element);
    GstElement *src, *sink;
    GstPad *pad;
    GstBus *bus;

    s->index = i;
    s->samples = g_array_sized_new (FALSE, FALSE, sizeof (sample),
                                    (guint)(seconds * FPS * 1.1) + 16);
    s->pts = g_array_sized_new (FALSE, FALSE, sizeof (guint64),
                                (guint)(seconds * FPS * 1.1) + 16);
    s->pipeline = gst_parse_launch (desc, &err);
    if (s->pipeline == NULL) {
      fprintf (stderr, "many_streams: %s: %s\n", desc, err->message);
      return 1;
    }
    g_free (desc);
    gst_pipeline_set_auto_flush_bus (GST_PIPELINE (s->pipeline), TRUE);
    if (strcmp (variant, "identity") != 0)
      s->ec = gst_bin_get_by_name (GST_BIN (s->pipeline), "under_test");
    {
      gchar *name = g_strdup_printf ("src%d", i);
      src = gst_bin_get_by_name (GST_BIN (s->pipeline), name);
      g_free (name);
    }
    pad = gst_element_get_static_pad (src, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_produced, s, NULL);
    gst_object_unref (pad);
    gst_object_unref (src);
    sink = gst_bin_get_by_name (GST_BIN (s->pipeline), "sink");
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), s);
    gst_object_unref (sink);
    bus = gst_element_get_bus (s->pipeline);
    gst_bus_set_sync_handler (bus, on_bus_sync, s, NULL);
    gst_bus_add_watch (bus, on_bus, s);
    gst_object_unref (bus);
  }

  double load_start = loadavg1 ();
  b->t0 = g_get_monotonic_time ();
  for (gint i = 0; i < n; i++) {
    if (gst_element_set_state (b->streams[i].pipeline, GST_STATE_PLAYING)
        == GST_STATE_CHANGE_FAILURE) {
      fprintf (stderr, "many_streams: stream %d could not start\n", i);
      b->failed = TRUE;
    }
  }
  if (!b->failed) {
    on_tick (NULL);
    g_timeout_add (1000, on_tick, NULL);
    g_main_loop_run (b->loop);
  }
  double load_end = loadavg1 ();

  if (!b->failed && b->tick_end > b->tick_start && b->tick_start >= 0) {
    /* the stats are read before the pipelines stop */
    gchar *json = report (variant, model ? model : "builtin", element,
                          load_start, load_end);
    FILE *f = output ? fopen (output, "w") : stdout;
    if (f == NULL) {
      fprintf (stderr, "many_streams: cannot write %s\n", output);
    } else {
      fputs (json, f);
      if (f != stdout)
        fclose (f);
      ret = 0;
    }
    g_free (json);
  }

  for (gint i = 0; i < n; i++) {
    stream *s = &b->streams[i];
    gst_element_set_state (s->pipeline, GST_STATE_NULL);
    if (s->ec)
      gst_object_unref (s->ec);
    gst_object_unref (s->pipeline);
    g_array_free (s->samples, TRUE);
    g_array_free (s->pts, TRUE);
    g_free (s->first_age_error);
    g_free (s->error);
  }
  g_free (b->streams);
  g_array_free (b->ticks, TRUE);
  g_main_loop_unref (b->loop);
  g_free (element);
  g_free (variant);
  g_free (model);
  g_free (output);
  g_free (extra);
  return ret;
}

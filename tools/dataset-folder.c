/* Image-folder reader (see dataset.h): one sub-folder a class, each file
 * decoded by GStreamer (decodebin + videoconvert + appsink) to GRAY8 or RGB.
 * GStreamer stays in tools/; nn/ never links it. */
#include "dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Whether a file name ends in one of DS_IMAGE_EXTENSIONS, in any case. */
static int
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');
  const char *p = DS_IMAGE_EXTENSIONS;
  size_t len;

  if (!dot || dot == name)
    return 0;
  len = strlen (dot);
  while ((p = strchr (p, '.'))) {
    const size_t n = strcspn (p, " ");
    if (n == len && g_ascii_strncasecmp (p, dot, n) == 0)
      return 1;
    p += n;
  }
  return 0;
}

/* Sorted names of the entries of `dir` that are directories (want_dirs) or
 * regular files named like images; other regular files are counted in
 * *skipped (when non-NULL) and the first one seen kept in *first.
 * NULL-terminated, malloc'd. */
static nn_status
list_dir (const char *dir, int want_dirs, char ***out, size_t *count,
          size_t *skipped, char **first, nn_error *err)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  char **v = NULL;
  size_t n = 0, cap = 0;

  *out = NULL;
  *count = 0;
  if (!d)
    return ds_fail (err, errno == ENOENT ? NN_NOT_FOUND : NN_IO,
                    "cannot open folder %s: %s", dir, strerror (errno));
  while ((e = readdir (d))) {
    struct stat sb;
    char *path;
    if (e->d_name[0] == '.')
      continue;
    if (asprintf (&path, "%s/%s", dir, e->d_name) < 0)
      goto nomem;
    int ok = stat (path, &sb) == 0
             && (want_dirs ? S_ISDIR (sb.st_mode) : S_ISREG (sb.st_mode));
    free (path);
    if (ok && !want_dirs && !is_image_name (e->d_name)) {
      ok = 0;
      if (skipped && (*skipped)++ == 0 && first && !*first
          && !(*first = strdup (e->d_name)))
        goto nomem;
    }
    if (!ok)
      continue;
    if (n + 1 >= cap) {
      cap = cap ? cap * 2 : 64;
      char **nv = realloc (v, cap * sizeof *v);
      if (!nv)
        goto nomem;
      v = nv;
    }
    if (!(v[n] = strdup (e->d_name)))
      goto nomem;
    v[++n] = NULL;
  }
  closedir (d);
  if (n)
    qsort (v, n, sizeof *v, cmp_str);
  *out = v;
  *count = n;
  return NN_OK;

nomem:
  closedir (d);
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
  return ds_fail (err, NN_NOMEM, "out of memory listing %s", dir);
}

static void
free_list (char **v)
{
  if (!v)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

/* Decodes one image file to `format` through decodebin + videoconvert. */
static nn_status
decode_image (const char *path, nn_pixel_format format, ds_image *img,
              uint8_t **owned, nn_error *err)
{
  const char *fmt = format == NN_PIX_GRAY8 ? "GRAY8" : "RGB";
  const int bpp = format == NN_PIX_GRAY8 ? 1 : 3;
  char desc[256];
  GError *gerr = NULL;
  GstElement *pipe, *src, *sink;
  GstSample *sample = NULL;
  nn_status st = NN_OK;

  snprintf (desc, sizeof desc,
            "filesrc name=src ! decodebin ! videoconvert "
            "! video/x-raw,format=%s ! appsink name=sink sync=false",
            fmt);
  pipe = gst_parse_launch (desc, &gerr);
  if (!pipe) {
    st = ds_fail (err, NN_INTERNAL, "cannot build the decoding pipeline: %s",
                  gerr ? gerr->message : "?");
    g_clear_error (&gerr);
    return st;
  }
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_object_set (src, "location", path, NULL);
  /* Preroll: the first picture reaches the sink, or an error (not an
   * image, a corrupt one) comes at once on the bus. Waiting for whichever
   * comes first, not for a fixed time, keeps a bad file from costing
   * seconds; the bound only guards against a decoder that hangs. */
  {
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *msg;
    GError *e = NULL;

    gst_element_set_state (pipe, GST_STATE_PAUSED);
    msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
                                      GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR
                                          | GST_MESSAGE_EOS);
    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE)
      sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (sink), 0);
    if (!sample) {
      if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
        gst_message_parse_error (msg, &e, NULL);
      st = ds_fail (err, NN_BAD_MODEL, "cannot decode %s as an image: %s", path,
                    e     ? e->message
                    : msg ? "no picture came out"
                          : "the decoder gave nothing in 60 s");
      g_clear_error (&e);
    }
    if (msg)
      gst_message_unref (msg);
    gst_object_unref (bus);
    if (!sample)
      goto out;
  }

  GstVideoInfo info;
  GstVideoFrame frame;
  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
      || !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
                               GST_MAP_READ)) {
    st = ds_fail (err, NN_BAD_MODEL, "%s: decoder gave an unreadable frame",
                  path);
    goto out;
  }
  const int w = GST_VIDEO_FRAME_WIDTH (&frame);
  const int h = GST_VIDEO_FRAME_HEIGHT (&frame);
  if (w < 1 || h < 1 || w > DS_MAX_SIDE || h > DS_MAX_SIDE) {
    gst_video_frame_unmap (&frame);
    st = ds_fail (err, NN_UNSUPPORTED,
                  "%s: %dx%d pixels, accepted up to "
                  "%dx%d",
                  path, w, h, DS_MAX_SIDE, DS_MAX_SIDE);
    goto out;
  }
  *owned = malloc ((size_t)w * h * bpp);
  if (!*owned) {
    gst_video_frame_unmap (&frame);
    st = ds_fail (err, NN_NOMEM, "%s: out of memory", path);
    goto out;
  }
  const uint8_t *p = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (int y = 0; y < h; y++)
    memcpy (*owned + (size_t)y * w * bpp, p + (size_t)y * stride,
            (size_t)w * bpp);
  gst_video_frame_unmap (&frame);
  img->format = format;
  img->width = w;
  img->height = h;
  img->stride = w * bpp;
  img->data = *owned;

out:
  if (sample)
    gst_sample_unref (sample);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  return st;
}

nn_status
ds_load_folder (const char *dir, nn_pixel_format format, size_t limit,
                ds_dataset **out, nn_error *err)
{
  char **classes = NULL, ***files = NULL, *first_skipped = NULL;
  size_t n_classes = 0, total = 0, *counts = NULL, skipped = 0;
  ds_dataset *ds = NULL;
  nn_status st;
  GError *gerr = NULL;

  *out = NULL;
  if (format != NN_PIX_GRAY8 && format != NN_PIX_RGB)
    return ds_fail (err, NN_INVALID_ARG, "folders decode to GRAY8 or RGB");
  if (!gst_init_check (NULL, NULL, &gerr)) {
    st = ds_fail (err, NN_INTERNAL, "cannot initialise GStreamer: %s",
                  gerr ? gerr->message : "?");
    g_clear_error (&gerr);
    return st;
  }
  if ((st = list_dir (dir, 1, &classes, &n_classes, NULL, NULL, err)) != NN_OK)
    return st;
  if (n_classes < 2 || n_classes > DS_MAX_CLASSES) {
    st = ds_fail (err, NN_INVALID_ARG,
                  "%s has %zu class sub-folders, need "
                  "2..%d",
                  dir, n_classes, DS_MAX_CLASSES);
    goto out;
  }
  files = calloc (n_classes, sizeof *files);
  counts = calloc (n_classes, sizeof *counts);
  if (!files || !counts) {
    st = ds_fail (err, NN_NOMEM, "out of memory");
    goto out;
  }
  for (size_t c = 0; c < n_classes; c++) {
    char *sub;
    if (asprintf (&sub, "%s/%s", dir, classes[c]) < 0) {
      st = ds_fail (err, NN_NOMEM, "out of memory");
      goto out;
    }
    size_t was = skipped;
    char *first = NULL;
    st = list_dir (sub, 0, &files[c], &counts[c], &skipped, &first, err);
    free (sub);
    if (first && !first_skipped && was == 0
        && asprintf (&first_skipped, "%s/%s", classes[c], first) < 0)
      first_skipped = NULL;
    free (first);
    if (st != NN_OK)
      goto out;
    if (counts[c] == 0) {
      st = ds_fail (err, NN_INVALID_ARG,
                    "%s/%s has no image files (names ending in %s)", dir,
                    classes[c], DS_IMAGE_EXTENSIONS);
      goto out;
    }
    if (limit > 0 && counts[c] > limit)
      counts[c] = limit;
    total += counts[c];
  }
  if (total > DS_MAX_ITEMS) {
    st = ds_fail (err, NN_INVALID_ARG, "%s: more than %d images", dir,
                  DS_MAX_ITEMS);
    goto out;
  }

  ds = ds_new (total);
  if (!ds || !(ds->owned = calloc (total, sizeof *ds->owned))
      || !(ds->class_names = calloc (n_classes, sizeof (char *)))) {
    st = ds_fail (err, NN_NOMEM, "out of memory for %zu images", total);
    goto out;
  }
  ds->n_classes = (int)n_classes;
  ds->n_skipped = skipped;
  ds->first_skipped = first_skipped;
  first_skipped = NULL;
  for (size_t c = 0; c < n_classes; c++) {
    ds->class_names[c] = classes[c];
    classes[c] = NULL;
  }
  for (size_t c = 0, at = 0; c < n_classes; c++)
    for (size_t i = 0; i < counts[c]; i++, at++) {
      char *path;
      if (asprintf (&path, "%s/%s/%s", dir, ds->class_names[c], files[c][i])
          < 0) {
        st = ds_fail (err, NN_NOMEM, "out of memory");
        goto out;
      }
      st = decode_image (path, format, &ds->images[at], &ds->owned[at], err);
      free (path);
      if (st != NN_OK)
        goto out;
      ds->labels[at] = (int32_t)c;
      ds->n = at + 1;
    }
  *out = ds;
  ds = NULL;

out:
  ds_free (ds);
  free (first_skipped);
  if (files)
    for (size_t c = 0; c < n_classes; c++)
      free_list (files[c]);
  free (files);
  free (counts);
  if (classes) {
    for (size_t c = 0; c < n_classes; c++)
      free (classes[c]);
    free (classes);
  }
  return st;
}

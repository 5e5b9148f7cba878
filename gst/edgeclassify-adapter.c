/* edgeclassify: GStreamer <-> nn glue
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

#include "edgeclassify-adapter.h"

#include <stdarg.h>
#include <string.h>

void
ec_error_set (EcError *err, nn_status status, EcWhat what, const gchar *path,
              const gchar *detail_fmt, ...)
{
  va_list args;

  if (err == NULL)
    return;
  /* never overwrite the first failure */
  if (err->status != NN_OK)
    return;

  err->status = status;
  err->what = what;
  err->path = g_strdup (path);
  va_start (args, detail_fmt);
  err->detail = g_strdup_vprintf (detail_fmt, args);
  va_end (args);
}

void
ec_error_clear (EcError *err)
{
  g_clear_pointer (&err->path, g_free);
  g_clear_pointer (&err->detail, g_free);
  err->status = NN_OK;
}

void
ec_status_to_gst (nn_status status, EcWhat what, GQuark *domain, gint *code)
{
  switch (status) {
  case NN_NOT_FOUND:
    *domain = GST_RESOURCE_ERROR;
    *code = GST_RESOURCE_ERROR_NOT_FOUND;
    break;
  case NN_IO:
    *domain = GST_RESOURCE_ERROR;
    *code = GST_RESOURCE_ERROR_OPEN_READ;
    break;
  case NN_BAD_MODEL:
    /* the bytes of a file are wrong: treat it as a corrupt resource */
    *domain = GST_RESOURCE_ERROR;
    *code = GST_RESOURCE_ERROR_READ;
    break;
  case NN_UNSUPPORTED:
    /* a valid file this build cannot run */
    *domain = GST_LIBRARY_ERROR;
    *code = GST_LIBRARY_ERROR_SETTINGS;
    break;
  case NN_SHAPE:
    if (what == EC_WHAT_CAPS) {
      *domain = GST_CORE_ERROR;
      *code = GST_CORE_ERROR_NEGOTIATION;
    } else if (what == EC_WHAT_LABELS) {
      /* labels that do not go with the model */
      *domain = GST_RESOURCE_ERROR;
      *code = GST_RESOURCE_ERROR_SETTINGS;
    } else {
      /* shapes inside the model do not fit together */
      *domain = GST_STREAM_ERROR;
      *code = GST_STREAM_ERROR_FORMAT;
    }
    break;
  case NN_INVALID_ARG:
    *domain = GST_LIBRARY_ERROR;
    *code = GST_LIBRARY_ERROR_SETTINGS;
    break;
  case NN_NOMEM:
    *domain = GST_CORE_ERROR;
    *code = GST_CORE_ERROR_FAILED;
    break;
  case NN_INTERNAL:
  case NN_OK:
  default:
    *domain = GST_STREAM_ERROR;
    *code = GST_STREAM_ERROR_FAILED;
    break;
  }
}

static gchar *
ec_error_sentence (const EcError *err)
{
  const gchar *path = err->path ? err->path : "(built-in)";

  switch (err->what) {
  case EC_WHAT_MODEL:
    switch (err->status) {
    case NN_NOT_FOUND:
      return g_strdup_printf ("Could not find model file \"%s\".", path);
    case NN_IO:
      return g_strdup_printf ("Could not read model file \"%s\".", path);
    case NN_BAD_MODEL:
      return g_strdup_printf ("Model file \"%s\" is not a valid ONNX "
                              "model.",
                              path);
    case NN_UNSUPPORTED:
    case NN_SHAPE:
      return g_strdup_printf ("Model \"%s\" is not an image classifier "
                              "this element can run.",
                              path);
    case NN_NOMEM:
      return g_strdup_printf ("Not enough memory for model \"%s\".", path);
    default:
      return g_strdup_printf ("Could not load model \"%s\".", path);
    }
  case EC_WHAT_LABELS:
    switch (err->status) {
    case NN_NOT_FOUND:
      return g_strdup_printf ("Could not find labels file \"%s\".", path);
    case NN_IO:
      return g_strdup_printf ("Could not read labels file \"%s\".", path);
    case NN_SHAPE:
      return g_strdup_printf ("Labels \"%s\" do not match the model's "
                              "classes.",
                              path);
    default:
      return g_strdup_printf ("Invalid labels \"%s\".", path);
    }
  case EC_WHAT_SETTINGS:
    /* path: the property concerned */
    if (err->path != NULL)
      return g_strdup_printf ("Invalid value for property \"%s\".", err->path);
    return g_strdup ("Invalid element settings.");
  case EC_WHAT_CAPS:
    return g_strdup ("The video format does not fit the model.");
  case EC_WHAT_INFERENCE:
  default:
    if (err->status == NN_NOMEM)
      return g_strdup ("Not enough memory to run the model.");
    return g_strdup ("Classification failed.");
  }
}

void
ec_post_error (GstElement *element, GstMessageType type, const EcError *err,
               const gchar *file, const gchar *function, gint line)
{
  GQuark domain;
  gint code;
  gchar *text, *debug;

  ec_status_to_gst (err->status, err->what, &domain, &code);
  text = ec_error_sentence (err);
  debug = g_strdup_printf (
      "%s%s%s: %s", err->path ? err->path : "", err->path ? ": " : "",
      nn_status_to_string (err->status), err->detail ? err->detail : "");
  /* takes ownership of text and debug */
  gst_element_message_full (element, type, domain, code, text, debug, file,
                            function, line);
}

/* GStreamer's format for each row of nn's format table, by name. */
static const GstVideoFormat *
ec_video_formats (void)
{
  static GstVideoFormat formats[NN_PIX_N_FORMATS];
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    for (gint f = 0; f < NN_PIX_N_FORMATS; f++)
      formats[f] = gst_video_format_from_string (
          nn_pixel_format_name ((nn_pixel_format)f));
    g_once_init_leave (&done, 1);
  }
  return formats;
}

gint
ec_pixel_format_from_video (GstVideoFormat format)
{
  const GstVideoFormat *formats = ec_video_formats ();

  if (format == GST_VIDEO_FORMAT_UNKNOWN)
    return -1;
  for (gint f = 0; f < NN_PIX_N_FORMATS; f++)
    if (formats[f] == format)
      return f;
  return -1;
}

GstCaps *
ec_video_caps_new (void)
{
  GValue list = G_VALUE_INIT, name = G_VALUE_INIT;
  GstCaps *caps;

  g_value_init (&list, GST_TYPE_LIST);
  g_value_init (&name, G_TYPE_STRING);
  for (gint f = 0; f < NN_PIX_N_FORMATS; f++) {
    g_value_set_static_string (&name,
                               nn_pixel_format_name ((nn_pixel_format)f));
    gst_value_list_append_value (&list, &name);
  }
  caps = gst_caps_from_string (GST_VIDEO_CAPS_MAKE ("GRAY8"));
  gst_caps_set_value (caps, "format", &list);
  g_value_unset (&name);
  g_value_unset (&list);
  return caps;
}

void
ec_add_video_pad_templates (GstElementClass *klass)
{
  GstCaps *caps = ec_video_caps_new ();

  gst_element_class_add_pad_template (
      klass, gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (
      klass, gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
}

gboolean
ec_image_from_frame (const GstVideoFrame *frame, nn_image *img)
{
  const GstVideoInfo *info = &frame->info;
  gint fmt = ec_pixel_format_from_video (GST_VIDEO_INFO_FORMAT (info));

  if (fmt < 0)
    return FALSE;

  memset (img, 0, sizeof (*img));
  img->format = (nn_pixel_format)fmt;
  img->width = GST_VIDEO_INFO_WIDTH (info);
  img->height = GST_VIDEO_INFO_HEIGHT (info);

  /* Three planes are Y, U, V whatever their order in memory: use the
   * component accessors (YV12 keeps V in plane 1). Otherwise plane p is
   * nn's plane p (packed: the start of the pixel, not of a component). */
  nn_pixel_format_info fi;
  nn_pixel_format_describe (img->format, &fi, NULL);
  for (gint p = 0; p < fi.n_planes; p++) {
    if (fi.n_planes == 3) {
      img->planes[p] = GST_VIDEO_FRAME_COMP_DATA (frame, p);
      img->strides[p] = GST_VIDEO_FRAME_COMP_STRIDE (frame, p);
    } else {
      img->planes[p] = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
      img->strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
    }
  }

  /* nn knows BT.601 and BT.709; map the rest to the closer one */
  switch (info->colorimetry.matrix) {
  case GST_VIDEO_COLOR_MATRIX_BT709:
  case GST_VIDEO_COLOR_MATRIX_SMPTE240M:
  case GST_VIDEO_COLOR_MATRIX_BT2020:
    img->matrix = NN_YUV_BT709;
    break;
  default:
    img->matrix = NN_YUV_BT601;
    break;
  }
  img->full_range = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;

  return TRUE;
}

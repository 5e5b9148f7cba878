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

gint
ec_pixel_format_from_video (GstVideoFormat format)
{
  switch (format) {
  case GST_VIDEO_FORMAT_GRAY8:
    return NN_PIX_GRAY8;
  case GST_VIDEO_FORMAT_RGB:
    return NN_PIX_RGB;
  case GST_VIDEO_FORMAT_BGR:
    return NN_PIX_BGR;
  case GST_VIDEO_FORMAT_RGBA:
    return NN_PIX_RGBA;
  case GST_VIDEO_FORMAT_BGRA:
    return NN_PIX_BGRA;
  case GST_VIDEO_FORMAT_RGBx:
    return NN_PIX_RGBX;
  case GST_VIDEO_FORMAT_BGRx:
    return NN_PIX_BGRX;
  case GST_VIDEO_FORMAT_xRGB:
    return NN_PIX_XRGB;
  case GST_VIDEO_FORMAT_xBGR:
    return NN_PIX_XBGR;
  case GST_VIDEO_FORMAT_ARGB:
    return NN_PIX_ARGB;
  case GST_VIDEO_FORMAT_ABGR:
    return NN_PIX_ABGR;
  case GST_VIDEO_FORMAT_I420:
    return NN_PIX_I420;
  case GST_VIDEO_FORMAT_YV12:
    return NN_PIX_YV12;
  case GST_VIDEO_FORMAT_NV12:
    return NN_PIX_NV12;
  case GST_VIDEO_FORMAT_NV21:
    return NN_PIX_NV21;
  case GST_VIDEO_FORMAT_YUY2:
    return NN_PIX_YUY2;
  case GST_VIDEO_FORMAT_UYVY:
    return NN_PIX_UYVY;
  default:
    return -1;
  }
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

  switch (img->format) {
  case NN_PIX_I420:
  case NN_PIX_YV12:
    /* nn wants Y, U, V whatever the plane order in memory: use the
     * component accessors (YV12 keeps V in plane 1) */
    for (guint c = 0; c < 3; c++) {
      img->planes[c] = GST_VIDEO_FRAME_COMP_DATA (frame, c);
      img->strides[c] = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
    }
    break;
  case NN_PIX_NV12:
  case NN_PIX_NV21:
    for (guint p = 0; p < 2; p++) {
      img->planes[p] = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
      img->strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
    }
    break;
  default:
    /* packed: the start of the pixel, not of a component */
    img->planes[0] = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
    img->strides[0] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
    break;
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

/* Helpers shared by the edgeclassify element tests (gst-check). */
#ifndef EC_TEST_UTIL_H
#define EC_TEST_UTIL_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

/* A fixture model of make_models.py (in EDGECLASSIFY_TEST_MODELS). */
gchar *model_path (const gchar *name);

/* "PRE ! edgeclassify name=c model=MODEL PROPS" with source caps @caps. */
GstHarness *harness_new (const gchar *pre, const gchar *model,
                         const gchar *props, const gchar *caps);
/* The harness' edgeclassify (the harness holds the reference). */
GstElement *harness_classifier (GstHarness *h);

/* A smooth gradient picture in RGB (gray when @gray); one pixel's value. */
void smooth_rgb (gint x, gint y, gint w, gint h, gboolean gray, guint8 *rgb);
GstBuffer *smooth_rgb_buffer (gint w, gint h, gboolean gray);
/* A buffer of @info's size filled with a fixed byte pattern. */
GstBuffer *pattern_buffer (const GstVideoInfo *info);
gchar *caps_str (const gchar *format, gint w, gint h);

/* The first region meta's "classification" param (fails if none). */
const GstStructure *get_result (GstBuffer *buf,
                                GstVideoRegionOfInterestMeta **meta_out);
gint result_id (const GstStructure *s);
gdouble result_confidence (const GstStructure *s);
guint count_roi_metas (GstBuffer *buf);

/* A bus of its own for @element, to pop its messages. */
GstBus *watch_bus (GstElement *element);

/* Sets @props (name, value pairs; a value "@f" is the fixture f), starts
 * edgeclassify with @model and checks the ERROR: @domain, @code, and
 * @mention in its message or debug string. */
void expect_start_error (const gchar *model, const gchar *const *props,
                         GQuark domain, gint code, const gchar *mention);

#endif

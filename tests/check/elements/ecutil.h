/* Helpers shared by the edgeclassify element tests (gst-check). */
#ifndef EC_TEST_UTIL_H
#define EC_TEST_UTIL_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

/* Gray 28x28 (the seed model's input) and 64x64 frames at 30 fps. */
#define GRAY28 "video/x-raw,format=GRAY8,width=28,height=28,framerate=30/1"
#define GRAY64 "video/x-raw,format=GRAY8,width=64,height=64,framerate=30/1"

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

/* Frame @n of a 30 fps stream of @info: its own picture, PTS and duration. */
GstBuffer *frame_at (const GstVideoInfo *info, guint n);
/* The element's "stats" structure (owned); one uint64 field of it or of
 * @s (fails when missing). */
GstStructure *stats_of (GstElement *c);
guint64 stat_u64 (GstElement *c, const gchar *field);
guint64 u64 (const GstStructure *s, const gchar *field);

/* The frame of the element's newest published result ("last-result"), -1
 * while there is none; waiting until it is @frame or later. */
gint64 last_result_frame (GstElement *c);
void wait_result_of (GstElement *c, gint64 frame);

/* A bus of its own for @element, to pop its messages. */
GstBus *watch_bus (GstElement *element);

/* Sets @props (name, value pairs; a value "@f" is the fixture f), starts
 * edgeclassify with @model and checks the ERROR: @domain, @code, and
 * @mention in its message or debug string. */
void expect_start_error (const gchar *model, const gchar *const *props,
                         GQuark domain, gint code, const gchar *mention);

/* Decisions (mix.onnx: the mean of each colour channel is that class's
 * probability; red, green, blue). */
#define MIX_W 64
#define MIX_H 64
#define MIX_CAPS "video/x-raw,format=RGB,width=64,height=64,framerate=30/1"
#define FRAME_NS (GST_SECOND / 30)

/* A region of a test frame: a solid colour, with the upstream id. */
typedef struct {
  gint x, y, w, h;
  gint id;
  guint8 rgb[3];
} TestBox;

/* A MIX_W x MIX_H RGB frame of colour @rgb with PTS @i x FRAME_NS; with
 * @boxes, each painted on it and given a region meta of type "thing". */
GstBuffer *mix_frame (guint i, const guint8 rgb[3], const TestBox *boxes,
                      guint n_boxes);
/* The "edgeclassify-event" structures among the events the harness got so
 * far (the others are dropped), appended to @out (GstStructure, owned). */
void pull_decision_events (GstHarness *h, GPtrArray *out);
/* The "classification" param of the region meta with @id (fails if none
 * and @must); NULL when it has none. */
const GstStructure *region_result (GstBuffer *buf, gint id, gboolean must);
guint64 region_object_id (const GstStructure *s);

#endif

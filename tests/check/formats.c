/* The pixel formats: nn's table (nn/preprocess.c) is the one list. Checks
 * that GStreamer describes each of its formats the way nn reads it, that
 * the GStreamer <-> nn mapping and both elements' pad templates are made
 * from it, and that the format list in docs/elements.md is the same. */
#include "edgeclassify-adapter.h"

#include <gst/check/gstcheck.h>
#include <nn/preprocess.h>

static nn_pixel_format_info
describe (gint f)
{
  nn_pixel_format_info info;
  nn_error err = { NN_OK, "" };

  fail_unless (nn_pixel_format_describe ((nn_pixel_format)f, &info, &err)
                   == NN_OK,
               "format %d: %s", f, err.message);
  return info;
}

GST_START_TEST (test_gstreamer_agrees)
{
  for (gint f = 0; f < NN_PIX_N_FORMATS; f++) {
    nn_pixel_format_info nn = describe (f);
    GstVideoFormat g = gst_video_format_from_string (nn.name);
    const GstVideoFormatInfo *gi = gst_video_format_get_info (g);

    fail_unless (g != GST_VIDEO_FORMAT_UNKNOWN, "%s unknown to GStreamer",
                 nn.name);
    fail_unless_equals_int (GST_VIDEO_FORMAT_INFO_N_PLANES (gi), nn.n_planes);
    fail_unless_equals_int (GST_VIDEO_FORMAT_INFO_N_COMPONENTS (gi),
                            nn.layout == NN_LAYOUT_GRAY            ? 1
                            : GST_VIDEO_FORMAT_INFO_HAS_ALPHA (gi) ? 4
                                                                   : 3);
    fail_unless_equals_int (GST_VIDEO_FORMAT_INFO_IS_YUV (gi),
                            nn.layout >= NN_LAYOUT_YUV_PLANAR);
    /* bytes between pixels of plane 0: luma's (or the pixel's) stride */
    fail_unless_equals_int (GST_VIDEO_FORMAT_INFO_PSTRIDE (gi, 0),
                            nn.pixel_stride);
    if (nn.layout >= NN_LAYOUT_YUV_PLANAR) {
      fail_unless_equals_int (GST_VIDEO_FORMAT_INFO_W_SUB (gi, 1),
                              nn.chroma_shift_x);
      fail_unless_equals_int (GST_VIDEO_FORMAT_INFO_H_SUB (gi, 1),
                              nn.chroma_shift_y);
    } else {
      fail_unless_equals_int (nn.chroma_shift_x, 0);
      fail_unless_equals_int (nn.chroma_shift_y, 0);
    }
    /* the mapping is the table, both ways */
    fail_unless_equals_int (ec_pixel_format_from_video (g), f);
  }
}
GST_END_TEST;

GST_START_TEST (test_mapping_refuses_others)
{
  /* formats GStreamer has and nn does not read */
  static const GstVideoFormat others[]
      = { GST_VIDEO_FORMAT_UNKNOWN,   GST_VIDEO_FORMAT_ENCODED,
          GST_VIDEO_FORMAT_NV16,      GST_VIDEO_FORMAT_P010_10LE,
          GST_VIDEO_FORMAT_GRAY16_LE, GST_VIDEO_FORMAT_Y444,
          GST_VIDEO_FORMAT_v210,      GST_VIDEO_FORMAT_RGB16 };
  nn_pixel_format_info info;

  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    fail_unless_equals_int (ec_pixel_format_from_video (others[i]), -1);
  fail_unless (nn_pixel_format_describe (NN_PIX_N_FORMATS, &info, NULL)
               == NN_INVALID_ARG);
  fail_unless (nn_pixel_format_describe ((nn_pixel_format)-1, &info, NULL)
               == NN_INVALID_ARG);
  fail_unless (nn_pixel_format_describe (NN_PIX_NV12, NULL, NULL)
               == NN_INVALID_ARG);
}
GST_END_TEST;

/* The "format" list of @caps' first structure, as a string "A, B, ...". */
static gchar *
format_list (const GstCaps *caps)
{
  const GValue *list
      = gst_structure_get_value (gst_caps_get_structure (caps, 0), "format");
  GString *out = g_string_new (NULL);

  fail_unless (list != NULL && GST_VALUE_HOLDS_LIST (list));
  for (guint i = 0; i < gst_value_list_get_size (list); i++)
    g_string_append_printf (
        out, "%s%s", i ? ", " : "",
        g_value_get_string (gst_value_list_get_value (list, i)));
  return g_string_free (out, FALSE);
}

static gchar *
table_list (void)
{
  GString *out = g_string_new (NULL);

  for (gint f = 0; f < NN_PIX_N_FORMATS; f++)
    g_string_append_printf (out, "%s%s", f ? ", " : "", describe (f).name);
  return g_string_free (out, FALSE);
}

GST_START_TEST (test_pad_templates_are_the_table)
{
  static const gchar *elements[] = { "edgeclassify", "edgeoverlay" };
  gchar *want = table_list ();

  for (guint e = 0; e < G_N_ELEMENTS (elements); e++) {
    GstElement *el = gst_element_factory_make (elements[e], NULL);

    fail_unless (el != NULL, "no element %s", elements[e]);
    for (guint p = 0; p < 2; p++) {
      GstPadTemplate *t = gst_element_class_get_pad_template (
          GST_ELEMENT_GET_CLASS (el), p ? "src" : "sink");
      GstCaps *caps = gst_pad_template_get_caps (t);
      gchar *got = format_list (caps);

      fail_unless_equals_string (got, want);
      g_free (got);
      gst_caps_unref (caps);
    }
    gst_object_unref (el);
  }
  g_free (want);
}
GST_END_TEST;

/* docs/elements.md shows the caps as "format={ A, B, ... }" */
GST_START_TEST (test_docs_list_the_table)
{
  const gchar *root = g_getenv ("EDGECLASSIFY_SOURCE_ROOT");
  gchar *path, *text, *start, *end, **names, *got, *want;
  GString *joined = g_string_new (NULL);

  fail_unless (root != NULL, "EDGECLASSIFY_SOURCE_ROOT is not set");
  path = g_build_filename (root, "docs", "elements.md", NULL);
  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "%s", path);
  start = strstr (text, "format={");
  fail_unless (start != NULL, "%s: no format={ ... } list", path);
  start += strlen ("format={");
  end = strchr (start, '}');
  fail_unless (end != NULL);
  *end = '\0';
  names = g_strsplit_set (start, ", \n", -1);
  for (guint i = 0; names[i]; i++)
    if (*names[i])
      g_string_append_printf (joined, "%s%s", joined->len ? ", " : "",
                              names[i]);
  got = g_string_free (joined, FALSE);
  want = table_list ();
  fail_unless_equals_string (got, want);
  g_free (want);
  g_free (got);
  g_strfreev (names);
  g_free (text);
  g_free (path);
}
GST_END_TEST;

static Suite *
formats_suite (void)
{
  Suite *s = suite_create ("formats");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_gstreamer_agrees);
  tcase_add_test (tc, test_mapping_refuses_others);
  tcase_add_test (tc, test_pad_templates_are_the_table);
  tcase_add_test (tc, test_docs_list_the_table);
  return s;
}

GST_CHECK_MAIN (formats);

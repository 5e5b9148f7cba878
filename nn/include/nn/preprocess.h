/* Raw image planes -> model input tensor, in one pass.
 *
 * Shared by the GStreamer element, the trainer and the evaluator, so a model
 * sees exactly the same numbers in training and in deployment. Pure C: tests
 * need no pipeline.
 *
 *   nn_preprocessor_create()  once per (source size limit, output params):
 *                             allocates all scratch
 *   nn_preprocess()           per frame or per region: no allocation
 *
 * What it computes, exactly (tests/nn/preprocess holds a naive reference):
 *  - Each source pixel is converted to the model's colour first, in float,
 *    clamped to 0..255: the result is "convert to 8-bit RGB, then resize"
 *    without the 8-bit rounding. YUV -> RGB uses the image's matrix (Kr, Kb
 *    of BT.601 or BT.709) and range (limited: Y 16..235, chroma 16..240).
 *    GRAY from RGB is 0.299 R + 0.587 G + 0.114 B (BT.601 luma, as OpenCV,
 *    PIL and torchvision); GRAY from YUV is the luma plane itself
 *    (stretched to 0..255 when limited range).
 *  - 4:2:0 and 4:2:2 chroma is replicated: pixel (x, y) uses chroma sample
 *    (x / 2, y / 2) (4:2:2: (x / 2, y)), as OpenCV's cvtColor does.
 *  - Bilinear maps output pixel centres onto the source and repeats edge
 *    pixels: OpenCV INTER_LINEAR. Area averages each output pixel's exact
 *    footprint (a box filter): OpenCV INTER_AREA when shrinking.
 *  - Letterbox: the region is scaled to fit; the fitting side fills the
 *    output, the other is round(side * scale); the content is centred,
 *    rounding the offset down. Centre crop: the region's middle part with
 *    the output's aspect ratio (width or height round()ed, offset rounded
 *    down) fills the output.
 * Results do not depend on the CPU: the AVX2 build of the row kernels and
 * the baseline one give the same bits.
 */
#ifndef NN_PREPROCESS_H
#define NN_PREPROCESS_H

#include "nn/nn.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nn_pixel_format {
  NN_PIX_GRAY8 = 0,
  NN_PIX_RGB,
  NN_PIX_BGR,
  NN_PIX_RGBA,
  NN_PIX_BGRA,
  NN_PIX_RGBX,
  NN_PIX_BGRX,
  NN_PIX_XRGB,
  NN_PIX_XBGR,
  NN_PIX_ARGB,
  NN_PIX_ABGR,
  NN_PIX_I420,
  NN_PIX_YV12, /* 3 planes; YV12 = V before U */
  NN_PIX_NV12,
  NN_PIX_NV21, /* Y + interleaved chroma */
  NN_PIX_YUY2,
  NN_PIX_UYVY, /* packed 4:2:2 */
  NN_PIX_N_FORMATS
} nn_pixel_format;

/* How a format's bytes are laid out; picks the sampler that reads it. */
typedef enum nn_pixel_layout {
  NN_LAYOUT_GRAY = 0,   /* one plane, one byte a pixel */
  NN_LAYOUT_RGB,        /* one plane, 3 or 4 bytes a pixel (R, G, B, pad) */
  NN_LAYOUT_YUV_PLANAR, /* Y, U, V planes */
  NN_LAYOUT_YUV_SEMI,   /* Y plane, interleaved chroma plane */
  NN_LAYOUT_YUV_PACKED  /* one plane of 4:2:2 macropixels (Y U Y V) */
} nn_pixel_layout;

/* What a pixel format is. nn/preprocess.c holds the one table of formats:
 * the element's caps, the GStreamer mapping, the overlay and the docs are
 * made from it or checked against it. */
typedef struct nn_pixel_format_info {
  const char *name; /* GStreamer's spelling, e.g. "NV12" */
  nn_pixel_layout layout;
  int n_planes;       /* planes of an nn_image in this format */
  int pixel_stride;   /* bytes from one pixel to the next in plane 0
                       * (packed 4:2:2: 2, a macropixel is 4) */
  int chroma_shift_x; /* log2 of the horizontal chroma subsampling */
  int chroma_shift_y; /* log2 of the vertical one (0 without chroma) */
} nn_pixel_format_info;

/* Describes `format` into *info; NN_INVALID_ARG for an unknown format. */
nn_status nn_pixel_format_describe (nn_pixel_format format,
                                    nn_pixel_format_info *info, nn_error *err);

/* Static name such as "NV12" (GStreamer's spelling); NULL when invalid. */
const char *nn_pixel_format_name (nn_pixel_format format);
/* Inverse of nn_pixel_format_name; -1 when unknown. */
int nn_pixel_format_from_name (const char *name);

typedef enum nn_yuv_matrix { NN_YUV_BT601 = 0, NN_YUV_BT709 } nn_yuv_matrix;

/* A source picture. planes/strides as in GstVideoFrame: for packed formats
 * only planes[0] (the first byte of the pixel row, padding bytes included);
 * I420/YV12: Y, U, V by component (GST_VIDEO_FRAME_COMP_DATA: for YV12
 * planes[1] is still U although V comes first in memory); NV12/NV21: Y,
 * interleaved chroma. Chroma planes have (width + 1) / 2 samples a row and
 * (height + 1) / 2 rows. Strides in bytes, at least the row size; padding
 * bytes are never read into the result. Nothing is written to the planes. */
typedef struct nn_image {
  nn_pixel_format format;
  int width, height;
  const uint8_t *planes[3];
  int strides[3];
  nn_yuv_matrix matrix;
  int full_range; /* nonzero: YUV uses 0..255, not 16..235 */
} nn_image;

typedef enum nn_color {
  NN_COLOR_GRAY = 0,
  NN_COLOR_RGB,
  NN_COLOR_BGR
} nn_color;

typedef enum nn_resize_mode {
  NN_RESIZE_STRETCH = 0, /* fill the output, aspect ratio lost */
  NN_RESIZE_LETTERBOX,   /* fit inside, pad the rest */
  NN_RESIZE_CENTER_CROP  /* fill the output, crop the overflow */
} nn_resize_mode;

typedef enum nn_interp {
  NN_INTERP_BILINEAR = 0,
  NN_INTERP_AREA /* box filter: best when shrinking a lot */
} nn_interp;

typedef struct nn_rect {
  int x, y, width, height;
} nn_rect;

typedef struct nn_preprocess_params {
  int out_width, out_height; /* the model's W and H */
  nn_color color;            /* the model's colour order (channels) */
  nn_resize_mode mode;
  nn_interp interp;
  /* out = (pixel * scale - mean[c]) / std[c], pixel in 0..255, per output
   * channel in the model's order. std must be nonzero. */
  float scale;
  float mean[3];
  float std[3];
  float pad_value; /* letterbox fill, in pixel units (0..255) */
} nn_preprocess_params;

/* Defaults: bilinear stretch, scale 1/255, mean 0, std 1, pad 0. */
void nn_preprocess_params_init (nn_preprocess_params *params, int out_width,
                                int out_height, nn_color color);

typedef struct nn_preprocessor nn_preprocessor;

/* max_src_width/height (1..65536) bound the sources later given to
 * nn_preprocess() (scratch for area filtering is sized from them). Params
 * are copied and checked: output size 1..16384, known enums, finite scale,
 * mean and pad value, finite nonzero std; NN_INVALID_ARG otherwise. On
 * failure *out is NULL. A preprocessor is used by one thread at a time. */
nn_status nn_preprocessor_create (const nn_preprocess_params *params,
                                  int max_src_width, int max_src_height,
                                  nn_preprocessor **out, nn_error *err);
void nn_preprocessor_free (nn_preprocessor *pp);

/* Channels in the output (1 for GRAY, 3 otherwise). */
int nn_preprocessor_channels (const nn_preprocessor *pp);

/* Converts region `roi` of `img` (NULL: the whole image; clipped to the
 * image; empty after clipping is NN_INVALID_ARG) into `out`, laid out as
 * C x out_height x out_width floats (NCHW, one batch item). Reports the
 * placed content rectangle in output pixels when `placed` is non-NULL
 * (letterbox: the part not padded). Allocates nothing. A source larger
 * than the maximum given at create is NN_INVALID_ARG. On failure nothing
 * is written to `out` or `placed`. */
nn_status nn_preprocess (nn_preprocessor *pp, const nn_image *img,
                         const nn_rect *roi, float *out, nn_rect *placed,
                         nn_error *err);

/* Checks an image description: known format and matrix, positive size,
 * planes present, strides large enough for width. */
nn_status nn_image_validate (const nn_image *img, nn_error *err);

#ifdef __cplusplus
}
#endif
#endif /* NN_PREPROCESS_H */

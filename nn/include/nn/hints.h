/* Preprocessing hints and class labels that travel with a model, and
 * label files.
 *
 * The trainer writes these ONNX metadata_props; the element reads them, so
 * that the model file alone says how frames must be prepared:
 *
 *   edgeclassify.labels  class names in class order, separated by '\n'
 *                        (same rules as a labels file, below)
 *   edgeclassify.color   GRAY | RGB | BGR: the model's channels
 *   edgeclassify.scale   decimal > 0 multiplying 0..255 pixels,
 *                        e.g. 0.00392156862745098
 *   edgeclassify.mean    1 or 3 comma-separated decimals, in the model's
 *   edgeclassify.std     channel order; 1 value applies to every channel;
 *                        std values > 0
 *   edgeclassify.resize  stretch | letterbox | center-crop
 *   edgeclassify.output  probabilities | logits (logits: the element
 *                        applies softmax)
 *   edgeclassify.input-size  WxH, e.g. 224x224: the input size to run a
 *                        model whose height and width are symbolic at
 *                        (nn_parse_size syntax)
 *
 * Words are matched exactly (case matters). Decimals are C syntax without
 * hex, inf or nan ("-0.5", "1e-3", ".25"), always with '.', whatever the
 * process locale; spaces and tabs around them are ignored. Keys this
 * version does not know are ignored, so newer trainers stay readable.
 *
 * Labels (file or metadata): UTF-8 text, one label per line; a '\r' before
 * the '\n' is dropped, a leading UTF-8 byte order mark is skipped, blank
 * lines (empty or only spaces and tabs) at the end are ignored; a blank
 * line before the last label, a NUL byte, invalid UTF-8, a label longer
 * than NN_LABEL_MAX_BYTES or more than NN_LABELS_MAX labels is an error.
 */
#ifndef NN_HINTS_H
#define NN_HINTS_H

#include "nn/nn.h"
#include "nn/preprocess.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NN_HINT_LABELS "edgeclassify.labels"
#define NN_HINT_COLOR "edgeclassify.color"
#define NN_HINT_SCALE "edgeclassify.scale"
#define NN_HINT_MEAN "edgeclassify.mean"
#define NN_HINT_STD "edgeclassify.std"
#define NN_HINT_RESIZE "edgeclassify.resize"
#define NN_HINT_OUTPUT "edgeclassify.output"
#define NN_HINT_INPUT_SIZE "edgeclassify.input-size"
/* Largest side nn_parse_size accepts. */
#define NN_SIZE_MAX_SIDE 16384

#define NN_LABELS_MAX 65536
#define NN_LABEL_MAX_BYTES 1024
#define NN_LABELS_FILE_MAX_BYTES (4u << 20)

/* What a model says about itself. has_* / n_* are zero for absent keys.
 * Zero-initialise (or nn_hints_init) before use; nn_hints_clear frees. */
typedef struct nn_hints {
  int has_color;
  nn_color color;
  int has_scale;
  float scale;
  int n_mean; /* 0, 1 or 3 */
  float mean[3];
  int n_std; /* 0, 1 or 3 */
  float std[3];
  int has_resize;
  nn_resize_mode resize;
  int has_output;
  int output_logits; /* nonzero: outputs are logits */
  char **labels;     /* owned; NULL-terminated; NULL if absent */
  size_t n_labels;
  int has_input_size;
  int input_width, input_height;
} nn_hints;

void nn_hints_init (nn_hints *hints);
/* Frees the labels and zeroes everything. NULL is fine. */
void nn_hints_clear (nn_hints *hints);

/* Parses one metadata entry into `hints`. A malformed value of a known key
 * is NN_BAD_MODEL with a message naming the key and the value, and leaves
 * `hints` as it was; an unknown key is NN_OK and changes nothing. A key
 * given twice keeps the later value. */
nn_status nn_hints_parse_kv (nn_hints *hints, const char *key,
                             const char *value, nn_error *err);

/* All the keys above from a loaded model (nn_model_metadata). On failure
 * `hints` is left cleared. */
nn_status nn_hints_from_model (const nn_model *model, nn_hints *hints,
                               nn_error *err);

/* Overrides the matching fields of `params` (typically fresh from
 * nn_preprocess_params_init) with what the hints give; a single mean or
 * std value is broadcast to all channels. Three mean or std values for a
 * one-channel (GRAY) model is NN_BAD_MODEL. */
nn_status nn_hints_apply (const nn_hints *hints, nn_preprocess_params *params,
                          nn_error *err);

/* The preprocessing a model asks for, the one way the element and the
 * tools derive it: nn_preprocess_params_init for an input of `channels`
 * (1 or 3) x height x width in the colour of the hint, else GRAY for one
 * channel and RGB for three; then nn_hints_apply. A colour that does not
 * fit the channel count is NN_BAD_MODEL naming NN_HINT_COLOR; channels
 * other than 1 or 3 or a side below 1, NN_INVALID_ARG. Callers with
 * settings of their own apply them to `params` afterwards. On failure
 * `params` is left as it was. */
nn_status nn_hints_preprocess_params (const nn_hints *hints, int channels,
                                      int width, int height,
                                      nn_preprocess_params *params,
                                      nn_error *err);

/* The side a model with symbolic height and width runs at when neither the
 * caller nor the model's hint says. */
#define NN_DEFAULT_INPUT_SIDE 224

/* The input size an image classifier runs at, the one rule the element and
 * the tools follow: `want_width` x `want_height` when above 0 (a setting
 * of the caller's), else the model's own size per axis where it is fixed
 * (`model_width`, `model_height` above 0), else the hint's
 * (edgeclassify.input-size), else NN_DEFAULT_INPUT_SIDE. */
void nn_hints_input_size (const nn_hints *hints, int want_width,
                          int want_height, long long model_width,
                          long long model_height, int *width, int *height);

/* Parses labels text of `len` bytes (need not be NUL-terminated). On
 * success *labels is a NULL-terminated array of *n strings, to be freed
 * with nn_labels_free only. Errors are NN_INVALID_ARG ("line 3: empty
 * label"). */
nn_status nn_labels_parse (const char *text, size_t len, char ***labels,
                           size_t *n, nn_error *err);

/* Reads and parses a labels file: a regular file of at most
 * NN_LABELS_FILE_MAX_BYTES. NN_NOT_FOUND when it does not exist, NN_IO when
 * it cannot be opened or read or is not a regular file (a directory, a
 * FIFO), NN_INVALID_ARG when it is too large or malformed. */
nn_status nn_labels_load_file (const char *path, char ***labels, size_t *n,
                               nn_error *err);

void nn_labels_free (char **labels, size_t n);

/* Parses "WxH" (decimal digits, a lower-case 'x', decimal digits; spaces
 * and tabs around the whole ignored), each side 1..NN_SIZE_MAX_SIDE.
 * Returns 0, or -1 when malformed. */
int nn_parse_size (const char *s, int *width, int *height);

/* Parses 1..max comma-separated decimals (the syntax above) from a
 * NUL-terminated string. Returns how many, or -1 when malformed, when
 * there are more than max, or when a value does not fit a float. */
int nn_parse_float_list (const char *s, float *values, int max);

#ifdef __cplusplus
}
#endif
#endif /* NN_HINTS_H */

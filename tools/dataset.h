/* Datasets for edgenn-train and edgenn-eval: IDX files (MNIST family,
 * gzip or plain) and folders of images, one sub-folder per class, decoded
 * with GStreamer. Every image comes out as raw 8-bit planes that
 * nn_preprocess() turns into the model's tensor, exactly as the element
 * does with video frames.
 *
 * Files are untrusted: every size is checked before it is used, memory
 * grows only as bytes actually arrive, and any inconsistency is an error
 * with the file name in it, never a crash.
 */
#ifndef EDGENN_DATASET_H
#define EDGENN_DATASET_H

#include "nn/preprocess.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ds_image {
  nn_pixel_format format; /* GRAY8 or RGB */
  int width, height, stride;
  const uint8_t *data;
} ds_image;

typedef struct ds_dataset {
  size_t n;
  ds_image *images;
  int32_t *labels; /* n entries in [0, n_classes) */
  int n_classes;
  char **class_names; /* n_classes names (folders), or NULL */
  /* folders: files left out because their names do not end like an image
   * (DS_IMAGE_EXTENSIONS); the first of them, relative to the folder */
  size_t n_skipped;
  char *first_skipped;
  /* storage */
  uint8_t *pixels; /* IDX: all images in one block */
  uint8_t **owned; /* folders: one buffer per image */
} ds_dataset;

/* Largest IDX image count and side accepted. */
#define DS_MAX_ITEMS 10000000
#define DS_MAX_SIDE 4096
#define DS_MAX_CLASSES 1000

/* IDX pair: images (magic 0x00000803: count, rows, cols) and labels
 * (0x00000801: count). Plain or gzip. `limit` > 0 keeps only the first
 * `limit` items. */
nn_status ds_load_idx (const char *images_path, const char *labels_path,
                       size_t limit, ds_dataset **out, nn_error *err);

/* One IDX file as raw bytes and dims, for callers with other needs. The
 * element type must be unsigned byte. *data is malloc'd. */
nn_status ds_read_idx (const char *path, int max_dims, int *ndims,
                       uint32_t *dims, uint8_t **data, size_t *size,
                       nn_error *err);

/* What an image file's name ends with (any case); other files are skipped
 * and counted, so a stray Thumbs.db or notes.txt does not stop a run. */
#define DS_IMAGE_EXTENSIONS                                                    \
  ".png .jpg .jpeg .bmp .gif .tif .tiff .webp .pgm .ppm .pnm"

/* dir/CLASS/IMAGE: classes are the sub-folders in byte order, images in
 * byte order within each; hidden entries and files whose names do not end
 * in one of DS_IMAGE_EXTENSIONS are skipped (counted in n_skipped).
 * Decoded to `format` (GRAY8 or RGB) by the installed GStreamer decoders;
 * an image file that does not decode is an error naming it. `limit` > 0
 * keeps only the first `limit` images of each class. */
nn_status ds_load_folder (const char *dir, nn_pixel_format format, size_t limit,
                          ds_dataset **out, nn_error *err);

void ds_free (ds_dataset *ds);

/* Tells on stderr, as "PROG: DIR: skipped N files ...", that files were
 * skipped, if any. Always: a quiet run must not hide it. */
void ds_report_skipped (const ds_dataset *ds, const char *prog,
                        const char *dir);

/* Renumbers a folder dataset's classes by folder NAME to `names` (n_names
 * classes, e.g. a model's labels): the images of folder "cat" get the
 * index of "cat" in names, whatever the folders' order or number. A
 * folder whose name is not in names is NN_INVALID_ARG naming it, `dir`
 * and `whose` classes they are ("the model"). Then n_classes is n_names
 * and class_names copies of names. A dataset without class names (IDX) is
 * left as it is. */
nn_status ds_map_classes (ds_dataset *ds, const char *dir, const char *whose,
                          const char *const *names, int n_names, nn_error *err);

/* Runs nn_preprocess over images [0, n) of `ds` into `out`, laid out
 * (n, C, H, W) as `pp` writes them. */
nn_status ds_preprocess_all (const ds_dataset *ds, nn_preprocessor *pp,
                             int channels, int height, int width, float *out,
                             nn_error *err);

/* The nn_image view of one dataset image. */
void ds_image_view (const ds_image *img, nn_image *view);

/* Reads a labels file: one name a line, blank lines ignored, at most
 * DS_MAX_CLASSES. *names is a NULL-terminated malloc'd array. */
nn_status ds_read_labels (const char *path, char ***names, int *n,
                          nn_error *err);
void ds_free_labels (char **names);

/* For the readers: an empty dataset with room for n images (NULL when out
 * of memory), and error filling (returns status). */
ds_dataset *ds_new (size_t n);
nn_status ds_fail (nn_error *err, nn_status status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif /* EDGENN_DATASET_H */

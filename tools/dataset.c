/* IDX and image-folder readers (see dataset.h). */
#include "dataset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_IDX_BYTES ((size_t)1 << 31)
#define MAX_LABEL_LEN 255

nn_status
ds_fail (nn_error *err, nn_status status, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start (ap, fmt);
    err->status = status;
    vsnprintf (err->message, sizeof err->message, fmt, ap);
    va_end (ap);
  }
  return status;
}

/* ---- IDX ---- */

/* Reads exactly n bytes unless the stream ends first; returns bytes read
 * or -1 on a decompression error. */
static long long
gz_read_all (gzFile f, uint8_t *dst, size_t n)
{
  size_t got = 0;
  while (got < n) {
    const unsigned chunk
        = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
    int r = gzread (f, dst + got, chunk);
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (long long)got;
}

static nn_status
gz_error (gzFile f, const char *path, const char *what, nn_error *err)
{
  int code = Z_OK;
  const char *msg = gzerror (f, &code);
  return ds_fail (err, NN_BAD_MODEL, "%s: %s (%s)", path, what,
                  code != Z_OK && msg ? msg : "end of file");
}

nn_status
ds_read_idx (const char *path, int max_dims, int *ndims, uint32_t *dims,
             uint8_t **data, size_t *size, nn_error *err)
{
  uint8_t hdr[4], dimbuf[4 * 8];
  uint8_t *buf = NULL;
  size_t total = 1, cap, got = 0;
  nn_status st = NN_OK;
  gzFile f;

  *data = NULL;
  *size = 0;
  *ndims = 0;
  f = gzopen (path, "rb");
  if (!f)
    return ds_fail (err, errno == ENOENT ? NN_NOT_FOUND : NN_IO,
                    "cannot open %s: %s", path, strerror (errno ? errno : EIO));
  gzbuffer (f, 1 << 17);

  long long r = gz_read_all (f, hdr, 4);
  if (r != 4) {
    st = r < 0 ? gz_error (f, path, "cannot read the header", err)
               : ds_fail (err, NN_BAD_MODEL,
                          "%s: truncated IDX header (%lld of 4 "
                          "bytes)",
                          path, r);
    goto out;
  }
  /* Magic: two zero bytes, element type, number of dimensions. */
  if (hdr[0] != 0 || hdr[1] != 0) {
    st = ds_fail (err, NN_BAD_MODEL,
                  "%s: not an IDX file (magic %02x%02x"
                  "%02x%02x)",
                  path, hdr[0], hdr[1], hdr[2], hdr[3]);
    goto out;
  }
  if (hdr[2] != 0x08) {
    st = ds_fail (err, NN_UNSUPPORTED,
                  "%s: IDX element type 0x%02x, only "
                  "unsigned bytes (0x08) are supported",
                  path, hdr[2]);
    goto out;
  }
  if (hdr[3] < 1 || hdr[3] > max_dims || hdr[3] > 8) {
    st = ds_fail (err, NN_BAD_MODEL,
                  "%s: IDX with %d dimensions, expected "
                  "1..%d",
                  path, hdr[3], max_dims);
    goto out;
  }
  *ndims = hdr[3];
  r = gz_read_all (f, dimbuf, 4 * (size_t)*ndims);
  if (r != 4 * (long long)*ndims) {
    st = r < 0 ? gz_error (f, path, "cannot read the dimensions", err)
               : ds_fail (err, NN_BAD_MODEL, "%s: truncated IDX header", path);
    goto out;
  }
  for (int i = 0; i < *ndims; i++) {
    const uint8_t *d = dimbuf + 4 * i;
    dims[i] = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8
              | d[3];
    const uint32_t limit = i == 0 ? DS_MAX_ITEMS : DS_MAX_SIDE;
    if (dims[i] > limit || (i > 0 && dims[i] == 0)) {
      st = ds_fail (err, NN_BAD_MODEL,
                    "%s: dimension %d is %u, accepted "
                    "%u..%u",
                    path, i, dims[i], i == 0 ? 0 : 1, limit);
      goto out;
    }
    total *= dims[i];
    if (total > MAX_IDX_BYTES) {
      st = ds_fail (err, NN_BAD_MODEL,
                    "%s: dimensions describe more than "
                    "%zu bytes",
                    path, MAX_IDX_BYTES);
      goto out;
    }
  }

  /* Grow with the data actually read, so a lying header costs nothing. */
  cap = total < (1u << 20) ? total : (1u << 20);
  buf = malloc (cap ? cap : 1);
  if (!buf) {
    st = ds_fail (err, NN_NOMEM, "%s: out of memory", path);
    goto out;
  }
  while (got < total) {
    if (got == cap) {
      size_t ncap = cap * 2 < total ? cap * 2 : total;
      uint8_t *nb = realloc (buf, ncap);
      if (!nb) {
        st = ds_fail (err, NN_NOMEM, "%s: out of memory at %zu bytes", path,
                      ncap);
        goto out;
      }
      buf = nb;
      cap = ncap;
    }
    r = gz_read_all (f, buf + got, cap - got);
    if (r < 0) {
      st = gz_error (f, path, "cannot read the data", err);
      goto out;
    }
    got += (size_t)r;
    if (got < cap)
      break;
  }
  if (got < total) {
    st = ds_fail (err, NN_BAD_MODEL,
                  "%s: truncated: %zu of %zu data bytes "
                  "(dimensions promise more than the file has)",
                  path, got, total);
    goto out;
  }
  uint8_t extra;
  r = gz_read_all (f, &extra, 1);
  if (r != 0) {
    st = r < 0 ? gz_error (f, path, "cannot read the data", err)
               : ds_fail (err, NN_BAD_MODEL,
                          "%s: bytes after the %zu the "
                          "dimensions describe",
                          path, total);
    goto out;
  }
  *data = buf;
  *size = total;
  buf = NULL;

out:
  free (buf);
  if (gzclose (f) != Z_OK && st == NN_OK) {
    free (*data);
    *data = NULL;
    st = ds_fail (err, NN_BAD_MODEL, "%s: corrupt compressed stream", path);
  }
  return st;
}

ds_dataset *
ds_new (size_t n)
{
  ds_dataset *ds = calloc (1, sizeof *ds);
  if (!ds)
    return NULL;
  ds->images = calloc (n ? n : 1, sizeof *ds->images);
  ds->labels = calloc (n ? n : 1, sizeof *ds->labels);
  if (!ds->images || !ds->labels) {
    ds_free (ds);
    return NULL;
  }
  return ds;
}

nn_status
ds_load_idx (const char *images_path, const char *labels_path, size_t limit,
             ds_dataset **out, nn_error *err)
{
  uint8_t *pix = NULL, *lab = NULL;
  size_t pix_size, lab_size;
  uint32_t idim[8], ldim[8];
  int ind, lnd;
  nn_status st;
  ds_dataset *ds;

  *out = NULL;
  if ((st = ds_read_idx (images_path, 3, &ind, idim, &pix, &pix_size, err))
      != NN_OK)
    return st;
  if (ind != 3) {
    free (pix);
    return ds_fail (err, NN_BAD_MODEL,
                    "%s: images need 3 dimensions "
                    "(count, rows, cols), found %d",
                    images_path, ind);
  }
  if ((st = ds_read_idx (labels_path, 1, &lnd, ldim, &lab, &lab_size, err))
      != NN_OK) {
    free (pix);
    return st;
  }
  if (idim[0] != ldim[0]) {
    free (pix);
    free (lab);
    return ds_fail (err, NN_BAD_MODEL,
                    "%s has %u images but %s has %u "
                    "labels",
                    images_path, idim[0], labels_path, ldim[0]);
  }
  if (idim[0] == 0) {
    free (pix);
    free (lab);
    return ds_fail (err, NN_BAD_MODEL, "%s: no images", images_path);
  }
  size_t n = idim[0];
  if (limit > 0 && limit < n)
    n = limit;
  ds = ds_new (n);
  if (!ds) {
    free (pix);
    free (lab);
    return ds_fail (err, NN_NOMEM, "out of memory for %zu images", n);
  }
  ds->n = n;
  ds->pixels = pix;
  const size_t item = (size_t)idim[1] * idim[2];
  int max_label = 0;
  for (size_t i = 0; i < n; i++) {
    ds->images[i].format = NN_PIX_GRAY8;
    ds->images[i].width = (int)idim[2];
    ds->images[i].height = (int)idim[1];
    ds->images[i].stride = (int)idim[2];
    ds->images[i].data = pix + i * item;
    ds->labels[i] = lab[i];
    if (lab[i] > max_label)
      max_label = lab[i];
  }
  free (lab);
  ds->n_classes = max_label + 1;
  if (ds->n_classes < 2) {
    ds_free (ds);
    return ds_fail (err, NN_BAD_MODEL,
                    "%s: every label is 0; need at least "
                    "2 classes",
                    labels_path);
  }
  *out = ds;
  return NN_OK;
}

void
ds_free (ds_dataset *ds)
{
  if (!ds)
    return;
  if (ds->owned)
    for (size_t i = 0; i < ds->n; i++)
      free (ds->owned[i]);
  free (ds->owned);
  if (ds->class_names)
    for (int i = 0; i < ds->n_classes; i++)
      free (ds->class_names[i]);
  free (ds->class_names);
  free (ds->first_skipped);
  free (ds->pixels);
  free (ds->images);
  free (ds->labels);
  free (ds);
}

void
ds_report_skipped (const ds_dataset *ds, const char *prog, const char *dir)
{
  if (!ds || ds->n_skipped == 0)
    return;
  fprintf (stderr,
           "%s: %s: skipped %zu file%s that %s not named like an image "
           "(%s), e.g. %s\n",
           prog, dir, ds->n_skipped, ds->n_skipped == 1 ? "" : "s",
           ds->n_skipped == 1 ? "is" : "are", DS_IMAGE_EXTENSIONS,
           ds->first_skipped ? ds->first_skipped : "?");
}

nn_status
ds_map_classes (ds_dataset *ds, const char *dir, const char *whose,
                const char *const *names, int n_names, nn_error *err)
{
  int *map;
  char **copy;

  if (!ds->class_names)
    return NN_OK;
  map = malloc ((size_t)ds->n_classes * sizeof *map);
  copy = calloc ((size_t)n_names + 1, sizeof *copy);
  if (!map || !copy)
    goto nomem;
  for (int c = 0; c < ds->n_classes; c++) {
    map[c] = -1;
    for (int j = 0; j < n_names && map[c] < 0; j++)
      if (strcmp (ds->class_names[c], names[j]) == 0)
        map[c] = j;
    if (map[c] < 0) {
      char known[200] = "";
      size_t o = 0;
      int j;
      for (j = 0; j < n_names; j++) {
        if (o + strlen (names[j]) + 2 + 5 >= sizeof known)
          break;
        o += (size_t)snprintf (known + o, sizeof known - o, "%s%s",
                               j ? ", " : "", names[j]);
      }
      if (j < n_names)
        snprintf (known + o, sizeof known - o, "%s...", j ? ", " : "");
      free (map);
      free (copy);
      return ds_fail (err, NN_INVALID_ARG,
                      "%s/%s: %s has no class \"%s\" (its classes: %s); "
                      "name the folders like the classes",
                      dir, ds->class_names[c], whose, ds->class_names[c],
                      known);
    }
  }
  for (int j = 0; j < n_names; j++)
    if (!(copy[j] = strdup (names[j])))
      goto nomem;
  for (size_t i = 0; i < ds->n; i++)
    ds->labels[i] = map[ds->labels[i]];
  for (int c = 0; c < ds->n_classes; c++)
    free (ds->class_names[c]);
  free (ds->class_names);
  ds->class_names = copy;
  ds->n_classes = n_names;
  free (map);
  return NN_OK;

nomem:
  free (map);
  if (copy)
    for (int j = 0; j < n_names; j++)
      free (copy[j]);
  free (copy);
  return ds_fail (err, NN_NOMEM, "out of memory");
}

void
ds_image_view (const ds_image *img, nn_image *view)
{
  memset (view, 0, sizeof *view);
  view->format = img->format;
  view->width = img->width;
  view->height = img->height;
  view->planes[0] = img->data;
  view->strides[0] = img->stride;
  view->matrix = NN_YUV_BT601;
  view->full_range = 1;
}

nn_status
ds_preprocess_all (const ds_dataset *ds, nn_preprocessor *pp, int channels,
                   int height, int width, float *out, nn_error *err)
{
  const size_t item = (size_t)channels * height * width;
  for (size_t i = 0; i < ds->n; i++) {
    nn_image view;
    ds_image_view (&ds->images[i], &view);
    nn_status st = nn_preprocess (pp, &view, NULL, out + i * item, NULL, err);
    if (st != NN_OK)
      return st;
  }
  return NN_OK;
}

/* ---- labels ---- */

nn_status
ds_read_labels (const char *path, char ***names, int *n, nn_error *err)
{
  FILE *f = fopen (path, "r");
  char line[1024];
  char **v;
  int count = 0;

  *names = NULL;
  *n = 0;
  if (!f)
    return ds_fail (err, errno == ENOENT ? NN_NOT_FOUND : NN_IO,
                    "cannot open labels %s: %s", path, strerror (errno));
  v = calloc (DS_MAX_CLASSES + 1, sizeof *v);
  if (!v) {
    fclose (f);
    return ds_fail (err, NN_NOMEM, "out of memory");
  }
  while (fgets (line, sizeof line, f)) {
    size_t len = strcspn (line, "\r\n");
    if (line[len] == '\0' && !feof (f)) {
      ds_free_labels (v);
      fclose (f);
      return ds_fail (err, NN_INVALID_ARG,
                      "%s: label %d is longer than %d "
                      "characters",
                      path, count + 1, MAX_LABEL_LEN);
    }
    line[len] = '\0';
    if (len == 0)
      continue;
    if (len > MAX_LABEL_LEN || count == DS_MAX_CLASSES) {
      ds_free_labels (v);
      fclose (f);
      return ds_fail (err, NN_INVALID_ARG,
                      "%s: labels must be at most %d "
                      "characters and at most %d of them",
                      path, MAX_LABEL_LEN, DS_MAX_CLASSES);
    }
    v[count] = strdup (line);
    if (!v[count++]) {
      ds_free_labels (v);
      fclose (f);
      return ds_fail (err, NN_NOMEM, "out of memory");
    }
  }
  fclose (f);
  if (count == 0) {
    ds_free_labels (v);
    return ds_fail (err, NN_INVALID_ARG, "%s: no labels", path);
  }
  *names = v;
  *n = count;
  return NN_OK;
}

void
ds_free_labels (char **names)
{
  if (!names)
    return;
  for (char **p = names; *p; p++)
    free (*p);
  free (names);
}

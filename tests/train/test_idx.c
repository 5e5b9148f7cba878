/* The IDX reader against valid and hostile files: every rule has a case,
 * and every bad file must give an error status with a message, never a
 * crash or a huge allocation.
 *
 *   test-train-idx TMPDIR
 */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *dir;
static int failures, passed;

static void
be32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static const char *
write_file (const char *name, const uint8_t *data, size_t size, int gz)
{
  static char path[4][1024];
  static int slot;
  char *p = path[slot++ % 4];
  snprintf (p, 1024, "%s/%s", dir, name);
  if (gz) {
    gzFile f = gzopen (p, "wb");
    gzwrite (f, data, (unsigned)size);
    gzclose (f);
  } else {
    FILE *f = fopen (p, "wb");
    fwrite (data, 1, size, f);
    fclose (f);
  }
  return p;
}

/* count images of rows x cols, pixel value (i + j) & 0xff; labels i % 3 */
static size_t
make_images (uint8_t *buf, uint32_t magic, uint32_t count, uint32_t rows,
             uint32_t cols, size_t pixels)
{
  be32 (buf, magic);
  be32 (buf + 4, count);
  be32 (buf + 8, rows);
  be32 (buf + 12, cols);
  for (size_t j = 0; j < pixels; j++)
    buf[16 + j] = (uint8_t)j;
  return 16 + pixels;
}

static size_t
make_labels (uint8_t *buf, uint32_t count, size_t n)
{
  be32 (buf, 0x00000801);
  be32 (buf + 4, count);
  for (size_t i = 0; i < n; i++)
    buf[8 + i] = (uint8_t)(i % 3);
  return 8 + n;
}

static void
expect (const char *what, const char *images, const char *labels,
        nn_status want)
{
  ds_dataset *ds = NULL;
  nn_error err = { 0 };
  nn_status st = ds_load_idx (images, labels, 0, &ds, &err);
  const int ok = st == want && (st == NN_OK) == (ds != NULL)
                 && (st == NN_OK || err.message[0]);
  printf ("%-40s %-16s %s%s%s\n", what, nn_status_to_string (st),
          ok ? "ok" : "FAIL", st != NN_OK ? " - " : "",
          st != NN_OK ? err.message : "");
  if (ok)
    passed++;
  else
    failures++;
  ds_free (ds);
}

int
main (int argc, char **argv)
{
  static uint8_t img[16 + 5 * 4 * 3 + 64], lab[8 + 5 + 16];
  uint8_t buf[64];
  size_t n;

  if (argc != 2) {
    fprintf (stderr, "usage: test-train-idx TMPDIR\n");
    return 2;
  }
  dir = argv[1];

  const size_t ni = make_images (img, 0x00000803, 5, 4, 3, 60);
  const size_t nl = make_labels (lab, 5, 5);
  const char *good_l = write_file ("good-labels", lab, nl, 0);
  const char *good_i = write_file ("good-images", img, ni, 0);

  /* Valid, plain and gzip, with the values checked. */
  {
    ds_dataset *ds = NULL;
    nn_error err;
    const char *gi = write_file ("good-images.gz", img, ni, 1);
    const char *gl = write_file ("good-labels.gz", lab, nl, 1);
    int ok = ds_load_idx (gi, gl, 0, &ds, &err) == NN_OK && ds->n == 5
             && ds->images[2].width == 3 && ds->images[2].height == 4
             && ds->images[2].data[1] == 25 && ds->labels[4] == 1
             && ds->n_classes == 3;
    ds_free (ds);
    ok = ok && ds_load_idx (good_i, good_l, 2, &ds, &err) == NN_OK
         && ds->n == 2;
    ds_free (ds);
    printf ("%-40s %s\n", "valid plain, gzip and --limit", ok ? "ok" : "FAIL");
    ok ? passed++ : failures++;
  }

  expect ("missing file", "/nonexistent/idx", good_l, NN_NOT_FOUND);
  expect ("empty file", write_file ("empty", img, 0, 0), good_l, NN_BAD_MODEL);
  expect ("truncated header", write_file ("hdr3", img, 3, 0), good_l,
          NN_BAD_MODEL);
  expect ("truncated dimensions", write_file ("dims", img, 10, 0), good_l,
          NN_BAD_MODEL);
  memcpy (buf, img, 16);
  buf[0] = 0x1f;
  expect ("bad magic", write_file ("magic", buf, 16, 0), good_l, NN_BAD_MODEL);
  memcpy (buf, img, 16);
  buf[2] = 0x0d; /* float elements */
  expect ("unsupported element type", write_file ("type", buf, 16, 0), good_l,
          NN_UNSUPPORTED);
  memcpy (buf, img, 16);
  buf[3] = 2;
  expect ("images with 2 dimensions", write_file ("nd2", buf, 16, 0), good_l,
          NN_BAD_MODEL);
  memcpy (buf, img, 16);
  buf[3] = 200;
  expect ("200 dimensions", write_file ("nd200", buf, 16, 0), good_l,
          NN_BAD_MODEL);
  expect ("truncated data", write_file ("short", img, ni - 7, 0), good_l,
          NN_BAD_MODEL);
  expect ("truncated data (gzip)", write_file ("short.gz", img, ni - 7, 1),
          good_l, NN_BAD_MODEL);
  img[ni] = 7;
  expect ("trailing bytes", write_file ("trail", img, ni + 1, 0), good_l,
          NN_BAD_MODEL);
  n = make_images (buf, 0x00000803, 0xFFFFFFFFu, 28, 28, 0);
  expect ("huge count, no data", write_file ("huge", buf, n, 0), good_l,
          NN_BAD_MODEL);
  n = make_images (buf, 0x00000803, 1000, 60000, 60000, 0);
  expect ("huge rows and cols", write_file ("huge2", buf, n, 0), good_l,
          NN_BAD_MODEL);
  n = make_images (buf, 0x00000803, 10000000, 4096, 4096, 0);
  expect ("dims multiply past the cap", write_file ("huge3", buf, n, 0), good_l,
          NN_BAD_MODEL);
  n = make_images (buf, 0x00000803, 3, 0, 5, 0);
  expect ("zero rows", write_file ("zero", buf, n, 0), good_l, NN_BAD_MODEL);
  n = make_images (buf, 0x00000803, 0, 4, 3, 0);
  n = make_labels (lab, 0, 0);
  expect ("no images", write_file ("none-i", buf, 16, 0),
          write_file ("none-l", lab, n, 0), NN_BAD_MODEL);
  n = make_labels (lab, 4, 4);
  expect ("count mismatch", good_i, write_file ("lab4", lab, n, 0),
          NN_BAD_MODEL);
  n = make_labels (lab, 5, 3);
  expect ("labels truncated", good_i, write_file ("lab-short", lab, n, 0),
          NN_BAD_MODEL);
  expect ("labels file is an image file", good_i, good_i, NN_BAD_MODEL);
  n = make_labels (lab, 5, 5);
  for (size_t i = 0; i < 5; i++)
    lab[8 + i] = 0;
  expect ("a single class", good_i, write_file ("lab0", lab, n, 0),
          NN_BAD_MODEL);
  /* A gzip stream cut in the middle and one with a corrupt body. */
  {
    const char *gz = write_file ("cut.gz", img, ni, 1);
    FILE *f = fopen (gz, "rb");
    uint8_t raw[512];
    size_t len = fread (raw, 1, sizeof raw, f);
    fclose (f);
    expect ("gzip stream cut short", write_file ("cut2.gz", raw, len / 2, 0),
            good_l, NN_BAD_MODEL);
    for (size_t i = 12; i < len - 8; i++)
      raw[i] ^= 0x5a;
    expect ("gzip stream corrupted", write_file ("bad.gz", raw, len, 0), good_l,
            NN_BAD_MODEL);
  }

  printf ("%d passed, %d failed\n", passed, failures);
  return failures ? 1 : 0;
}

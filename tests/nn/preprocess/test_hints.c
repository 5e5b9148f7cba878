/* nn/hints.c: metadata hints, labels text and labels files. Every
 * malformed value is rejected with the key and the value in the message.
 * Runs in the build directory (it writes a few small files there). */
#include "nn/hints.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      failures++;                                                              \
      printf ("FAIL line %d: ", __LINE__);                                     \
      printf (__VA_ARGS__);                                                    \
      printf ("\n");                                                           \
    }                                                                          \
  } while (0)

/* A stand-in for the loader: the test's own nn_model and metadata. */
struct nn_model {
  const char *const *kv; /* key, value, ..., NULL */
};

const char *
nn_model_metadata (const nn_model *model, const char *key)
{
  for (const char *const *p = model->kv; p[0]; p += 2)
    if (strcmp (p[0], key) == 0)
      return p[1];
  return NULL;
}

/* ---- values that must be accepted ---- */

static void
test_good_values (void)
{
  nn_hints h;
  nn_error err = { 0 };
  nn_hints_init (&h);
  static const struct {
    const char *key, *value;
  } good[] = {
    { NN_HINT_COLOR, "GRAY" },
    { NN_HINT_COLOR, "RGB" },
    { NN_HINT_COLOR, "BGR" },
    { NN_HINT_RESIZE, "stretch" },
    { NN_HINT_RESIZE, "letterbox" },
    { NN_HINT_RESIZE, "center-crop" },
    { NN_HINT_OUTPUT, "logits" },
    { NN_HINT_OUTPUT, "probabilities" },
    { NN_HINT_SCALE, "1" },
    { NN_HINT_SCALE, " 0.5\t" },
    { NN_HINT_SCALE, "1e-3" },
    { NN_HINT_SCALE, ".25" },
    { NN_HINT_SCALE, "+2." },
    { NN_HINT_SCALE, "3E+2" },
    { NN_HINT_MEAN, "0" },
    { NN_HINT_MEAN, "-0.5" },
    { NN_HINT_STD, "1,2,3" },
    { "edgeclassify.future", "anything" },
    { "author", "" },
    { NN_HINT_LABELS, "a" },
    { NN_HINT_LABELS, "\xef\xbb\xbf"
                      "a\r\n" },
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    CHECK (nn_hints_parse_kv (&h, good[i].key, good[i].value, &err) == NN_OK,
           "%s=%s: %s", good[i].key, good[i].value, err.message);

  nn_hints_clear (&h);
  CHECK (nn_hints_parse_kv (&h, NN_HINT_SCALE, "0.00392156862745098", &err)
                 == NN_OK
             && h.has_scale && h.scale == 1.0f / 255.0f,
         "scale 1/255: %.9g", h.scale);
  CHECK (nn_hints_parse_kv (&h, NN_HINT_MEAN, "0.485, 0.456 ,0.406", &err)
                 == NN_OK
             && h.n_mean == 3 && h.mean[0] == 0.485f && h.mean[1] == 0.456f
             && h.mean[2] == 0.406f,
         "imagenet mean");
  CHECK (nn_hints_parse_kv (&h, NN_HINT_STD, "0.229", &err) == NN_OK
             && h.n_std == 1 && h.std[0] == 0.229f,
         "single std");
  CHECK (nn_hints_parse_kv (&h, NN_HINT_COLOR, "BGR", &err) == NN_OK
             && h.has_color && h.color == NN_COLOR_BGR,
         "colour");
  CHECK (nn_hints_parse_kv (&h, NN_HINT_OUTPUT, "logits", &err) == NN_OK
             && h.has_output && h.output_logits,
         "logits");
  CHECK (nn_hints_parse_kv (&h, NN_HINT_RESIZE, "letterbox", &err) == NN_OK
             && h.has_resize && h.resize == NN_RESIZE_LETTERBOX,
         "resize");
  CHECK (nn_hints_parse_kv (&h, NN_HINT_INPUT_SIZE, " 320x240\t", &err) == NN_OK
             && h.has_input_size && h.input_width == 320
             && h.input_height == 240,
         "input size: %s", err.message);
  CHECK (nn_hints_parse_kv (&h, NN_HINT_INPUT_SIZE, "1x16384", &err) == NN_OK
             && h.input_width == 1 && h.input_height == 16384,
         "input size at the limits: %s", err.message);
  CHECK (nn_hints_parse_kv (
             &h, NN_HINT_LABELS,
             "cat\r\nchat "
             "noir\n\xc3\x89l\xc3\xa9phant\n\xe6\x97\xa5\xf0\x9f\x90\x88"
             "\n  spaced  \n\n \n\r\n",
             &err)
                 == NN_OK
             && h.n_labels == 5 && strcmp (h.labels[1], "chat noir") == 0
             && strcmp (h.labels[4], "  spaced  ") == 0 && h.labels[5] == NULL,
         "labels: %s", err.message);
  /* a second labels key replaces the first */
  CHECK (nn_hints_parse_kv (&h, NN_HINT_LABELS, "x\ny", &err) == NN_OK
             && h.n_labels == 2 && strcmp (h.labels[1], "y") == 0,
         "relabel");

  nn_preprocess_params p;
  nn_preprocess_params_init (&p, 8, 8, NN_COLOR_RGB);
  CHECK (nn_hints_apply (&h, &p, &err) == NN_OK && p.color == NN_COLOR_BGR
             && p.mean[2] == 0.406f && p.std[0] == 0.229f && p.std[2] == 0.229f
             && p.scale == 1.0f / 255.0f && p.mode == NN_RESIZE_LETTERBOX,
         "apply");
  nn_hints_clear (&h);
  CHECK (h.labels == NULL && h.n_labels == 0 && !h.has_color, "clear");
  nn_hints_clear (NULL);
}

/* ---- values that must be refused ---- */

static void
bad_kv (const char *key, const char *value)
{
  nn_hints h;
  nn_error err = { 0 };
  nn_hints_init (&h);
  h.has_scale = 1;
  h.scale = 7.0f;
  nn_status st = nn_hints_parse_kv (&h, key, value, &err);
  CHECK (st == NN_BAD_MODEL && err.status == NN_BAD_MODEL,
         "%s=\"%s\" accepted (status %d)", key, value, (int)st);
  CHECK (strstr (err.message, key) != NULL, "message lacks the key: %s",
         err.message);
  /* the value (or its start) is quoted, unless it has no printable text */
  char start[8] = "";
  sscanf (value, "%7[A-Za-z0-9.,+-]", start);
  CHECK (strstr (err.message, start) != NULL,
         "message lacks the value \"%s\": %s", start, err.message);
  CHECK (h.has_scale && h.scale == 7.0f && !h.has_color && !h.labels,
         "%s=\"%s\" changed the hints", key, value);
  nn_hints_clear (&h);
}

static void
test_bad_values (void)
{
  static const char *const colors[]
      = { "gray", "RGBA", "", " RGB", "RGB\n", "BGRx", "RGB,", "rgb" };
  static const char *const resizes[]
      = { "Stretch", "crop", "center_crop", "", "letterbox ", "fit" };
  static const char *const outputs[]
      = { "softmax", "Logits", "", "probs", "logits\r" };
  static const char *const scales[] = {
    "",
    " ",
    "abc",
    "1,2",
    "0",
    "-1",
    "-0",
    "nan",
    "inf",
    "-inf",
    "1e39",
    "0x10",
    "1.0f",
    "1..0",
    "1e",
    "e5",
    ".",
    "-",
    "+",
    "1 2",
    "1e+",
    "1e-",
    "\xd9\xa1",
    "1_000",
    "--1",
    "1e5e5",
    "NaN",
    "Infinity",
    "1e99999999999999999999",
  };
  static const char *const means[]
      = { "",      ",",      "1,2",   "1,2,3,4",        "1,,2",  ",1",
          "1,",    "a,b,c",  "1;2;3", "nan,1,1",        "1e400", "1 2 3",
          "0.5,x", "1,2,3,", "\t,\t", "3.4e38,3.5e38,0" };
  static const char *const stds[]
      = { "0", "1,0,1", "-1", "1,-2,3", "0,0,0", "-0", "1e-50", "", "1,2" };
  for (size_t i = 0; i < sizeof colors / sizeof colors[0]; i++)
    bad_kv (NN_HINT_COLOR, colors[i]);
  for (size_t i = 0; i < sizeof resizes / sizeof resizes[0]; i++)
    bad_kv (NN_HINT_RESIZE, resizes[i]);
  for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
    bad_kv (NN_HINT_OUTPUT, outputs[i]);
  for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++)
    bad_kv (NN_HINT_SCALE, scales[i]);
  for (size_t i = 0; i < sizeof means / sizeof means[0]; i++)
    bad_kv (NN_HINT_MEAN, means[i]);
  for (size_t i = 0; i < sizeof stds / sizeof stds[0]; i++)
    bad_kv (NN_HINT_STD, stds[i]);
  static const char *const sizes[]
      = { "",        "224",  "224x",          "x224",   "0x224",     "224x0",
          "16385x1", "-1x2", "224X224",       "2 x 2",  "224x224x3", "+1x1",
          "1.5x2",   "1x2,", "99999999999x1", "224*224" };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    bad_kv (NN_HINT_INPUT_SIZE, sizes[i]);

  static const char *const labels[] = {
    "",
    "\n",
    "\r\n",
    " \n\t\n",
    "\ncat",
    "cat\n\ndog",
    "cat\n \ndog",
    "cat\r\n\r\ndog",
    "\xff",
    "cat\n\xc0\xaf",
    "\xed\xa0\x80",
    "\xe6\x97",
    "\xf4\x90\x80\x80",
    "a\n\xf0\x9f\x90",
    "\x80",
  };
  for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
    bad_kv (NN_HINT_LABELS, labels[i]);

  /* too long a label, too many labels */
  char *big = malloc (70000 * 2 + 2048);
  memset (big, 'x', 1025);
  big[1025] = '\0';
  bad_kv (NN_HINT_LABELS, big);
  size_t o = 0;
  for (int i = 0; i < 65537; i++) {
    big[o++] = 'a' + i % 26;
    big[o++] = '\n';
  }
  big[o] = '\0';
  bad_kv (NN_HINT_LABELS, big);
  /* exactly at the limits is fine */
  char **l;
  size_t n;
  CHECK (nn_labels_parse (big, o - 2, &l, &n, NULL) == NN_OK && n == 65536,
         "65536 labels");
  nn_labels_free (l, n);
  memset (big, 'y', 1024);
  CHECK (nn_labels_parse (big, 1024, &l, &n, NULL) == NN_OK && n == 1
             && strlen (l[0]) == 1024,
         "1024-byte label");
  nn_labels_free (l, n);
  free (big);

  /* NUL bytes, visible only with an explicit length */
  nn_error err = { 0 };
  static const struct {
    const char *text;
    size_t len;
  } nul[] = { { "a\0b", 3 },
              { "cat\ndog\0", 8 },
              { "\0", 1 },
              { "cat\n\0\n", 6 },
              { "cat\r\0\n", 6 } };
  for (size_t i = 0; i < sizeof nul / sizeof nul[0]; i++) {
    memset (&err, 0, sizeof err);
    CHECK (nn_labels_parse (nul[i].text, nul[i].len, &l, &n, &err)
                   == NN_INVALID_ARG
               && l == NULL && strstr (err.message, "NUL"),
           "NUL case %zu: %s", i, err.message);
  }
  CHECK (nn_labels_parse (NULL, 3, &l, &n, &err) == NN_INVALID_ARG, "NULL");
  CHECK (nn_labels_parse ("a", 1, NULL, &n, &err) == NN_INVALID_ARG, "NULL");

  nn_hints h;
  nn_hints_init (&h);
  CHECK (nn_hints_parse_kv (&h, NULL, "x", &err) == NN_INVALID_ARG, "NULL");
  CHECK (nn_hints_parse_kv (&h, NN_HINT_COLOR, NULL, &err) == NN_INVALID_ARG,
         "NULL");
  CHECK (nn_hints_parse_kv (NULL, NN_HINT_COLOR, "RGB", &err) == NN_INVALID_ARG,
         "NULL");

  /* three values for a one-channel model */
  nn_preprocess_params p;
  nn_preprocess_params_init (&p, 8, 8, NN_COLOR_GRAY);
  nn_hints_parse_kv (&h, NN_HINT_MEAN, "1,2,3", NULL);
  CHECK (nn_hints_apply (&h, &p, &err) == NN_BAD_MODEL
             && strstr (err.message, NN_HINT_MEAN),
         "3 means for GRAY");
  nn_hints_init (&h);
  nn_preprocess_params_init (&p, 8, 8, NN_COLOR_RGB);
  nn_hints_parse_kv (&h, NN_HINT_STD, "1,2,3", NULL);
  nn_hints_parse_kv (&h, NN_HINT_COLOR, "GRAY", NULL);
  CHECK (nn_hints_apply (&h, &p, &err) == NN_BAD_MODEL
             && p.color == NN_COLOR_RGB,
         "3 std for a GRAY hint");
  CHECK (nn_hints_apply (NULL, &p, &err) == NN_INVALID_ARG, "NULL");
  CHECK (nn_hints_apply (&h, NULL, &err) == NN_INVALID_ARG, "NULL");
}

/* ---- decimals: same floats as strtod in the C locale, in any locale ---- */

static void
test_decimals (void)
{
  uint32_t s = 1;
  int bad = 0;
  for (int i = 0; i < 20000; i++) {
    char buf[64];
    s = s * 1664525u + 1013904223u;
    int digits = 1 + (int)(s >> 28), exp = (int)((s >> 8) % 60) - 40;
    unsigned long long m = ((unsigned long long)s << 20) ^ (s * 2654435761u);
    snprintf (buf, sizeof buf, "%s%.*llu.%llue%d", (s & 1) ? "-" : "", digits,
              m % 1000000000000ull, m % 9973, exp);
    float ours;
    double ref = strtod (buf, NULL);
    if (nn_parse_float_list (buf, &ours, 1) != 1) {
      if (fabs (ref) <= 3.4028234e38)
        bad++;
      continue;
    }
    if (ours != (float)ref)
      bad++;
  }
  CHECK (bad == 0, "%d decimals differ from strtod", bad);

  float v[3];
  static const char *const locales[]
      = { "de_DE.UTF-8", "fr_FR.UTF-8", "ru_RU.UTF-8", "C.UTF-8" };
  for (size_t i = 0; i < sizeof locales / sizeof locales[0]; i++) {
    if (!setlocale (LC_ALL, locales[i]))
      continue;
    CHECK (nn_parse_float_list ("0.5,1.25", v, 3) == 2 && v[0] == 0.5f
               && v[1] == 1.25f,
           "locale %s", locales[i]);
    CHECK (nn_parse_float_list ("0,5", v, 1) == -1, "locale %s", locales[i]);
  }
  setlocale (LC_ALL, "C");
  CHECK (nn_parse_float_list ("1,2,3", v, 2) == -1, "max");
  CHECK (nn_parse_float_list (NULL, v, 2) == -1, "NULL");
}

/* ---- from a model ---- */

static void
test_model (void)
{
  static const char *const kv_good[] = { "producer",
                                         "edgenn-train",
                                         NN_HINT_LABELS,
                                         "zero\none\ntwo\n",
                                         NN_HINT_COLOR,
                                         "GRAY",
                                         NN_HINT_SCALE,
                                         "0.00392156862745098",
                                         NN_HINT_MEAN,
                                         "0.2860",
                                         NN_HINT_STD,
                                         "0.3530",
                                         NN_HINT_RESIZE,
                                         "center-crop",
                                         NN_HINT_OUTPUT,
                                         "logits",
                                         NULL };
  static const char *const kv_bad[]
      = { NN_HINT_LABELS, "a\nb", NN_HINT_STD, "0", NULL };
  static const char *const kv_none[] = { NULL };
  nn_model good = { kv_good }, bad = { kv_bad }, none = { kv_none };
  nn_hints h;
  nn_error err = { 0 };
  CHECK (nn_hints_from_model (&good, &h, &err) == NN_OK && h.n_labels == 3
             && h.color == NN_COLOR_GRAY && h.n_mean == 1 && h.mean[0] == 0.286f
             && h.output_logits && h.resize == NN_RESIZE_CENTER_CROP,
         "from model: %s", err.message);
  nn_preprocess_params p;
  nn_preprocess_params_init (&p, 28, 28, NN_COLOR_RGB);
  CHECK (nn_hints_apply (&h, &p, &err) == NN_OK && p.color == NN_COLOR_GRAY
             && p.std[0] == 0.353f && p.std[1] == 0.353f,
         "apply from model");
  nn_hints_clear (&h);
  CHECK (nn_hints_from_model (&bad, &h, &err) == NN_BAD_MODEL
             && h.labels == NULL && strstr (err.message, NN_HINT_STD),
         "bad model: %s", err.message);
  CHECK (nn_hints_from_model (&none, &h, &err) == NN_OK && !h.has_color
             && !h.labels,
         "no hints");
  CHECK (nn_hints_from_model (NULL, &h, &err) == NN_INVALID_ARG, "NULL");
}

/* ---- labels files ---- */

static void
write_file (const char *path, const char *data, size_t len)
{
  FILE *f = fopen (path, "wb");
  if (f) {
    fwrite (data, 1, len, f);
    fclose (f);
  }
}

static void
expect_file (const char *path, nn_status want, size_t want_n)
{
  char **l = (char **)&l;
  size_t n = 99;
  nn_error err = { 0 };
  nn_status st = nn_labels_load_file (path, &l, &n, &err);
  CHECK (st == want && (st != NN_OK || n == want_n)
             && (st == NN_OK
                 || (l == NULL && n == 0
                     && strstr (err.message, path ? path : "NULL"))),
         "file %s: status %d (%s)", path ? path : "NULL", (int)st, err.message);
  if (st == NN_OK)
    nn_labels_free (l, n);
}

static void
test_files (void)
{
  write_file ("pp-labels-ok.txt", "T-shirt/top\r\nTrouser\r\n\r\n", 24);
  expect_file ("pp-labels-ok.txt", NN_OK, 2);
  write_file ("pp-labels-empty.txt", "", 0);
  expect_file ("pp-labels-empty.txt", NN_INVALID_ARG, 0);
  write_file ("pp-labels-nul.txt", "a\nb\0c\n", 6);
  expect_file ("pp-labels-nul.txt", NN_INVALID_ARG, 0);
  write_file ("pp-labels-gap.txt", "a\n\nb\n", 5);
  expect_file ("pp-labels-gap.txt", NN_INVALID_ARG, 0);

  size_t big = NN_LABELS_FILE_MAX_BYTES + 1;
  char *data = malloc (big);
  for (size_t i = 0; i < big; i++)
    data[i] = i % 64 == 63 ? '\n' : 'a';
  write_file ("pp-labels-big.txt", data, big);
  expect_file ("pp-labels-big.txt", NN_INVALID_ARG, 0);
  free (data);

  expect_file ("pp-no-such-file.txt", NN_NOT_FOUND, 0);
  expect_file ("pp-no-such-dir/labels.txt", NN_NOT_FOUND, 0);
  expect_file ("pp-labels-ok.txt/labels.txt", NN_NOT_FOUND, 0);
  expect_file ("", NN_NOT_FOUND, 0);
  expect_file (".", NN_IO, 0);
  mkdir ("pp-labels-dir", 0755);
  expect_file ("pp-labels-dir", NN_IO, 0);
  unlink ("pp-labels-fifo");
  if (mkfifo ("pp-labels-fifo", 0644) == 0)
    expect_file ("pp-labels-fifo", NN_IO, 0); /* must not block */
  expect_file ("/dev/null", NN_IO, 0);
  expect_file (NULL, NN_INVALID_ARG, 0);

  unlink ("pp-labels-ok.txt");
  unlink ("pp-labels-empty.txt");
  unlink ("pp-labels-nul.txt");
  unlink ("pp-labels-gap.txt");
  unlink ("pp-labels-big.txt");
  unlink ("pp-labels-fifo");
  rmdir ("pp-labels-dir");
}

int
main (void)
{
  test_good_values ();
  test_bad_values ();
  test_decimals ();
  test_model ();
  test_files ();
  printf ("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}

/* Initializers (nn/onnx_tensor.c): every element type from every data
 * field that may hold it decodes to the values written (read back through
 * Cast to float), the fields and types that may not are refused by name,
 * and external data is read from the model's folder at its offset, with
 * each way a reference can be wrong refused. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static nn_status
load (mb *b, const char *base_dir, nn_model **m, nn_error *err)
{
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_load_options o = { 0 };
  nn_status s;
  o.base_dir = base_dir;
  memset (err, 0, sizeof *err);
  *m = NULL;
  s = nn_model_load_memory (bytes, size, &o, m, err);
  CHECK ((s == NN_OK) == (*m != NULL), "model pointer and status disagree");
  return s;
}

/* y = x + Cast<float>(c) for x [1,3,1,1]; c's tensor is returned for the
 * caller to fill. */
static Onnx__TensorProto *
cast_model (mb *b, int type)
{
  Onnx__TensorProto *t;
  mb_input (b, "x", 4, (int64_t[]){ 1, 3, 1, 1 });
  t = mb_init_f (b, "c", 4, (int64_t[]){ 1, 3, 1, 1 }, NULL, 0);
  t->data_type = type;
  t->has_raw_data = 0;
  t->raw_data.len = 0;
  mb_attr_i (b,
             mb_node (b, "Cast", "cast", (const char *[]){ "c", NULL },
                      (const char *[]){ "cf", NULL }),
             "to", 1);
  mb_node (b, "Add", "add", (const char *[]){ "x", "cf", NULL },
           (const char *[]){ "y", NULL });
  mb_output (b, "y");
  return t;
}

/* Loads and runs with x = 0: the output is c as float. */
static void
check_values (mb *b, const char *base_dir, const float want[3],
              const char *what)
{
  nn_model *m;
  nn_session *s;
  nn_error e;
  if (load (b, base_dir, &m, &e) != NN_OK
      || nn_session_create (m, NULL, &s, &e) != NN_OK) {
    CHECK (0, "%s: %s", what, e.message);
    nn_model_unref (m);
    mb_free (b);
    return;
  }
  memset (nn_session_input (s, 0), 0, 3 * sizeof (float));
  CHECK (nn_session_run (s, &e) == NN_OK, "%s: run: %s", what, e.message);
  for (int i = 0; i < 3; i++)
    CHECK (nn_session_output (s, 0)[i] == want[i], "%s: c[%d] = %g, wanted %g",
           what, i, nn_session_output (s, 0)[i], want[i]);
  nn_session_free (s);
  nn_model_unref (m);
  mb_free (b);
}

static void
expect (mb *b, nn_status want, const char *needle)
{
  nn_model *m;
  nn_error e;
  nn_status s = load (b, dir, &m, &e);
  CHECK_ERR (s, e, want, needle);
  nn_model_unref (m);
  mb_free (b);
}

static void
test_typed_fields (void)
{
  static const struct {
    int type;
    const char *name;
    int32_t in[3];
    float want[3];
  } i32[] = {
    { 2, "UINT8", { 0, 200, 255 }, { 0, 200, 255 } },
    { 3, "INT8", { -128, -5, 127 }, { -128, -5, 127 } },
    { 4, "UINT16", { 0, 1000, 65535 }, { 0, 1000, 65535 } },
    { 5, "INT16", { -32768, -7, 300 }, { -32768, -7, 300 } },
    { 6, "INT32", { -100000, 0, 100000 }, { -100000, 0, 100000 } },
    { 9, "BOOL", { 0, 7, 1 }, { 0, 1, 1 } },
  };
  Onnx__TensorProto *t;
  mb *b;

  for (size_t k = 0; k < sizeof i32 / sizeof i32[0]; k++) {
    b = mb_new (8, 13);
    t = cast_model (b, i32[k].type);
    t->int32_data = (int32_t *)i32[k].in;
    t->n_int32_data = 3;
    check_values (b, NULL, i32[k].want, i32[k].name);
  }

  b = mb_new (8, 13);
  t = cast_model (b, 7);
  t->int64_data = (int64_t[]){ -3000000000ll, 1, 3000000000ll };
  t->n_int64_data = 3;
  check_values (b, NULL, (const float[]){ -3e9f, 1, 3e9f }, "INT64");

  b = mb_new (8, 13);
  t = cast_model (b, 13);
  t->uint64_data = (uint64_t[]){ 0, 5, (uint64_t)1 << 40 };
  t->n_uint64_data = 3;
  check_values (b, NULL, (const float[]){ 0, 5, 0x1p40f }, "UINT64");

  b = mb_new (8, 13);
  t = cast_model (b, 12);
  t->uint64_data = (uint64_t[]){ 0, 7, 4000000000u };
  t->n_uint64_data = 3;
  check_values (b, NULL, (const float[]){ 0, 7, 4e9f }, "UINT32");

  b = mb_new (8, 13);
  t = cast_model (b, 11);
  t->double_data = (double[]){ 0.5, -2.25, 1e10 };
  t->n_double_data = 3;
  check_values (b, NULL, (const float[]){ 0.5f, -2.25f, 1e10f }, "DOUBLE");

  b = mb_new (8, 13);
  t = cast_model (b, 5);
  t->raw_data.data = (uint8_t *)(int16_t[]){ -1, 2, -300 };
  t->raw_data.len = 6;
  t->has_raw_data = 1;
  check_values (b, NULL, (const float[]){ -1, 2, -300 }, "INT16 raw");

  /* a field that cannot hold the type, or holding too few values */
  static const struct {
    int type, field; /* field: 0 int64, 1 uint64, 2 int32 */
    const char *needle;
  } wrong[] = {
    { 6, 0, "int64_data does not hold INT32" },
    { 1, 1, "uint64_data does not hold FLOAT" },
    { 7, 1, "uint64_data does not hold INT64" },
    { 13, 2, "int32_data does not hold UINT64" },
    { 1, 2, "int32_data does not hold FLOAT" },
  };
  for (size_t k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
    b = mb_new (8, 13);
    t = cast_model (b, wrong[k].type);
    if (wrong[k].field == 0)
      t->int64_data = (int64_t[]){ 1, 2, 3 }, t->n_int64_data = 3;
    else if (wrong[k].field == 1)
      t->uint64_data = (uint64_t[]){ 1, 2, 3 }, t->n_uint64_data = 3;
    else
      t->int32_data = (int32_t[]){ 1, 2, 3 }, t->n_int32_data = 3;
    expect (b, NN_BAD_MODEL, wrong[k].needle);
  }
  b = mb_new (8, 13);
  t = cast_model (b, 6);
  t->int32_data = (int32_t[]){ 1 };
  t->n_int32_data = 1;
  expect (b, NN_BAD_MODEL, "initializer 'c': has 1 values, dims need 3");
  b = mb_new (8, 13);
  t = cast_model (b, 12);
  t->uint64_data = (uint64_t[]){ 1, 2 };
  t->n_uint64_data = 2;
  expect (b, NN_BAD_MODEL, "initializer 'c': has 2 values, dims need 3");
}

static void
test_types_and_dims (void)
{
  static const struct {
    int type;
    const char *needle;
  } bad[] = {
    { 0, "initializer 'c': data type UNDEFINED is not supported" },
    { 14, "data type COMPLEX64 is not supported" },
    { 16, "data type BFLOAT16 is not supported" },
    { 99, "data type unknown is not supported" },
    { -1, "data type unknown is not supported" },
  };
  Onnx__TensorProto *t;
  mb *b;

  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    b = mb_new (8, 13);
    t = cast_model (b, 1);
    t->data_type = bad[k].type;
    t->float_data = (float[]){ 1, 2, 3 };
    t->n_float_data = 3;
    expect (b, NN_UNSUPPORTED, bad[k].needle);
  }

  /* one dimension over the element limit on its own */
  b = mb_new (8, 13);
  t = cast_model (b, 1);
  t->dims = (int64_t[]){ (int64_t)1 << 32 };
  t->n_dims = 1;
  t->float_data = (float[]){ 1 };
  t->n_float_data = 1;
  expect (b, NN_BAD_MODEL, "dims overflow the element limit");

  /* no elements, yet values in any one field */
  for (int field = 0; field < 5; field++) {
    /* the values live as long as the model that points at them: a
     * compound literal inside the switch would end with it */
    static float f1[] = { 1 };
    static int64_t i64[] = { 1 };
    static int32_t i32[] = { 1 };
    static double d1[] = { 1 };
    static uint64_t u64[] = { 1 };
    b = mb_new (8, 13);
    t = cast_model (b, field == 3 ? 11 : field == 4 ? 13 : 7);
    t->dims = (int64_t[]){ 0 };
    t->n_dims = 1;
    switch (field) {
    case 0:
      t->data_type = 1, t->float_data = f1, t->n_float_data = 1;
      break;
    case 1:
      t->int64_data = i64, t->n_int64_data = 1;
      break;
    case 2:
      t->data_type = 6, t->int32_data = i32, t->n_int32_data = 1;
      break;
    case 3:
      t->double_data = d1, t->n_double_data = 1;
      break;
    case 4:
      t->uint64_data = u64, t->n_uint64_data = 1;
      break;
    }
    expect (b, NN_BAD_MODEL, "has data but no elements");
  }
}

static void
write_file (const char *path, const void *data, size_t size)
{
  FILE *f = fopen (path, "wb");
  if (!f || fwrite (data, 1, size, f) != size) {
    perror (path);
    exit (2);
  }
  fclose (f);
}

/* c as float [1,3,1,1] from external data; NULL values leave a key out. */
static mb *
external (const char *location, const char *offset, const char *length)
{
  mb *b = mb_new (8, 13);
  Onnx__TensorProto *t = cast_model (b, 1);
  static Onnx__StringStringEntryProto e[4], *kv[4];
  size_t n = 0;
  for (int i = 0; i < 4; i++)
    onnx__string_string_entry_proto__init (&e[i]);
  /* an entry without a key is passed over */
  e[0].value = (char *)"ignored";
  kv[n++] = &e[0];
  if (location)
    e[1].key = (char *)"location", e[1].value = (char *)location,
    kv[n++] = &e[1];
  if (offset)
    e[2].key = (char *)"offset", e[2].value = (char *)offset, kv[n++] = &e[2];
  if (length)
    e[3].key = (char *)"length", e[3].value = (char *)length, kv[n++] = &e[3];
  t->has_data_location = 1;
  t->data_location = 1;
  t->external_data = kv;
  t->n_external_data = n;
  return b;
}

static void
test_external (void)
{
  const float w[5] = { 1, 2, 3, 4, 5 };
  char path[512], long_dir[PATH_MAX + 16];

  snprintf (path, sizeof path, "%s/sub", dir);
  mkdir (path, 0700);
  snprintf (path, sizeof path, "%s/sub/w.bin", dir);
  write_file (path, w, sizeof w);
  snprintf (path, sizeof path, "%s/folder.bin", dir);
  mkdir (path, 0700);

  /* in a sub-folder, at an offset, with its length */
  check_values (external ("sub/w.bin", "8", "12"), dir,
                (const float[]){ 3, 4, 5 }, "external at offset 8");
  check_values (external ("./sub/w.bin", NULL, NULL), dir,
                (const float[]){ 1, 2, 3 }, "external from 0");

  expect (external ("/etc/passwd", NULL, NULL), NN_BAD_MODEL,
          "'/etc/passwd' is not a plain relative path");
  /* a folder beside the model's whose name starts with the same letters
   * is still outside it */
  snprintf (path, sizeof path, "%s/m", dir);
  mkdir (path, 0700);
  snprintf (path, sizeof path, "%s/m2", dir);
  mkdir (path, 0700);
  snprintf (path, sizeof path, "%s/m2/w.bin", dir);
  write_file (path, w, sizeof w);
  snprintf (long_dir, sizeof long_dir, "%s/m/w.bin", dir);
  CHECK (symlink (path, long_dir) == 0, "symlink %s", long_dir);
  {
    mb *b = external ("w.bin", NULL, NULL);
    nn_model *m;
    nn_error e;
    nn_status s;
    snprintf (path, sizeof path, "%s/m", dir);
    s = load (b, path, &m, &e);
    CHECK_ERR (s, e, NN_BAD_MODEL,
               "external data file 'w.bin' resolves outside the model's "
               "folder");
    nn_model_unref (m);
    mb_free (b);
  }
  expect (external (NULL, "0", NULL), NN_BAD_MODEL,
          "external data has no location");
  expect (external ("sub\\w.bin", NULL, NULL), NN_BAD_MODEL,
          "'sub\\w.bin' is not a plain relative path");
  expect (external ("sub/../sub/w.bin", NULL, NULL), NN_BAD_MODEL,
          "not a plain relative path");
  expect (external ("sub/w.bin", NULL, "12x"), NN_BAD_MODEL,
          "external data length '12x' is not a number");
  expect (external ("sub/w.bin", NULL, ""), NN_BAD_MODEL,
          "external data length '' is not a number");
  expect (external ("sub/w.bin", "99999999999999999999", NULL), NN_BAD_MODEL,
          "external data offset '99999999999999999999' is not a number");
  expect (external ("sub/w.bin", "18446744073709551615", NULL), NN_BAD_MODEL,
          "offset 18446744073709551615 + 12 needed");
  expect (external ("sub/w.bin", "12", NULL), NN_BAD_MODEL,
          "'sub/w.bin' has 20 bytes, offset 12 + 12 needed");
  expect (external ("folder.bin", NULL, NULL), NN_BAD_MODEL,
          "external data 'folder.bin' is not a regular file");
  expect (external ("nothere/w.bin", NULL, NULL), NN_NOT_FOUND,
          "external data file 'nothere/w.bin'");

  /* a model folder that does not exist, and a path too long to build */
  {
    mb *b = external ("w.bin", NULL, NULL);
    nn_model *m;
    nn_error e;
    nn_status s;
    snprintf (path, sizeof path, "%s/gone", dir);
    s = load (b, path, &m, &e);
    CHECK_ERR (s, e, NN_IO, "cannot resolve model folder");
    nn_model_unref (m);
    memset (long_dir, 'd', sizeof long_dir - 1);
    long_dir[0] = '/';
    long_dir[sizeof long_dir - 1] = '\0';
    s = load (b, long_dir, &m, &e);
    CHECK_ERR (s, e, NN_BAD_MODEL, "external data path too long");
    nn_model_unref (m);
    mb_free (b);
  }
}

int
main (void)
{
  char cmd[600];
  snprintf (dir, sizeof dir, "%s/nn-tensor-XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (!mkdtemp (dir)) {
    perror ("mkdtemp");
    return 2;
  }
  test_typed_fields ();
  test_types_and_dims ();
  test_external ();
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
  return check_report ("onnx tensors");
}

/* NumPy .npy reader and writer for float32 tensors in C order.
 *
 * Layout (NumPy format spec): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (little-endian uint16 in 1.0, uint32 in
 * 2.0), then a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }
 * padded with spaces and a newline, then the raw data.
 */
#include "npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char npy_magic[6] = { '\x93', 'N', 'U', 'M', 'P', 'Y' };

/* NumPy itself refuses headers over 10000 bytes by default; a little more
 * room costs nothing and still bounds what a hostile file can make us read
 * before the data size is checked. */
#define NPY_MAX_HEADER 65536

static int
fail (char *err, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (err, NPY_ERROR_MAX, fmt, ap);
  va_end (ap);
  return -1;
}

static bool
host_is_little_endian (void)
{
  const uint16_t one = 1;
  unsigned char first;

  memcpy (&first, &one, 1);
  return first == 1;
}

static void
swap32 (float *data, size_t count)
{
  unsigned char *p = (unsigned char *)data;

  for (size_t i = 0; i < count; i++, p += 4) {
    unsigned char t0 = p[0], t1 = p[1];
    p[0] = p[3];
    p[1] = p[2];
    p[2] = t1;
    p[3] = t0;
  }
}

/* ---- header dict parser: a cursor over a NUL-terminated copy ---- */

typedef struct hdr_parser {
  const char *p;
  char *err;
} hdr_parser;

static void
skip_ws (hdr_parser *hp)
{
  while (*hp->p == ' ' || *hp->p == '\t' || *hp->p == '\n' || *hp->p == '\r')
    hp->p++;
}

static bool
expect_char (hdr_parser *hp, char c)
{
  skip_ws (hp);
  if (*hp->p != c)
    return false;
  hp->p++;
  return true;
}

/* A quoted Python string without escapes, copied into buf. */
static int
parse_string (hdr_parser *hp, char *buf, size_t size)
{
  char quote;
  size_t n = 0;

  skip_ws (hp);
  quote = *hp->p;
  if (quote != '\'' && quote != '"')
    return fail (hp->err, "header: expected a quoted string");
  hp->p++;
  while (*hp->p != quote) {
    if (*hp->p == '\0' || *hp->p == '\\')
      return fail (hp->err, "header: malformed string");
    if (n + 1 >= size)
      return fail (hp->err, "header: string too long");
    buf[n++] = *hp->p++;
  }
  hp->p++;
  buf[n] = '\0';
  return 0;
}

static int
parse_bool (hdr_parser *hp, bool *out)
{
  skip_ws (hp);
  if (strncmp (hp->p, "True", 4) == 0) {
    *out = true;
    hp->p += 4;
  } else if (strncmp (hp->p, "False", 5) == 0) {
    *out = false;
    hp->p += 5;
  } else {
    return fail (hp->err, "header: fortran_order is not True or False");
  }
  return 0;
}

static int
parse_dim (hdr_parser *hp, int64_t *out)
{
  int64_t v = 0;

  skip_ws (hp);
  if (*hp->p < '0' || *hp->p > '9')
    return fail (hp->err, "header: shape holds a non-integer or negative "
                          "dimension");
  while (*hp->p >= '0' && *hp->p <= '9') {
    int digit = *hp->p++ - '0';
    if (v > (INT64_MAX - digit) / 10)
      return fail (hp->err, "header: shape dimension overflows");
    v = v * 10 + digit;
  }
  *out = v;
  return 0;
}

/* A Python tuple of non-negative ints: "()", "(3,)", "(1, 3, 224, 224)". */
static int
parse_shape (hdr_parser *hp, npy_array *a)
{
  a->ndim = 0;
  if (!expect_char (hp, '('))
    return fail (hp->err, "header: shape is not a tuple");
  skip_ws (hp);
  if (*hp->p == ')') {
    hp->p++;
    return 0;
  }
  for (;;) {
    if (a->ndim == NPY_MAX_DIMS)
      return fail (hp->err, "header: shape has more than %d dimensions",
                   NPY_MAX_DIMS);
    if (parse_dim (hp, &a->dims[a->ndim]) < 0)
      return -1;
    a->ndim++;
    skip_ws (hp);
    if (*hp->p == ',') {
      hp->p++;
      skip_ws (hp);
      if (*hp->p == ')') {
        hp->p++;
        return 0;
      }
    } else if (*hp->p == ')') {
      /* Python needs the comma in a 1-tuple: "(3)" is the int 3. */
      if (a->ndim == 1)
        return fail (hp->err, "header: shape is not a tuple");
      hp->p++;
      return 0;
    } else {
      return fail (hp->err, "header: malformed shape tuple");
    }
  }
}

/* The whole header dict. Every key must appear exactly once; the only
 * accepted values are '<f4' and False, the rest is refused with a reason. */
static int
parse_header (const char *text, npy_array *a, char *err)
{
  hdr_parser hp = { text, err };
  bool have_descr = false, have_order = false, have_shape = false;

  if (!expect_char (&hp, '{'))
    return fail (err, "header: not a dict");
  for (;;) {
    char key[32];

    skip_ws (&hp);
    if (*hp.p == '}') {
      hp.p++;
      break;
    }
    if (parse_string (&hp, key, sizeof key) < 0)
      return -1;
    if (!expect_char (&hp, ':'))
      return fail (err, "header: expected ':' after '%s'", key);
    if (strcmp (key, "descr") == 0 && !have_descr) {
      char descr[32];
      if (parse_string (&hp, descr, sizeof descr) < 0)
        return -1;
      if (strcmp (descr, "<f4") != 0)
        return fail (err,
                     "dtype '%s' is not supported (need float32, "
                     "'<f4')",
                     descr);
      have_descr = true;
    } else if (strcmp (key, "fortran_order") == 0 && !have_order) {
      bool fortran;
      if (parse_bool (&hp, &fortran) < 0)
        return -1;
      if (fortran)
        return fail (err, "Fortran-ordered arrays are not supported "
                          "(need C order)");
      have_order = true;
    } else if (strcmp (key, "shape") == 0 && !have_shape) {
      if (parse_shape (&hp, a) < 0)
        return -1;
      have_shape = true;
    } else {
      return fail (err, "header: unexpected or repeated key '%s'", key);
    }
    skip_ws (&hp);
    if (*hp.p == ',')
      hp.p++;
    else if (*hp.p != '}')
      return fail (err, "header: expected ',' or '}' after '%s'", key);
  }
  skip_ws (&hp);
  if (*hp.p != '\0')
    return fail (err, "header: trailing bytes after the dict");
  if (!have_descr || !have_order || !have_shape)
    return fail (err, "header: missing '%s'",
                 !have_descr   ? "descr"
                 : !have_order ? "fortran_order"
                               : "shape");
  return 0;
}

static int
read_header (FILE *f, long long file_size, npy_array *a, long long *data_at,
             char *err)
{
  unsigned char pre[12];
  size_t len_bytes;
  uint32_t header_len = 0;
  char *text;
  int ret;

  if (file_size < 10 || fread (pre, 1, 10, f) != 10)
    return fail (err, "not a .npy file (too short)");
  if (memcmp (pre, npy_magic, sizeof npy_magic) != 0)
    return fail (err, "not a .npy file (bad magic)");
  if (pre[6] == 1)
    len_bytes = 2;
  else if (pre[6] == 2)
    len_bytes = 4;
  else
    return fail (err,
                 "unsupported .npy format version %u.%u (need 1.0 or "
                 "2.0)",
                 pre[6], pre[7]);
  if (len_bytes == 4 && fread (pre + 10, 1, 2, f) != 2)
    return fail (err, "truncated .npy header");
  for (size_t i = 0; i < len_bytes; i++)
    header_len |= (uint32_t)pre[8 + i] << (8 * i);
  if (header_len == 0 || header_len > NPY_MAX_HEADER)
    return fail (err, "bad .npy header length %u", header_len);
  *data_at = 8 + (long long)len_bytes + header_len;
  if (*data_at > file_size)
    return fail (err,
                 "truncated .npy header (%u bytes announced, file has "
                 "%lld)",
                 header_len, file_size);

  text = malloc ((size_t)header_len + 1);
  if (!text)
    return fail (err, "out of memory");
  if (fread (text, 1, header_len, f) != header_len) {
    free (text);
    return fail (err, "truncated .npy header");
  }
  text[header_len] = '\0';
  /* An embedded NUL would hide the rest of the header from the parser. */
  if (strlen (text) != header_len)
    ret = fail (err, "header: contains a NUL byte");
  else
    ret = parse_header (text, a, err);
  free (text);
  return ret;
}

int
npy_read_f32 (const char *path, npy_array *out, char *err)
{
  FILE *f;
  struct stat st;
  long long data_at = 0, data_bytes;
  size_t count = 1, bytes;
  npy_array a = { 0 };

  memset (out, 0, sizeof *out);
  f = fopen (path, "rb");
  if (!f)
    return fail (err, "cannot open '%s': %s", path, strerror (errno));
  if (fstat (fileno (f), &st) != 0 || !S_ISREG (st.st_mode)) {
    fclose (f);
    return fail (err, "'%s' is not a regular file", path);
  }
  if (read_header (f, (long long)st.st_size, &a, &data_at, err) < 0)
    goto failed;

  for (int i = 0; i < a.ndim; i++) {
    if ((uint64_t)a.dims[i] > SIZE_MAX
        || __builtin_mul_overflow (count, (size_t)a.dims[i], &count)) {
      fail (err, "shape overflows");
      goto failed;
    }
  }
  if (__builtin_mul_overflow (count, sizeof (float), &bytes)) {
    fail (err, "shape overflows");
    goto failed;
  }
  /* Checked before allocating, so a tiny file cannot ask for gigabytes. */
  data_bytes = (long long)st.st_size - data_at;
  if ((unsigned long long)data_bytes != bytes) {
    fail (err, "data is %lld bytes but the shape needs %zu", data_bytes, bytes);
    goto failed;
  }
  a.count = count;
  a.data = malloc (bytes ? bytes : 1);
  if (!a.data) {
    fail (err, "out of memory for %zu bytes", bytes);
    goto failed;
  }
  if (fread (a.data, 1, bytes, f) != bytes) {
    fail (err, "read error: %s",
          ferror (f) ? strerror (errno) : "file shrank while reading");
    goto failed;
  }
  fclose (f);
  if (!host_is_little_endian ())
    swap32 (a.data, count);
  *out = a;
  return 0;

failed:
  /* The reasons above do not name the file; say which one it was. */
  {
    char reason[NPY_ERROR_MAX];
    memcpy (reason, err, NPY_ERROR_MAX);
    fail (err, "'%s': %s", path, reason);
  }
  free (a.data);
  fclose (f);
  return -1;
}

int
npy_write_f32 (const char *path, const float *data, int ndim,
               const int64_t *dims, char *err)
{
  char header[512];
  size_t count = 1;
  int n;
  FILE *f;
  bool ok;

  if (ndim < 0 || ndim > NPY_MAX_DIMS)
    return fail (err, "cannot write a %d-dimensional array", ndim);
  n = snprintf (header, sizeof header,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  for (int i = 0; i < ndim; i++) {
    n += snprintf (header + n, sizeof header - n, "%s%lld", i ? ", " : "",
                   (long long)dims[i]);
    count *= (size_t)dims[i];
  }
  n += snprintf (header + n, sizeof header - n, "%s), }", ndim == 1 ? "," : "");
  /* Pad so the data starts on a 64-byte boundary, as NumPy does. */
  while ((10 + n + 1) % 64 != 0)
    header[n++] = ' ';
  header[n++] = '\n';

  f = fopen (path, "wb");
  if (!f)
    return fail (err, "cannot create '%s': %s", path, strerror (errno));
  {
    unsigned char pre[10];
    memcpy (pre, npy_magic, sizeof npy_magic);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(n & 0xff);
    pre[9] = (unsigned char)(n >> 8);
    ok = fwrite (pre, 1, sizeof pre, f) == sizeof pre
         && fwrite (header, 1, (size_t)n, f) == (size_t)n;
  }
  if (host_is_little_endian ()) {
    ok = ok && fwrite (data, sizeof (float), count, f) == count;
  } else {
    for (size_t i = 0; ok && i < count; i++) {
      float v = data[i];
      swap32 (&v, 1);
      ok = fwrite (&v, sizeof v, 1, f) == 1;
    }
  }
  if (fclose (f) != 0)
    ok = false;
  if (!ok) {
    int e = errno;
    remove (path);
    return fail (err, "cannot write '%s': %s", path, strerror (e));
  }
  return 0;
}

void
npy_array_clear (npy_array *a)
{
  free (a->data);
  memset (a, 0, sizeof *a);
}

/* ONNX TensorProto -> constant nn_value, including external data.
 *
 * Every count, byte size and offset in a TensorProto comes from an untrusted
 * file: dims are checked for sign and overflow before anything is sized from
 * them, and data lengths are compared with what the dims need. External data
 * may only name a plain relative path that resolves inside the model's own
 * folder (the ONNX external-data path-traversal bugs). */
#include "onnx_internal.h"
#include "dtype.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
dtype_name (int t)
{
  static const char *names[]
      = { "UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
          "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
          "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16" };
  if (t >= 0 && (size_t)t < sizeof names / sizeof names[0])
    return names[t];
  return "unknown";
}

static int
parse_u64 (const char *s, uint64_t *out)
{
  uint64_t v = 0;
  if (!s || !*s)
    return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return 0;
    if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
      return 0;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return 1;
}

/* A plain relative path: not empty, not absolute, no "..", no backslash. */
static int
is_plain_relative (const char *p)
{
  if (!p || !*p || p[0] == '/' || strchr (p, '\\'))
    return 0;
  for (const char *c = p; *c;) {
    const char *end = strchr (c, '/');
    size_t len = end ? (size_t)(end - c) : strlen (c);
    if (len == 2 && c[0] == '.' && c[1] == '.')
      return 0;
    if (!end)
      break;
    c = end + 1;
  }
  return 1;
}

static nn_status
read_external (const Onnx__TensorProto *t, const char *what,
               const char *base_dir, void *dst, size_t nbytes, nn_error *err)
{
  const char *location = NULL;
  uint64_t offset = 0, length = nbytes;
  int has_length = 0;
  char path[PATH_MAX], real_base[PATH_MAX], real_path[PATH_MAX];
  struct stat st;
  nn_status status = NN_OK;
  int fd = -1;

  for (size_t i = 0; i < t->n_external_data; i++) {
    const char *k = t->external_data[i]->key;
    const char *v = t->external_data[i]->value;
    if (!k || !v)
      continue;
    if (strcmp (k, "location") == 0)
      location = v;
    else if (strcmp (k, "offset") == 0) {
      if (!parse_u64 (v, &offset))
        return nn_fail (err, NN_BAD_MODEL,
                        "%s: external data offset '%s' is not a number", what,
                        v);
    } else if (strcmp (k, "length") == 0) {
      if (!parse_u64 (v, &length))
        return nn_fail (err, NN_BAD_MODEL,
                        "%s: external data length '%s' is not a number", what,
                        v);
      has_length = 1;
    }
  }
  if (!base_dir)
    return nn_fail (
        err, NN_UNSUPPORTED,
        "%s: external data needs the model's folder; load the model from a "
        "file",
        what);
  if (!location)
    return nn_fail (err, NN_BAD_MODEL, "%s: external data has no location",
                    what);
  if (!is_plain_relative (location))
    return nn_fail (
        err, NN_BAD_MODEL,
        "%s: external data location '%s' is not a plain relative path "
        "inside the model's folder",
        what, location);
  if (has_length && length != nbytes)
    return nn_fail (err, NN_BAD_MODEL,
                    "%s: external data length %llu, dims need %zu bytes", what,
                    (unsigned long long)length, nbytes);
  if ((size_t)snprintf (path, sizeof path, "%s/%s", base_dir, location)
      >= sizeof path)
    return nn_fail (err, NN_BAD_MODEL, "%s: external data path too long", what);
  if (!realpath (base_dir, real_base))
    return nn_fail (err, NN_IO, "%s: cannot resolve model folder '%s': %s",
                    what, base_dir, strerror (errno));
  if (!realpath (path, real_path))
    return nn_fail (err, errno == ENOENT ? NN_NOT_FOUND : NN_IO,
                    "%s: external data file '%s': %s", what, location,
                    strerror (errno));
  size_t bl = strlen (real_base);
  if (strncmp (real_path, real_base, bl) != 0 || real_path[bl] != '/')
    return nn_fail (
        err, NN_BAD_MODEL,
        "%s: external data file '%s' resolves outside the model's folder", what,
        location);

  fd = open (real_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return nn_fail (err, NN_IO, "%s: cannot open external data '%s': %s", what,
                    location, strerror (errno));
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    status = nn_fail (err, NN_BAD_MODEL,
                      "%s: external data '%s' is not a regular file", what,
                      location);
    goto out;
  }
  if (offset > (uint64_t)st.st_size || nbytes > (uint64_t)st.st_size - offset) {
    status = nn_fail (
        err, NN_BAD_MODEL,
        "%s: external data '%s' has %lld bytes, offset %llu + %zu needed", what,
        location, (long long)st.st_size, (unsigned long long)offset, nbytes);
    goto out;
  }
  for (size_t done = 0; done < nbytes;) {
    ssize_t r
        = pread (fd, (char *)dst + done, nbytes - done, (off_t)(offset + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      status = nn_fail (err, NN_IO, "%s: reading external data '%s' failed",
                        what, location);
      goto out;
    }
    done += (size_t)r;
  }
out:
  close (fd);
  return status;
}

/* The low bytes of x into element i of an elem-byte type. */
static void
store_low (void *dst, size_t elem, size_t i, uint64_t x)
{
  switch (elem) {
  case 1:
    ((uint8_t *)dst)[i] = (uint8_t)x;
    break;
  case 2:
    ((uint16_t *)dst)[i] = (uint16_t)x;
    break;
  case 4:
    ((uint32_t *)dst)[i] = (uint32_t)x;
    break;
  default:
    ((uint64_t *)dst)[i] = x;
    break;
  }
}

nn_status
nn_onnx_tensor (nn_mem *mem, const Onnx__TensorProto *t, const char *what,
                const char *base_dir, nn_value *v, nn_error *err)
{
  size_t count = 1, elem, nbytes;
  nn_dtype dt = (nn_dtype)t->data_type;
  int sources;
  void *dst;

  elem = t->data_type > 0 ? nn_dtype_size (dt) : 0;
  if (!elem)
    return nn_fail (err, NN_UNSUPPORTED, "%s: data type %s is not supported",
                    what, dtype_name (t->data_type));
  if (t->n_dims > NN_MAX_DIMS)
    return nn_fail (err, NN_UNSUPPORTED, "%s: rank %zu, at most %d supported",
                    what, t->n_dims, NN_MAX_DIMS);
  for (size_t i = 0; i < t->n_dims; i++) {
    if (t->dims[i] < 0)
      return nn_fail (err, NN_BAD_MODEL, "%s: negative dimension %lld", what,
                      (long long)t->dims[i]);
    if ((uint64_t)t->dims[i] > NN_MAX_TENSOR_ELEMS
        || !nn_mul_size (count, (size_t)t->dims[i], &count)
        || count > NN_MAX_TENSOR_ELEMS)
      return nn_fail (err, NN_BAD_MODEL,
                      "%s: dims overflow the element limit (%zu)", what,
                      (size_t)NN_MAX_TENSOR_ELEMS);
  }
  v->ndim = (int)t->n_dims;
  for (size_t i = 0; i < t->n_dims; i++)
    v->dims[i] = t->dims[i];
  v->count = count;
  v->kind = NN_VAL_CONST;
  v->dtype = dt;
  nbytes = count * elem; /* count <= 2^31, cannot overflow */

  sources = (t->has_raw_data ? 1 : 0) + (t->n_float_data ? 1 : 0)
            + (t->n_int64_data ? 1 : 0) + (t->n_int32_data ? 1 : 0)
            + (t->n_double_data ? 1 : 0) + (t->n_uint64_data ? 1 : 0)
            + (t->data_location == 1 ? 1 : 0);
  if (sources > 1)
    return nn_fail (err, NN_BAD_MODEL, "%s: more than one data field", what);
  if (sources == 0 && count != 0)
    return nn_fail (err, NN_BAD_MODEL, "%s: has dims but no data", what);

  /* One extra element so an empty tensor still has a valid pointer; 8
   * bytes an element so a float16 tensor can be widened in place below. */
  dst = nn_mem_alloc (mem, count * 8 + 8);
  if (!dst)
    return nn_fail (err, NN_NOMEM, "%s: cannot allocate %zu bytes", what,
                    count * 8);

#define TYPED_FIELD(N, FIELD, OK)                                              \
  else if (N)                                                                  \
  {                                                                            \
    if (!(OK))                                                                 \
      return nn_fail (err, NN_BAD_MODEL,                                       \
                      "%s: data field " #FIELD " does not hold %s", what,      \
                      dtype_name (t->data_type));                              \
    if ((N) != count)                                                          \
      return nn_fail (err, NN_BAD_MODEL, "%s: has %zu values, dims need %zu",  \
                      what, (size_t)(N), count);                               \
    for (size_t i = 0; i < count; i++)                                         \
      store_low (dst, elem, i, (uint64_t)t->FIELD[i]);                         \
  }

  if (count == 0) {
    /* nothing to copy (empty fields may have NULL data pointers) */
    if (t->raw_data.len || t->n_float_data || t->n_int64_data || t->n_int32_data
        || t->n_double_data || t->n_uint64_data)
      return nn_fail (err, NN_BAD_MODEL, "%s: has data but no elements", what);
  } else if (t->data_location == 1) {
    nn_status s = read_external (t, what, base_dir, dst, nbytes, err);
    if (s != NN_OK)
      return s;
  } else if (t->has_raw_data) {
    if (t->raw_data.len != nbytes)
      return nn_fail (err, NN_BAD_MODEL,
                      "%s: raw data has %zu bytes, dims need %zu", what,
                      t->raw_data.len, nbytes);
    memcpy (dst, t->raw_data.data, nbytes); /* little-endian hosts */
  } else if (t->n_float_data) {
    if (dt != NN_DTYPE_FLOAT)
      return nn_fail (err, NN_BAD_MODEL,
                      "%s: data field float_data does not hold %s", what,
                      dtype_name (t->data_type));
    if (t->n_float_data != count)
      return nn_fail (err, NN_BAD_MODEL, "%s: has %zu floats, dims need %zu",
                      what, t->n_float_data, count);
    memcpy (dst, t->float_data, nbytes);
  } else if (t->n_double_data) {
    if (dt != NN_DTYPE_DOUBLE)
      return nn_fail (err, NN_BAD_MODEL,
                      "%s: data field double_data does not hold %s", what,
                      dtype_name (t->data_type));
    if (t->n_double_data != count)
      return nn_fail (err, NN_BAD_MODEL, "%s: has %zu doubles, dims need %zu",
                      what, t->n_double_data, count);
    memcpy (dst, t->double_data, nbytes);
  }
  TYPED_FIELD (t->n_int64_data, int64_data, dt == NN_DTYPE_INT64)
  TYPED_FIELD (t->n_uint64_data, uint64_data,
               dt == NN_DTYPE_UINT64 || dt == NN_DTYPE_UINT32)
  TYPED_FIELD (t->n_int32_data, int32_data,
               elem <= 4 && dt != NN_DTYPE_FLOAT && dt != NN_DTYPE_UINT32)
  /* No other case: with elements, exactly one of the fields counted in
   * `sources` holds the data, and each has its branch above. */
#undef TYPED_FIELD

  if (dt == NN_DTYPE_BOOL)
    for (size_t i = 0; i < count; i++)
      ((uint8_t *)dst)[i] = ((uint8_t *)dst)[i] != 0;
  /* float16 weights run as float: widened once, here (from the back, so
   * the halves are read before their place is written). A NaN or an
   * infinity in a weight is a broken export, not a value to compute
   * with. */
  if (dt == NN_DTYPE_FLOAT16) {
    const uint16_t *h = dst;
    float *f = dst;
    for (size_t i = 0; i < count; i++)
      if ((h[i] & 0x7c00u) == 0x7c00u)
        return nn_fail (err, NN_BAD_MODEL,
                        "%s: float16 value %zu is %s (bits 0x%04x); weights "
                        "must be finite",
                        what, i, (h[i] & 0x3ffu) ? "NaN" : "infinite",
                        (unsigned)h[i]);
    for (size_t i = count; i-- > 0;)
      f[i] = nn_half_to_float (h[i]);
    v->dtype = NN_DTYPE_FLOAT;
  }
  v->cdata = dst;
  return NN_OK;
}

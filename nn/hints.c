/* Model metadata hints and label lists (see nn/hints.h).
 *
 * Everything here reads untrusted text: a model's metadata or a user's
 * file. Parsers take explicit lengths, never trust a terminator they did
 * not check, and report the first problem with its line and the value. */
#include "nn/hints.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- decimals ---- */

static int
is_space (char c)
{
  return c == ' ' || c == '\t';
}

/* [+-] digits [. digits] [e [+-] digits], at least one mantissa digit, the
 * whole of [s, end). Written out because strtod follows the process locale
 * (a ',' decimal point under de_DE) and uselocale is per thread state we
 * should not touch. Up to 19 significant digits are kept, then scaled by
 * a power of ten: exact for the usual short values, within an ulp of a
 * double otherwise, far finer than the float the result ends in. */
static int
parse_decimal (const char *s, const char *end, double *out)
{
  int neg = 0, digits = 0;
  uint64_t mant = 0;
  long exp10 = 0;

  if (s < end && (*s == '+' || *s == '-'))
    neg = *s++ == '-';
  for (; s < end && *s >= '0' && *s <= '9'; s++, digits++) {
    if (mant < UINT64_C (1000000000000000000))
      mant = mant * 10 + (uint64_t)(*s - '0');
    else
      exp10++;
  }
  if (s < end && *s == '.') {
    for (s++; s < end && *s >= '0' && *s <= '9'; s++, digits++) {
      if (mant < UINT64_C (1000000000000000000)) {
        mant = mant * 10 + (uint64_t)(*s - '0');
        exp10--;
      }
    }
  }
  if (digits == 0)
    return 0;
  if (s < end && (*s == 'e' || *s == 'E')) {
    int eneg = 0, edigits = 0;
    long e = 0;
    s++;
    if (s < end && (*s == '+' || *s == '-'))
      eneg = *s++ == '-';
    for (; s < end && *s >= '0' && *s <= '9'; s++, edigits++)
      if (e < 100000)
        e = e * 10 + (*s - '0');
    if (edigits == 0)
      return 0;
    exp10 += eneg ? -e : e;
  }
  if (s != end)
    return 0;

  static const double p10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
  double v = (double)mant;
  if (mant == 0)
    v = 0.0;
  else if (exp10 >= 0 && exp10 <= 22)
    v *= p10[exp10];
  else if (exp10 < 0 && exp10 >= -22)
    v /= p10[-exp10];
  else if (exp10 > 400)
    v = INFINITY;
  else if (exp10 < -400)
    v = 0.0;
  else
    v *= pow (10.0, (double)exp10);
  *out = neg ? -v : v;
  return 1;
}

int
nn_parse_float_list (const char *s, float *values, int max)
{
  int n = 0;
  if (!s || !values || max < 1)
    return -1;
  for (;;) {
    const char *comma = strchr (s, ',');
    const char *end = comma ? comma : s + strlen (s);
    const char *b = s, *e = end;
    double v;
    while (b < e && is_space (*b))
      b++;
    while (e > b && is_space (e[-1]))
      e--;
    if (n == max || !parse_decimal (b, e, &v) || !(fabs (v) <= FLT_MAX))
      return -1;
    values[n++] = (float)v;
    if (!comma)
      return n;
    s = comma + 1;
  }
}

/* ---- labels ---- */

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if
 * invalid: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_len (const unsigned char *s, size_t len)
{
  unsigned c = s[0];
  size_t n;
  unsigned min, cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2, min = 0x80, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, min = 0x800, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  if (n > len)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

static int
is_blank (const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (!is_space (s[i]))
      return 0;
  return 1;
}

nn_status
nn_labels_parse (const char *text, size_t len, char ***labels, size_t *n,
                 nn_error *err)
{
  if (!labels || !n || (!text && len))
    return nn_fail (err, NN_INVALID_ARG, "labels: NULL argument");
  *labels = NULL;
  *n = 0;
  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    len -= 3;
  }
  /* Pass 1 checks everything and counts; pass 2 copies into one block:
   * the pointer array, then the strings. */
  size_t count = 0, bytes = 0, line = 0, pending_blank = 0;
  for (size_t pos = 0; pos < len;) {
    const char *nl = memchr (text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len, l = end - pos;
    line++;
    if (l && text[pos + l - 1] == '\r')
      l--;
    for (size_t i = 0; i < l;) {
      size_t k = text[pos + i]
                     ? utf8_len ((const unsigned char *)text + pos + i, l - i)
                     : 0;
      if (k == 0)
        return nn_fail (err, NN_INVALID_ARG, "labels: line %zu: %s", line,
                        text[pos + i] ? "not valid UTF-8" : "NUL byte");
      i += k;
    }
    if (is_blank (text + pos, l)) {
      pending_blank = pending_blank ? pending_blank : line;
    } else {
      if (pending_blank)
        return nn_fail (err, NN_INVALID_ARG,
                        "labels: line %zu: empty label before the last one",
                        pending_blank);
      if (l > NN_LABEL_MAX_BYTES)
        return nn_fail (err, NN_INVALID_ARG,
                        "labels: line %zu: label of %zu bytes, more than %d",
                        line, l, NN_LABEL_MAX_BYTES);
      if (++count > NN_LABELS_MAX)
        return nn_fail (err, NN_INVALID_ARG, "labels: more than %d labels",
                        NN_LABELS_MAX);
      bytes += l + 1;
    }
    pos = end + 1;
  }
  if (count == 0)
    return nn_fail (err, NN_INVALID_ARG, "labels: no labels");

  char **arr = malloc ((count + 1) * sizeof (char *) + bytes);
  if (!arr)
    return nn_fail (err, NN_NOMEM, "labels: %zu labels, %zu bytes", count,
                    bytes);
  char *dst = (char *)(arr + count + 1);
  size_t k = 0;
  for (size_t pos = 0; pos < len && k < count;) {
    const char *nl = memchr (text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len, l = end - pos;
    if (l && text[pos + l - 1] == '\r')
      l--;
    arr[k++] = dst;
    memcpy (dst, text + pos, l);
    dst[l] = '\0';
    dst += l + 1;
    pos = end + 1;
  }
  arr[count] = NULL;
  *labels = arr;
  *n = count;
  return NN_OK;
}

void
nn_labels_free (char **labels, size_t n)
{
  (void)n; /* one block: see nn_labels_parse */
  free (labels);
}

nn_status
nn_labels_load_file (const char *path, char ***labels, size_t *n, nn_error *err)
{
  if (labels)
    *labels = NULL;
  if (n)
    *n = 0;
  if (!path || !labels || !n)
    return nn_fail (err, NN_INVALID_ARG, "labels file: NULL argument");
  /* O_NONBLOCK: opening a FIFO must not wait for a writer */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    return nn_fail (err, e == ENOENT || e == ENOTDIR ? NN_NOT_FOUND : NN_IO,
                    "labels file '%s': %s", path, strerror (e));
  }
  nn_status st = NN_OK;
  char *buf = NULL;
  struct stat sb;
  if (fstat (fd, &sb) != 0) {
    st = nn_fail (err, NN_IO, "labels file '%s': %s", path, strerror (errno));
    goto out;
  }
  if (!S_ISREG (sb.st_mode)) {
    st = nn_fail (err, NN_IO, "labels file '%s': not a regular file", path);
    goto out;
  }
  if (sb.st_size > (off_t)NN_LABELS_FILE_MAX_BYTES) {
    st = nn_fail (err, NN_INVALID_ARG,
                  "labels file '%s': %lld bytes, more than the %u allowed",
                  path, (long long)sb.st_size, NN_LABELS_FILE_MAX_BYTES);
    goto out;
  }
  /* read to EOF, not to st_size: the file may change under us */
  size_t cap = (size_t)sb.st_size + 1, len = 0;
  buf = malloc (cap);
  if (!buf) {
    st = nn_fail (err, NN_NOMEM, "labels file '%s': %zu bytes", path, cap);
    goto out;
  }
  for (;;) {
    if (len == cap) {
      if (cap > NN_LABELS_FILE_MAX_BYTES) {
        st = nn_fail (err, NN_INVALID_ARG,
                      "labels file '%s': more than the %u bytes allowed", path,
                      NN_LABELS_FILE_MAX_BYTES);
        goto out;
      }
      size_t ncap = cap * 2 > NN_LABELS_FILE_MAX_BYTES + 1
                        ? NN_LABELS_FILE_MAX_BYTES + 1
                        : cap * 2;
      char *nb = realloc (buf, ncap);
      if (!nb) {
        st = nn_fail (err, NN_NOMEM, "labels file '%s': %zu bytes", path, ncap);
        goto out;
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read (fd, buf + len, cap - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      st = nn_fail (err, NN_IO, "labels file '%s': %s", path, strerror (errno));
      goto out;
    }
    if (r == 0)
      break;
    len += (size_t)r;
  }
  st = nn_labels_parse (buf, len, labels, n, err);
  if (st != NN_OK && err) {
    /* "labels: line 3: ..." -> "labels file 'x': line 3: ..." */
    char msg[NN_ERROR_MSG_MAX - 8];
    const char *detail = strncmp (err->message, "labels: ", 8) == 0
                             ? err->message + 8
                             : err->message;
    memcpy (msg, detail, sizeof msg);
    nn_fail (err, st, "labels file '%.200s': %.280s", path, msg);
  }
out:
  free (buf);
  close (fd);
  return st;
}

/* ---- hints ---- */

static const char *
parse_side (const char *s, int *out)
{
  int v = 0;
  if (*s < '0' || *s > '9')
    return NULL;
  for (; *s >= '0' && *s <= '9'; s++) {
    v = v * 10 + (*s - '0');
    if (v > NN_SIZE_MAX_SIDE)
      return NULL;
  }
  if (v < 1)
    return NULL;
  *out = v;
  return s;
}

void
nn_hints_input_size (const nn_hints *hints, int want_width, int want_height,
                     long long model_width, long long model_height, int *width,
                     int *height)
{
  const int hinted = hints && hints->has_input_size;

  *width = want_width > 0    ? want_width
           : model_width > 0 ? (int)model_width
           : hinted          ? hints->input_width
                             : NN_DEFAULT_INPUT_SIDE;
  *height = want_height > 0    ? want_height
            : model_height > 0 ? (int)model_height
            : hinted           ? hints->input_height
                               : NN_DEFAULT_INPUT_SIDE;
}

int
nn_parse_size (const char *s, int *width, int *height)
{
  int w, h;
  if (!s)
    return -1;
  while (*s == ' ' || *s == '\t')
    s++;
  if (!(s = parse_side (s, &w)) || *s++ != 'x' || !(s = parse_side (s, &h)))
    return -1;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s)
    return -1;
  *width = w;
  *height = h;
  return 0;
}

/* The value, shortened and with bytes escaped, for error messages. */
static void
quote (char *dst, size_t size, const char *v)
{
  size_t o = 0;
  for (size_t i = 0; v[i] && o + 8 < size; i++) {
    unsigned char c = (unsigned char)v[i];
    if (i == 48) {
      memcpy (dst + o, "...", 3);
      o += 3;
      break;
    }
    if (c == '\n')
      o += (size_t)snprintf (dst + o, size - o, "\\n");
    else if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
      o += (size_t)snprintf (dst + o, size - o, "\\x%02x", c);
    else
      dst[o++] = (char)c;
  }
  dst[o] = '\0';
}

static int
word (const char *v, const char *const *words, int n)
{
  for (int i = 0; i < n; i++)
    if (strcmp (v, words[i]) == 0)
      return i;
  return -1;
}

static const char *const color_words[] = { "GRAY", "RGB", "BGR" };
static const char *const resize_words[]
    = { "stretch", "letterbox", "center-crop" };
static const char *const output_words[] = { "probabilities", "logits" };

void
nn_hints_init (nn_hints *h)
{
  if (h)
    memset (h, 0, sizeof (*h));
}

void
nn_hints_clear (nn_hints *h)
{
  if (!h)
    return;
  nn_labels_free (h->labels, h->n_labels);
  memset (h, 0, sizeof (*h));
}

nn_status
nn_hints_parse_kv (nn_hints *h, const char *key, const char *value,
                   nn_error *err)
{
  if (!h || !key || !value)
    return nn_fail (err, NN_INVALID_ARG, "hints: NULL argument");
  char q[96];
  quote (q, sizeof q, value);
  int i;
  float vals[3];

  if (strcmp (key, NN_HINT_COLOR) == 0) {
    if ((i = word (value, color_words, 3)) < 0)
      return nn_fail (err, NN_BAD_MODEL,
                      "metadata %s: \"%s\" is not GRAY, RGB or BGR", key, q);
    h->has_color = 1;
    h->color = (nn_color)i;
  } else if (strcmp (key, NN_HINT_RESIZE) == 0) {
    if ((i = word (value, resize_words, 3)) < 0)
      return nn_fail (
          err, NN_BAD_MODEL,
          "metadata %s: \"%s\" is not stretch, letterbox or center-crop", key,
          q);
    h->has_resize = 1;
    h->resize = (nn_resize_mode)i;
  } else if (strcmp (key, NN_HINT_OUTPUT) == 0) {
    if ((i = word (value, output_words, 2)) < 0)
      return nn_fail (err, NN_BAD_MODEL,
                      "metadata %s: \"%s\" is not probabilities or logits", key,
                      q);
    h->has_output = 1;
    h->output_logits = i == 1;
  } else if (strcmp (key, NN_HINT_SCALE) == 0) {
    if (nn_parse_float_list (value, vals, 1) != 1 || !(vals[0] > 0.0f))
      return nn_fail (err, NN_BAD_MODEL,
                      "metadata %s: \"%s\" is not one positive decimal", key,
                      q);
    h->has_scale = 1;
    h->scale = vals[0];
  } else if (strcmp (key, NN_HINT_MEAN) == 0
             || strcmp (key, NN_HINT_STD) == 0) {
    int is_std = strcmp (key, NN_HINT_STD) == 0;
    int n = nn_parse_float_list (value, vals, 3);
    if (n != 1 && n != 3)
      return nn_fail (
          err, NN_BAD_MODEL,
          "metadata %s: \"%s\" is not 1 or 3 comma-separated decimals", key, q);
    for (i = 0; is_std && i < n; i++)
      if (!(vals[i] > 0.0f))
        return nn_fail (err, NN_BAD_MODEL,
                        "metadata %s: \"%s\": every std must be above 0", key,
                        q);
    memcpy (is_std ? h->std : h->mean, vals, sizeof vals);
    *(is_std ? &h->n_std : &h->n_mean) = n;
  } else if (strcmp (key, NN_HINT_INPUT_SIZE) == 0) {
    int w, hh;
    if (nn_parse_size (value, &w, &hh) != 0)
      return nn_fail (err, NN_BAD_MODEL,
                      "metadata %s: \"%s\" is not WIDTHxHEIGHT with sides "
                      "from 1 to %d",
                      key, q, NN_SIZE_MAX_SIDE);
    h->has_input_size = 1;
    h->input_width = w;
    h->input_height = hh;
  } else if (strcmp (key, NN_HINT_LABELS) == 0) {
    char **labels;
    size_t n;
    nn_status st = nn_labels_parse (value, strlen (value), &labels, &n, err);
    if (st != NN_OK) {
      if (err) {
        char detail[NN_ERROR_MSG_MAX];
        memcpy (detail, err->message, sizeof detail);
        nn_fail (err, st == NN_NOMEM ? st : NN_BAD_MODEL,
                 "metadata %s: %s (value \"%s\")", key, detail + 8, q);
      }
      return st == NN_NOMEM ? st : NN_BAD_MODEL;
    }
    nn_labels_free (h->labels, h->n_labels);
    h->labels = labels;
    h->n_labels = n;
  }
  return NN_OK;
}

nn_status
nn_hints_from_model (const nn_model *model, nn_hints *h, nn_error *err)
{
  static const char *const keys[]
      = { NN_HINT_LABELS, NN_HINT_COLOR,  NN_HINT_SCALE,  NN_HINT_MEAN,
          NN_HINT_STD,    NN_HINT_RESIZE, NN_HINT_OUTPUT, NN_HINT_INPUT_SIZE };
  if (!model || !h)
    return nn_fail (err, NN_INVALID_ARG, "hints: NULL argument");
  nn_hints_init (h);
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *v = nn_model_metadata (model, keys[i]);
    nn_status st = v ? nn_hints_parse_kv (h, keys[i], v, err) : NN_OK;
    if (st != NN_OK) {
      nn_hints_clear (h);
      return st;
    }
  }
  return NN_OK;
}

nn_status
nn_hints_apply (const nn_hints *h, nn_preprocess_params *p, nn_error *err)
{
  if (!h || !p)
    return nn_fail (err, NN_INVALID_ARG, "hints: NULL argument");
  nn_color color = h->has_color ? h->color : p->color;
  if (color == NN_COLOR_GRAY && (h->n_mean == 3 || h->n_std == 3))
    return nn_fail (err, NN_BAD_MODEL,
                    "metadata %s: 3 values for a 1-channel (GRAY) model",
                    h->n_mean == 3 ? NN_HINT_MEAN : NN_HINT_STD);
  p->color = color;
  if (h->has_scale)
    p->scale = h->scale;
  if (h->has_resize)
    p->mode = h->resize;
  for (int c = 0; c < 3; c++) {
    if (h->n_mean)
      p->mean[c] = h->mean[h->n_mean == 3 ? c : 0];
    if (h->n_std)
      p->std[c] = h->std[h->n_std == 3 ? c : 0];
  }
  return NN_OK;
}

nn_status
nn_hints_preprocess_params (const nn_hints *h, int channels, int width,
                            int height, nn_preprocess_params *p, nn_error *err)
{
  if (!h || !p)
    return nn_fail (err, NN_INVALID_ARG, "hints: NULL argument");
  if (channels != 1 && channels != 3)
    return nn_fail (err, NN_INVALID_ARG,
                    "hints: %d input channels; 1 (GRAY) or 3 (RGB, BGR) are "
                    "supported",
                    channels);
  if (width < 1 || height < 1)
    return nn_fail (err, NN_INVALID_ARG, "hints: input of %dx%d pixels", width,
                    height);
  nn_color color = channels == 1 ? NN_COLOR_GRAY : NN_COLOR_RGB;
  if (h->has_color)
    color = h->color;
  if ((unsigned)color > (unsigned)NN_COLOR_BGR)
    return nn_fail (err, NN_INVALID_ARG, "hints: colour %d", (int)color);
  if ((color == NN_COLOR_GRAY) != (channels == 1))
    return nn_fail (err, NN_BAD_MODEL,
                    "metadata %s: %s does not fit the model's %d input "
                    "channel%s",
                    NN_HINT_COLOR, color_words[color], channels,
                    channels == 1 ? "" : "s");
  nn_preprocess_params q;
  nn_preprocess_params_init (&q, width, height, color);
  nn_status st = nn_hints_apply (h, &q, err);
  if (st == NN_OK)
    *p = q;
  return st;
}

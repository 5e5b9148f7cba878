/* NumPy .npy files of float32 in C order: a strict reader and a writer.
 *
 * The reader treats the file as untrusted: it accepts format versions 1.0
 * and 2.0, dtype '<f4' and fortran_order False only, bounds the header
 * length and the rank, checks the element count for overflow and requires
 * the data to fill the rest of the file exactly before allocating it.
 */
#ifndef EDGENN_NPY_H
#define EDGENN_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8
#define NPY_ERROR_MAX 256

typedef struct npy_array {
  int ndim;
  int64_t dims[NPY_MAX_DIMS];
  size_t count; /* product of dims (1 for a scalar) */
  float *data;  /* malloc'd, owned by the array */
} npy_array;

/* Reads `path` into `out`. Returns 0 on success; otherwise -1 with `out`
 * cleared and a one-line reason in `err` (NPY_ERROR_MAX bytes). */
int npy_read_f32 (const char *path, npy_array *out, char *err);

/* Writes `count` floats with shape `dims` (format version 1.0, '<f4', C
 * order). Returns 0, or -1 with a reason in `err`. */
int npy_write_f32 (const char *path, const float *data, int ndim,
                   const int64_t *dims, char *err);

/* Frees the data and zeroes the array; safe on a cleared array. */
void npy_array_clear (npy_array *a);

#endif /* EDGENN_NPY_H */

/* Export of a trained net as a standard ONNX model (ir_version 8, opset 13)
 * written with the protobuf-c code generated from nn/onnx-subset.proto.
 *
 * Training keeps activations NHWC; ONNX is NCHW. Two permutations undo
 * that: conv weights (OC,KH,KW,C) -> (OC,C,KH,KW), and the columns of the
 * first dense layer after a flatten, (h,w,c) -> (c,h,w) order. Nothing
 * depends on time or addresses, so the same weights give the same bytes.
 */
#include "net.h"
#include "error.h"
#include "onnx-subset.pb-c.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NN_TRAIN_VERSION
#define NN_TRAIN_VERSION "0"
#endif

#define MAX_NODES (NN_TRAIN_MAX_LAYERS + 2)
#define MAX_INITS (2 * NN_TRAIN_MAX_LAYERS)
#define MAX_ATTRS (4 * MAX_NODES)
#define MAX_META 16

enum {
  ATTR_INT = 2,
  ATTR_INTS = 7, /* AttributeProto.AttributeType */
  ONNX_FLOAT = 1 /* TensorProto.DataType */
};

/* Every message of the model, in fixed arrays: no per-message malloc. */
typedef struct builder {
  Onnx__NodeProto nodes[MAX_NODES];
  Onnx__NodeProto *node_ptrs[MAX_NODES];
  char node_names[MAX_NODES][24];
  char *node_io[MAX_NODES][4];
  int n_nodes;

  Onnx__AttributeProto attrs[MAX_ATTRS];
  Onnx__AttributeProto *attr_ptrs[MAX_ATTRS];
  int64_t attr_ints[MAX_ATTRS][4];
  int n_attrs;

  Onnx__TensorProto inits[MAX_INITS];
  Onnx__TensorProto *init_ptrs[MAX_INITS];
  char init_names[MAX_INITS][32];
  int64_t init_dims[MAX_INITS][4];
  uint8_t *init_raw[MAX_INITS];
  int n_inits;

  Onnx__StringStringEntryProto meta[MAX_META];
  Onnx__StringStringEntryProto *meta_ptrs[MAX_META];
  char meta_values[MAX_META][64];
  int n_meta;
} builder;

static Onnx__NodeProto *
add_node (builder *b, const char *op, const char *name, const char *in0,
          const char *in1, const char *in2)
{
  const int i = b->n_nodes++;
  Onnx__NodeProto *node = &b->nodes[i];
  onnx__node_proto__init (node);
  snprintf (b->node_names[i], sizeof b->node_names[i], "%s", name);
  node->name = b->node_names[i];
  node->op_type = (char *)op;
  node->input = b->node_io[i];
  b->node_io[i][node->n_input++] = (char *)in0;
  if (in1)
    b->node_io[i][node->n_input++] = (char *)in1;
  if (in2)
    b->node_io[i][node->n_input++] = (char *)in2;
  /* Each node's output is named after the node. */
  node->output = &b->node_io[i][3];
  b->node_io[i][3] = b->node_names[i];
  node->n_output = 1;
  b->node_ptrs[i] = node;
  return node;
}

static void
add_attr (builder *b, Onnx__NodeProto *node, const char *name, int n,
          int64_t v0, int64_t v1, int64_t v2, int64_t v3)
{
  const int i = b->n_attrs++;
  Onnx__AttributeProto *a = &b->attrs[i];
  onnx__attribute_proto__init (a);
  a->name = (char *)name;
  a->has_type = 1;
  if (n == 0) {
    a->type = ATTR_INT;
    a->has_i = 1;
    a->i = v0;
  } else {
    a->type = ATTR_INTS;
    b->attr_ints[i][0] = v0;
    b->attr_ints[i][1] = v1;
    b->attr_ints[i][2] = v2;
    b->attr_ints[i][3] = v3;
    a->ints = b->attr_ints[i];
    a->n_ints = (size_t)n;
  }
  b->attr_ptrs[i] = a;
  if (!node->attribute)
    node->attribute = &b->attr_ptrs[i];
  node->n_attribute++;
}

/* Adds a float initializer; `data` is already in ONNX order. */
static nn_status
add_init (builder *b, const char *name, const float *data, int ndim,
          const int64_t *dims, nn_error *err)
{
  const int i = b->n_inits++;
  Onnx__TensorProto *t = &b->inits[i];
  size_t count = 1;

  onnx__tensor_proto__init (t);
  snprintf (b->init_names[i], sizeof b->init_names[i], "%s", name);
  for (int d = 0; d < ndim; d++) {
    b->init_dims[i][d] = dims[d];
    count *= (size_t)dims[d];
  }
  b->init_raw[i] = malloc (count * 4);
  if (!b->init_raw[i])
    return nn_fail (err, NN_NOMEM, "no memory to export %s", name);
  /* raw_data is little-endian whatever the host. */
  for (size_t j = 0; j < count; j++) {
    uint32_t u;
    memcpy (&u, &data[j], 4);
    for (int k = 0; k < 4; k++)
      b->init_raw[i][j * 4 + k] = (uint8_t)(u >> (8 * k));
  }
  t->name = b->init_names[i];
  t->dims = b->init_dims[i];
  t->n_dims = (size_t)ndim;
  t->has_data_type = 1;
  t->data_type = ONNX_FLOAT;
  t->has_raw_data = 1;
  t->raw_data.data = b->init_raw[i];
  t->raw_data.len = count * 4;
  b->init_ptrs[i] = t;
  return NN_OK;
}

static void
add_meta (builder *b, const char *key, char *value)
{
  const int i = b->n_meta++;
  onnx__string_string_entry_proto__init (&b->meta[i]);
  b->meta[i].key = (char *)key;
  b->meta[i].value = value;
  b->meta_ptrs[i] = &b->meta[i];
}

/* Shortest decimal that reads back as the same float: "0.286", not
 * "0.28600001335144043". */
static void
format_float (char *buf, size_t size, float v)
{
  for (int prec = 6; prec <= 9; prec++) {
    snprintf (buf, size, "%.*g", prec, (double)v);
    if (strtof (buf, NULL) == v)
      return;
  }
}

static void
format_floats (char *buf, size_t size, const float *v, int n)
{
  size_t used = 0;
  for (int i = 0; i < n && used < size; i++) {
    char one[24];
    format_float (one, sizeof one, v[i]);
    used += (size_t)snprintf (buf + used, size - used, "%s%s", i ? "," : "",
                              one);
  }
}

static int
is_one_of (const char *s, const char *a, const char *b, const char *c)
{
  return s && (strcmp (s, a) == 0 || strcmp (s, b) == 0 || strcmp (s, c) == 0);
}

static nn_status
check_info (const nn_net *net, const nn_export_info *info, nn_error *err)
{
  if (!info)
    return nn_fail (err, NN_INVALID_ARG, "export: no metadata given");
  if (!info->labels || info->n_labels != net->n_classes)
    return nn_fail (err, NN_INVALID_ARG, "export: %d labels for %d classes",
                    info->labels ? info->n_labels : 0, net->n_classes);
  for (int i = 0; i < info->n_labels; i++)
    if (!info->labels[i] || !info->labels[i][0]
        || strchr (info->labels[i], '\n'))
      return nn_fail (err, NN_INVALID_ARG,
                      "export: label %d is empty or "
                      "has a newline",
                      i);
  if (!is_one_of (info->color, "GRAY", "RGB", "BGR"))
    return nn_fail (err, NN_INVALID_ARG,
                    "export: colour must be GRAY, RGB "
                    "or BGR");
  if ((strcmp (info->color, "GRAY") == 0) != (net->in_c == 1)
      || (net->in_c != 1 && net->in_c != 3))
    return nn_fail (err, NN_INVALID_ARG,
                    "export: colour %s does not fit "
                    "%d input channels",
                    info->color, net->in_c);
  if (!is_one_of (info->resize, "stretch", "letterbox", "center-crop"))
    return nn_fail (err, NN_INVALID_ARG,
                    "export: resize must be stretch, "
                    "letterbox or center-crop");
  /* The engine reads these back as decimals: an infinity or NaN written
   * into the metadata would make a model it refuses. */
  if (!(info->scale > 0.0f) || !isfinite (info->scale))
    return nn_fail (err, NN_INVALID_ARG,
                    "export: scale must be > 0 and finite");
  for (int c = 0; c < net->in_c; c++) {
    if (!isfinite (info->mean[c]))
      return nn_fail (err, NN_INVALID_ARG, "export: mean[%d] is not finite", c);
    if (!isfinite (info->std[c]))
      return nn_fail (err, NN_INVALID_ARG, "export: std[%d] is not finite", c);
    if (!(info->std[c] != 0.0f))
      return nn_fail (err, NN_INVALID_ARG, "export: std[%d] is zero", c);
  }
  if (info->batch < 0)
    return nn_fail (err, NN_INVALID_ARG, "export: batch %d", info->batch);
  return NN_OK;
}

/* Conv weight (OC,KH,KW,C) -> (OC,C,KH,KW) */
static void
permute_conv (const nn_layer *l, const float *src, float *dst)
{
  const int k = l->k, c = l->in_c;
  for (int o = 0; o < l->out_c; o++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        for (int ci = 0; ci < c; ci++)
          dst[(((size_t)o * c + ci) * k + ky) * k + kx]
              = src[(((size_t)o * k + ky) * k + kx) * c + ci];
}

/* Dense weight (O, H*W*C) in (h,w,c) column order -> (c,h,w) order, for the
 * flatten of a (H,W,C) tensor */
static void
permute_dense (int out, int h, int w, int c, const float *src, float *dst)
{
  const size_t in = (size_t)h * w * c;
  for (int o = 0; o < out; o++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        for (int ci = 0; ci < c; ci++)
          dst[o * in + ((size_t)ci * h + y) * w + x]
              = src[o * in + ((size_t)y * w + x) * c + ci];
}

static nn_status
build_graph (const nn_net *net, builder *b, float *scratch, nn_error *err)
{
  const char *prev = "input";
  int n_conv = 0, n_relu = 0, n_pool = 0, n_fc = 0;
  int flat_h = 1, flat_w = 1, flat_c = 0, permute_next_dense = 0;
  char name[24], wname[32], bname[32];
  nn_status st;

  for (int i = 0; i < net->n_layers; i++) {
    const nn_layer *l = &net->layers[i];
    const float *w = net->params + l->w_off, *bias = net->params + l->b_off;
    Onnx__NodeProto *node;
    int64_t dims[4];
    switch (l->kind) {
    case NN_LAYER_CONV:
      snprintf (name, sizeof name, "conv%d", ++n_conv);
      snprintf (wname, sizeof wname, "%s.weight", name);
      snprintf (bname, sizeof bname, "%s.bias", name);
      permute_conv (l, w, scratch);
      dims[0] = l->out_c;
      dims[1] = l->in_c;
      dims[2] = dims[3] = l->k;
      if ((st = add_init (b, wname, scratch, 4, dims, err)) != NN_OK
          || (st = add_init (b, bname, bias, 1, dims, err)) != NN_OK)
        return st;
      node = add_node (b, "Conv", name, prev, b->init_names[b->n_inits - 2],
                       b->init_names[b->n_inits - 1]);
      add_attr (b, node, "kernel_shape", 2, l->k, l->k, 0, 0);
      add_attr (b, node, "strides", 2, l->stride, l->stride, 0, 0);
      add_attr (b, node, "pads", 4, l->pad, l->pad, l->pad, l->pad);
      break;
    case NN_LAYER_RELU:
      snprintf (name, sizeof name, "relu%d", ++n_relu);
      node = add_node (b, "Relu", name, prev, NULL, NULL);
      break;
    case NN_LAYER_MAXPOOL:
      snprintf (name, sizeof name, "pool%d", ++n_pool);
      node = add_node (b, "MaxPool", name, prev, NULL, NULL);
      add_attr (b, node, "kernel_shape", 2, l->k, l->k, 0, 0);
      add_attr (b, node, "strides", 2, l->stride, l->stride, 0, 0);
      break;
    case NN_LAYER_FLATTEN:
      flat_h = l->in_h;
      flat_w = l->in_w;
      flat_c = l->in_c;
      permute_next_dense = 1;
      node = add_node (b, "Flatten", "flatten", prev, NULL, NULL);
      add_attr (b, node, "axis", 0, 1, 0, 0, 0);
      break;
    case NN_LAYER_DENSE:
      snprintf (name, sizeof name, "fc%d", ++n_fc);
      snprintf (wname, sizeof wname, "%s.weight", name);
      snprintf (bname, sizeof bname, "%s.bias", name);
      if (permute_next_dense)
        permute_dense (l->out_c, flat_h, flat_w, flat_c, w, scratch);
      else
        memcpy (scratch, w, l->n_w * sizeof *scratch);
      permute_next_dense = 0;
      dims[0] = l->out_c;
      dims[1] = l->in_c;
      if ((st = add_init (b, wname, scratch, 2, dims, err)) != NN_OK
          || (st = add_init (b, bname, bias, 1, dims, err)) != NN_OK)
        return st;
      node = add_node (b, "Gemm", name, prev, b->init_names[b->n_inits - 2],
                       b->init_names[b->n_inits - 1]);
      add_attr (b, node, "transB", 0, 1, 0, 0, 0);
      break;
    case NN_LAYER_DROPOUT:
      continue; /* identity at inference */
    }
    prev = b->node_names[b->n_nodes - 1];
  }
  Onnx__NodeProto *sm
      = add_node (b, "Softmax", "probabilities", prev, NULL, NULL);
  add_attr (b, sm, "axis", 0, 1, 0, 0, 0);
  return NN_OK;
}

nn_status
nn_net_export_onnx_memory (const nn_net *net, const nn_export_info *info,
                           uint8_t **data, size_t *size, nn_error *err)
{
  nn_status st;
  builder *b = NULL;
  float *scratch = NULL;
  char *labels = NULL;
  size_t max_w = 0, labels_len = 1;

  if (!data || !size)
    return nn_fail (err, NN_INVALID_ARG, "export: data or size is NULL");
  *data = NULL;
  *size = 0;
  if ((st = check_info (net, info, err)) != NN_OK)
    return st;

  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].n_w > max_w)
      max_w = net->layers[i].n_w;
  for (int i = 0; i < info->n_labels; i++)
    labels_len += strlen (info->labels[i]) + 1;
  b = calloc (1, sizeof *b);
  scratch = malloc ((max_w ? max_w : 1) * sizeof *scratch);
  labels = malloc (labels_len);
  if (!b || !scratch || !labels) {
    st = nn_fail (err, NN_NOMEM, "export: out of memory");
    goto out;
  }
  labels[0] = '\0';
  for (int i = 0, at = 0; i < info->n_labels; i++)
    at += sprintf (labels + at, "%s%s", i ? "\n" : "", info->labels[i]);

  if ((st = build_graph (net, b, scratch, err)) != NN_OK)
    goto out;

  /* Graph input (N, C, H, W) and output (N, classes). */
  Onnx__TensorShapeProto__Dimension dim[6], *in_dims[4], *out_dims[2];
  for (int i = 0; i < 6; i++) {
    onnx__tensor_shape_proto__dimension__init (&dim[i]);
    dim[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
  }
  const int64_t in_vals[4] = { info->batch, net->in_c, net->in_h, net->in_w };
  for (int i = 0; i < 4; i++) {
    dim[i].dim_value = in_vals[i];
    in_dims[i] = &dim[i];
  }
  dim[4].dim_value = info->batch;
  dim[5].dim_value = net->n_classes;
  out_dims[0] = &dim[4];
  out_dims[1] = &dim[5];
  if (info->batch == 0) {
    dim[0].value_case = dim[4].value_case
        = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
    dim[0].dim_param = dim[4].dim_param = "N";
  }
  Onnx__TensorShapeProto shapes[2];
  Onnx__TypeProto__Tensor ttypes[2];
  Onnx__TypeProto types[2];
  Onnx__ValueInfoProto vinfo[2], *vin[1], *vout[1];
  for (int i = 0; i < 2; i++) {
    onnx__tensor_shape_proto__init (&shapes[i]);
    onnx__type_proto__tensor__init (&ttypes[i]);
    onnx__type_proto__init (&types[i]);
    onnx__value_info_proto__init (&vinfo[i]);
    ttypes[i].has_elem_type = 1;
    ttypes[i].elem_type = ONNX_FLOAT;
    ttypes[i].shape = &shapes[i];
    types[i].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    types[i].tensor_type = &ttypes[i];
    vinfo[i].type = &types[i];
  }
  shapes[0].dim = in_dims;
  shapes[0].n_dim = 4;
  shapes[1].dim = out_dims;
  shapes[1].n_dim = 2;
  vinfo[0].name = "input";
  vinfo[1].name = b->node_names[b->n_nodes - 1];
  vin[0] = &vinfo[0];
  vout[0] = &vinfo[1];

  Onnx__GraphProto graph;
  onnx__graph_proto__init (&graph);
  graph.name = "edgeclassify";
  graph.node = b->node_ptrs;
  graph.n_node = (size_t)b->n_nodes;
  graph.initializer = b->init_ptrs;
  graph.n_initializer = (size_t)b->n_inits;
  graph.input = vin;
  graph.n_input = 1;
  graph.output = vout;
  graph.n_output = 1;

  add_meta (b, "edgeclassify.labels", labels);
  add_meta (b, "edgeclassify.color", (char *)info->color);
  format_float (b->meta_values[0], sizeof b->meta_values[0], info->scale);
  /* 1/255 is common enough to deserve its exact decimal. */
  if (info->scale == (float)(1.0 / 255.0))
    snprintf (b->meta_values[0], sizeof b->meta_values[0],
              "0.00392156862745098");
  add_meta (b, "edgeclassify.scale", b->meta_values[0]);
  format_floats (b->meta_values[1], sizeof b->meta_values[1], info->mean,
                 net->in_c);
  add_meta (b, "edgeclassify.mean", b->meta_values[1]);
  format_floats (b->meta_values[2], sizeof b->meta_values[2], info->std,
                 net->in_c);
  add_meta (b, "edgeclassify.std", b->meta_values[2]);
  add_meta (b, "edgeclassify.resize", (char *)info->resize);
  add_meta (b, "edgeclassify.output", "probabilities");
  add_meta (b, "edgeclassify.arch", net->spec);

  Onnx__OperatorSetIdProto opset, *opsets[1] = { &opset };
  onnx__operator_set_id_proto__init (&opset);
  opset.domain = "";
  opset.has_version = 1;
  opset.version = 13;

  Onnx__ModelProto model;
  onnx__model_proto__init (&model);
  model.has_ir_version = 1;
  model.ir_version = 8;
  model.producer_name = "edgenn-train";
  model.producer_version = NN_TRAIN_VERSION;
  model.doc_string = (char *)info->doc;
  model.graph = &graph;
  model.opset_import = opsets;
  model.n_opset_import = 1;
  model.metadata_props = b->meta_ptrs;
  model.n_metadata_props = (size_t)b->n_meta;

  *size = onnx__model_proto__get_packed_size (&model);
  *data = malloc (*size ? *size : 1);
  if (!*data) {
    st = nn_fail (err, NN_NOMEM, "export: no memory for %zu bytes", *size);
    *size = 0;
    goto out;
  }
  onnx__model_proto__pack (&model, *data);

out:
  if (b)
    for (int i = 0; i < b->n_inits; i++)
      free (b->init_raw[i]);
  free (b);
  free (scratch);
  free (labels);
  return st;
}

nn_status
nn_train_write_file (const char *path, const void *data, size_t size,
                     nn_error *err)
{
  char *tmp;
  FILE *f;
  size_t len = strlen (path);

  tmp = malloc (len + 5);
  if (!tmp)
    return nn_fail (err, NN_NOMEM, "no memory");
  memcpy (tmp, path, len);
  memcpy (tmp + len, ".tmp", 5);
  f = fopen (tmp, "wb");
  if (!f) {
    nn_status st = nn_fail (err, errno == ENOENT ? NN_NOT_FOUND : NN_IO,
                            "cannot create %s: %s", tmp, strerror (errno));
    free (tmp);
    return st;
  }
  int ok = fwrite (data, 1, size, f) == size;
  ok = (fflush (f) == 0) && ok;
  ok = (fclose (f) == 0) && ok;
  if (!ok || rename (tmp, path) != 0) {
    nn_status st
        = nn_fail (err, NN_IO, "cannot write %s: %s", path, strerror (errno));
    unlink (tmp);
    free (tmp);
    return st;
  }
  free (tmp);
  return NN_OK;
}

nn_status
nn_net_export_onnx (const nn_net *net, const nn_export_info *info,
                    const char *path, nn_error *err)
{
  uint8_t *data;
  size_t size;
  nn_status st;

  if (!path)
    return nn_fail (err, NN_INVALID_ARG, "export: path is NULL");
  if ((st = nn_net_export_onnx_memory (net, info, &data, &size, err)) != NN_OK)
    return st;
  st = nn_train_write_file (path, data, size, err);
  free (data);
  return st;
}

/* In-memory ONNX model builder for tests (see builder.h). */
#include "builder.h"

#include <stdlib.h>
#include <string.h>

#define MB_MAX 512

struct mb {
  Onnx__ModelProto model;
  Onnx__GraphProto graph;
  Onnx__OperatorSetIdProto opset, *opsets[1];
  void *owned[8192];
  size_t n_owned;
  Onnx__ValueInfoProto *inputs[MB_MAX], *outputs[MB_MAX];
  Onnx__TensorProto *inits[MB_MAX];
  Onnx__NodeProto *nodes[MB_MAX];
  Onnx__StringStringEntryProto *meta[MB_MAX];
  uint8_t *packed;
};

static void *
own (mb *b, size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (!p)
    abort (); /* test helper: out of memory ends the test */
  b->owned[b->n_owned++] = p;
  return p;
}

static char *
own_str (mb *b, const char *s)
{
  char *d = own (b, strlen (s) + 1);
  strcpy (d, s);
  return d;
}

mb *
mb_new (int64_t ir_version, int64_t opset)
{
  mb *b = calloc (1, sizeof *b);
  onnx__model_proto__init (&b->model);
  onnx__graph_proto__init (&b->graph);
  onnx__operator_set_id_proto__init (&b->opset);
  b->model.has_ir_version = 1;
  b->model.ir_version = ir_version;
  b->opset.has_version = 1;
  b->opset.version = opset;
  b->opset.domain = (char *)"";
  b->opsets[0] = &b->opset;
  b->model.opset_import = b->opsets;
  b->model.n_opset_import = 1;
  b->model.graph = &b->graph;
  b->graph.name = (char *)"g";
  b->graph.input = b->inputs;
  b->graph.output = b->outputs;
  b->graph.initializer = b->inits;
  b->graph.node = b->nodes;
  b->model.metadata_props = b->meta;
  return b;
}

void
mb_free (mb *b)
{
  if (!b)
    return;
  for (size_t i = 0; i < b->n_owned; i++)
    free (b->owned[i]);
  free (b->packed);
  free (b);
}

Onnx__ValueInfoProto *
mb_input (mb *b, const char *name, int ndim, const int64_t *dims)
{
  Onnx__ValueInfoProto *vi = own (b, sizeof *vi);
  Onnx__TypeProto *t = own (b, sizeof *t);
  Onnx__TypeProto__Tensor *tt = own (b, sizeof *tt);
  Onnx__TensorShapeProto *sh = own (b, sizeof *sh);
  Onnx__TensorShapeProto__Dimension **dd = own (b, sizeof *dd * (ndim + 1));
  onnx__value_info_proto__init (vi);
  onnx__type_proto__init (t);
  onnx__type_proto__tensor__init (tt);
  onnx__tensor_shape_proto__init (sh);
  for (int i = 0; i < ndim; i++) {
    dd[i] = own (b, sizeof **dd);
    onnx__tensor_shape_proto__dimension__init (dd[i]);
    if (dims[i] < 0) {
      dd[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      dd[i]->dim_param = (char *)"N";
    } else {
      dd[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      dd[i]->dim_value = dims[i];
    }
  }
  sh->dim = dd;
  sh->n_dim = (size_t)ndim;
  tt->has_elem_type = 1;
  tt->elem_type = 1;
  tt->shape = sh;
  t->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  t->tensor_type = tt;
  vi->name = own_str (b, name);
  vi->type = t;
  b->inputs[b->graph.n_input++] = vi;
  return vi;
}

void
mb_dim_param (mb *b, Onnx__ValueInfoProto *vi, int axis, const char *name)
{
  Onnx__TensorShapeProto__Dimension *d
      = vi->type->tensor_type->shape->dim[axis];
  d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
  d->dim_param = own_str (b, name);
}

void
mb_output (mb *b, const char *name)
{
  Onnx__ValueInfoProto *vi = own (b, sizeof *vi);
  onnx__value_info_proto__init (vi);
  vi->name = own_str (b, name);
  b->outputs[b->graph.n_output++] = vi;
}

static Onnx__TensorProto *
new_tensor (mb *b, const char *name, int ndim, const int64_t *dims, int type)
{
  Onnx__TensorProto *t = own (b, sizeof *t);
  onnx__tensor_proto__init (t);
  t->name = own_str (b, name);
  t->has_data_type = 1;
  t->data_type = type;
  t->dims = own (b, sizeof (int64_t) * (ndim + 1));
  if (ndim > 0)
    memcpy (t->dims, dims, sizeof (int64_t) * ndim);
  t->n_dims = (size_t)ndim;
  return t;
}

static size_t
count_of (int ndim, const int64_t *dims)
{
  size_t n = 1;
  for (int i = 0; i < ndim; i++)
    n *= dims[i] > 0 ? (size_t)dims[i] : 0;
  return n;
}

Onnx__TensorProto *
mb_init_f (mb *b, const char *name, int ndim, const int64_t *dims,
           const float *data, float fill)
{
  Onnx__TensorProto *t = new_tensor (b, name, ndim, dims, 1);
  size_t n = count_of (ndim, dims);
  float *d = own (b, n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    d[i] = data ? data[i] : fill;
  t->has_raw_data = 1;
  t->raw_data.data = (uint8_t *)d;
  t->raw_data.len = n * sizeof (float);
  b->inits[b->graph.n_initializer++] = t;
  return t;
}

Onnx__TensorProto *
mb_init_i64 (mb *b, const char *name, int ndim, const int64_t *dims,
             const int64_t *data)
{
  Onnx__TensorProto *t = new_tensor (b, name, ndim, dims, 7);
  size_t n = count_of (ndim, dims);
  t->int64_data = own (b, n * sizeof (int64_t));
  memcpy (t->int64_data, data, n * sizeof (int64_t));
  t->n_int64_data = n;
  b->inits[b->graph.n_initializer++] = t;
  return t;
}

static char **
name_list (mb *b, const char *const *names, size_t *n)
{
  char **l;
  size_t k = 0;
  while (names && names[k])
    k++;
  l = own (b, sizeof (char *) * (k + 1));
  for (size_t i = 0; i < k; i++)
    l[i] = own_str (b, names[i]);
  *n = k;
  return l;
}

Onnx__NodeProto *
mb_node (mb *b, const char *op, const char *name, const char *const *inputs,
         const char *const *outputs)
{
  Onnx__NodeProto *n = own (b, sizeof *n);
  onnx__node_proto__init (n);
  n->op_type = own_str (b, op);
  n->name = own_str (b, name);
  n->input = name_list (b, inputs, &n->n_input);
  n->output = name_list (b, outputs, &n->n_output);
  n->attribute = own (b, sizeof (Onnx__AttributeProto *) * 16);
  b->nodes[b->graph.n_node++] = n;
  return n;
}

static Onnx__AttributeProto *
new_attr (mb *b, Onnx__NodeProto *n, const char *name, int type)
{
  Onnx__AttributeProto *a = own (b, sizeof *a);
  onnx__attribute_proto__init (a);
  a->name = own_str (b, name);
  a->has_type = 1;
  a->type = type;
  n->attribute[n->n_attribute++] = a;
  return a;
}

void
mb_attr_i (mb *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
  Onnx__AttributeProto *a = new_attr (b, n, name, 2);
  a->has_i = 1;
  a->i = v;
}

void
mb_attr_f (mb *b, Onnx__NodeProto *n, const char *name, float v)
{
  Onnx__AttributeProto *a = new_attr (b, n, name, 1);
  a->has_f = 1;
  a->f = v;
}

void
mb_attr_ints (mb *b, Onnx__NodeProto *n, const char *name, int count,
              const int64_t *v)
{
  Onnx__AttributeProto *a = new_attr (b, n, name, 7);
  a->ints = own (b, sizeof (int64_t) * (count + 1));
  memcpy (a->ints, v, sizeof (int64_t) * count);
  a->n_ints = (size_t)count;
}

void
mb_attr_s (mb *b, Onnx__NodeProto *n, const char *name, const char *v)
{
  Onnx__AttributeProto *a = new_attr (b, n, name, 3);
  a->has_s = 1;
  a->s.data = (uint8_t *)own_str (b, v);
  a->s.len = strlen (v);
}

void
mb_meta (mb *b, const char *key, const char *value)
{
  Onnx__StringStringEntryProto *e = own (b, sizeof *e);
  onnx__string_string_entry_proto__init (e);
  e->key = own_str (b, key);
  e->value = own_str (b, value);
  b->meta[b->model.n_metadata_props++] = e;
}

Onnx__ModelProto *
mb_model (mb *b)
{
  return &b->model;
}

const uint8_t *
mb_pack (mb *b, size_t *size)
{
  free (b->packed);
  *size = protobuf_c_message_get_packed_size (&b->model.base);
  b->packed = malloc (*size + 1);
  protobuf_c_message_pack (&b->model.base, b->packed);
  return b->packed;
}

/* xorshift32, so fixtures do not depend on the C library's rand(). */
static float
rnd (uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return ((float)(*s & 0xffffff) / 16777216.0f - 0.5f) * 0.5f;
}

static void
rand_init (mb *b, const char *name, int ndim, const int64_t *dims,
           uint32_t *seed)
{
  size_t n = count_of (ndim, dims);
  float *d = malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    d[i] = rnd (seed);
  mb_init_f (b, name, ndim, dims, d, 0);
  free (d);
}

mb *
mb_seed_cnn (uint32_t seed)
{
  mb *b = mb_new (8, 13);
  uint32_t s = seed ? seed : 1;
  const int64_t in[] = { 1, 1, 28, 28 };
  const int64_t k2[] = { 2, 2 };
  mb_input (b, "image", 4, in);
  rand_init (b, "w1", 4, (int64_t[]){ 32, 1, 3, 3 }, &s);
  rand_init (b, "b1", 1, (int64_t[]){ 32 }, &s);
  rand_init (b, "w2", 4, (int64_t[]){ 64, 32, 3, 3 }, &s);
  rand_init (b, "b2", 1, (int64_t[]){ 64 }, &s);
  rand_init (b, "w3", 4, (int64_t[]){ 64, 64, 3, 3 }, &s);
  rand_init (b, "b3", 1, (int64_t[]){ 64 }, &s);
  rand_init (b, "w4", 2, (int64_t[]){ 64, 576 }, &s);
  rand_init (b, "b4", 1, (int64_t[]){ 64 }, &s);
  rand_init (b, "w5", 2, (int64_t[]){ 10, 64 }, &s);
  rand_init (b, "b5", 1, (int64_t[]){ 10 }, &s);
  mb_node (b, "Conv", "conv1", (const char *[]){ "image", "w1", "b1", NULL },
           (const char *[]){ "c1", NULL });
  mb_node (b, "Relu", "relu1", (const char *[]){ "c1", NULL },
           (const char *[]){ "r1", NULL });
  mb_attr_ints (b,
                mb_node (b, "MaxPool", "pool1", (const char *[]){ "r1", NULL },
                         (const char *[]){ "p1", NULL }),
                "kernel_shape", 2, k2);
  mb_attr_ints (b, b->nodes[b->graph.n_node - 1], "strides", 2, k2);
  mb_node (b, "Conv", "conv2", (const char *[]){ "p1", "w2", "b2", NULL },
           (const char *[]){ "c2", NULL });
  mb_node (b, "Relu", "relu2", (const char *[]){ "c2", NULL },
           (const char *[]){ "r2", NULL });
  mb_attr_ints (b,
                mb_node (b, "MaxPool", "pool2", (const char *[]){ "r2", NULL },
                         (const char *[]){ "p2", NULL }),
                "kernel_shape", 2, k2);
  mb_attr_ints (b, b->nodes[b->graph.n_node - 1], "strides", 2, k2);
  mb_node (b, "Conv", "conv3", (const char *[]){ "p2", "w3", "b3", NULL },
           (const char *[]){ "c3", NULL });
  mb_node (b, "Relu", "relu3", (const char *[]){ "c3", NULL },
           (const char *[]){ "r3", NULL });
  mb_node (b, "Flatten", "flatten", (const char *[]){ "r3", NULL },
           (const char *[]){ "f", NULL });
  mb_attr_i (b,
             mb_node (b, "Gemm", "dense1",
                      (const char *[]){ "f", "w4", "b4", NULL },
                      (const char *[]){ "d1", NULL }),
             "transB", 1);
  mb_node (b, "Relu", "relu4", (const char *[]){ "d1", NULL },
           (const char *[]){ "r4", NULL });
  mb_attr_i (b,
             mb_node (b, "Gemm", "dense2",
                      (const char *[]){ "r4", "w5", "b5", NULL },
                      (const char *[]){ "logits", NULL }),
             "transB", 1);
  mb_node (b, "Softmax", "softmax", (const char *[]){ "logits", NULL },
           (const char *[]){ "probs", NULL });
  mb_output (b, "probs");
  return b;
}

/* Concat written in place (plan.c, concats_in_place): the inputs that only
 * a Concat reads are written by their producers straight into its output,
 * and a Concat left with nothing to copy is no step.
 *
 * Each graph runs twice: as it is, and "apart", with every Concat input
 * also a graph output, which keeps each one in a tensor of its own and the
 * Concat a copy. The two must give the same bits on 1 and 2 threads; the
 * graph as it is must have the Concat steps the rules leave (none where
 * every input is placed), the apart one all of them. The branches put
 * large tensors between one producer and the Concat, where memory reused
 * too early would overwrite what was placed. */
#include "builder.h"
#include "check.h"
#include "nn/nn.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* What a branch of the Concat is. */
enum branch {
  B_CONV,   /* 1x1 Conv of x */
  B_DEEP,   /* 1x1 Conv to 3x the channels, Relu, 3x3 Conv: large tensors
               live between the other branches and the Concat */
  B_POOL,   /* MaxPool 3x3 of x, then a 1x1 Conv */
  B_INPUT,  /* x itself: a graph input stays where it is */
  B_REPEAT, /* the previous branch's tensor once more */
  B_SHARED, /* a 1x1 Conv whose output a Relu also reads (an output) */
  B_VIEW,   /* a 1x1 Conv seen through a Reshape */
  B_INNER,  /* a Concat of two 1x1 Convs */
  B_CONST,  /* a constant */
  B_SECOND, /* B_DEEP on a second graph input, x2 */
};

#define MAX_BRANCHES 4

typedef struct tcase {
  const char *name;
  int n, c, h, w;
  int axis;
  int nb;
  enum branch b[MAX_BRANCHES];
  int ch[MAX_BRANCHES]; /* channels of each branch */
  bool y_out;           /* the Concat's output is the graph output */
  int concats;          /* Concat steps left in the graph as it is */
} tcase;

/* name, n, c, h, w, axis, branches, their kinds, their channels, y_out,
 * Concat steps left */
// clang-format off
static const tcase cases[] = {
  /* 16 x 63 floats a branch: every block at a 64-byte boundary */
  { "inception", 1, 8, 7, 9, 1, 3, { B_CONV, B_DEEP, B_POOL }, { 16, 16, 32 }, false, 0 },
  { "output is the Concat", 1, 8, 7, 9, 1, 2, { B_DEEP, B_CONV }, { 16, 16 }, true, 0 },
  /* 3 x 25 floats: the second block is off a 64-byte boundary */
  { "odd block", 1, 4, 5, 5, 1, 3, { B_CONV, B_CONV, B_DEEP }, { 3, 13, 8 }, false, 1 },
  /* the inner Concat's output placed after the first block */
  { "nested", 1, 8, 4, 4, 1, 2, { B_DEEP, B_INNER }, { 16, 32 }, false, 0 },
  { "graph input", 1, 16, 4, 4, 1, 2, { B_INPUT, B_DEEP }, { 16, 16 }, false, 1 },
  { "a constant", 1, 8, 4, 4, 1, 2, { B_DEEP, B_CONST }, { 16, 16 }, false, 1 },
  /* x read by the Concat alone; large tensors of x2's branch come first */
  { "graph input read once", 1, 16, 6, 6, 1, 2, { B_INPUT, B_SECOND }, { 16, 16 }, false, 1 },
  { "same tensor twice", 1, 8, 4, 4, 1, 3, { B_CONV, B_REPEAT, B_DEEP }, { 16, 16, 16 }, false, 1 },
  { "another reader", 1, 8, 4, 4, 1, 2, { B_SHARED, B_DEEP }, { 16, 16 }, false, 1 },
  { "through a view", 1, 8, 4, 4, 1, 2, { B_VIEW, B_CONV }, { 16, 16 }, false, 1 },
  { "batch 2", 2, 8, 4, 4, 1, 2, { B_CONV, B_DEEP }, { 16, 16 }, false, 1 },
  { "along the height", 1, 4, 4, 8, 2, 2, { B_CONV, B_DEEP }, { 8, 8 }, false, 1 },
  { "on 2 threads' rows", 1, 16, 30, 30, 1, 3, { B_POOL, B_DEEP, B_CONV }, { 32, 48, 16 }, false, 0 },
};
// clang-format on

static uint32_t
next (uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static float *
random_floats (size_t n, float scale, uint32_t *s)
{
  float *v = malloc (n * sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    v[i] = scale * ((float)(next (s) >> 8) / (float)(1u << 24) * 2.f - 1.f);
  return v;
}

/* A Conv named nm (weights nm.w, nm.b, seeded from seed) from x (c
 * channels) to y (oc channels), k x k with same padding. */
static void
conv (mb *b, const char *nm, const char *x, const char *y, int c, int oc, int k,
      uint32_t seed)
{
  char wn[32], bn[32];
  snprintf (wn, sizeof wn, "%s.w", nm);
  snprintf (bn, sizeof bn, "%s.b", nm);
  uint32_t s = seed * 2654435761u + 1u;
  size_t nw = (size_t)oc * (size_t)c * (size_t)(k * k);
  float *w = random_floats (nw, 1.f / (float)(c * k), &s);
  float *bias = random_floats ((size_t)oc, 0.5f, &s);
  mb_init_f (b, wn, 4, (int64_t[]){ oc, c, k, k }, w, 0.f);
  mb_init_f (b, bn, 1, (int64_t[]){ oc }, bias, 0.f);
  free (w);
  free (bias);
  Onnx__NodeProto *n
      = mb_node (b, "Conv", nm, (const char *[]){ x, wn, bn, NULL },
                 (const char *[]){ y, NULL });
  int64_t p = k / 2;
  mb_attr_ints (b, n, "pads", 4, (int64_t[]){ p, p, p, p });
}

/* Branch i of tc; out gets the name of its tensor (B_INPUT and B_REPEAT
 * name one that exists). */
static void
branch (mb *b, const tcase *tc, int i, char *out, size_t size)
{
  char t1[16], t2[16], nm[16];
  const int oc = tc->ch[i];
  snprintf (out, size, "br%d", i);
  snprintf (t1, sizeof t1, "br%d.t1", i);
  snprintf (t2, sizeof t2, "br%d.t2", i);
  snprintf (nm, sizeof nm, "br%d.conv", i);
  switch (tc->b[i]) {
  case B_CONV:
    conv (b, nm, "x", out, tc->c, oc, 1, (uint32_t)i + 1);
    break;
  case B_DEEP:
  case B_SECOND: {
    const bool second = tc->b[i] == B_SECOND;
    const uint32_t seed = (uint32_t)i + (second ? 81u : 11u);
    conv (b, nm, second ? "x2" : "x", t1, tc->c, 3 * oc, 1, seed);
    mb_node (b, "Relu", t2, (const char *[]){ t1, NULL },
             (const char *[]){ t2, NULL });
    snprintf (nm, sizeof nm, "br%d.conv3", i);
    conv (b, nm, t2, out, 3 * oc, oc, 3, seed + 10u);
    break;
  }
  case B_POOL: {
    Onnx__NodeProto *n
        = mb_node (b, "MaxPool", t1, (const char *[]){ "x", NULL },
                   (const char *[]){ t1, NULL });
    mb_attr_ints (b, n, "kernel_shape", 2, (int64_t[]){ 3, 3 });
    mb_attr_ints (b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
    conv (b, nm, t1, out, tc->c, oc, 1, (uint32_t)i + 31);
    break;
  }
  case B_INPUT:
    snprintf (out, size, "x");
    break;
  case B_REPEAT:
    snprintf (out, size, "br%d", i - 1);
    break;
  case B_SHARED:
    conv (b, nm, "x", out, tc->c, oc, 1, (uint32_t)i + 41);
    mb_node (b, "Relu", "side", (const char *[]){ out, NULL },
             (const char *[]){ "side", NULL });
    mb_output (b, "side");
    break;
  case B_VIEW:
    conv (b, nm, "x", t1, tc->c, oc, 1, (uint32_t)i + 51);
    mb_init_i64 (b, "viewshape", 1, (int64_t[]){ 4 },
                 (int64_t[]){ tc->n, oc, tc->h, tc->w });
    mb_node (b, "Reshape", "view", (const char *[]){ t1, "viewshape", NULL },
             (const char *[]){ out, NULL });
    break;
  case B_CONST: {
    const size_t n = (size_t)(tc->n * oc * tc->h * tc->w);
    uint32_t s = 4242u;
    float *v = random_floats (n, 1.f, &s);
    mb_init_f (b, out, 4, (int64_t[]){ tc->n, oc, tc->h, tc->w }, v, 0.f);
    free (v);
    break;
  }
  case B_INNER: {
    conv (b, nm, "x", t1, tc->c, oc / 2, 1, (uint32_t)i + 61);
    snprintf (nm, sizeof nm, "br%d.conv2", i);
    conv (b, nm, "x", t2, tc->c, oc - oc / 2, 3, (uint32_t)i + 71);
    Onnx__NodeProto *n
        = mb_node (b, "Concat", "inner", (const char *[]){ t1, t2, NULL },
                   (const char *[]){ out, NULL });
    mb_attr_i (b, n, "axis", 1);
    break;
  }
  }
}

/* The graph of tc; apart: every Concat input a graph output too. */
static mb *
build (const tcase *tc, bool apart)
{
  mb *b = mb_new (8, 14);
  mb_input (b, "x", 4, (int64_t[]){ tc->n, tc->c, tc->h, tc->w });
  for (int i = 0; i < tc->nb; i++)
    if (tc->b[i] == B_SECOND)
      mb_input (b, "x2", 4, (int64_t[]){ tc->n, tc->c, tc->h, tc->w });
  char names[MAX_BRANCHES][16];
  const char *ins[MAX_BRANCHES + 1] = { NULL };
  int ch = 0;
  for (int i = 0; i < tc->nb; i++) {
    branch (b, tc, i, names[i], sizeof names[i]);
    ins[i] = names[i];
    ch += tc->axis == 1 ? tc->ch[i] : 0;
  }
  Onnx__NodeProto *n
      = mb_node (b, "Concat", "concat", ins,
                 (const char *[]){ tc->y_out ? "y" : "cat", NULL });
  mb_attr_i (b, n, "axis", tc->axis);
  if (!tc->y_out)
    /* a reader after the Concat */
    conv (b, "head", "cat", "y", tc->axis == 1 ? ch : tc->ch[0], 5, 1, 99);
  mb_output (b, "y");
  for (int i = 0; apart && i < tc->nb; i++)
    if (tc->b[i] != B_INPUT && tc->b[i] != B_REPEAT && tc->b[i] != B_CONST)
      mb_output (b, names[i]);
  for (int i = 0; apart && i < tc->nb; i++)
    if (tc->b[i] == B_INNER) {
      char t[16];
      snprintf (t, sizeof t, "br%d.t1", i);
      mb_output (b, t);
      snprintf (t, sizeof t, "br%d.t2", i);
      mb_output (b, t);
    }
  return b;
}

typedef struct run {
  nn_model *m;
  nn_session *s;
} run;

static bool
run_graph (const tcase *tc, bool apart, int threads, const float *x, run *r)
{
  mb *b = build (tc, apart);
  size_t size;
  const uint8_t *bytes = mb_pack (b, &size);
  nn_error e = { 0 };
  nn_session_options o = { .threads = threads };
  nn_load_options lo = { .flags = NN_LOAD_GENERAL };
  r->m = NULL;
  r->s = NULL;
  bool ok = nn_model_load_memory (bytes, size, &lo, &r->m, &e) == NN_OK
            && nn_session_create (r->m, &o, &r->s, &e) == NN_OK;
  if (ok) {
    for (size_t i = 0; i < nn_session_n_inputs (r->s); i++)
      memcpy (nn_session_input (r->s, i), x,
              nn_session_input_info (r->s, i)->count * sizeof *x);
    ok = nn_session_run (r->s, &e) == NN_OK;
  }
  CHECK (ok, "%s: %s", tc->name, e.message);
  mb_free (b);
  return ok;
}

static int
concat_steps (const nn_session *s)
{
  int n = 0;
  nn_step_info info;
  nn_error e;
  for (size_t i = 0; i < nn_session_n_steps (s); i++)
    if (nn_session_step_info (s, i, &info, &e) == NN_OK
        && strcmp (info.op, "Concat") == 0)
      n++;
  return n;
}

static void
test_case (const tcase *tc)
{
  const size_t nx = (size_t)(tc->n * tc->c * tc->h * tc->w);
  uint32_t seed = 777u + (uint32_t)nx;
  float *x = random_floats (nx, 1.f, &seed);
  run placed[2] = { 0 }, apart[2] = { 0 };
  bool ok = true;
  for (int t = 0; t < 2 && ok; t++)
    ok = run_graph (tc, false, t + 1, x, &placed[t])
         && run_graph (tc, true, t + 1, x, &apart[t]);
  if (ok) {
    int inner = 0;
    for (int i = 0; i < tc->nb; i++)
      inner += tc->b[i] == B_INNER;
    CHECK (concat_steps (placed[0].s) == tc->concats,
           "%s: %d Concat steps, wanted %d", tc->name,
           concat_steps (placed[0].s), tc->concats);
    CHECK (concat_steps (apart[0].s) == 1 + inner,
           "%s apart: %d Concat steps, wanted %d", tc->name,
           concat_steps (apart[0].s), 1 + inner);
    const size_t ny = nn_session_output_info (placed[0].s, 0)->count;
    for (int t = 0; t < 2; t++)
      CHECK (memcmp (nn_session_output (placed[t].s, 0),
                     nn_session_output (apart[t].s, 0), ny * sizeof (float))
                 == 0,
             "%s (%d threads): in place and apart differ", tc->name, t + 1);
    CHECK (memcmp (nn_session_output (placed[0].s, 0),
                   nn_session_output (placed[1].s, 0), ny * sizeof (float))
               == 0,
           "%s: 2 threads differ from 1", tc->name);
  }
  for (int t = 0; t < 2; t++) {
    nn_session_free (placed[t].s);
    nn_model_unref (placed[t].m);
    nn_session_free (apart[t].s);
    nn_model_unref (apart[t].m);
  }
  free (x);
}

int
main (void)
{
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    test_case (&cases[i]);
  return check_report ("concat-place");
}

/* Element-wise operators of one input: the float functions (Sqrt, Exp,
 * Log, Erf, Reciprocal, Floor, Ceil, Round, the trigonometric and
 * hyperbolic ones), the activations with attributes (Elu, Selu, Celu,
 * Gelu, Mish, Softplus, Softsign, ThresholdedRelu, Shrink), Abs, Neg and
 * Sign on any numeric type, Not on bool, IsNaN and IsInf to bool.
 *
 * The fast kernel switches once per call and loops per case, so each loop
 * vectorises where the function allows; the reference kernel evaluates
 * the textbook formula in double, element by element. */
#include "ops.h"

#include <math.h>
#include <string.h>

typedef enum un_kind {
  UN_ABS,
  UN_NEG,
  UN_SQRT,
  UN_EXP,
  UN_LOG,
  UN_RECIPROCAL,
  UN_FLOOR,
  UN_CEIL,
  UN_ROUND,
  UN_ERF,
  UN_SIN,
  UN_COS,
  UN_TAN,
  UN_ASIN,
  UN_ACOS,
  UN_ATAN,
  UN_SINH,
  UN_COSH,
  UN_ASINH,
  UN_ACOSH,
  UN_ATANH,
  UN_SIGN,
  UN_ELU,
  UN_SELU,
  UN_CELU,
  UN_GELU,
  UN_GELU_TANH,
  UN_MISH,
  UN_SOFTPLUS,
  UN_SOFTSIGN,
  UN_THRESHOLDED_RELU,
  UN_SHRINK,
  UN_NOT,
  UN_ISNAN,
  UN_ISINF
} un_kind;

typedef struct un_params {
  un_kind kind;
  float a, b;    /* alpha, gamma / lambd, bias */
  nn_dtype t;    /* input type */
  bool pos, neg; /* IsInf: which infinities */
} un_params;

static inline float
softplus (float x)
{
  /* log(1 + e^x) without overflow */
  return x > 20.f ? x : log1pf (expf (x));
}

/* float y = f(x) over n values. */
// x (n), y (n)
__attribute__ ((target_clones ("avx2", "default"))) static void
un_map (const un_params *p, float *restrict y, const float *restrict x,
        size_t n)
{
  const float a = p->a, b = p->b;
#define LOOP(EXPR)                                                             \
  for (size_t i = 0; i < n; i++) {                                             \
    const float v = x[i];                                                      \
    y[i] = (EXPR);                                                             \
  }                                                                            \
  return;
  switch (p->kind) {
  case UN_ABS:
    LOOP (fabsf (v))
  case UN_NEG:
    LOOP (-v)
  case UN_SQRT:
    LOOP (sqrtf (v))
  case UN_EXP:
    LOOP (expf (v))
  case UN_LOG:
    LOOP (logf (v))
  case UN_RECIPROCAL:
    LOOP (1.f / v)
  case UN_FLOOR:
    LOOP (floorf (v))
  case UN_CEIL:
    LOOP (ceilf (v))
  case UN_ROUND:
    LOOP (nearbyintf (v))
  case UN_ERF:
    LOOP (erff (v))
  case UN_SIN:
    LOOP (sinf (v))
  case UN_COS:
    LOOP (cosf (v))
  case UN_TAN:
    LOOP (tanf (v))
  case UN_ASIN:
    LOOP (asinf (v))
  case UN_ACOS:
    LOOP (acosf (v))
  case UN_ATAN:
    LOOP (atanf (v))
  case UN_SINH:
    LOOP (sinhf (v))
  case UN_COSH:
    LOOP (coshf (v))
  case UN_ASINH:
    LOOP (asinhf (v))
  case UN_ACOSH:
    LOOP (acoshf (v))
  case UN_ATANH:
    LOOP (atanhf (v))
  case UN_SIGN:
    LOOP (v > 0.f ? 1.f : (v < 0.f ? -1.f : v))
  case UN_ELU:
    LOOP (v >= 0.f ? v : a * (expf (v) - 1.f))
  case UN_SELU:
    LOOP (b * (v > 0.f ? v : a * (expf (v) - 1.f)))
  case UN_CELU:
    LOOP (fmaxf (0.f, v) + fminf (0.f, a * (expf (v / a) - 1.f)))
  case UN_GELU:
    LOOP (0.5f * v * (1.f + erff (v * 0.70710678118654752f)))
  case UN_GELU_TANH:
    LOOP (0.5f * v
          * (1.f + tanhf (0.79788456080286536f * (v + 0.044715f * v * v * v))))
  case UN_MISH:
    LOOP (v * tanhf (softplus (v)))
  case UN_SOFTPLUS:
    LOOP (softplus (v))
  case UN_SOFTSIGN:
    LOOP (v / (1.f + fabsf (v)))
  case UN_THRESHOLDED_RELU:
    LOOP (v > a ? v : 0.f)
  case UN_SHRINK:
    LOOP (v < -a ? v + b : (v > a ? v - b : 0.f))
  default:
    return;
  }
#undef LOOP
}

/* The reference: each function in double. */
static double
un_ref1 (const un_params *p, double v)
{
  const double a = p->a, b = p->b;
  switch (p->kind) {
  case UN_ABS:
    return fabs (v);
  case UN_NEG:
    return -v;
  case UN_SQRT:
    return sqrt (v);
  case UN_EXP:
    return exp (v);
  case UN_LOG:
    return log (v);
  case UN_RECIPROCAL:
    return 1.0 / v;
  case UN_FLOOR:
    return floor (v);
  case UN_CEIL:
    return ceil (v);
  case UN_ROUND:
    return nearbyint (v);
  case UN_ERF:
    return erf (v);
  case UN_SIN:
    return sin (v);
  case UN_COS:
    return cos (v);
  case UN_TAN:
    return tan (v);
  case UN_ASIN:
    return asin (v);
  case UN_ACOS:
    return acos (v);
  case UN_ATAN:
    return atan (v);
  case UN_SINH:
    return sinh (v);
  case UN_COSH:
    return cosh (v);
  case UN_ASINH:
    return asinh (v);
  case UN_ACOSH:
    return acosh (v);
  case UN_ATANH:
    return atanh (v);
  case UN_SIGN:
    return v > 0 ? 1.0 : (v < 0 ? -1.0 : v);
  case UN_ELU:
    return v >= 0 ? v : a * (exp (v) - 1.0);
  case UN_SELU:
    return b * (v > 0 ? v : a * (exp (v) - 1.0));
  case UN_CELU:
    return fmax (0.0, v) + fmin (0.0, a * (exp (v / a) - 1.0));
  case UN_GELU:
    return 0.5 * v * (1.0 + erf (v / sqrt (2.0)));
  case UN_GELU_TANH:
    return 0.5 * v
           * (1.0 + tanh (sqrt (2.0 / M_PI) * (v + 0.044715 * v * v * v)));
  case UN_MISH:
    return v * tanh (log1p (exp (v)));
  case UN_SOFTPLUS:
    return log1p (exp (v));
  case UN_SOFTSIGN:
    return v / (1.0 + fabs (v));
  case UN_THRESHOLDED_RELU:
    return v > a ? v : 0.0;
  case UN_SHRINK:
    return v < -a ? v + b : (v > a ? v - b : 0.0);
  default:
    return v;
  }
}

/* Any type but float: Abs, Neg, Sign on numbers; Not; IsNaN, IsInf. */
static void
un_typed (const un_params *p, void *y, const void *x, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    switch (p->kind) {
    case UN_NOT:
      ((uint8_t *)y)[i] = !((const uint8_t *)x)[i];
      break;
    case UN_ISNAN:
      ((uint8_t *)y)[i] = isnan (nn_load_f64 (x, p->t, i));
      break;
    case UN_ISINF: {
      double v = nn_load_f64 (x, p->t, i);
      ((uint8_t *)y)[i] = isinf (v) && ((v > 0 && p->pos) || (v < 0 && p->neg));
      break;
    }
    default:
      if (nn_dtype_in (p->t, NN_TYPES_INT)) {
        /* as the type's own arithmetic: negation wraps */
        bool is_unsigned = !nn_dtype_in (p->t, NN_TYPES_SIGNED);
        int64_t v = nn_load_i64 (x, p->t, i);
        uint64_t u = (uint64_t)v, r;
        if (p->kind == UN_NEG)
          r = 0 - u;
        else if (p->kind == UN_ABS)
          r = !is_unsigned && v < 0 ? 0 - u : u;
        else if (is_unsigned)
          r = u != 0;
        else
          r = v > 0 ? 1 : (v < 0 ? UINT64_MAX : 0);
        nn_store_i64 (y, p->t, i, (int64_t)r);
      } else
        nn_store_f64 (y, p->t, i, un_ref1 (p, nn_load_f64 (x, p->t, i)));
      break;
    }
  }
}

typedef struct un_job {
  const un_params *p;
  float *y;
  const float *x;
  size_t n;
} un_job;

static void
un_task (void *arg, int i, int n)
{
  const un_job *j = arg;
  size_t b, e;
  nn_op_split_range (j->n, i, n, &b, &e);
  un_map (j->p, j->y + b, j->x + b, e - b);
}

static void
unary_run (const nn_node *node, const nn_run_ctx *ctx)
{
  const un_params *p = node->params;
  const nn_value *x = node->in[0];
  void *y = nn_value_ptr (node->out[0], ctx);
  const void *in = nn_value_ptr (x, ctx);

  if (p->t != NN_DTYPE_FLOAT || node->out[0]->dtype != NN_DTYPE_FLOAT) {
    un_typed (p, y, in, x->count);
    return;
  }
  if (ctx->reference) {
    for (size_t i = 0; i < x->count; i++)
      ((float *)y)[i] = (float)un_ref1 (p, ((const float *)in)[i]);
    return;
  }
  un_job j = { p, y, in, x->count };
  nn_pool_run (ctx->pool, un_task, &j,
               nn_op_task_count (ctx->pool, (double)x->count * 10.0, 64));
}

/* ---- plans -------------------------------------------------------------- */

static nn_status
unary_common (nn_node *node, un_kind kind, unsigned types, nn_dtype out,
              float a, float b, nn_error *err)
{
  nn_status s;
  if ((s = nn_op_check_arity (node, 1, 1, 1, 1, err))
      || (s = nn_op_typed_input (node, 0, "X", types, err)))
    return s;
  const nn_value *x = node->in[0];
  if (out == 0)
    out = x->dtype;
  if ((s = nn_op_set_output_type (node, 0, out, x->ndim, x->dims, err))
      || (s = nn_op_alloc_params (node, sizeof (un_params), err)))
    return s;
  un_params *p = node->params;
  p->kind = kind;
  p->a = a;
  p->b = b;
  p->t = x->dtype;
  return NN_OK;
}

#define FLOAT_UNARY(FN, KIND)                                                  \
  static nn_status FN (nn_node *node, nn_error *err)                           \
  {                                                                            \
    return unary_common (node, KIND, NN_TYPES_FLOAT, 0, 0.f, 0.f, err);        \
  }

FLOAT_UNARY (sqrt_plan, UN_SQRT)
FLOAT_UNARY (exp_plan, UN_EXP)
FLOAT_UNARY (log_plan, UN_LOG)
FLOAT_UNARY (reciprocal_plan, UN_RECIPROCAL)
FLOAT_UNARY (floor_plan, UN_FLOOR)
FLOAT_UNARY (ceil_plan, UN_CEIL)
FLOAT_UNARY (round_plan, UN_ROUND)
FLOAT_UNARY (erf_plan, UN_ERF)
FLOAT_UNARY (sin_plan, UN_SIN)
FLOAT_UNARY (cos_plan, UN_COS)
FLOAT_UNARY (tan_plan, UN_TAN)
FLOAT_UNARY (asin_plan, UN_ASIN)
FLOAT_UNARY (acos_plan, UN_ACOS)
FLOAT_UNARY (atan_plan, UN_ATAN)
FLOAT_UNARY (sinh_plan, UN_SINH)
FLOAT_UNARY (cosh_plan, UN_COSH)
FLOAT_UNARY (asinh_plan, UN_ASINH)
FLOAT_UNARY (acosh_plan, UN_ACOSH)
FLOAT_UNARY (atanh_plan, UN_ATANH)
FLOAT_UNARY (mish_plan, UN_MISH)
FLOAT_UNARY (softplus_plan, UN_SOFTPLUS)
FLOAT_UNARY (softsign_plan, UN_SOFTSIGN)

#define SIGNED_TYPES (NN_TYPES_SIGNED & ~NN_TYPE_BIT (NN_DTYPE_FLOAT16))

static nn_status
abs_plan (nn_node *node, nn_error *err)
{
  return unary_common (node, UN_ABS, NN_TYPES_NUM, 0, 0.f, 0.f, err);
}

static nn_status
neg_plan (nn_node *node, nn_error *err)
{
  return unary_common (node, UN_NEG, SIGNED_TYPES, 0, 0.f, 0.f, err);
}

static nn_status
sign_plan (nn_node *node, nn_error *err)
{
  return unary_common (node, UN_SIGN, NN_TYPES_NUM, 0, 0.f, 0.f, err);
}

static nn_status
not_plan (nn_node *node, nn_error *err)
{
  return unary_common (node, UN_NOT, NN_TYPE_BIT (NN_DTYPE_BOOL), 0, 0.f, 0.f,
                       err);
}

static nn_status
is_nan_plan (nn_node *node, nn_error *err)
{
  return unary_common (node, UN_ISNAN,
                       NN_TYPES_FLOAT | NN_TYPE_BIT (NN_DTYPE_DOUBLE)
                           | NN_TYPE_BIT (NN_DTYPE_FLOAT16),
                       NN_DTYPE_BOOL, 0.f, 0.f, err);
}

static nn_status
is_inf_plan (nn_node *node, nn_error *err)
{
  int64_t pos, neg;
  nn_status s;
  if ((s = nn_op_attr_int (node, "detect_positive", 1, &pos, err))
      || (s = nn_op_attr_int (node, "detect_negative", 1, &neg, err))
      || (s = unary_common (node, UN_ISINF,
                            NN_TYPES_FLOAT | NN_TYPE_BIT (NN_DTYPE_DOUBLE)
                                | NN_TYPE_BIT (NN_DTYPE_FLOAT16),
                            NN_DTYPE_BOOL, 0.f, 0.f, err)))
    return s;
  ((un_params *)node->params)->pos = pos != 0;
  ((un_params *)node->params)->neg = neg != 0;
  return NN_OK;
}

/* An activation with float attributes a (and b). */
static nn_status
attr_unary (nn_node *node, un_kind kind, const char *an, float ad,
            const char *bn, float bd, nn_error *err)
{
  float a = ad, b = bd;
  nn_status s;
  if ((an && (s = nn_op_attr_float (node, an, ad, &a, err)))
      || (bn && (s = nn_op_attr_float (node, bn, bd, &b, err))))
    return s;
  if (!isfinite (a) || !isfinite (b))
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute '%s' must be finite, is %g",
                         isfinite (a) ? bn : an, isfinite (a) ? b : a);
  return unary_common (node, kind, NN_TYPES_FLOAT, 0, a, b, err);
}

static nn_status
elu_plan (nn_node *node, nn_error *err)
{
  return attr_unary (node, UN_ELU, "alpha", 1.f, NULL, 0.f, err);
}

static nn_status
selu_plan (nn_node *node, nn_error *err)
{
  return attr_unary (node, UN_SELU, "alpha", 1.67326319217681884765625f,
                     "gamma", 1.05070102214813232421875f, err);
}

static nn_status
celu_plan (nn_node *node, nn_error *err)
{
  float a;
  nn_status s = nn_op_attr_float (node, "alpha", 1.f, &a, err);
  if (s)
    return s;
  if (a == 0.f)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'alpha' must not be 0");
  return attr_unary (node, UN_CELU, "alpha", 1.f, NULL, 0.f, err);
}

static nn_status
thresholded_relu_plan (nn_node *node, nn_error *err)
{
  return attr_unary (node, UN_THRESHOLDED_RELU, "alpha", 1.f, NULL, 0.f, err);
}

static nn_status
shrink_plan (nn_node *node, nn_error *err)
{
  return attr_unary (node, UN_SHRINK, "lambd", 0.5f, "bias", 0.f, err);
}

static nn_status
gelu_plan (nn_node *node, nn_error *err)
{
  const char *approx;
  nn_status s = nn_op_attr_string (node, "approximate", "none", &approx, err);
  if (s)
    return s;
  if (strcmp (approx, "none") != 0 && strcmp (approx, "tanh") != 0)
    return nn_fail_node (err, NN_BAD_MODEL, node,
                         "attribute 'approximate' must be none or tanh, is "
                         "'%s'",
                         approx);
  return unary_common (node, approx[0] == 't' ? UN_GELU_TANH : UN_GELU,
                       NN_TYPES_FLOAT, 0, 0.f, 0.f, err);
}

#define UN_DEF(NAME, PLAN, MIN)                                                \
  {                                                                            \
    .op_type = NAME, .plan = PLAN, .run = unary_run, .min_opset = MIN          \
  }

const nn_op_def nn_op_abs = UN_DEF ("Abs", abs_plan, 0);
const nn_op_def nn_op_neg = UN_DEF ("Neg", neg_plan, 0);
const nn_op_def nn_op_sqrt = UN_DEF ("Sqrt", sqrt_plan, 0);
const nn_op_def nn_op_exp = UN_DEF ("Exp", exp_plan, 0);
const nn_op_def nn_op_log = UN_DEF ("Log", log_plan, 0);
const nn_op_def nn_op_reciprocal = UN_DEF ("Reciprocal", reciprocal_plan, 0);
const nn_op_def nn_op_floor = UN_DEF ("Floor", floor_plan, 0);
const nn_op_def nn_op_ceil = UN_DEF ("Ceil", ceil_plan, 0);
const nn_op_def nn_op_round = UN_DEF ("Round", round_plan, 11);
const nn_op_def nn_op_erf = UN_DEF ("Erf", erf_plan, 9);
const nn_op_def nn_op_sin = UN_DEF ("Sin", sin_plan, 7);
const nn_op_def nn_op_cos = UN_DEF ("Cos", cos_plan, 7);
const nn_op_def nn_op_tan = UN_DEF ("Tan", tan_plan, 7);
const nn_op_def nn_op_asin = UN_DEF ("Asin", asin_plan, 7);
const nn_op_def nn_op_acos = UN_DEF ("Acos", acos_plan, 7);
const nn_op_def nn_op_atan = UN_DEF ("Atan", atan_plan, 7);
const nn_op_def nn_op_sinh = UN_DEF ("Sinh", sinh_plan, 9);
const nn_op_def nn_op_cosh = UN_DEF ("Cosh", cosh_plan, 9);
const nn_op_def nn_op_asinh = UN_DEF ("Asinh", asinh_plan, 9);
const nn_op_def nn_op_acosh = UN_DEF ("Acosh", acosh_plan, 9);
const nn_op_def nn_op_atanh = UN_DEF ("Atanh", atanh_plan, 9);
const nn_op_def nn_op_sign = UN_DEF ("Sign", sign_plan, 9);
const nn_op_def nn_op_not = UN_DEF ("Not", not_plan, 0);
const nn_op_def nn_op_is_nan = UN_DEF ("IsNaN", is_nan_plan, 9);
const nn_op_def nn_op_is_inf = UN_DEF ("IsInf", is_inf_plan, 10);
const nn_op_def nn_op_elu = UN_DEF ("Elu", elu_plan, 6);
const nn_op_def nn_op_selu = UN_DEF ("Selu", selu_plan, 6);
const nn_op_def nn_op_celu = UN_DEF ("Celu", celu_plan, 12);
const nn_op_def nn_op_gelu = UN_DEF ("Gelu", gelu_plan, 20);
const nn_op_def nn_op_mish = UN_DEF ("Mish", mish_plan, 18);
const nn_op_def nn_op_softplus = UN_DEF ("Softplus", softplus_plan, 0);
const nn_op_def nn_op_softsign = UN_DEF ("Softsign", softsign_plan, 0);
const nn_op_def nn_op_thresholded_relu
    = UN_DEF ("ThresholdedRelu", thresholded_relu_plan, 10);
const nn_op_def nn_op_shrink = UN_DEF ("Shrink", shrink_plan, 9);

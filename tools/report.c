/* Report writers (see report.h). */
#include "report.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int
rp_write_csv (const char *path, const rp_epoch *h, int n)
{
  FILE *f = fopen (path, "w");
  if (!f)
    return -1;
  fprintf (f, "epoch,lr,train_loss,train_acc,val_loss,val_acc,test_loss,"
              "test_acc,seconds,images_per_s,cpu_seconds\n");
  for (int i = 0; i < n; i++) {
    const rp_epoch *e = &h[i];
    fprintf (f, "%d,%.6g,%.6f,%.6f,", e->epoch, (double)e->lr, e->train_loss,
             e->train_acc);
    if (e->val_loss >= 0)
      fprintf (f, "%.6f,%.6f,", e->val_loss, e->val_acc);
    else
      fprintf (f, ",,");
    if (e->test_loss >= 0)
      fprintf (f, "%.6f,%.6f,", e->test_loss, e->test_acc);
    else
      fprintf (f, ",,");
    fprintf (f, "%.3f,%.1f,%.3f\n", e->seconds, e->images_per_s,
             e->cpu_seconds);
  }
  return fclose (f) == 0 ? 0 : -1;
}

/* ---- plot ---- */

typedef struct panel {
  double x, y, w, h; /* plot area in pixels */
  double xmin, xmax, ymin, ymax;
} panel;

static double
px (const panel *p, double v)
{
  return p->x + (v - p->xmin) / (p->xmax - p->xmin) * p->w;
}

static double
py (const panel *p, double v)
{
  return p->y + p->h - (v - p->ymin) / (p->ymax - p->ymin) * p->h;
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) for about n ticks. */
static double
nice_step (double span, int n)
{
  const double raw = span / n, mag = pow (10.0, floor (log10 (raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

static void
draw_axes (cairo_t *cr, const panel *p, const char *title, int percent)
{
  char label[32];
  cairo_text_extents_t ext;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, p->x, p->y, p->w, p->h);
  cairo_fill (cr);
  cairo_set_line_width (cr, 1.0);
  cairo_set_font_size (cr, 12);

  const double ys = nice_step (p->ymax - p->ymin, 5);
  for (double v = ceil (p->ymin / ys) * ys; v <= p->ymax + 1e-9; v += ys) {
    cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
    cairo_move_to (cr, p->x, floor (py (p, v)) + 0.5);
    cairo_line_to (cr, p->x + p->w, floor (py (p, v)) + 0.5);
    cairo_stroke (cr);
    snprintf (label, sizeof label, percent ? "%.1f%%" : "%.2f",
              percent ? v * 100 : v);
    cairo_text_extents (cr, label, &ext);
    cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
    cairo_move_to (cr, p->x - ext.width - 6, py (p, v) + ext.height / 2);
    cairo_show_text (cr, label);
  }
  const double xs = fmax (1.0, nice_step (p->xmax - p->xmin, 8));
  for (double v = ceil (p->xmin / xs) * xs; v <= p->xmax + 1e-9; v += xs) {
    snprintf (label, sizeof label, "%g", v);
    cairo_text_extents (cr, label, &ext);
    cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
    cairo_move_to (cr, px (p, v) - ext.width / 2, p->y + p->h + 16);
    cairo_show_text (cr, label);
  }
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_rectangle (cr, p->x + 0.5, p->y + 0.5, p->w - 1, p->h - 1);
  cairo_stroke (cr);
  cairo_set_font_size (cr, 14);
  cairo_text_extents (cr, title, &ext);
  cairo_move_to (cr, p->x + (p->w - ext.width) / 2, p->y - 10);
  cairo_show_text (cr, title);
  cairo_set_font_size (cr, 12);
  cairo_text_extents (cr, "epoch", &ext);
  cairo_move_to (cr, p->x + (p->w - ext.width) / 2, p->y + p->h + 34);
  cairo_show_text (cr, "epoch");
}

/* Series: 0 train, 1 val, 2 test; field: 0 loss, 1 accuracy. */
static double
value_of (const rp_epoch *e, int series, int field)
{
  switch (series) {
  case 0:
    return field ? e->train_acc : e->train_loss;
  case 1:
    return field ? e->val_acc : e->val_loss;
  default:
    return field ? e->test_acc : e->test_loss;
  }
}

static const double colours[3][3]
    = { { 0.12, 0.47, 0.71 }, { 1.0, 0.50, 0.05 }, { 0.17, 0.63, 0.17 } };

static const char *const series_names[3] = { "train", "validation", "test" };

static void
draw_panel (cairo_t *cr, panel *p, const rp_epoch *h, int n, int field,
            const char *title)
{
  double lo = INFINITY, hi = -INFINITY;

  for (int s = 0; s < 3; s++)
    for (int i = 0; i < n; i++) {
      const double v = value_of (&h[i], s, field);
      if (v < 0)
        continue;
      lo = fmin (lo, v);
      hi = fmax (hi, v);
    }
  if (!isfinite (lo)) {
    lo = 0;
    hi = 1;
  }
  const double pad = fmax ((hi - lo) * 0.08, 1e-3);
  p->ymin = field ? lo - pad : fmax (0.0, lo - pad);
  p->ymax = field ? fmin (1.0, hi + pad) : hi + pad;
  if (p->ymax <= p->ymin)
    p->ymax = p->ymin + 1e-3;
  p->xmin = n > 1 ? h[0].epoch : 0;
  p->xmax = n > 1 ? h[n - 1].epoch : 2;
  draw_axes (cr, p, title, field);

  cairo_save (cr);
  cairo_rectangle (cr, p->x, p->y, p->w, p->h);
  cairo_clip (cr);
  cairo_set_line_width (cr, 2.0);
  for (int s = 0; s < 3; s++) {
    int started = 0;
    cairo_set_source_rgb (cr, colours[s][0], colours[s][1], colours[s][2]);
    for (int i = 0; i < n; i++) {
      const double v = value_of (&h[i], s, field);
      if (v < 0)
        continue;
      const double x = px (p, h[i].epoch), y = py (p, v);
      if (started)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      started = 1;
    }
    cairo_stroke (cr);
    for (int i = 0; i < n; i++) {
      const double v = value_of (&h[i], s, field);
      if (v < 0)
        continue;
      cairo_arc (cr, px (p, h[i].epoch), py (p, v), 2.5, 0, 2 * M_PI);
      cairo_fill (cr);
    }
  }
  cairo_restore (cr);
}

int
rp_write_plot (const char *path, const rp_epoch *h, int n, const char *title)
{
  const int width = 1100, height = 460;
  cairo_surface_t *surf
      = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (surf);
  panel loss = { 70, 60, 430, 330, 0, 1, 0, 1 };
  panel acc = { 620, 60, 430, 330, 0, 1, 0, 1 };

  cairo_set_source_rgb (cr, 0.97, 0.97, 0.97);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                          CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_set_font_size (cr, 16);
  cairo_move_to (cr, 20, 24);
  cairo_show_text (cr, title);
  draw_panel (cr, &loss, h, n, 0, "cross-entropy loss");
  draw_panel (cr, &acc, h, n, 1, "top-1 accuracy");

  /* Legend, only for the series that have data. */
  double lx = 70;
  cairo_set_font_size (cr, 12);
  for (int s = 0; s < 3; s++) {
    int any = 0;
    for (int i = 0; i < n; i++)
      any |= value_of (&h[i], s, 0) >= 0;
    if (!any)
      continue;
    cairo_set_source_rgb (cr, colours[s][0], colours[s][1], colours[s][2]);
    cairo_rectangle (cr, lx, height - 22, 18, 4);
    cairo_fill (cr);
    cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
    cairo_move_to (cr, lx + 24, height - 16);
    cairo_show_text (cr, series_names[s]);
    lx += 120;
  }

  cairo_destroy (cr);
  cairo_surface_flush (surf);
  const cairo_status_t st = cairo_surface_write_to_png (surf, path);
  cairo_surface_destroy (surf);
  return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

/* ---- tables ---- */

double
rp_accuracy (const int64_t *cm, int k)
{
  int64_t hit = 0, all = 0;
  for (int i = 0; i < k; i++)
    for (int j = 0; j < k; j++) {
      all += cm[i * k + j];
      if (i == j)
        hit += cm[i * k + j];
    }
  return all ? (double)hit / all : 0.0;
}

void
rp_confusion_markdown (FILE *f, const int64_t *cm, int k, char *const *names)
{
  fprintf (f, "| true \\ predicted |");
  for (int j = 0; j < k; j++)
    fprintf (f, " %d |", j);
  fprintf (f, "\n|---|");
  for (int j = 0; j < k; j++)
    fprintf (f, "---:|");
  fprintf (f, "\n");
  for (int i = 0; i < k; i++) {
    fprintf (f, "| %d %s |", i, names ? names[i] : "");
    for (int j = 0; j < k; j++)
      fprintf (f, i == j ? " **%lld** |" : " %lld |", (long long)cm[i * k + j]);
    fprintf (f, "\n");
  }
}

void
rp_per_class_markdown (FILE *f, const int64_t *cm, int k, char *const *names)
{
  fprintf (f,
           "| class | images | correct | accuracy |\n|---|---:|---:|---:|\n");
  for (int i = 0; i < k; i++) {
    int64_t row = 0;
    for (int j = 0; j < k; j++)
      row += cm[i * k + j];
    fprintf (f, "| %d %s | %lld | %lld | %.2f%% |\n", i, names ? names[i] : "",
             (long long)row, (long long)cm[i * k + i],
             row ? 100.0 * cm[i * k + i] / row : 0.0);
  }
}

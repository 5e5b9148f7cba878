/* Writes a tiny image-folder dataset with Cairo, for the folder tests:
 *
 *   make-images OUTDIR
 *
 * OUTDIR/{train,test}/{columns,rings,stripes}/NN.png: 20 and 10 RGB images
 * (24x20, not square on purpose) of each class, drawn with a seeded random
 * colour, offset and thickness, so a small CNN must actually look at the
 * shapes. Also a JPEG-named file that is not an image, in OUTDIR/broken. */
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

static uint64_t state = 42;

static double
rnd (void)
{
  /* splitmix64, to not depend on libc's rand() */
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static int
draw (const char *path, int cls)
{
  const int w = 24, h = 20;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create (s);
  cairo_set_source_rgb (cr, 0.1 * rnd (), 0.1 * rnd (), 0.1 * rnd ());
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0.5 + 0.5 * rnd (), 0.5 + 0.5 * rnd (),
                        0.5 + 0.5 * rnd ());
  const double t = 1.5 + 1.5 * rnd (), off = 4 * rnd ();
  if (cls == 0) {
    for (double x = off; x < w; x += 6)
      cairo_rectangle (cr, x, 0, t, h);
    cairo_fill (cr);
  } else if (cls == 1) {
    cairo_set_line_width (cr, t);
    cairo_arc (cr, w / 2.0 + 3 * (rnd () - 0.5), h / 2.0 + 3 * (rnd () - 0.5),
               4 + 3 * rnd (), 0, 2 * M_PI);
    cairo_stroke (cr);
  } else {
    for (double y = off; y < h; y += 6)
      cairo_rectangle (cr, 0, y, w, t);
    cairo_fill (cr);
  }
  cairo_destroy (cr);
  int rc = cairo_surface_write_to_png (s, path) == CAIRO_STATUS_SUCCESS ? 0 : 1;
  cairo_surface_destroy (s);
  return rc;
}

int
main (int argc, char **argv)
{
  static const char *classes[] = { "columns", "rings", "stripes" };
  static const char *splits[] = { "train", "test" };
  char path[1024];
  int rc = 0;

  if (argc != 2)
    return 2;
  mkdir (argv[1], 0755);
  for (int s = 0; s < 2; s++) {
    snprintf (path, sizeof path, "%s/%s", argv[1], splits[s]);
    mkdir (path, 0755);
    for (int c = 0; c < 3; c++) {
      snprintf (path, sizeof path, "%s/%s/%s", argv[1], splits[s], classes[c]);
      mkdir (path, 0755);
      for (int i = 0; i < (s == 0 ? 20 : 10); i++) {
        snprintf (path, sizeof path, "%s/%s/%s/%02d.png", argv[1], splits[s],
                  classes[c], i);
        rc |= draw (path, c);
      }
    }
  }
  /* A dataset with one undecodable file. */
  for (int c = 0; c < 2; c++) {
    snprintf (path, sizeof path, "%s/broken", argv[1]);
    mkdir (path, 0755);
    snprintf (path, sizeof path, "%s/broken/%s", argv[1], classes[c]);
    mkdir (path, 0755);
    snprintf (path, sizeof path, "%s/broken/%s/00.png", argv[1], classes[c]);
    rc |= draw (path, c);
  }
  snprintf (path, sizeof path, "%s/broken/%s/01.jpg", argv[1], classes[1]);
  FILE *f = fopen (path, "w");
  if (f) {
    fputs ("this is not a picture\n", f);
    fclose (f);
  }
  return rc;
}

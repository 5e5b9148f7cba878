/* Data augmentation (nn_augment_image) against what each option means,
 * computed here independently: a mirror gives the mirrored image, a shift
 * the image moved by at most `shift` pixels with the fill where nothing
 * came in, an erase a square of at most `erase` pixels a side set to the
 * fill; each option applies to about the share of draws it should, and
 * every outcome it allows happens. */
#include "nn/train.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { C = 2, H = 7, W = 9, DRAWS = 2000 };

static int failures;

static void
expect (bool ok, const char *what)
{
  printf ("%-60s %s\n", what, ok ? "ok" : "FAIL");
  failures += !ok;
}

/* src moved by (dx, dy), mirrored first when flip, fill where outside */
static void
moved (const float *src, const float *fill, int dx, int dy, bool flip,
       float *out)
{
  for (int c = 0; c < C; c++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        int sx = x - dx, sy = y - dy;
        float v = fill[c];
        if (sx >= 0 && sx < W && sy >= 0 && sy < H)
          v = src[(c * H + sy) * W + (flip ? W - 1 - sx : sx)];
        out[(c * H + y) * W + x] = v;
      }
}

static bool
same (const float *a, const float *b)
{
  return memcmp (a, b, sizeof (float) * C * H * W) == 0;
}

int
main (void)
{
  float src[C * H * W], dst[C * H * W], want[C * H * W];
  const float fill[C] = { -7.5f, 3.25f };
  nn_rng rng;

  for (int i = 0; i < C * H * W; i++)
    src[i] = (float)(i * 37 % 101) / 10.0f; /* no two pixels alike */

  /* mirror only: the image or its mirror, about half each */
  {
    nn_augment aug = { 0, 1, 0 };
    int plain = 0, mirrored = 0, other = 0;
    nn_rng_seed (&rng, 1);
    for (int i = 0; i < DRAWS; i++) {
      nn_augment_image (&aug, &rng, C, H, W, src, fill, dst);
      moved (src, fill, 0, 0, true, want);
      if (same (dst, want))
        mirrored++;
      else if (same (dst, src))
        plain++;
      else
        other++;
    }
    printf ("hflip: %d plain, %d mirrored\n", plain, mirrored);
    expect (other == 0, "hflip: every draw the image or its mirror");
    expect (mirrored > DRAWS * 2 / 5 && plain > DRAWS * 2 / 5,
            "hflip: about half the draws mirrored");
  }

  /* shift only: moved by (dx, dy) in [-2, 2]^2, every offset seen */
  {
    nn_augment aug = { 2, 0, 0 };
    int seen[5][5] = { { 0 } }, other = 0, offsets = 0;
    nn_rng_seed (&rng, 2);
    for (int i = 0; i < DRAWS; i++) {
      bool found = false;
      nn_augment_image (&aug, &rng, C, H, W, src, fill, dst);
      for (int dy = -2; dy <= 2 && !found; dy++)
        for (int dx = -2; dx <= 2 && !found; dx++) {
          moved (src, fill, dx, dy, false, want);
          if (same (dst, want)) {
            seen[dy + 2][dx + 2]++;
            found = true;
          }
        }
      other += !found;
    }
    for (int i = 0; i < 25; i++)
      offsets += seen[i / 5][i % 5] > 0;
    expect (other == 0, "shift 2: every draw the image moved by <= 2 px");
    expect (offsets == 25, "shift 2: all 25 offsets happen");
  }

  /* erase only: about half the draws keep the image; the others differ
   * in one square of side 1..4 set to the fill, and nowhere else */
  {
    nn_augment aug = { 0, 0, 4 };
    int kept = 0, erased = 0, other = 0, sides[5] = { 0 };
    nn_rng_seed (&rng, 3);
    for (int i = 0; i < DRAWS; i++) {
      int x0 = W, y0 = H, x1 = -1, y1 = -1;
      bool bad = false;
      nn_augment_image (&aug, &rng, C, H, W, src, fill, dst);
      for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
          for (int x = 0; x < W; x++) {
            int at = (c * H + y) * W + x;
            if (dst[at] == src[at])
              continue;
            bad |= dst[at] != fill[c];
            x0 = x < x0 ? x : x0;
            y0 = y < y0 ? y : y0;
            x1 = x > x1 ? x : x1;
            y1 = y > y1 ? y : y1;
          }
      if (x1 < 0) {
        kept++;
        continue;
      }
      int side = x1 - x0 + 1;
      /* every pixel of the square changed in every channel */
      for (int c = 0; c < C && !bad; c++)
        for (int y = y0; y <= y1; y++)
          for (int x = x0; x <= x1; x++)
            bad |= dst[(c * H + y) * W + x] != fill[c];
      if (bad || side != y1 - y0 + 1 || side > 4)
        other++;
      else {
        erased++;
        sides[side]++;
      }
    }
    printf ("erase: %d kept, %d erased (sides 1-4: %d %d %d %d)\n", kept,
            erased, sides[1], sides[2], sides[3], sides[4]);
    expect (other == 0, "erase 4: a square of side <= 4 set to the fill");
    expect (kept > DRAWS * 2 / 5 && erased > DRAWS * 2 / 5,
            "erase 4: about half the draws erased");
    expect (sides[1] && sides[2] && sides[3] && sides[4],
            "erase 4: every side from 1 to 4 happens");
  }

  /* the same seed, the same draws */
  {
    nn_augment aug = { 2, 1, 3 };
    float again[C * H * W];
    nn_rng a, b;
    bool equal = true;
    nn_rng_seed (&a, 9);
    nn_rng_seed (&b, 9);
    for (int i = 0; i < 100; i++) {
      nn_augment_image (&aug, &a, C, H, W, src, fill, dst);
      nn_augment_image (&aug, &b, C, H, W, src, fill, again);
      equal &= same (dst, again);
    }
    expect (equal, "one seed, one sequence of images");
  }

  printf ("%d failed\n", failures);
  return failures ? 1 : 0;
}

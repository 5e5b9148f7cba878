/* The training generator (nn/train/rng.c): seeding gives splitmix64's
 * published first outputs; each draw is xoshiro256**'s output function of
 * the state; nn_rng_below stays below n and is unbiased even where plain
 * multiply-shift is not (n = 3 * 2^30 maps two 32-bit draws to every third
 * value: the rejection must undo that); floats lie in [0, 1) on a 2^-24
 * grid; shuffles are permutations, each of the 3! equally often; a seed
 * gives the same sequence every time. Counts are compared with bounds of
 * about five standard deviations over fixed seeds. */
#include "check.h"
#include "layers.h"

#include <math.h>
#include <stdlib.h>

static uint64_t
rotl (uint64_t v, int k)
{
  return (v << k) | (v >> (64 - k));
}

static void
seeding (void)
{
  /* splitmix64 from state 0, as in its reference implementation. */
  const uint64_t want[4] = { 0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull,
                             0x06c45d188009454full, 0xf88bb8a8724c81ecull };
  nn_rng rng;
  nn_rng_seed (&rng, 0);
  for (int i = 0; i < 4; i++)
    CHECK (rng.s[i] == want[i], "seed 0: s[%d] = %016llx, wanted %016llx", i,
           (unsigned long long)rng.s[i], (unsigned long long)want[i]);
  /* xoshiro256**: the output is rotl(s1 * 5, 7) * 9 of the state before. */
  for (int i = 0; i < 8; i++) {
    const uint64_t expect = rotl (rng.s[1] * 5, 7) * 9;
    CHECK (nn_rng_next (&rng) == expect, "draw %d is not rotl(s1*5,7)*9", i);
  }
  /* The same seed, the same sequence; another seed, another. */
  nn_rng a, b, c;
  nn_rng_seed (&a, 12345);
  nn_rng_seed (&b, 12345);
  nn_rng_seed (&c, 12346);
  int same = 1, differs = 0;
  for (int i = 0; i < 100; i++) {
    const uint64_t va = nn_rng_next (&a), vc = nn_rng_next (&c);
    same &= va == nn_rng_next (&b);
    differs += va != vc;
  }
  CHECK (same, "one seed gave two sequences");
  CHECK (differs == 100, "neighbouring seeds share %d draws", 100 - differs);
}

static void
below (void)
{
  nn_rng rng;
  nn_rng_seed (&rng, 1);
  /* n = 1: always 0; the biggest n: within range. */
  int ok = 1;
  for (int i = 0; i < 1000; i++) {
    ok &= nn_rng_below (&rng, 1) == 0;
    ok &= nn_rng_below (&rng, 0xffffffffu) < 0xffffffffu;
    ok &= nn_rng_below (&rng, 0x80000001u) < 0x80000001u;
  }
  CHECK (ok, "a draw out of range");

  /* Small n: every value about equally often. */
  enum { DRAWS = 60000 };
  int counts[6] = { 0 };
  for (int i = 0; i < DRAWS; i++)
    counts[nn_rng_below (&rng, 6)]++;
  for (int v = 0; v < 6; v++)
    CHECK (abs (counts[v] - DRAWS / 6) < 500, "value %d drawn %d times", v,
           counts[v]);

  /* n = 3 * 2^30: without rejection, values = 0 (mod 3) would take half
   * the draws instead of a third. */
  const uint32_t n = 3u << 30;
  int zero_mod3 = 0, top = 0;
  for (int i = 0; i < DRAWS; i++) {
    const uint32_t v = nn_rng_below (&rng, n);
    zero_mod3 += v % 3 == 0;
    top += v >= n / 2;
  }
  CHECK (abs (zero_mod3 - DRAWS / 3) < 600,
         "n = 3*2^30: %d of %d draws are 0 mod 3 (a third expected)", zero_mod3,
         DRAWS);
  CHECK (abs (top - DRAWS / 2) < 650, "n = 3*2^30: %d draws in the top half",
         top);
}

static void
floats (void)
{
  nn_rng rng;
  nn_rng_seed (&rng, 2);
  int ok = 1;
  double sum = 0.0;
  enum { DRAWS = 40000 };
  for (int i = 0; i < DRAWS; i++) {
    const float f = nn_rng_float (&rng);
    const float scaled = f * 16777216.0f;
    ok &= f >= 0.0f && f < 1.0f && scaled == floorf (scaled);
    sum += f;
  }
  CHECK (ok, "a float outside [0, 1) or off the 2^-24 grid");
  /* sd of the mean: sqrt(1/12 / DRAWS) = 0.0014 */
  CHECK (fabs (sum / DRAWS - 0.5) < 0.008, "mean %g", sum / DRAWS);
}

static void
shuffles (void)
{
  nn_rng rng;
  uint32_t idx[50], one = 7;
  nn_rng_seed (&rng, 3);
  nn_rng_shuffle (&rng, idx, 0); /* nothing to do, nothing touched */
  nn_rng_shuffle (&rng, &one, 1);
  CHECK (one == 7, "a shuffle of one moved it");

  int perm_ok = 1, moved = 0;
  for (int round = 0; round < 20; round++) {
    int seen[50] = { 0 };
    for (uint32_t i = 0; i < 50; i++)
      idx[i] = i;
    nn_rng_shuffle (&rng, idx, 50);
    for (uint32_t i = 0; i < 50; i++) {
      perm_ok &= idx[i] < 50 && !seen[idx[i]]++;
      moved += idx[i] != i;
    }
  }
  CHECK (perm_ok, "a shuffle lost or doubled an element");
  CHECK (moved > 20 * 40, "shuffles left %d of 1000 in place", 1000 - moved);

  /* Three elements: each of the six orders about 1/6 of the time. */
  enum { DRAWS = 12000 };
  int counts[6] = { 0 };
  for (int i = 0; i < DRAWS; i++) {
    uint32_t v[3] = { 0, 1, 2 };
    nn_rng_shuffle (&rng, v, 3);
    counts[v[0] * 2 + (v[1] > v[2])]++;
  }
  for (int k = 0; k < 6; k++)
    CHECK (abs (counts[k] - DRAWS / 6) < 210, "order %d drawn %d times", k,
           counts[k]);
}

int
main (void)
{
  seeding ();
  below ();
  floats ();
  shuffles ();
  return check_report ("train-rng");
}

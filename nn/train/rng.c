/* Pseudo-random numbers for training: xoshiro256** (Blackman & Vigna),
 * seeded through splitmix64. Our own generator, so a seed gives the same
 * shuffles, initial weights and augmentations on every libc. */
#include "layers.h"

uint64_t
nn_splitmix64 (uint64_t *state)
{
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void
nn_rng_seed (nn_rng *rng, uint64_t seed)
{
  uint64_t st = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = nn_splitmix64 (&st);
}

static inline uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t
nn_rng_next (nn_rng *rng)
{
  uint64_t *s = rng->s;
  const uint64_t result = rotl (s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

uint32_t
nn_rng_below (nn_rng *rng, uint32_t n)
{
  /* Lemire's multiply-shift with rejection of the biased low zone. */
  uint64_t m = (uint64_t)(uint32_t)(nn_rng_next (rng) >> 32) * n;
  uint32_t low = (uint32_t)m;
  if (low < n) {
    const uint32_t floor = (uint32_t)(-n) % n;
    while (low < floor) {
      m = (uint64_t)(uint32_t)(nn_rng_next (rng) >> 32) * n;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

float
nn_rng_float (nn_rng *rng)
{
  return (float)(nn_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

void
nn_rng_shuffle (nn_rng *rng, uint32_t *idx, size_t n)
{
  for (size_t i = n; i > 1; i--) {
    const uint32_t j = nn_rng_below (rng, (uint32_t)i);
    const uint32_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}

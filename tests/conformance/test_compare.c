/* The value comparison of the conformance runner: what it accepts as the
 * expected output, and what it must not. */
#include "node-case.h"

#include <math.h>
#include <stdio.h>

static int failures;

static void
expect (float got, float want, bool same)
{
  if (node_case_close_enough (got, want) != same) {
    printf ("FAIL: got %g for expected %g: %s\n", got, want,
            same ? "refused" : "accepted");
    failures++;
  }
}

int
main (void)
{
  /* within atol + rtol * |want| */
  expect (1.0f, 1.0f, true);
  expect (1.0009f, 1.0f, true);
  expect (1.0011f, 1.0f, false);
  expect (1e-6f, 0.0f, true);
  expect (2e-5f, 0.0f, false);
  expect (-1000.9f, -1000.0f, true);
  expect (-1001.1f, -1000.0f, false);
  /* infinities: only the same infinity */
  expect (INFINITY, INFINITY, true);
  expect (-INFINITY, -INFINITY, true);
  expect (0.0f, INFINITY, false);
  expect (3.4e38f, INFINITY, false);
  expect (-INFINITY, INFINITY, false);
  expect (INFINITY, -INFINITY, false);
  expect (-5.0f, -INFINITY, false);
  expect (INFINITY, 3.4e38f, false);
  expect (-INFINITY, -1.0f, false);
  /* NaN: only NaN */
  expect (NAN, NAN, true);
  expect (0.0f, NAN, false);
  expect (INFINITY, NAN, false);
  expect (NAN, 1.0f, false);
  expect (NAN, INFINITY, false);
  printf ("%s\n", failures ? "FAIL" : "ok");
  return failures ? 1 : 0;
}

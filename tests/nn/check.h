/* Minimal test harness for nn/ tests: count checks, report, exit status. */
#ifndef TESTS_NN_CHECK_H
#define TESTS_NN_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    check_count++;                                                             \
    if (!(cond)) {                                                             \
      check_failures++;                                                        \
      fprintf (stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
      fprintf (stderr, __VA_ARGS__);                                           \
      fputc ('\n', stderr);                                                    \
    }                                                                          \
  } while (0)

/* The status must match and the message must contain `needle`. */
#define CHECK_ERR(got, err, want, needle)                                      \
  do {                                                                         \
    CHECK ((got) == (want), "status %s, wanted %s (%s)",                       \
           nn_status_to_string (got), nn_status_to_string (want),              \
           (err).message);                                                     \
    if ((got) != NN_OK)                                                        \
      CHECK (check_contains ((err).message, (needle)),                         \
             "message '%s' lacks '%s'", (err).message,                         \
             check_or_empty (needle));                                         \
  } while (0)

static inline int
check_contains (const char *hay, const char *needle)
{
  return !needle || strstr (hay, needle) != NULL;
}

static inline const char *
check_or_empty (const char *s)
{
  return s ? s : "";
}

static inline int
check_report (const char *name)
{
  printf ("%s: %d checks, %d failed\n", name, check_count, check_failures);
  return check_failures ? 1 : 0;
}

#endif /* TESTS_NN_CHECK_H */

/* ONNX node conformance: runs every test folder found under the ONNX node
 * test data through nn and compares with ONNX's own expected outputs.
 *
 *   conformance [--data DIR] [--unsupported LIST] [--write-unsupported FILE]
 *               [--timeout SECONDS] [--no-fork] [SUBSTRING...]
 *
 * Each test runs in a child process, so a crash or a hang in one operator
 * becomes a failure of that test instead of ending the whole run.
 *
 * The unsupported LIST holds the tests this build is known not to support.
 * The run fails on any failure, on a test that is unsupported but not in
 * the list (a regression), and on a listed test that now passes (delete it:
 * the list can only shrink).
 */
#include "node-case.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_DATA "/usr/share/libonnx-testdata/data/node"
#define MSG_MAX 1024

typedef struct test_entry {
  char *name;
  case_result result;
  bool listed;
} test_entry;

typedef struct name_list {
  char **names;
  size_t n, cap;
} name_list;

static bool
list_add (name_list *l, const char *name)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    char **names = realloc (l->names, cap * sizeof *names);
    if (!names)
      return false;
    l->names = names;
    l->cap = cap;
  }
  l->names[l->n] = strdup (name);
  return l->names[l->n++] != NULL;
}

static void
list_free (name_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->names[i]);
  free (l->names);
  memset (l, 0, sizeof *l);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static bool
list_has (const name_list *l, const char *name)
{
  return l->n
         && bsearch (&name, l->names, l->n, sizeof *l->names, cmp_str) != NULL;
}

/* Every folder holding a model.onnx, sorted by name. */
static int
discover (const char *data, name_list *out)
{
  DIR *dir = opendir (data);
  struct dirent *de;

  if (!dir) {
    fprintf (stderr, "conformance: cannot open %s: %s\n", data,
             strerror (errno));
    return -1;
  }
  while ((de = readdir (dir)) != NULL) {
    char path[4096];
    struct stat st;

    if (de->d_name[0] == '.')
      continue;
    snprintf (path, sizeof path, "%s/%s/model.onnx", data, de->d_name);
    if (stat (path, &st) == 0 && S_ISREG (st.st_mode)
        && !list_add (out, de->d_name)) {
      closedir (dir);
      return -1;
    }
  }
  closedir (dir);
  qsort (out->names, out->n, sizeof *out->names, cmp_str);
  return 0;
}

/* One name a line; blank lines and '#' comments are skipped. */
static int
read_list (const char *path, name_list *out)
{
  FILE *f = fopen (path, "r");
  char line[512];

  if (!f) {
    fprintf (stderr, "conformance: cannot open %s: %s\n", path,
             strerror (errno));
    return -1;
  }
  while (fgets (line, sizeof line, f)) {
    char *s = line, *e;
    while (*s == ' ' || *s == '\t')
      s++;
    e = s + strcspn (s, "#\r\n");
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
      e--;
    *e = '\0';
    if (*s && !list_add (out, s)) {
      fclose (f);
      return -1;
    }
  }
  fclose (f);
  qsort (out->names, out->n, sizeof *out->names, cmp_str);
  return 0;
}

static const char *
result_tag (case_result r)
{
  return r == CASE_PASS          ? "PASS"
         : r == CASE_UNSUPPORTED ? "UNSUPPORTED"
                                 : "FAIL";
}

static case_result
run_in_process (const char *dir, const char *name)
{
  char msg[MSG_MAX];
  case_result r = node_case_run (dir, msg, sizeof msg);

  if (r == CASE_PASS)
    printf ("%-11s %s\n", result_tag (r), name);
  else
    printf ("%-11s %s: %s\n", result_tag (r), name, msg);
  fflush (stdout);
  return r;
}

/* The child prints its own line; the parent reports what the child could
 * not: a signal or a timeout. */
static case_result
run_forked (const char *dir, const char *name, unsigned timeout)
{
  pid_t pid;
  int status;

  fflush (stdout);
  pid = fork ();
  if (pid < 0) {
    printf ("FAIL        %s: fork: %s\n", name, strerror (errno));
    return CASE_FAIL;
  }
  if (pid == 0) {
    alarm (timeout);
    _exit ((int)run_in_process (dir, name));
  }
  while (waitpid (pid, &status, 0) < 0) {
    if (errno != EINTR) {
      printf ("FAIL        %s: waitpid: %s\n", name, strerror (errno));
      return CASE_FAIL;
    }
  }
  if (WIFSIGNALED (status)) {
    int sig = WTERMSIG (status);
    if (sig == SIGALRM)
      printf ("FAIL        %s: timed out after %u s\n", name, timeout);
    else
      printf ("FAIL        %s: crashed with signal %d (%s)\n", name, sig,
              strsignal (sig));
    return CASE_FAIL;
  }
  if (WIFEXITED (status) && WEXITSTATUS (status) <= CASE_UNSUPPORTED)
    return (case_result)WEXITSTATUS (status);
  printf ("FAIL        %s: exited with status %d\n", name,
          WEXITSTATUS (status));
  return CASE_FAIL;
}

static void
usage (void)
{
  fprintf (
      stderr,
      "usage: conformance [--data DIR] [--unsupported LIST] "
      "[--write-unsupported FILE]\n"
      "                   [--timeout SECONDS] [--no-fork] [SUBSTRING...]\n");
}

static bool
matches (const char *name, char **filters, int n_filters)
{
  if (n_filters == 0)
    return true;
  for (int i = 0; i < n_filters; i++)
    if (strstr (name, filters[i]))
      return true;
  return false;
}

int
main (int argc, char **argv)
{
  const char *data = DEFAULT_DATA, *list_path = NULL, *write_path = NULL;
  unsigned timeout = 60;
  bool use_fork = true;
  char **filters = calloc ((size_t)argc, sizeof *filters);
  int n_filters = 0;
  name_list all = { 0 }, listed = { 0 };
  test_entry *tests;
  size_t n = 0, passed = 0, failed = 0, unsupported = 0, regressions = 0,
         now_passing = 0;

  if (!filters)
    return 2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp (a, "--data") == 0 && has_value)
      data = argv[++i];
    else if (strcmp (a, "--unsupported") == 0 && has_value)
      list_path = argv[++i];
    else if (strcmp (a, "--write-unsupported") == 0 && has_value)
      write_path = argv[++i];
    else if (strcmp (a, "--timeout") == 0 && has_value)
      timeout = (unsigned)strtoul (argv[++i], NULL, 10);
    else if (strcmp (a, "--no-fork") == 0)
      use_fork = false;
    else if (a[0] == '-') {
      usage ();
      return 2;
    } else
      filters[n_filters++] = argv[i];
  }
  if (discover (data, &all) != 0
      || (list_path && read_list (list_path, &listed) != 0))
    return 2;
  if (all.n == 0) {
    fprintf (stderr, "conformance: no tests found in %s\n", data);
    return 2;
  }
  tests = calloc (all.n, sizeof *tests);
  if (!tests)
    return 2;

  for (size_t i = 0; i < all.n; i++) {
    char dir[4096];
    test_entry *t;

    if (!matches (all.names[i], filters, n_filters))
      continue;
    t = &tests[n++];
    t->name = all.names[i];
    t->listed = list_has (&listed, t->name);
    snprintf (dir, sizeof dir, "%s/%s", data, t->name);
    t->result = use_fork ? run_forked (dir, t->name, timeout)
                         : run_in_process (dir, t->name);
    passed += t->result == CASE_PASS;
    failed += t->result == CASE_FAIL;
    unsupported += t->result == CASE_UNSUPPORTED;
  }

  /* The list may only shrink: report both directions of drift. */
  for (size_t i = 0; list_path && i < n; i++) {
    if (tests[i].result == CASE_UNSUPPORTED && !tests[i].listed) {
      printf ("conformance: REGRESSION: %s is unsupported but not in %s\n",
              tests[i].name, list_path);
      regressions++;
    }
  }
  for (size_t i = 0; list_path && i < n; i++) {
    if (tests[i].result == CASE_PASS && tests[i].listed) {
      if (now_passing++ == 0)
        printf ("conformance: now passing, delete from %s:\n", list_path);
      printf ("  %s\n", tests[i].name);
    }
  }
  for (size_t i = 0; n_filters == 0 && i < listed.n; i++)
    if (!list_has (&all, listed.names[i]))
      printf ("conformance: note: %s is listed but has no test folder\n",
              listed.names[i]);

  if (write_path) {
    FILE *f = fopen (write_path, "w");
    if (!f) {
      fprintf (stderr, "conformance: cannot create %s: %s\n", write_path,
               strerror (errno));
      return 2;
    }
    fprintf (f, "# ONNX node tests this build cannot run: unsupported "
                "operators, attributes,\n# opsets or data types (see "
                "tests/conformance/conformance.c). Never add a\n# failing test "
                "here; delete a line when its test starts to pass.\n");
    for (size_t i = 0; i < n; i++)
      if (tests[i].result == CASE_UNSUPPORTED)
        fprintf (f, "%s\n", tests[i].name);
    if (fclose (f) != 0)
      return 2;
  }

  printf ("conformance: %zu ran, %zu passed, %zu failed, %zu unsupported\n", n,
          passed, failed, unsupported);
  if (regressions || now_passing)
    printf ("conformance: %zu unlisted unsupported, %zu listed now "
            "passing\n",
            regressions, now_passing);
  free (tests);
  free (filters);
  list_free (&all);
  list_free (&listed);
  return failed || regressions || now_passing ? 1 : 0;
}

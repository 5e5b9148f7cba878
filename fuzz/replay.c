/* Replays inputs through a fuzz target without libFuzzer, so the suite
 * (gcc or clang, with or without sanitizers) runs every reproducer the
 * fuzzers ever found:
 *
 *   replay-TARGET [--depth=N] FILE|DIR...
 *
 * Every regular file named, and every regular file in a folder named (and
 * N levels of subfolders), is read whole and given to
 * LLVMFuzzerTestOneInput. A crash or a sanitizer
 * report is the failure; no input at all is one too, so a lost folder
 * cannot pass. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *data = NULL;
  long size;

  if (!f) {
    fprintf (stderr, "replay: cannot open %s\n", path);
    return -1;
  }
  if (fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0
      || fseek (f, 0, SEEK_SET) != 0
      || !(data = malloc (size ? (size_t)size : 1))
      || fread (data, 1, (size_t)size, f) != (size_t)size) {
    fprintf (stderr, "replay: cannot read %s\n", path);
    free (data);
    fclose (f);
    return -1;
  }
  fclose (f);
  printf ("replay %s (%ld bytes)\n", path, size);
  fflush (stdout);
  LLVMFuzzerTestOneInput (data, (size_t)size);
  free (data);
  return 1;
}

/* A file, or every regular file in a folder and, depth levels down, in
 * its subfolders (the ONNX node tests keep one model per folder). */
static int
replay_path (const char *path, int depth)
{
  struct stat st;
  DIR *dir;
  struct dirent *e;
  int n = 0;

  if (stat (path, &st) != 0) {
    fprintf (stderr, "replay: no %s\n", path);
    return -1;
  }
  if (!S_ISDIR (st.st_mode))
    return S_ISREG (st.st_mode) ? replay_file (path) : 0;
  if (!(dir = opendir (path)))
    return -1;
  while ((e = readdir (dir))) {
    char child[4096];
    int r = 0;

    if (e->d_name[0] == '.')
      continue;
    snprintf (child, sizeof child, "%s/%s", path, e->d_name);
    if (stat (child, &st) != 0)
      continue;
    if (S_ISREG (st.st_mode))
      r = replay_file (child);
    else if (S_ISDIR (st.st_mode) && depth > 0)
      r = replay_path (child, depth - 1);
    if (r < 0) {
      closedir (dir);
      return -1;
    }
    n += r;
  }
  closedir (dir);
  return n;
}

int
main (int argc, char **argv)
{
  int total = 0;

  int depth = 0, i = 1;

  if (i < argc && strncmp (argv[i], "--depth=", 8) == 0)
    depth = atoi (argv[i++] + 8);
  for (; i < argc; i++) {
    int n = replay_path (argv[i], depth);
    if (n < 0)
      return 1;
    total += n;
  }
  printf ("%d inputs replayed\n", total);
  return total > 0 ? 0 : 1;
}

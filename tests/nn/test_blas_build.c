/* The OpenBLAS this build runs with is the threaded one, unless the
 * openblas_serial option asked for the serial one. The trainer's workers
 * call cblas_sgemm at the same time, and Debian's serial build is not safe
 * for that: races in its buffer table give wrong products, seen as 2-thread
 * training runs that differ bit for bit. A machine with only
 * libopenblas-serial-dev installed hands that build to pkg-config without a
 * word, so this checks what the process actually loaded. */
#include <cblas.h>
#include <stdio.h>

int
main (void)
{
  int parallel = openblas_get_parallel ();
  printf ("openblas_get_parallel () = %d (0: serial, 1: pthreads, "
          "2: OpenMP)\n",
          parallel);
#ifdef EDGE_OPENBLAS_SERIAL
  return parallel == 0 ? 0 : 1;
#else
  if (parallel == 0)
    fprintf (stderr,
             "FAIL: the serial OpenBLAS is linked; install "
             "libopenblas-pthread-dev (or configure -Dopenblas_serial=true)\n");
  return parallel != 0 ? 0 : 1;
#endif
}

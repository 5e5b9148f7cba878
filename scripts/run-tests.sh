#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine, as root:
#   installs the packages, builds with Meson, runs every test (the element
#   tests twice, the second time under GStreamer's leaks tracer), then runs
#   the suites again under AddressSanitizer + UndefinedBehaviorSanitizer, and
#   the concurrency test under ThreadSanitizer, and finally measures line
#   and branch coverage (build/cov/coverage/index.html) against the floor
#   in tests/coverage-floor.txt.
# Ends with one line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  ./scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
fi

jobs=$(nproc)
status=0

# 1. The full suite on the optimised build.
rm -rf build/ci && meson setup build/ci -Dtests=enabled || status=1
ninja -C build/ci || status=1
meson test -C build/ci --num-processes "$jobs" --print-errorlogs || status=1
# The element tests again under GStreamer's leaks tracer: gst-check fails a
# test whose process exits with a GstObject or GstMiniObject still alive.
GST_TRACERS=leaks meson test -C build/ci --num-processes "$jobs" \
  --print-errorlogs --logbase leaks --suite gst-check || status=1

# 2. The same code under ASan + UBSan, every suite but the slow PyTorch
#    ones (the same code paths as the fast ones, run once above) and the
#    reliability suite (valgrind cannot run on an ASan build, and ASan's
#    quarantine would swamp the soak's RSS curve).
rm -rf build/san && \
  meson setup build/san -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false \
    -Dslow_tests=false -Dbench=disabled || status=1
ninja -C build/san || status=1
san_env="UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
# Our own code alone: leaks checked too.
env $san_env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  meson test -C build/san --num-processes "$jobs" --print-errorlogs \
    --suite nn --suite ops --suite preprocess --suite tools \
    --suite conformance --suite fuzz || status=1
# The element and trainer tests (both run GStreamer): GLib, fontconfig and
# GStreamer keep process-lifetime allocations that LeakSanitizer reports,
# so leaks are not checked here (object leaks are the GStreamer leaks
# tracer's job, lost bytes valgrind's); memory errors are.
env $san_env ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  meson test -C build/san --num-processes "$jobs" --print-errorlogs \
    --logbase san-gst --suite gst-check --suite train || status=1
# Python, gst-launch-1.0 and the pipeline scripts load our instrumented
# plugin into uninstrumented programs: the ASan runtime has to be loaded
# first, and libstdc++ with it (x264 and friends throw C++ exceptions,
# which ASan can only intercept if libstdc++ was there at its start).
asan_preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so.6)"
env $san_env ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  LD_PRELOAD="$asan_preload" \
  meson test -C build/san --num-processes "$jobs" --print-errorlogs \
    --logbase san-preload --suite pipelines --suite e2e \
    --suite gst --no-suite gst-check || status=1

# 3. The concurrency test under ThreadSanitizer (a build of its own: TSan
#    and ASan cannot share one). Only what the test needs is built.
rm -rf build/tsan && \
  meson setup build/tsan -Dtests=enabled -Db_sanitize=thread -Db_lundef=false \
    -Dslow_tests=false -Dbench=disabled || status=1
ninja -C build/tsan tests/check/check-concurrency tests/check/check-scheduler \
  gst/libgstedgeclassify.so \
  tests/check/models.stamp tests/check/tsan-plugins.stamp || status=1
meson test -C build/tsan --no-rebuild --print-errorlogs --logbase tsan \
  --suite concurrency || status=1

# 4. Line and branch coverage of the main suite (gcov + gcovr): a summary
#    per directory, the HTML report in build/cov/coverage/ (CI keeps that
#    folder), and a failure when nn/ or gst/ falls below its floor. The
#    'delivery' and 'reliability' suites are left out: minutes of real time
#    each (a broker away for a minute, the soak, valgrind), run once in the
#    main build above.
rm -rf build/cov && \
  meson setup build/cov --buildtype=debug -Db_coverage=true -Dtests=enabled \
    -Dslow_tests=false -Dbench=disabled || status=1
ninja -C build/cov || status=1
meson test -C build/cov --num-processes "$jobs" --print-errorlogs \
  --no-suite delivery --no-suite reliability || status=1
/usr/bin/python3 scripts/coverage.py build/cov \
  --floor tests/coverage-floor.txt || status=1

/usr/bin/python3 scripts/summarize-tests.py \
  --min-counts tests/min-counts.txt build/ci/meson-logs/testlog.json \
  build/ci/meson-logs/testlog.json \
  build/ci/meson-logs/leaks.json build/san/meson-logs/testlog.json \
  build/san/meson-logs/san-gst.json build/san/meson-logs/san-preload.json \
  build/tsan/meson-logs/tsan.json build/cov/meson-logs/testlog.json || status=1
exit $status

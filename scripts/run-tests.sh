#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine, as root:
#   installs the packages, builds with Meson, runs every test, then runs the
#   fast suites again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Ends with one line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  ./scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
fi

jobs=$(nproc)
status=0

# 1. The full suite on the optimised build.
rm -rf build/ci && meson setup build/ci || status=1
ninja -C build/ci || status=1
meson test -C build/ci --num-processes "$jobs" --print-errorlogs || status=1

# 2. The same code under ASan + UBSan; the slow PyTorch/training suites are
#    the same code paths as the fast ones, so they run once, above.
san_suites="--suite nn --suite ops --suite preprocess --suite tools --suite conformance"
rm -rf build/san && \
  meson setup build/san -Db_sanitize=address,undefined -Db_lundef=false \
    -Dslow_tests=false -Dbench=disabled || status=1
ninja -C build/san || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build/san --num-processes "$jobs" --print-errorlogs \
    $san_suites || status=1
# The element and trainer tests (both run GStreamer): GLib, fontconfig and
# GStreamer keep process-lifetime
# allocations that LeakSanitizer reports, so leaks are not checked here
# (object leaks are the GStreamer leaks tracer's job); memory errors are.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build/san --num-processes "$jobs" --print-errorlogs \
    --logbase san-gst --suite gst-check --suite train || status=1

/usr/bin/python3 scripts/summarize-tests.py build/ci/meson-logs/testlog.json \
  build/san/meson-logs/testlog.json build/san/meson-logs/san-gst.json || status=1
exit $status

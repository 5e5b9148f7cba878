#!/bin/sh
# Installs the Debian 12 packages edgeclassify needs to build, test and run
# its demo. Run as root. Idempotent.
set -eu

# valgrind: the reliability suite's memcheck run (required with
# -Dtests=enabled); gcovr: the coverage report of scripts/run-tests.sh.
# libopenblas-pthread-dev: the threaded OpenBLAS the build links. With only
# the serial -dev package, pkg-config hands out the serial build, which is
# not safe when the trainer's workers call it at once (test nn/blas-build).
packages="
  meson ninja-build pkg-config gcc
  libopenblas-dev libopenblas-pthread-dev libopenblas-serial-dev
  libprotobuf-c-dev protobuf-c-compiler
  zlib1g-dev libcairo2-dev libpango1.0-dev libjson-glib-dev libmosquitto-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev libgstrtspserver-1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 gir1.2-gst-plugins-base-1.0
  gstreamer1.0-opencv opencv-data opencv-doc
  fonts-dejavu-core openssl
  python3 python3-numpy python3-gi python3-gst-1.0
  python3-onnx python3-torch python3-torchvision python3-opencv
  python3-matplotlib
  libonnx-testdata dataset-fashion-mnist
  check mosquitto mosquitto-clients valgrind gcovr
  libsoup-3.0-dev prometheus
  clang clang-format libclang-rt-14-dev
"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $packages

#!/bin/sh
# Configure (once) and build the release tree in build/.
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build --buildtype=release
ninja -C build

#!/bin/sh
# Run every test suite, the slow one (real parameters, N = 2^15 and 2^16)
# included. Extra arguments go to `meson test` (e.g. --suite ckks).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
meson test -C build --print-errorlogs "$@"

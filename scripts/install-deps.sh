#!/bin/sh
# Install the build and test dependencies on Debian/Ubuntu (apt).
# Fashion-MNIST (dataset-fashion-mnist) is optional: only its benchmarks use it.
set -eu
pkgs="meson ninja-build pkg-config gcc libgmp-dev libcriterion-dev zlib1g-dev"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "installing:$missing"
$sudo apt-get update
# shellcheck disable=SC2086
$sudo apt-get install -y $missing

#!/bin/sh
# The main job: install dependencies, build, and run on the bundled data.
# Until the encrypted trainer lands this is the CKKS demo followed by a
# plaintext reference training run on the breast-cancer data.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
build/cli/hetrain demo
build/cli/hetrain train --plaintext --data data/breast_cancer.csv --model 30-32-2 --epochs 20 --seed 1

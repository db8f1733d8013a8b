#!/usr/bin/env bash
# The README's test command: installs what is needed, builds, and runs every test except the `long` label.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -LE long -j "$(nproc)" --timeout 900

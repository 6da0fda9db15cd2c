#!/usr/bin/env bash
# Configure and build into build/ (or $1), warnings as errors; extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}; shift || true
cmake -S . -B "$dir" -DTRUSTFORM_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"

#!/usr/bin/env bash
# The full test suite, from a fresh Debian machine: install what is missing,
# build, run every test (unit and end-to-end against real peers), then the
# same suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build -j"$(nproc)" --output-on-failure
if [ -z "${TRUSTFORM_SKIP_SANITIZERS:-}" ]; then
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DTRUSTFORM_SANITIZE=ON
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan -j"$(nproc)" --output-on-failure
fi

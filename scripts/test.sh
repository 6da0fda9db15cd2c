#!/usr/bin/env bash
# The full test suite, from a fresh Debian machine: install what is missing,
# build, run every test (unit and end-to-end against real peers), then the
# same suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# The real test host (a Debian sid tree, cached outside the source tree): built
# here once so that its cost shows apart; when it cannot be built, the host_*
# tests fail and say why.
start=$(date +%s)
if tests/host/build-sid.sh >/dev/null; then
  echo "test host ready ($(( $(date +%s) - start )) s)"
else
  echo "test host could not be built: the e2e/host/* tests will fail with the reason" >&2
fi
# The build trees of the e2e/suite/* tests (a Debian trixie and a sid tree
# with the build dependencies, cached the same way): built here once, timed.
for suite in trixie sid; do
  start=$(date +%s)
  if scripts/build-tree.sh "$suite" >/dev/null; then
    echo "$suite build tree ready ($(( $(date +%s) - start )) s)"
  else
    echo "$suite build tree could not be built: e2e/suite/$suite will fail with the reason" >&2
  fi
done
ctest --test-dir build -j"$(nproc)" --output-on-failure
# The fuzzers (tests/fuzz): a clang build of their own; each fuzz/<name> test
# replays its corpus and regression inputs, then fuzzes for 15 s.
if [ -z "${TRUSTFORM_SKIP_FUZZ:-}" ] && command -v clang >/dev/null; then
  CC=clang scripts/build.sh build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTRUSTFORM_FUZZ=ON
  ctest --test-dir build-fuzz -R '^fuzz/' -j"$(nproc)" --output-on-failure
fi
# The peer proofs (label "peers": real browsers, container engines, the sid
# test host) ran above; under ASan they would re-run the peers for store code
# the sandbox tests already run here. TRUSTFORM_ASAN_PEERS=1 runs them too.
if [ -z "${TRUSTFORM_SKIP_SANITIZERS:-}" ]; then
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DTRUSTFORM_SANITIZE=ON
  peers=(-LE '^peers$'); [ -z "${TRUSTFORM_ASAN_PEERS:-}" ] || peers=()
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan -j"$(nproc)" --output-on-failure "${peers[@]}"
fi

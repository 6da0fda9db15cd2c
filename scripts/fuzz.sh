#!/usr/bin/env bash
# Long fuzzing runs: scripts/fuzz.sh [NAME] [SECONDS] builds build-fuzz (clang,
# TRUSTFORM_FUZZ=ON) and fuzzes one harness (tests/fuzz/fuzz_NAME.c) or every
# one for SECONDS each (default 600). Crashes are copied to build-fuzz/artifacts;
# keep one as tests/fuzz/regressions/NAME/<short-name> with its fix.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-all} secs=${2:-600}
CC=clang scripts/build.sh build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTRUSTFORM_FUZZ=ON
if [ "$name" = all ]; then
  names=$(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
else
  names=$name
fi
rc=0
for n in $names; do
  echo "== $n ($secs s)"
  bash tests/fuzz/run.sh "build-fuzz/tests/fuzz/fuzz_$n" "$n" "$secs" || rc=1
done
exit $rc

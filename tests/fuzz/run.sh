#!/usr/bin/env bash
# run.sh BINARY NAME SECONDS: replay the seed corpus and every regression input
# of one harness, then fuzz for SECONDS (0: replay only). New inputs go to a
# temp directory, never into the source tree; a crash is kept there and shown.
set -euo pipefail
bin=$1 name=$2 secs=${3:-15}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tf-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
dirs=()
for d in "$here/corpus/$name" "$here/regressions/$name"; do
  [ -d "$d" ] && dirs+=("$d")
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
opts=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$work/" -print_final_stats=1)
# every seed and regression input, once
files=()
for d in "${dirs[@]}"; do
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f -print0)
done
if [ ${#files[@]} -gt 0 ]; then
  "$bin" "${opts[@]}" -runs=1 "${files[@]}" >"$work/replay.log" 2>&1 ||
    { cat "$work/replay.log" >&2; echo "FAIL: $name: a corpus or regression input fails" >&2; exit 1; }
  echo "$name: ${#files[@]} corpus and regression inputs replayed"
fi
if [ "$secs" -gt 0 ]; then
  if ! "$bin" "${opts[@]}" -max_total_time="$secs" "$work/corpus" "${dirs[@]}" \
      >"$work/fuzz.log" 2>&1; then
    tail -60 "$work/fuzz.log" >&2
    for a in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-*; do
      [ -e "$a" ] || continue
      keep=${TF_FUZZ_KEEP:-$here/../../build-fuzz/artifacts}
      mkdir -p "$keep"; cp "$a" "$keep/$name-$(basename "$a")"
      echo "kept $keep/$name-$(basename "$a")" >&2
    done
    echo "FAIL: $name: the fuzzer found a crash (input kept above)" >&2
    exit 1
  fi
  grep -E "^#[0-9]+.*(DONE|cov)" "$work/fuzz.log" | tail -1
  grep -E "stat::number_of_executed_units" "$work/fuzz.log" || true
fi

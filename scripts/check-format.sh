#!/usr/bin/env bash
# The formatting check (CI runs it as the test lint/format): every C file of
# the project as .clang-format says. `scripts/check-format.sh --fix` rewrites
# them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format is not installed (apt-get install clang-format)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find util model schema stores reconcile cli tests bench -name '*.[ch]')
if [ "${1:-}" = --fix ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/tf-format.$$"; then
  grep -E '^[^ ].*: (error|warning):' "${TMPDIR:-/tmp}/tf-format.$$" | cut -d: -f1 | sort | uniq -c | sort -rn >&2
  rm -f "${TMPDIR:-/tmp}/tf-format.$$"
  echo "format: the files above differ from .clang-format; run scripts/check-format.sh --fix" >&2
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/tf-format.$$"
echo "format: ${#files[@]} files as .clang-format says"

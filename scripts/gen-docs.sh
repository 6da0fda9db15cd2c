#!/usr/bin/env bash
# The docs' parts that the store registry says (the JSON Schema's store types,
# trust.yaml(5)'s type keys and FILES EACH STORE WRITES, the README's store
# table, bash completion's top-level sections), the system store's families
# say (`distro:`'s choices, the README's table of families) and the CLI's
# command tables say (bash completion's commands, the options each takes and
# what their values are; trustform(1)'s SYNOPSIS, OPTIONS, which trustplan(1)
# and trustapply(1) are, and the options each command takes), between their
# "BEGIN generated: <region>" and "END generated: <region>" lines;
# tools/gendocs writes them from the registry (stores/registry.c,
# stores/system/families.c) and the commands (cli/options.c, cli/commands.c).
#
#   scripts/gen-docs.sh [BUILD_DIR]          build gendocs (default build/), rewrite them
#   scripts/gen-docs.sh --check GENDOCS      diff a fresh run with the committed files
#                                            (the CTest unit/gendocs)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = --check ]; then
  gendocs=${2:?usage: gen-docs.sh --check GENDOCS_BINARY}
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  "$gendocs" "$src" "$out"
  stale=0
  while IFS= read -r f; do
    rel=${f#"$out"/}
    if ! diff -u --label "$rel (committed)" --label "$rel (from the registry)" \
        "$src/$rel" "$f"; then
      stale=1
    fi
  done < <(find "$out" -type f | sort)
  if [ "$stale" = 1 ]; then
    echo "The generated parts above differ from what the store registry and the commands' tables say." >&2
    echo "Regenerate them with: scripts/gen-docs.sh  (or: cmake --build build --target gen-docs)," >&2
    echo "then review and commit the result." >&2
    exit 1
  fi
  echo "generated docs match the registry: $(cd "$out" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')"
  exit 0
fi

build=${1:-build}
case $build in /*) ;; *) build=$src/$build ;; esac
[ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" --target gendocs >/dev/null
"$build/gendocs" "$src" "$src"
git -C "$src" status --short -- schema/trustform.schema.json man/trust.yaml.5 man/trustform.1 README.md \
  completion/trustform.bash

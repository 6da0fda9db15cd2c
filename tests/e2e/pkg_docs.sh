#!/usr/bin/env bash
# The manual and the completion agree with the binary:
#  - the options of man/trustform.1 (its OPTIONS section) are exactly those of
#    `trustform --help`, and so are its commands;
#  - the bash completion offers every option of --help, and the store and host
#    names of the configuration for --target and --host;
#  - every key of the configuration's JSON Schema is in trust.yaml(5), and
#    every store type the binary registers, in `type` and in FILES EACH STORE
#    WRITES; trustform(1)'s SYNOPSIS names every command;
#  - the completion offers no command after a command;
#  - debian/changelog's version is CMakeLists.txt's project VERSION;
#  - the man pages render without groff warnings;
#  - the repository stands on its own: nothing refers to a contract outside
#    it, the README's relative links resolve, the contract it points at
#    (docs/SPEC.md) is there, and every `SPEC §N` cited in the source is one
#    of its sections; the license is declared where each channel reads it.
. "$(dirname "$0")/../lib/common.sh"

man1=$SRC_DIR/man/trustform.1
tf --help >"$T/help.txt"
# --help: "-c, --config FILE" and "      --host NAME" lines
grep -E '^ +(-[a-z], )?--[a-z]' "$T/help.txt" | grep -oE -- '--[a-z][a-z-]*' | head -c 100000 | \
  awk '!seen[$0]++' | sort >"$T/help.opts"
# man: the line after each .TP in OPTIONS (up to EXIT STATUS)
sed -n '/^\.SH OPTIONS/,/^\.SH "EXIT STATUS"/p' "$man1" | awk 'prev == ".TP" { print } { prev = $0 }' | \
  sed 's/\\-/-/g; s/\\f[BIR]//g' | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/man.opts"
check "--help lists options" test "$(wc -l <"$T/help.opts")" -ge 15
if diff -u "$T/help.opts" "$T/man.opts" >"$T/opts.diff"; then pass; else
  fail "trustform.1 OPTIONS and --help differ (- help, + man):"; cat "$T/opts.diff" >&2; fi
# short options too
check "-c is in both" bash -c "grep -q -- '-c, --config' '$T/help.txt' && grep -q -- '^\\\\fB\\\\-c\\\\fR, \\\\fB\\\\-\\\\-config' '$man1'"
# commands
sed -n '/^commands:/,/^$/p' "$T/help.txt" | awk 'NR > 1 && /^  [a-z]/ { print $1 }' | sort >"$T/help.cmds"
sed -n '/^\.SH COMMANDS/,/^\.SH OPTIONS/p' "$man1" | awk 'prev == ".TP" { print } { prev = $0 }' | \
  sed 's/\\-/-/g; s/^\.BI\? "\?//; s/"//g' | awk '{ print $1 }' | sort >"$T/man.cmds"
if diff -u "$T/help.cmds" "$T/man.cmds" >"$T/cmds.diff"; then pass; else
  fail "trustform.1 COMMANDS and --help differ:"; cat "$T/cmds.diff" >&2; fi
check "help mentions exit code 64 and the man page too" \
  bash -c "grep -q '64 usage error' '$T/help.txt' && grep -q '^\.B 64' '$man1'"

# trust.yaml(5) has every key of the schema
python3 - "$SRC_DIR/schema/trustform.schema.json" >"$T/schema.keys" <<'PY'
import json, sys
keys = set()
def walk(n):
    if isinstance(n, dict):
        for k, v in n.get("properties", {}).items():
            keys.add(k)
        for v in n.values():
            walk(v)
    elif isinstance(n, list):
        for v in n:
            walk(v)
walk(json.load(open(sys.argv[1])))
print("\n".join(sorted(keys)))
PY
check "the schema has keys" test "$(wc -l <"$T/schema.keys")" -ge 30
sed 's/\\-/-/g; s/\\f[BIR]//g' "$SRC_DIR/man/trust.yaml.5" >"$T/man5.txt"
while read -r k; do
  check "trust.yaml(5) documents key $k" grep -qE "^\.(B|BR|SS) (.*[ \"])?$k([ \".<]|$)" "$T/man5.txt"
done <"$T/schema.keys"

# every store type the binary registers (its own list, from the error for an
# unknown type) is in trust.yaml(5): in `type`, and in FILES EACH STORE WRITES
printf 'version: 1\ncas: {}\nstores:\n  s: { type: no-such-type }\nroles: {}\nhosts: {}\n' >"$T/types.yaml"
tf validate -c "$T/types.yaml" >/dev/null 2>"$T/types.err" || true
sed -n 's/.*known types: //p' "$T/types.err" | tr -d ' ' | tr ',' '\n' >"$T/types"
check "the binary names its store types" test "$(wc -l <"$T/types")" -ge 9
sed -n '/^\.B type$/,/^\.TP/p' "$T/man5.txt" >"$T/man5.type"
sed -n '/^\.SH "FILES EACH STORE WRITES"/,/^\.SH "EXIT STATUS"/p' "$T/man5.txt" >"$T/man5.files"
while read -r ty; do
  check "trust.yaml(5) type lists $ty" grep -qE "(^|[ \"])$ty([ \",.]|$)" "$T/man5.type"
  check "trust.yaml(5) FILES EACH STORE WRITES has $ty" grep -qE "^\.B $ty( |$)" "$T/man5.files"
done <"$T/types"

# trustform(1) SYNOPSIS names every command of --help
sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$man1" | sed 's/\\-/-/g' >"$T/synopsis"
while read -r cmd; do
  check "trustform.1 SYNOPSIS has $cmd" grep -qE "(^|[ {|])$cmd( |$)" "$T/synopsis"
done <"$T/help.cmds"

# changelog and CMake agree
version=$(sed -n 's/^project(trustform VERSION \([0-9.]*\).*/\1/p' "$SRC_DIR/CMakeLists.txt")
check "debian/changelog is at $version" \
  test "$(cd "$SRC_DIR" && dpkg-parsechangelog -S Version)" = "$version"
check "trustform.1 names version $version" grep -q "\"trustform $version\"" "$man1"

# groff warnings
for p in "$man1" "$SRC_DIR/man/trust.yaml.5"; do
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" >/dev/null 2>"$T/groff.err" || true
  check "$(basename "$p") renders without warnings" bash -c "! grep -v 'cannot adjust line' '$T/groff.err' | grep -q ."
done

# The repository stands on its own. The pattern is split so that this file
# does not match it.
outside='\.\./shar''ed\|shared/SP''EC'
(cd "$SRC_DIR" && grep -rIn --exclude-dir='build*' --exclude-dir=.git --exclude-dir='obj-*' \
   --exclude-dir=.ansible -e "$outside" . ) >"$T/outside.txt" || true
if [ ! -s "$T/outside.txt" ]; then pass; else
  fail "the repository refers to a contract outside it (use docs/SPEC.md):"; head -20 "$T/outside.txt" >&2; fi
check "the README points at docs/SPEC.md" grep -q '](docs/SPEC.md)' "$SRC_DIR/README.md"
grep -oE '\]\([^)#:]+' "$SRC_DIR/README.md" | cut -c3- | sort -u >"$T/links.txt"
check "the README has relative links" test -s "$T/links.txt"
while read -r l; do
  check "README link $l resolves" test -e "$SRC_DIR/$l"
done <"$T/links.txt"
grep -E '^## [0-9]+\. ' "$SRC_DIR/docs/SPEC.md" | sed 's/^## \([0-9]*\)\..*/\1/' | sort -u >"$T/spec.sections"
check "docs/SPEC.md has sections 1 to 7" test "$(tr '\n' ' ' <"$T/spec.sections")" = "1 2 3 4 5 6 7 "
(cd "$SRC_DIR" && grep -rhoE --include='*.[ch]' --include='*.sh' --include='*.json' --include='*.md' \
   --exclude-dir='build*' 'SPEC §[0-9]+' .) | sed 's/.*§//' | sort -u >"$T/spec.cited"
check "the source cites SPEC sections" test -s "$T/spec.cited"
while read -r n; do
  check "SPEC §$n (cited in the source) is a section of docs/SPEC.md" grep -qx "$n" "$T/spec.sections"
done <"$T/spec.cited"
# The contract's example configuration is one this build accepts, and its
# store table names every store type of the schema.
python3 - "$SRC_DIR/docs/SPEC.md" "$T/spec" <<'PY'
import os, re, sys
s = open(sys.argv[1]).read()
m = re.search(r'## 2\. The desired-state file.*?```yaml\n(.*?)```', s, re.S)
os.makedirs(sys.argv[2] + "/cas", exist_ok=True)
open(sys.argv[2] + "/trust.yaml", "w").write(m.group(1) if m else "")
PY
for n in corp-root caddy-local-root retired-lab; do mk_ca "$T/spec/cas/$n" "/CN=$n"; done
sed -i "s/\"3B8F...12\"/\"$(fingerprint "$T/spec/cas/corp-root.pem")\"/" "$T/spec/trust.yaml"
expect_rc 0 "docs/SPEC.md's example configuration validates" tf validate -c "$T/spec/trust.yaml"
for h in a9 a6 ci-7; do
  expect_rc 0 "docs/SPEC.md's example: host $h validates" tf validate -c "$T/spec/trust.yaml" --host "$h"
done
python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["$defs"]["store"]["properties"]["type"]["enum"]))' \
  "$SRC_DIR/schema/trustform.schema.json" >"$T/types.txt"
check "the schema has store types" test "$(wc -l <"$T/types.txt")" -ge 9
sed -n '/^## 3\. /,/^## 4\. /p' "$SRC_DIR/docs/SPEC.md" >"$T/spec3.md"
while read -r t; do
  check "docs/SPEC.md §3 has a row for store type $t" grep -qE "^\| $t( |\||/)" "$T/spec3.md"
done <"$T/types.txt"

# The license: Apache-2.0, in every channel.
check "LICENSE is the Apache License 2.0" bash -c "head -3 '$SRC_DIR/LICENSE' | grep -q 'Apache License' && grep -q 'Version 2.0, January 2004' '$SRC_DIR/LICENSE'"
check "debian/copyright is DEP-5 with License: Apache-2.0" bash -c \
  "grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' '$SRC_DIR/debian/copyright' &&
   grep -q '^License: Apache-2.0$' '$SRC_DIR/debian/copyright' &&
   grep -q '/usr/share/common-licenses/Apache-2.0' '$SRC_DIR/debian/copyright'"
galaxy=$SRC_DIR/ansible/ansible_collections/trustform/trust/galaxy.yml
check "galaxy.yml declares license Apache-2.0" \
  python3 -c "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); sys.exit(0 if d.get('license') == ['Apache-2.0'] and 'license_file' not in d else 1)" "$galaxy"
check "the collection carries the license text" cmp -s "$SRC_DIR/LICENSE" "${galaxy%/*}/LICENSE"

# bash completion (the machine's bash-completion provides _init_completion)
if [ -f /usr/share/bash-completion/bash_completion ]; then
  cat >"$T/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: a.pem }
stores:
  system: { type: system }
  "upstreams": { type: pem-bundle, path: /x.pem }
roles:
  r: { cas: [a], stores: [system] }
hosts:
  web1: [r]
  "ci-*": [r]
YAML
  complete_words() { # LINE: what completion offers for the last word of LINE
    bash -c '. /usr/share/bash-completion/bash_completion
      . "$1/completion/trustform.bash"
      read -ra COMP_WORDS <<<"$2"; [ "${2: -1}" = " " ] && COMP_WORDS+=("")
      COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=$2; COMP_POINT=${#2}
      _trustform; printf "%s\n" "${COMPREPLY[@]}"' _ "$SRC_DIR" "$1"
  }
  complete_words "trustform --" | sort >"$T/comp.opts"
  check "completion offers every option of --help" \
    bash -c "comm -23 '$T/help.opts' '$T/comp.opts' | grep -q . && exit 1 || exit 0"
  [ "$(complete_words "trustform " | sort | tr '\n' ' ')" = "apply caddy check diff plan report rotation show validate version " ] && pass || fail "completion: commands"
  # after a command, no command again (for every command of --help)
  while read -r cmd; do
    complete_words "trustform $cmd " >"$T/comp.after"
    if grep -qxE 'plan|apply|validate|show|version|check|caddy|diff|report' "$T/comp.after"; then
      fail "completion offers commands after \"trustform $cmd\": $(tr '\n' ' ' <"$T/comp.after")"
    else pass; fi
  done <"$T/help.cmds"
  [ "$(complete_words "trustplan -c $T/trust.yaml --target " | sort | tr '\n' ' ')" = "system upstreams " ] && pass || \
    fail "completion: --target gives the stores: $(complete_words "trustplan -c $T/trust.yaml --target " | tr '\n' ' ')"
  printf 'caddy:\n  data_dir: /var/lib/caddy/.local/share/caddy\n' >>"$T/trust.yaml"
  [ "$(complete_words "trustplan -c $T/trust.yaml --target " | sort | tr '\n' ' ')" = "caddy system upstreams " ] && pass || \
    fail "completion: --target gives the caddy: section's store too: $(complete_words "trustplan -c $T/trust.yaml --target " | tr '\n' ' ')"
  [ "$(complete_words "trustapply --config $T/trust.yaml --host " | tr '\n' ' ')" = "web1 " ] && pass || \
    fail "completion: --host gives the exact host names: $(complete_words "trustapply --config $T/trust.yaml --host " | tr '\n' ' ')"
else
  fail "bash-completion is not installed on this machine (apt-get install bash-completion)"
fi
done_testing

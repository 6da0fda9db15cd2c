#!/usr/bin/env bash
# `report` and `diff` with inputs trustform did not write (issue 18 item 7):
# host names, addresses and errors holding ESC/OSC sequences, newlines (a
# forged "Report:" line), backquotes, pipes and "<!--" are escaped on a
# terminal (no control byte reaches stdout or stderr) and in Markdown, which
# GitHub's own parser (cmark-gfm, as the PR comment is rendered) must read
# as exactly the table rows and code spans written, with no raw HTML;
# negative or huge counts are refused naming the file; a FIFO given as a
# plan is refused by the bounded reader instead of hanging the run.
. "$(dirname "$0")/../lib/common.sh"
command -v cmark-gfm >/dev/null || { echo "FAIL: cmark-gfm (Debian package cmark-gfm) is needed" >&2; exit 1; }

fp=$(printf '%064d' 7 | tr 0 a)
evil_host=$'web\e]0;pwned\a\e[2J`|<!--x\n0 to add'
plan() { # plan FILE HOST ADDRESS ADD: a trustplan --json document
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
f, host, addr, add = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
json.dump({"format_version": "1.0", "operation": "plan", "host": host,
  "diagnostics": [], "stores": [],
  "resource_changes": [{"address": addr, "op": "add",
    "change": {"actions": ["create"], "before": None, "after": {"sha256": "%s"}}}],
  "change_summary": {"add": add, "change": 0, "remove": 0}}, open(f, "w"))
PY
}
sed_fp() { sed -i "s/%s/$fp/" "$1"; }
cd "$T"
plan evil.json "$evil_host" $'system.ca["x`<!-- |y\e[31m"]' 1; sed_fp evil.json
plan good.json good-host 'system.ca["corp"]' 1; sed_fp good.json
plan neg.json neg-host 'system.ca["corp"]' -5; sed_fp neg.json
plan big.json big-host 'system.ca["corp"]' 9223372036854775807; sed_fp big.json
no_ctl() { ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1"; }

expect_rc 2 "report (text) of a hostile host name" tf report evil.json good.json
check "no control byte on stdout" no_ctl "$T/.out"
check "ESC shown escaped" out_has 'web\x1b]0;pwned\x07\x1b[2J`|<!--x\x0a0 to add'
check "one Report: line (no forged one)" test "$(grep -c '^Report:' "$T/.out")" = 1
check "one line per host header" test "$(grep -c '^host ' "$T/.out")" = 2
check "the address escaped too" out_has 'system.ca["x`<!-- |y\x1b[31m"]'

expect_rc 2 "report --format markdown" tf report --format markdown evil.json good.json
cp "$T/.out" "$T/r.md"
check "markdown: no control byte" no_ctl "$T/r.md"
cmark-gfm --unsafe -e table "$T/r.md" >"$T/r.html"
check "markdown: no raw HTML comes through" sh -c "! grep -q '<!--' '$T/r.html'"
check "markdown: the hosts table has a header and 2 rows, the changes tables 1 row each" \
  test "$(grep -c '<tr>' "$T/r.html")" = 7
check "markdown: the host name is one code span" grep -qF '<code>web\x1b]0;pwned\x07\x1b[2J`|&lt;!--x\x0a0 to add</code>' "$T/r.html"
check "markdown: the good host after it is still shown" grep -qF '<h4><code>good-host</code></h4>' "$T/r.html"

expect_rc 1 "a negative count is refused" tf report neg.json good.json
check "names the file and the field" err_has "neg.json: change_summary.add is not a count (a whole number from 0 to 1000000000)"
check "not summed" out_has "1 to add"
expect_rc 1 "a count past the limit is refused" tf report big.json
check "names the file and the field" err_has "big.json: change_summary.add is not a count"

mkfifo fifo.json
expect_rc 1 "a FIFO is refused, not waited on" tf report fifo.json good.json
check "says why" err_has "fifo.json: cannot read"

# diff: host names from an inventory
mkdir -p cas; mk_ca cas/a "/CN=Hostile A"; mk_ca cas/b "/CN=Hostile B"
for f in base work; do
  { echo "version: 1"; echo "cas:"; echo "  a: { file: cas/a.pem }"
    [ $f = base ] || echo "  b: { file: cas/b.pem }"
    echo "stores:"; echo "  system: { type: system }"
    echo "roles:"; echo "  node: { cas: [$( [ $f = base ] && echo a || echo a, b)], stores: [system] }"
    echo "hosts:"; echo "  '*': [node]"; } >"$f.yaml"
done
printf '[web]\nweb\033]0;pwned\007`|<!--x\nplain-host\n' >hosts.ini
expect_rc 2 "diff --inventory with a hostile name (text)" tf diff base.yaml work.yaml --inventory hosts.ini
check "diff: no control byte on stdout" no_ctl "$T/.out"
check "diff: the name shown escaped" out_has 'host web\x1b]0;pwned\x07`|<!--x (node)'
expect_rc 2 "diff --format markdown" tf diff base.yaml work.yaml --inventory hosts.ini --format markdown
cp "$T/.out" "$T/d.md"
cmark-gfm --unsafe -e table "$T/d.md" >"$T/d.html"
check "diff markdown: no raw HTML comes through" sh -c "! grep -q '<!--' '$T/d.html'"
check "diff markdown: the hostile name is one code span" \
  grep -qF '<h4><code>web\x1b]0;pwned\x07`|&lt;!--x</code> (node)</h4>' "$T/d.html"
check "diff markdown: the next host's heading is still there" grep -qF '<h4><code>plain-host</code> (node)</h4>' "$T/d.html"
done_testing

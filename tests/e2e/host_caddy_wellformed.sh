#!/usr/bin/env bash
# Caddy edits stay valid and converge (issue 14): every golden Caddyfile edit
# (tests/fixtures/caddy/*/expected) is a file the sid host's Caddy (2.11)
# adapts, and what the editor refuses for being malformed (a '}' after a '\'
# continuation, import cycles, a Caddy JSON with a raw NUL) Caddy refuses too.
# (trustapply writing each golden output and a clean second plan: caddy/caddyfile;
# edit-twice == edit-once: unit/caddyfile, unit/caddy and fuzz/caddyfile, fuzz/caddy_json.)
. "$(dirname "$0")/../lib/common.sh"

base=$("$SRC_DIR/tests/host/build-sid.sh" 2>"$T/.host.err") ||
  { echo "FAIL: the sid test host could not be built:" >&2; sed 's/^/  /' "$T/.host.err" >&2; exit 1; }
CADDY=$base/usr/bin/caddy
check "the sid tree has caddy" test -x "$CADDY"
export HOME=$T XDG_DATA_HOME=$T/xdg XDG_CONFIG_HOME=$T/xdgc

adapts() { # adapts DIR FILE: caddy adapt in a copy of DIR (imports are relative)
  local w=$T/adapt; rm -rf "$w"; cp -r "$1" "$w"
  (cd "$w" && "$CADDY" adapt --config "$2" --adapter caddyfile >/dev/null 2>"$T/.adapt.err")
}
refused() { ! adapts "$@"; }
F=$SRC_DIR/tests/fixtures/caddy
for d in "$F"/*/; do
  name=$(basename "$d")
  if [ -f "$d/expected" ]; then
    check "$name: Caddy adapts the edited file" adapts "$d" expected
  fi
done
for name in err-backslash-before-close err-backslash-site-close err-import-cycle-snippet \
            err-import-cycle-self err-import-cycle-two err-unbalanced err-unterminated-quote; do
  check "$name: Caddy refuses it too" refused "$F/$name" Caddyfile
done

printf '{"admin": {"disabled": true}\n\0}' >"$T/nul.json"
check "a JSON with a raw NUL: Caddy refuses it too" \
  bash -c "! '$CADDY' validate --config '$T/nul.json' --adapter '' >/dev/null 2>&1"
done_testing

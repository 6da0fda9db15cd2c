#!/usr/bin/env bash
# A real browser. Debian's headless Chromium, running as the sandbox user with
# HOME at that user's sandbox home (whose ~/.pki/nssdb trustform manages), loads
# a page from an `openssl s_server` whose leaf is signed by a private CA:
#  - a fresh Chromium gets a certificate error before apply, the page after;
#  - a Chromium that is running, and holds the database open as a browser does,
#    while trustform writes: the write succeeds, and that same browser then
#    trusts a leaf of the CA;
#  - the database stays the user's, and dropping the CA from the config makes
#    Chromium refuse the leaf again.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
A=$R/home/alice
mk_nssdb "$A/.pki/nssdb"; chown -R 4242:4242 "$A"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf1" "$C/cas/corp"
mk_leaf "$T/leaf2" "$C/cas/corp"
mkdir -p "$T/www"; text="served-by-s_server-$RANDOM-$RANDOM"
printf '<html><body>%s</body></html>\n' "$text" >"$T/www/index.html"
p1=$(free_port); start_www_server "$T/leaf1" "$p1" "$T/www"
p2=$(free_port); start_www_server "$T/leaf2" "$p2" "$T/www"

as_alice() { setpriv --reuid=4242 --regid=4242 --clear-groups env HOME="$A" "$@"; }
FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync)

# fetch NAME URL: a fresh Chromium (fresh --user-data-dir) dumps the page's DOM
fetch() {
  local ud=$T/ud-$1; mkdir -p "$ud"; chown 4242:4242 "$ud"
  as_alice timeout 120 chromium "${FLAGS[@]}" --user-data-dir="$ud" --dump-dom "$2" \
    >"$T/$1.dom" 2>"$T/$1.log" || true
}

cfg=$C/trust.yaml
cat >"$cfg" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  browsers: { type: nss, discover: [chrome], users: [alice] }
roles:
  desk: { cas: [corp], stores: [browsers] }
hosts:
  h: [desk]
YAML
args=(-c "$cfg" --root "$R" --host h)

fetch before "https://127.0.0.1:$p1/index.html"
check "before apply: certificate error" grep -q "ERR_CERT_AUTHORITY_INVALID" "$T/before.log"
check "before apply: no page" bash -c "! grep -q '$text' '$T/before.dom'"

# A running browser, driven through chromedriver (as alice, in its own session
# so that it and every Chromium process it starts can be stopped together).
ud=$T/ud-running; mkdir -p "$ud"; chown 4242:4242 "$ud"
dport=$(free_port)
setsid bash -c 'exec "$@"' _ setpriv --reuid=4242 --regid=4242 --clear-groups \
  env HOME="$A" chromedriver --port="$dport" >"$T/chromedriver.log" 2>&1 </dev/null &
driver=$!
server_started "$driver"
stop_driver() { kill -- "-$driver" 2>/dev/null || true; }
trap 'stop_driver; cleanup' EXIT
wd() { curl -s -X "$1" "http://127.0.0.1:$dport$2" ${3:+-d "$3"}; }
# ready as long as it takes, while chromedriver runs
until wd GET /status 2>/dev/null | grep '"ready":true' >/dev/null; do
  kill -0 "$driver" 2>/dev/null || { echo "chromedriver exited:" >&2; cat "$T/chromedriver.log" >&2; break; }
  sleep 0.1
done
args_json=$(printf '"%s",' "${FLAGS[@]}" "--user-data-dir=$ud"); args_json=${args_json%,}
sid=$(wd POST /session "{\"capabilities\":{\"alwaysMatch\":{\"goog:chromeOptions\":{\"binary\":\"/usr/bin/chromium\",\"args\":[$args_json]}}}}" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["value"]["sessionId"])')
check "chromedriver session" test -n "$sid"
wd POST "/session/$sid/url" "{\"url\":\"https://127.0.0.1:$p1/index.html\"}" >/dev/null
wd GET "/session/$sid/source" >"$T/running-before.html"
check "running browser: certificate error before apply" \
  grep -q "ERR_CERT_AUTHORITY_INVALID" "$T/running-before.html"
# Chromium opens its NSS database on a thread of its own: wait until it has.
# (as long as it takes, while chromedriver runs: no time limit)
holder=""
while [ -z "$holder" ] && kill -0 "$driver" 2>/dev/null; do
  for p in $(pgrep -s "$driver"); do
    ls -l "/proc/$p/fd" 2>/dev/null | grep "$A/.pki/nssdb/cert9.db" >/dev/null && holder=$p
  done
  [ -n "$holder" ] || sleep 0.1
done
check "a running Chromium holds cert9.db open" test -n "$holder"

expect_rc 0 "apply while the browser holds the database" tf apply "${args[@]}" --auto-approve
check "written" test "$(nss_trust "$A/.pki/nssdb" trustform-corp)" = "C,,"
check "the browser was still running during the write" test -d "/proc/$holder"

# The running browser caches its verdict for leaf1; leaf2 is new to it, so it
# asks its open NSS database, which now holds the CA.
wd POST "/session/$sid/url" "{\"url\":\"https://127.0.0.1:$p2/index.html\"}" >/dev/null
wd GET "/session/$sid/source" >"$T/running-after.html"
check "running browser sees the CA: page loads" grep -q "$text" "$T/running-after.html"
wd DELETE "/session/$sid" >/dev/null
stop_driver

fetch after "https://127.0.0.1:$p1/index.html"
check "after apply: a fresh Chromium shows the page" grep -q "$text" "$T/after.dom"
check "after apply: no certificate error" bash -c "! grep -q ERR_CERT '$T/after.log'"
check "alice's files are still alice's" test -z "$(find "$A" ! -uid 4242 -print)"

# Dropped from the config: Chromium refuses the leaf again.
sed -i 's/cas: \[corp\], stores/cas: [], stores/' "$cfg"
expect_rc 0 "apply the removal" tf apply "${args[@]}" --auto-approve
fetch removed "https://127.0.0.1:$p1/index.html"
check "after removal: certificate error again" grep -q "ERR_CERT_AUTHORITY_INVALID" "$T/removed.log"
done_testing

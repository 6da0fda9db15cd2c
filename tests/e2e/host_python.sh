#!/usr/bin/env bash
# python store, mode truststore, on the real Debian sid tree (Python 3.14,
# Debian's python3-truststore, python3-requests): requests in a venv verifies
# through truststore with the tree's system store, in both layouts:
#   A  venv made with --system-site-packages, truststore from the system's
#      dist-packages (the .pth runs before that is on sys.path);
#   B  isolated venv with truststore copied into its own site-packages
#      (requests copied with its dependencies from the system, for the client).
# Both venvs carry an upstream certifi (Debian's points requests at the system
# bundle, which would make truststore irrelevant): without truststore injected,
# requests trusts only certifi's Mozilla bundle, so success proves the effect.
# One config puts the CA in the tree's system store (`system`) and writes the
# .pth (`python`). The check runs the tree's python (chroot), never the host's.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
testhost_up
echo "test host: $(host_versions)"

in_host python3 -m venv --system-site-packages /opt/app/.venv
in_host python3 -m venv --without-pip /opt/iso/.venv
dist=$H/usr/lib/python3/dist-packages
iso_site=$(echo "$H"/opt/iso/.venv/lib/python3*/site-packages)
for pkg in truststore requests urllib3 idna certifi charset_normalizer chardet; do
  [ -d "$dist/$pkg" ] && cp -a "$dist/$pkg" "$iso_site/"
done
mk_certifi_venv "$T/cv" 2>/dev/null
for v in app iso; do
  rm -rf "$H/opt/$v/.venv/lib/python3.14/site-packages/certifi"
  cp -a "$T"/cv/lib/python3*/site-packages/certifi "$H/opt/$v/.venv/lib/python3.14/site-packages/"
  check "$v: requests uses the venv's upstream certifi" test "$(in_host "/opt/$v/.venv/bin/python" -c 'import requests.certs; print(requests.certs.where())')" = "/opt/$v/.venv/lib/python3.14/site-packages/certifi/cacert.pem"
done
check "layout A: no truststore in the venv" test ! -e "$H/opt/app/.venv/lib/python3.14/site-packages/truststore"
check "layout B: truststore in the venv" test -e "$iso_site/truststore/__init__.py"
check "layout B: the venv does not see the system's" test "$(in_host /opt/iso/.venv/bin/python -c 'import truststore; print(truststore.__file__)')" = "/opt/iso/.venv/lib/python3.14/site-packages/truststore/__init__.py"

C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$C/cas/corp"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
  app: { type: python, venv: /opt/app/.venv, mode: truststore }
  iso: { type: python, venv: /opt/iso/.venv, mode: truststore }
roles:
  node: { cas: [corp], stores: [system, app, iso] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$H" --host h)
port=$(free_port); start_tls_server "$T/leaf" "$port"
# get VENV: requests from the venv's python in the tree; stderr kept apart.
get() {
  in_host "$1/bin/python" -c 'import sys, requests; requests.get(sys.argv[1], timeout=10); print("GOT")' \
    "https://localhost:$port/" >"$T/get.out" 2>"$T/get.err"
}
get_fails() { ! get "$1" && grep -q CERTIFICATE_VERIFY_FAILED "$T/get.err"; }
quiet_start() { # nothing at interpreter start: no traceback, no ModuleNotFoundError
  in_host "$1/bin/python" -c 'import ssl; print(ssl.SSLContext.__module__)' >"$T/start.out" 2>"$T/start.err" &&
    test ! -s "$T/start.err" && grep -qx 'truststore._api' "$T/start.out"
}

for v in /opt/app/.venv /opt/iso/.venv; do
  check "$v: requests fails before apply (verification error)" get_fails "$v"
done
expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: system store adds corp" out_has '# system'
check "plan: app .pth" out_has '# app (python truststore): corp will be added'
check "plan: iso .pth" out_has '# iso (python truststore): corp will be added'
check "plan: the effect was checked" bash -c '! grep -q "NOT checked" "$1"' _ "$T/.out"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "the tree's bundle has corp" in_host openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt /dev/stdin <"$T/leaf.pem"
for v in /opt/app/.venv /opt/iso/.venv; do
  check "$v: requests succeeds after apply" get "$v"
  check "$v:   and printed nothing on stderr" test ! -s "$T/get.err"
  check "$v: truststore injected, quiet start" quiet_start "$v"
done
expect_rc 0 "plan after apply: clean" tf plan "${args[@]}" --detailed-exitcode
check "  No changes" out_has 'No changes'
check "  no note that the effect is unchecked" bash -c '! grep -q "NOT checked" "$1"' _ "$T/.out"

# The import line of an older trustform (what broke layout A): a traceback at
# every start, requests fails, and the plan must not say "No changes".
pth=$H/opt/app/.venv/lib/python3.14/site-packages/trustform-truststore.pth
cp "$pth" "$T/good.pth"
sed -i 's/^import sys; exec(.*/import truststore; truststore.inject_into_ssl()/' "$pth"
check "old .pth: requests fails again" get_fails /opt/app/.venv
check "old .pth:   with the traceback at start" grep -q "ModuleNotFoundError: No module named 'truststore'" "$T/get.err"
expect_rc 2 "old .pth: drift" tf plan "${args[@]}" --detailed-exitcode
check "  says why" out_has 'has the import line of an older trustform'
expect_rc 0 "old .pth: apply" tf apply "${args[@]}" --auto-approve
check "  requests succeeds again" get /opt/app/.venv
check "  quiet start again" quiet_start /opt/app/.venv
check "  the .pth as trustform writes it" cmp "$T/good.pth" "$pth"
expect_rc 0 "  plan clean" tf plan "${args[@]}" --detailed-exitcode

# Stale: corp is renamed (an update of its .pth line) and lab added; while
# apply waits for "yes", someone takes corp's line out of app's .pth. app's
# update ends stale (what the plan saw is gone), its add is still done, and
# the edit stays; iso's steps are done. Then the first config converges back.
mk_ca "$C/cas/lab" "/CN=Lab Root"
sed 's/^  corp: { file: cas\/corp.pem }$/  corpx: { file: cas\/corp.pem }\n  lab: { file: cas\/lab.pem }/; s/cas: \[corp\]/cas: [corpx, lab]/' \
  "$C/trust.yaml" >"$C/stale.yaml"
sargs=(-c "$C/stale.yaml" --root "$H" --host h)
expect_rc 2 "stale: the rename is planned" tf plan "${sargs[@]}" --detailed-exitcode
check "  as an update of app's line" out_has '~ ca "corpx"'
expect_rc 1 "stale: apply fails" python3 "$SRC_DIR/tests/lib/apply_meanwhile.py" \
  "sed -i '/^# trustform:ca corp /d' $pth" "$TRUSTFORM" apply "${sargs[@]}"
check "  app's update changed since the plan" out_has 'app (python truststore): ca "corpx": failed: '
check "  stale, not failed" out_has "changed since the plan was made"
check "  app's add is done" out_has 'app (python truststore): ca "lab": added'
check "  iso's update is done" out_has 'iso (python truststore): ca "corpx": updated'
check "  the summary says to plan again" out_has "run trustplan again"
check "  the edit stays: no corp line in app's .pth" bash -c '! grep -q "^# trustform:ca corp" "$1" && grep -q "^# trustform:ca lab " "$1"' _ "$pth"
expect_rc 0 "  the first config converges back" tf apply "${args[@]}" --auto-approve
check "  the .pth as trustform writes it" cmp "$T/good.pth" "$pth"
expect_rc 0 "  plan clean" tf plan "${args[@]}" --detailed-exitcode

# A .pth in place whose effect something else undoes, which apply cannot fix:
# another .pth of the venv, run after trustform's (site.py runs them in name
# order), that takes truststore out again. An error of the plan, never
# "No changes".
sc=$iso_site/zz-undo.pth
echo 'import truststore; truststore.extract_from_ssl()' >"$sc"
check "undone: requests fails" get_fails /opt/iso/.venv
expect_rc 1 "undone: plan is an error" tf plan "${args[@]}" --detailed-exitcode
check "  names the store, the file and why" out_has "Error: iso (python truststore): trust will not take effect: /opt/iso/.venv/lib/python3.14/site-packages/trustform-truststore.pth is in place, but the venv's python (/opt/iso/.venv/bin/python -I) started without truststore injected"
rm "$sc"
expect_rc 0 "  plan clean once it is gone" tf plan "${args[@]}" --detailed-exitcode

# truststore importable nowhere the venv sees: an error before anything is
# written; the other stores still converge.
in_host python3 -m venv --without-pip /opt/bare/.venv
sed -i 's|venv: /opt/iso/.venv|venv: /opt/bare/.venv|' "$C/trust.yaml"
before=$(tree_sum "$H/opt/bare")
expect_rc 1 "truststore missing: plan fails" tf plan "${args[@]}"
check "  error names the config position" err_has "$C/trust.yaml:7:53: truststore is not importable in the venv /opt/bare/.venv (ModuleNotFoundError: No module named 'truststore')"
check "  error says what to do" err_has "/opt/bare/.venv/bin/pip install truststore"
expect_rc 1 "truststore missing: apply fails" tf apply "${args[@]}" --auto-approve
check "  summary names the failed store" out_has 'Apply failed in 1 store(s): iso (python truststore)'
check "  nothing written in that venv" test "$before" = "$(tree_sum "$H/opt/bare")"

# truststore verifies with the system store: a CA of the store that no system
# store of the host is configured with never reaches Python, whatever apply
# writes: an error, never "No changes" (the CA really is refused).
mk_ca "$C/cas/lone" "/CN=Lone Root"; mk_leaf "$T/lone-leaf" "$C/cas/lone"
cat >"$C/lone.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lone: { file: cas/lone.pem }
stores:
  system: { type: system }
  app: { type: python, venv: /opt/app/.venv, mode: truststore }
roles:
  node: { cas: [corp], stores: [system, app] }
  py: { cas: [lone], stores: [app] }
hosts:
  h: [node, py]
YAML
expect_rc 1 "a CA for truststore only: plan is an error" tf plan -c "$C/lone.yaml" --root "$H" --host h --detailed-exitcode
check "  it says why" out_has 'no system store of host "h" is configured with CA "lone", so Python never sees it'
expect_rc 1 "  apply writes, and still fails" tf apply -c "$C/lone.yaml" --root "$H" --host h --auto-approve
lport=$(free_port); start_tls_server "$T/lone-leaf" "$lport"
lone_refused() {
  ! in_host /opt/app/.venv/bin/python -c "import requests; requests.get('https://localhost:$lport/', timeout=10)" >/dev/null 2>&1
}
check "  and requests through truststore does refuse it" lone_refused
corp_trusted() { # the same venv, the same way, for a CA a system store holds: trusted
  in_host /opt/app/.venv/bin/python -c "import requests; requests.get('https://localhost:$port/', timeout=10)" >/dev/null 2>&1
}
check "  (while corp, in the system store, is trusted the same way)" corp_trusted
done_testing

#!/usr/bin/env bash
# python store. certifi mode: requests, in a venv carrying a real certifi with
# its own cacert.pem, fails against a server whose leaf the test CA signed,
# then succeeds after apply; the block sits in that venv's certifi/cacert.pem
# (found by looking); certifi's own bytes are kept; a certifi upgrade that
# overwrites the bundle is drift. truststore mode under --root without the
# tree's interpreter: an error naming the venv and the fix.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
V=$R/opt/app/.venv; mk_certifi_venv "$V"
site=$(echo "$V"/lib/python3*/site-packages)
bundle=$site/certifi/cacert.pem
cp "$bundle" "$T/certifi-orig.pem"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$C/cas/corp"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  app-venv: { type: python, venv: /opt/app/.venv, mode: certifi }
roles:
  node: { cas: [corp], stores: [app-venv] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
port=$(free_port); start_tls_server "$T/leaf" "$port"
get() { run_clean "$V/bin/python" -c 'import sys, requests; requests.get(sys.argv[1], timeout=10)' "https://localhost:$port/"; }
get_fails() { ! get 2>"$T/get.err"; }

check "requests uses the venv's certifi" test "$(run_clean "$V/bin/python" -c 'import requests.certs; print(requests.certs.where())')" = "$bundle"
check "requests fails before apply" get_fails
check "  with a verification error" grep -q CERTIFICATE_VERIFY_FAILED "$T/get.err"
expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan headline" out_has '# app-venv (python certifi): corp will be added'
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "requests succeeds after apply" get
check "certifi's bytes kept" cmp -n "$(stat -c %s "$T/certifi-orig.pem")" "$T/certifi-orig.pem" "$bundle"
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode

# A certifi upgrade overwrites the bundle: drift, and apply puts the block back.
cp "$T/certifi-orig.pem" "$bundle"
expect_rc 2 "upgrade is drift" tf plan "${args[@]}" --detailed-exitcode
check "drift: corp to be added again" out_has '+ ca "corp"'
check "requests fails after the upgrade" get_fails
expect_rc 0 "re-apply" tf apply "${args[@]}" --auto-approve
check "requests succeeds again" get

# truststore mode under --root, in a tree without the venv's interpreter (the
# venv's bin/python points at the host's, which the tree does not have): the
# venv is broken there, so the store is an error naming the venv and the fix,
# nothing is written in it, and the other stores still converge. (The effect
# itself, and truststore missing, are tested on a real tree: host_python.sh.)
# truststore reads the system store, so the role puts the CA there too.
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  ts: { type: python, venv: /opt/app/.venv, mode: truststore }
  bundle: { type: pem-bundle, path: /etc/app/ca.pem }
  system: { type: system }
roles:
  node: { cas: [corp], stores: [ts, bundle, system] }
hosts:
  h: [node]
YAML
broken="$C/trust.yaml:5:29: the venv /opt/app/.venv has no working interpreter (/opt/app/.venv/bin/python is missing or not executable inside $R)"
expect_rc 1 "truststore, no interpreter in the tree: plan is an error" tf plan "${args[@]}" --detailed-exitcode
check "  names the venv and why" err_has "$broken"
check "  and the fix" err_has "recreate it (python3 -m venv --clear /opt/app/.venv"
check "  never 'NOT checked'" bash -c '! grep -q "NOT checked" "$1"' _ "$T/.out"
before=$(tree_sum "$V")
expect_rc 1 "truststore, no interpreter: apply fails" tf apply "${args[@]}" --auto-approve
check "  nothing written in the venv" test "$before" = "$(tree_sum "$V")"
check "  other store converged" grep -q '^# trustform:begin corp ' "$R/etc/app/ca.pem"

# Bad input: a venv that does not exist.
sed -i 's|venv: /opt/app/.venv, mode: truststore|venv: /opt/none, mode: certifi|' "$C/trust.yaml"
expect_rc 1 "missing venv" tf plan "${args[@]}"
check "missing venv message" err_has "$C/trust.yaml:5:29: /opt/none is not a virtual environment"
# A venv without certifi.
/usr/bin/python3 -m venv --without-pip "$R/opt/bare"
sed -i 's|venv: /opt/none|venv: /opt/bare|' "$C/trust.yaml"
expect_rc 1 "venv without certifi" tf plan "${args[@]}"
check "no certifi message" err_has "certifi is not installed in the venv /opt/bare"
# A certifi bundle that is not PEM.
sed -i 's|venv: /opt/bare|venv: /opt/app/.venv|' "$C/trust.yaml"
head -c 100 /dev/urandom >"$bundle"; printf '\0' >>"$bundle"
before=$(tree_sum "$R")
expect_rc 1 "bundle not PEM" tf apply "${args[@]}" --auto-approve
check "not PEM message" err_has "/certifi/cacert.pem is not a PEM file"
check "nothing changed" test "$before" = "$(tree_sum "$R")"
done_testing

#!/usr/bin/env bash
# systemd-env: node (https.get) and Python (ssl/urllib) run with exactly the
# environment their unit gives them (unit file and drop-ins as the real
# `systemd-analyze --root cat-config` lists them, see tests/lib/unit_env.py),
# against TLS servers on 127.0.0.1. Before apply they fail to verify (or, where
# a drop-in sets NODE_TLS_REJECT_UNAUTHORIZED=0, accept even a rogue server);
# after apply they verify with trustform's bundle and the insecure setting is
# unset. The plan names the insecure settings and the units to restart; the
# restart command runs after a change, and is skipped under --root without it.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$T/rogue" "/CN=Rogue Root"
mk_leaf "$T/leaf" "$C/cas/corp"
mk_leaf "$T/rogue-leaf" "$T/rogue"
U=$R/usr/lib/systemd/system; E=$R/etc/systemd/system
mkdir -p "$U" "$E/homepage.service.d" "$R/etc/default"
cat >"$U/homepage.service" <<'UNIT'
[Unit]
Description=node web app
[Service]
ExecStart=/usr/bin/node /srv/homepage/server.js
Environment="APP_MODE=prod ha" PORT=3000
UNIT
printf '[Service]\n# the quick fix someone made\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0\n' \
  >"$E/homepage.service.d/50-insecure.conf"
cp "$U/homepage.service" "$U/webhook.service"
cat >"$U/riskapp.service" <<'UNIT'
[Service]
ExecStart=/usr/bin/python3 /srv/riskapp/main.py
EnvironmentFile=-/etc/default/riskapp
UNIT
printf 'PYTHONHTTPSVERIFY=0\nRISK_LEVEL=high\n' >"$R/etc/default/riskapp"
cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  homepage: { type: systemd-env, unit: homepage.service, env: [NODE_EXTRA_CA_CERTS],
              restart_command: 'echo "\$TRUSTFORM_UNIT" >> $T/restarts' }
  webhook: { type: systemd-env, unit: webhook.service, env: [NODE_EXTRA_CA_CERTS] }
  riskapp: { type: systemd-env, unit: riskapp.service, env: [SSL_CERT_FILE, REQUESTS_CA_BUNDLE] }
roles:
  node: { cas: [corp], stores: [homepage, webhook, riskapp] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
port=$(free_port); start_tls_server "$T/leaf" "$port"
rport=$(free_port); start_tls_server "$T/rogue-leaf" "$rport"

uenv() { /usr/bin/python3 "$TESTS_DIR/lib/unit_env.py" "$R" "$@"; }
node_get() { # node_get UNIT PORT
  uenv "$1" -- node -e 'require("https").get(process.argv[1], r => { r.resume(); r.on("end", () => process.exit(0)); }).on("error", e => { console.error(e.code || e.message); process.exit(1); })' "https://localhost:$2/" 2>"$T/node.err"
}
py_get() { uenv "$1" -- /usr/bin/python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)' "https://localhost:$2/" 2>"$T/py.err"; }
fails() { ! "$@"; }

# Before: no unit verifies with the test CA; the insecure one accepts anything.
check "webhook: node fails before apply" fails node_get webhook.service "$port"
check "  with a verification error" grep -qE "UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT" "$T/node.err"
check "homepage: node accepts even a rogue server (insecure)" node_get homepage.service "$rport"
check "riskapp: python fails before apply" fails py_get riskapp.service "$port"
check "  with a verification error" grep -q CERTIFICATE_VERIFY_FAILED "$T/py.err"

expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: CA into the bundle" out_has '# homepage (systemd-env homepage.service): corp will be added'
check "plan: drop-in" out_has "~ /etc/systemd/system/homepage.service.d/90-trustform.conf will be written: NODE_EXTRA_CA_CERTS -> /etc/trustform/bundles/homepage.pem"
check "plan: insecure setting named" out_has "~ insecure setting removed: NODE_TLS_REJECT_UNAUTHORIZED=0 from /etc/systemd/system/homepage.service.d/50-insecure.conf:3 (Node.js accepts any certificate): UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED"
check "plan: insecure setting from the environment file" out_has "insecure setting removed: PYTHONHTTPSVERIFY=0 from /etc/default/riskapp:1"
check "plan: restart command" out_has "# homepage (systemd-env homepage.service): then run restart_command for homepage.service"
check "plan: no restart under --root" out_has "# webhook (systemd-env webhook.service): then webhook.service is not restarted under --root (set restart_command to restart it)"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "apply: restart ran" out_has "homepage (systemd-env homepage.service): homepage.service: restart_command ran"
check "apply: says webhook is not restarted" out_has "webhook (systemd-env webhook.service): webhook.service is not restarted under --root"
check "restart command got the unit" test "$(cat "$T/restarts")" = homepage.service

# After: the environment the unit gives, read from its files.
uenv homepage.service --print >"$T/homepage.env"
check "homepage env: NODE_EXTRA_CA_CERTS" grep -qx "NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/homepage.pem" "$T/homepage.env"
check "homepage env: insecure setting gone" bash -c "! grep -q NODE_TLS_REJECT_UNAUTHORIZED '$T/homepage.env'"
check "homepage env: the unit's own settings kept" grep -qx "APP_MODE=prod ha" "$T/homepage.env"
uenv riskapp.service --print >"$T/riskapp.env"
check "riskapp env: PYTHONHTTPSVERIFY gone" bash -c "! grep -q PYTHONHTTPSVERIFY '$T/riskapp.env'"
check "riskapp env: SSL_CERT_FILE" grep -qx "SSL_CERT_FILE=/etc/trustform/bundles/riskapp.pem" "$T/riskapp.env"
check "riskapp env: the environment file's other setting kept" grep -qx "RISK_LEVEL=high" "$T/riskapp.env"
check "systemd lists trustform's drop-in" grep -q "90-trustform.conf" <(systemd-analyze --root="$R" cat-config systemd/system/homepage.service)
# The bundle path is in-root; in the sandbox the clients read it from the tree.
for u in homepage webhook riskapp; do
  sed -i "s|=/etc/trustform/bundles/|=$R/etc/trustform/bundles/|g" "$E/$u.service.d/90-trustform.conf"
done
check "webhook: node verifies after apply" node_get webhook.service "$port"
check "homepage: node verifies after apply" node_get homepage.service "$port"
check "homepage: node now rejects the rogue server" fails node_get homepage.service "$rport"
check "riskapp: python verifies after apply" py_get riskapp.service "$port"
check "riskapp: python rejects the rogue server" fails py_get riskapp.service "$rport"
for u in homepage webhook riskapp; do
  sed -i "s|=$R/etc/trustform/bundles/|=/etc/trustform/bundles/|g" "$E/$u.service.d/90-trustform.conf"
done
: >"$T/restarts"
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode
expect_rc 0 "apply with nothing to do" tf apply "${args[@]}" --auto-approve
check "no restart without a change" test ! -s "$T/restarts"

# Whatever overrides trustform's variable after its drop-in keeps the trust
# from the service, and apply cannot change that file: the store is an error
# of the plan (also with --detailed-exitcode), in JSON and in the metrics.
# jtrue 'python expression over d (the JSON document) and w (WANT)'
jtrue() { WANT=$want /usr/bin/python3 -c "import json,os,sys; d=json.load(open(sys.argv[1])); w=os.environ['WANT']; sys.exit(0 if ($1) else 1)" "$T/.out"; }
homepage_json='[s for s in d["stores"] if s["title"].startswith("homepage ")][0]'
override() { # override NAME WANT: the plan for the override just made
  local want=$2
  expect_rc 1 "$1: plan is an error" tf plan "${args[@]}" --detailed-exitcode
  check "$1: says so" out_has "Error: homepage (systemd-env homepage.service): trust will not take effect: $2"
  expect_rc 1 "$1: --json" tf plan "${args[@]}" --json --detailed-exitcode
  check "$1: JSON store errored, with the reason" jtrue "(lambda s: s['status'] == 'error' and any(w in m for m in s['ineffective']))($homepage_json)"
  check "$1: JSON: errored; riskapp (no NODE_EXTRA_CA_CERTS) is fine" jtrue "d['errored'] and [s['status'] for s in d['stores'] if s['title'].startswith('riskapp ')] == ['ok']"
  expect_rc 1 "$1: --prometheus" tf plan "${args[@]}" --prometheus "$T/m.prom" --detailed-exitcode
  check "$1: metrics: homepage not effective" grep -qE '^trustform_store_effective\{.*store="homepage".*\} 0$' "$T/m.prom"
  check "$1: metrics: riskapp effective" grep -qE '^trustform_store_effective\{.*store="riskapp".*\} 1$' "$T/m.prom"
}
later=$E/homepage.service.d/95-local.conf
printf '[Service]\nEnvironment=NODE_EXTRA_CA_CERTS=/opt/other.pem\n' >"$later"
override "later drop-in" "/etc/systemd/system/homepage.service.d/95-local.conf:2: NODE_EXTRA_CA_CERTS=\"/opt/other.pem\" reaches homepage.service instead of trustform's NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/homepage.pem (drop-ins are applied in file-name order and it comes after trustform's 90-trustform.conf)"
check "  and says the fix" out_has "remove that setting, or make it NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/homepage.pem"
expect_rc 1 "later drop-in: apply fails too" tf apply "${args[@]}" --auto-approve
check "  saying why" out_has "trust will not take effect: /etc/systemd/system/homepage.service.d/95-local.conf:2"
rm "$later"
# the same drop-in sorting BEFORE trustform's is harmless
printf '[Service]\nEnvironment=NODE_EXTRA_CA_CERTS=/opt/other.pem\n' >"$E/homepage.service.d/10-local.conf"
expect_rc 0 "earlier drop-in: no changes" tf plan "${args[@]}" --detailed-exitcode
rm "$E/homepage.service.d/10-local.conf"
# a drop-in for every service, and an environment file read by the unit itself
mkdir -p "$E/service.d"
printf '[Service]\nUnsetEnvironment=NODE_EXTRA_CA_CERTS\n' >"$E/service.d/99-site.conf"
override "UnsetEnvironment for every service" "/etc/systemd/system/service.d/99-site.conf:2: NODE_EXTRA_CA_CERTS is unset for homepage.service instead of trustform's NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/homepage.pem (UnsetEnvironment= is applied after every Environment=)"
rm -r "$E/service.d"
printf 'PORT=3000\nNODE_EXTRA_CA_CERTS=/srv/homepage/ca.pem\n' >"$R/etc/default/homepage"
printf '[Service]\nEnvironmentFile=/etc/default/homepage\n' >"$E/homepage.service.d/10-envfile.conf"
override "EnvironmentFile" "/etc/default/homepage:2: NODE_EXTRA_CA_CERTS=\"/srv/homepage/ca.pem\" reaches homepage.service instead of trustform's NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/homepage.pem (EnvironmentFile= values override every Environment=)"
rm "$E/homepage.service.d/10-envfile.conf"
printf '[Service]\nEnvironment=\n' >"$later"
override "Environment= reset" "/etc/systemd/system/homepage.service.d/95-local.conf:2: NODE_EXTRA_CA_CERTS is unset for homepage.service instead of trustform's NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/homepage.pem (an empty Environment= drops every assignment before it"
rm "$later"
expect_rc 0 "overrides gone: clean again" tf plan "${args[@]}" --detailed-exitcode

# A CA change restarts the unit.
mk_ca "$C/cas/lab" "/CN=Lab Root"
sed -i 's|^cas:$|cas:\n  lab: { file: cas/lab.pem }|; s/cas: \[corp\]/cas: [corp, lab]/' "$C/trust.yaml"
expect_rc 0 "apply a second CA" tf apply "${args[@]}" --auto-approve
check "restarted after the bundle changed" test "$(cat "$T/restarts")" = homepage.service

# Bad input: a unit name with '/' or '..' is refused for that store; nothing
# of it is written, and the other stores still converge.
for bad in ../../etc/evil.service a/b.service; do
  sed -i "s|unit: webhook.service|unit: $bad|; s|unit: \.\./\.\./etc/evil.service|unit: $bad|" "$C/trust.yaml"
  mk_ca "$C/cas/lab" "/CN=Lab Root $RANDOM"
  before=$(find "$R/etc/systemd" | sort | sha256sum)
  expect_rc 1 "unit $bad: apply fails" tf apply "${args[@]}" --auto-approve
  check "unit $bad: clear error" err_has "unit \"$bad\" is not a systemd unit name"
  check "unit $bad: error points at the config" err_has "$C/trust.yaml:8:39:"
  check "unit $bad: others converge" out_has 'riskapp (systemd-env riskapp.service): ca "lab": replaced'
  check "unit $bad: nothing of it written" test "$before" = "$(find "$R/etc/systemd" | sort | sha256sum)"
  sed -i "s|unit: $bad|unit: webhook.service|" "$C/trust.yaml"
done

# restart: true under --root without a command would restart the host's unit.
sed -i 's|unit: webhook.service, env: \[NODE_EXTRA_CA_CERTS\] }|unit: webhook.service, env: [NODE_EXTRA_CA_CERTS], restart: true }|' "$C/trust.yaml"
expect_rc 1 "restart under --root without a command" tf plan "${args[@]}"
check "  is refused" err_has "restart: true under --root needs restart_command"
done_testing

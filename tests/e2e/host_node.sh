#!/usr/bin/env bash
# systemd-env on the real sid host, with its Node 24: a service unit runs node
# (https.get) against an openssl s_server on 127.0.0.1 serving a leaf of a
# private CA. The unit runs node with --use-bundled-ca: Node's own CA list, as
# upstream builds do by default (Debian builds it to read OpenSSL's store, so
# there the system store alone is enough; checked too). There is no systemd in the tree; the service's environment is
# computed from the unit and its drop-ins as listed by the real
# `systemd-analyze --root=$H cat-config` (tests/lib/unit_env.py), and node runs
# inside the tree (chroot) with exactly that environment and the unit's
# ExecStart. Shown: node fails before apply; NODE_EXTRA_CA_CERTS=<bundle>
# makes it verify; NODE_USE_SYSTEM_CA=1 verifies when a system store puts the
# CA in the tree's system store; without the system store the plan says the
# trust will not take effect, and node indeed still fails (the flag alone is
# not trust). A later drop-in setting NODE_USE_SYSTEM_CA=0 is caught the same
# way, and node fails with it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"

testhost_up
echo "# host: $(host_versions)"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Node Root"
mk_leaf "$T/leaf" "$C/cas/corp"
port=$(free_port); start_tls_server "$T/leaf" "$port"

mkdir -p "$H/srv/app" "$H/etc/systemd/system"
cat >"$H/srv/app/get.js" <<'JS'
require("https").get(process.argv[2], r => {
  r.resume();
  r.on("end", () => { console.log("ok " + r.statusCode); process.exit(0); });
}).on("error", e => { console.error(e.code || e.message); process.exit(1); });
JS
cat >"$H/etc/systemd/system/app.service" <<UNIT
[Unit]
Description=node client
[Service]
ExecStart=/usr/bin/node --use-bundled-ca /srv/app/get.js https://localhost:$port/
Environment=APP_MODE=prod
UNIT

# run_app: the unit's ExecStart inside the tree, with the unit's environment
run_app() {
  local -a env cmd
  mapfile -t env < <(/usr/bin/python3 "$TESTS_DIR/lib/unit_env.py" "$H" app.service --print)
  read -r -a cmd < <(sed -n 's/^ExecStart=//p' "$H/etc/systemd/system/app.service")
  printf '%s\n' "${env[@]}" >"$T/app.env"
  in_host env "${env[@]}" "${cmd[@]}" >"$T/app.out" 2>"$T/app.err"
}
fails() { ! "$@"; }
node_v=$(in_host node --version)
echo "# node in the tree: $node_v"
check "the tree's node is 24.x" grep -q '^v24\.' <<<"$node_v"

check "before apply: node fails" fails run_app
check "  with a verification error" grep -qE 'UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT' "$T/app.err"

# yaml ENV STORES: the config
yaml() {
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  app: { type: systemd-env, unit: app.service, env: [$1] }
  system: { type: system }
roles:
  node: { cas: [corp], stores: [$2] }
hosts:
  h: [node]
YAML
}
args=(-c "$C/trust.yaml" --root "$H" --host h)

# 1. NODE_EXTRA_CA_CERTS=<bundle>
yaml NODE_EXTRA_CA_CERTS app
expect_rc 2 "extra: plan" tf plan "${args[@]}" --detailed-exitcode
check "extra: plan names the drop-in" out_has "/etc/systemd/system/app.service.d/90-trustform.conf will be written: NODE_EXTRA_CA_CERTS -> /etc/trustform/bundles/app.pem"
expect_rc 0 "extra: apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "extra: plan clean" tf plan "${args[@]}" --detailed-exitcode
check "extra: node verifies" run_app
check "  with the bundle in its environment" grep -qx 'NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/app.pem' "$T/app.env"
check "  and the unit's own setting" grep -qx 'APP_MODE=prod' "$T/app.env"

# 2. NODE_USE_SYSTEM_CA=1 without the CA in the tree's system store
rm -f "$H/etc/trustform/bundles/app.pem"
yaml NODE_USE_SYSTEM_CA app
expect_rc 1 "flag only: plan is an error" tf plan "${args[@]}" --detailed-exitcode
check "flag only: says why" out_has "trust will not take effect: $C/trust.yaml:5:"
check "  and the fix" out_has 'NODE_USE_SYSTEM_CA=1 makes Node.js and Bun use the system store, and no system store of host "h" is configured with CA "corp"'
expect_rc 1 "flag only: apply writes, but fails" tf apply "${args[@]}" --auto-approve
check "flag only: drop-in sets the flag to 1" grep -qx 'Environment="NODE_USE_SYSTEM_CA=1"' "$H/etc/systemd/system/app.service.d/90-trustform.conf"
check "flag only: node still fails (the CA is not in the system store)" fails run_app
check "  with a verification error" grep -qE 'UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT' "$T/app.err"
check "  though the flag is set" grep -qx 'NODE_USE_SYSTEM_CA=1' "$T/app.env"
check "  and no bundle variable" fails grep -q NODE_EXTRA_CA_CERTS "$T/app.env"

# 3. NODE_USE_SYSTEM_CA=1 with a system store that holds the CA
yaml NODE_USE_SYSTEM_CA "app, system"
expect_rc 0 "flag + system: apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "flag + system: plan clean" tf plan "${args[@]}" --detailed-exitcode
check "flag + system: node verifies" run_app
check "  with NODE_USE_SYSTEM_CA=1" grep -qx 'NODE_USE_SYSTEM_CA=1' "$T/app.env"
# the flag is what matters: the same tree without it fails
# the flag is what brings the system store in: the same node without it fails
check "flag + system: the unit's node without the flag fails" \
  fails in_host /usr/bin/node --use-bundled-ca /srv/app/get.js "https://localhost:$port/"
# Debian's own build reads OpenSSL's store by default (--use-openssl-ca), so
# there a plain node verifies with the system store without the flag
check "flag + system: Debian's plain node verifies without the flag" \
  in_host /usr/bin/node /srv/app/get.js "https://localhost:$port/"

# 4. A later drop-in setting NODE_USE_SYSTEM_CA=0: the plan says the trust
# does not reach the service, and node indeed fails.
printf '[Service]\nEnvironment=NODE_USE_SYSTEM_CA=0\n' >"$H/etc/systemd/system/app.service.d/zz-other.conf"
expect_rc 1 "override: plan is an error" tf plan "${args[@]}" --detailed-exitcode
check "override: names the file and line" out_has "trust will not take effect: /etc/systemd/system/app.service.d/zz-other.conf:2: NODE_USE_SYSTEM_CA=\"0\" reaches app.service instead of trustform's NODE_USE_SYSTEM_CA=1"
check "override: node fails" fails run_app
rm "$H/etc/systemd/system/app.service.d/zz-other.conf"
check "override removed: node verifies again" run_app
done_testing

#!/usr/bin/env bash
# The runtime stores and the other families' system store under valgrind's
# memcheck (no invalid access, no leak): plan, apply, show, removal, and the
# error paths of a wrong keystore password and a non-PEM bundle.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mk_certifi_venv "$R/opt/app/.venv" 2>/dev/null
mkdir -p "$T/cfg/cas" "$R/usr/lib/systemd/system/web.service.d" "$R/opt/app"
printf '[Service]\nExecStart=/bin/true\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0 "X=a b"\n' \
  >"$R/usr/lib/systemd/system/web.service"
mk_ca "$T/cfg/cas/a" "/CN=Memcheck A"; mk_ca "$T/cfg/cas/b" "/CN=Memcheck B"
keytool -importcert -noprompt -alias other -file "$T/cfg/cas/b.pem" -keystore "$R/opt/app/t.jks" \
  -storetype JKS -storepass changeit >/dev/null 2>&1
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
  b: { file: cas/b.pem }
stores:
  bundle: { type: pem-bundle, path: /etc/app/ca.pem }
  venv: { type: python, venv: /opt/app/.venv }
  web: { type: systemd-env, unit: web.service, env: [NODE_EXTRA_CA_CERTS], restart_command: "true" }
  p12: { type: java, path: /opt/app/t.p12, password: changeit }
  jks: { type: java, path: /opt/app/t.jks, password: changeit }
roles:
  node: { cas: [a, b], stores: [bundle, venv, web, p12, jks] }
hosts:
  n1: [node]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host n1)
expect_rc 0 "validate" vg validate -c "$T/cfg/trust.yaml"
expect_rc 2 "plan" vg plan "${args[@]}" --detailed-exitcode
expect_rc 0 "apply" vg apply "${args[@]}" --auto-approve
expect_rc 0 "show" vg show "${args[@]}"
sed -i 's/cas: \[a, b\]/cas: [a]/' "$T/cfg/trust.yaml"
expect_rc 0 "apply a removal" vg apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean" vg plan "${args[@]}" --detailed-exitcode
sed -i 's/password: changeit }/password: wrong }/' "$T/cfg/trust.yaml"
printf '\0binary' >"$R/etc/app/ca.pem"
expect_rc 1 "errors" vg plan "${args[@]}"

# RHEL family, extraction pending.
R2=$T/rhel; mkdir -p "$R2/etc"; printf 'ID="rocky"\nID_LIKE="rhel centos fedora"\n' >"$R2/etc/os-release"
cat >"$T/cfg/sys.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
  b: { file: cas/b.pem, ensure: distrusted }
stores:
  system: { type: system }
roles:
  node: { cas: [a], stores: [system] }
hosts:
  n1: [node]
YAML
expect_rc 0 "rhel apply" vg apply -c "$T/cfg/sys.yaml" --root "$R2" --host n1 --auto-approve
expect_rc 2 "rhel plan pending" vg plan -c "$T/cfg/sys.yaml" --root "$R2" --host n1 --detailed-exitcode
done_testing

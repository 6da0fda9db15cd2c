#!/usr/bin/env bash
# The stores of the later layers under valgrind's memcheck (no invalid access,
# no leak): chrome-policy beside a foreign policy file, shell-env beside
# foreign profile.d and environment files, registry, Firefox's policies.json
# with a foreign entry, and an anchors family whose extract_command takes
# effect, then one that does not (the failure path).
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mkdir -p "$T/cfg/cas" "$R/etc/chromium/policies/managed" "$R/etc/profile.d" \
  "$R/etc/environment.d" "$R/etc/firefox/policies"
mk_ca "$T/cfg/cas/a" "/CN=Memcheck A"; mk_ca "$T/cfg/cas/b" "/CN=Memcheck B"
printf '{"CACertificates": ["%s"], "HomepageLocation": "x"}\n' \
  "$(openssl x509 -in "$T/cfg/cas/b.pem" -outform DER | base64 -w0)" \
  >"$R/etc/chromium/policies/managed/00-corp.json"
printf 'export NODE_TLS_REJECT_UNAUTHORIZED=0\nunset SSL_CERT_FILE\n' >"$R/etc/profile.d/10-app.sh"
printf 'REQUESTS_CA_BUNDLE="/etc/ssl/other.pem"\n' >"$R/etc/environment"
printf '{"policies": {"Certificates": {"Install": ["elsewhere.pem", 3]}}}\n' \
  >"$R/etc/firefox/policies/policies.json"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
  b: { file: cas/b.pem }
stores:
  system: { type: system }
  chrome: { type: chrome-policy, browsers: [chromium] }
  shell: { type: shell-env, env: [NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE] }
  regs: { type: registry, hosts: ["registry.corp:5000"] }
  firefox: { type: nss, firefox_policy: true }
roles:
  node: { cas: [a, b], stores: [system, chrome, shell, regs, firefox] }
hosts:
  n1: [node]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host n1)
expect_rc 2 "plan" vg plan "${args[@]}" --detailed-exitcode
expect_rc 0 "apply" vg apply "${args[@]}" --auto-approve
expect_rc 0 "plan --json" vg plan "${args[@]}" --json
expect_rc 0 "show" vg show "${args[@]}"
sed -i 's/cas: \[a, b\]/cas: [a]/' "$T/cfg/trust.yaml"
expect_rc 0 "apply a removal" vg apply "${args[@]}" --auto-approve
# a later profile.d file overriding trustform's: ineffective trust, an error
printf 'export NODE_EXTRA_CA_CERTS=/etc/other.pem\n' >"$R/etc/profile.d/zz-late.sh"
printf '{' >"$R/etc/firefox/policies/policies.json"
expect_rc 1 "errors" vg plan "${args[@]}"

# An anchors family: extraction that takes effect, then one that does not.
R2=$T/rhel; mkdir -p "$R2/etc"; printf 'ID="rhel"\nID_LIKE="fedora"\n' >"$R2/etc/os-release"
sys() {
  cat >"$T/cfg/sys.yaml" <<YAML
version: 1
cas:
  a: { file: cas/a.pem }
stores:
  system: { type: system, extract_command: '$1' }
roles:
  node: { cas: [a], stores: [system] }
hosts:
  n1: [node]
YAML
}
sys 'mkdir -p $TRUSTFORM_ROOT/etc/pki/ca-trust/extracted/pem && cat $TRUSTFORM_ROOT/etc/pki/ca-trust/source/anchors/*.pem > $TRUSTFORM_ROOT/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem'
expect_rc 0 "rhel apply, extracted" vg apply -c "$T/cfg/sys.yaml" --root "$R2" --host n1 --auto-approve
expect_rc 0 "rhel plan clean" vg plan -c "$T/cfg/sys.yaml" --root "$R2" --host n1 --detailed-exitcode
sys true; sed -i 's|^  a: { file: cas/a.pem }|  a: { file: cas/b.pem }|' "$T/cfg/sys.yaml"
expect_rc 1 "rhel apply, extraction without effect" \
  vg apply -c "$T/cfg/sys.yaml" --root "$R2" --host n1 --auto-approve
check "  says the clients do not see it" out_has "the clients do not see them"
# Firefox's certificate directory reached through a link: refused, nothing
# written through it.
R3=$T/fflink; mkdir -p "$R3/etc/firefox/policies" "$T/elsewhere"
ln -s "$T/elsewhere" "$R3/etc/firefox/policies/trustform"
cat >"$T/cfg/ff.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
stores:
  firefox: { type: nss, firefox_policy: true }
roles:
  node: { cas: [a], stores: [firefox] }
hosts:
  n1: [node]
YAML
expect_rc 1 "firefox dir is a link: apply refused" \
  vg apply -c "$T/cfg/ff.yaml" --root "$R3" --host n1 --auto-approve
check "  says why" out_has "is a symlink, or lies under one"
check "  nothing written through the link" test -z "$(ls -A "$T/elsewhere")"
done_testing

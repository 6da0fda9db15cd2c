#!/usr/bin/env bash
# Bad input gets a clear error naming the file and line (and what to do), and
# the sandbox tree is unchanged: malformed YAML, unknown key, broken PEM, two
# certificates in one file, a leaf instead of a CA, an expired CA, a CA not
# valid yet, a wrong pin, a hostile name, a missing file, and more.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/good" "/CN=Good CA"
mk_ca "$C/cas/other" "/CN=Other CA"
mk_leaf "$T/leaf" "$C/cas/good"; cp "$T/leaf.pem" "$C/cas/leaf.pem"
cat "$C/cas/good.pem" "$C/cas/other.pem" >"$C/cas/two.pem"
head -c 300 "$C/cas/good.pem" >"$C/cas/broken.pem"; echo "-----END CERTIFICATE-----" >>"$C/cas/broken.pem"
mk_ca_dated "$C/cas/expired" "/CN=Expired CA" 20200101000000Z 20210101000000Z
mk_ca_dated "$C/cas/future" "/CN=Future CA" 20990101000000Z 21000101000000Z
cat "$C/cas/good.pem" "$C/cas/good.key" >"$C/cas/withkey.pem"
printf 'not a certificate at all\n' >"$C/cas/garbage.pem"
good_fp=$(fingerprint "$C/cas/good.pem")
before=$(tree_sum "$R")

# case NAME "expected text" <<YAML : run plan and apply on the YAML
case_() {
  local name=$1 want=$2 f=$C/$1.yaml
  cat >"$f"
  expect_rc 1 "$name: plan fails" tf plan -c "$f" --root "$R" --host h
  check "$name: message names the file and position" err_has "$f:"
  check "$name: message says '$want'" err_has "$want"
  expect_rc 1 "$name: apply fails" tf apply -c "$f" --root "$R" --host h --auto-approve
  check "$name: tree unchanged" test "$before" = "$(tree_sum "$R")"
}

tail_ok='stores:
  system: { type: system }
roles:
  node: { cas: [x], stores: [system] }
hosts:
  h: [node]'

case_ malformed "malformed YAML" <<YAML
version: 1
cas:
  x: { file: cas/good.pem
 bad indentation: [
YAML
check "malformed: line and column" err_has "malformed.yaml:4:"

case_ unknown_key 'unknown key "fiel" in CA "x"; did you mean "file"?' <<YAML
version: 1
cas:
  x: { fiel: cas/good.pem }
$tail_ok
YAML
check "unknown key: position" err_has "unknown_key.yaml:3:8: error"

case_ duplicate_key 'duplicate key "x" (first at line 3)' <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
  x: { file: cas/other.pem }
$tail_ok
YAML

case_ broken_pem "is not a certificate" <<YAML
version: 1
cas:
  x: { file: cas/broken.pem }
$tail_ok
YAML
check "broken pem: points at the file value" err_has "broken_pem.yaml:3:14: error"

case_ garbage "neither PEM" <<YAML
version: 1
cas:
  x: { file: cas/garbage.pem }
$tail_ok
YAML

case_ two_certs "holds 2 certificates; trustform needs exactly one" <<YAML
version: 1
cas:
  x: { file: cas/two.pem }
$tail_ok
YAML

case_ leaf "is not a CA certificate (basicConstraints CA:TRUE is missing)" <<YAML
version: 1
cas:
  x: { file: cas/leaf.pem }
$tail_ok
YAML
check "leaf: suggests trusting the issuer" err_has "trust the CA that issued it instead"

case_ expired "expired on 2021-01-01" <<YAML
version: 1
cas:
  x: { file: cas/expired.pem }
$tail_ok
YAML

case_ future "is not valid yet: valid from 2099-01-01" <<YAML
version: 1
cas:
  x: { file: cas/future.pem }
$tail_ok
YAML
check "future: suggests the clock" err_has "check this machine's time"

case_ wrong_pin "the sha256 pin does not match cas/good.pem" <<YAML
version: 1
cas:
  x: { file: cas/good.pem, sha256: "$(echo "$good_fp" | rev)" }
$tail_ok
YAML
check "wrong pin: position of the pin" err_has "wrong_pin.yaml:3:36: error"

case_ bad_pin_syntax "sha256 must be 64 hex digits" <<YAML
version: 1
cas:
  x: { file: cas/good.pem, sha256: "abc" }
$tail_ok
YAML

case_ hostile_name 'CA name "../../etc/x" is not allowed' <<YAML
version: 1
cas:
  ../../etc/x: { file: cas/good.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [../../etc/x], stores: [system] }
hosts:
  h: [node]
YAML

case_ hostile_store 'store name "a/b" is not allowed' <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
stores:
  a/b: { type: system }
roles:
  node: { cas: [x], stores: [a/b] }
hosts:
  h: [node]
YAML

case_ missing_file "cannot read cas/nope.pem" <<YAML
version: 1
cas:
  x: { file: cas/nope.pem }
$tail_ok
YAML

case_ private_key "holds a private key" <<YAML
version: 1
cas:
  x: { file: cas/withkey.pem }
$tail_ok
YAML

case_ undefined_ca 'uses CA "y", which is not defined; define it under cas:' <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [x, y], stores: [system] }
hosts:
  h: [node]
YAML

case_ undefined_store 'uses store "browsers", which is not defined' <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [x], stores: [system, browsers] }
hosts:
  h: [node]
YAML

case_ bad_store_type 'unknown store type "keychain"' <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
stores:
  system: { type: keychain }
roles:
  node: { cas: [x], stores: [system] }
hosts:
  h: [node]
YAML

case_ bad_store_option 'unknown key "pth" in store "system" (type system)' <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
stores:
  system: { type: system, pth: /x }
roles:
  node: { cas: [x], stores: [system] }
hosts:
  h: [node]
YAML

case_ bad_ensure "ensure must be present, absent or distrusted" <<YAML
version: 1
cas:
  x: { file: cas/good.pem, ensure: gone }
$tail_ok
YAML

case_ same_cert_twice 'CA "y" is the same certificate as CA "x"' <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
  y: { file: cas/good.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [x, y], stores: [system] }
hosts:
  h: [node]
YAML

case_ wrong_version "version 2 is not supported" <<YAML
version: 2
cas:
  x: { file: cas/good.pem }
$tail_ok
YAML

case_ bad_bool "caddy must be true or false" <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [x], stores: [system], caddy: yes }
hosts:
  h: [node]
YAML

# A host that matches no entry.
cat >"$C/nohost.yaml" <<YAML
version: 1
cas:
  x: { file: cas/good.pem }
$tail_ok
YAML
expect_rc 1 "unknown host" tf plan -c "$C/nohost.yaml" --root "$R" --host elsewhere
check "unknown host message" err_has 'host "elsewhere" matches no entry under hosts:'
check "names the config" err_has "$C/nohost.yaml"

# An empty file and a missing config.
: >"$C/empty.yaml"
expect_rc 1 "empty file" tf plan -c "$C/empty.yaml" --root "$R" --host h
check "empty message" err_has "the file is empty"
expect_rc 1 "missing config" tf plan -c "$C/none.yaml" --root "$R" --host h
check "missing config message" err_has "$C/none.yaml: error: cannot read the configuration"

# Everything at once: all problems reported in one run.
cat >"$C/many.yaml" <<YAML
version: 1
cas:
  x: { file: cas/expired.pem }
  y: { file: cas/leaf.pem, colour: red }
$tail_ok
YAML
expect_rc 1 "many problems" tf validate -c "$C/many.yaml"
check "reports the expired CA" err_has "expired on"
check "reports the unknown key" err_has 'unknown key "colour"'
check "reports the leaf" err_has "is not a CA certificate"
check "counts the errors" err_has "error(s) in the configuration"

check "tree unchanged after all of it" test "$before" = "$(tree_sum "$R")"
# systemd-env takes only the variables trustform knows how to set.
senv_yaml() { printf 'version: 1\ncas:\n  x: { file: cas/good.pem }\nstores:\n  app: { type: systemd-env, unit: app.service, env: [%s] }\nroles:\n  node: { cas: [x], stores: [app] }\nhosts:\n  h: [node]\n' "$1"; }
senv_yaml 'SSL_CERT_FILE, NODE_EXTRA_CA_CERT' | case_ env_typo 'store "app": unknown variable "NODE_EXTRA_CA_CERT" in env; did you mean "NODE_EXTRA_CA_CERTS"?'
check "env typo: line and column of the item" err_has "env_typo.yaml:5:69: error"
senv_yaml 'MY_APP_CA' | case_ env_unknown 'store "app": unknown variable "MY_APP_CA" in env; variables trustform knows: NODE_EXTRA_CA_CERTS, NODE_USE_SYSTEM_CA, SSL_CERT_FILE, REQUESTS_CA_BUNDLE'
check "env unknown: line and column" err_has "env_unknown.yaml:5:54: error"
senv_yaml 'NODE_TLS_REJECT_UNAUTHORIZED' | case_ env_insecure 'NODE_TLS_REJECT_UNAUTHORIZED turns verification off and names no CAs'
senv_yaml 'SSL_CERT_DIR' | case_ env_cert_dir 'SSL_CERT_DIR must name a directory of hashed links'
senv_yaml 'PIP_CERT, PIP_CERT' | case_ env_twice 'PIP_CERT is listed twice in env'

# chrome-policy: only the browsers it knows; shell-env: the systemd-env variables.
store_yaml() { printf 'version: 1\ncas:\n  x: { file: cas/good.pem }\nstores:\n  s: { %s }\nroles:\n  r: { cas: [x], stores: [s] }\nhosts:\n  h: [r]\n' "$1"; }
store_yaml 'type: chrome-policy, browsers: [chrome, chromum]' | case_ chrome_typo 'store "s": browsers: unknown item "chromum"; did you mean "chromium"? (one of chrome, chromium)'
check "chrome typo: line and column of the item" err_has "chrome_typo.yaml:5:48: error"
store_yaml 'type: chrome-policy, browsers: [edge]' | case_ chrome_unknown 'store "s": browsers: unknown item "edge" (one of chrome, chromium)'
store_yaml 'type: chrome-policy, browsers: chromium' | case_ chrome_not_list 'store "s": browsers must be a list, not a value'
store_yaml 'type: chrome-policy, browsers: [chromium, chromium]' | case_ chrome_twice 'chromium is listed twice in browsers'
store_yaml 'type: shell-env, env: [SSL_CERT_FILE, NODE_EXTRA_CA_CERT]' | case_ shenv_typo 'store "s": unknown variable "NODE_EXTRA_CA_CERT" in env; did you mean "NODE_EXTRA_CA_CERTS"?'
store_yaml 'type: shell-env, env: [MY_APP_CA]' | case_ shenv_unknown 'store "s": unknown variable "MY_APP_CA" in env; variables trustform knows: NODE_EXTRA_CA_CERTS'
store_yaml 'type: shell-env, env: NODE_EXTRA_CA_CERTS' | case_ shenv_not_list 'store "s": env must be a list, not a value'
store_yaml 'type: shell-env, env: [SSL_CERT_DIR]' | case_ shenv_cert_dir 'SSL_CERT_DIR must name a directory of hashed links'
store_yaml 'type: shell-env, env: [NODE_TLS_REJECT_UNAUTHORIZED]' | case_ shenv_insecure 'NODE_TLS_REJECT_UNAUTHORIZED turns verification off and names no CAs'
store_yaml 'type: shell-env, env: [SSL_CERT_FILE], bundle: "/etc/my bundle.pem"' | case_ shenv_bundle_space 'the bundle path "/etc/my bundle.pem" must be written in both a shell file and environment.d'
# registry: hosts are host or host:port (no scheme, no path); engines are known.
reg_yaml() { printf 'version: 1\ncas:\n  x: { file: cas/good.pem }\nstores:\n  regs: { type: registry, %s }\nroles:\n  node: { cas: [x], stores: [regs] }\nhosts:\n  h: [node]\n' "$1"; }
reg_yaml 'hosts: [registry.corp, "registry.corp:5000/v2/library"]' | case_ registry_path 'store "regs": hosts: "registry.corp:5000/v2/library" has a path (/v2/library); the engines trust a registry by host and port only: write "registry.corp:5000"'
check "registry path: line and column of the item" err_has "registry_path.yaml:5:50: error"
reg_yaml 'hosts: ["https://registry.corp:5000"]' | case_ registry_scheme 'has a scheme; write the host as the engines name their directories, without it: "registry.corp:5000"'
check "registry scheme: line and column" err_has "registry_scheme.yaml:5:35: error"
reg_yaml 'hosts: [registry.corp], engines: [podman, contianerd]' | case_ registry_engine 'store "regs": engines: unknown engine "contianerd"; did you mean "containerd"?'
check "registry engine: line and column" err_has "registry_engine.yaml:5:69: error"
reg_yaml 'hosts: ["registry.corp:99999"]' | case_ registry_port 'has a bad port "99999"; a port is 1 to 65535'
reg_yaml 'hosts: ["fe80::1:5000"]' | case_ registry_v6 'write an IPv6 address in brackets'
reg_yaml 'hosts: []' | case_ registry_none 'hosts lists no registry'

done_testing

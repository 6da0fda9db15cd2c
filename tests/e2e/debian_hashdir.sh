#!/usr/bin/env bash
# A directory where a link goes in /etc/ssl/certs (a hash link name, a
# <name>.pem) is not trustform's: apply leaves it, writes everything else
# (curl trusts the CA through the bundle), and the next plan is clean; a
# directory where the engine is to write a link is never half-written over.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/corp-root" "/O=Corp/CN=Corp Root CA"
mk_leaf "$T/leaf" "$T/cfg/cas/corp-root"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp-root: { file: cas/corp-root.pem }
stores:
  system: { type: system }
roles:
  runner: { cas: [corp-root], stores: [system] }
hosts:
  h: [runner]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)
h=$(openssl x509 -hash -noout -in "$T/cfg/cas/corp-root.pem")
mkdir "$R/etc/ssl/certs/$h.0"; echo mine >"$R/etc/ssl/certs/$h.0/keep"

port=$(free_port)
start_tls_server "$T/leaf" "$port"
url="https://127.0.0.1:$port/"
bundle=$R/etc/ssl/certs/ca-certificates.crt

expect_rc 0 "apply with a directory at the CA's hash link name" tf apply "${args[@]}" --auto-approve
check "  the directory is left as it is" cmp "$R/etc/ssl/certs/$h.0/keep" <(echo mine)
fp=$(fingerprint "$T/cfg/cas/corp-root.pem")
check "  the pem link is made" test -L "$R/etc/ssl/certs/corp-root-${fp:0:12}.pem"
check "  curl trusts the CA through the bundle" curl -sS --max-time 10 --cacert "$bundle" "$url" -o /dev/null
expect_rc 0 "  the next plan is clean" tf plan "${args[@]}" --detailed-exitcode
done_testing

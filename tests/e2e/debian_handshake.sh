#!/usr/bin/env bash
# A real handshake: openssl s_server on 127.0.0.1 with a leaf signed by the CA;
# curl against the system bundle fails before apply and succeeds after.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/corp-root" "/O=Corp/CN=Corp Root CA"
mk_leaf "$T/leaf" "$T/cfg/cas/corp-root"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp-root: { file: cas/corp-root.pem, sha256: "__PIN__" }
stores:
  system: { type: system }
roles:
  runner: { cas: [corp-root], stores: [system] }
hosts:
  "ci-*": [runner]
YAML
fp=$(fingerprint "$T/cfg/cas/corp-root.pem")
# pins are compared ignoring colons and case
pin=$(echo "$fp" | tr a-f A-F | sed 's/../&:/g; s/:$//')
sed -i "s/__PIN__/$pin/" "$T/cfg/trust.yaml"

port=$(free_port)
start_tls_server "$T/leaf" "$port"
url="https://127.0.0.1:$port/"
bundle=$R/etc/ssl/certs/ca-certificates.crt

check "curl fails before apply" bash -c "! curl -sS --max-time 10 --cacert '$bundle' '$url' -o /dev/null 2>/dev/null"
expect_rc 0 "apply (host matched by glob)" tf apply -c "$T/cfg/trust.yaml" --root "$R" --host ci-42 --auto-approve
check "curl succeeds after apply" curl -sS --max-time 10 --cacert "$bundle" "$url" -o /dev/null
check "curl with the hashed directory succeeds" curl -sS --max-time 10 --capath "$(capath_of "$R")" "$url" -o /dev/null
check "python ssl accepts the bundle" /usr/bin/python3 -c "
import ssl, urllib.request
ctx = ssl.create_default_context(cafile='$bundle')
urllib.request.urlopen('$url', context=ctx, timeout=10).read()"
done_testing

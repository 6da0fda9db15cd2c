#!/usr/bin/env bash
# Python's strict mode beyond the system and python stores (issue 20 item 3):
#   - an env store that points a variable Python reads (REQUESTS_CA_BUNDLE) at
#     its bundle is judged by strict mode when the host has Python >= 3.13,
#     (so does one setting SSL_CERT_FILE, which ssl's default paths honour),
#     and one that only Node.js reads (NODE_EXTRA_CA_CERTS) is not: on the
#     Debian sid tree (Python 3.14), requests with REQUESTS_CA_BUNDLE at the
#     store's bundle refuses the server of a root whose basicConstraints is
#     not critical, as trustform's error for that store says, and verifies a
#     sound root's;
#   - a python store is judged by its venv's own Python (pyvenv.cfg): a venv
#     of a Python before 3.13 (Debian 12's own python3, 3.11) is no error, one
#     of the sid tree's Python (3.13 or later) is; the older interpreter
#     verifies the weak root's server with ssl.create_default_context, the
#     newer one refuses it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
. "$(dirname "$0")/../lib/rules.sh"
testhost_up
echo "test host: $(host_versions)"

C=$T/cfg; mkdir -p "$C/cas"
rule_root "$C/cas/good" "/CN=Good Root" ec
# a root whose basicConstraints is not critical (and otherwise strict-clean)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/cas/bc.key" \
  -subj "/CN=BC Not Critical Root" -days 365 -addext basicConstraints=CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -addext subjectKeyIdentifier=hash \
  -addext authorityKeyIdentifier=none -out "$C/cas/bc.pem" 2>/dev/null
rule_servers good bc

cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  good: { file: cas/good.pem }
  bc: { file: cas/bc.pem }
stores:
  pysvc: { type: systemd-env, unit: pysvc.service, env: [REQUESTS_CA_BUNDLE] }
  sslsvc: { type: systemd-env, unit: sslsvc.service, env: [SSL_CERT_FILE] }
  nodesvc: { type: systemd-env, unit: nodesvc.service, env: [NODE_EXTRA_CA_CERTS] }
roles:
  node: { cas: [good, bc], stores: [pysvc, sslsvc, nodesvc] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$H" --host h)
py=$(ls "$H/usr/bin" | grep -E '^python3\.[0-9]+$' | sort -V | tail -1)
expect_rc 1 "plan: an error for the store Python reads" tf plan "${args[@]}"
pysvc=$(grep -o '^Error: pysvc ([^)]*)' "$T/.out" | head -1 | sed 's/^Error: //')
check "pysvc: bc: strict mode, the host's Python, the variable" err_for "$pysvc" bc \
  "refused by Python 3.13+ (ssl's VERIFY_X509_STRICT)" \
  "this host's Python ${py#python} (/usr/bin/$py, through REQUESTS_CA_BUNDLE)" \
  "basicConstraints is not marked critical" "-addext 'basicConstraints=critical,CA:TRUE'"
check "pysvc: nothing about good" no_err_for "$pysvc" 'CA "good"'
sslsvc=$(grep -o '^Error: sslsvc ([^)]*)' "$T/.out" | head -1 | sed 's/^Error: //')
check "sslsvc: bc: strict mode, through SSL_CERT_FILE" err_for "$sslsvc" bc \
  "refused by Python 3.13+ (ssl's VERIFY_X509_STRICT)" "through SSL_CERT_FILE" \
  "basicConstraints is not marked critical"
check "nodesvc (Node.js only): no error" no_err_for "nodesvc"

expect_rc 1 "apply: the bundles written, pysvc still an error" tf apply "${args[@]}" --auto-approve
check "pysvc's bundle" test -s "$H/etc/trustform/bundles/pysvc.pem"
req_get() {
  in_host env REQUESTS_CA_BUNDLE=/etc/trustform/bundles/pysvc.pem python3 -c \
    'import sys, requests; requests.get(sys.argv[1], timeout=30); print("GOT")' \
    "https://localhost:${port[$1]}/" >"$T/req.out" 2>&1
}
check "requests (REQUESTS_CA_BUNDLE): the good root's server verifies" req_get good
req_refused_bc() { ! req_get bc && grep -qF "Basic Constraints of CA cert not marked critical" "$T/req.out" || { tail -2 "$T/req.out" >&2; return 1; }; }
check "requests: bc refused, with strict mode's reason" req_refused_bc
# ssl's default paths honour SSL_CERT_FILE: create_default_context() with no cafile
ssl_get() {
  in_host env SSL_CERT_FILE=/etc/trustform/bundles/sslsvc.pem python3 - "${port[$1]}" >"$T/ssl.out" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context()
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
    with ctx.wrap_socket(s, server_hostname="localhost"):
        print("OK")
PY
}
ssl_refused_bc() { ! ssl_get bc && grep -qF "Basic Constraints of CA cert not marked critical" "$T/ssl.out" || { tail -2 "$T/ssl.out" >&2; return 1; }; }
check "python3 ssl (SSL_CERT_FILE): the good root's server verifies" ssl_get good
check "python3 ssl (SSL_CERT_FILE): bc refused, not critical" ssl_refused_bc

# The venv's own Python decides for the python store.
# The old venv: Debian's own python3 of this machine (scripts/deps.txt), before
# 3.13; the new one: the sid tree's, made inside the tree.
pold=/usr/bin/python3
check "this machine's Debian python3 is before 3.13" "$pold" -c 'import sys; sys.exit(sys.version_info >= (3, 13))'
"$pold" -m venv --without-pip "$H/opt/old/.venv"
in_host python3 -m venv --without-pip /opt/new/.venv
check "the sid tree's venv is Python >= 3.13" in_host /opt/new/.venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 13))'
minor=$(in_host /opt/new/.venv/bin/python -c 'import sys; print(sys.version_info[1])')
for v in old new; do
  site=$(ls -d "$H"/opt/$v/.venv/lib/python3.*/site-packages)
  mkdir -p "$site/certifi"; cp "$H/etc/ssl/certs/ca-certificates.crt" "$site/certifi/cacert.pem"
done
cat >"$C/venv.yaml" <<'YAML'
version: 1
cas:
  bc: { file: cas/bc.pem }
stores:
  old: { type: python, venv: /opt/old/.venv }
  new: { type: python, venv: /opt/new/.venv }
roles:
  node: { cas: [bc], stores: [old, new] }
hosts:
  h: [node]
YAML
expect_rc 1 "venvs: plan is an error (the 3.13 venv)" tf plan -c "$C/venv.yaml" --root "$H" --host h
newname=$(grep -o '^Error: new ([^)]*)' "$T/.out" | head -1 | sed 's/^Error: //')
check "new (3.13): bc refused by strict mode, naming the venv's Python" err_for "$newname" bc \
  "refused by Python 3.13+ (ssl's VERIFY_X509_STRICT), which the venv's Python 3.$minor uses"
check "old (before 3.13): no error" no_err_for "old"
# strict_hs CAFILE PYTHON...: a handshake with bc's server, default context
strict_hs() {
  local ca=$1; shift
  "$@" - "${port[bc]}" "$ca" >"$T/hs.out" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
    with ctx.wrap_socket(s, server_hostname="localhost"):
        print("OK")
PY
}
cp "$C/cas/bc.pem" "$H/tmp/bc.pem"
check "the old venv's Python (before 3.13): bc's server verifies" strict_hs "$C/cas/bc.pem" "$H/opt/old/.venv/bin/python"
hs_refused() { ! strict_hs /tmp/bc.pem in_host /opt/new/.venv/bin/python && grep -qF "Basic Constraints of CA cert not marked critical" "$T/hs.out" || { tail -2 "$T/hs.out" >&2; return 1; }; }
check "the new venv's Python (3.13 or later): bc refused, not critical" hs_refused
done_testing

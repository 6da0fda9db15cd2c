#!/usr/bin/env bash
# The rules of a store's clients, proven against the real client (issue 20
# item 3): Python 3.13+ verifies with OpenSSL's strict mode
# (ssl.VERIFY_X509_STRICT in create_default_context), which refuses a CA whose
# basicConstraints is not critical, that has no keyUsage, or no subject key
# identifier. On the Debian sid tree (Python 3.14):
#   - one CA breaking each rule and one that breaks none, a leaf from each
#     (the leaves themselves strict-clean), an openssl s_server per leaf;
#   - the plan is an error for each rule-breaking CA in the stores Python
#     reads (system: the tree has Python >= 3.13; python: the venv), naming
#     the client, the property and the openssl option; not in a pem-bundle
#     store, and never for the good CA; the plan is never "No changes";
#   - after apply, the tree's python3, ssl.create_default_context(cafile=the
#     tree's system bundle), refuses exactly the leaves of the CAs trustform
#     named, with OpenSSL's reason for the property trustform named, and
#     accepts the good one, and so does requests in the python store's venv
#     (through truststore); the same handshake without VERIFY_X509_STRICT, and
#     the tree's `openssl verify`, accept them all (the rule is strict mode's);
#   - a tree without Python >= 3.13: the system store is no error.
# And OpenSSL's default chain rule: an intermediate configured without its
# root is an error of the system store (openssl s_client, node) and a warning
# of the python and pem-bundle stores; the tree's python3 and curl verify its
# server (partial-chain), its openssl s_client and node refuse it; with the
# root configured too, no error and those verify.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
testhost_up
echo "test host: $(host_versions)"
check "the tree has Python >= 3.13" in_host python3 -c 'import sys; sys.exit(sys.version_info < (3, 13))'

C=$T/cfg; mkdir -p "$C/cas"
# mk_weak_ca NAME SUBJECT OPTIONS...: a root with exactly the extensions given
mk_weak_ca() {
  local base=$C/cas/$1 subj=$2; shift 2
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$base.key" \
    -subj "$subj" -days 365 -addext authorityKeyIdentifier=none "$@" -out "$base.pem" 2>/dev/null
}
mk_ca "$C/cas/good" "/CN=Good Root"
mk_weak_ca bc "/CN=BC Not Critical Root" -addext basicConstraints=CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign
mk_weak_ca ku "/CN=No KeyUsage Root" -addext basicConstraints=critical,CA:TRUE \
  -addext subjectKeyIdentifier=hash
mk_weak_ca ski "/CN=No SKI Root" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -addext subjectKeyIdentifier=none
check "good: the CA has critical basicConstraints, keyUsage and a SKI" bash -c \
  'openssl x509 -in "$1" -noout -text | grep -A1 "Basic Constraints: critical" | grep -q CA:TRUE &&
   openssl x509 -in "$1" -noout -text | grep -q "Subject Key Identifier"' _ "$C/cas/good.pem"
check "bc: basicConstraints not critical" bash -c '! openssl x509 -in "$1" -noout -text | grep -q "Basic Constraints: critical"' _ "$C/cas/bc.pem"
check "ku: no keyUsage" bash -c '! openssl x509 -in "$1" -noout -text | grep -q "Key Usage: critical"' _ "$C/cas/ku.pem"
check "ski: the CA has no SKI" bash -c '! openssl x509 -in "$1" -noout -text | grep -q "Subject Key Identifier"' _ "$C/cas/ski.pem"

# a leaf strict mode itself accepts, so that a refusal is about the CA: SKI,
# and an AKI with a key id (strict mode wants one). Under the CA without a
# SKI the key id is written raw (the hash of the CA's key, what its SKI would
# be): OpenSSL matches an AKI against an issuer's SKI only where it has one.
mk_strict_leaf() {
  local base=$T/$1 ca=$C/cas/$1 aki=authorityKeyIdentifier=keyid
  if ! openssl x509 -in "$ca.pem" -noout -text | grep -q "Subject Key Identifier"; then
    aki="2.5.29.35=DER:30:16:80:14:$(openssl x509 -in "$ca.pem" -noout -pubkey |
      openssl pkey -pubin -outform DER | sha1sum | cut -c1-40 | sed 's/../&:/g; s/:$//')"
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$base.key" \
    -subj /CN=localhost -out "$base.csr" 2>/dev/null
  printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' \
    'subjectKeyIdentifier=hash' "$aki" >"$base.ext"
  openssl x509 -req -in "$base.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
    -days 30 -extfile "$base.ext" -out "$base.pem" 2>/dev/null
}
declare -A port
for n in good bc ku ski; do
  mk_strict_leaf "$n"
  port[$n]=$(free_port); start_tls_server "$T/$n" "${port[$n]}"
done

in_host python3 -m venv --system-site-packages /opt/app/.venv
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  good: { file: cas/good.pem }
  bc: { file: cas/bc.pem }
  ku: { file: cas/ku.pem }
  ski: { file: cas/ski.pem }
stores:
  system: { type: system }
  app: { type: python, venv: /opt/app/.venv, mode: truststore }
  bundle: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  node: { cas: [good, bc, ku, ski], stores: [system, app, bundle] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$H" --host h)

# err_says STORE CA TEXT...: the plan's error for that store about that CA
# says each TEXT
err_says() {
  local store=$1 ca=$2 line t; shift 2
  line=$(grep -F "Error: $store: " "$T/.out" | grep -F "CA \"$ca\" (cas/$ca.pem)") ||
    { echo "  no error for $store, $ca" >&2; return 1; }
  for t in "$@"; do
    grep -qF -- "$t" <<<"$line" || { echo "  lacks: $t: $line" >&2; return 1; }
  done
}
no_err() { ! grep -F "Error: $1: " "$T/.out" | grep -qF "${2:-}"; }
expect_rc 1 "plan: an error (stores that will not take effect)" tf plan "${args[@]}"
check "plan: never 'No changes.'" bash -c '! grep -q "No changes\." "$1"' _ "$T/.out"
py=$(ls "$H/usr/bin" | grep -E '^python3\.[0-9]+$' | sort -V | tail -1)
for store in "system (debian)" "app (python truststore)"; do
  check "$store: bc: basicConstraints not critical" err_says "$store" bc \
    "basicConstraints is not marked critical" "-addext 'basicConstraints=critical,CA:TRUE'"
  check "$store: ku: no keyUsage" err_says "$store" ku \
    "no keyUsage extension" "-addext 'keyUsage=critical,keyCertSign,cRLSign'"
  check "$store: ski: no SKI" err_says "$store" ski \
    "no subject key identifier" "-addext 'subjectKeyIdentifier=hash'"
  check "$store: names the client" err_says "$store" bc "refused by Python 3.13+ (ssl's VERIFY_X509_STRICT)"
  check "$store: nothing about good" no_err "$store" 'CA "good"'
done
check "system: names the tree's Python ($py)" err_says "system (debian)" bc "this host's Python ${py#python} (/usr/bin/$py)"
check "the error names the config file and the CA's line" err_says "system (debian)" bc "$C/trust.yaml:4:"
check "bundle: not Python's: no error" no_err "bundle (pem-bundle)"
expect_rc 1 "plan --json" tf plan "${args[@]}" --json
check "JSON: the stores' errors" out_has "VERIFY_X509_STRICT"

expect_rc 1 "apply: the steps are carried out, the stores still an error" tf apply "${args[@]}" --auto-approve
check "apply: says the CA will not take effect" out_has 'trust will not take effect'

# hs CA [lax]: the tree's python3 handshakes with CA's server, verifying with
# the tree's system bundle as create_default_context makes it
hs() {
  in_host python3 - "${port[$1]}" "${2:-}" >"$T/hs.out" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile="/etc/ssl/certs/ca-certificates.crt")
assert ctx.verify_flags & ssl.VERIFY_X509_STRICT, "not strict by default"
if sys.argv[2] == "lax":
    ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
        with ctx.wrap_socket(s, server_hostname="localhost"):
            print("OK")
except ssl.SSLCertVerificationError as e:
    print("REFUSED:", e.verify_message)
    sys.exit(1)
PY
}
refused_for() { ! hs "$1" && grep -qF "REFUSED: $2" "$T/hs.out" || { sed 's/^/  hs: /' "$T/hs.out" >&2; return 1; }; }
check "python: the good CA's server verifies" hs good
check "python: bc refused: not critical" refused_for bc "Basic Constraints of CA cert not marked critical"
check "python: ku refused: no key usage" refused_for ku "CA cert does not include key usage extension"
check "python: ski refused: no SKI" refused_for ski "Missing Subject Key Identifier"
# the python store's own client: requests in the venv, through truststore
venv_get() {
  in_host /opt/app/.venv/bin/python -c 'import sys, requests; requests.get(sys.argv[1], timeout=30); print("GOT")' \
    "https://localhost:${port[$1]}/" >"$T/venv.out" 2>&1
}
venv_refused() { ! venv_get "$1" && grep -qF "$2" "$T/venv.out" || { tail -3 "$T/venv.out" | sed 's/^/  venv: /' >&2; return 1; }; }
check "venv requests (truststore): the good CA's server verifies" venv_get good
check "venv requests (truststore): bc refused: not critical" venv_refused bc "Basic Constraints of CA cert not marked critical"
check "venv requests (truststore): ku refused: no key usage" venv_refused ku "CA cert does not include key usage extension"
check "venv requests (truststore): ski refused: no SKI" venv_refused ski "Missing Subject Key Identifier"
for n in bc ku ski; do
  check "python without VERIFY_X509_STRICT: $n verifies (the rule is strict mode's)" hs "$n" lax
  check "the tree's openssl verify (no strict): $n's leaf verifies" \
    in_host openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt /dev/stdin <"$T/$n.pem"
done

# The fixed CA: reissued with the options the error names, same key and
# subject; the old leaf verifies under it and the error is gone.
openssl req -x509 -new -key "$C/cas/bc.key" -subj "/CN=BC Not Critical Root" -days 365 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -addext subjectKeyIdentifier=hash -addext authorityKeyIdentifier=none -out "$C/cas/bc.pem" 2>/dev/null
expect_rc 1 "apply with bc reissued" tf apply "${args[@]}" --auto-approve
check "bc reissued: no error for it" bash -c '! grep -F "CA \"bc\"" "$1" | grep -q "will not take effect"' _ "$T/.out"
check "python: bc's old leaf verifies under the reissued CA" hs bc

# OpenSSL's default chain rule: an intermediate (a strict-clean one, issued
# by the good root) configured without its root. Python 3.14 takes it as an
# anchor (VERIFY_X509_PARTIAL_CHAIN), and so does the tree's curl (partial-chain
# by default since 7.68); its openssl s_client and node refuse it.
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/cas/inter.key" \
  -subj "/CN=Corp Issuing" -out "$T/inter.csr" 2>/dev/null
printf '%s\n' 'basicConstraints=critical,CA:TRUE' 'keyUsage=critical,keyCertSign,cRLSign' \
  'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' >"$T/inter.ext"
openssl x509 -req -in "$T/inter.csr" -CA "$C/cas/good.pem" -CAkey "$C/cas/good.key" -CAcreateserial \
  -days 365 -extfile "$T/inter.ext" -out "$C/cas/inter.pem" 2>/dev/null
mk_strict_leaf inter
port[inter]=$(free_port); start_tls_server "$T/inter" "${port[inter]}"
cat >"$C/inter.yaml" <<'YAML'
version: 1
cas:
  inter: { file: cas/inter.pem }
stores:
  system: { type: system }
  app: { type: python, venv: /opt/app/.venv, mode: truststore }
  bundle: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  node: { cas: [inter], stores: [system, app, bundle] }
hosts:
  h: [node]
YAML
iargs=(-c "$C/inter.yaml" --root "$H" --host h)
expect_rc 1 "intermediate alone: plan is an error" tf plan "${iargs[@]}"
check "system: an error naming the clients that refuse it and those that take it" err_says "system (debian)" inter \
  "is an intermediate, issued by \"CN=Good Root\", whose root this store does not hold" \
  "its clients without partial-chain (openssl s_client and verify, Node.js, Python before 3.13) refuse" \
  "while curl (partial-chain by default) and this host's Python ${py#python} (/usr/bin/$py, ssl's VERIFY_X509_PARTIAL_CHAIN) take it" \
  "trust the root that issued it"
check "app: a warning, not an error" bash -c 'grep -F "Note: app (python truststore): warning: " "$1" | grep -qF "CA \"inter\""' _ "$T/.out"
check "bundle: a warning, not an error" bash -c 'grep -F "Note: bundle (pem-bundle): warning: " "$1" | grep -qF "CA \"inter\""' _ "$T/.out"
check "app, bundle: no error" bash -c '! grep -E "^Error: (app|bundle)" "$1"' _ "$T/.out"
expect_rc 1 "intermediate alone: apply (the steps done, system still an error)" tf apply "${iargs[@]}" --auto-approve
check "python (partial-chain): the intermediate's server verifies" hs inter
curl_inter() { in_host curl -sS -o /dev/null --cacert /etc/ssl/certs/ca-certificates.crt "https://localhost:${port[inter]}/" 2>"$T/curl.err"; }
check "curl (partial-chain by default): the intermediate's server verifies" curl_inter
check "venv requests (Python 3.14, truststore): the intermediate's server verifies (a warning there, not an error)" venv_get inter
sclient_refused() {
  in_host openssl s_client -connect "127.0.0.1:${port[inter]}" -servername localhost \
    -verify_return_error -CAfile /etc/ssl/certs/ca-certificates.crt </dev/null >"$T/sc.out" 2>&1 && return 1
  grep -q 'unable to get issuer certificate' "$T/sc.out" || { sed 's/^/  s_client: /' "$T/sc.out" >&2; return 1; }
}
sclient_ok() {
  in_host openssl s_client -connect "127.0.0.1:${port[inter]}" -servername localhost \
    -verify_return_error -CAfile /etc/ssl/certs/ca-certificates.crt </dev/null >"$T/sc.out" 2>&1 ||
    { sed 's/^/  s_client: /' "$T/sc.out" >&2; return 1; }
}
check "openssl s_client (no partial-chain): refused, as trustform said" sclient_refused
node_get() {
  in_host node -e '
const https = require("https"), fs = require("fs");
https.get({host: "127.0.0.1", servername: "localhost", port: +process.argv[1], path: "/",
           ca: fs.readFileSync("/etc/ssl/certs/ca-certificates.crt")},
  (r) => { console.log("OK"); process.exit(0); })
  .on("error", (e) => { console.log("REFUSED:", e.code); process.exit(1); });' "${port[inter]}" >"$T/node.out" 2>&1
}
node_refused() { ! node_get && grep -q 'REFUSED: UNABLE_TO_GET_ISSUER_CERT' "$T/node.out" || { sed 's/^/  node: /' "$T/node.out" >&2; return 1; }; }
check "node (no partial-chain): refused, as trustform said" node_refused
# with the root configured too, the chain forms: no error, and curl verifies
sed -i 's/^  inter: { file: cas\/inter.pem }/&\n  good: { file: cas\/good.pem }/; s/cas: \[inter\]/cas: [inter, good]/' "$C/inter.yaml"
expect_rc 0 "intermediate with its root: apply, no error" tf apply "${iargs[@]}" --auto-approve
check "  nothing about inter" bash -c '! grep -F "CA \"inter\"" "$1" | grep -q "intermediate"' _ "$T/.out"
check "openssl s_client: the intermediate's server verifies with the root trusted" sclient_ok
check "node: the intermediate's server verifies with the root trusted" node_get
expect_rc 0 "plan: clean" tf plan "${iargs[@]}" --detailed-exitcode
check "  No changes." out_has 'No changes.'

# Without Python >= 3.13 in the tree, the system store's clients are not strict.
sed '/^  app:\|^  bundle:/d; s/stores: \[system, app, bundle\]/stores: [system]/' "$C/trust.yaml" >"$C/sys.yaml"
expect_rc 1 "system alone, Python 3.14 in the tree: apply is an error" tf apply -c "$C/sys.yaml" --root "$H" --host h --auto-approve
check "  for ku" out_has 'CA "ku" (cas/ku.pem) is refused by Python 3.13+'
rm -f "$H"/usr/bin/python3.1[3-9]
expect_rc 0 "plan: system alone, no Python >= 3.13: no error" tf plan -c "$C/sys.yaml" --root "$H" --host h --detailed-exitcode
check "  and no change" out_has 'No changes.'

done_testing

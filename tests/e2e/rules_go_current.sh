#!/usr/bin/env bash
# The Go rules that Debian 12's Go (1.19, e2e/rules/go) cannot show, proven
# with Debian sid's golang (issue 20 item 3), in a sid tree holding it
# (testhost_up sid DIR golang-go ca-certificates; built once, cached):
#   - Go 1.23 and later refuse to parse a certificate with a negative serial
#     number ("x509: negative serial number"), so a root with one is left out
#     of Go's pool: its servers are "signed by unknown authority";
#   - Go 1.24 and later refuse an RSA key under 1024 bits (crypto/rsa: "1000-bit
#     keys are insecure"), so nothing a 1000-bit root signed verifies.
# The plan is an error for each such root in the stores Go reads (the system
# store; a systemd-env store setting SSL_CERT_FILE), naming Go, the property,
# the Go release that began refusing it and the fix; none in a store only
# Node.js reads, none for a sound root. After apply, a Go client built here
# with sid's Go (tests/fixtures/go/tlsclient.go), verifying through the
# store's bundle, refuses those roots' servers (127.0.0.1 openssl s_server)
# and verifies the sound one's; the same client with the GODEBUG setting that
# lifts each rule verifies it (the refusal is that rule's), and so does the
# host's curl, through the tree's bundle, for the negative serial (the rule is Go's alone). The root
# reissued with the fix the error names: no error, and Go verifies its old
# leaf.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
. "$(dirname "$0")/../lib/rules.sh"
testhost_up sid "$T/host" golang-go ca-certificates
echo "test host: $(host_versions)"
gover=$(in_host go env GOVERSION 2>"$T/gover.err") ||
  { fail "sid's go does not run in the tree: $(cat "$T/gover.err")"; done_testing; exit 1; }
echo "peer: $gover (Debian sid's golang-go $(host_version golang-go))"
minor=$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$gover")
[ "${minor:-0}" -ge 24 ] ||
  { fail "sid's Go is $gover: these rules need Go 1.24 or later"; done_testing; exit 1; }

# The Go client, built in the tree with its own Go (no network: GOPROXY=off,
# GOTOOLCHAIN=local, standard library only).
mkdir -p "$H/opt/goclient"
cp "$TESTS_DIR/fixtures/go/tlsclient.go" "$H/opt/goclient/"
in_host env GOCACHE=/tmp/gocache GOPATH=/tmp/gopath GOTOOLCHAIN=local GOPROXY=off GOFLAGS= \
  CGO_ENABLED=0 HOME=/root sh -c 'cd /opt/goclient && go build -o /usr/local/bin/tlsclient tlsclient.go' \
  >"$T/gobuild.out" 2>&1 ||
  { fail "could not build the Go client with $gover: $(cat "$T/gobuild.out")"; done_testing; exit 1; }

C=$T/cfg; mkdir -p "$C/cas"
rule_root "$C/cas/good" "/CN=Good Root" ec
rule_root "$C/cas/negserial" "/CN=Negative Serial Root" ec -set_serial -4660
rule_root "$C/cas/rsa1000" "/CN=RSA 1000 Root" rsa:1000
check "negserial: its serial is negative" bash -c \
  'openssl x509 -in "$1" -noout -serial | grep -q "^serial=-"' _ "$C/cas/negserial.pem"
check "rsa1000: a 1000-bit RSA key" bash -c \
  'openssl x509 -in "$1" -noout -text | grep -q "Public-Key: (1000 bit)"' _ "$C/cas/rsa1000.pem"
rule_servers good negserial rsa1000

cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  good: { file: cas/good.pem }
  negserial: { file: cas/negserial.pem }
  rsa1000: { file: cas/rsa1000.pem }
stores:
  system: { type: system }
  gosvc: { type: systemd-env, unit: gosvc.service, env: [SSL_CERT_FILE] }
  nodesvc: { type: systemd-env, unit: nodesvc.service, env: [NODE_EXTRA_CA_CERTS] }
roles:
  node: { cas: [good, negserial, rsa1000], stores: [system, gosvc, nodesvc] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$H" --host h)

expect_rc 1 "plan: an error (Go refuses two roots)" tf plan "${args[@]}"
sysname=$(grep -o '^Error: system ([a-z]*)' "$T/.out" | head -1 | sed 's/^Error: //')
gosvc=$(grep -o '^Error: gosvc ([^)]*)' "$T/.out" | head -1 | sed 's/^Error: //')
check "plan: the system store is an error" test -n "$sysname"
check "plan: gosvc is an error" test -n "$gosvc"
for store in "$sysname" "$gosvc"; do
  check "$store: negserial: Go, the negative serial, Go 1.23, the fix" err_for "$store" negserial \
    "refused by Go's crypto/x509" "a negative serial number" "Go 1.23 and later" \
    "x509: negative serial number" "x509: certificate signed by unknown authority" "-set_serial 0x"
  check "$store: rsa1000: Go, the 1000-bit key, Go 1.24, the fix" err_for "$store" rsa1000 \
    "refused by Go's crypto/x509" "a 1000-bit RSA key, which Go 1.24 and later refuse" \
    "crypto/rsa: 1000-bit keys are insecure" "-newkey rsa:3072"
  check "$store: nothing about good" no_err_for "$store" 'CA "good"'
done
check "the system store's error says Go reads the system bundle" \
  err_for "$sysname" negserial "reads this store (the system bundle)"
check "gosvc's error names the variable Go reads" err_for "$gosvc" negserial "reads this store (SSL_CERT_FILE)"
check "nodesvc (Node.js only): nothing of Go's" bash -c '! grep -F "Error: nodesvc" "$1" | grep -qF "Go'"'"'s"' _ "$T/.out"
expect_rc 1 "plan --json" tf plan "${args[@]}" --json
check "JSON: gosvc's store is an error naming Go's negative-serial rule" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
hits = [s for s in d.get("stores", []) if "gosvc" in json.dumps(s) and "Go 1.23 and later" in json.dumps(s)]
sys.exit(0 if hits else 1)' "$T/.out"

expect_rc 1 "apply: the steps done, Go's stores still an error" tf apply "${args[@]}" --auto-approve
check "apply: says the trust will not take effect" out_has 'trust will not take effect'
bundle=/etc/ssl/certs/ca-certificates.crt
gobundle=/etc/trustform/bundles/gosvc.pem
check "apply wrote the system bundle" test -s "$H$bundle"
check "apply wrote gosvc's bundle" test -s "$H$gobundle"
for n in negserial rsa1000; do
  check "the system bundle holds $n after apply" grep -qF "$(sed -n 2p "$C/cas/$n.pem")" "$H$bundle"
  check "gosvc's bundle holds $n after apply" grep -qF "$(sed -n 2p "$C/cas/$n.pem")" "$H$gobundle"
done

# goget BUNDLE CA [GODEBUG]: sid's Go client, in the tree, through
# SSL_CERT_FILE=BUNDLE, to CA's server
goget() {
  in_host env SSL_CERT_FILE="$1" SSL_CERT_DIR=/nonexistent GODEBUG="${3:-}" \
    /usr/local/bin/tlsclient "127.0.0.1:${port[$2]}" localhost >"$T/go.out" 2>&1 ||
    { sed 's/^/  go: /' "$T/go.out" >&2; return 1; }
}
go_refused() {
  ! goget "$1" "$2" 2>/dev/null && grep '^REFUSED: ' "$T/go.out" | grep -qF -- "$3" ||
    { sed 's/^/  go: /' "$T/go.out" >&2; return 1; }
}
for b in "$bundle" "$gobundle"; do
  w=$(basename "$b")
  check "Go ($w): the good root's server verifies" goget "$b" good
  check "Go ($w): negserial refused: unknown authority" go_refused "$b" negserial \
    "x509: certificate signed by unknown authority"
  check "Go ($w): rsa1000 refused: 1000-bit keys are insecure, as trustform quoted" go_refused "$b" rsa1000 \
    "x509: certificate signed by unknown authority (possibly because of \"crypto/rsa: 1000-bit keys are insecure"
  check "Go ($w), GODEBUG=x509negativeserial=1: negserial verifies (the rule is the serial's)" \
    goget "$b" negserial x509negativeserial=1
  check "Go ($w), GODEBUG=rsa1024min=0: rsa1000 verifies (the rule is the key size's)" \
    goget "$b" rsa1000 rsa1024min=0
done
curl_ok() {
  curl -sS -o /dev/null --cacert "$H$bundle" "https://localhost:${port[$1]}/" 2>"$T/curl.err" ||
    { sed 's/^/  curl: /' "$T/curl.err" >&2; return 1; }
}
check "curl, the same bundle: negserial verifies (the rule is Go's)" curl_ok negserial

# The fix the error names: negserial reissued with a positive serial, same key
# and subject; its old leaf verifies with Go and the error is gone.
openssl req -x509 -new -key "$C/cas/negserial.key" -subj "/CN=Negative Serial Root" -days 365 \
  -sha256 -set_serial "0x$(openssl rand -hex 16)" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -addext subjectKeyIdentifier=hash \
  -out "$C/cas/negserial.pem" 2>/dev/null
expect_rc 1 "apply with negserial reissued (rsa1000 still an error)" tf apply "${args[@]}" --auto-approve
check "negserial reissued: no error for it" bash -c '! grep -F "CA \"negserial\"" "$1" | grep -q "refused by"' _ "$T/.out"
check "Go: negserial's old leaf verifies under the reissued root" goget "$bundle" negserial

done_testing

#!/usr/bin/env bash
# Go's crypto/x509 rules (issue 20 item 3), proven with Debian's golang: a Go
# client (tests/fixtures/go/tlsclient.go, built here) verifies through Go's
# system roots, pointed by SSL_CERT_FILE at the bundle a store wrote.
#   - a root with a critical nameConstraints holding a directoryName subtree
#     (OpenSSL handles it; Go: "unhandled critical extension");
#   - a root with a critical policyConstraints (Go before 1.24: the same);
#   - a root whose extendedKeyUsage lacks serverAuth (Go: "incompatible key
#     usage"; OpenSSL refuses it too);
#   - a root that breaks none.
# The plan is an error for each rule-breaking root in the stores Go reads (the
# system store; a systemd-env store setting SSL_CERT_FILE), naming Go, the
# property and the openssl option; none in a store only Node.js reads
# (NODE_EXTRA_CA_CERTS) nor in a java store; none for the good root. After
# apply the Go client refuses exactly those roots' servers, with the error
# trustform quoted, and accepts the good one; curl, through the same system
# bundle, accepts the two roots whose rule is Go's alone.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/system.sh"
. "$(dirname "$0")/../lib/rules.sh"

command -v go >/dev/null || { echo "go is not installed (golang-go, scripts/deps.txt)" >&2; exit 1; }
echo "peer: $(go version)"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/trustform-tests/go
mkdir -p "$cache"
GOCACHE=$cache GOFLAGS=-mod=mod GO111MODULE=off go build -o "$T/tlsclient" "$TESTS_DIR/fixtures/go/tlsclient.go" ||
  { echo "could not build the Go client" >&2; exit 1; }

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
printf '[req]\ndistinguished_name=dn\n[dn]\n[nc]\nO=Allowed\n' >"$T/nc.cnf"
rule_root "$C/cas/good" "/CN=Good Root" ec
rule_root "$C/cas/ncdir" "/CN=DirName NC Root" ec -config "$T/nc.cnf" \
  -addext 'nameConstraints=critical,permitted;dirName:nc'
rule_root "$C/cas/polc" "/CN=Policy Constraints Root" ec \
  -addext 'policyConstraints=critical,inhibitPolicyMapping:0'
rule_root "$C/cas/eku" "/CN=Client Auth Root" ec -addext extendedKeyUsage=clientAuth
rule_servers good ncdir polc eku

cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  good: { file: cas/good.pem }
  ncdir: { file: cas/ncdir.pem }
  polc: { file: cas/polc.pem }
  eku: { file: cas/eku.pem }
stores:
  system: { type: system }
  gosvc: { type: systemd-env, unit: gosvc.service, env: [SSL_CERT_FILE] }
  nodesvc: { type: systemd-env, unit: nodesvc.service, env: [NODE_EXTRA_CA_CERTS] }
  jtrust: { type: java, path: /opt/app/trust.p12, password: changeit }
roles:
  node: { cas: [good, ncdir, polc, eku], stores: [system, gosvc, nodesvc, jtrust] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)

expect_rc 1 "plan: an error (Go refuses three roots)" tf plan "${args[@]}"
sysname=$(grep -o '^Error: system ([a-z]*)' "$T/.out" | head -1 | sed 's/^Error: //')
gosvc=$(grep -o '^Error: gosvc ([^)]*)' "$T/.out" | head -1 | sed 's/^Error: //')
for store in "$sysname" "$gosvc"; do
  check "$store: ncdir: Go, the directoryName subtree, the fix" err_for "$store" ncdir \
    "refused by Go's crypto/x509" "a critical nameConstraints with a subtree other than DNS, IP, email or URI" \
    "x509: unhandled critical extension" "-addext 'nameConstraints=critical,permitted;DNS:example.com'"
  check "$store: polc: Go, policyConstraints" err_for "$store" polc \
    "refused by Go's crypto/x509" "policyConstraints" "Go before 1.24" "x509: unhandled critical extension"
  check "$store: eku: Go, extendedKeyUsage" err_for "$store" eku \
    "refused by Go's crypto/x509" "an extendedKeyUsage without serverAuth" \
    "x509: certificate specifies an incompatible key usage" "-addext 'extendedKeyUsage=serverAuth,clientAuth'"
  check "$store: nothing about good" no_err_for "$store" 'CA "good"'
done
check "the system store's error says Go reads the system bundle" err_for "$sysname" ncdir "reads this store (the system bundle)"
check "gosvc's error names the variable Go reads" err_for "$gosvc" ncdir "reads this store (SSL_CERT_FILE)"
check "the error names the config file and the CA's line" err_for "$sysname" ncdir "$C/trust.yaml:4:"
check "nodesvc (Node.js only): no error" no_err_for "nodesvc"
check "jtrust (Java): no error" no_err_for "jtrust"
check "plan: never 'No changes.'" bash -c '! grep -q "No changes\." "$1"' _ "$T/.out"
expect_rc 1 "plan --json" tf plan "${args[@]}" --json
check "JSON: gosvc's store is an error naming Go" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
hits = [s for s in d.get("stores", []) if "gosvc" in json.dumps(s) and "x509: unhandled critical extension" in json.dumps(s)]
sys.exit(0 if hits else 1)' "$T/.out"

expect_rc 1 "apply: the steps done, Go's stores still an error" tf apply "${args[@]}" --auto-approve
bundle=$R/etc/ssl/certs/ca-certificates.crt
gobundle=$R/etc/trustform/bundles/gosvc.pem
check "apply wrote the system bundle" test -s "$bundle"
check "apply wrote gosvc's bundle" test -s "$gobundle"

# goget BUNDLE CA: the Go client through SSL_CERT_FILE=BUNDLE to CA's server
goget() {
  run_go() { env -i PATH=/usr/bin:/bin HOME="$T" SSL_CERT_FILE="$1" SSL_CERT_DIR=/nonexistent "$T/tlsclient" "127.0.0.1:$2" localhost; }
  run_go "$1" "${port[$2]}" >"$T/go.out" 2>&1 || { sed 's/^/  go: /' "$T/go.out" >&2; return 1; }
}
go_refused() { ! goget "$1" "$2" 2>/dev/null && grep -qF "REFUSED: $3" "$T/go.out" || { sed 's/^/  go: /' "$T/go.out" >&2; return 1; }; }
for b in "$bundle" "$gobundle"; do
  w=$(basename "$b")
  check "Go ($w): the good root's server verifies" goget "$b" good
  check "Go ($w): ncdir refused: unhandled critical extension" go_refused "$b" ncdir "x509: unhandled critical extension"
  check "Go ($w): polc refused: unhandled critical extension" go_refused "$b" polc "x509: unhandled critical extension"
  check "Go ($w): eku refused: incompatible key usage" go_refused "$b" eku "x509: certificate specifies an incompatible key usage"
done
curl_ok() { curl -sS -o /dev/null --cacert "$bundle" "https://localhost:${port[$1]}/" 2>"$T/curl.err" || { sed 's/^/  curl: /' "$T/curl.err" >&2; return 1; }; }
check "curl, the same bundle: ncdir verifies (the rule is Go's)" curl_ok ncdir
check "curl, the same bundle: polc verifies (the rule is Go's)" curl_ok polc
curl_refused() { ! curl -sS -o /dev/null --cacert "$bundle" "https://localhost:${port[$1]}/" 2>"$T/curl.err" && grep -qF "$2" "$T/curl.err"; }
check "curl, the same bundle: eku refused (OpenSSL's rule too)" curl_refused eku "unsuitable certificate purpose"

# The fix the error names: ncdir reissued with a DNS subtree (same key and
# subject); the old leaf verifies with Go and the error is gone.
openssl req -x509 -new -key "$C/cas/ncdir.key" -subj "/CN=DirName NC Root" -days 365 -sha256 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -addext subjectKeyIdentifier=hash -addext 'nameConstraints=critical,permitted;DNS:localhost' \
  -out "$C/cas/ncdir.pem" 2>/dev/null
expect_rc 1 "apply with ncdir reissued" tf apply "${args[@]}" --auto-approve
check "ncdir reissued: no error for it" bash -c '! grep -F "CA \"ncdir\"" "$1" | grep -q "refused by"' _ "$T/.out"
check "Go: ncdir's old leaf verifies under the reissued root" goget "$bundle" ncdir

done_testing

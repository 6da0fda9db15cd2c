#!/usr/bin/env bash
# trustform check (and the plan's endpoint section): real TLS servers on
# 127.0.0.1 (openssl s_server, Python's https server for a Date: header, a
# socket that never answers), each serving one way to be refused; every case
# asserts the exact cause, the fix and the exit code. The store is judged as it
# will be after apply: the bundle is empty until apply adds the root.
. "$(dirname "$0")/../lib/common.sh"

pki() { /usr/bin/python3 "$TESTS_DIR/lib/check_pki.py" "$@"; }
# srv MODE PORT ...: a peer of check_servers.py, accepting when this returns
srv() {
  /usr/bin/python3 "$TESTS_DIR/lib/check_servers.py" "$@" >/dev/null 2>&1 </dev/null &
  local pid=$!
  server_started "$pid"
  wait_accepting "$2" "$pid"
}
# serve BASE PORT [CHAIN]: openssl s_server with the leaf (and the chain it sends)
serve() {
  local extra=(); [ -z "${3:-}" ] || extra=(-cert_chain "$3")
  start_tls_server "$1" "$2" "${extra[@]}"
}

R=$T/root; mk_root "$R"
C=$T/cfg; P=$T/pki; mkdir -p "$C/cas" "$P"
pki "$P/root" "Check Corp Root" --ca --days-to 3650
pki "$P/inter" "Check Corp Issuing CA" --ca --issuer "$P/root" --days-to 1000
pki "$P/stranger" "Stranger Root" --ca --days-to 3650
cp "$P/root.pem" "$C/cas/root.pem"; cp "$P/inter.pem" "$C/cas/inter.pem"
# Caddy after a partial PKI reset: a new root of the same name (in the config),
# while the server still sends the intermediate of the old one
pki "$P/caddy-old" "Caddy Local Authority - 2024 ECC Root" --ca --days-to 3650
pki "$P/caddy-new" "Caddy Local Authority - 2024 ECC Root" --ca --days-to 3650
pki "$P/caddy-inter" "Caddy Local Authority - ECC Intermediate" --ca --issuer "$P/caddy-old" --days-to 7
cp "$P/caddy-new.pem" "$C/cas/caddy.pem"

SAN=DNS:localhost,IP:127.0.0.1
pki "$P/good" localhost --issuer "$P/inter" --san "$SAN"
cat "$P/good.pem" "$P/inter.pem" >"$P/good-chain.pem"
pki "$P/other" other --issuer "$P/root" --san DNS:other.internal
pki "$P/noip" localhost --issuer "$P/root" --san DNS:localhost
pki "$P/cnonly" localhost --issuer "$P/root"
pki "$P/expired" localhost --issuer "$P/root" --san "$SAN" --days-from -30 --days-to -1
pki "$P/future" localhost --issuer "$P/root" --san "$SAN" --days-from 2 --days-to 30
pki "$P/self" localhost --san "$SAN"
pki "$P/strange" localhost --issuer "$P/stranger" --san "$SAN"
pki "$P/caddy-leaf" localhost --issuer "$P/caddy-inter" --san "$SAN"

p_good=$(free_port); srv https "$p_good" "$P/good-chain.pem" "$P/good.key"
p_noint=$(free_port); serve "$P/good" "$p_noint"
p_san=$(free_port); serve "$P/other" "$p_san"
p_noip=$(free_port); serve "$P/noip" "$p_noip"
p_cn=$(free_port); serve "$P/cnonly" "$p_cn"
p_exp=$(free_port); srv https "$p_exp" "$P/expired.pem" "$P/expired.key"
p_fut=$(free_port); serve "$P/future" "$p_fut"
p_self=$(free_port); serve "$P/self" "$p_self"
p_str=$(free_port); serve "$P/strange" "$p_str"
p_caddy=$(free_port); serve "$P/caddy-leaf" "$p_caddy" "$P/caddy-inter.pem"
p_hung=$(free_port); srv silent "$p_hung"

cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp-root: { file: cas/root.pem }
  corp-inter: { file: cas/inter.pem }
  caddy-local: { file: cas/caddy.pem }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
  edge-bundle: { type: pem-bundle, path: /etc/edge/ca.pem }
roles:
  runner:
    cas: [corp-root, caddy-local]
    stores: [app]
    connects_to:
      - https://localhost:$p_good
      - url: https://127.0.0.1:$p_good
        sni: localhost
        stores: [app]
  edge: { cas: [corp-inter], stores: [edge-bundle] }
hosts:
  h: [runner]
  e: [edge]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
chk() { tf check "${args[@]}" --no-color "$@"; }

# 1. a good chain: trusted after apply (the bundle does not hold the root yet)
expect_rc 0 "good chain: exit 0" chk
check "good chain: trusted by the store after apply" out_has "✓ https://localhost:$p_good: trusted by every store (127.0.0.1:$p_good, 2 certificates sent"
check "good chain: per store" out_has "ok   app: trusted"
check "summary" out_has "Check: 2 of 2 endpoints trusted, 0 would fail, 0 could not be checked."

# 2. the server sends no intermediate, which the configuration holds
expect_rc 2 "missing intermediate: exit 2" chk "https://localhost:$p_noint"
check "missing intermediate: cause" out_has 'FAIL app: the server does not send its intermediate: CN=localhost is issued by CN=Check Corp Issuing CA, which is CA "corp-inter" of the configuration, an intermediate'
check "missing intermediate: fix" out_has 'fix: trust the root (CA "corp-root"), and make the server send its chain (leaf, then intermediate "corp-inter")'

# 3. the host name is not in the SANs (they are listed)
expect_rc 2 "wrong SAN: exit 2" chk "https://localhost:$p_san"
check "wrong SAN: cause" out_has "the host name localhost is not in the certificate's names (DNS:other.internal)"
check "wrong SAN: fix" out_has "fix: issue the certificate for localhost, or dial a name it holds"

# 4. an IP address without an IP SAN
expect_rc 2 "IP without IP SAN: exit 2" chk "https://127.0.0.1:$p_noip"
check "IP without IP SAN: cause" out_has "the IP address 127.0.0.1 is not in the certificate's names (DNS:localhost)"
check "IP without IP SAN: fix" out_has "fix: issue the certificate with IP:127.0.0.1 in its subjectAltName"

# 4b. the name only in the subject's CN (no subjectAltName): browsers, Go and
# Python refuse it, so the check does too
expect_rc 2 "CN only: exit 2" chk "https://localhost:$p_cn"
check "CN only: a name mismatch" out_has "the host name localhost is not in the certificate's names"
check "CN only: openssl's own default would accept it (the case is real)" \
  bash -c "openssl s_client -connect 127.0.0.1:$p_cn -servername localhost -verify_hostname localhost -CAfile '$P/root.pem' </dev/null 2>&1 | grep 'Verify return code: 0 (ok)' >/dev/null"

# 5. an expired leaf, with both clocks (the server's Date: over HTTP)
expect_rc 2 "expired: exit 2" chk "https://localhost:$p_exp"
check "expired: both clocks" out_has "FAIL app: CN=localhost expired at "
check "expired: our clock and the server's" grep -q "; our clock says .*, the server's Date: says " "$T/.out"
check "expired: fix" out_has "fix: renew the certificate: both clocks agree it expired"

# 6. not yet valid; and a skewed clock (TRUSTFORM_NOW) against a good certificate
expect_rc 2 "not yet valid: exit 2" chk "https://localhost:$p_fut"
check "not yet valid: cause" out_has "FAIL app: CN=localhost is not valid before "
check "not yet valid: no Date: from a bare TLS server, one clock" out_has "fix: check this host's clock (NTP), or reissue with an earlier start"
expect_rc 2 "skewed clock: exit 2" env TRUSTFORM_NOW=$(( $(date +%s) + 90 * 86400 )) \
  "$TRUSTFORM" check "${args[@]}" --no-color "https://localhost:$p_good"
check "skewed clock: told from a stale certificate" out_has "fix: the clocks disagree: set this host's clock right (NTP); the certificate is valid by the server's clock"

# 7. a self-signed leaf
expect_rc 2 "self-signed: exit 2" chk "https://localhost:$p_self"
check "self-signed: cause" out_has "the server sends a self-signed certificate (CN=localhost) that this store does not trust"

# 8. a chain from a root the configuration does not hold
expect_rc 2 "unknown root: exit 2" chk "https://localhost:$p_str"
check "unknown root: cause" out_has "unknown authority: CN=localhost is issued by CN=Stranger Root, which the server does not send and this store does not trust"
check "unknown root: no CA of the configuration fixes it" out_has "fix: no CA in the configuration is CN=Stranger Root"

# 9. Caddy after a partial PKI reset: the old intermediate, the new root
expect_rc 2 "old intermediate: exit 2" chk "https://localhost:$p_caddy"
check "old intermediate: cause" out_has "CN=Caddy Local Authority - ECC Intermediate is not issued by the current CN=Caddy Local Authority - 2024 ECC Root (same name, another key)"
check "old intermediate: fix" out_has "fix: make the server issue again from the current root"

# 10. a server that never answers: the check itself fails (1), and says so
expect_rc 1 "no answer: exit 1" chk --timeout 1 "https://localhost:$p_hung"
check "no answer: clear message" out_has "! https://localhost:$p_hung: could not be checked: 127.0.0.1:$p_hung answered, but the TLS handshake did not finish within 1 s"
check "no answer: on stderr too" err_has "trustform: error: https://localhost:$p_hung:"

# a weak signature (SHA-1), which Debian's security level refuses
pki "$P/weak" localhost --issuer "$P/root" --san "$SAN" --sha1 2>/dev/null
p_weak=$(free_port)
# s_server itself refuses such a certificate at its default level
start_tls_server "$P/weak" "$p_weak" -cipher 'DEFAULT:@SECLEVEL=0'
expect_rc 2 "weak signature: exit 2" chk "https://localhost:$p_weak"
check "weak signature: cause" out_has "FAIL app: CN=localhost: CA signature digest algorithm too weak (clients at OpenSSL security level 2 refuse it)"
check "weak signature: fix" out_has "fix: reissue it with SHA-256 or better and a key of at least 2048-bit RSA or P-256"

# IPv6: a bracketed address, and a name that resolves to ::1 first, tried in turn
pki "$P/v6" localhost --issuer "$P/root" --san DNS:localhost,IP:::1
p_v6=$(free_port)
openssl s_server -accept "[::1]:$p_v6" -cert "$P/v6.pem" -key "$P/v6.key" -www -quiet \
  >/dev/null 2>&1 </dev/null &
v6_pid=$!
server_started "$v6_pid"
wait_accepting "$p_v6" "$v6_pid" ::1
expect_rc 0 "IPv6 literal: exit 0" chk "https://[::1]:$p_v6"
check "IPv6 literal: reached at [::1]" out_has "✓ https://[::1]:$p_v6: trusted by every store ([::1]:$p_v6,"

# URLs are validated like the configuration's
expect_rc 1 "a bad URL: exit 1" chk "ftp://localhost:21"
check "a bad URL: says why" err_has 'endpoint "ftp://localhost:21" has the scheme "ftp"; use https:// or tcp+tls://'
# tcp+tls: no HTTP, no Date:
expect_rc 2 "tcp+tls: exit 2" chk "tcp+tls://localhost:$p_fut"
check "tcp+tls: judged the same" out_has "CN=localhost is not valid before "

# --json: the check document validates against schema/output.schema.json
expect_rc 2 "json: exit 2" chk --json "https://localhost:$p_good" "https://localhost:$p_san"
cp "$T/.out" "$T/check.json"
valid() { local o; o=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$1"); grep -q ": valid$" <<<"$o" || { echo "  ($o)" | cut -c1-600 >&2; return 1; }; }
check "json: valid against the output schema" valid "$T/check.json"
check "json: verdicts" /usr/bin/python3 -c "
import json,sys; d=json.load(open('$T/check.json'))
assert d['operation'] == 'check' and d['format_version'].startswith('1.')
e = d['endpoints']
assert e[0]['ok'] and e[0]['stores'][0]['cause'] == 'ok' and len(e[0]['chain']) == 2
assert e[1]['stores'][0]['cause'] == 'name_mismatch', e[1]
assert e[0]['server_date'] is not None and e[1]['server_date'] is None or True
assert d['check_summary'] == {'endpoints': 2, 'trusted': 1, 'failing': 1, 'unchecked': 0, 'operation': 'check'}
"

# The plan: a section of its own, counts unchanged; --offline skips it
expect_rc 2 "plan: changes pending" tf plan "${args[@]}" --no-color --detailed-exitcode
check "plan: the section" out_has "Endpoints this host calls, with the stores as they will be after apply:"
check "plan: trusted after apply" out_has "✓ https://localhost:$p_good: will be trusted after apply"
check "plan: counts unchanged" out_has "Plan: 2 to add, 0 to change, 0 to destroy."
expect_rc 2 "plan --offline: changes pending" tf plan "${args[@]}" --no-color --detailed-exitcode --offline
check "plan --offline: no section" bash -c "! grep -qF \"Endpoints this host calls\" $T/.out"
tf plan "${args[@]}" --json >"$T/plan.json" 2>/dev/null || true
check "plan --json: valid, with endpoints" valid "$T/plan.json"
check "plan --json: endpoint verdict" /usr/bin/python3 -c "
import json; d=json.load(open('$T/plan.json')); assert d['endpoints'][0]['ok'] is True"
# metrics
expect_rc 0 "plan --prometheus" tf plan "${args[@]}" --prometheus "$T/m.prom"
check "metrics: endpoint ok per store" grep -qF "trustform_endpoint_ok{host=\"h\",endpoint=\"https://localhost:$p_good\",store=\"app\"} 1" "$T/m.prom"
check "metrics: leaf expiry" grep -q "^trustform_endpoint_leaf_expiry_seconds{host=\"h\",endpoint=\"https://localhost:$p_good\"} [0-9]" "$T/m.prom"

# after apply, a plan that still fails says so, and --detailed-exitcode is 2 for it alone
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
sed -i "s|      - https://localhost:$p_good|      - https://localhost:$p_san|" "$C/trust.yaml"
expect_rc 2 "plan, no store change, an endpoint fails: exit 2" tf plan "${args[@]}" --no-color --detailed-exitcode
check "plan: will still fail" out_has "✗ https://localhost:$p_san: will still fail after apply"
check "plan: no store changes" out_has "No changes."
expect_rc 0 "plan --offline: clean" tf plan "${args[@]}" --no-color --detailed-exitcode --offline

# An endpoint none of whose stores is planned (left out by --target) is
# unchecked, never "trusted by every store".
cat >"$C/target.yaml" <<YAML
version: 1
cas:
  corp-root: { file: cas/root.pem }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
  other: { type: pem-bundle, path: /etc/other/ca.pem }
roles:
  r:
    cas: [corp-root]
    stores: [app, other]
    connects_to: [{ url: "https://localhost:$p_good", stores: [other] }]
hosts:
  h: [r]
YAML
expect_rc 1 "no store judged it: exit 1" tf check -c "$C/target.yaml" --root "$R" --host h --no-color --target app
check "no store judged it: says so" out_has "could not be checked: none of the stores it names is planned on this host"
expect_rc 0 "with its store: trusted" tf check -c "$C/target.yaml" --root "$R" --host h --no-color
done_testing

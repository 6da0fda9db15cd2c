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
pki "$P/caddy-old" "Caddy Local Authority - 2024 ECC Root" --ca --days-from -30 --days-to 3650
pki "$P/caddy-new" "Caddy Local Authority - 2024 ECC Root" --ca --days-from -2 --days-to 3650
pki "$P/caddy-inter" "Caddy Local Authority - ECC Intermediate" --ca --issuer "$P/caddy-old" --days-from -10 --days-to 7
cp "$P/caddy-new.pem" "$C/cas/caddy.pem"
# ... and the other direction: Caddy regenerated after the config was made: a
# NEWER root of the same name issues what the server sends (and the server
# sends that root too in the second case)
pki "$P/caddy-newer" "Caddy Local Authority - 2024 ECC Root" --ca --days-from -1 --days-to 3650
pki "$P/caddy-inter2" "Caddy Local Authority - ECC Intermediate" --ca --issuer "$P/caddy-newer" --days-to 7
pki "$P/caddy-inter3" "Caddy Local Authority - ECC Intermediate" --ca --issuer "$P/caddy-old" --days-from -1 --days-to 7

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
pki "$P/caddy-leaf2" localhost --issuer "$P/caddy-inter2" --san "$SAN"
cat "$P/caddy-inter2.pem" "$P/caddy-newer.pem" >"$P/caddy-chain2.pem"
pki "$P/caddy-leaf3" localhost --issuer "$P/caddy-inter3" --san "$SAN"

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
p_regen=$(free_port); serve "$P/caddy-leaf2" "$p_regen" "$P/caddy-inter2.pem"
p_regen_root=$(free_port); serve "$P/caddy-leaf2" "$p_regen_root" "$P/caddy-chain2.pem"
p_renewed=$(free_port); serve "$P/caddy-leaf3" "$p_renewed" "$P/caddy-inter3.pem"
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
check "old intermediate: the server's side is old" out_has "it still serves the OLD root's chain, while the configuration has the new root"
check "old intermediate: never 'export'" bash -c "! grep -q 'export the new root' $T/.out"
# 9b. the other direction: the server sends a NEWER root of the same name
# than the configured one (Caddy regenerated): export, commit, apply
expect_rc 2 "regenerated CA, root sent: exit 2" chk "https://localhost:$p_regen_root"
check "regenerated CA: says the server's root is new" out_has "is issued by a NEW root of the same name (CN=Caddy Local Authority - 2024 ECC Root, another key, made"
check "regenerated CA: fix is export, commit, apply" out_has "fix: export the new root (trustform caddy export-root, or caddy trust), commit it beside the configuration in place of the old one, and apply; making the server issue again would not help"
check "regenerated CA: never 'issue again' as the fix" bash -c "! grep -q 'fix: make the server issue again' $T/.out"
# 9c. neither root to be seen, and both intermediates made after the trusted
# root (a new root, or an old one still renewing): both directions are named
# (with the caddy role on the host, Caddy's current root decides: e2e/consumers/caddy)
expect_rc 2 "new root not sent: exit 2" chk "https://localhost:$p_regen"
check "new root not sent: cannot tell, says both" out_has "one of the two roots was regenerated, and trustform cannot tell which one is newer"
expect_rc 2 "renewed by the old root: exit 2" chk "https://localhost:$p_renewed"
check "renewed by the old root: cannot tell, says both" out_has "fix: if the server's CA was regenerated, export its new root (trustform caddy export-root, or caddy trust), commit it and apply; if the configuration has the newer root, make the server issue again from it"

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
# nothing to apply: the section says what is true now, not "after apply"
expect_rc 0 "plan after apply: clean" tf plan "${args[@]}" --no-color --detailed-exitcode
check "clean plan: the section is about now" out_has "Endpoints this host calls, with the stores as they are now (nothing to apply):"
check "clean plan: trusted now" out_has "✓ https://localhost:$p_good: trusted now"
check "clean plan: no 'after apply'" bash -c "! grep -qF 'after apply' $T/.out"
sed -i "s|      - https://localhost:$p_good|      - https://localhost:$p_san|" "$C/trust.yaml"
expect_rc 2 "plan, no store change, an endpoint fails: exit 2" tf plan "${args[@]}" --no-color --detailed-exitcode
check "plan: fails now" out_has "✗ https://localhost:$p_san: fails now, and apply has nothing to change"
check "plan: no 'after apply' with nothing to apply" bash -c "! grep -qF 'after apply' $T/.out"
# one predicate, "would a client fail", in every channel: never "No changes."
check "plan: never 'No changes.' while a client fails" bash -c "! grep -qF 'No changes.' $T/.out"
check "plan: says clients would fail" out_has "No changes to the stores, but clients would fail."
check "plan: counts the refused endpoint" out_has "Endpoints refused: 1 endpoint(s) are refused by their clients now (see above)."
expect_rc 0 "plan --offline: clean" tf plan "${args[@]}" --no-color --detailed-exitcode --offline
check "plan --offline: No changes" out_has "No changes. Trust stores match the configuration."
tf plan "${args[@]}" --json --detailed-exitcode >"$T/fail.json" 2>/dev/null || true
check "plan --json: valid" valid "$T/fail.json"
check "plan --json: drift, no store change, one endpoint failing" /usr/bin/python3 -c "
import json; d=json.load(open('$T/fail.json'))
assert d['changes_pending'] is False and d['drift'] is True, d
assert d['drift_summary'] == {'changes': 0, 'restart_pending': 0, 'endpoints_failing': 1, 'endpoints_unchecked': 0}, d['drift_summary']"
tf plan "${args[@]}" --offline --json >"$T/clean.json" 2>/dev/null || true
check "plan --offline --json: no drift" /usr/bin/python3 -c "
import json; d=json.load(open('$T/clean.json')); assert d['drift'] is False, d"
expect_rc 0 "plan --prometheus (failing endpoint)" tf plan "${args[@]}" --prometheus "$T/f.prom"
check "metrics: trustform_drift 1" grep -qx 'trustform_drift{host="h"} 1' "$T/f.prom"
check "metrics: endpoint 0" grep -qF "trustform_endpoint_ok{host=\"h\",endpoint=\"https://localhost:$p_san\",store=\"app\"} 0" "$T/f.prom"
expect_rc 0 "plan --offline --prometheus" tf plan "${args[@]}" --offline --prometheus "$T/c.prom"
check "metrics --offline: trustform_drift 0" grep -qx 'trustform_drift{host="h"} 0' "$T/c.prom"
# report over collected plans: the host with a refused endpoint is not "without changes"
expect_rc 0 "report" tf report --no-color "$T/fail.json" "$T/clean.json"
check "report: one host with drift" out_has "1 with drift (a restart pending or an endpoint refused)"
check "report: names the refused endpoint" out_has "endpoint(s) refused even after apply"
tf report --json "$T/fail.json" "$T/clean.json" >"$T/report.json" 2>/dev/null || true
check "report --json: valid" valid "$T/report.json"
check "report --json: drift counted" /usr/bin/python3 -c "
import json; d=json.load(open('$T/report.json'))
assert d['changes_pending'] is True and d['change_summary']['drift'] == 1, d['change_summary']"
# syslog: a warning (journalctl -p warning shows it), never "no drift" at info
. "$TESTS_DIR/lib/syslog.sh"
if unshare -m true 2>/dev/null; then
  syslog_start
  expect_rc 0 "plan --syslog (failing endpoint)" in_ns "$TRUSTFORM" plan "${args[@]}" --syslog
  syslog_stop
  check "syslog: warning (<12>), the endpoint named" \
    grep -qE "^<12>.*trustform plan on h: DRIFT: 0 to add, 0 to change, 0 to destroy; 1 endpoint\(s\) refused even after apply \(endpoint https://localhost:$p_san refused\)" "$T/syslog.txt"
  check "syslog: no 'no drift'" bash -c "! grep -q 'no drift' $T/syslog.txt"
else
  fail "--syslog: unshare -m is needed to give /dev/log a socket without touching the host's /dev"
fi

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

#!/usr/bin/env bash
# Java's rule and OpenSSL's security level (issue 20 item 3), proven with the
# JDK's own client and with curl. Java's PKIX ignores a trust anchor's
# extensions (a root with name constraints, an unknown critical extension or a
# client-only extendedKeyUsage verifies) but checks its key against
# jdk.certpath.disabledAlgorithms (java.security: RSA keySize < 1024); OpenSSL
# clients at Debian's security level 2 (curl, Python) refuse a CA key under
# 2048 bits ("CA certificate key too weak").
#   - roots: RSA 512 (both refuse), RSA 1024 (OpenSSL refuses, Java takes it),
#     P-256 (both take it);
#   - the plan: an error of the java store for RSA 512 only, naming Java, the
#     key size and the openssl option; an error of the system store for RSA 512
#     and RSA 1024, naming OpenSSL's level; none for the good root;
#   - after apply, the JDK's client (tests/fixtures/java/TlsClient.java, run as
#     a single-file program) trusting exactly the java store's truststore
#     refuses RSA 512's server and verifies the others; curl through the system
#     bundle refuses RSA 512's and RSA 1024's, and verifies the good one.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/system.sh"
. "$(dirname "$0")/../lib/rules.sh"

echo "peer: $(java -version 2>&1 | head -1); $(curl --version | head -1)"
R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
rule_root "$C/cas/good" "/CN=Good Root" ec
rule_root "$C/cas/rsa512" "/CN=RSA 512 Root" rsa:512
rule_root "$C/cas/rsa1024" "/CN=RSA 1024 Root" rsa:1024
rule_servers good rsa512 rsa1024
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  good: { file: cas/good.pem }
  rsa512: { file: cas/rsa512.pem }
  rsa1024: { file: cas/rsa1024.pem }
stores:
  system: { type: system }
  jtrust: { type: java, path: /opt/app/trust.p12, password: changeit }
roles:
  node: { cas: [good, rsa512, rsa1024], stores: [system, jtrust] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)

expect_rc 1 "plan: an error" tf plan "${args[@]}"
sysname=$(grep -o '^Error: system ([a-z]*)' "$T/.out" | head -1 | sed 's/^Error: //')
jname=$(grep -o '^Error: jtrust ([^)]*)' "$T/.out" | head -1 | sed 's/^Error: //')
check "jtrust: rsa512: Java, the key size, the fix" err_for "$jname" rsa512 \
  "refused by Java (jdk.certpath.disabledAlgorithms)" "a 512-bit RSA key (disabled: RSA keySize < 1024)" \
  "Algorithm constraints check failed" "openssl req -x509 -newkey rsa:3072"
check "jtrust: nothing about rsa1024 (Java takes it)" no_err_for "$jname" 'CA "rsa1024"'
check "jtrust: nothing about good" no_err_for "$jname" 'CA "good"'
check "system: rsa512: OpenSSL's security level" err_for "$sysname" rsa512 \
  "refused by OpenSSL at security level 2 (curl, Python)" "a 512-bit RSA key" "CA certificate key too weak"
check "system: rsa1024: OpenSSL's security level" err_for "$sysname" rsa1024 \
  "refused by OpenSSL at security level 2 (curl, Python)" "a 1024-bit RSA key, 80 bits of security where level 2 wants 112" \
  "openssl req -x509 -newkey rsa:3072"
check "system: nothing about good" no_err_for "$sysname" 'CA "good"'
check "system: Java's rule is not the system store's" no_err_for "$sysname" "Java"

expect_rc 1 "apply: the steps done, the stores still an error" tf apply "${args[@]}" --auto-approve
check "apply wrote the truststore" test -s "$R/opt/app/trust.p12"
java_get() {
  env -i PATH=/usr/bin:/bin HOME="$T" LANG=C.UTF-8 java -Djavax.net.ssl.trustStore="$R/opt/app/trust.p12" \
    -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12 \
    "$TESTS_DIR/fixtures/java/TlsClient.java" localhost "${port[$1]}" >"$T/java.out" 2>&1
}
java_ok() { java_get "$1" || { tail -3 "$T/java.out" | sed 's/^/  java: /' >&2; return 1; }; }
java_refused() { ! java_get "$1" && grep -qF "$2" "$T/java.out" || { tail -3 "$T/java.out" | sed 's/^/  java: /' >&2; return 1; }; }
check "Java: the good root's server verifies" java_ok good
check "Java: rsa1024's server verifies (Java takes a 1024-bit anchor)" java_ok rsa1024
check "Java: rsa512 refused: Algorithm constraints check failed" java_refused rsa512 "Algorithm constraints check failed"
bundle=$R/etc/ssl/certs/ca-certificates.crt
curl_get() { curl -sS -o /dev/null --cacert "$bundle" "https://localhost:${port[$1]}/" 2>"$T/curl.err"; }
curl_ok() { curl_get "$1" || { sed 's/^/  curl: /' "$T/curl.err" >&2; return 1; }; }
curl_refused() { ! curl_get "$1" && grep -qF "$2" "$T/curl.err" || { sed 's/^/  curl: /' "$T/curl.err" >&2; return 1; }; }
check "curl: the good root's server verifies" curl_ok good
check "curl: rsa1024 refused: CA certificate key too weak" curl_refused rsa1024 "CA certificate key too weak"
check "curl: rsa512 refused: CA certificate key too weak" curl_refused rsa512 "CA certificate key too weak"
check "openssl verify (no security level): rsa1024's leaf verifies (the rule is the level's)" \
  openssl verify -CAfile "$bundle" "$T/rsa1024.pem"

# The fix: rsa1024 reissued with a 3072-bit key, its leaf reissued: both clients take it.
rule_root "$C/cas/rsa1024" "/CN=RSA 1024 Root" rsa:3072
rule_leaf "$T/rsa1024" "$C/cas/rsa1024" localhost
kill "${_bg_pids[@]}" 2>/dev/null || true
start_tls_server "$T/rsa1024" "${port[rsa1024]}"
expect_rc 1 "apply with rsa1024 reissued (rsa512 still an error)" tf apply "${args[@]}" --auto-approve
check "rsa1024 reissued: no error for it" bash -c '! grep -F "CA \"rsa1024\"" "$1" | grep -q "refused by"' _ "$T/.out"
check "curl: the reissued root's server verifies" curl_ok rsa1024

done_testing

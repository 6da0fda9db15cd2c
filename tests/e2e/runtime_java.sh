#!/usr/bin/env bash
# java store: trustform-<name> aliases in a PKCS#12 truststore (written with
# OpenSSL) and in a JKS truststore. keytool lists them as trustedCertEntry, a
# small Java client that trusts exactly that truststore fails before apply and
# completes the handshake after; foreign entries and private keys are kept; a
# truststore is created when missing; removal takes the alias out. Bad input:
# a wrong password, a corrupt keystore, Debian's system cacerts: a clear
# error, nothing changed, the other stores still converge.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas" "$R/opt/app" "$T/classes"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$T/other" "/CN=Other Root"
mk_leaf "$T/leaf" "$C/cas/corp"
javac -d "$T/classes" "$TESTS_DIR/fixtures/java/TlsClient.java"
port=$(free_port); start_tls_server "$T/leaf" "$port"
kt() { keytool "$@" 2>&1; }
# Existing truststores made by keytool: a foreign CA, and (PKCS#12) a key pair.
kt -importcert -noprompt -alias other -file "$T/other.pem" -keystore "$R/opt/app/trust.p12" \
  -storetype PKCS12 -storepass s3cret >/dev/null
kt -genkeypair -alias client -keyalg EC -dname CN=client -keystore "$R/opt/app/trust.p12" \
  -storetype PKCS12 -storepass s3cret >/dev/null
kt -importcert -noprompt -alias other -file "$T/other.pem" -keystore "$R/opt/app/trust.jks" \
  -storetype JKS -storepass changeit >/dev/null
printf 'changeit\n' >"$R/etc/jks.pass"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  p12: { type: java, path: /opt/app/trust.p12, password: s3cret }
  jks: { type: java, path: /opt/app/trust.jks, password_file: /etc/jks.pass }
  fresh: { type: java, path: /opt/new/truststore.p12, password: changeit }
roles:
  node: { cas: [corp], stores: [p12, jks, fresh] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
client() { # client STORE PASS TYPE
  run_clean java -cp "$T/classes" -Djavax.net.ssl.trustStore="$1" -Djavax.net.ssl.trustStorePassword="$2" \
    -Djavax.net.ssl.trustStoreType="$3" TlsClient localhost "$port" >"$T/java.out" 2>&1
}
fails() { ! "$@"; }
listed() { # listed STORE PASS ALIAS KIND
  kt -list -keystore "$1" -storepass "$2" | grep "^$3, .*, $4," >/dev/null
}

check "PKCS#12: client fails before apply" fails client "$R/opt/app/trust.p12" s3cret PKCS12
check "  with a trust error" grep -q "unable to find valid certification path" "$T/java.out"
check "JKS: client fails before apply" fails client "$R/opt/app/trust.jks" changeit JKS
expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: p12" out_has '# p12 (java): corp will be added'
check "plan: a new truststore" out_has '/opt/new/truststore.p12 does not exist yet; apply creates it (PKCS#12)'
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
for s in "$R/opt/app/trust.p12 s3cret PKCS12" "$R/opt/app/trust.jks changeit JKS" "$R/opt/new/truststore.p12 changeit PKCS12"; do
  set -- $s
  check "$3 $(basename "$1"): keytool lists trustform-corp as trustedCertEntry" listed "$1" "$2" trustform-corp trustedCertEntry
  check "$3 $(basename "$1"): the client completes the handshake" client "$1" "$2" "$3"
done
check "PKCS#12: the foreign CA is kept" listed "$R/opt/app/trust.p12" s3cret other trustedCertEntry
check "PKCS#12: the key pair is kept" listed "$R/opt/app/trust.p12" s3cret client PrivateKeyEntry
check "PKCS#12: the key pair still opens" bash -c "keytool -exportcert -rfc -alias client -keystore '$R/opt/app/trust.p12' -storepass s3cret >/dev/null 2>&1"
check "JKS: the foreign CA is kept" listed "$R/opt/app/trust.jks" changeit other trustedCertEntry
check "JKS: keytool reads it as JKS" bash -c "keytool -list -v -keystore '$R/opt/app/trust.jks' -storepass changeit 2>/dev/null | grep -q 'Keystore type: JKS'"
check "the fingerprint keytool sees is the CA's" bash -c "keytool -list -alias trustform-corp -keystore '$R/opt/app/trust.p12' -storepass s3cret 2>/dev/null | tr -d : | tr A-F a-f | grep -q '$(fingerprint "$C/cas/corp.pem")'"
check "openssl reads the PKCS#12 with its MAC" bash -c "openssl pkcs12 -in '$R/opt/app/trust.p12' -passin pass:s3cret -nokeys -info -noout 2>&1 | grep -q 'MAC: sha256'"
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode

# Removal: the CA leaves the config; the aliases go, the client fails again.
sed -i 's/cas: \[corp\]/cas: []/' "$C/trust.yaml"
expect_rc 0 "apply removal" tf apply "${args[@]}" --auto-approve
check "PKCS#12: alias gone" fails listed "$R/opt/app/trust.p12" s3cret trustform-corp trustedCertEntry
check "JKS: alias gone" fails listed "$R/opt/app/trust.jks" changeit trustform-corp trustedCertEntry
check "PKCS#12: client fails again" fails client "$R/opt/app/trust.p12" s3cret PKCS12
check "JKS: the foreign CA still kept" listed "$R/opt/app/trust.jks" changeit other trustedCertEntry
sed -i 's/cas: \[\]/cas: [corp]/' "$C/trust.yaml"

# Bad input, one store at a time: the others still converge.
bad_case() { # bad_case NAME "expected message"
  expect_rc 1 "$1: apply fails" tf apply "${args[@]}" --auto-approve
  check "$1: clear error" err_has "$2"
  check "$1: the keystore is unchanged" cmp "$T/before" "$R/opt/app/trust.p12"
  check "$1: the other stores converge" listed "$R/opt/app/trust.jks" changeit trustform-corp trustedCertEntry
  kt -delete -alias trustform-corp -keystore "$R/opt/app/trust.jks" -storepass changeit >/dev/null
}
sed -i 's/password: s3cret/password: wrong/' "$C/trust.yaml"; cp "$R/opt/app/trust.p12" "$T/before"
bad_case "wrong password" "/opt/app/trust.p12: the keystore password is wrong"
sed -i 's/password: wrong/password: s3cret/' "$C/trust.yaml"
head -c 700 "$T/before" >"$R/opt/app/trust.p12"; cp "$R/opt/app/trust.p12" "$T/before"
bad_case "corrupt PKCS#12" "/opt/app/trust.p12 is damaged"
printf 'not a keystore' >"$R/opt/app/trust.p12"; cp "$R/opt/app/trust.p12" "$T/before"
bad_case "not a keystore" "/opt/app/trust.p12 is not a Java keystore"
printf 'wrong\n' >"$R/etc/jks.pass"
cp "$R/opt/app/trust.jks" "$T/jks-before"
expect_rc 1 "JKS wrong password" tf apply "${args[@]}" --auto-approve
check "JKS wrong password: clear error" err_has "/opt/app/trust.jks: the keystore password is wrong"
check "JKS unchanged" cmp "$T/jks-before" "$R/opt/app/trust.jks"
printf 'changeit\n' >"$R/etc/jks.pass"
head -c 100 "$T/jks-before" >"$R/opt/app/trust.jks"
expect_rc 1 "JKS cut short" tf plan "${args[@]}"
check "JKS damaged: clear error" err_has "/opt/app/trust.jks is damaged"

# Debian's system cacerts belongs to ca-certificates-java.
mkdir -p "$R/etc/ssl/certs/java" "$R/usr/lib/jvm/jdk/lib/security"
cp "$T/jks-before" "$R/etc/ssl/certs/java/cacerts"
ln -s /etc/ssl/certs/java/cacerts "$R/usr/lib/jvm/jdk/lib/security/cacerts"
sed -i 's|path: /opt/app/trust.jks|path: /usr/lib/jvm/jdk/lib/security/cacerts|' "$C/trust.yaml"
expect_rc 1 "Debian cacerts refused" tf plan "${args[@]}"
check "Debian cacerts: says why" err_has "is Debian's system Java truststore, generated by ca-certificates-java"
done_testing

#!/usr/bin/env bash
# `trustform check` names the ca-certificates release that removed the root an
# endpoint chains to, on a real Debian sid tree (its own ca-certificates and
# changelog.gz), and only when that is true.
#
# The removed root is real: DigiCert Global Root CA, which this machine's
# Debian 12 set still carries and sid's ca-certificates removed (its changelog
# says in which release). Nobody has its key, so the servers serve a leaf that
# names it as issuer (issuer = its subject, authorityKeyIdentifier = its
# subjectKeyIdentifier), signed by a key of the test: a chain that "ends at"
# the removed root as far as names and key ids go. The sid tree's own curl
# refuses it, as check does.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"

GONE=/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_CA.crt
[ -s "$GONE" ] || { fail "$GONE (ca-certificates of Debian 12) is missing: the test's removed root"; done_testing; exit 1; }
testhost_up
echo "test host: $(host_versions)"
P=$T/pki; C=$T/cfg; mkdir -p "$P" "$C"
gone_fp=$(fingerprint "$GONE")
check "sid's Mozilla set does not hold the removed root (by SHA-256)" bash -c "
  for f in '$H'/usr/share/ca-certificates/mozilla/*.crt; do
    openssl x509 -in \"\$f\" -noout -fingerprint -sha256; done | sed 's/.*=//; s/://g' | tr A-F a-f | grep -qvx '$gone_fp' &&
  ! (for f in '$H'/usr/share/ca-certificates/mozilla/*.crt; do
    openssl x509 -in \"\$f\" -noout -fingerprint -sha256; done | sed 's/.*=//; s/://g' | tr A-F a-f | grep -qx '$gone_fp')"
# the release that removed it, as the tree's changelog says (the entry whose
# removed list names it)
want_ver=$(zcat "$H/usr/share/doc/ca-certificates/changelog.gz" | awk '
  /^ca-certificates \(/ { v = $2; gsub(/[()]/, "", v) }
  /^ *- "?DigiCert Global Root CA"?( |$)/ { last = v }
  END { print last }')
inst_ver=$(in_host dpkg-query -W -f='${Version}' ca-certificates)
check "the tree's changelog lists the removal (version: $want_ver)" test -n "$want_ver"

# fake_issuer OUT CERT: a key of ours under CERT's subject and key id
fake_issuer() {
  local ski subj
  ski=$(openssl x509 -in "$2" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
  subj=$(openssl x509 -in "$2" -noout -subject -nameopt compat | sed 's/^subject=//')
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$subj" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -addext "subjectKeyIdentifier=$ski" \
    -addext keyUsage=critical,keyCertSign -out "$1.pem" 2>/dev/null
}
# leaf OUT ISSUER_BASE: a localhost leaf whose issuer and AKI are ISSUER's
leaf() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -subj /CN=localhost -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nauthorityKeyIdentifier=keyid\n' >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
fake_issuer "$P/digicert" "$GONE"
leaf "$P/leaf" "$P/digicert"
check "the leaf names the removed root as issuer, by subject and key id" bash -c "
  [ \"\$(openssl x509 -in '$P/leaf.pem' -noout -issuer)\" = \"issuer=\$(openssl x509 -in '$GONE' -noout -subject | sed 's/^subject=//')\" ] &&
  [ \"\$(openssl x509 -in '$P/leaf.pem' -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ')\" = \"\$(openssl x509 -in '$GONE' -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')\" ]"
# still installed in sid: ISRG Root X1 (a leaf that claims it, signed by us)
ISRG=$H/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt
fake_issuer "$P/isrg" "$ISRG"; leaf "$P/leaf-isrg" "$P/isrg"
# a private root no changelog names
mk_ca "$P/private" "/CN=Private Lab Root"; leaf "$P/leaf-private" "$P/private"

# -no-CA*: s_server would otherwise complete the chain from this machine's store (which holds the root)
p_gone=$(free_port); start_tls_server "$P/leaf" "$p_gone" -no-CAfile -no-CApath -no-CAstore
p_sent=$(free_port); start_tls_server "$P/leaf" "$p_sent" -no-CAfile -no-CApath -no-CAstore -cert_chain "$GONE"
p_isrg=$(free_port); start_tls_server "$P/leaf-isrg" "$p_isrg" -no-CAfile -no-CApath -no-CAstore
p_priv=$(free_port); start_tls_server "$P/leaf-private" "$p_priv"
# a self-signed leaf under the removed root's very name: not a root of anyone's set
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/selfname.key" \
  -subj "$(openssl x509 -in "$GONE" -noout -subject -nameopt compat | sed 's/^subject=//')" -days 30 \
  -addext basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -out "$P/selfname.pem" 2>/dev/null
p_selfname=$(free_port); start_tls_server "$P/selfname" "$p_selfname" -no-CAfile -no-CApath -no-CAstore

cat >"$C/trust.yaml" <<YAML
version: 1
cas: {}
stores:
  system: { type: system }
roles:
  node:
    stores: [system]
    connects_to: [ "https://localhost:$p_gone" ]
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$H" --host h --no-color)
msg="chains to \"DigiCert Global Root CA\", which ca-certificates $want_ver removed (installed: $inst_ver"

# the real client of the system store refuses the endpoint
in_host curl -sS -o /dev/null "https://127.0.0.1:$p_gone/" 2>"$T/curl.err" && curl_rc=0 || curl_rc=$?
echo "the tree's curl says: $(cat "$T/curl.err")"
check "the tree's curl refuses it (system bundle): exit $curl_rc" test "$curl_rc" = 60
check "  for want of its issuer" grep -q "unable to get local issuer certificate" "$T/curl.err"

expect_rc 2 "check: the endpoint fails" tf check "${args[@]}"
check "check: names the root and the release that removed it" out_has "$msg"
check "  the server sent the leaf alone" out_has "(127.0.0.1:$p_gone, 1 certificate sent"
expect_rc 2 "check: the root sent in the chain (SHA-256 known)" tf check "${args[@]}" "https://localhost:$p_sent"
check "  the same message" out_has "$msg"
check "  the server sent the leaf and the root" out_has "(127.0.0.1:$p_sent, 2 certificates sent"
expect_rc 2 "check --json" tf check "${args[@]}" --json
check "  removed_root in the endpoint" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); e = d["endpoints"][0]
sys.exit(0 if e["removed_root"] and e["removed_root"].startswith(sys.argv[2]) and not e["ok"] else 1)' "$T/.out" "$msg"
check "  valid against the output schema" /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
  "$SRC_DIR/schema/output.schema.json" "$T/.out"

# only when true
expect_rc 2 "a root still installed (ISRG Root X1 claimed, bad signature): fails" tf check "${args[@]}" "https://localhost:$p_isrg"
check "  no removal claimed" bash -c "! grep -q 'which ca-certificates' '$T/.out'"
expect_rc 2 "a private root: fails" tf check "${args[@]}" "https://localhost:$p_priv"
check "  no removal claimed" bash -c "! grep -q 'which ca-certificates' '$T/.out'"
expect_rc 2 "a self-signed leaf named like the removed root: fails" tf check "${args[@]}" "https://localhost:$p_selfname"
check "  no removal claimed" bash -c "! grep -q 'which ca-certificates' '$T/.out'"
# the same endpoint where the installed set still carries the root (Debian
# 12's Mozilla set under sid's changelog): no claim
R=$T/root; mk_root "$R" with-distro; real_update_ca "$R" --fresh
mkdir -p "$R/usr/share/doc/ca-certificates"
cp "$H/usr/share/doc/ca-certificates/changelog.gz" "$R/usr/share/doc/ca-certificates/"
expect_rc 2 "a set that still carries it: the leaf fails (our signature)" \
  tf check -c "$C/trust.yaml" --root "$R" --host h --no-color
check "  no removal claimed" bash -c "! grep -q 'which ca-certificates' '$T/.out'"
# without a changelog, nothing is claimed either
rm "$H/usr/share/doc/ca-certificates/changelog.gz"
expect_rc 2 "no changelog: fails" tf check "${args[@]}"
check "  no removal claimed" bash -c "! grep -q 'which ca-certificates' '$T/.out'"
done_testing

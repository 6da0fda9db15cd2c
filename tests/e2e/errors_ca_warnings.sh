#!/usr/bin/env bash
# The warnings of SPEC §2 that do not stop a run: a CA that is an
# intermediate ("trust the root"), one expiring within 30 days, a SHA-1
# signature, an RSA key under 2048 bits; and none for a sound 2048-bit RSA or
# EC root. Each names the file and line and says what to do.
. "$(dirname "$0")/../lib/common.sh"

C=$T/cfg; mkdir -p "$C/cas"; cd "$C"
ca() { # ca NAME SUBJ [openssl req args...]
  local n=$1 s=$2; shift 2
  openssl req -x509 -nodes -keyout "$T/$n.key" -subj "$s" -days 3650 \
    -addext basicConstraints=critical,CA:TRUE -out "cas/$n.pem" "$@" 2>/dev/null
}
ca rsa1024 "/CN=Small RSA" -newkey rsa:1024
ca rsa2048 "/CN=Fine RSA" -newkey rsa:2048
ca sha1 "/CN=SHA1 Root" -newkey rsa:2048 -sha1
ca soon "/CN=Soon" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 10
ca root "/CN=Parent Root" -newkey ec -pkeyopt ec_paramgen_curve:P-256
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/int.key" \
  -subj "/CN=Some Intermediate" -out "$T/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\n' >"$T/int.ext"
openssl x509 -req -in "$T/int.csr" -CA cas/root.pem -CAkey "$T/root.key" -CAcreateserial \
  -days 365 -extfile "$T/int.ext" -out cas/int.pem 2>/dev/null
cat >trust.yaml <<'YAML'
version: 1
cas:
  rsa1024: { file: cas/rsa1024.pem }
  rsa2048: { file: cas/rsa2048.pem }
  sha1: { file: cas/sha1.pem }
  soon: { file: cas/soon.pem }
  int: { file: cas/int.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [rsa1024, rsa2048, sha1, soon, int], stores: [system] }
hosts:
  h: [node]
YAML
expect_rc 0 "warnings do not stop validation" tf validate -c trust.yaml
check "short RSA key" err_has 'trust.yaml:3:20: warning: CA "rsa1024" (cas/rsa1024.pem) has a 1024-bit RSA key'
check "a 2048-bit key is fine" bash -c "! grep -q 'CA \"rsa2048\"' '$T/.err'"
check "SHA-1 signature" err_has 'CA "sha1" (cas/sha1.pem) is signed with SHA1, which is broken'
check "expiring soon" err_has 'CA "soon" (cas/soon.pem) expires on'
check "intermediate" err_has 'CA "int" (cas/int.pem) is an intermediate issued by "CN=Parent Root"'
check "says to trust the root" err_has "trust the root"
done_testing

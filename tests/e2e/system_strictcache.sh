#!/usr/bin/env bash
# The verdict of OpenSSL's strict mode on each CA (for a host whose Python is
# 3.13+, which verifies with VERIFY_X509_STRICT) is kept in the effect cache,
# keyed by the CA's SHA-256 and the libcrypto that judged it: a plan from the
# cache prints exactly what a plan that judges every CA again prints
# (TRUSTFORM_READ_CACHE=off), for a CA strict mode refuses and for one it
# accepts; apply judges again and refuses the same.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mkdir -p "$R/usr/bin"; printf '' >"$R/usr/bin/python3.14"; chmod 755 "$R/usr/bin/python3.14"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/good" "/CN=Good Root"
# no keyUsage, no subject key identifier: refused in strict mode
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/cas/bad.key" \
  -subj "/CN=Bad Root" -days 3650 -addext basicConstraints=critical,CA:TRUE \
  -addext subjectKeyIdentifier=none -addext authorityKeyIdentifier=none -out "$C/cas/bad.pem" 2>/dev/null
cfg() {
  printf 'version: 1\ncas:\n  good: { file: cas/good.pem }\n'
  [ -z "$1" ] || printf '  bad: { file: cas/bad.pem }\n'
  printf 'stores:\n  system: { type: system }\nroles:\n  r: { cas: [good%s], stores: [system] }\nhosts:\n  h: [r]\n' "${1:+, bad}"
}
cfg "" >"$C/trust.yaml"
args=(-c "$C/trust.yaml" --root "$R" --host h)
expect_rc 0 "apply the good CA" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan: clean" tf plan "${args[@]}" --detailed-exitcode
n=$(ls "$R"/var/cache/trustform/read/effect-*.json 2>/dev/null | wc -l)
check "the good CA's verdict is kept ($n entries)" test "$n" -ge 1
cp "$T/.out" "$T/good.cached"
expect_rc 0 "plan without the cache: clean" env TRUSTFORM_READ_CACHE=off "$TRUSTFORM" plan "${args[@]}" --detailed-exitcode
check "  the same output" cmp "$T/good.cached" "$T/.out"

cfg bad >"$C/trust.yaml"
expect_rc 1 "plan with the refused CA: an error (judged, then kept)" tf plan "${args[@]}" --detailed-exitcode
check "  names what strict mode refuses" out_has 'CA "bad" (cas/bad.pem) is refused by Python 3.13+'
cp "$T/.out" "$T/bad.first"
expect_rc 1 "plan again (the verdict from the cache): the same error" tf plan "${args[@]}" --detailed-exitcode
check "  word for word" cmp "$T/bad.first" "$T/.out"
check "  the refused CA's verdict is kept" test "$(ls "$R"/var/cache/trustform/read/effect-*.json | wc -l)" -gt "$n"
expect_rc 1 "plan without the cache: the same error" env TRUSTFORM_READ_CACHE=off "$TRUSTFORM" plan "${args[@]}" --detailed-exitcode
check "  word for word" cmp "$T/bad.first" "$T/.out"
expect_rc 1 "apply (judges again) refuses the same" tf apply "${args[@]}" --auto-approve
check "  naming it" out_has 'CA "bad" (cas/bad.pem) is refused by Python 3.13+'
done_testing

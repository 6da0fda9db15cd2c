#!/usr/bin/env bash
# pem-bundle: trustform's CAs as marked blocks in any PEM file. Content around
# the blocks is kept byte for byte (an existing bundle with certificates,
# comments and no final newline); the file is created when missing; a
# hand-edited block is drift (replaced); removal leaves the original bytes
# (and the final newline the first block needed);
# ensure: absent cuts a foreign certificate out, matched by fingerprint; a real
# client (curl --cacert) fails before apply and succeeds after.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas" "$R/etc/app"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_ca "$T/other" "/CN=Someone Else"
mk_leaf "$T/leaf" "$C/cas/corp"
# An application's bundle: a comment, a foreign CA, more text, no final newline.
{ printf '# my app bundle\n\n'; cat "$T/other.pem"; cat /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt; printf '# end of list'; } >"$R/etc/app/ca.pem"
cp "$R/etc/app/ca.pem" "$T/orig.pem"
chmod 0640 "$R/etc/app/ca.pem"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
  fresh: { type: pem-bundle, path: /etc/caddy/trust/upstreams.pem }
roles:
  node: { cas: [corp, lab], stores: [app, fresh] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
port=$(free_port); start_tls_server "$T/leaf" "$port"
curl_ok() { run_clean curl -sS --max-time 10 --cacert "$1" -o /dev/null "https://localhost:$port/"; }

curl_fails() { ! curl_ok "$1" 2>/dev/null; }
check "curl fails before apply" curl_fails "$R/etc/app/ca.pem"
expect_rc 2 "plan shows additions" tf plan "${args[@]}" --detailed-exitcode
check "plan: add corp to app" out_has '# app (pem-bundle): corp will be added'
check "plan: file to be created" out_has '/etc/caddy/trust/upstreams.pem does not exist yet; apply creates it'
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "curl succeeds after apply" curl_ok "$R/etc/app/ca.pem"
check "created file works too" curl_ok "$R/etc/caddy/trust/upstreams.pem"
orig_len=$(stat -c %s "$T/orig.pem")
check "original bytes kept as prefix" cmp -n "$orig_len" "$T/orig.pem" "$R/etc/app/ca.pem"
check "newline added before the blocks" test "$(head -c $((orig_len + 1)) "$R/etc/app/ca.pem" | tail -c 1 | od -An -c | tr -d ' ')" = '\n'
check "block markers" grep -qx "# trustform:begin corp sha256=$(fingerprint "$C/cas/corp.pem")" "$R/etc/app/ca.pem"
check "mode kept" test "$(stat -c %a "$R/etc/app/ca.pem")" = 640
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode
expect_rc 0 "show" tf show "${args[@]}"
check "show lists the foreign CA" out_has "CN=Someone Else"

# A hand-edited block is drift: its certificate replaced by another one.
/usr/bin/python3 - "$R/etc/app/ca.pem" "$T/other.pem" <<'PY'
import sys, re
p, other = sys.argv[1], open(sys.argv[2]).read()
s = open(p).read()
s = re.sub(r"(# trustform:begin lab sha256=\w+\n)-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
           lambda m: m.group(1) + other, s, flags=re.S)
open(p, "w").write(s)
PY
expect_rc 2 "hand edit is drift" tf plan "${args[@]}" --detailed-exitcode
check "drift shown as replacement" out_has '-/+ ca "lab"'
expect_rc 0 "apply repairs" tf apply "${args[@]}" --auto-approve
expect_rc 0 "clean again" tf plan "${args[@]}" --detailed-exitcode

# Dropping the CAs restores the original file byte for byte (plus the final
# newline the first block needed: the original ended without one).
sed -i 's/cas: \[corp, lab\]/cas: []/' "$C/trust.yaml"
expect_rc 0 "apply removal" tf apply "${args[@]}" --auto-approve
check "removal reason" out_has 'app (pem-bundle): ca "corp": removed'
check "file is the original again" cmp <(cat "$T/orig.pem"; echo) "$R/etc/app/ca.pem"
check "curl fails again" curl_fails "$R/etc/app/ca.pem"

# ensure: absent takes a foreign certificate out, by fingerprint.
cp "$T/other.pem" "$C/cas/retired.pem"
sed -i 's|^cas:$|cas:\n  retired: { file: cas/retired.pem, ensure: absent }|' "$C/trust.yaml"
expect_rc 2 "plan absent" tf plan "${args[@]}" --detailed-exitcode
check "absent reason" out_has '(because retired is ensure: absent (held as "ca.pem:3"))'
expect_rc 0 "apply absent" tf apply "${args[@]}" --auto-approve
check "foreign cert gone" bash -c "! grep -qF '$(sed -n 2p "$T/other.pem")' '$R/etc/app/ca.pem'"
check "other foreign cert kept" grep -qF "$(sed -n 2p /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt)" "$R/etc/app/ca.pem"
check "text kept" grep -q '^# my app bundle$' "$R/etc/app/ca.pem"
expect_rc 0 "clean" tf plan "${args[@]}" --detailed-exitcode
done_testing

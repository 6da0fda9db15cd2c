#!/usr/bin/env bash
# Expiry in Caddy's PKI, with the clock moved (TRUSTFORM_NOW): an expired
# intermediate is reissued (-/+); one past Caddy's renewal point (the last
# fifth of its life: Caddy's renewal point) that Caddy did not renew is a
# warning, from the very second its window opens, in the text plan, JSON and
# the metrics; a root expiring within 30 days, or expired, is a warning too
# (Caddy does not renew roots).
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
pki=$R/var/lib/caddy/.local/share/caddy/pki/authorities/local; mkdir -p "$pki" "$T/cfg/cas"
mk_ca "$T/root" "/CN=Caddy Local Authority - 2026 ECC Root" 3650
mk_intermediate "$T/inter" "$T/root" "/CN=Caddy Local Authority - ECC Intermediate"
cp "$T/inter.pem" "$pki/intermediate.crt"; cp "$T/inter.key" "$pki/intermediate.key"
cp "$T/root.pem" "$pki/root.crt"; cp "$T/root.pem" "$T/cfg/cas/caddy-local.pem"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  caddy-local: { file: cas/caddy-local.pem, caddy: local }
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
roles:
  edge: { cas: [caddy-local], stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
plan_at() { env TRUSTFORM_NOW="$1" "$TRUSTFORM" plan -c "$T/cfg/trust.yaml" --root "$R" --host edge1; }
now=$(date +%s)
inter_end=$(date -d "$(openssl x509 -in "$pki/intermediate.crt" -noout -enddate | cut -d= -f2)" +%s)
root_end=$(date -d "$(openssl x509 -in "$pki/root.crt" -noout -enddate | cut -d= -f2)" +%s)

inter_start=$(date -d "$(openssl x509 -in "$pki/intermediate.crt" -noout -startdate | cut -d= -f2)" +%s)
renew_at=$((inter_end - (inter_end - inter_start) / 5))
inter_date=$(date -u -d @"$inter_end" +%F)

expect_rc 0 "today: consistent" plan_at "$now"
check "no Caddy step" bash -c "! grep -q 'caddy (pki local)' '$T/.out'"
check "no warning" bash -c "! grep -q '^Warning:' '$T/.out'"
expect_rc 0 "a minute before Caddy's renewal point" plan_at $((renew_at - 60))
check "no warning yet" bash -c "! grep -q '^Warning:' '$T/.out'"
expect_rc 0 "a minute after it" plan_at $((renew_at + 60))
check "a warning with the date and the store" \
  out_has "Warning: the intermediate of CA \"local\" expires on $inter_date and Caddy has not renewed it (it does in the last fifth of its lifetime while it runs): is Caddy running? (store: caddy.pki.local)"
expect_rc 0 "JSON, a minute after it" env TRUSTFORM_NOW=$((renew_at + 60)) "$TRUSTFORM" plan \
  -c "$T/cfg/trust.yaml" --root "$R" --host edge1 --json
check "JSON: the intermediate, its end and Caddy's renewal point" python3 -c "
import json, sys
d = json.load(open('$T/.out'))
x = [e for e in d['expiring'] if e['kind'] == 'caddy_intermediate']
assert len(x) == 1 and x[0]['name'] == 'local' and x[0]['stores'] == ['caddy.pki.local'], d['expiring']
assert x[0]['not_after'] == '$(date -u -d @"$inter_end" +%FT%TZ)' and x[0]['renewal_from'] == '$(date -u -d @"$renew_at" +%FT%TZ)', x
assert x[0]['sha256'] == '$(fingerprint "$pki/intermediate.crt")' and not x[0]['expired'], x"
env TRUSTFORM_NOW=$((renew_at + 60)) "$TRUSTFORM" plan -c "$T/cfg/trust.yaml" --root "$R" --host edge1 \
  --prometheus "$T/m.prom" >/dev/null 2>&1 || true
lab="{host=\"edge1\",store=\"caddy.pki.local\",kind=\"caddy_intermediate\",ca=\"local\",sha256=\"$(fingerprint "$pki/intermediate.crt")\"}"
check "metrics: the intermediate's end" grep -qxF "trustform_ca_expiry_timestamp_seconds$lab $inter_end" "$T/m.prom"
check "metrics: Caddy's renewal point" grep -qxF "trustform_ca_renewal_timestamp_seconds$lab $renew_at" "$T/m.prom"
check "metrics: expiring" grep -qxF "trustform_ca_expiring$lab 1" "$T/m.prom"
expect_rc 0 "in the last fifth of the intermediate's life" plan_at $((inter_end - 3600))
check "a warning: Caddy has not renewed it" out_has 'Caddy has not renewed it (it does in the last fifth of its lifetime while it runs): is Caddy running?'
expect_rc 0 "the intermediate expired" plan_at $((inter_end + 3600))
check "it is reissued" out_has '-/+ issuance "local" {'
check "because it expired" out_has "(because the intermediate expired on $(date -u -d @"$inter_end" +%F))"
check "and a warning says it expired" out_has "Warning: the intermediate of CA \"local\" expired on $inter_date; this plan reissues it (store: caddy.pki.local)"
expect_rc 0 "the root expires in 10 days" plan_at $((root_end - 10 * 86400))
check "a warning about the root" out_has "Caddy's root of CA \"local\" expires on $(date -u -d @"$root_end" +%F), in 10 days"
check "and the config's CA warns too" err_has 'expires on'
done_testing

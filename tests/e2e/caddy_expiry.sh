#!/usr/bin/env bash
# Expiry in Caddy's PKI, with the clock moved (TRUSTFORM_NOW): an expired
# intermediate is reissued (-/+); one past Caddy's renewal point (the last
# fifth of its life) that Caddy did not renew is a note; a root expiring
# within 30 days, or expired, is a note (Caddy does not renew roots).
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

expect_rc 0 "today: consistent" plan_at "$now"
check "no Caddy step" bash -c "! grep -q 'caddy (pki local)' '$T/.out'"
expect_rc 0 "in the last fifth of the intermediate's life" plan_at $((inter_end - 3600))
check "a note: Caddy has not renewed it" out_has 'Caddy has not renewed it (it does in the last fifth of its lifetime while it runs): is Caddy running?'
expect_rc 0 "the intermediate expired" plan_at $((inter_end + 3600))
check "it is reissued" out_has '-/+ issuance "local" {'
check "because it expired" out_has "(because the intermediate expired on $(date -u -d @"$inter_end" +%F))"
expect_rc 0 "the root expires in 10 days" plan_at $((root_end - 10 * 86400))
check "a note about the root" out_has "Caddy's root of CA \"local\" expires on $(date -u -d @"$root_end" +%F), in 10 days"
check "and the config's CA warns too" err_has 'expires on'
done_testing

#!/usr/bin/env bash
# The Caddy paths are clean under valgrind's memcheck: plan, apply (reissue,
# drift, the Caddyfile setting with imports and lint), show, export-root, and
# the JSON config, on a Caddy PKI in the field-trap state made with openssl.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"; real_update_ca_chroot_like "$R" --fresh
D=$R/var/lib/caddy/.local/share/caddy; pki=$D/pki/authorities/local
mkdir -p "$pki" "$D/certificates/local/site.internal" "$R/etc/caddy/sites" "$T/cfg/cas"
mk_ca "$T/old" "/CN=Caddy Local Authority - 2026 ECC Root"
mk_ca "$T/new" "/CN=Caddy Local Authority - 2026 ECC Root"
mk_intermediate "$T/inter" "$T/old" "/CN=Caddy Local Authority - ECC Intermediate"
cp "$T/inter.pem" "$pki/intermediate.crt"; cp "$T/inter.key" "$pki/intermediate.key"
mk_leaf "$T/leaf" "$T/inter" site.internal
cat "$T/leaf.pem" "$T/inter.pem" >"$D/certificates/local/site.internal/site.internal.crt"
cp "$T/leaf.key" "$D/certificates/local/site.internal/site.internal.key"
echo '{"sans":["site.internal"]}' >"$D/certificates/local/site.internal/site.internal.json"
cp "$T/new.pem" "$pki/root.crt"; cp "$T/new.key" "$pki/root.key"
cp "$T/old.pem" "$T/cfg/cas/caddy-local.pem"
cat >"$R/etc/caddy/Caddyfile" <<'CADDY'
(common) {
	encode gzip
}
{
	email ops@example.internal # the ACME contact
}
import sites/*.caddy
CADDY
printf 'site.internal {\n\timport common\n\treverse_proxy https://10.0.0.9 {\n\t\ttransport http {\n\t\t\ttls_insecure_skip_verify\n\t\t}\n\t}\n}\n' \
  >"$R/etc/caddy/sites/site.caddy"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  caddy-local: { file: cas/caddy-local.pem, caddy: local }
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
  intermediate_lifetime: 720h
  binary: /usr/bin/no-caddy-here
roles:
  edge: { cas: [caddy-local], stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host edge1)
expect_rc 2 "plan" vg plan "${args[@]}" --detailed-exitcode
check "plan shows the drift" out_has '~ root "caddy-local" {'
check "plan shows the reissue" out_has '-/+ issuance "local" {'
check "plan shows the setting" out_has '~ setting "intermediate_lifetime" {'
check "plan shows the lint" out_has 'tls_insecure_skip_verify turns off certificate checks'
expect_rc 0 "show" vg show "${args[@]}"
expect_rc 1 "apply (the drift step fails, the rest is done)" vg apply "${args[@]}" --auto-approve
check "the reissue is held" out_has 'issuance "local": failed: nothing was reissued: held'
check "set" out_has 'setting "intermediate_lifetime": set'
check "the root stays" test -f "$pki/root.key"
check "the held intermediate stays" test -e "$pki/intermediate.crt"
expect_rc 0 "export-root" vg caddy export-root "${args[@]}" "$T/cfg/cas/caddy-local.pem"
expect_rc 0 "apply converges" vg apply "${args[@]}" --auto-approve
check "reissued" out_has 'issuance "local": reissued'
check "the stale intermediate went" test ! -e "$pki/intermediate.crt"
expect_rc 0 "clean" vg plan "${args[@]}" --detailed-exitcode
# the JSON config
printf '{\n\t"apps": {\n\t\t"http": {"servers": {"s": {"listen": [":443"]}}}\n\t}\n}\n' \
  >"$R/etc/caddy/caddy.json"
sed -i 's|  caddyfile: /etc/caddy/Caddyfile|  json: /etc/caddy/caddy.json|' "$T/cfg/trust.yaml"
expect_rc 0 "apply on JSON" vg apply "${args[@]}" --auto-approve
check "JSON set" out_has 'setting "intermediate_lifetime": set'
done_testing

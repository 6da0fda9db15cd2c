#!/usr/bin/env bash
# trustform check with an NSS database: a CA held with ",," is present but not
# trusted for TLS, and a browser using the database refuses its chains; a CA of
# the store's role held that way is trusted after apply (the plan retrusts it).
. "$(dirname "$0")/../lib/common.sh"

pki() { /usr/bin/python3 "$TESTS_DIR/lib/check_pki.py" "$@"; }
serve() { start_tls_server "$1" "$2"; }

R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
C=$T/cfg; P=$T/pki; mkdir -p "$C/cas" "$P"
pki "$P/corp" "NSS Corp Root" --ca --days-to 3650
pki "$P/stranger" "NSS Stranger Root" --ca --days-to 3650
pki "$P/corp-leaf" localhost --issuer "$P/corp" --san DNS:localhost,IP:127.0.0.1
pki "$P/strange-leaf" localhost --issuer "$P/stranger" --san DNS:localhost,IP:127.0.0.1
cp "$P/corp.pem" "$C/cas/corp.pem"
DB=$R/home/alice/.pki/nssdb
mk_nssdb "$DB"
nss_add "$DB" "NSS Corp Root" ",," "$P/corp.pem"
nss_add "$DB" "NSS Stranger Root" ",," "$P/stranger.pem"
chown -R 4242:4242 "$R/home/alice"

p_corp=$(free_port); serve "$P/corp-leaf" "$p_corp"
p_str=$(free_port); serve "$P/strange-leaf" "$p_str"
cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  browsers: { type: nss, discover: [chrome], users: [alice] }
roles:
  desk: { cas: [corp], stores: [browsers], connects_to: ["https://localhost:$p_corp"] }
hosts:
  h: [desk]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h --no-color)

expect_rc 2 "foreign CA held with ,,: exit 2" tf check "${args[@]}" "https://localhost:$p_str"
check "present but not trusted for TLS" out_has "CN=NSS Stranger Root is in the store, but not trusted to identify servers (its trust flags lack TLS)"
check "the fix: it is not in the configuration" out_has "fix: no CA in the configuration is CN=NSS Stranger Root: declare it under cas: and add it to the role of this store, and trustform gives it TLS trust"

expect_rc 0 "the role's CA held with ,,: trusted after apply" tf check "${args[@]}"
check "trusted after apply" out_has "✓ https://localhost:$p_corp: trusted by every store"
expect_rc 2 "plan: the retrust is pending" tf plan "${args[@]}" --detailed-exitcode
check "plan: the endpoint will be trusted after apply" out_has "will be trusted after apply"
done_testing

#!/usr/bin/env bash
# A new intermediate_lifetime takes effect now, not when Caddy next renews
# (which for a long lifetime may be years away): on the sid host's own Caddy
# (2.11), a running `tls internal` site with Caddy's default intermediate
# (7 days):
#  - the plan sets the lifetime in the Caddyfile AND reissues the intermediate
#    (-/+), saying it was issued for 168h, not for the configured lifetime;
#  - held while Caddy's root is not the root the configuration trusts: apply
#    reissues nothing then;
#  - once it is: apply writes the Caddyfile, then stops Caddy, removes the
#    intermediate and the leaves, starts Caddy, which issues one for exactly the lifetime
#    (openssl); the leaves are issued again from it (Caddy serves a leaf with
#    the intermediate it was issued under), the site serves the new one and
#    verifies through the system store, and the next plan is clean.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
. "$(dirname "$0")/../lib/hostcaddy.sh"
export PATH=$(dirname "$TRUSTFORM"):$PATH

testhost_up
hc_setup
echo "host: $(host_versions)"
hc_site_file
hc_up
pki=$HC_DATA/pki/authorities/local
leafcrt=$HC_DATA/certificates/local/localhost/localhost.crt
span() { # seconds between NotBefore and NotAfter
  echo $(( $(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s) -
           $(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s) ))
}
check "Caddy's default intermediate: 7 days" test "$(span "$pki/intermediate.crt")" = $((168 * 3600))
inter1=$(fingerprint "$pki/intermediate.crt"); leaf1=$(fingerprint "$leafcrt")

mkdir -p "$T/cfg/cas"; cfg=$T/cfg/trust.yaml
# --- held: the CA marked `caddy: local` is not Caddy's root -----------------------------
mk_ca "$T/cfg/cas/caddy-local-root" "/CN=Some Other Root"
hc_trust_yaml "$cfg" "$(fingerprint "$T/cfg/cas/caddy-local-root.pem")"
args=(-c "$cfg" --root "$H" --host edge1)
expect_rc 2 "held: plan" tf plan "${args[@]}" --detailed-exitcode --no-color
check "  the intermediate is to be reissued for its lifetime" out_has 'the intermediate was issued for 168h, not for intermediate_lifetime 43800h: Caddy uses a new lifetime only when it issues the next intermediate'
check "  held" out_has 'must be reissued (held until Caddy'"'"'s root is trusted)'
expect_rc 1 "held: apply" tf apply "${args[@]}" --auto-approve
check "  nothing reissued" out_has 'issuance "local": failed: nothing was reissued: held'
check "  the intermediate is the same" test "$(fingerprint "$pki/intermediate.crt")" = "$inter1"

# --- Caddy's root trusted: apply sets the lifetime and reissues now ---------------------
cp "$pki/root.crt" "$T/cfg/cas/caddy-local-root.pem"
hc_site_file   # the held apply may have set the lifetime already: start from none
hc_trust_yaml "$cfg" "$(fingerprint "$pki/root.crt")"
sh -c "$HC_RELOAD"
expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode --no-color
cp "$T/.out" "$T/plan.txt"
check "  the lifetime will be set" out_has '~ setting "intermediate_lifetime" {'
check "  and the intermediate reissued" out_has '-/+ issuance "local" {'
check "  because of its lifetime" out_has 'because the intermediate was issued for 168h, not for intermediate_lifetime 43800h'
check "  for the new lifetime" out_has ', for intermediate_lifetime 43800h'
check "  and the leaves with it" out_has 'and the leaves, which Caddy sends with the intermediate they were issued under'
check "  the setting comes before the reissue" test \
  "$(grep -n 'setting "intermediate_lifetime"' "$T/plan.txt" | head -1 | cut -d: -f1)" -lt \
  "$(grep -n 'issuance "local"' "$T/plan.txt" | head -1 | cut -d: -f1)"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "  the Caddyfile has it" grep -q 'intermediate_lifetime 43800h' "$HC_FILE"
check "  reissued" out_has 'issuance "local": reissued'
check "  a new intermediate" test "$(fingerprint "$pki/intermediate.crt")" != "$inter1"
check "  issued for exactly 43800h ($(span "$pki/intermediate.crt") s)" test "$(span "$pki/intermediate.crt")" = $((43800 * 3600))
check "  by Caddy's root" in_host openssl verify \
  -CAfile /var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt \
  /var/lib/caddy/.local/share/caddy/pki/authorities/local/intermediate.crt
check "  a new leaf" test "$(fingerprint "$leafcrt")" != "$leaf1"
check "  served with the new intermediate" test \
  "$(awk '/BEGIN CERTIFICATE/ { n++ } n == 2' "$leafcrt" >"$T/served-inter.pem"; fingerprint "$T/served-inter.pem")" = \
  "$(fingerprint "$pki/intermediate.crt")"
check "  the site verifies through the system store" hc_get -o /dev/null
expect_rc 0 "plan after apply: clean" tf plan "${args[@]}" --detailed-exitcode
check "  No changes" out_has 'No changes. Trust stores match the configuration.'
done_testing

#!/usr/bin/env bash
# Caddy on the real Debian sid host (its own Caddy, curl, openssl and
# ca-certificates, through chroot). A `tls internal` site:
#  - its root exported with `trustform caddy export-root`, pinned, put into the
#    system store; apply writes intermediate_lifetime 43800h, which the tree's
#    `caddy validate` accepts; the tree's curl verifies through /etc/ssl/certs;
#    show names the leaf by its subjectAltName and shows the lifetime in place;
#  - the partial-reset trap: pki/authorities/local deleted while Caddy is
#    stopped, Caddy started: it makes a new root and an intermediate that
#    honours the lifetime (about five years, openssl), and keeps the old
#    leaf. The plan shows the drift and a HELD reissue; apply does not reissue
#    (the site keeps verifying with what clients trust); after the plan's
#    instructions (export-root, the pin updated, apply) the reissue runs with a
#    start command that returns before Caddy is up, apply waits for Caddy's
#    new intermediate and leaf, and the site verifies through the system store.
# The Caddyfile parts (a file the tree's Caddy rejects) are in host_caddy_config.sh.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
. "$(dirname "$0")/../lib/hostcaddy.sh"
export PATH=$(dirname "$TRUSTFORM"):$PATH

testhost_up
hc_setup
echo "host: $(host_versions)"
check "the tree's Caddy is 2.11" grep -q '^v\?2\.11\.' <(in_host caddy version)
hc_site_file
hc_up
pki=$HC_DATA/pki/authorities/local
leafcrt=$HC_DATA/certificates/local/localhost/localhost.crt
check "the site answers, trusting Caddy's own root only" hc_get -o /dev/null --cacert /var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt
check "the tree's curl does not trust it yet" hc_refused

mkdir -p "$T/cfg/cas"; cfg=$T/cfg/trust.yaml
cd "$T/cfg"
hc_trust_yaml "$cfg" "$(fingerprint "$pki/root.crt")"   # pinned to the root it trusts
expect_rc 0 "export-root" tf caddy export-root -c "$cfg" --root "$H" cas/caddy-local-root.pem
check "export-root: it is the declared CA's file, commit it" err_has 'This is the file of CA "caddy-local" (caddy: local)'
check "export-root: does not ask to declare it again" bash -c "! grep -q 'declare it under cas:' '$T/.err'"
root1=$(fingerprint "$T/cfg/cas/caddy-local-root.pem")
check "the exported root is Caddy's" test "$root1" = "$(fingerprint "$pki/root.crt")"
check "export-root: the pin already matches, nothing said about it" bash -c "! grep -q 'pin' '$T/.err'"
args=(-c "$cfg" --root "$H" --host edge1)

expect_rc 2 "plan: the root into the system store, the lifetime into the Caddyfile" tf plan "${args[@]}" --detailed-exitcode
check "system store gets the root" out_has '+ ca "caddy-local" {'
check "the lifetime will be set" out_has '~ setting "intermediate_lifetime" {'
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "the lifetime is written" grep -q 'intermediate_lifetime 43800h' "$H/etc/caddy/Caddyfile"
check "the tree's caddy validate accepts the file" in_host caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile
rc=0; hc_get >"$T/body" || rc=$?
check "the tree's curl verifies through the system store" test "$rc" = 0
check "the site answers" grep -qx "hello from caddy" "$T/body"
expect_rc 0 "plan is clean" tf plan "${args[@]}" --detailed-exitcode
check "No changes" out_has 'No changes. Trust stores match the configuration.'
expect_rc 0 "show" tf show "${args[@]}"
cp "$T/.out" "$T/show.txt"
check "show: the leaf by its names, not an empty subject" out_has '(empty subject) DNS:localhost'
check "show: the lifetime in place" out_has 'intermediate_lifetime of CA "local" is 43800h in /etc/caddy/Caddyfile:'
cols=$(grep -E '^    (root|intermediate|leaf [a-z.-]+) ' "$T/show.txt" | sed 's/[0-9a-f]\{12\}….*//' | awk '{ print length }' | sort -u | wc -l)
check "show: the fingerprint column lines up with a long name ($cols widths)" test "$cols" = 1
check "show: the long name is there" grep -q "^    leaf $HC_LONG " "$T/show.txt"

# --- the partial-reset trap ----------------------------------------------------------
leaf1=$(fingerprint "$leafcrt")
hc_down
rm -r "$pki"
hc_up
root2=$(fingerprint "$pki/root.crt")
check "Caddy made a new root" test "$root2" != "$root1"
check "and kept the old leaf" test "$(fingerprint "$leafcrt")" = "$leaf1"
check "its new intermediate is issued by the new root" in_host openssl verify \
  -CAfile /var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt \
  /var/lib/caddy/.local/share/caddy/pki/authorities/local/intermediate.crt
days=$(( ( $(date -d "$(openssl x509 -in "$pki/intermediate.crt" -noout -enddate | cut -d= -f2)" +%s) \
         - $(date -d "$(openssl x509 -in "$pki/intermediate.crt" -noout -startdate | cut -d= -f2)" +%s) ) / 86400 ))
check "the intermediate_lifetime is honoured: about five years ($days days)" test "$days" -ge 1820 -a "$days" -le 1830
check "the site still verifies through the system store (old leaf, old chain)" hc_get -o /dev/null

expect_rc 2 "plan sees the trap" tf plan "${args[@]}" --detailed-exitcode
cp "$T/.out" "$T/plan1.txt"
check "drift" out_has '~ root "caddy-local" {'
check "reissue of the leaf" out_has '-/+ issuance "local" {'
check "held" out_has 'must be reissued (held until Caddy'"'"'s root is trusted)'
check "held: says to export and commit first" out_has "First export the new root with \`trustform caddy export-root -c $cfg --root $H $T/cfg/cas/caddy-local-root.pem\`, commit it and update its sha256: pin ($cfg:"

expect_rc 1 "apply holds the reissue (the drift fails)" tf apply "${args[@]}" --auto-approve
check "nothing was reissued, and why" out_has 'issuance "local": failed: nothing was reissued: held: Caddy'"'"'s root'
check "the leaf is kept" test "$(fingerprint "$leafcrt")" = "$leaf1"
check "the site still verifies with what clients trust" hc_get -o /dev/null

# follow the plan: export the new root, update the pin, apply
cmd=$(sed -n 's/^ *#   \(trustform caddy export-root .*\)$/\1/p' "$T/plan1.txt" | head -1)
rc=0; bash -c "$cmd" >"$T/.out" 2>"$T/.err" || rc=$?
check "the plan's export command runs" test "$rc" = 0
check "export-root: the pin is named, with the new fingerprint" err_has "Its sha256: pin ($cfg:"
check "export-root: ... to the new root, as the loader reads it" err_has "update it to \`sha256: \"$root2\"\`"
sed -i "s/sha256: $root1/sha256: $root2/" "$cfg"
check "the pin is updated" grep -q "sha256: $root2" "$cfg"
# the same configuration, with a start command that returns before Caddy has
# issued anything: apply must wait for Caddy's work
real_start=$HC_START; HC_START="(sleep 2; $real_start) >/dev/null 2>&1 &"
hc_trust_yaml "$cfg" "$root2"; HC_START=$real_start
expect_rc 0 "apply converges" tf apply "${args[@]}" --auto-approve
check "the system store has the new root" out_has 'system (debian): ca "caddy-local": replaced'
check "reissued" out_has 'issuance "local": reissued'
check "a new leaf, right after apply" test -s "$leafcrt" -a "$(fingerprint "$leafcrt" 2>/dev/null)" != "$leaf1"
check "the tree's curl verifies through the system store, right after apply" hc_get -o /dev/null
hc_chain "$T/served"
check "the served chain verifies to the new root" openssl verify -CAfile "$pki/root.crt" -untrusted "$T/served.rest.pem" "$T/served.leaf.pem"
expect_rc 0 "plan is clean" tf plan "${args[@]}" --detailed-exitcode
check "No changes" out_has 'No changes. Trust stores match the configuration.'
done_testing

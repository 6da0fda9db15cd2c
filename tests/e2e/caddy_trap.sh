#!/usr/bin/env bash
# The field trap, with the real Caddy from Debian's package: its root and key
# are deleted and Caddy restarted, so it makes a new root while it keeps the
# old intermediate and leaves. A client trusting the current root fails.
# trustplan shows the drift (the new root's fingerprint, subject, and the
# exact export command) and a -/+ reissue with its order, held: reissuing
# onto a root no client trusts would break the site at once. trustapply does
# not reissue (the site still verifies with the old root); after the exported
# root is committed into the config, it stops Caddy, removes the stale
# intermediate and leaves (never the root or its key) and starts it, the
# handshake succeeds against the system bundle and a second plan is clean.
. "$(dirname "$0")/../lib/common.sh"
export PATH=$(dirname "$TRUSTFORM"):$PATH

R=$T/root; mk_root "$R"; real_update_ca_chroot_like "$R" --fresh
caddy_sandbox "$R"
caddy_site_file
caddy_up
pki=$CADDY_DATA/pki/authorities/local
bundle=$R/etc/ssl/certs/ca-certificates.crt
mkdir -p "$T/cfg/cas"
cfg=$T/cfg/trust.yaml
caddy_trust_yaml "$cfg" edge1
args=(-c "$cfg" --root "$R" --host edge1)
cd "$T"
expect_rc 0 "export the first root" tf caddy export-root "${args[@]}" cfg/cas/caddy-local-root.pem
expect_rc 0 "apply: the first root into the system store" tf apply "${args[@]}" --auto-approve
check "handshake against the system bundle" caddy_get "$bundle" -o /dev/null
old_fp=$(fingerprint "$pki/root.crt")
old_inter=$(fingerprint "$pki/intermediate.crt")

# --- the trap: a partial reset --------------------------------------------------
caddy_down
rm "$pki/root.crt" "$pki/root.key"
caddy_up
new_fp=$(fingerprint "$pki/root.crt")
check "Caddy made a new root" test "$new_fp" != "$old_fp"
check "and kept the old intermediate" test "$(fingerprint "$pki/intermediate.crt")" = "$old_inter"
check "the old intermediate is not issued by the new root" bash -c \
  "! openssl verify -CAfile '$pki/root.crt' '$pki/intermediate.crt' >/dev/null 2>&1"
check "handshake trusting Caddy's current root fails" caddy_refused "$pki/root.crt"
new_subject=$(openssl x509 -in "$pki/root.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
root_sum=$(sha256sum "$pki/root.crt" "$pki/root.key" | cut -c1-64 | tr '\n' ' ')

expect_rc 2 "trustplan sees it" tf plan "${args[@]}" --detailed-exitcode
cp "$T/.out" "$T/plan1.txt"
check "drift headline" out_has '# caddy (pki local): caddy-local is not the root Caddy uses'
check "drift block" out_has '~ root "caddy-local" {'
check "drift: fingerprints" out_has "~ sha256  = \"${old_fp:0:12}…\" -> \"${new_fp:0:12}…\""
check "drift: the new root's full fingerprint" out_has "Caddy's root now: sha256 $new_fp"
check "drift: the new root's subject" out_has "subject \"$new_subject\""
check "drift: the exact export command" out_has "#   trustform caddy export-root -c $cfg --root $R $T/cfg/cas/caddy-local-root.pem"
check "reissue headline" out_has '# caddy (pki local): intermediate and its leaves of CA "local" must be reissued'
check "reissue is -/+" out_has '-/+ issuance "local" {'
check "reason: not issued by the current root" out_has 'was not issued by the current root (issuer and signature checked)'
check "the stale intermediate goes" out_has "- intermediate = \"CN=Caddy Local Authority - ECC Intermediate\""
check "its leaf goes" out_has '- leaf    = "localhost ('
check "the root is kept" out_has 'root.crt and root.key are kept'
order=$(grep -E '^ +#   [123]\. ' "$T/plan1.txt" | sed 's/^ *#   //' | cut -c1-12 | tr '\n' '|')
check "order: stop, remove, start ($order)" test "$order" = "1. stop Cadd|2. remove /v|3. start Cad|"
check "the stop command is shown" grep -qF "1. stop Caddy: $CADDY_STOP" "$T/plan1.txt"
check "the start command is shown" grep -qF "3. start Caddy: $CADDY_START" "$T/plan1.txt"
check "counted" out_has 'Plan: 1 to add, 1 to change, 1 to destroy.'
check "the reissue is held" out_has 'must be reissued (held until Caddy'"'"'s root is trusted)'
check "why it is held, and what to do" out_has "held: Caddy's root (sha256 ${new_fp:0:12}…) is not \"caddy-local\""
inter_sum=$(sha256sum "$pki/intermediate.crt" | cut -c1-64)

expect_rc 1 "trustapply holds the reissue, and says the root needs committing" tf apply "${args[@]}" --auto-approve
check "not reissued" out_has 'caddy (pki local): issuance "local": failed: nothing was reissued: held: Caddy'"'"'s root'
check "the drift is not hidden" out_has 'caddy (pki local): root "caddy-local": failed: Caddy'"'"'s root'
check "with the command to run" out_has "Export the new root with \`trustform caddy export-root -c $cfg --root $R $T/cfg/cas/caddy-local-root.pem\`"
check "root and key untouched" test "$(sha256sum "$pki/root.crt" "$pki/root.key" | cut -c1-64 | tr '\n' ' ')" = "$root_sum"
check "the old intermediate is kept" test "$(sha256sum "$pki/intermediate.crt" | cut -c1-64)" = "$inter_sum"
check "the site still verifies with what clients trust" caddy_get "$bundle" -o /dev/null

# commit the new root exactly as the plan said, and converge the fleet
cmd=$(sed -n 's/^ *#   \(trustform caddy export-root .*\)$/\1/p' "$T/plan1.txt" | head -1)
check "the plan's export command runs" bash -c "$cmd"
check "it wrote the new root" test "$(fingerprint "$T/cfg/cas/caddy-local-root.pem")" = "$new_fp"
expect_rc 0 "trustapply with the committed root" tf apply "${args[@]}" --auto-approve
check "the system store replaced caddy-local" out_has 'system (debian): ca "caddy-local": replaced'
check "and the reissue ran" out_has 'caddy (pki local): issuance "local": reissued'
check "new intermediate issued by the current root" openssl verify -CAfile "$pki/root.crt" "$pki/intermediate.crt"
check "handshake against the system bundle succeeds again" caddy_get "$bundle" -o "$T/body"
check "the site answers" grep -qx "hello from caddy" "$T/body"
expect_rc 0 "second plan is clean" tf plan "${args[@]}" --detailed-exitcode
check "clean" out_has 'No changes. Trust stores match the configuration.'
done_testing

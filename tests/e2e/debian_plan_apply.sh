#!/usr/bin/env bash
# plan → apply → plan on a Debian tree with the distro CAs: the second plan is
# clean, --detailed-exitcode says 2 then 0, and apply is idempotent.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/corp-root" "/O=Corp/CN=Corp Root CA"
mk_ca "$T/cfg/cas/lab" "/O=Lab/CN=Lab Root"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp-root: { file: cas/corp-root.pem }
  lab: { file: cas/lab.pem }
stores:
  system: { type: system }
roles:
  runner: { cas: [corp-root, lab], stores: [system] }
hosts:
  a6: [runner]
YAML
# the distro CAs were never installed: make /etc/ssl/certs as Debian would
real_update_ca_chroot_like "$R" --fresh
args=(-c "$T/cfg/trust.yaml" --root "$R" --host a6)

expect_rc 2 "first plan reports changes" tf plan "${args[@]}" --detailed-exitcode
check "plan lists corp-root as added" out_has '# system (debian): corp-root will be added'
check "plan lists lab as added" out_has '+ ca "lab" {'
check "plan summary" out_has 'Plan: 2 to add, 0 to change, 0 to destroy.'
check "plan header" out_has 'trustform plan · host a6 · roles runner · config'
check "  names the root once" out_has " · root $R"
check "  and the messages do not repeat it" no_host_paths "$R"

before=$(tree_sum "$R")
expect_rc 0 "plan without --detailed-exitcode exits 0" tf plan "${args[@]}"
check "plan changes nothing" test "$before" = "$(tree_sum "$R")"

expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "apply summary" out_has 'Apply complete! Resources: 2 added, 0 changed, 0 destroyed.'
fp=$(fingerprint "$T/cfg/cas/corp-root.pem")
check "managed file named by content" \
  test -f "$R/usr/local/share/ca-certificates/trustform/corp-root-${fp:0:12}.crt"
check "pem link" test -L "$R/etc/ssl/certs/corp-root-${fp:0:12}.pem"
check "bundle holds the CA" grep -qF "$(sed -n 2p "$T/cfg/cas/corp-root.pem")" \
  "$R/etc/ssl/certs/ca-certificates.crt"

expect_rc 0 "second plan is clean" tf plan "${args[@]}" --detailed-exitcode
check "no changes message" out_has 'No changes. Trust stores match the configuration.'

after=$(tree_sum "$R")
expect_rc 0 "apply again" tf apply "${args[@]}" --auto-approve
check "idempotent apply message" out_has 'Apply complete! Resources: 0 added, 0 changed, 0 destroyed.'
check "idempotent apply writes nothing" test "$after" = "$(tree_sum "$R")"

# trustplan and trustapply are the same binary, chosen by argv[0]
ln -s "$TRUSTFORM" "$T/trustplan"
expect_rc 0 "trustplan name dispatches to plan" "$T/trustplan" "${args[@]}" --detailed-exitcode
check "trustplan output" out_has 'trustform plan · host a6'
ln -s "$TRUSTFORM" "$T/trustapply"
expect_rc 0 "trustapply with nothing to do needs no approval" "$T/trustapply" "${args[@]}" \
  </dev/null
rm "$R"/usr/local/share/ca-certificates/trustform/lab-*.crt
expect_rc 1 "trustapply refuses without confirmation when stdin is not a terminal" \
  "$T/trustapply" "${args[@]}" </dev/null
check "says why" err_has '--auto-approve'
expect_rc 0 "trustapply --auto-approve" "$T/trustapply" "${args[@]}" --auto-approve
expect_rc 0 "clean again" tf plan "${args[@]}" --detailed-exitcode
done_testing

#!/usr/bin/env bash
# A Debian store step whose file changed between the plan and its apply ends
# stale ("changed since the plan was made"), alone: the store's other steps
# are done in the same transaction, /etc/ssl/certs is exactly what the real
# update-ca-certificates makes of the sources that leaves, the hooks hear the
# addition, and the next plan shows the stale step again.
. "$(dirname "$0")/../lib/common.sh"
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/drop" "/CN=Drop CA"
mk_ca "$T/cfg/cas/lab" "/CN=Lab CA"
mk_ca "$T/other" "/CN=Someone Else"
dfp=$(fingerprint "$T/cfg/cas/drop.pem"); d12=${dfp:0:12}
lfp=$(fingerprint "$T/cfg/cas/lab.pem"); l12=${lfp:0:12}
R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mk_recording_hook "$R"
cfg=$T/cfg/trust.yaml
write_cfg() {
  cat >"$cfg" <<YAML
version: 1
cas:
  drop: { file: cas/drop.pem }
  lab: { file: cas/lab.pem }
stores:
  system: { type: system, run_hooks: true }
roles:
  node: { cas: [$1], stores: [system] }
hosts:
  h: [node]
YAML
}
args=(-c "$cfg" --root "$R" --host h)
write_cfg drop
expect_rc 0 "drop applied" tf apply "${args[@]}" --auto-approve
M=$R/usr/local/share/ca-certificates/trustform
check "drop's file is there" test -f "$M/drop-$d12.crt"
: >"$R/hook.log"

# drop leaves the role, lab joins it; while apply waits for "yes", someone
# puts another certificate in drop's file: what the plan saw is not there
write_cfg lab
expect_rc 2 "plan: remove drop, add lab" tf plan "${args[@]}" --detailed-exitcode
check "drop to be removed" out_has '- ca "drop"'
check "lab to be added" out_has '+ ca "lab"'
edit="cp '$T/other.pem' '$M/drop-$d12.crt'"
expect_rc 1 "apply fails" python3 "$SRC_DIR/tests/lib/apply_meanwhile.py" "$edit" "$TRUSTFORM" apply "${args[@]}"
check "drop's step is stale" out_has 'system (debian): ca "drop": failed:'
check "it says the plan saw something else" out_has "changed since the plan was made"
check "lab is added all the same" out_has 'system (debian): ca "lab": added'
check "the summary says to plan again" out_has "Changed since the plan was made: system (debian)"
check "drop's file is left as it was edited" cmp -s "$T/other.pem" "$M/drop-$d12.crt"
check "lab's file is written" test -f "$M/lab-$l12.crt"
check "lab is in the bundle" grep -qF "$(sed -n 2p "$T/cfg/cas/lab.pem")" "$R/etc/ssl/certs/ca-certificates.crt"
check "the hook heard lab" grep -qx -- "+$R/etc/ssl/certs/lab-$l12.pem" "$R/hook.log"
check "the hook journal is gone" test ! -e "$R/var/lib/trustform/debian-hooks.pending"

# /etc/ssl/certs is what the real tool makes of the sources now
cp -a "$R" "$T/real"; rm -f "$T/real/etc/ca-certificates/update.d/record"
real_update_ca_chroot_like "$T/real" --fresh
check "/etc/ssl/certs as update-ca-certificates --fresh leaves it" \
  diff <(certs_dir_listing "$R") <(certs_dir_listing "$T/real")

expect_rc 2 "the next plan shows drop again" tf plan "${args[@]}" --detailed-exitcode
check "the edited file is shown as it is now" out_has "drop-$d12.crt"
check "lab is not" bash -c "! grep -qF '+ ca \"lab\"' '$T/.out'"
done_testing

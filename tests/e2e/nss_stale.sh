#!/usr/bin/env bash
# An NSS database that changed since the plan was made: the step whose entry
# is not as the plan saw it fails as stale, and the summary says to plan
# again. The database is changed in a child running as its owner; whether the
# step is stale crosses the child's pipe as a code (nss_wire_send_op), not
# as words in its message. The other step is still carried out.
. "$(dirname "$0")/../lib/common.sh"
R=$T/root; mk_root "$R"
mk_user "$R" ci 4244
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
DB=$R/home/ci/.pki/nssdb
mk_nssdb "$DB" 4244
write_cfg() {
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  chrome-ci: { type: nss, path: /home/ci/.pki/nssdb, trust: "$1" }
roles:
  r: { cas: [corp, lab], stores: [chrome-ci] }
hosts:
  h: [r]
YAML
}
write_cfg "C,,"
args=(-c "$C/trust.yaml" --root "$R" --host h)
expect_rc 0 "first apply" tf apply "${args[@]}" --auto-approve
check "corp is in" test "$(nss_trust "$DB" trustform-corp)" = "C,,"

# the configured trust changes: both entries are to be updated
write_cfg "CT,C,C"
expect_rc 2 "plan: both updated" tf plan "${args[@]}" --detailed-exitcode

# apply on a terminal: while it waits for "yes", someone changes corp's trust
edit="certutil -M -d sql:$DB -n trustform-corp -t c,, </dev/null && chown -R 4244:4244 $DB"
expect_rc 1 "apply fails" python3 "$SRC_DIR/tests/lib/apply_meanwhile.py" "$edit" "$TRUSTFORM" apply "${args[@]}"
check "corp's step failed as stale" out_has 'ca "corp": failed: the entry changed since the plan was made'
check "lab's step was still done" out_has 'ca "lab": updated'
check "names where the store is configured" out_has "run trustplan again (store at $C/trust.yaml:6:3)"
check "the summary says to plan again" out_has "Changed since the plan was made: chrome-ci (nss). What changed there was not touched; run trustplan again"
check "corp keeps what was put there" test "$(nss_trust "$DB" trustform-corp)" = "c,,"
check "lab has the new trust" test "$(nss_trust "$DB" trustform-lab)" = "CT,C,C"
expect_rc 2 "plan again: corp is to be updated" tf plan "${args[@]}" --detailed-exitcode
check "corp to be changed" out_has '~ ca "corp"'
expect_rc 0 "apply the new plan" tf apply "${args[@]}" --auto-approve
check "corp has the new trust" test "$(nss_trust "$DB" trustform-corp)" = "CT,C,C"
done_testing

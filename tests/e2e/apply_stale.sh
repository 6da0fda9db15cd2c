#!/usr/bin/env bash
# "Changed since the plan was made" is its own kind of failure (TF_EMODIFIED):
# trustapply shows the plan and waits for "yes" on a terminal; meanwhile the
# pem-bundle it is about to change is edited by someone else. The step that
# depended on what the plan saw fails as stale, the summary says to plan
# again (and --json marks such a store "stale_plan": true).
. "$(dirname "$0")/../lib/common.sh"
R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas" "$R/etc/app"
mk_ca "$C/cas/corp" "/CN=Corp Root"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  bundle: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  r: { cas: [corp], stores: [bundle] }
hosts:
  h: [r]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
expect_rc 0 "first apply" tf apply "${args[@]}" --auto-approve
# corp is regenerated under its name: the plan replaces its block (-/+);
# and lab is new: added in the same apply
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
sed -i 's|^  corp: { file: cas/corp.pem }$|&\n  lab: { file: cas/lab.pem }|; s|cas: \[corp\]|cas: [corp, lab]|' "$C/trust.yaml"
expect_rc 2 "plan: replace" tf plan "${args[@]}" --detailed-exitcode
check "a replacement" out_has '-/+ ca "corp"'
check "an addition" out_has '+ ca "lab"'

# apply on a terminal: while it waits for "yes", the block goes away
# someone edits the bundle: trustform's block is removed by hand
edit="sed -i '/^# trustform:begin corp/,/^# trustform:end corp/d' $R/etc/app/ca.pem"
expect_rc 1 "apply fails" python3 "$SRC_DIR/tests/lib/apply_meanwhile.py" "$edit" "$TRUSTFORM" apply "${args[@]}"
check "the step failed as stale" out_has "changed since the plan was made"
check "a step that fails fails alone: lab is added" out_has 'bundle (pem-bundle): ca "lab": added'
check "lab is in the bundle" grep -q "trustform:begin lab" "$R/etc/app/ca.pem"
check "names where the store is configured" \
  out_has "; run trustplan again (store at $C/trust.yaml:6:3)"
check "the summary says to plan again" out_has "Changed since the plan was made: bundle (pem-bundle). What changed there was not touched; run trustplan again"
expect_rc 2 "plan again: the add is planned" tf plan "${args[@]}" --detailed-exitcode
check "corp to be added" out_has '+ ca "corp"'
done_testing

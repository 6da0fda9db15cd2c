#!/usr/bin/env bash
# Saved plans: `trustplan --out FILE` writes the plan (atomically, no secrets);
# `trustapply FILE` applies exactly that plan without a prompt, and refuses
# with "Saved plan is stale", naming the store, when the store or the
# configuration moved since; a refused apply changes nothing.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/a" "/CN=Saved A"
mk_ca "$T/cfg/cas/b" "/CN=Saved B"
mk_ca "$T/foreign" "/CN=Someone Else"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
# the plan file must never carry the configuration's text: hunter2
cas:
  a: { file: cas/a.pem }
  b: { file: cas/b.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [a, b], stores: [system] }
hosts:
  h: [node]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)
P=$T/plans; mkdir -p "$P"

before=$(tree_sum "$R")
expect_rc 2 "plan --out" tf plan "${args[@]}" --out "$P/one.plan" --detailed-exitcode
check "says how to apply it" out_has "trustapply $P/one.plan"
check "plan changed nothing" test "$before" = "$(tree_sum "$R")"
check "plan file written" test -s "$P/one.plan"
check "plan file is readable by all (not secret)" test "$(stat -c %a "$P/one.plan")" = 644
check "no temp files left" test "$(ls -A "$P")" = one.plan
check "no configuration text in it" bash -c "! grep -q hunter2 '$P/one.plan'"
check "no private key in it" bash -c "! grep -q PRIVATE '$P/one.plan'"
check "carries the CA as PEM" grep -qF "$(sed -n 2p "$T/cfg/cas/a.pem")" "$P/one.plan"
check "format and version" /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d['format'] == 'trustform-plan' and d['version'] == 1 and len(d['stores'][0]['state_digest']) == 64))" "$P/one.plan"

# a saved plan carries its own configuration, host, root and targets
expect_rc 64 "FILE with --root is a usage error" tf apply "$P/one.plan" --root "$R"
expect_rc 64 "--out is for plan" tf apply "${args[@]}" --out "$P/x.plan"

# the store moves: a foreign CA appears after the plan was made
cp "$T/foreign.pem" "$R/usr/local/share/ca-certificates/foreign.crt"
mkdir -p "$R/var/lib/trustform"	# where apply takes its lock, refused or not
moved=$(tree_sum "$R")
expect_rc 1 "stale plan refused" tf apply "$P/one.plan" </dev/null
check "Saved plan is stale, naming the store" err_has "Saved plan is stale: these stores changed since the plan was made: system."
check "nothing changed" test "$moved" = "$(tree_sum "$R")"
check "nothing applied is said" err_has "Nothing was applied"

# a fresh plan applies, exactly, without a prompt (stdin is not a terminal)
expect_rc 2 "new plan" tf plan "${args[@]}" --out "$P/two.plan" --detailed-exitcode
cp "$T/.out" "$T/two.txt"
expect_rc 0 "apply the saved plan without a prompt" tf apply "$P/two.plan" </dev/null
check "shows the saved plan" out_has '# system (debian): a will be added'
check "applied both, and the links of the foreign CA" \
  out_has 'Apply complete! Resources: 2 added, 1 changed, 0 destroyed.'
check "the plan it showed is the plan that was saved" \
  diff <(sed -n '/^  #/,/^Plan:/p' "$T/two.txt") <(sed -n '/^  #/,/^Plan:/p' "$T/.out")
expect_rc 0 "converged" tf plan "${args[@]}" --detailed-exitcode
expect_rc 1 "the same plan twice is stale" tf apply "$P/two.plan"
check "stale the second time" err_has "Saved plan is stale"

# the configuration moves: the CA list changes after the plan was made
sed -i 's/cas: \[a, b\]/cas: [a]/' "$T/cfg/trust.yaml"
expect_rc 2 "plan a removal" tf plan "${args[@]}" --out "$P/three.plan" --detailed-exitcode
sed -i 's/cas: \[a\]/cas: [a, b]/' "$T/cfg/trust.yaml"
same=$(tree_sum "$R")
expect_rc 1 "plan from another configuration is refused" tf apply "$P/three.plan"
check "names the configuration" err_has "Saved plan is stale: the configuration"
check "nothing removed" test "$same" = "$(tree_sum "$R")"
# ... even when only a CA file changed under the same YAML
expect_rc 0 "same config again: clean" tf plan "${args[@]}" --out "$P/four.plan" --detailed-exitcode
mk_ca "$T/cfg/cas/b" "/CN=Saved B rotated"
expect_rc 1 "a CA file changed since the plan" tf apply "$P/four.plan"
check "stale configuration" err_has "or one of its CA files changed"

# a plan file edited by hand: the certificate it carries must be the configuration's
expect_rc 2 "plan the rotation" tf plan "${args[@]}" --out "$P/five.plan" --detailed-exitcode
/usr/bin/python3 - "$P/five.plan" "$T/foreign.pem" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["cas"]["b"]["pem"] = open(sys.argv[2]).read()
json.dump(d, open(sys.argv[1], "w"))
PY
expect_rc 1 "tampered certificate refused" tf apply "$P/five.plan"
check "says the certificate is not the configuration's" err_has 'the certificate the plan holds for CA "b" is not the one the configuration names'
check "the rotation did not happen" bash -c "ls '$R'/usr/local/share/ca-certificates/trustform/ | grep -q '^b-$(fingerprint "$T/cfg/cas/b.pem" | cut -c1-12)' && exit 1 || exit 0"

# other trustform versions and broken files
expect_rc 2 "plan again" tf plan "${args[@]}" --out "$P/six.plan" --detailed-exitcode
sed -i 's/"trustform_version": "[^"]*"/"trustform_version": "0.0.1"/' "$P/six.plan"
expect_rc 1 "a plan from another trustform version is refused" tf apply "$P/six.plan"
check "names both versions" err_has "was made by trustform 0.0.1"
echo '{"format": "something-else"}' >"$P/seven.plan"
expect_rc 1 "not a plan" tf apply "$P/seven.plan"
check "says so" err_has "is not a saved plan"
expect_rc 1 "missing file" tf apply "$P/none.plan"
check "names the file" err_has "$P/none.plan"

# --json: apply a saved plan, one JSON document on stdout
expect_rc 2 "plan for json" tf plan "${args[@]}" --out "$P/eight.plan" --detailed-exitcode
expect_rc 0 "apply FILE --json" tf apply "$P/eight.plan" --json
check "JSON document names the saved plan" /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d['saved_plan'] == sys.argv[2] and d['operation'] == 'apply' and all(c['status'] == 'applied' for c in d['resource_changes'])))" "$T/.out" "$P/eight.plan"
got=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$T/.out") || true
check "validates ($got)" grep -q ': valid$' <<<"$got"
expect_rc 0 "converged after the JSON apply" tf plan "${args[@]}" --detailed-exitcode

# a plan with a store that cannot be read is not saved
break_store "$R"
expect_rc 1 "plan --out with a failed store" tf plan "${args[@]}" --out "$P/nine.plan"
check "says why it is not saved" err_has "not saving the plan"
check "nothing written" test ! -e "$P/nine.plan"
done_testing

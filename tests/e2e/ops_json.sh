#!/usr/bin/env bash
# --json for plan, apply and show: every document printed here validates
# against schema/output.schema.json (a real JSON Schema validator), carries
# Terraform's shape (format_version, resource_changes[].address, change.actions,
# before/after, action_reason, change_summary) and says the same as the text
# plan. The schema rejects documents that break it (negative cases).
. "$(dirname "$0")/../lib/common.sh"

SCHEMA=$SRC_DIR/schema/output.schema.json
J=$T/json; mkdir -p "$J"
n=0
# jrun NAME RC args...: run trustform, keep stdout as $J/NAME.json, expect RC
jrun() {
  local name=$1 want=$2; shift 2
  expect_rc "$want" "$name: exit code" tf "$@"
  cp "$T/.out" "$J/$name.json"
  n=$((n + 1))
}
# jq-like checks with python: jcheck NAME 'python expression over d'
jcheck() {
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" \
    "$J/$1.json"
}

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/corp" "/O=Corp/CN=Corp Root"
mk_ca "$T/cfg/cas/lab" "/CN=Lab Root"
mk_ca "$T/cfg/cas/lab2" "/CN=Lab Root"
mk_ca "$T/cfg/cas/old" "/CN=Old Root"
cp "$R/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt" "$T/cfg/cas/isrg.pem"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
  old: { file: cas/old.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [corp, lab, old], stores: [system] }
hosts:
  h: [node]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)

jrun plan-add 2 plan "${args[@]}" --json --detailed-exitcode
check "plan: format_version" jcheck plan-add 'd["format_version"] == "1.5"'
check "plan: three creates" jcheck plan-add \
  '[c["change"]["actions"] for c in d["resource_changes"]] == [["create"]] * 3'
check "plan: Terraform-style address" jcheck plan-add \
  'd["resource_changes"][0]["address"] == "system.ca[\"corp\"]"'
check "plan: after carries the full fingerprint" jcheck plan-add \
  "d['resource_changes'][0]['change']['after']['sha256'] == '$(fingerprint "$T/cfg/cas/corp.pem")'"
check "plan: summary" jcheck plan-add \
  'd["change_summary"] == {"add": 3, "change": 0, "remove": 0, "operation": "plan"}'
check "plan: nothing but JSON on stdout" jcheck plan-add 'd["changes_pending"] is True'

# apply --json needs --auto-approve (no prompt on a JSON stream)
expect_rc 64 "apply --json without --auto-approve is a usage error" tf apply "${args[@]}" --json
check "says why" err_has "--json cannot ask for confirmation"
jrun apply-add 0 apply "${args[@]}" --json --auto-approve
check "apply: every change applied" jcheck apply-add \
  'all(c["status"] == "applied" and c["error"] is None for c in d["resource_changes"])'
check "apply: change_summary is what was done" jcheck apply-add \
  'd["change_summary"] == {"add": 3, "change": 0, "remove": 0, "operation": "apply"}'
check "apply: progress went to stderr" err_has 'ca "corp": added'

jrun show 0 show "${args[@]}" --json
check "show: managed entries" jcheck show \
  'sorted(r["name"] for r in d["values"]["root_module"]["resources"] if r["mode"] == "managed") == ["corp", "lab", "old"]'
check "show: distro CAs are data (foreign)" jcheck show \
  'sum(r["mode"] == "data" for r in d["values"]["root_module"]["resources"]) >= 100'
check "show: state digest" jcheck show 'len(d["stores"][0]["state_digest"]) == 64'

# replace (same name, new content), removal (dropped), distrust of a distro CA
cp "$T/cfg/cas/lab2.pem" "$T/cfg/cas/lab.pem"
sed -i 's/cas: \[corp, lab, old\]/cas: [corp, lab]/; s/^  old: .*$/  isrg: { file: cas\/isrg.pem, ensure: distrusted }/' \
  "$T/cfg/trust.yaml"
rm "$R/etc/ssl/certs/ca-certificates.crt"	# derived files out of date
jrun plan-mixed 2 plan "${args[@]}" --json --detailed-exitcode
tf plan "${args[@]}" >"$T/text-plan" 2>&1 || true
check "replace is delete+create" jcheck plan-mixed \
  'any(c["change"]["actions"] == ["delete", "create"] and c["name"] == "lab" and c["action_reason"] == "replace_because_content_changed" for c in d["resource_changes"])'
check "replace: before and after differ in sha256" jcheck plan-mixed \
  'all(c["change"]["before"]["sha256"] != c["change"]["after"]["sha256"] for c in d["resource_changes"] if c["name"] == "lab")'
check "removal reason is Terraform's" jcheck plan-mixed \
  'any(c["name"] == "old" and c["action_reason"] == "delete_because_no_resource_config" and c["change"]["after"] is None for c in d["resource_changes"])'
check "distrusted distro CA: updated in place, with the reason" jcheck plan-mixed \
  'any(c["name"] == "isrg" and c["change"]["actions"] == ["update"] and c["action_reason"] == "update_because_ensure_distrusted" and c["change"]["after"]["trust"] == "distrusted" and c["change"]["before"]["owned"] is False for c in d["resource_changes"])'
check "derived files: type files" jcheck plan-mixed \
  'any(c["type"] == "files" and c["address"] == "system.files" and c["change"]["before"]["up_to_date"] is False for c in d["resource_changes"])'
sum_text=$(sed -n 's/^Plan: \([0-9]*\) to add, \([0-9]*\) to change, \([0-9]*\) to destroy.$/\1 \2 \3/p' "$T/text-plan")
check "JSON summary equals the text plan's ($sum_text)" jcheck plan-mixed \
  "'%d %d %d' % (d['change_summary']['add'], d['change_summary']['change'], d['change_summary']['remove']) == '$sum_text'"
jrun apply-mixed 0 apply "${args[@]}" --json --auto-approve
jrun plan-clean 0 plan "${args[@]}" --json --detailed-exitcode
check "clean plan: no changes" jcheck plan-clean \
  'd["resource_changes"] == [] and d["changes_pending"] is False and not d["errored"]'

# failures are documents too
jrun unknown-host 1 plan -c "$T/cfg/trust.yaml" --root "$R" --host nobody --json
check "unknown host: errored with the reason" jcheck unknown-host \
  'd["errored"] and "matches no entry" in d["diagnostics"][0]["summary"]'
printf 'version: 1\ncas:\n  a: { file: cas/none.pem }\nstores: {}\nroles: {}\nhosts: {}\n' \
  >"$T/cfg/bad.yaml"
jrun bad-config 1 plan -c "$T/cfg/bad.yaml" --root "$R" --host h --json
check "bad config: diagnostics with file, line and column" jcheck bad-config \
  'any(x["range"]["start"] == {"line": 3, "column": 14} and x["range"]["filename"].endswith("bad.yaml") for x in d["diagnostics"] if "range" in x)'
# a store that cannot be read: errored, with the store's error
break_store "$R"
jrun store-error 1 plan "${args[@]}" --json
check "store error: errored, store status error" jcheck store-error \
  'd["errored"] and d["stores"][0]["status"] == "error" and d["stores"][0]["state_digest"] is None and "symbolic links" in d["stores"][0]["error"]'
check "store error: a diagnostic names the store" jcheck store-error \
  'any(x.get("address") == "system" for x in d["diagnostics"])'

out=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SCHEMA" "$J"/*.json) || true
while read -r line; do check "schema: $line" grep -q ': valid$' <<<"$line"; done <<<"$out"
check "validated all $n documents" test "$(grep -c ': valid$' <<<"$out")" = "$n"

# Negative cases: the schema is not a rubber stamp.
mutate() { # mutate NAME 'python statement over d'
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2; json.dump(d, open(sys.argv[2], 'w'))" \
    "$J/plan-mixed.json" "$T/bad-$1.json"
  got=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SCHEMA" "$T/bad-$1.json") || true
  check "schema rejects $1 ($got)" grep -q ': invalid' <<<"$got"
}
mutate no-format-version 'del d["format_version"]'
mutate unknown-action 'd["resource_changes"][0]["change"]["actions"] = ["frob"]'
mutate create-with-before 'c = [c for c in d["resource_changes"] if c["change"]["actions"] == ["delete", "create"]][0]; c["change"]["actions"] = ["create"]'
mutate short-fingerprint 'd["resource_changes"][0]["change"]["before"]["sha256"] = "abc"'
mutate extra-field 'd["surprise"] = 1'
mutate status-in-plan 'd["resource_changes"][0]["status"] = "applied"'
done_testing

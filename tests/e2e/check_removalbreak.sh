#!/usr/bin/env bash
# What a removal would break: openssl s_server on 127.0.0.1 serves a leaf of the
# root the configuration removes. The plan names the endpoint under the step
# (text and JSON), apply refuses the step (the others go on) until the CA's
# accept_breaking lists the endpoint, and curl with the store's bundle verifies
# the endpoint before and refuses it after. accept_breaking is validated.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/old" "/CN=Removal Old Root"
mk_ca "$C/cas/new" "/CN=Removal New Root"
mk_ca "$C/cas/extra" "/CN=Removal Extra Root"
mk_leaf "$T/old-leaf" "$C/cas/old"
mk_leaf "$T/new-leaf" "$C/cas/new"
p_old=$(free_port); start_tls_server "$T/old-leaf" "$p_old"
p_new=$(free_port); start_tls_server "$T/new-leaf" "$p_new"
BUNDLE=$R/etc/app/ca.pem

# conf OLD_ENSURE [ACCEPT] [EXTRA_ENSURE]
conf() {
  local accept=""
  [ -z "${2:-}" ] || accept=", accept_breaking: [$2]"
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  old-root: { file: cas/old.pem, ensure: $1$accept }
  new-root: { file: cas/new.pem }
  extra-root: { file: cas/extra.pem, ensure: ${3:-present} }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  runner:
    cas: [old-root, new-root, extra-root]
    stores: [app]
    connects_to:
      - https://127.0.0.1:$p_old
      - https://127.0.0.1:$p_new
hosts:
  h: [runner]
YAML
}
args=(-c "$C/trust.yaml" --root "$R" --host h --no-color)
curl_ok() { curl -sS -o /dev/null --cacert "$BUNDLE" "https://127.0.0.1:$1/"; }

# 1. both roots trusted: curl verifies both endpoints
conf present
expect_rc 0 "first apply" tf apply "${args[@]}" --auto-approve
check "curl verifies the old root's endpoint" curl_ok "$p_old"
check "curl verifies the new root's endpoint" curl_ok "$p_new"

# 2. the old root is removed (and the extra one, which nothing chains to)
conf absent "" absent
expect_rc 2 "plan: changes" tf plan "${args[@]}" --detailed-exitcode
check "plan: the break under the step" out_has "# would break: https://127.0.0.1:$p_old (apply refuses this step: list it under the CA's accept_breaking to accept)"
check "plan: the new root's endpoint is not broken" bash -c "! grep -q 'would break: https://127.0.0.1:$p_new' '$T/.out'"
check "plan: the endpoint section says why, and the fix" out_has "fix: trusted now: the plan's removal of CA \"old-root\", where its chain ends, breaks it; serve it from a CA that stays trusted, or list it under the CA's accept_breaking (apply refuses the step otherwise)"
check "plan: one break only (the extra root breaks nothing)" test "$(grep -c 'would break:' "$T/.out")" = 1
expect_rc 0 "plan --json" tf plan "${args[@]}" --json
check "JSON: the break on the old root's step" bash -c "jq -e '[.resource_changes[] | select(.name == \"old-root\") | .breaks[]] == [{\"endpoint\": \"https://127.0.0.1:$p_old\", \"accepted\": false}]' '$T/.out' >/dev/null"
valid() { local o; o=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$1"); grep -q ": valid$" <<<"$o" || { echo "  ($o)" | cut -c1-600 >&2; return 1; }; }
cp "$T/.out" "$T/plan.json"
check "JSON: the plan validates against the output schema" valid "$T/plan.json"
check "JSON: no break on the extra root's step" bash -c "jq -e '[.resource_changes[] | select(.name == \"extra-root\") | .breaks[]] == []' '$T/.out' >/dev/null"

# the other channels: the fleet report (text, markdown, JSON) and the metrics
expect_rc 2 "report over the plan" tf report "$T/plan.json"
check "report: the host line counts the breaking step" out_has "2 to remove; 1 step(s) would break endpoints"
check "report: the step names what it breaks" out_has "      would break: https://127.0.0.1:$p_old (apply refuses the step)"
check "report: the summary" out_has "1 step would break endpoints."
expect_rc 2 "report --format markdown" tf report --format markdown "$T/plan.json"
check "markdown: the break under the host" out_has "- \`app.ca[\"old-root\"]\` would break: https://127.0.0.1:$p_old (apply refuses the step)"
expect_rc 2 "report --json" tf report --json "$T/plan.json"
cp "$T/.out" "$T/report.json"
check "report JSON: breaking_steps per host and in the summary" bash -c "jq -e '.hosts[0].breaking_steps == 1 and .change_summary.breaking_steps == 1 and ([.hosts[0].resource_changes[] | select(.address == \"app.ca[\\\"old-root\\\"]\") | .breaks] == [1])' '$T/report.json' >/dev/null"
check "report JSON: validates against the output schema" valid "$T/report.json"
expect_rc 0 "plan --prometheus" tf plan "${args[@]}" --prometheus "$T/m.prom"
check "metrics: one breaking step in the store" grep -qx "trustform_breaking_steps{host=\"h\",store=\"app\"} 1" "$T/m.prom"
check "metrics: apply refuses it" grep -qx "trustform_breaking_steps_refused{host=\"h\",store=\"app\"} 1" "$T/m.prom"
check "metrics: promtool accepts the file" bash -c "promtool check metrics <'$T/m.prom' >/dev/null 2>&1"

# 3. apply refuses the step, names the CA, the endpoint and the fix; the other
# removal is carried out
expect_rc 1 "apply refuses" tf apply "${args[@]}" --auto-approve
check "apply: the refusal" out_has "ca \"old-root\": failed: refused: removing CA \"old-root\" would break https://127.0.0.1:$p_old, whose chain ends at it; serve those endpoints from a CA that stays trusted, or accept the break on the CA: accept_breaking: [https://127.0.0.1:$p_old]"
check "apply: the other removal went on" out_has "ca \"extra-root\": removed"
check "the bundle still holds the old root" grep -qF "$(sed -n 2p "$C/cas/old.pem")" "$BUNDLE"
check "the bundle no longer holds the extra root" bash -c "! grep -qF '$(sed -n 2p "$C/cas/extra.pem")' '$BUNDLE'"
check "curl still verifies the old root's endpoint" curl_ok "$p_old"

# the JSON of a refused apply: the step failed, with the refusal, and its breaks
tf apply "${args[@]}" --auto-approve --json >"$T/apply.json" 2>/dev/null || true
check "apply --json: validates against the output schema" valid "$T/apply.json"
check "apply --json: the step failed with the refusal" bash -c "jq -e '.resource_changes[] | select(.name == \"old-root\") | .status == \"failed\" and (.error | startswith(\"refused: removing CA\")) and .breaks[0].accepted == false' '$T/apply.json' >/dev/null"

# the CA dropped from the configuration: trustform removes what it put there,
# and refuses that too; the fix says to keep the CA, absent, to accept it
sed -i '/old-root: {/d; s/cas: \[old-root, /cas: [/' "$C/trust.yaml"
expect_rc 1 "apply refuses the removal of a dropped CA" tf apply "${args[@]}" --auto-approve
check "dropped CA: the reason" out_has "(because it is not in the configuration)"
check "dropped CA: the refusal and its fix" out_has "refused: removing CA \"old-root\" would break https://127.0.0.1:$p_old, whose chain ends at it; serve those endpoints from a CA that stays trusted, or accept the break on the CA (keep it under cas: with ensure: absent): accept_breaking: [https://127.0.0.1:$p_old]"
check "curl still verifies the old root's endpoint" curl_ok "$p_old"

# a distrust breaks it too
conf distrusted
expect_rc 0 "plan: distrusted" tf plan "${args[@]}"
check "plan: a distrust would break it" out_has "# would break: https://127.0.0.1:$p_old (apply refuses this step"

# 4. accept_breaking is validated: a present CA, a URL no role lists
conf present "https://127.0.0.1:$p_old" absent
expect_rc 1 "accept_breaking on a present CA" tf validate -c "$C/trust.yaml"
check "present CA: position and fix" err_has "accept_breaking is for a CA that is removed or distrusted; add \`ensure: absent\` (or distrusted), or delete accept_breaking"
check "present CA: line:column" err_has "trust.yaml:3:"
conf absent "https://127.0.0.1:$p_old, https://127.0.0.1:$p_old"
expect_rc 1 "accept_breaking listing a URL twice" tf validate -c "$T/cfg/trust.yaml"
check "twice: named" err_has "accept_breaking lists \"https://127.0.0.1:$p_old\" twice; remove one"
conf absent "https://127.0.0.1:${p_old}0"
expect_rc 1 "accept_breaking with a typo" tf validate -c "$C/trust.yaml"
check "typo: did you mean" err_has "accept_breaking lists \"https://127.0.0.1:${p_old}0\", which no role's connects_to lists; did you mean \"https://127.0.0.1:$p_old\"?"

# 5. accepted: the plan says so, apply removes it, curl refuses the endpoint
conf absent "https://127.0.0.1:$p_old" absent
expect_rc 2 "plan with the break accepted" tf plan "${args[@]}" --detailed-exitcode
check "plan: accepted" out_has "# would break: https://127.0.0.1:$p_old (accepted: accept_breaking lists it)"
expect_rc 0 "plan --prometheus, the break accepted" tf plan "${args[@]}" --prometheus "$T/m.prom"
check "metrics: still a breaking step" grep -qx "trustform_breaking_steps{host=\"h\",store=\"app\"} 1" "$T/m.prom"
check "metrics: but not refused" grep -qx "trustform_breaking_steps_refused{host=\"h\",store=\"app\"} 0" "$T/m.prom"
expect_rc 0 "apply with the break accepted" tf apply "${args[@]}" --auto-approve
check "apply: removed" out_has "ca \"old-root\": removed"
check "the bundle no longer holds the old root" bash -c "! grep -qF '$(sed -n 2p "$C/cas/old.pem")' '$BUNDLE'"
expect_rc 60 "curl refuses the old root's endpoint after" curl_ok "$p_old"
check "curl still verifies the new root's endpoint" curl_ok "$p_new"

done_testing

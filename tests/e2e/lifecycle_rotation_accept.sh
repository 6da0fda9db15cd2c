#!/usr/bin/env bash
# accept_breaking and a rotation's block. A rotation (new-root replaces
# old-root) in its switch phase: two openssl s_server on 127.0.0.1 still serve
# leaves of the old root, a third endpoint does not answer. Removing the old
# root is blocked; accept_breaking lifts the block only when it names every
# endpoint that still chains only to the old root, and only in switch:
#   - naming one of the two: still blocked (plan and apply), naming the other;
#   - naming both, with the dead endpoint among connects_to: still blocked
#     (what that one serves is not known), unless it is named too;
#   - naming all: the plan says the breaks are accepted, `rotation status`
#     says so and exits 0 (and `report` over the JSON plan), apply removes
#     the old root, and curl with the
#     host's bundle then refuses the endpoints (the break was real);
#   - in overlap (a store lacks the new root), naming every endpoint does not
#     lift the block.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/old" "/CN=Accept Old Root"
mk_ca "$C/cas/new" "/CN=Accept New Root"
mk_leaf "$T/a" "$C/cas/old"
mk_leaf "$T/b" "$C/cas/old"
pa=$(free_port); start_tls_server "$T/a" "$pa"
pb=$(free_port); start_tls_server "$T/b" "$pb"
pd=$(free_port) # nobody listens there
A=https://127.0.0.1:$pa; B=https://127.0.0.1:$pb; D=https://127.0.0.1:$pd
BUNDLE=$R/etc/app/ca.pem

# conf OLD_ENSURE [ACCEPT] [DEAD]: DEAD non-empty lists the dead endpoint too
conf() {
  local accept="" dead=""
  [ -z "${2:-}" ] || accept=", accept_breaking: [$2]"
  [ -z "${3:-}" ] || dead="      - $D"
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  old-root: { file: cas/old.pem, ensure: $1$accept }
  new-root: { file: cas/new.pem, replaces: old-root }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  web:
    cas: [old-root, new-root]
    stores: [app]
    connects_to:
      - $A
      - $B
$dead
hosts:
  h: [web]
YAML
}
run() { tf "$@" -c "$C/trust.yaml" --root "$R" --host h --no-color; }
valid() { local o; o=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$1"); grep -q ": valid$" <<<"$o" || { echo "  ($o)" | cut -c1-600 >&2; return 1; }; }

# in overlap: the host trusts the old root only; naming every endpoint does not lift the block
conf present
sed -i 's/cas: \[old-root, new-root\]/cas: [old-root]/' "$C/trust.yaml"
expect_rc 0 "apply the old root alone" run apply --auto-approve
conf absent "$A, $B"
expect_rc 2 "overlap: the removal is blocked" run plan --detailed-exitcode
check "overlap: blocked by the store, whatever accept_breaking says" out_has "# blocked by the rotation \"old-root\" -> \"new-root\", in its overlap phase: 1 store still lacks \"new-root\": app (pem-bundle);"

# switch: both roots trusted, both servers still on the old root
conf present
expect_rc 0 "apply both roots" run apply --auto-approve
expect_rc 2 "status: switch, blocked" run rotation status
check "status: both endpoints block" out_has "blocks the next phase: 2 endpoints still chain only to \"old-root\": $A, $B"

conf absent "$A"
expect_rc 2 "one of two accepted: plan shows the block" run plan --detailed-exitcode
check "one of two: still blocked, naming both" out_has "# blocked by the rotation \"old-root\" -> \"new-root\", in its switch phase: 2 endpoints still chain only to \"old-root\": $A, $B;"
expect_rc 2 "one of two: status still blocked" run rotation status
check "one of two: no acceptance said" bash -c "! grep -q 'accepted:' '$T/.out'"
expect_rc 1 "one of two: apply refuses" run apply --auto-approve
check "one of two: refused by the rotation" out_has "refused: removing CA \"old-root\" is blocked by the rotation \"old-root\" -> \"new-root\", in its switch phase"
check "one of two: the bundle keeps the old root" grep -qF "$(sed -n 2p "$C/cas/old.pem")" "$BUNDLE"

conf absent "$A, $B" dead
expect_rc 2 "both accepted, a third not checked: status blocked" run rotation status
check "dead endpoint: not checked, blocks" out_has "1 endpoint could not be checked: $D"
expect_rc 1 "both accepted, a third not checked: apply refuses" run apply --auto-approve
check "dead endpoint: refused by the rotation" out_has "refused: removing CA \"old-root\" is blocked by the rotation"

conf absent "$A, $B, $D" dead
expect_rc 2 "all named, one not checked: still blocked" run rotation status
check "all named, one not checked: no acceptance" bash -c "! grep -q 'accepted:' '$T/.out'"

conf absent "$A, $B"
expect_rc 0 "both accepted: status exits 0" run rotation status
check "status: the acceptance, named" out_has "accepted: \"old-root\" lists the break of $A, $B under accept_breaking: its removal is not blocked"
check "status: the phase is still switch" out_has "rotation \"old-root\" -> \"new-root\": switch (2 endpoints still chain only to old-root)"
expect_rc 0 "status --json" run rotation status --json
check "status JSON: accepted_breaks, nothing blocked" bash -c "jq -e '.rotations[0].accepted_breaks == \"$A, $B\" and .rotation_summary.blocked == 0' '$T/.out' >/dev/null"
expect_rc 2 "both accepted: the plan has the removal" run plan --detailed-exitcode
check "plan: not blocked" bash -c "! grep -q '# blocked by' '$T/.out'"
check "plan: the breaks, accepted" out_has "would break: $A"
check "plan: accepted" out_has "accepted"
run plan --json >"$T/h.json" 2>/dev/null || true
check "plan JSON: the rotation's accepted breaks" bash -c "jq -e '.rotations[0].accepted_breaks == \"$A, $B\"' '$T/h.json' >/dev/null"
check "plan JSON validates" valid "$T/h.json"
expect_rc 2 "report over the plan" tf report "$T/h.json"
check "report: the accepted breaks" out_has "accepted (accept_breaking): $A, $B"
expect_rc 2 "report --json" tf report --json "$T/h.json"
cp "$T/.out" "$T/report.json"
check "report JSON validates, with the accepted breaks" bash -c "jq -e '.hosts[0].rotations[0].accepted_breaks == \"$A, $B\"' '$T/report.json' >/dev/null"
check "report JSON validates" valid "$T/report.json"
expect_rc 0 "both accepted: apply removes the old root" run apply --auto-approve
check "apply: removed" out_has "ca \"old-root\": removed"
check "the bundle no longer holds the old root" bash -c "! grep -qF '$(sed -n 2p "$C/cas/old.pem")' '$BUNDLE'"
check "curl refuses a (the accepted break was real)" bash -c "! curl -sS -o /dev/null --max-time 10 --cacert '$BUNDLE' '$A/' 2>/dev/null"
expect_rc 0 "status: done" run rotation status
check "done" out_has "done (old-root is in no store of this host)"
done_testing

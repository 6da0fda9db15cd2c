#!/usr/bin/env bash
# Caddy's steps in the operations features: --json describes them as their own
# resources (root, issuance) and validates against schema/output.schema.json;
# a saved plan carries them, goes stale when Caddy's PKI moves, and applies
# exactly its steps (the root drift fails as it must, and the reissue is held
# until Caddy's root is the one the configuration trusts; then it is done).
. "$(dirname "$0")/../lib/common.sh"

SCHEMA=$SRC_DIR/schema/output.schema.json
check_json() { /usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SCHEMA" "$@"; }

R=$T/root; mk_root "$R"; mkdir -p "$R/var/lib/trustform"   # the run lock lives here
pki=$R/var/lib/caddy/.local/share/caddy/pki/authorities/local; mkdir -p "$pki" "$T/cfg/cas"
subj="/CN=Caddy Local Authority - 2026 ECC Root"
mk_ca "$T/root" "$subj"            # Caddy's root now
mk_ca "$T/gone" "$subj"            # the root a reset deleted, which signed the intermediate
mk_ca "$T/cfg/cas/caddy-local" "$subj"   # the root the configuration still names
mk_intermediate "$T/inter" "$T/gone" "/CN=Caddy Local Authority - ECC Intermediate"
cp "$T/root.pem" "$pki/root.crt"; cp "$T/root.key" "$pki/root.key"
cp "$T/inter.pem" "$pki/intermediate.crt"; cp "$T/inter.key" "$pki/intermediate.key"
mk_intermediate "$T/good" "$T/root" "/CN=Caddy Local Authority - ECC Intermediate"
cat >"$T/cfg/trust.yaml" <<YAML
version: 1
cas:
  caddy-local: { file: cas/caddy-local.pem, caddy: local }
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  stop: "true"
  start: "cp $T/good.pem $pki/intermediate.crt"   # what Caddy does when it starts
roles:
  edge: { cas: [caddy-local], stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host edge1)

expect_rc 2 "plan shows Caddy's steps" tf plan "${args[@]}" --detailed-exitcode
check "root drift" out_has '~ root "caddy-local" {'
check "reissue" out_has '-/+ issuance "local" {'

# --target names the caddy: section's store: Caddy's steps alone, then the
# system store's alone (its CA is still to add); a store of no role is refused.
expect_rc 2 "--target caddy" tf plan "${args[@]}" --target caddy --detailed-exitcode
check "  Caddy's root drift" out_has '~ root "caddy-local" {'
check "  Caddy's reissue" out_has '-/+ issuance "local" {'
check "  not the system store" bash -c '! grep -q "^  # system" "$1"' _ "$T/.out"
expect_rc 2 "--target system" tf plan "${args[@]}" --target system --detailed-exitcode
check "  the system store's CA" out_has '+ ca "caddy-local"'
check "  not Caddy's steps" bash -c '! grep -q "issuance\|root \"" "$1"' _ "$T/.out"
sed 's/caddy: true/caddy: false/' "$T/cfg/trust.yaml" >"$T/cfg/nocaddy.yaml"
expect_rc 1 "--target caddy on a host without caddy: true" \
  tf plan -c "$T/cfg/nocaddy.yaml" --root "$R" --host edge1 --target caddy
check "  says why" err_has '--target caddy: host "edge1" does not use that store (none of its roles sets `caddy: true`'

tf plan "${args[@]}" --json >"$T/plan.json" 2>/dev/null || true
got=$(check_json "$T/plan.json")
check "plan --json is valid ($got)" grep -q ': valid$' <<<"$got"
types=$(jq -r '[.resource_changes[].type] | sort | join(",")' "$T/plan.json")
check "resource types ($types)" test "$types" = "ca,issuance,root"
addr=$(jq -r '.resource_changes[] | select(.type=="issuance") | .address' "$T/plan.json")
check "issuance address ($addr)" grep -qE '\.issuance\["local"\]$' <<<"$addr"
check "issuance is a replacement" test "$(jq -c '.resource_changes[] | select(.type=="issuance") | .change.actions' "$T/plan.json")" = '["delete","create"]'
check "root drift reason code" test "$(jq -r '.resource_changes[] | select(.type=="root") | .action_reason' "$T/plan.json")" = update_because_root_drift

# A saved plan goes stale when Caddy's PKI moves.
expect_rc 2 "save a plan" tf plan "${args[@]}" --out "$T/p1.plan" --detailed-exitcode
mk_intermediate "$T/inter2" "$T/gone" "/CN=Caddy Local Authority - ECC Intermediate"
cp "$T/inter2.pem" "$pki/intermediate.crt"
before=$(tree_sum "$R")
expect_rc 1 "stale saved plan refused" tf apply "$T/p1.plan"
check "says stale" err_has "Saved plan is stale"
check "nothing changed" test "$before" = "$(tree_sum "$R")"

# A fresh saved plan applies exactly its steps.
expect_rc 2 "save a fresh plan" tf plan "${args[@]}" --out "$T/p2.plan" --detailed-exitcode
expect_rc 1 "apply the saved plan (the root drift cannot be applied)" tf apply "$T/p2.plan" --json
cp "$T/.out" "$T/apply.json"
got=$(check_json "$T/apply.json")
check "apply --json is valid ($got)" grep -q ': valid$' <<<"$got"
check "the reissue was held" test "$(jq -r '.resource_changes[] | select(.type=="issuance") | .status' "$T/apply.json")" = failed
check "the root drift failed" test "$(jq -r '.resource_changes[] | select(.type=="root") | .status' "$T/apply.json")" = failed
check "the held intermediate is kept" test "$(fingerprint "$pki/intermediate.crt")" = "$(fingerprint "$T/inter2.pem")"

# Caddy's root committed: the reissue runs, and apply checks Caddy's work.
cp "$T/root.pem" "$T/cfg/cas/caddy-local.pem"
# A removal that fails (the filesystem refuses it) starts the stopped Caddy again.
expect_rc 0 "the system store first" tf apply "${args[@]}" --auto-approve --target system
expect_rc 1 "removal fails" env TRUSTFORM_TEST_FAIL_WRITE=1:EROFS "$TRUSTFORM" apply "${args[@]}" --auto-approve
check "  says so, with the remedy" out_has "removing the stale files failed"
check "  Caddy was started again" out_has "Caddy runs again on the files as they are"
check "  (its start command ran)" test "$(fingerprint "$pki/intermediate.crt")" = "$(fingerprint "$T/good.pem")"
cp "$T/inter2.pem" "$pki/intermediate.crt"
expect_rc 2 "a fresh plan" tf plan "${args[@]}" --out "$T/p3.plan" --detailed-exitcode
expect_rc 0 "apply it" tf apply "$T/p3.plan" --json
check "the reissue was applied" test "$(jq -r '.resource_changes[] | select(.type=="issuance") | .status' "$T/.out")" = applied
check "the new intermediate is in place" test "$(fingerprint "$pki/intermediate.crt")" = "$(fingerprint "$T/good.pem")"
check "the root and its key are kept" test -f "$pki/root.crt" -a -f "$pki/root.key"
done_testing

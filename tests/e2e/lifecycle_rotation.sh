#!/usr/bin/env bash
# Staged CA rotation (replaces:) across three hosts, with clients that never
# see a failure. Three --root sandboxes (a Debian system store and a
# pem-bundle store each) call two TLS servers on 127.0.0.1 that serve a leaf
# and its intermediate under an OpenSSL-made old root. For each host, curl
# (with the system bundle and with the app bundle) and openssl s_client
# -verify_return_error poll both servers in the background through the whole
# rotation: overlap (the new root added everywhere; one host's apply killed
# half-way and re-run), switch (the servers move to a leaf and intermediate
# of the new root, with no downtime), retire (the old root removed). The
# test asserts not one failed request, and on the way: `rotation status`
# names the blocking host, store and endpoint at each phase, a removal too
# early is shown blocked by the plan and refused by apply, naming what
# blocks it, and `report` over the hosts' JSON plans shows each host's phase.
. "$(dirname "$0")/../lib/common.sh"

C=$T/cfg; mkdir -p "$C/cas" "$T/pki"
from=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ); to=$(date -u -d '+3650 days' +%Y%m%d%H%M%SZ)
mk_ca_dated "$T/pki/old-root" "/CN=Rotation Old Root" "$from" "$to"
mk_ca_dated "$T/pki/old-inter" "/CN=Rotation Old Issuing CA" "$from" "$to" "$T/pki/old-root"
mk_ca_dated "$T/pki/new-root" "/CN=Rotation New Root" "$from" "$to"
mk_ca_dated "$T/pki/new-inter" "/CN=Rotation New Issuing CA" "$from" "$to" "$T/pki/new-root"
cp "$T/pki/old-root.pem" "$T/pki/new-root.pem" "$C/cas/"
for side in old new; do
  for svc in a b; do
    mk_leaf "$T/pki/$svc-$side" "$T/pki/$side-inter"
    cat "$T/pki/$svc-$side.pem" "$T/pki/$side-inter.pem" >"$T/pki/$svc-$side.chain"
  done
done

# serve SVC SIDE: switch the server of SVC to SIDE's chain (atomically)
serve() {
  echo "$T/pki/$1-$2.chain $T/pki/$1-$2.key" >"$T/srv-$1.new"
  mv "$T/srv-$1.new" "$T/srv-$1"
}
declare -A port
for svc in a b; do
  port[$svc]=$(free_port)
  serve "$svc" old
  /usr/bin/python3 "$TESTS_DIR/lib/rotating_tls_server.py" "${port[$svc]}" "$T/srv-$svc" \
    >/dev/null 2>&1 </dev/null &
  server_started $!
  wait_accepting "${port[$svc]}" $!
done
A=https://127.0.0.1:${port[a]}; B=https://127.0.0.1:${port[b]}

# conf STAGE: before (old only), rotate (new replaces old), retire (old absent)
conf() {
  local new="" cas="old-root" ensure=present
  case $1 in
    rotate) new="  new-root: { file: cas/new-root.pem, replaces: old-root }"; cas="old-root, new-root" ;;
    retire) new="  new-root: { file: cas/new-root.pem, replaces: old-root }"; cas="old-root, new-root"; ensure=absent ;;
  esac
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  old-root: { file: cas/old-root.pem, ensure: $ensure }
$new
stores:
  system: { type: system }
  app: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  web:
    cas: [$cas]
    stores: [system, app]
    connects_to:
      - $A
      - $B
hosts:
  h1: [web]
  h2: [web]
  h3: [web]
YAML
}
run() { local h=$1; shift; tf "$@" -c "$C/trust.yaml" --root "$T/$h" --host "$h" --no-color; }
# bundle_has BUNDLE CERT: BUNDLE holds CERT (the whole certificate, not a
# line of it: two roots of one test share their first bytes)
bundle_has() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
blocks = lambda t: {"".join(b.split()) for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", t, re.S)}
sys.exit(0 if blocks(open(sys.argv[2]).read()) <= blocks(open(sys.argv[1]).read()) else 1)
PY
}
bundle_lacks() { ! bundle_has "$@"; }
valid() { local o; o=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$1"); grep -q ": valid$" <<<"$o" || { echo "  ($o)" | cut -c1-600 >&2; return 1; }; }

# 1. before the rotation: every host trusts the old root
conf before
for h in h1 h2 h3; do
  mk_root "$T/$h"
  expect_rc 0 "$h: first apply" run "$h" apply --auto-approve
done

# the clients: each host's curl and openssl, both bundles, both servers, in a
# loop until the test stops them; every request is one line of the host's log
poll() {
  local r=$T/$1 p b rc
  while [ ! -e "$T/stop" ]; do
    for p in "${port[a]}" "${port[b]}"; do
      for b in "$r/etc/ssl/certs/ca-certificates.crt" "$r/etc/app/ca.pem"; do
        rc=0; curl -sS -o /dev/null --max-time 20 --cacert "$b" "https://127.0.0.1:$p/" 2>>"$T/poll-$1.err" || rc=$?
        if [ $rc = 0 ]; then echo "ok curl $p $b"; else echo "FAIL curl exit $rc $p $b"; fi
      done
      rc=0; openssl s_client -connect "127.0.0.1:$p" -verify_return_error -CAfile "$r/etc/app/ca.pem" \
        </dev/null >/dev/null 2>>"$T/poll-$1.err" || rc=$?
      if [ $rc = 0 ]; then echo "ok s_client $p"; else echo "FAIL s_client exit $rc $p"; fi
    done
  done >>"$T/poll-$1.log"
}
pollers_start poll h1 h2 h3
# settle: every poller has made at least two more rounds (12 requests) since now
settle() { pollers_settle 12; }
settle
status() { run "$1" rotation status; }

# 2. overlap: the new root replaces the old one
conf rotate
expect_rc 0 "validate: replaces" tf validate -c "$C/trust.yaml"
expect_rc 2 "h1: status before apply: blocked" status h1
check "status names the host" out_has "trustform rotation status · host h1"
check "status: overlap, both stores" out_has "rotation \"old-root\" -> \"new-root\": overlap (2 stores still lack new-root)"
check "status: the system store lacks it" out_has "LACKS  system (debian): lacks \"new-root\": apply adds it"
check "status: the app store lacks it" out_has "LACKS  app (pem-bundle): lacks \"new-root\": apply adds it"
check "status: what blocks the next phase" out_has "blocks the next phase: 2 stores still lack \"new-root\": app (pem-bundle), system (debian)"
expect_rc 0 "h1: plan --json" run h1 plan --json
cp "$T/.out" "$T/h1-overlap.json"
check "plan JSON: validates" valid "$T/h1-overlap.json"
check "plan JSON: format 1.5" bash -c "jq -e '.format_version == \"1.5\"' '$T/h1-overlap.json' >/dev/null"
check "plan JSON: the rotation's phase" bash -c "jq -e '.rotations[0] | .phase == \"overlap\" and .old == \"old-root\" and .new == \"new-root\" and ([.stores[] | select(.trusts_new | not)] | length) == 2' '$T/h1-overlap.json' >/dev/null"
expect_rc 0 "h1: plan" run h1 plan
check "plan: the Rotation section" out_has "Rotation (judged from what the stores hold and the endpoints serve now):"
check "plan: the phase" out_has "rotation \"old-root\" -> \"new-root\": overlap (2 stores still lack new-root)"

expect_rc 0 "h1: apply (overlap)" run h1 apply --auto-approve
expect_rc 2 "h1: status after overlap: switch, blocked by both endpoints" status h1
check "h1: switch phase" out_has "rotation \"old-root\" -> \"new-root\": switch (2 endpoints still chain only to old-root)"
check "h1: the endpoint a" out_has "OLD    $A: chains only to \"old-root\""
check "h1: both stores trust the new root" out_has "ok     app (pem-bundle): trusts \"new-root\", still holds the old CA"
check "h1: what blocks" out_has "blocks the next phase: 2 endpoints still chain only to \"old-root\": $A, $B"
expect_rc 0 "h2: apply (overlap)" run h2 apply --auto-approve

# a removal too early, while h3 is still in overlap: blocked and refused,
# naming the store that lacks the new root
conf retire
expect_rc 2 "h3: plan: removal blocked" run h3 plan --detailed-exitcode
check "h3 plan: the removal is blocked by the rotation" out_has "# blocked by the rotation \"old-root\" -> \"new-root\", in its overlap phase: 2 stores still lack \"new-root\": app (pem-bundle), system (debian); finish that phase first (trustform rotation status), keeping \"old-root\" until then (apply refuses this step)"
expect_rc 0 "h3: plan --json with the blocked step" run h3 plan --json
cp "$T/.out" "$T/h3-blocked.json"
check "JSON: the blocked step validates" valid "$T/h3-blocked.json"
check "JSON: the removal carries blocked" bash -c "jq -e '[.resource_changes[] | select(.name == \"old-root\") | .blocked | startswith(\"the rotation\")] | length == 2 and all' '$T/h3-blocked.json' >/dev/null"
conf rotate

# the overlap on h3 is interrupted: apply is killed after its first write
rc=0; TRUSTFORM_TEST_CRASH_AFTER_WRITES=1 run h3 apply --auto-approve >"$T/.out" 2>&1 || rc=$?
check "h3: the interrupted apply was killed (exit $rc)" test "$rc" = 137
settle
expect_rc 2 "h3: status after the interruption: still overlap" status h3
check "h3: overlap, a store still lacks it" out_has "\": overlap ("
check "h3: a store named as lacking it" out_has "LACKS  "

# report over the fleet's JSON plans: each host's phase
for h in h1 h2 h3; do run "$h" plan --json >"$T/fleet-$h.json" 2>/dev/null || true; done
check "fleet JSON plans validate" valid "$T/fleet-h3.json"
expect_rc 2 "report (text)" tf report "$T"/fleet-h*.json
check "report: h1 in switch" bash -c "grep -A3 '^host h1' '$T/.out' | grep -qF 'rotation \"old-root\" -> \"new-root\": switch (2 endpoints still chain only to old-root)'"
check "report: h3 in overlap" bash -c "grep -A3 '^host h3' '$T/.out' | grep -qF 'rotation \"old-root\" -> \"new-root\": overlap ('"
expect_rc 2 "report (markdown)" tf report --format markdown "$T"/fleet-h*.json
check "report markdown: the rotations table" out_has "| host | rotation | phase | blocks the next phase |"
check "report markdown: h3's row" bash -c "grep -F '| \`h3\` | \`old-root\` → \`new-root\` | overlap (' '$T/.out' >/dev/null"
expect_rc 2 "report --json" tf report --json "$T"/fleet-h*.json
cp "$T/.out" "$T/report.json"
check "report JSON validates" valid "$T/report.json"
check "report JSON: phases per host" bash -c "jq -e '[.hosts[] | .rotations[0].phase] == [\"switch\", \"switch\", \"overlap\"]' '$T/report.json' >/dev/null"

# resumed: re-running apply on h3 finishes the overlap
expect_rc 0 "h3: apply again (resume)" run h3 apply --auto-approve
expect_rc 2 "h3: status: switch" status h3
check "h3: resumed into switch" out_has "rotation \"old-root\" -> \"new-root\": switch (2 endpoints still chain only to old-root)"
settle

# 3. a removal too early, in switch: the plan shows it blocked, apply refuses
# it naming the endpoints, and the bundles keep the old root
conf retire
expect_rc 2 "h1: plan: removal blocked by the endpoints" run h1 plan --detailed-exitcode
check "h1 plan: blocked, naming the endpoints" out_has "# blocked by the rotation \"old-root\" -> \"new-root\", in its switch phase: 2 endpoints still chain only to \"old-root\": $A, $B;"
expect_rc 1 "h1: apply refuses the early removal" run h1 apply --auto-approve
check "apply: refused, naming the endpoint" out_has "ca \"old-root\": failed: refused: removing CA \"old-root\" is blocked by the rotation \"old-root\" -> \"new-root\", in its switch phase: 2 endpoints still chain only to \"old-root\": $A, $B"
check "h1: the app bundle still holds the old root" bundle_has "$T/h1/etc/app/ca.pem" "$C/cas/old-root.pem"
check "h1: the system bundle still holds the old root" bundle_has "$T/h1/etc/ssl/certs/ca-certificates.crt" "$C/cas/old-root.pem"
settle
conf rotate

# 4. switch: server a first, then b, with no downtime
serve a new
settle
expect_rc 2 "h2: status with a switched" status h2
check "h2: one endpoint left" out_has "switch (1 endpoint still chains only to old-root)"
check "h2: a chains to the new root" out_has "ok     $A: chains to \"new-root\""
check "h2: b still to the old one" out_has "OLD    $B: chains only to \"old-root\""
serve b new
settle
for h in h1 h2 h3; do
  expect_rc 0 "$h: status: retire, nothing blocks" status "$h"
  check "$h: retire" out_has "rotation \"old-root\" -> \"new-root\": retire (old-root may be removed: 2 stores still hold it)"
  check "$h: the next step" out_has "next: remove \"old-root\": set it \`ensure: absent\` (or distrusted) and apply"
done
expect_rc 2 "status --offline: the switch cannot be judged" run h1 rotation status --offline
check "offline: the endpoints are not checked, and block" out_has "?      $A: not checked (--offline)"
expect_rc 64 "rotation without status: usage error" tf rotation stat
run h1 rotation status --json >"$T/status.json" || true
check "status JSON validates" valid "$T/status.json"
check "status JSON: retire, nothing blocks" bash -c "jq -e '.rotations[0].phase == \"retire\" and .rotations[0].blocks == null and .rotation_summary.blocked == 0' '$T/status.json' >/dev/null"

# 5. retire: the old root is removed everywhere; not store by store with
# --target, which leaves the other stores unread (unknown: blocked)
conf retire
expect_rc 1 "h1: apply --target app refuses the removal" run h1 apply --auto-approve --target app
check "--target: the store left out blocks" out_has "refused: removing CA \"old-root\" is blocked by the rotation \"old-root\" -> \"new-root\", in its overlap phase: 1 store still lacks \"new-root\": system (not read: --target left it out)"
for h in h1 h2 h3; do
  expect_rc 0 "$h: apply (retire)" run "$h" apply --auto-approve
  check "$h: old root removed" out_has "ca \"old-root\": removed"
  check "$h: the app bundle no longer holds the old root" bundle_lacks "$T/$h/etc/app/ca.pem" "$C/cas/old-root.pem"
  check "$h: the system bundle no longer holds the old root" bundle_lacks "$T/$h/etc/ssl/certs/ca-certificates.crt" "$C/cas/old-root.pem"
  check "$h: both bundles hold the new root" bundle_has "$T/$h/etc/app/ca.pem" "$C/cas/new-root.pem"
  expect_rc 0 "$h: status: done" status "$h"
  check "$h: done" out_has "rotation \"old-root\" -> \"new-root\": done (old-root is in no store of this host)"
done
settle

# the clients: not one failure, through every phase
touch "$T/stop"
pollers_wait
for h in h1 h2 h3; do
  n=$(grep -c '^ok ' "$T/poll-$h.log" || true)
  check "$h: the clients made requests ($n)" test "$n" -gt 100
  check "$h: not one failed request" bash -c "! grep -m5 '^FAIL' '$T/poll-$h.log' >&2"
  check "$h: curl through both bundles, to both servers" test "$(grep '^ok curl' "$T/poll-$h.log" | awk '{print $3, $4}' | sort -u | wc -l)" = 4
done

# 6. replaces: is validated, with file:line:col and the fix
bad() { sed -i "s|^  new-root: .*|  new-root: { file: cas/new-root.pem, $1 }|" "$C/trust.yaml"; }
conf rotate
bad "replaces: old-rot"
expect_rc 1 "replaces: a typo" tf validate -c "$C/trust.yaml"
check "typo: did you mean" err_has "CA \"new-root\" replaces \"old-rot\", which is not a CA of cas:; did you mean \"old-root\"?"
check "typo: file:line:col" err_has "trust.yaml:4:"
bad "replaces: new-root"
expect_rc 1 "replaces: itself" tf validate -c "$C/trust.yaml"
check "itself: named" err_has "CA \"new-root\" replaces itself"
bad "replaces: old-root, ensure: absent"
expect_rc 1 "replaces on an absent CA" tf validate -c "$C/trust.yaml"
check "absent: named" err_has "CA \"new-root\" replaces \"old-root\" but is ensure: absent"
conf rotate
sed -i "s|^  old-root: { file: cas/old-root.pem, ensure: present }|  old-root: { file: cas/old-root.pem, replaces: new-root }|" "$C/trust.yaml"
expect_rc 1 "replaces: a cycle" tf validate -c "$C/trust.yaml"
check "cycle: named" err_has "CA \"new-root\" replaces \"old-root\", which itself replaces \"new-root\""

done_testing

#!/usr/bin/env bash
# The shipped Prometheus alert rules (examples/prometheus/trustform.rules.yml,
# installed by the .deb) against what trustform really writes: the real
# `promtool check rules` accepts the file, and `promtool test rules` runs it
# over the metrics files of real trustform runs (--prometheus), made into
# input series: a host with drift, a CA openssl made to expire in 5 days, a
# Caddy intermediate past Caddy's renewal point (openssl ca -startdate
# -enddate, no clock moved), an endpoint whose clients refuse it (a real
# openssl s_server), one that does not answer; the same host converged and
# clean (no alert); a check that failed long ago (failing, not running); the
# configuration from git, its remote gone for two days (stale); a rotation
# whose overlap has been blocked for three days.
# The restart-pending series alone is written by the test: under --root
# trustform never asks systemd, so no run here has a sample of it; its name
# and help come from the real file, its labels from the real store.
. "$(dirname "$0")/../lib/common.sh"

command -v promtool >/dev/null || { echo "FAIL: promtool is not installed (Debian package prometheus, scripts/deps.txt)" >&2; exit 1; }
RULES=$SRC_DIR/examples/prometheus/trustform.rules.yml
expect_rc 0 "promtool check rules accepts the shipped rules" promtool check rules "$RULES"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/soon" "/CN=Alerts Soon Root" 5
mk_ca "$C/cas/root" "/CN=Alerts Root" 400
mk_ca "$T/other" "/CN=Someone Else"
mk_leaf "$T/good" "$C/cas/root" localhost
mk_leaf "$T/bad" "$T/other" localhost
p_good=$(free_port); start_tls_server "$T/good" "$p_good"
p_bad=$(free_port); start_tls_server "$T/bad" "$p_bad"
p_dead=$(free_port) # nobody listens there

# Caddy's PKI (as Caddy lays it out): its root, and an intermediate nine tenths
# through its life (ten days ago to one day ahead), which a running Caddy would
# have renewed at four fifths.
pki=$R/var/lib/caddy/.local/share/caddy/pki/authorities/local; mkdir -p "$pki"
mk_ca "$T/caddy-root" "/CN=Caddy Local Authority - 2026 ECC Root" 3650
mk_ca_dated "$T/ica" "/CN=Caddy Local Authority - ECC Intermediate" \
  "$(date -u -d '-10 days' +%Y%m%d%H%M%SZ)" "$(date -u -d '+1 day' +%Y%m%d%H%M%SZ)" "$T/caddy-root"
cp "$T/ica.pem" "$pki/intermediate.crt"; cp "$T/ica.key" "$pki/intermediate.key"
cp "$T/caddy-root.pem" "$pki/root.crt"; cp "$T/caddy-root.pem" "$C/cas/caddy-local.pem"

cfg() { # cfg "CAS" "ENDPOINTS"
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  soon: { file: cas/soon.pem }
  root: { file: cas/root.pem }
  caddy-local: { file: cas/caddy-local.pem, caddy: local }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
roles:
  r:
    cas: [$1]
    stores: [app]
    caddy: true
    connects_to: [$2]
hosts:
  h: [r]
YAML
}
M=$T/textfile; mkdir -p "$M"
plan() { tf plan -c "$C/trust.yaml" --root "$R" --host h --prometheus "$1"; }

# 1. drift, an expiring CA, Caddy's late intermediate, a refused and a dead endpoint
cfg "root, soon, caddy-local" "https://localhost:$p_good, https://localhost:$p_bad, https://localhost:$p_dead"
expect_rc 0 "a plan with drift writes its metrics" plan "$M/drift.prom"
check "the plan warns: soon expires" out_has 'Warning: CA "soon" (cas/soon.pem) expires on'
check "the plan warns: Caddy's intermediate" out_has 'Warning: the intermediate of CA "local" expires on'
check "promtool accepts the metrics" bash -c "promtool check metrics <'$M/drift.prom'"
check "the real file declares trustform_restart_pending" grep -qx '# TYPE trustform_restart_pending gauge' "$M/drift.prom"
store=$(sed -n 's/^trustform_drift_items{host="h",store="\([^"]*\)"} .*/\1/p' "$M/drift.prom" | head -1)
check "the real file names the store" test "$store" = app
printf 'trustform_restart_pending{host="h",store="%s",unit="app.service"} 1\n' "$store" >>"$M/drift.prom"

# 2. converged, only CAs far from their end, a trusted endpoint: no alert
tf apply -c "$C/trust.yaml" --root "$R" --host h --auto-approve >/dev/null 2>&1 || true
cfg "root" "https://localhost:$p_good"
rm "$pki/intermediate.crt" "$pki/intermediate.key"
tf apply -c "$C/trust.yaml" --root "$R" --host h --auto-approve >/dev/null 2>&1 || true
expect_rc 0 "a clean plan writes its metrics" plan "$M/clean.prom"
check "clean: no drift" grep -qx 'trustform_drift{host="h"} 0' "$M/clean.prom"

# 3. a check that failed (the clock is at 600 s: every CA not valid yet), long ago
expect_rc 1 "a failed check writes its metrics" env TRUSTFORM_NOW=600 "$TRUSTFORM" plan \
  -c "$C/trust.yaml" --root "$R" --host h --prometheus "$M/failed.prom"
check "failed: success 0" grep -qx 'trustform_last_run_success{host="h"} 0' "$M/failed.prom"

# 4. from git, the remote gone, two days later: the cached copy is stale
git_sandbox
git init -q --bare "$T/trust.git"; git clone -q "$T/trust.git" "$T/w" 2>/dev/null
cp -r "$C/trust.yaml" "$C/cas" "$T/w/"; rm -f "$T"/w/cas/*.key
git_push "$T/w" "trust.yaml"
gargs=(--git "file://$T/trust.git" --ref main --allow-unpinned --root "$R" --host h)
tf plan "${gargs[@]}" >/dev/null 2>&1 || true
mv "$T/trust.git" "$T/gone.git"
expect_rc 0 "two days on the cached copy" env TRUSTFORM_NOW=$(($(date +%s) + 2 * 86400)) \
  "$TRUSTFORM" plan "${gargs[@]}" --prometheus "$M/stale.prom"
check "stale: fetched two days ago" grep -q '^trustform_git_fetch_age_seconds{host="h"} 1728[0-9][0-9]$' "$M/stale.prom"

# 5. a rotation (next replaces root) whose new root no host store holds yet:
# overlap, blocked by the store; three days later the alert fires. The plan
# is --offline: the endpoint is not what blocks it.
mk_ca "$C/cas/next" "/CN=Alerts Next Root" 400
sed -e 's|^  root: { file: cas/root.pem }$|&\n  next: { file: cas/next.pem, replaces: root }|' \
  -e 's|cas: \[root\]|cas: [root, next]|' "$C/trust.yaml" >"$C/rotation.yaml"
expect_rc 0 "a plan with a blocked rotation writes its metrics" \
  tf plan -c "$C/rotation.yaml" --root "$R" --host h --offline --prometheus "$M/rotation.prom"
check "rotation: the phase (overlap: 0)" grep -qx 'trustform_rotation_phase{host="h",ca="next",replaces="root"} 0' "$M/rotation.prom"
check "rotation: one store blocks it" grep -qx 'trustform_rotation_blockers{host="h",ca="next",replaces="root",kind="stores"} 1' "$M/rotation.prom"
check "rotation: no endpoint blocks it yet" grep -qx 'trustform_rotation_blockers{host="h",ca="next",replaces="root",kind="endpoints"} 0' "$M/rotation.prom"
check "the clean plan has no rotation" bash -c "! grep -q trustform_rotation '$M/clean.prom'"

# the test file: input series from the four files, expected alerts from the oracle
expect_rc 0 "the promtool test file is made from the metrics" python3 "$TESTS_DIR/lib/alert_rules_test.py" \
  "$RULES" "$T/rules.test.json" "drift=$M/drift.prom@7200" "clean=$M/clean.prom@7200" \
  "failed=$M/failed.prom@14400" "stale=$M/stale.prom@7200" "rotation=$M/rotation.prom@259200"
cp "$T/.out" "$T/expected.txt"
n() { awk -v g="$1" -v a="$2" '$1 == g && $2 == a { print $3 }' "$T/expected.txt"; }
check "drift: soon in store app, and Caddy's intermediate, are expiring" test "$(n drift TrustformCAExpiring)" = 2
for a in TrustformDrift TrustformEndpointFailing TrustformEndpointUnreachable TrustformRestartPending; do
  check "drift: $a fires once" test "$(n drift "$a")" = 1
done
check "drift: the check itself is fine" test "$(n drift TrustformCheckFailing)$(n drift TrustformCheckNotRunning)" = 00
for a in TrustformCAExpiring TrustformDrift TrustformEndpointFailing TrustformEndpointUnreachable \
  TrustformRestartPending TrustformCheckFailing TrustformCheckNotRunning TrustformConfigStale; do
  check "clean: no $a" test "$(n clean "$a")" = 0
done
check "failed: the check fails" test "$(n failed TrustformCheckFailing)" = 1
check "failed: and has not run for hours" test "$(n failed TrustformCheckNotRunning)" = 1
check "stale: the configuration is stale" test "$(n stale TrustformConfigStale)" = 1
check "stale: nothing else" test "$(grep -c '^stale .* [1-9]' "$T/expected.txt")" = 1
check "rotation: blocked for three days, the alert fires" test "$(n rotation TrustformRotationBlocked)" = 1
for g in drift clean failed stale; do
  check "$g: no rotation alert" test "$(n "$g" TrustformRotationBlocked)" = 0
done
soon_end=$(date -u -d "$(openssl x509 -in "$C/cas/soon.pem" -noout -enddate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S +0000 UTC')
check "the alert of soon carries openssl's date" \
  grep -qF "\"summary\": \"ca \\\"soon\\\" expires on $soon_end (h, store app)\"" "$T/rules.test.json"
expect_rc 0 "promtool test rules: every rule gives exactly the expected alerts" \
  promtool test rules "$T/rules.test.json"
done_testing

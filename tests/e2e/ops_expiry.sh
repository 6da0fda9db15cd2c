#!/usr/bin/env bash
# Expiry as a lifecycle: a CA within its renewal window (30 days before its
# end) is a warning with the date in every channel, and not drift: the text
# plan (a Warning: line with the stores that trust it, also once the stores
# are clean, exit 0 with --detailed-exitcode), JSON (expiring, validated
# against the schema), --syslog (warning priority), --prometheus
# (trustform_ca_expiry_timestamp_seconds, _renewal_timestamp_seconds and
# trustform_ca_expiring per store) and `trustform report` over the hosts'
# JSON plans. Real certificates, no clock moved: openssl makes one CA that
# expires in 5 days (-days 5), one whose end is 20 days away and one 40 days
# away (openssl ca -startdate/-enddate), outside the window.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"; mk_root "$T/root2"
C=$T/cfg; mkdir -p "$C/cas" "$T/j"
mk_ca "$C/cas/soon" "/CN=Expiry Soon" 5
mk_ca_dated "$C/cas/month" "/CN=Expiry Month" "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" \
  "$(date -u -d '+20 days' +%Y%m%d%H%M%SZ)"
mk_ca_dated "$C/cas/later" "/CN=Expiry Later" "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" \
  "$(date -u -d '+40 days' +%Y%m%d%H%M%SZ)"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  soon: { file: cas/soon.pem }
  month: { file: cas/month.pem }
  later: { file: cas/later.pem }
stores:
  system: { type: system }
  app: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  edge: { cas: [soon, month, later], stores: [system, app] }
  calm: { cas: [later], stores: [app] }
hosts:
  h1: [edge]
  h2: [calm]
YAML
end_of() { date -u -d "$(openssl x509 -in "$C/cas/$1.pem" -noout -enddate | cut -d= -f2)" "${2:-+%F}"; }
soon=$(end_of soon); month=$(end_of month)
args=(-c "$C/trust.yaml" --root "$R" --host h1)
# whole days left: 4 once a second has passed since openssl made soon, else 5
out_re() { grep -qE -- "$1" "$T/.out" || { echo "  (stdout lacks: $1)" >&2; sed 's/^/  out: /' "$T/.out" >&2; return 1; }; }

# the text plan
expect_rc 2 "plan: the stores differ" tf plan "${args[@]}" --detailed-exitcode
check "text: soon, with its date and stores" \
  out_re "^Warning: CA \"soon\" \(cas/soon.pem\) expires on $soon, in [45] days \(trustform warns 30 days before\): renew it and roll the new CA out before then \(stores: app, system\)$"
check "text: month too" out_re "^Warning: CA \"month\" \(cas/month.pem\) expires on $month, in (19|20) days"
check "text: the earliest first" bash -c "grep '^Warning:' '$T/.out' | head -1 | grep -q soon"
check "text: later is outside its window" bash -c "! grep -q 'Warning: CA \"later\"' '$T/.out'"
tf apply "${args[@]}" --auto-approve >/dev/null 2>&1
expect_rc 0 "clean: a warning is not drift (exit 0)" tf plan "${args[@]}" --detailed-exitcode
check "clean: no changes" out_has "No changes. Trust stores match the configuration."
check "clean: still warns" out_has "Warning: CA \"soon\" (cas/soon.pem) expires on $soon"

expect_rc 0 "trustform check (no endpoints) warns too" tf check "${args[@]}"
check "check: soon" out_has "Warning: CA \"soon\" (cas/soon.pem) expires on $soon"

# JSON, against the schema
expect_rc 0 "json plan" tf plan "${args[@]}" --json; cp "$T/.out" "$T/j/h1.json"
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $2, d.get('expiring')" "$1"; }
check "json: format 1.5" jq_ "$T/j/h1.json" 'd["format_version"] == "1.5"'
check "json: two certificates, soon first" jq_ "$T/j/h1.json" '[x["name"] for x in d["expiring"]] == ["soon", "month"]'
check "json: soon's fields" jq_ "$T/j/h1.json" \
  "d['expiring'][0]['kind'] == 'ca' and d['expiring'][0]['not_after'] == '$(end_of soon +%FT%TZ)' and d['expiring'][0]['days_left'] in (4, 5) and d['expiring'][0]['expired'] is False and d['expiring'][0]['stores'] == ['app', 'system'] and d['expiring'][0]['sha256'] == '$(fingerprint "$C/cas/soon.pem")'"
check "json: the window opened 30 days before" jq_ "$T/j/h1.json" \
  "d['expiring'][1]['renewal_from'] == '$(date -u -d "@$(($(end_of month +%s) - 30 * 86400))" +%FT%TZ)'"
check "json: not drift" jq_ "$T/j/h1.json" 'd["drift"] is False'
tf apply -c "$C/trust.yaml" --root "$T/root2" --host h2 --auto-approve >/dev/null 2>&1
expect_rc 0 "json plan of h2" tf plan -c "$C/trust.yaml" --root "$T/root2" --host h2 --json
cp "$T/.out" "$T/j/h2.json"
check "json: h2 has nothing in its window" jq_ "$T/j/h2.json" 'd["expiring"] == []'

# the metrics
expect_rc 0 "metrics" tf plan "${args[@]}" --prometheus "$T/m.prom"
check "promtool accepts them" bash -c "promtool check metrics <'$T/m.prom'"
lab() { printf '{host="h1",store="%s",kind="ca",ca="%s",sha256="%s"}' "$1" "$2" "$(fingerprint "$C/cas/$2.pem")"; }
for s in system app; do
  check "metrics: soon's end in $s" grep -qxF "trustform_ca_expiry_timestamp_seconds$(lab $s soon) $(end_of soon +%s)" "$T/m.prom"
  check "metrics: soon's window opened in $s" grep -qxF "trustform_ca_renewal_timestamp_seconds$(lab $s soon) $(($(end_of soon +%s) - 30 * 86400))" "$T/m.prom"
  check "metrics: soon expiring in $s" grep -qxF "trustform_ca_expiring$(lab $s soon) 1" "$T/m.prom"
  check "metrics: later not expiring in $s" grep -qxF "trustform_ca_expiring$(lab $s later) 0" "$T/m.prom"
done

# syslog: a clean run with a certificate in its window is a warning
if unshare -m true 2>/dev/null; then
  . "$TESTS_DIR/lib/syslog.sh"
  syslog_start
  expect_rc 0 "clean plan with --syslog" in_ns "$TRUSTFORM" plan "${args[@]}" --syslog
  syslog_stop
  check "syslog: warning (<12>), no drift, each certificate with its date and stores" \
    grep -qE "^<12>.*trustform\[[0-9]+\]: trustform plan on h1: no drift: 2 store\(s\) match the configuration; EXPIRING: CA \"soon\" expires on $soon \(app, system\), CA \"month\" expires on $month \(app, system\); config " "$T/syslog.txt"
else
  fail "--syslog: cannot make a private mount namespace here (unshare -m needs root)"
fi

# report over the hosts' JSON plans
expect_rc 0 "report: both hosts clean, a warning changes no exit code" tf report "$T/j/h1.json" "$T/j/h2.json"
check "report: soon, with date, days and stores" out_re "^  warning: CA \"soon\" expires on $soon \(in [45] days; stores: app, system\)$"
check "report: the count" out_has "1 host with a certificate within its renewal window."
expect_rc 0 "report --json" tf report --json "$T/j/h1.json" "$T/j/h2.json"; cp "$T/.out" "$T/j/report.json"
check "report json: per host and counted" jq_ "$T/j/report.json" \
  "[h['host'] for h in d['hosts'] if h['expiring']] == ['h1'] and d['change_summary']['expiring'] == 1 and d['hosts'][0]['expiring'][0]['not_after'] == '$(end_of soon +%FT%TZ)'"
expect_rc 0 "report markdown" tf report --format markdown "$T/j/h1.json" "$T/j/h2.json"
check "report markdown: a warning line" out_has "- warning: CA \"soon\" expires on $soon"
out=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$T"/j/*.json) || true
check "schema: every document valid" test "$(grep -c ': valid$' <<<"$out")" = 3
done_testing

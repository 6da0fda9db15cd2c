#!/usr/bin/env bash
# Drift from cron: --detailed-exitcode (0 clean, 2 drift, 1 error);
# --prometheus FILE writes node_exporter textfile metrics that the real
# `promtool check metrics` accepts, for every outcome (drift, clean, failed
# store, bad config, stale git cache), and that a reader polling the file never
# sees half-written; --syslog sends one line to /dev/log with the priority of
# the outcome (checked in a private mount namespace, against a socket the test
# listens on, so the host's /dev is never touched).
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas" "$T/textfile"
mk_ca "$T/cfg/cas/a" "/CN=Drift A" 400
mk_ca "$T/cfg/cas/b" "/CN=Drift B"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
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
M=$T/textfile/trustform.prom
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h --prometheus "$M")
now=$(date +%s)
export TRUSTFORM_NOW=$now
promcheck() { promtool check metrics <"$M" >"$T/promtool.out" 2>&1 || { cat "$T/promtool.out" >&2; return 1; }; }
metric() { grep -F "$1" "$M" | grep -v '^#' | awk '{print $2}'; }

expect_rc 2 "drift: exit 2" tf plan "${args[@]}" --detailed-exitcode
check "promtool accepts the file" promcheck
check "drift items of the store" test "$(metric 'trustform_drift_items{host="h",store="system"}')" = 2
check "store up" test "$(metric 'trustform_store_up{host="h",store="system"}')" = 1
end_a=$(date -d "$(openssl x509 -in "$T/cfg/cas/a.pem" -noout -enddate | cut -d= -f2)" +%s)
check "seconds until a expires" \
  test "$(metric "trustform_ca_expiry_seconds{host=\"h\",ca=\"a\",sha256=\"$(fingerprint "$T/cfg/cas/a.pem")\"}")" = $((end_a - now))
check "last run timestamp" test "$(metric 'trustform_last_run_timestamp_seconds{host="h"}')" = "$now"
check "last run success" test "$(metric 'trustform_last_run_success{host="h"}')" = 1
check "file is world-readable for node_exporter" test "$(stat -c %a "$M")" = 644

tf apply -c "$T/cfg/trust.yaml" --root "$R" --host h --auto-approve >/dev/null
expect_rc 0 "clean: exit 0" tf plan "${args[@]}" --detailed-exitcode
check "promtool accepts the clean file" promcheck
check "no drift" test "$(metric 'trustform_drift_items{host="h",store="system"}')" = 0

# a store that cannot be read: success 0, store down, no false drift sample
mk_root "$T/broken"; break_store "$T/broken"
expect_rc 1 "failed store: exit 1" tf plan -c "$T/cfg/trust.yaml" --root "$T/broken" --host h \
  --prometheus "$M" --detailed-exitcode
check "promtool accepts it" promcheck
check "store down" test "$(metric 'trustform_store_up{host="h",store="system"}')" = 0
check "no drift sample for the failed store" bash -c "! grep -q '^trustform_drift_items' '$M'"
check "run failed" test "$(metric 'trustform_last_run_success{host="h"}')" = 0

# a configuration that does not load: the metrics say the check is broken
printf 'version: 2\n' >"$T/cfg/broken.yaml"
expect_rc 1 "bad config: exit 1" tf plan -c "$T/cfg/broken.yaml" --root "$R" --host h \
  --prometheus "$M" --detailed-exitcode
check "promtool accepts it" promcheck
check "run failed" test "$(metric 'trustform_last_run_success{host="h"}')" = 0
check "no store samples" bash -c "! grep -q '^trustform_drift_items' '$M'"

# --prometheus into a directory that does not exist: an error, not silence
expect_rc 1 "unwritable metrics file is an error" tf plan -c "$T/cfg/trust.yaml" --root "$R" \
  --host h --prometheus "$T/nowhere/x.prom" --detailed-exitcode
check "names it" err_has "--prometheus $T/nowhere/x.prom: cannot write the metrics"

# from git, with the remote gone: the fetch age shows
git_sandbox
git init -q --bare "$T/trust.git"
git clone -q "$T/trust.git" "$T/w" 2>/dev/null
cp -r "$T/cfg/trust.yaml" "$T/cfg/cas" "$T/w/"
rm -f "$T"/w/cas/*.key
git_push "$T/w" "trust.yaml"
gargs=(--git "file://$T/trust.git" --ref main --allow-unpinned --root "$R" --host h --prometheus "$M")
expect_rc 0 "from git" tf plan "${gargs[@]}" --detailed-exitcode
check "fresh fetch" test "$(metric 'trustform_git_fetch_fresh{host="h"}')" = 1
mv "$T/trust.git" "$T/gone.git"
expect_rc 0 "remote gone: cached copy" env TRUSTFORM_NOW=$((now + 7200)) "$TRUSTFORM" plan "${gargs[@]}" --detailed-exitcode
check "promtool accepts it" promcheck
check "not fresh" test "$(metric 'trustform_git_fetch_fresh{host="h"}')" = 0
check "fetch age two hours" test "$(metric 'trustform_git_fetch_age_seconds{host="h"}')" = 7200
check "config info names the commit" grep -q "trustform_config_info{host=\"h\",config=\".*\",commit=\"$(git -C "$T/w" rev-parse HEAD)\"} 1" "$M"
expect_rc 1 "--require-fresh: error, and metrics say so" tf plan "${gargs[@]}" --require-fresh
check "promtool accepts it" promcheck
check "run failed" test "$(metric 'trustform_last_run_success{host="h"}')" = 0
mv "$T/gone.git" "$T/trust.git"

# never half-written: a reader polls the file while runs rewrite it
unset TRUSTFORM_NOW
/usr/bin/python3 - "$M" "$T/stop" "$T/snapshots" <<'PY' &
import os, re, sys, time
path, stop, outdir = sys.argv[1:4]
os.makedirs(outdir)
sample = re.compile(r'^[a-z_]+\{[^}]*\} -?[0-9]+$')
seen, bad, reads = set(), 0, 0
while not os.path.exists(stop):
    try:
        data = open(path).read()
    except FileNotFoundError:
        continue
    reads += 1
    lines = data.split("\n")
    ok = data.endswith("\n") and lines[-2].startswith("trustform_last_run_success{") and \
        all(l.startswith("# HELP ") or l.startswith("# TYPE ") or sample.match(l) for l in lines[:-1])
    if not ok:
        bad += 1
    if data not in seen and len(seen) < 20:
        seen.add(data)
        open(os.path.join(outdir, "%d.prom" % len(seen)), "w").write(data)
open(os.path.join(outdir, "result"), "w").write("%d %d\n" % (reads, bad))
PY
reader=$!
_bg_pids+=("$reader")
for i in $(seq 1 25); do
  tf plan "${args[@]}" >/dev/null 2>&1 || true
  [ $((i % 5)) = 0 ] && sleep 1	# new timestamps, new contents
done
touch "$T/stop"; wait "$reader"
read -r reads bad <"$T/snapshots/result"
check "the reader read the file many times ($reads)" test "$reads" -gt 25
check "never half-written ($bad bad reads)" test "$bad" = 0
for f in "$T"/snapshots/*.prom; do
  check "promtool accepts snapshot $(basename "$f")" bash -c "promtool check metrics <'$f' >/dev/null 2>&1"
done
check "only the .prom file is left in the textfile directory" test "$(ls -A "$T/textfile")" = trustform.prom

# --syslog: one line to /dev/log, with the outcome's priority
if ! unshare -m true 2>/dev/null; then
  fail "--syslog: cannot make a private mount namespace here (unshare -m needs root); the test needs it to give /dev/log a socket without touching the host's /dev"
  done_testing; exit
fi
had_log=$(ls -l /dev/log 2>&1 || true)
# the receiver, and in_ns: a private mount namespace whose /dev/log is its socket
. "$TESTS_DIR/lib/syslog.sh"
syslog_start
tf apply -c "$T/cfg/trust.yaml" --root "$R" --host h --auto-approve >/dev/null
expect_rc 0 "clean plan with --syslog" in_ns "$TRUSTFORM" plan -c "$T/cfg/trust.yaml" --root "$R" --host h --syslog
rm "$R"/usr/local/share/ca-certificates/trustform/b-*.crt
expect_rc 0 "drifted plan with --syslog" in_ns "$TRUSTFORM" plan -c "$T/cfg/trust.yaml" --root "$R" --host h --syslog
expect_rc 1 "failing plan with --syslog" in_ns "$TRUSTFORM" plan -c "$T/cfg/broken.yaml" --root "$R" --host h --syslog
syslog_stop
check "three lines and the stop" test "$(grep -c 'trustform' "$T/syslog.txt")" = 3
check "clean: info (user.info = <14>), one line" \
  grep -qE '^<14>.*trustform\[[0-9]+\]: trustform plan on h: no drift: 1 store\(s\) match the configuration; config .*trust.yaml$' "$T/syslog.txt"
check "drift: warning (<12>) with counts per store" \
  grep -qE '^<12>.*trustform\[[0-9]+\]: trustform plan on h: DRIFT: 1 to add, 1 to change, 0 to destroy \(system: 2\)' "$T/syslog.txt"
check "failure: error (<11>) with the reason" \
  grep -qE '^<11>.*trustform\[[0-9]+\]: trustform plan on h: ERROR: the top level is missing the required key "cas"; config .*broken.yaml$' "$T/syslog.txt"
check "the host's /dev was not touched" test "$had_log" = "$(ls -l /dev/log 2>&1 || true)"
done_testing

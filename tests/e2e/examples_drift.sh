#!/usr/bin/env bash
# examples/drift-from-git: systemd accepts the service and timer
# (systemd-analyze verify), and the very command lines of the service and of
# the cron line run the drift check from a git repository: only the repository
# URL, the metrics path, --root and --host are changed for the sandbox.
. "$(dirname "$0")/../lib/common.sh"

EX=$SRC_DIR/examples/drift-from-git
B=${TF_BUILD_DIR:-$(dirname "$TRUSTFORM")}
git_sandbox

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mk_git_config "$T/trust.git" "$T/w"

# systemd: both units verify, with the binary where the unit says it is
mkdir -p "$T/units"
sed "s|/usr/local/bin/trustplan|$B/trustplan|" "$EX/trustform-drift.service" >"$T/units/trustform-drift.service"
cp "$EX/trustform-drift.timer" "$T/units/"
expect_rc 0 "systemd-analyze verify accepts the units" \
  systemd-analyze verify "$T/units/trustform-drift.service" "$T/units/trustform-drift.timer"
check "the timer's schedule parses" bash -c "systemd-analyze calendar \"$(sed -n 's/^OnCalendar=//p' "$EX/trustform-drift.timer")\" >/dev/null"
check "drift (exit 2) is not a unit failure" grep -qx 'SuccessExitStatus=2' "$EX/trustform-drift.service"

# sandbox the example's own command line
sandbox() {
  sed -e "s|https://git.example.org/ops/trust.git|file://$T/trust.git|" \
      -e "s|/var/lib/prometheus/node-exporter/trustform.prom|$T/$1.prom|" \
      -e "s|\$| --root $R --host h|"
}
exec_start=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$EX/trustform-drift.service" | sed 's/^ExecStart=//; s/\\$//' |
  tr '\n' ' ' | sed 's/  */ /g; s/ $//' | sandbox service)
check "ExecStart runs trustplan" grep -q '^/usr/local/bin/trustplan --git ' <<<"$exec_start"
exec_start=${exec_start/\/usr\/local\/bin\/trustplan/$B/trustplan}
read -r -a argv <<<"$exec_start"
expect_rc 2 "the service's command reports drift with exit 2" "${argv[@]}"
check "promtool accepts its metrics" bash -c "promtool check metrics <'$T/service.prom'"
check "drift in the metrics" grep -qx 'trustform_drift_items{host="h",store="system"} 1' "$T/service.prom"
check "fetched from git" grep -qx 'trustform_git_fetch_fresh{host="h"} 1' "$T/service.prom"

cron=$(grep -v '^#' "$EX/trustform-drift.cron" | grep -v '^[A-Z]*=' | grep -v '^$')
check "one cron line" test "$(wc -l <<<"$cron")" = 1
check "five time fields, then the user" \
  grep -qE '^([0-9*/,-]+ ){5}root trustplan ' <<<"$cron"
cmd=$(cut -d' ' -f7- <<<"$cron" | sed 's| >/dev/null$||' | sandbox cron)
expect_rc 2 "the cron line's command reports drift with exit 2" \
  env PATH="$B:/usr/bin:/bin" sh -c "$cmd >/dev/null"
check "promtool accepts its metrics" bash -c "promtool check metrics <'$T/cron.prom'"
check "run succeeded" grep -qx 'trustform_last_run_success{host="h"} 1' "$T/cron.prom"
done_testing

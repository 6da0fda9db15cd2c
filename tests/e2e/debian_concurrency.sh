#!/usr/bin/env bash
# Two applies at once: one holds the lock; the other fails at once naming the
# holder's pid and start time, or waits with --lock-timeout; the tree ends
# consistent. A plan never reads a store halfway through an apply.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
# a hook slow enough to hold the lock while the others try
cat >"$R/etc/ca-certificates/update.d/slow" <<HOOK
#!/bin/sh
cat >/dev/null
touch "$T/hook-started"
sleep 2
HOOK
chmod +x "$R/etc/ca-certificates/update.d/slow"
mkdir -p "$T/cfg/cas"
for n in a b c d; do mk_ca "$T/cfg/cas/$n" "/CN=Concurrent $n"; done
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
  b: { file: cas/b.pem }
stores:
  system: { type: system, run_hooks: true }
roles:
  node: { cas: [a, b], stores: [system] }
hosts:
  h: [node]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)

"$TRUSTFORM" apply "${args[@]}" --auto-approve >"$T/first.out" 2>&1 &
first=$!
_bg_pids+=("$first")
# as long as the first apply runs: no time limit
until [ -e "$T/hook-started" ] || ! kill -0 "$first" 2>/dev/null; do sleep 0.05; done
check "first apply reached its hook" test -e "$T/hook-started"

expect_rc 1 "second apply fails at once" tf apply "${args[@]}" --auto-approve
check "names the holder's pid" err_has "is held by pid $first (trustform apply, started "
check "says how to wait" err_has "--lock-timeout"

expect_rc 0 "third apply waits for the lock" tf apply "${args[@]}" --auto-approve --lock-timeout 60
check "said it was waiting" err_has "waiting for the lock"
wait "$first"; rc=$?
check "first apply succeeded" test "$rc" = 0
expect_rc 0 "plan is clean after both" tf plan "${args[@]}" --detailed-exitcode

# Many applies racing on a change, all willing to wait: all succeed, one result.
sed -i 's/cas: \[a, b\]/cas: [c, d]/; s/^cas:$/cas:\n  c: { file: cas\/c.pem }\n  d: { file: cas\/d.pem }/' \
  "$T/cfg/trust.yaml"
rm -f "$R/etc/ca-certificates/update.d/slow"
pids=()
for i in 1 2 3 4; do
  tf apply "${args[@]}" --auto-approve --lock-timeout 60 >"$T/race$i.out" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; check "racing apply $p succeeded" test $? = 0; done
expect_rc 0 "plan is clean after the race" tf plan "${args[@]}" --detailed-exitcode
changed=$(grep -l 'Resources: 2 added, 0 changed, 2 destroyed' "$T"/race*.out | wc -l)
check "exactly one racer made the change" test "$changed" = 1
done_testing

#!/usr/bin/env bash
# The Debian hook journal is written within /etc/ssl/certs' file transaction
# (issue 18 item 9), as its first change: whichever write point fails (EROFS
# at the N-th write, for every N), the journal holds lines exactly when
# /etc/ssl/certs changed: a transaction that never commits leaves no journal
# (the hooks would otherwise be told of changes that did not happen), and a
# committed change is never left unjournalled. A re-run then tells the hooks
# (the real run-parts hook records what it hears) and removes the journal.
. "$(dirname "$0")/../lib/common.sh"

P=$T/pristine; mk_root "$P" with-distro; real_update_ca_chroot_like "$P" --fresh
mk_recording_hook "$P"
mkdir -p "$T/cfg/cas"
for n in one two; do mk_ca "$T/cfg/cas/$n" "/CN=Journal $n"; done
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  one: { file: cas/one.pem }
stores:
  system: { type: system, run_hooks: true }
roles:
  node: { cas: [one], stores: [system] }
hosts:
  h: [node]
YAML
tf apply -c "$T/cfg/trust.yaml" --root "$P" --host h --auto-approve >/dev/null
# the change under test: one goes, two comes
sed -i 's|one: { file: cas/one.pem }|two: { file: cas/two.pem }|; s/\[one\]/[two]/' "$T/cfg/trust.yaml"
: >"$P/hook.log"
before=$(certs_dir_listing "$P")
J=var/lib/trustform/debian-hooks.pending
n=1
while :; do
  W=$T/w; rm -rf "$W"; cp -a "$P" "$W"
  rc=0
  TRUSTFORM_TEST_FAIL_WRITE=$n:EROFS "$TRUSTFORM" apply -c "$T/cfg/trust.yaml" --root "$W" --host h \
    --auto-approve >"$T/.out" 2>"$T/.err" || rc=$?
  [ "$rc" = 0 ] && break
  changed=no; [ "$before" = "$(certs_dir_listing "$W")" ] || changed=yes
  journal=no; [ -s "$W/$J" ] && journal=yes
  check "EROFS at write $n: journal ($journal) exactly when /etc/ssl/certs changed ($changed)" \
    test "$journal" = "$changed"
  expect_rc 0 "EROFS at write $n: re-run apply" tf apply -c "$T/cfg/trust.yaml" --root "$W" --host h --auto-approve
  check "EROFS at write $n: journal gone after the re-run" test ! -e "$W/$J"
  check "EROFS at write $n: the hooks heard the removal" grep -q "^-" "$W/hook.log"
  n=$((n + 1))
  [ "$n" -lt 200 ] || { fail "apply never completed"; break; }
done
check "the apply has several write points" test "$n" -gt 5
done_testing

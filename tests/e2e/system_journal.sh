#!/usr/bin/env bash
# The Debian hook journal is written within /etc/ssl/certs' file transaction
# (issue 18 item 9), as its first change: whichever write point fails (EROFS
# at the N-th write, for every N), a change of /etc/ssl/certs (its names,
# link targets and bundle) is never left without the journal, unless the
# hooks were told in that run (the recording hook, which writes to the
# pristine tree's hook.log, heard it); a re-run converges and removes it.
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
etc_state() { # the names, link targets and bundle of /etc/ssl/certs (not what the links reach)
  (cd "$1/etc/ssl/certs" && for f in $(LC_ALL=C ls -A); do echo "$f $(readlink "$f")"; done &&
    sha256sum ca-certificates.crt)
}
before=$(etc_state "$P")
J=var/lib/trustform/debian-hooks.pending
n=1
while :; do
  W=$T/w; rm -rf "$W"; cp -a "$P" "$W"; : >"$P/hook.log"
  rc=0
  TRUSTFORM_TEST_FAIL_WRITE=$n:EROFS "$TRUSTFORM" apply -c "$T/cfg/trust.yaml" --root "$W" --host h \
    --auto-approve >"$T/.out" 2>"$T/.err" || rc=$?
  [ "$rc" = 0 ] && break
  changed=no; [ "$before" = "$(etc_state "$W")" ] || changed=yes
  journal=no; [ -s "$W/$J" ] && journal=yes
  [ -s "$P/hook.log" ] && journal=told
  check "EROFS at write $n: /etc/ssl/certs changed ($changed) only with the journal or the hooks told ($journal)" \
    test "$changed" = no -o "$journal" != no
  expect_rc 0 "EROFS at write $n: re-run apply" tf apply -c "$T/cfg/trust.yaml" --root "$W" --host h --auto-approve
  check "EROFS at write $n: journal gone after the re-run" test ! -e "$W/$J"
  n=$((n + 1))
  [ "$n" -lt 200 ] || { fail "apply never completed"; break; }
done
check "the apply has several write points" test "$n" -gt 5
done_testing

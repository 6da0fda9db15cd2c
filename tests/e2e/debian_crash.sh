#!/usr/bin/env bash
# Crash safety: kill the applier (SIGKILL) right after its N-th durable write,
# for every N. Each time every file in the tree is whole, the next plan shows
# what is left, a second apply finishes the job, and the final tree equals the
# one an uninterrupted run leaves, hooks included.
. "$(dirname "$0")/../lib/common.sh"

P=$T/pristine; mk_root "$P" with-distro; real_update_ca_chroot_like "$P" --fresh
mk_recording_hook "$P"
mkdir -p "$T/cfg/cas"
for n in one two three; do mk_ca "$T/cfg/cas/$n" "/CN=Crash $n"; done
mk_ca "$T/old" "/CN=Crash old"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  one: { file: cas/one.pem }
  two: { file: cas/two.pem }
  old: { file: cas/old.pem }
stores:
  system: { type: system, run_hooks: true }
roles:
  node: { cas: [one, two, old], stores: [system] }
hosts:
  h: [node]
YAML
cp "$T/old.pem" "$T/cfg/cas/old.pem"
tf apply -c "$T/cfg/trust.yaml" --root "$P" --host h --auto-approve >/dev/null
# The change under test: add three, remove old, deselect a distro CA.
sed -i 's/  old: { file: cas\/old.pem }/  three: { file: cas\/three.pem }\n  isrg: { file: cas\/isrg.pem, ensure: absent }/; s/\[one, two, old\]/[one, two, three]/' \
  "$T/cfg/trust.yaml"
cp "$P/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt" "$T/cfg/cas/isrg.pem"
: >"$P/hook.log"

# Reference: one uninterrupted run.
REF=$T/ref; cp -a "$P" "$REF"
# the hook log records the root path: make it comparable
sed -i "s|$P|$REF|" "$REF/etc/ca-certificates/update.d/record"
expect_rc 0 "reference apply" tf apply -c "$T/cfg/trust.yaml" --root "$REF" --host h --auto-approve
ref_listing=$(certs_dir_listing "$REF")
ref_local=$(cd "$REF/usr/local/share/ca-certificates" && find . | LC_ALL=C sort)
ref_conf=$(cat "$REF/etc/ca-certificates.conf")
ref_hooks=$(grep -v '^--$' "$REF/hook.log" | sed "s|$REF||" | LC_ALL=C sort -u)

# every file whole: certificates parse, the bundle parses to its end; a kill
# before a commit may leave hidden temp files, which no reader looks at
all_whole() {
  local r=$1 f n1 n2
  for f in $(find "$r/usr/local/share/ca-certificates" -name '*.crt' ! -name '.*'); do
    openssl x509 -in "$f" -noout 2>/dev/null || { echo "partial: $f" >&2; return 1; }
  done
  f=$r/etc/ssl/certs/ca-certificates.crt
  n1=$(grep -c 'BEGIN CERTIFICATE' "$f"); n2=$(grep -c 'END CERTIFICATE' "$f")
  [ "$n1" = "$n2" ] || { echo "bundle torn" >&2; return 1; }
  openssl crl2pkcs7 -nocrl -certfile "$f" 2>/dev/null | openssl pkcs7 -print_certs -noout 2>/dev/null ||
    { echo "bundle does not parse" >&2; return 1; }
  [ -z "$(find "$r" -name '*.tf-tmp-*' \( -name '*.crt' -o -name '*.pem' \))" ] ||
    { echo "temp file with a name readers pick up" >&2; return 1; }
}

declare -a plan_rc
n=1
while :; do
  W=$T/w; rm -rf "$W"; cp -a "$P" "$W"
  sed -i "s|$P|$W|" "$W/etc/ca-certificates/update.d/record"
  rc=0
  TRUSTFORM_TEST_CRASH_AFTER_WRITES=$n tf apply -c "$T/cfg/trust.yaml" --root "$W" --host h \
    --auto-approve >/dev/null 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then break; fi
  check "write $n: killed by SIGKILL" test "$rc" = 137
  check "write $n: every file whole" all_whole "$W"
  prc=0; tf plan -c "$T/cfg/trust.yaml" --root "$W" --host h --detailed-exitcode >/dev/null 2>&1 || prc=$?
  # 2: work is left (shown); 0: the kill came after the last write
  check "write $n: next plan reads the tree (exit $prc)" test "$prc" = 2 -o "$prc" = 0
  plan_rc[$n]=$prc
  expect_rc 0 "write $n: recovery apply" tf apply -c "$T/cfg/trust.yaml" --root "$W" --host h --auto-approve
  expect_rc 0 "write $n: clean afterwards" tf plan -c "$T/cfg/trust.yaml" --root "$W" --host h --detailed-exitcode
  check "write $n: the next apply removed the temp files" test -z "$(find "$W" -name '*.tf-tmp-*')"
  check "write $n: same /etc/ssl/certs as an uninterrupted run" \
    test "$ref_listing" = "$(certs_dir_listing "$W")"
  check "write $n: same local CAs" \
    test "$ref_local" = "$(cd "$W/usr/local/share/ca-certificates" && find . | LC_ALL=C sort)"
  check "write $n: same ca-certificates.conf" test "$ref_conf" = "$(cat "$W/etc/ca-certificates.conf")"
  # hooks heard every change at least once (a retry may repeat lines)
  got=$(grep -v '^--$' "$W/hook.log" 2>/dev/null | sed "s|$W||" | LC_ALL=C sort -u)
  check "write $n: hooks heard every change" test "$ref_hooks" = "$got"
  n=$((n + 1))
  [ "$n" -lt 500 ] || { fail "apply never completed"; break; }
done
check "the apply makes several writes" test "$n" -gt 5
# Only a kill after the store's last write may leave nothing to do: the very
# last two writes are the read cache's record of the result (its DERs, then
# the record; best effort).
check "an apply writes the read cache" test -d "$W/var/cache/trustform/read"
for ((k = 1; k < n - 3; k++)); do
  check "write $k: the plan showed the unfinished work" test "${plan_rc[$k]}" = 2
done
echo "crash points tested: $((n - 1))"
done_testing

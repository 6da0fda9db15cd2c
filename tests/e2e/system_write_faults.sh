#!/usr/bin/env bash
# Fault injection: the N-th write point of the system store (a file's data, a
# symlink, a rename, an unlink) fails with ENOSPC or EROFS, for every N. Each
# time the apply exits 1 naming the target and the errno, every file is old or
# new (never partial), and a re-run converges to what an undisturbed run leaves.
. "$(dirname "$0")/../lib/common.sh"

P=$T/pristine; mk_root "$P" with-distro; real_update_ca_chroot_like "$P" --fresh
mkdir -p "$T/cfg/cas"
for n in one two three; do mk_ca "$T/cfg/cas/$n" "/CN=Fault $n"; done
mk_ca "$T/old" "/CN=Fault old"; cp "$T/old.pem" "$T/cfg/cas/old.pem"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  one: { file: cas/one.pem }
  two: { file: cas/two.pem }
  old: { file: cas/old.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [one, two, old], stores: [system] }
hosts:
  h: [node]
YAML
tf apply -c "$T/cfg/trust.yaml" --root "$P" --host h --auto-approve >/dev/null
sed -i 's/  old: { file: cas\/old.pem }/  three: { file: cas\/three.pem }\n  isrg: { file: cas\/isrg.pem, ensure: absent }/; s/\[one, two, old\]/[one, two, three]/' \
  "$T/cfg/trust.yaml"
cp "$P/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt" "$T/cfg/cas/isrg.pem"

REF=$T/ref; cp -a "$P" "$REF"
expect_rc 0 "reference apply" tf apply -c "$T/cfg/trust.yaml" --root "$REF" --host h --auto-approve
ref_listing=$(certs_dir_listing "$REF")
ref_local=$(cd "$REF/usr/local/share/ca-certificates" && find . | LC_ALL=C sort)
ref_conf=$(cat "$REF/etc/ca-certificates.conf")

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
}

# the failed step is reported in the apply's output (stdout), or as an error
said() { grep -qF -- "$1" "$T/.out" "$T/.err" || { echo "  (output lacks: $1)" >&2; return 1; }; }
points=0
for e in ENOSPC EROFS; do
  case $e in ENOSPC) text="no space left on the filesystem of" ;; EROFS) text="is read-only" ;; esac
  n=1
  while :; do
    W=$T/w; rm -rf "$W"; cp -a "$P" "$W"
    rc=0
    TRUSTFORM_TEST_FAIL_WRITE=$n:$e "$TRUSTFORM" apply -c "$T/cfg/trust.yaml" --root "$W" --host h \
      --auto-approve >"$T/.out" 2>"$T/.err" || rc=$?
    [ "$rc" = 0 ] && break
    check "$e at write $n: exit 1 (got $rc)" test "$rc" = 1
    check "$e at write $n: says the errno, the filesystem and the remedy" said "$text"
    check "$e at write $n: names the target by its in-root path" said "failed: /"
    check "$e at write $n: and never by its path on this machine" bash -c "! grep -qF -- '$W/' '$T/.out' '$T/.err'"
    check "$e at write $n: every file whole" all_whole "$W"
    expect_rc 0 "$e at write $n: re-run apply" tf apply -c "$T/cfg/trust.yaml" --root "$W" --host h --auto-approve
    expect_rc 0 "$e at write $n: clean afterwards" tf plan -c "$T/cfg/trust.yaml" --root "$W" --host h --detailed-exitcode
    check "$e at write $n: no temp files left" test -z "$(find "$W" -name '*.tf-tmp-*')"
    check "$e at write $n: same /etc/ssl/certs as an undisturbed run" \
      test "$ref_listing" = "$(certs_dir_listing "$W")"
    check "$e at write $n: same local CAs" \
      test "$ref_local" = "$(cd "$W/usr/local/share/ca-certificates" && find . | LC_ALL=C sort)"
    check "$e at write $n: same ca-certificates.conf" test "$ref_conf" = "$(cat "$W/etc/ca-certificates.conf")"
    n=$((n + 1)); points=$((points + 1))
    [ "$n" -lt 500 ] || { fail "apply never completed"; break; }
  done
  check "$e: the apply has several write points" test "$n" -gt 5
done
echo "failure points tested: $points"
done_testing

#!/usr/bin/env bash
# Honest when the disk fills: /etc/ssl/certs on a real full filesystem (a small
# tmpfs, bind-mounted over the tree's /etc/ssl/certs and filled up), then on a
# read-only bind mount. 200 CAs to add: every file stays whole and the bundle
# old, the summary counts nothing as added (the clients see none), the message
# names the target, the filesystem's mount point and the remedy, and no temp
# file is left or named. The sources and /etc/ssl/certs are one transaction:
# no CA file is written either, so the next plan shows all 200 still to add,
# and once there is space again one apply finishes. Needs root and mount(8).
. "$(dirname "$0")/../lib/common.sh"

if [ "$(id -u)" != 0 ] || ! command -v mount >/dev/null; then
  echo "SKIP: needs root and mount(8)" >&2; exit 77
fi
R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas" "$R/var/lib/trustform"
names=
{ echo "version: 1"; echo "cas:"; } >"$T/cfg/trust.yaml"
for i in $(seq 1 200); do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
    -out "$T/cfg/cas/c$i.pem" -subj "/CN=Full disk $i" -days 3650 2>/dev/null
  echo "  c$i: { file: cas/c$i.pem }" >>"$T/cfg/trust.yaml"
  names="$names${names:+, }c$i"
done
cat >>"$T/cfg/trust.yaml" <<YAML
stores:
  system: { type: system }
roles:
  node: { cas: [$names], stores: [system] }
  none: { cas: [], stores: [system] }
hosts:
  h: [node]
  bare: [none]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R")
C=$R/etc/ssl/certs FS=$T/fs
mkdir -p "$FS"
mounted=()
unmount_all() { local i; for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true; done; mounted=(); }
trap 'unmount_all; cleanup' EXIT
mount -t tmpfs -o size=2m,mode=0755 tf-test-full "$FS" || { echo "SKIP: cannot mount a tmpfs" >&2; exit 77; }
mounted+=("$FS")
cp -a "$C" "$FS/certs"
mount --bind "$FS/certs" "$C"; mounted+=("$C")
dd if=/dev/zero of="$FS/fill" bs=4k 2>/dev/null || true
check "the filesystem is full" test "$(df --output=avail -k "$FS" | tail -1 | tr -d ' ')" = 0

bundle_n() { grep -c 'BEGIN CERTIFICATE' "$C/ca-certificates.crt"; }
n0=$(bundle_n)
cp "$C/ca-certificates.crt" "$T/bundle.before"
etc_before=$(tree_sum "$C")

expect_rc 1 "apply on a full filesystem fails" tf apply "${args[@]}" --host h --auto-approve
check "nothing counted as added" out_has "Apply failed in 1 store(s): system (debian). Resources: 0 added, 0 changed, 0 destroyed."
check "not 200 added" bash -c "! grep -q '200 added' '$T/.out'"
check "names the target, the filesystem and the remedy" out_has "/etc/ssl/certs/ca-certificates.crt: cannot write its new content: no space left on the filesystem of /etc/ssl/certs (mounted at $C): free space there and run trustapply again; nothing in /etc/ssl/certs changed"
check "each step says why it failed" out_has 'ca "c1": failed: /etc/ssl/certs/ca-certificates.crt: cannot write its new content: no space left'
check "no step claims success" bash -c "! grep -q ': added$' '$T/.out'"
check "no temp file named" bash -c "! grep -q tf-tmp '$T/.out' '$T/.err'"
check "no temp file left" bash -c "! ls -A '$C' | grep -q tf-tmp"
check "/etc/ssl/certs unchanged" test "$etc_before" = "$(tree_sum "$C")"
check "the bundle is the old one, whole" cmp -s "$T/bundle.before" "$C/ca-certificates.crt"
check "no CA file written either (one transaction)" \
  bash -c "! ls -A '$R/usr/local/share/ca-certificates/trustform' | grep -q ."

expect_rc 2 "the next plan shows what is left" tf plan "${args[@]}" --host h --detailed-exitcode
check "all 200 are left, nothing half-written" out_has "Plan: 200 to add, 0 to change, 0 to destroy."

rm -f "$FS/fill"
expect_rc 0 "with space again, apply finishes" tf apply "${args[@]}" --host h --auto-approve
check "the bundle holds the 200" test "$(bundle_n)" = $((n0 + 200))
expect_rc 0 "converged" tf plan "${args[@]}" --host h --detailed-exitcode

# read-only: remove the 200 again with /etc/ssl/certs mounted read-only
mount -o remount,bind,ro "$C"
etc_before=$(tree_sum "$C")
expect_rc 1 "apply on a read-only filesystem fails" tf apply "${args[@]}" --host bare --auto-approve
check "nothing counted as destroyed" out_has "Resources: 0 added, 0 changed, 0 destroyed."
check "says read-only, the mount point and how to remount" out_has "the filesystem of /etc/ssl/certs is read-only (mounted at $C): remount it read-write (mount -o remount,rw $C) and run trustapply again; nothing in /etc/ssl/certs changed"
check "/etc/ssl/certs unchanged" test "$etc_before" = "$(tree_sum "$C")"
check "no temp file named" bash -c "! grep -q tf-tmp '$T/.out' '$T/.err'"
mount -o remount,bind,rw "$C"
expect_rc 2 "the next plan shows what is left" tf plan "${args[@]}" --host bare --detailed-exitcode
expect_rc 0 "read-write again, apply finishes" tf apply "${args[@]}" --host bare --auto-approve
check "the bundle is back to the distro's" test "$(bundle_n)" = "$n0"
expect_rc 0 "converged" tf plan "${args[@]}" --host bare --detailed-exitcode
done_testing

#!/usr/bin/env bash
# The Debian system store's read cache is keyed by stat (stores/system/
# debian_key.c): after an apply, a plan with nothing to do reads no
# certificate file at all — but every kind of change to what the read depends
# on is seen by the next plan, which then says what a full read says: content
# changed with its size and mtime kept (touch -r), a link of /etc/ssl/certs
# retargeted, a mode or owner changed, a source added or removed, the bundle
# rewritten in place, and a change made right after the apply, within the
# timestamp granularity of the cache (racy-git's rule: such a file is keyed by
# its content until it is old enough).
. "$(dirname "$0")/../lib/common.sh"

mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/corp" "/CN=Statcache Corp CA"
mk_ca "$T/cfg/cas/lab" "/CN=Statcache Lab CA"
mk_ca "$T/other" "/CN=Statcache Other CA"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  system: { type: system }
roles:
  base: { cas: [corp, lab], stores: [system] }
hosts:
  h: [base]
YAML
P=$T/pristine; mk_root "$P" with-distro; real_update_ca_chroot_like "$P" --fresh
args=(-c "$T/cfg/trust.yaml" --host h)

# certificate files a plan opens (0: it took the store from the cache)
crt_opens() { strace -f -qq -e trace=open,openat,openat2 -o "$T/st" "$TRUSTFORM" plan "${args[@]}" --root "$R" >/dev/null 2>&1 || true
  grep -v ENOENT "$T/st" | grep -cE '\.crt"' || true; }
# the plan with the cache, and without: same output, same exit code; the
# cached one kept in $T/cached.out
same_as_full_read() {
  local a=0 b=0
  tf plan "${args[@]}" --root "$R" --detailed-exitcode >"$T/cached.out" 2>&1 || a=$?
  TRUSTFORM_READ_CACHE=off tf plan "${args[@]}" --root "$R" --detailed-exitcode >"$T/full.out" 2>&1 || b=$?
  diff -u "$T/full.out" "$T/cached.out" && [ "$a" = "$b" ]
}
first() { echo "$1"; }	# the first of its arguments (no pipe into head: pipefail)
n=0
fresh() {	# a converged tree whose files are old enough not to be racy
  n=$((n + 1)); R=$T/root$n
  cp -a "$P" "$R"
  expect_rc 0 "apply ($1)" tf apply "${args[@]}" --root "$R" --auto-approve
  sleep 2.2
  tf plan "${args[@]}" --root "$R" >/dev/null 2>&1	# re-keys the racy files once
  local c; c=$(crt_opens)
  check "$1: a plan with nothing to do opens no certificate (opened: $c)" test "$c" = 0
  tf plan "${args[@]}" --root "$R" --detailed-exitcode >"$T/clean.out" 2>&1
}
# changed CHANGE-DESCRIPTION: the next plan is a miss, says what a full read
# says, and differs from the clean plan when the change is visible
changed() {
  local c; c=$(crt_opens)
  check "$1: the next plan reads the store again (opened: $c)" test "$c" -gt 0
  check "$1: cached plan = full read" same_as_full_read
}
differs() { check "$1: the plan shows it" bash -c '! diff -q "$1" "$2" >/dev/null' _ "$T/clean.out" "$T/cached.out"; }

# Content changed, size and mtime kept (touch -r): one base64 character of a
# distro CA's signature, and of the bundle.
fresh "distro content"
f=$(first "$R"/usr/share/ca-certificates/mozilla/*.crt)
cp -p "$f" "$T/ref"
python3 - "$f" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.rindex(b'-----END') - 10          # inside the signature's base64
b[i] = ord('A') if b[i] != ord('A') else ord('B')
open(p, 'wb').write(b)
PY
touch -r "$T/ref" "$f"
check "distro content: size and mtime kept" test "$(stat -c '%s %Y' "$f")" = "$(stat -c '%s %Y' "$T/ref")"
changed "distro content"; differs "distro content"

fresh "bundle content"
b=$R/etc/ssl/certs/ca-certificates.crt
cp -p "$b" "$T/ref"
sed -i '0,/^MII/s/^MII/MIJ/' "$b"; touch -r "$T/ref" "$b"
changed "bundle content"; differs "bundle content"
check "bundle content: named stale" grep -q 'differs from the concatenation' "$T/cached.out"

# A link retargeted to another source.
fresh "link"
links=("$R"/etc/ssl/certs/*.pem); l=${links[0]} o=${links[1]}
ln -sfn "$(readlink "$o")" "$l"
changed "link"; differs "link"

# Mode and owner of a source.
fresh "mode"
chmod 600 "$(first "$R"/usr/share/ca-certificates/mozilla/*.crt)"
changed "mode"
fresh "owner"
chown 4242 "$(first "$R"/usr/local/share/ca-certificates/trustform/*.crt)"
changed "owner"

# A source added, a source removed.
fresh "added"
cp "$T/other.pem" "$R/usr/local/share/ca-certificates/other.crt"
changed "added"; differs "added"
check "added: its link is to create" grep -q '1 link(s) to create' "$T/cached.out"
fresh "removed"
rm "$(first "$R"/usr/local/share/ca-certificates/trustform/*.crt)"
changed "removed"; differs "removed"

# Racy: right after the apply (no pause), trustform's own file changed with
# its size, mtime and owner kept; the cache's key holds it by content.
n=$((n + 1)); R=$T/root$n; cp -a "$P" "$R"
expect_rc 0 "apply (racy)" tf apply "${args[@]}" --root "$R" --auto-approve
m=$(first "$R"/usr/local/share/ca-certificates/trustform/*.crt)
cp -p "$m" "$T/ref"
python3 - "$m" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.rindex(b'-----END') - 10
b[i] = ord('A') if b[i] != ord('A') else ord('B')
open(p, 'wb').write(b)
PY
touch -r "$T/ref" "$m"
changed "racy"; differs "racy"

done_testing

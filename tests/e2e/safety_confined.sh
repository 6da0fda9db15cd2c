#!/usr/bin/env bash
# Confined to --root, without races (util/rootjail.c). While trustform applies,
# an attacker swaps <root>/etc/ssl/certs (and <root>/usr/local/share/
# ca-certificates) back and forth for links to a directory OUTSIDE the root,
# absolute and relative, again and again; strace widens each window by
# delaying one of trustform's path lookups (each in turn). Whatever the apply
# then does (it may fail, and must say so), nothing lands outside the root.
# Reads are confined too, under the same race: `show` (which lists every CA
# it reads) never lists a marker CA placed outside the root, with the
# directories owned by root (the link resolved inside the root) and by a
# user (the link refused).
. "$(dirname "$0")/../lib/common.sh"
command -v strace >/dev/null || { echo "strace is required" >&2; exit 1; }
OUT=$T/outside; mkdir -p "$OUT"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
roles:
  r: { cas: [corp], stores: [system] }
hosts:
  h: [r]
YAML
P=$T/pristine; mk_root "$P" with-distro

# attacker DIR LINKTARGET: swap DIR for a link to LINKTARGET and back, until $T/stop
attacker() {
  local d=$1 target=$2
  while [ ! -e "$T/stop" ]; do
    mv "$d" "$d.real" 2>/dev/null && ln -s "$target" "$d" 2>/dev/null
    sleep 0.002
    rm -f "$d" 2>/dev/null; mv "$d.real" "$d" 2>/dev/null
    sleep 0.001
  done
}

n=$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -e trace=openat2,openat -o "$T/count" "$TRUSTFORM" apply -c "$C/trust.yaml" \
    --root "$P" --host h --auto-approve >/dev/null 2>&1; grep -c 'openat2(' "$T/count" || true)
rm -rf "$P/etc/ssl/certs"/* ; (cd "$P" && rm -rf usr/local/share/ca-certificates/*)
cp /dev/null "$P/etc/ca-certificates.conf"; mk_root "$P" with-distro
check "apply makes confined lookups (openat2)" test "${n:-0}" -gt 5
echo "apply makes $n openat2 lookups; each is delayed in turn while the attacker swaps" >&2

for ((k = 1; k <= n; k += 2)); do
  for mode in abs rel; do
    R=$T/r; rm -rf "$R"; cp -a "$P" "$R"
    target=$OUT; [ $mode = rel ] && target=../../../../../../../../../../..$OUT
    attacker "$R/etc/ssl/certs" "$target" & a1=$!
    attacker "$R/usr/local/share/ca-certificates" "$target" & a2=$!
    _bg_pids+=($a1 $a2)
    # (LeakSanitizer stops the world with ptrace, which strace already holds)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -o /dev/null -e inject=openat2:delay_enter=30000:when=$k "$TRUSTFORM" apply \
      -c "$C/trust.yaml" --root "$R" --host h --auto-approve >"$T/apply.out" 2>&1 || true
    # stop the attackers between swaps (a killed one could leave a link, or
    # finish a move after the next tree is laid out)
    : >"$T/stop"; wait $a1 $a2 2>/dev/null || true; rm -f "$T/stop"
    if [ -z "$(ls -A "$OUT")" ]; then pass; else
      fail "lookup $k ($mode link): files landed outside the root: $(ls -A "$OUT" | head -5 | tr '\n' ' ')"
      find "$OUT" -mindepth 1 -delete
    fi
  done
done

# Reads under the same race: `show` lists every CA it reads (foreign ones
# too) while the attacker swaps the same directories for links to a directory
# outside the root holding a marker CA (as a bundle and as a .crt), each of
# show's lookups delayed in turn. The marker never shows: a link is resolved
# inside the root. Then the same with the directories owned by a user (uid
# 4242): the link is refused outright.
mkdir -p "$T/marker"; mk_ca "$T/marker/m" "/CN=Host Marker Outside The Root"
cp "$T/marker/m.pem" "$T/marker/ca-certificates.crt"; cp "$T/marker/m.pem" "$T/marker/marker.crt"
R=$T/r; rm -rf "$R"; cp -a "$P" "$R"
tf apply -c "$C/trust.yaml" --root "$R" --host h --auto-approve >/dev/null 2>&1 || true
P2=$T/pristine2; rm -rf "$P2"; cp -a "$R" "$P2"
m=$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0     strace -f -e trace=openat2 -o "$T/count2" "$TRUSTFORM" show -c "$C/trust.yaml"     --root "$P2" --host h >/dev/null 2>&1; grep -c 'openat2(' "$T/count2" || true)
check "show makes confined lookups (openat2)" test "${m:-0}" -gt 3
echo "show makes $m openat2 lookups; each is delayed in turn while the attacker swaps" >&2
for owner in root 4242; do
  for ((k = 1; k <= m; k += 6)); do
    for mode in abs rel; do
      R=$T/r; rm -rf "$R"; cp -a "$P2" "$R"
      [ $owner = root ] || chown $owner "$R/etc/ssl" "$R/usr/local/share"
      target=$T/marker; [ $mode = rel ] && target=../../../../../../../../../../..$T/marker
      as=(); [ $owner = root ] || { as=(setpriv --reuid=4242 --regid=4242 --clear-groups); chmod 0755 "$T" "$R"; }
      "${as[@]}" env T="$T" bash -c "$(declare -f attacker); attacker '$R/etc/ssl/certs' '$target'" & a1=$!
      "${as[@]}" env T="$T" bash -c "$(declare -f attacker); attacker '$R/usr/local/share/ca-certificates' '$target'" & a2=$!
      _bg_pids+=($a1 $a2)
      ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
      strace -f -o /dev/null -e inject=openat2:delay_enter=30000:when=$k "$TRUSTFORM" show \
        -c "$C/trust.yaml" --root "$R" --host h >"$T/show.out" 2>&1 || true
      : >"$T/stop"; wait $a1 $a2 2>/dev/null || true; rm -f "$T/stop"
      if grep -q "Host Marker" "$T/show.out"; then
        fail "show, lookup $k ($mode link, directories owned by $owner): read the marker outside the root"
      else pass; fi
    done
  done
done
# Without an attacker, show lists the tree's own CAs (the check can see them).
expect_rc 0 "show, no attacker" tf show -c "$C/trust.yaml" --root "$P2" --host h
check "show lists what the tree holds" out_has "Corp Root"

# Without an attacker the same apply converges, and a plan after it is clean.
R=$T/r; rm -rf "$R"; cp -a "$P" "$R"
expect_rc 0 "apply, no attacker" tf apply -c "$C/trust.yaml" --root "$R" --host h --auto-approve
expect_rc 0 "plan clean" tf plan -c "$C/trust.yaml" --root "$R" --host h --detailed-exitcode

# Reads: /etc/ssl/certs is a link leading out of the root: trustform reads
# and writes what the link means inside the root (a chroot's view), never the
# host directory it names.
R=$T/r2; rm -rf "$R"; cp -a "$P" "$R"
mkdir -p "$OUT/certs-host"; echo "host file" >"$OUT/certs-host/marker.pem"
rm -rf "$R/etc/ssl/certs"; ln -s "$OUT/certs-host" "$R/etc/ssl/certs"
tf apply -c "$C/trust.yaml" --root "$R" --host h --auto-approve >"$T/.out" 2>&1 || true
check "the host directory the link names is untouched" test "$(ls -A "$OUT/certs-host")" = marker.pem
check "nothing else outside" test "$(ls -A "$OUT")" = certs-host
done_testing

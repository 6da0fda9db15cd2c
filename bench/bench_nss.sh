#!/usr/bin/env bash
# The nss store's benchmark (issue 3): converge 10 NSS databases (10 users'
# ~/.pki/nssdb) with 100 CAs each, from empty, against a `certutil -A` per CA
# per database doing the same. Measured side by side, in one run, as a ratio;
# both results are checked to be the same before anything is timed.
# Not part of the test suite. Needs root (trustform's child drops to each user).
#
#   bench/bench_nss.sh        (BENCH_DIR picks the filesystem; default tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DBS=${DBS:-10} CAS=${CAS:-100} RUNS=${RUNS:-3}

# A tree with DBS users, each with an empty Chrome database (certutil -N), owned by them.
users=() ; P=$W/pristine
mkdir -p "$P/etc"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$P/etc/passwd"; printf 'root:x:0:\n' >"$P/etc/group"
for ((i = 0; i < DBS; i++)); do
  u=user$i uid=$((5000 + i)); users+=("$u")
  printf '%s:x:%d:%d::/home/%s:/bin/sh\n' "$u" "$uid" "$uid" "$u" >>"$P/etc/passwd"
  printf '%s:x:%d:\n' "$u" "$uid" >>"$P/etc/group"
  mkdir -p "$P/home/$u/.pki/nssdb"
  certutil -N -d "sql:$P/home/$u/.pki/nssdb" --empty-password </dev/null
  chown -R "$uid:$uid" "$P/home/$u"
done
list=$(IFS=,; echo "${users[*]}")
"$GEN" "$W/cfg" "$CAS" "browsers: { type: nss, discover: [chrome], users: [$list] }" >/dev/null
cfg=$W/cfg/trust.yaml

tf_apply() { "$TF" apply -c "$cfg" --root "$W/t" --host bench --target browsers --auto-approve; }
certutil_loop() {
  local u f
  for u in "${users[@]}"; do
    for f in "$W"/cfg/cas/*.pem; do
      certutil -A -d "sql:$W/c/home/$u/.pki/nssdb" -n "trustform-$(basename "$f" .pem)" \
        -t C,, -i "$f" </dev/null
    done
  done
}

# Same result first: every database lists the same nicknames with the same trust.
rm -rf "$W/t" "$W/c"; cp -a "$P" "$W/t"; cp -a "$P" "$W/c"
tf_apply >/dev/null; certutil_loop
for u in "${users[@]}"; do
  a=$(certutil -L -d "sql:$W/t/home/$u/.pki/nssdb" </dev/null | sort)
  b=$(certutil -L -d "sql:$W/c/home/$u/.pki/nssdb" </dev/null | sort)
  [ "$a" = "$b" ] || { echo "bench: $u: trustform and certutil disagree" >&2; exit 1; }
  [ "$(grep -c '^trustform-' <<<"$a")" = "$CAS" ] || { echo "bench: $u: not $CAS CAs" >&2; exit 1; }
done
"$TF" plan -c "$cfg" --root "$W/t" --host bench --target browsers --detailed-exitcode >/dev/null

echo "nss store benchmark · $(nproc) cores · $("$TF" version | sed -n 2p | tr -s ' ')"
echo "$DBS databases x $CAS CAs, from empty, on $(df --output=fstype "$W" | tail -1) ($W); median of $RUNS"
tf=$(median_ms "$RUNS" 'rm -rf "$W/t"; cp -a "$P" "$W/t"' tf_apply)
cu=$(median_ms "$RUNS" 'rm -rf "$W/c"; cp -a "$P" "$W/c"' certutil_loop)
noop=$(median_ms "$RUNS" : "$TF" plan -c "$cfg" --root "$W/t" --host bench --target browsers)
printf '  %-44s %9s\n' "trustapply (one child per database)" "$tf ms"
printf '  %-44s %9s\n' "certutil -A, once per CA per database" "$cu ms"
printf '  %-44s %9s   (target >= 10x)\n' "ratio" \
  "$(awk -v a="$tf" -v b="$cu" 'BEGIN { printf "%.1fx", b / a }')"
printf '  %-44s %9s\n' "trustplan with nothing to do" "$noop ms"

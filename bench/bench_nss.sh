#!/usr/bin/env bash
# The nss store's benchmark (issue 3): converge 10 NSS databases (10 users'
# ~/.pki/nssdb) with 100 CAs each, from empty, against a `certutil -A` per CA
# per database doing the same, and against the floor of libnss3 (issue 14):
# bench/nss_floor.c, one process per database (as its owner, as many at once as
# trustform's pool runs) doing only PK11_ImportCert and CERT_ChangeCertTrust per
# CA, the least any tool writing through libnss3 must do. The three are run in
# turn, on identical fresh copies, RUNS times; each result is checked to be the
# same as the others before anything is timed. trustform's efficiency is the
# floor's time over trustform's, per run (the two measured back to back).
# Not part of the test suite. Needs root (the children drop to each user).
#
#   bench/bench_nss.sh        (BENCH_DIR picks the filesystem; default tmpfs)
#   RUNS=7 CU_RUNS=1 bench/bench_nss.sh     (fewer of the slow certutil loops)
#   TRUSTFORM=/path/to/other/trustform bench/bench_nss.sh   (compare a build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DBS=${DBS:-10} CAS=${CAS:-100} RUNS=${RUNS:-5}
CU_RUNS=${CU_RUNS:-$RUNS}
cmake --build build --target nss_floor >/dev/null
FLOOR=$PWD/build/nss_floor
TF=${TRUSTFORM:-$TF}

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

floor_run() {
  local u dbs=()
  for u in "${users[@]}"; do dbs+=("$W/f/home/$u/.pki/nssdb"); done
  "$FLOOR" -t C,, "${dbs[@]}" -- "$W"/cfg/cas/*.pem
}
fresh() { rm -rf "$W/$1"; cp -a "$P" "$W/$1"; }

# Same result first: every database lists the same nicknames with the same trust.
fresh t; fresh c; fresh f
tf_apply >/dev/null; certutil_loop; floor_run
for u in "${users[@]}"; do
  a=$(certutil -L -d "sql:$W/t/home/$u/.pki/nssdb" </dev/null | sort)
  b=$(certutil -L -d "sql:$W/c/home/$u/.pki/nssdb" </dev/null | sort)
  f=$(certutil -L -d "sql:$W/f/home/$u/.pki/nssdb" </dev/null | sort)
  [ "$a" = "$b" ] || { echo "bench: $u: trustform and certutil disagree" >&2; exit 1; }
  [ "$a" = "$f" ] || { echo "bench: $u: trustform and the floor disagree" >&2; exit 1; }
  [ "$(grep -c '^trustform-.* C,, *$' <<<"$a")" = "$CAS" ] ||
    { echo "bench: $u: not $CAS CAs with C,," >&2; exit 1; }
done
"$TF" plan -c "$cfg" --root "$W/t" --host bench --target browsers --detailed-exitcode >/dev/null

# one timed run of CMD after SETUP (not timed): "WALL CPU" in ms, CPU being
# user + system time of CMD and every process it waited for (its children)
once_ms() {
  local setup=$1 t; shift
  eval "$setup"
  t=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null 2>&1 || true; } 2>&1 )
  awk '{ printf "%d %d", $1 * 1000, ($2 + $3) * 1000 }' <<<"$t"
}
med() { sort -n | awk '{ v[NR] = $1 } END { printf "%s", v[int((NR + 1) / 2)] }'; }
range() { sort -n | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%s-%s", a, b }'; }

echo "nss store benchmark · $(nproc) cores · $("$TF" version | sed -n 2p | tr -s ' ')"
echo "$DBS databases x $CAS CAs, from empty, on $(df --output=fstype "$W" | tail -1) ($W); $RUNS runs (certutil: $CU_RUNS)"
tfs=() fls=() cus=() effs=() tfc=() flc=() effc=()
eff() { awk -v f="$1" -v t="$2" 'BEGIN { printf "%.2f", (t > 0 ? f / t : 0) }'; }
for ((r = 0; r < RUNS; r++)); do
  # alternate which goes first, so a trend in the machine's load hits both alike
  if ((r % 2)); then
    fl=$(once_ms 'fresh f' floor_run); tf=$(once_ms 'fresh t' tf_apply)
  else
    tf=$(once_ms 'fresh t' tf_apply); fl=$(once_ms 'fresh f' floor_run)
  fi
  tfs+=("${tf% *}") fls+=("${fl% *}") tfc+=("${tf#* }") flc+=("${fl#* }")
  effs+=("$(eff "${fl% *}" "${tf% *}")") effc+=("$(eff "${fl#* }" "${tf#* }")")
  if ((r < CU_RUNS)); then cu=$(once_ms 'fresh c' certutil_loop); cus+=("${cu% *}"); fi
done
noop=$(median_ms "$RUNS" : "$TF" plan -c "$cfg" --root "$W/t" --host bench --target browsers)
tf=$(printf '%s\n' "${tfs[@]}" | med) fl=$(printf '%s\n' "${fls[@]}" | med)
cu=$(printf '%s\n' "${cus[@]}" | med)
printf '  %-48s %9s   (%s)\n' "trustapply (one child per database)" "$tf ms" \
  "$(printf '%s\n' "${tfs[@]}" | range)"
printf '  %-48s %9s   (%s)\n' "floor: import + trust only, same parallelism" "$fl ms" \
  "$(printf '%s\n' "${fls[@]}" | range)"
printf '  %-48s %9s   (%s)\n' "certutil -A, once per CA per database" "$cu ms" \
  "$(printf '%s\n' "${cus[@]}" | range)"
printf '  %-48s %9s   (%s per run; target >= 0.9)\n' "efficiency: floor time / trustform time" \
  "$(printf '%s\n' "${effs[@]}" | med)" "$(printf '%s\n' "${effs[@]}" | range)"
tc=$(printf '%s\n' "${tfc[@]}" | med) fc=$(printf '%s\n' "${flc[@]}" | med)
printf '  %-48s %9s   (%s per run; trustform %s ms, floor %s ms)\n' \
  "  the same in CPU time (user + system)" "$(printf '%s\n' "${effc[@]}" | med)" \
  "$(printf '%s\n' "${effc[@]}" | range)" "$tc" "$fc"
printf '  %-48s %9s   (CPU time of the floor / %d certificates)\n' \
  "floor: cost per certificate" \
  "$(awk -v c="$fc" -v n=$((DBS * CAS)) 'BEGIN { printf "%.2f ms", c / n }')" $((DBS * CAS))
printf '  %-48s %9s   (the floor: %s)\n' "ratio over the certutil loop" "$(ratio "$tf" "$cu")" \
  "$(ratio "$fl" "$cu")"
printf '  %-48s %9s\n' "trustplan with nothing to do" "$noop ms"

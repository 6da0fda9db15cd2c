#!/usr/bin/env bash
# Linear at scale (issue 22 item 4), measured in one run: plan and apply of N
# and 10N CAs into the Debian system store, and `trustform diff` over an
# inventory of H and 10H hosts; each large figure against 10 times the small
# one (target: at most 2.0, i.e. within 2x of linear), and the peak memory of
# each run per CA. Not part of the test suite, and no test asserts a time.
#
#   bench/bench_scale.sh [N [BIG]]   (default N=10000, BIG=10N; N=1000 is quick)
#   HOSTS=H                          hosts of the small diff (default 1000; big: 10H)
#   TRUSTFORM=/path/to/other/trustform bench/bench_scale.sh   (compare a build)
#
# BIG other than 10N (say 50000 where 100000 is too slow): the ratio is then
# t(BIG) / ((BIG/N) x t(N)), a straight-line extrapolation, printed as such.
# apply: from an empty /etc/ssl/certs and no local CAs (the distro CAs
# selected), one run each; plan: with nothing to do after that apply, small and
# large in turn, medians of 3 rounds; diff: the same, 5 rounds. Wall and CPU
# time (user + system; the figure to read on a loaded machine); peak memory
# (max RSS) of the apply, of one plan and of one diff.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

TF=${TRUSTFORM:-$TF}
n=${1:-10000}
big=${2:-$((n * 10))}
hs=${HOSTS:-1000}
hb=$((hs * 10))
echo "trustform scale benchmark · $(nproc) cores · on $(df --output=fstype "$W" | tail -1) ($W)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Debian system store, $(ls /usr/share/ca-certificates/mozilla | wc -l) distro CAs + N local CAs"
echo
mk_debian_tree "$W/pristine"

# run_rss MS-VAR CPU-VAR KB-VAR CMD...: one run's wall time and CPU time
# (user + system) in ms, and its max RSS in KiB
run_rss() {
  local -n _ms=$1 _cpu=$2 _kb=$3
  shift 3
  local s e u
  s=$(date +%s%N)
  /usr/bin/time -f '%M %U %S' -o "$W/rss" "$@" >/dev/null 2>&1 || true
  e=$(date +%s%N)
  _ms=$(((e - s) / 1000000))
  read -r _kb u s <<<"$(tail -1 "$W/rss")"
  _cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }')
}

# Plans and diffs of the small and the large case run in turn, RUNS rounds
# (bench/alternate.py), so that a load that comes and goes hits both alike;
# the medians of wall and CPU time. Applies run once each, small then large.
declare -A apply acpu arss prss
for k in "$n" "$big"; do
  "$GEN" "$W/cfg$k" "$k"
  rm -rf "$W/t$k"
  cp -a "$W/pristine" "$W/t$k"
  run_rss "apply[$k]" "acpu[$k]" "arss[$k]" \
    "$TF" apply -c "$W/cfg$k/trust.yaml" --root "$W/t$k" --host bench --auto-approve
  run_rss junk junk "prss[$k]" "$TF" plan -c "$W/cfg$k/trust.yaml" --root "$W/t$k" --host bench
done
pargs() { echo plan -c "$W/cfg$1/trust.yaml" --root "$W/t$1" --host bench; }
# shellcheck disable=SC2046
{ read -r -a ps; read -r -a pb; } <<<"$(alternate 3 -- "$TF" $(pargs "$n") -- "$TF" $(pargs "$big"))"
rm -rf "$W/t$n" "$W/cfg$n" "$W/t$big" "$W/cfg$big"

# mk_fleet DIR H: two versions of examples/two-host-stack with H more host
# entries (edge and runner in turn), the new one with retired-lab released and
# every tenth host given both roles, and an inventory of the H names and three
# names only its ci-* glob matches
mk_fleet() {
  local d=$1 h=$2
  mkdir -p "$d"
  cp -r examples/two-host-stack "$d/old"
  cp -r examples/two-host-stack "$d/new"
  awk -v h="$h" 'BEGIN { for (i = 0; i < h; i++) printf "  host-%06d: [%s]\n", i, i % 2 ? "edge" : "runner" }' \
    >"$d/hosts"
  cat "$d/hosts" >>"$d/old/trust.yaml"
  sed 's/^\(  host-[0-9]*5\): \[runner\]/\1: [runner, edge]/' "$d/hosts" >>"$d/new/trust.yaml"
  sed -i '/^    ensure: absent$/d' "$d/new/trust.yaml"
  { awk -v h="$h" 'BEGIN { for (i = 0; i < h; i++) printf "host-%06d\n", i }'; printf 'ci-%d\n' 1 2 3; } >"$d/inv"
}
declare -A drss
for k in "$hs" "$hb"; do
  mk_fleet "$W/fleet$k" "$k"
  run_rss junk junk "drss[$k]" "$TF" diff "$W/fleet$k/old/trust.yaml" "$W/fleet$k/new/trust.yaml" \
    --inventory "$W/fleet$k/inv"
done
dargs() { echo diff "$W/fleet$1/old/trust.yaml" "$W/fleet$1/new/trust.yaml" --inventory "$W/fleet$1/inv"; }
# shellcheck disable=SC2046
{ read -r -a ds; read -r -a db; } <<<"$(alternate 5 -- "$TF" $(dargs "$hs") -- "$TF" $(dargs "$hb"))"

# lin LARGE SMALL SCALE: LARGE / (SCALE x SMALL); 1.0 is exactly linear
lin() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { printf "%.2f", (b > 0 ? a / (s * b) : 0) }'; }
# per SMALL BIG KIB-SMALL KIB-BIG: KiB per item added from SMALL to BIG, "4.4 KiB"
per() { awk -v a="$1" -v b="$2" -v x="$3" -v y="$4" 'BEGIN { printf "%.1f KiB", (y - x) / (b - a) }'; }
sc=$(awk -v a="$big" -v b="$n" 'BEGIN { s = a / b; printf (s == int(s) ? "%d" : "%.1f"), s }')
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
msi() { awk -v u="$1" 'BEGIN { printf "%d ms", u / 1000 }'; }
printf '  %-36s %12s %12s %20s   %s\n' "" "N=$n" "$big" "big / ($sc x small)" "target"
row2() { printf '  %-36s %12s %12s %20s   %s\n' "$@" "<= 2.00"; }
row3() { printf '  %-36s %12s %12s\n' "$@"; }
row2 "apply from empty, wall" "${apply[$n]} ms" "${apply[$big]} ms" "$(lin "${apply[$big]}" "${apply[$n]}" "$sc")"
row2 "apply from empty, CPU" "${acpu[$n]} ms" "${acpu[$big]} ms" "$(lin "${acpu[$big]}" "${acpu[$n]}" "$sc")"
row2 "plan with nothing to do, wall" "$(msi "${ps[0]}")" "$(msi "${pb[0]}")" "$(lin "${pb[0]}" "${ps[0]}" "$sc")"
row2 "plan with nothing to do, CPU" "$(msi "${ps[1]}")" "$(msi "${pb[1]}")" "$(lin "${pb[1]}" "${ps[1]}" "$sc")"
row2 "apply peak memory (max RSS)" "$((arss[$n] / 1024)) MiB" "$((arss[$big] / 1024)) MiB" \
  "$(lin "${arss[$big]}" "${arss[$n]}" "$sc")"
row3 "  per CA added, N to $big" "" "$(per "$n" "$big" "${arss[$n]}" "${arss[$big]}")"
row2 "plan peak memory (max RSS)" "$((prss[$n] / 1024)) MiB" "$((prss[$big] / 1024)) MiB" \
  "$(lin "${prss[$big]}" "${prss[$n]}" "$sc")"
row3 "  per CA added, N to $big" "" "$(per "$n" "$big" "${prss[$n]}" "${prss[$big]}")"
printf '  %-36s %12s %12s %20s\n' "" "H=$hs hosts" "$hb hosts" "10H / (10 x H)"
row2 "diff over an inventory, wall" "$(msi "${ds[0]}")" "$(msi "${db[0]}")" "$(lin "${db[0]}" "${ds[0]}" 10)"
row2 "diff over an inventory, CPU" "$(msi "${ds[1]}")" "$(msi "${db[1]}")" "$(lin "${db[1]}" "${ds[1]}" 10)"
row2 "diff peak memory (max RSS)" "$((drss[$hs] / 1024)) MiB" "$((drss[$hb] / 1024)) MiB" \
  "$(lin "${drss[$hb]}" "${drss[$hs]}" 10)"
if [ "$big" != "$((n * 10))" ]; then
  echo
  echo "  BIG is $sc x N, not 10 x N: the ratios are t(BIG) / ($sc x t(N)), a straight-line extrapolation."
fi

#!/usr/bin/env bash
# Linear at scale (issue 22 item 4): plan and apply of N and 10N CAs into the
# Debian system store, measured in the same run, and the ratio of the 10N
# figure to 10 times the N figure (target: at most 2.0, i.e. within 2x of
# linear). Also the peak memory of each plan. Not part of the test suite.
#
#   bench/bench_scale.sh [N]      (default N=10000, so 10N=100000; N=1000 is quick)
#   TRUSTFORM=/path/to/other/trustform bench/bench_scale.sh [N]   (compare a build)
#
# apply: from an empty /etc/ssl/certs and no local CAs (the distro CAs
# selected), one run each; plan: with nothing to do after that apply, median
# of 3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

TF=${TRUSTFORM:-$TF}
n=${1:-10000}
echo "trustform scale benchmark · $(nproc) cores · on $(df --output=fstype "$W" | tail -1) ($W)"
echo "Debian system store, $(ls /usr/share/ca-certificates/mozilla | wc -l) distro CAs + N local CAs"
echo
mk_debian_tree "$W/pristine"

declare -A plan apply rss
for k in "$n" "$((n * 10))"; do
  "$GEN" "$W/cfg$k" "$k"
  rm -rf "$W/t$k"; cp -a "$W/pristine" "$W/t$k"
  s=$(date +%s%N)
  "$TF" apply -c "$W/cfg$k/trust.yaml" --root "$W/t$k" --host bench --auto-approve >/dev/null
  e=$(date +%s%N)
  apply[$k]=$(((e - s) / 1000000))
  plan[$k]=$(median_ms 3 : "$TF" plan -c "$W/cfg$k/trust.yaml" --root "$W/t$k" --host bench)
  rss[$k]=$( { /usr/bin/time -f '%M' "$TF" plan -c "$W/cfg$k/trust.yaml" --root "$W/t$k" --host bench >/dev/null; } 2>&1 | tail -1)
  rm -rf "$W/t$k" "$W/cfg$k"
done

big=$((n * 10))
# linear: LARGE / (10 * SMALL); 1.0 is exactly linear
lin() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / (10 * b) : 0) }'; }
printf '  %-34s %10s %10s %18s   %s\n' "" "N=$n" "10N=$big" "10N / (10 x N)" "target"
printf '  %-34s %7d ms %7d ms %18s   %s\n' "apply from empty" "${apply[$n]}" "${apply[$big]}" \
  "$(lin "${apply[$big]}" "${apply[$n]}")" "<= 2.00"
printf '  %-34s %7d ms %7d ms %18s   %s\n' "plan with nothing to do" "${plan[$n]}" "${plan[$big]}" \
  "$(lin "${plan[$big]}" "${plan[$n]}")" "<= 2.00"
printf '  %-34s %6d MiB %6d MiB %18s   %s\n' "plan peak memory (max RSS)" "$((rss[$n] / 1024))" \
  "$((rss[$big] / 1024))" "$(lin "${rss[$big]}" "${rss[$n]}")" "<= 2.00"

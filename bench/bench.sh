#!/usr/bin/env bash
# trustform's speed targets (SPEC §6), measured side by side with the tools
# users would otherwise run, in one run on this machine. Not part of the test
# suite: it takes a few minutes. Prints medians and ratios.
#
#   bench/bench.sh            (builds first; needs the packages of scripts/deps.txt)
#   RUNS=15                   rounds of the side-by-side no-op measurement
#   BENCH_SID=0               skip the row on the cached Debian sid tree
#   BENCH_SCALE=0             skip the scaling to 10,000 CAs
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

echo "trustform benchmark · $(nproc) cores · $("$TF" version | sed -n 2p | tr -s ' ')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reference tree: $(ls /usr/share/ca-certificates/mozilla | wc -l) distro CAs + 100 local CAs, on $(df --output=fstype "$W" | tail -1) ($W)"
echo

"$GEN" "$W/cfg100" 100
mk_debian_tree "$W/pristine"
# trustform's converged tree, and the same sources converged by the real tool
cp -a "$W/pristine" "$W/tf"
"$TF" apply -c "$W/cfg100/trust.yaml" --root "$W/tf" --host bench --auto-approve >/dev/null
cp -a "$W/pristine" "$W/uca"
mkdir -p "$W/uca/usr/local/share/ca-certificates/trustform"
cp "$W/tf"/usr/local/share/ca-certificates/trustform/*.crt "$W/uca/usr/local/share/ca-certificates/trustform/"
uca "$W/uca" --fresh >/dev/null 2>&1

# Nothing to do, side by side in one run: trustform, the two floors of the
# same work (bench/floor_probe.c), update-ca-certificates; medians of RUNS
# rounds, each running all four in turn; wall time and CPU time (user + system).
floors_row "$W/tf" "$W/cfg100" "$W/uca" "" "${RUNS:-15}"
tf_plan=$FL_TF_MS uca_noop=$FL_UCA_MS

echo
row "" trustform baseline ratio target
row "nothing to do: trustplan vs update-ca-certificates" "${tf_plan} ms" "${uca_noop} ms" \
  "$(ratio "$tf_plan" "$uca_noop")" ">= 100x"
tf_apply=$(median_ms 5 'rm -rf "$W/t2"; cp -a "$W/pristine" "$W/t2"' \
  "$TF" apply -c "$W/cfg100/trust.yaml" --root "$W/t2" --host bench --auto-approve)
uca_fresh=$(median_ms 5 'rm -rf "$W/u2"; cp -a "$W/uca" "$W/u2"; find "$W/u2/etc/ssl/certs" -mindepth 1 -delete' \
  uca "$W/u2" --fresh)
row "converge from empty: apply vs uca --fresh" "${tf_apply} ms" "${uca_fresh} ms" \
  "$(ratio "$tf_apply" "$uca_fresh")" ">= 20x"

sid_row

if [ "${BENCH_SCALE:-1}" = 0 ]; then echo; echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"; exit 0; fi
echo
echo "scaling with CAs in the config (plan with nothing to do; target: 10k under 2 s and 64 MiB, linear)"
printf '  %8s %10s %12s %12s\n' CAs "plan (ms)" "µs per CA" "max RSS"
for n in 1000 2500 5000 10000; do
  "$GEN" "$W/cfg$n" "$n"
  cp -a "$W/pristine" "$W/s$n"
  "$TF" apply -c "$W/cfg$n/trust.yaml" --root "$W/s$n" --host bench --auto-approve >/dev/null
  ms=$(median_ms 3 : "$TF" plan -c "$W/cfg$n/trust.yaml" --root "$W/s$n" --host bench)
  rss=$( { /usr/bin/time -f '%M' "$TF" plan -c "$W/cfg$n/trust.yaml" --root "$W/s$n" --host bench >/dev/null; } 2>&1 | tail -1)
  printf '  %8d %10d %12d %9d MiB\n' "$n" "$ms" "$((ms * 1000 / n))" "$((rss / 1024))"
  rm -rf "$W/s$n" "$W/cfg$n"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

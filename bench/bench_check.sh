#!/usr/bin/env bash
# trustform check's benchmark (issue 12): 50 endpoints on loopback, each its
# own openssl s_server (leaf + intermediate), checked in parallel against a
# pem-bundle store, end to end (load, read, 50 handshakes, 50 verdicts).
# Prints the median wall time. Not part of the test suite.
#
#   bench/bench_check.sh        (N=50 RUNS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-50} RUNS=${RUNS:-5}
pki() { /usr/bin/python3 tests/lib/check_pki.py "$@"; }

mkdir -p "$W/cfg/cas" "$W/root/etc"
pki "$W/root-ca" "Bench Root" --ca --days-to 3650
pki "$W/inter" "Bench Issuing CA" --ca --issuer "$W/root-ca" --days-to 1000
pki "$W/leaf" localhost --issuer "$W/inter" --san DNS:localhost,IP:127.0.0.1
cp "$W/root-ca.pem" "$W/cfg/cas/root.pem"
pids=() urls=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$W"' EXIT
for ((i = 0; i < N; i++)); do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  timeout 600 openssl s_server -accept "127.0.0.1:$port" -cert "$W/leaf.pem" -key "$W/leaf.key" \
    -cert_chain "$W/inter.pem" -www -quiet >/dev/null 2>&1 &
  pids+=($!) urls+=("      - https://localhost:$port")
done
for u in "${urls[@]}"; do
  port=${u##*:}
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
done
{
  printf 'version: 1\ncas:\n  root: { file: cas/root.pem }\nstores:\n'
  printf '  app: { type: pem-bundle, path: /etc/app/ca.pem }\n'
  printf 'roles:\n  runner:\n    cas: [root]\n    stores: [app]\n    connects_to:\n'
  printf '%s\n' "${urls[@]}"
  printf 'hosts:\n  bench: [runner]\n'
} >"$W/cfg/trust.yaml"
args=(-c "$W/cfg/trust.yaml" --root "$W/root" --host bench)
rc=0; "$TF" check "${args[@]}" >"$W/out" 2>&1 || rc=$?
grep -q "Check: $N of $N endpoints trusted" "$W/out" || { echo "check failed (rc $rc):"; cat "$W/out"; exit 1; }
ms=$(median_ms "$RUNS" : "$TF" check "${args[@]}")
echo "trustform check, $N endpoints on loopback in parallel: ${ms} ms (median of $RUNS)"

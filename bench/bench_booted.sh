#!/usr/bin/env bash
# A real host's plan with nothing to do (SPEC §6: 100 ms or less): the booted
# Debian sid test system of e2e/booted/sid (tests/lib/booted.sh, systemd as
# PID 1) with its stack (tests/lib/booted_stack.sh: Caddy with `tls internal`,
# a Node service, a Python venv in truststore mode, an https upstream), the
# trustform package installed, and a configuration of four stores (system,
# systemd-env, python, caddy) and one endpoint, converged by trustapply. Then,
# side by side in one run, inside that system (bench/alternate.py, medians of
# RUNS rounds, wall and CPU time with children):
#   - trustplan, the effect cache filled (the venv's python and `caddy
#     validate` are not run: nothing that decides them changed);
#   - trustplan with TRUSTFORM_READ_CACHE=off (both run, as every plan did
#     before the effect cache);
#   - the floor: `systemctl is-active` of the two consumers and reading every
#     file the four stores hold (one shell).
# Not part of the test suite; needs root; the first run builds the booted tree
# and the sid package (cached, as the e2e/booted tests do).
#
#   bench/bench_booted.sh        (RUNS=15)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build >/dev/null
export TRUSTFORM=$PWD/build/trustform
. tests/lib/common.sh
. tests/lib/booted.sh
. tests/lib/booted_stack.sh
RUNS=${RUNS:-15}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
booted_up sid
booted_install_trustform
bs_setup
in_booted trustform caddy export-root -c /etc/trustform/trust.yaml /etc/trustform/cas/caddy-local-root.pem \
  >/dev/null 2>&1 || _booted_fail "caddy export-root failed"
cat >"$B/etc/trustform/bench.yaml" <<'YAML'
version: 1
cas:
  corp-root: { file: cas/corp-root.pem }
  node-root: { file: cas/node-root.pem }
  caddy-local: { file: cas/caddy-local-root.pem, caddy: local }
stores:
  system: { type: system }
  node-app: { type: systemd-env, unit: node-app.service, env: [NODE_EXTRA_CA_CERTS] }
  app-venv: { type: python, venv: /opt/app/.venv, mode: truststore }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
roles:
  app:
    cas: [corp-root, caddy-local, node-root]
    stores: [system, app-venv, node-app]
    caddy: true
    connects_to:
      - https://127.0.0.1:8443
hosts:
  "*": [app]
YAML
in_booted trustform apply -c /etc/trustform/bench.yaml --auto-approve --no-color >"$T/apply.out" 2>&1 ||
  { cat "$T/apply.out"; _booted_fail "apply failed"; }
in_booted systemctl restart caddy.service node-app.service
bs_wait_port 443 && bs_wait_port 9080
rc=0; in_booted trustform plan -c /etc/trustform/bench.yaml --detailed-exitcode --no-color >"$T/plan.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/plan.out"; _booted_fail "the plan after apply is not clean (exit $rc)"; }
grep -q 'endpoint.*127.0.0.1:8443\|127.0.0.1:8443' "$T/plan.out" || { cat "$T/plan.out"; _booted_fail "the plan did not check the endpoint"; }

cp bench/alternate.py "$B/var/tmp/alternate.py"
floor='systemctl is-active -q caddy.service node-app.service
cat /etc/ssl/certs/ca-certificates.crt /usr/local/share/ca-certificates/trustform/*.crt \
  /etc/systemd/system/node-app.service.d/90-trustform.conf /etc/trustform/bundles/node-app.pem \
  /opt/app/.venv/lib/python3*/site-packages/trustform-truststore.pth /etc/caddy/Caddyfile \
  /var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt >/dev/null'
plan=(trustform plan -c /etc/trustform/bench.yaml)
out=$(in_booted /usr/bin/python3 /var/tmp/alternate.py "$RUNS" -- "${plan[@]}" \
  -- env TRUSTFORM_READ_CACHE=off "${plan[@]}" -- sh -c "$floor")
{ read -r -a on; read -r -a off; read -r -a fl; } <<<"$out"
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
xr() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (a > 0 ? b / a : 0) }'; }
echo
echo "booted Debian sid ($(in_booted systemctl --version | head -1)): four stores, one endpoint, nothing to do"
echo "peers: caddy $(booted_version caddy), python3 $(booted_version python3), truststore $(booted_version python3-truststore)"
echo "median of $RUNS rounds, each running the three in turn"
printf '  %-52s %10s %10s\n' "" "wall (ms)" "CPU (ms)"
printf '  %-52s %10s %10s\n' "trustplan, effect cache filled" "$(ms "${on[0]}")" "$(ms "${on[1]}")" \
  "trustplan, TRUSTFORM_READ_CACHE=off (checks run)" "$(ms "${off[0]}")" "$(ms "${off[1]}")" \
  "floor: systemctl is-active + reading the stores" "$(ms "${fl[0]}")" "$(ms "${fl[1]}")"
printf '  %-52s %10s %10s   %s\n' "trustplan / floor" "$(xr "${fl[0]}" "${on[0]}")" "$(xr "${fl[1]}" "${on[1]}")" "" \
  "cache off / cache filled" "$(xr "${on[0]}" "${off[0]}")" "$(xr "${on[1]}" "${off[1]}")" "" \
  "target: trustplan <= 100 ms" "$(awk -v u="${on[0]}" 'BEGIN { print (u <= 100000 ? "met" : "NOT met") }')" "" ""
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The stack on a booted system (tests/lib/booted.sh): trustform installed in
# /usr and run WITHOUT --root against the system's own /, with real services
# under its systemd, every verdict checked against the clients themselves:
#
#   upstream.service   a Python https server on 127.0.0.1:8443, its leaf signed
#                      by a private intermediate of a private root (it sends
#                      leaf + intermediate)
#   caddy.service      the distribution's unit: `tls internal` on
#                      https://localhost, reverse_proxy to the upstream
#                      (200 when Go trusts the root, 502 when it does not)
#   node-app.service   Node; on each GET of http://127.0.0.1:9080/ it makes
#                      its OWN https request to node-upstream.service
#                      (127.0.0.1:8444, a leaf of a second private root that
#                      only the node-app store holds: Debian's Node also reads
#                      the system store) and answers "OK 200" or
#                      "FAIL <code>" (NODE_EXTRA_CA_CERTS through the
#                      systemd-env store's drop-in)
#   /opt/app/.venv     python3 -m venv --system-site-packages (symlinked
#                      interpreter, the default), store mode truststore;
#                      requests and (where the tree has it) httpx from the
#                      venv's python
#   trustform-drift.service/.timer from debian/, run with systemctl start
#
# Each verdict prints a PASS or FAIL line and the test goes on to the end; it
# fails at the end with the list of what failed. Source after common.sh and
# booted.sh, then call booted_stack SUITE. Sections 5-9 (the rest of issue 17)
# are in booted_stack_faults.sh.

. "$(dirname "${BASH_SOURCE[0]}")/booted_stack_faults.sh"

_bs_failed=()
# verdict "what" CMD...: PASS/FAIL line for one assertion
verdict() {
  local what=$1; shift
  if "$@"; then echo "PASS: $what"; pass
  else echo "FAIL: $what"; _bs_failed+=("$what"); _failures=$((_failures + 1)); fi
}
bs_summary() {
  local f
  echo "== $BOOTED_SUITE: $_passes passed, $_failures failed"
  for f in "${_bs_failed[@]}"; do echo "   failed: $f"; done
  [ "$_failures" = 0 ]
}

# mk_inter OUT_BASE CA_BASE SUBJECT: an intermediate CA (pathlen 0) signed by CA
mk_inter() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -subj "$3" -out "$1.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -days 365 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

# --- the clients ----------------------------------------------------------------

# bs_wait_port PORT: until something accepts on 127.0.0.1:PORT inside
bs_wait_port() {
  local i
  for i in $(seq 1 600); do
    in_booted bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "  nothing accepts on 127.0.0.1:$1 inside" >&2; return 1
}
# curl with the system's trust; its exit code
bs_curl() { in_booted curl -sS -o /dev/null "$@" 2>>"$T/curl.err"; }
# the code Caddy answers for the proxied request (the client trusting Caddy's own root)
bs_caddy_code() {
  in_booted curl -s -o /dev/null -w '%{http_code}' \
    --cacert /var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt https://localhost/ || true
}
# the Node unit's own request: "OK 200" or "FAIL <code>"
# (after a restart the unit may not listen yet: wait until it accepts)
bs_node() {
  bs_wait_port 9080 2>/dev/null || true
  in_booted curl -s http://127.0.0.1:9080/ || echo "FAIL node-app does not answer"
}
bs_node_ok() { local r; r=$(bs_node); echo "  node-app: $r"; [ "${r%% *}" = OK ]; }
# the venv's python: requests, then httpx, through truststore
bs_venv() {
  in_booted /opt/app/.venv/bin/python -c '
import sys, requests
r = requests.get("https://127.0.0.1:8443/", timeout=30); r.raise_for_status()
try:
    import httpx
except ImportError:
    print("venv: requests", r.status_code, "(httpx is not in this tree)"); sys.exit(0)
h = httpx.get("https://127.0.0.1:8443/", timeout=30); h.raise_for_status()
print("venv: requests", r.status_code, "httpx", h.status_code)' >"$T/venv.out" 2>&1
}
bs_venv_ok() { local rc=0; bs_venv || rc=$?; sed 's/^/  /' "$T/venv.out" | tail -3; return $rc; }
bs_venv_refused() { ! bs_venv && grep -q CERTIFICATE_VERIFY_FAILED "$T/venv.out"; }
# NODE_EXTRA_CA_CERTS in the environment of node-app's running MainPID
# (a MainPID just forked by systemd carries systemd's environment until it has
# executed node: read it once it has)
bs_node_env_has_var() {
  local pid i
  pid=$(in_booted systemctl show -p MainPID --value node-app.service)
  for i in $(seq 1 100); do
    [ "$(in_booted cat "/proc/${pid:-0}/comm" 2>/dev/null)" = node ] && break
    sleep 0.1
  done
  [ "${pid:-0}" != 0 ] && in_booted cat "/proc/$pid/environ" | tr '\0' '\n' |
    grep -qx 'NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/node-app.pem'
}

# trustform, as the operator runs it on that system: no --root, no --host
bs_tf() { in_booted "$@" >"$T/.out" 2>"$T/.err"; }
bs_plan() {
  _bs_rc=0
  in_booted trustform plan -c "${1:-/etc/trustform/trust.yaml}" --detailed-exitcode --no-color \
    >"$T/plan.out" 2>&1 || _bs_rc=$?
  echo "  plan: exit $_bs_rc, $(grep -E '^(No changes|Plan:)' "$T/plan.out" | head -1)"
  grep -E 'error|will not take effect|pending|restart' "$T/plan.out" | head -5 | sed 's/^/    /' || true
}
# bs_drift: the drift unit, started by its systemd as the timer would. A
# oneshot's exit status is gone once it is inactive, so the verdict is read
# where an operator reads it: trustform's syslog line of this run in the
# journal ("DRIFT" 2, "no drift" 0, "ERROR" 1) and its priority; the unit's
# own result from systemctl start. Sets _bs_drift_status, _bs_drift_result,
# _bs_drift_prio.
_bs_drift_last=
bs_drift() {
  local rc=0 i line
  in_booted systemctl reset-failed trustform-drift.service 2>/dev/null || true
  in_booted systemctl start trustform-drift.service >/dev/null 2>&1 || rc=$?
  [ "$rc" = 0 ] && _bs_drift_result=success || _bs_drift_result=failed
  for i in $(seq 1 100); do
    line=$(in_booted journalctl -u trustform-drift.service -g 'trustform plan on' -n 1 -o json --no-pager |
      /usr/bin/python3 -c 'import sys, json
for l in sys.stdin:
    d = json.loads(l); print(d.get("_SYSTEMD_INVOCATION_ID"), d.get("PRIORITY"), d.get("MESSAGE"))') || true
    [ -n "$line" ] && [ "${line%% *}" != "$_bs_drift_last" ] && break
    line=; sleep 0.1
  done
  _bs_drift_last=${line%% *}
  line=${line#* }; _bs_drift_prio=${line%% *}; line=${line#* }
  case $line in
    *": DRIFT"*) _bs_drift_status=2 ;;
    *": no drift"*) _bs_drift_status=0 ;;
    *": ERROR"*) _bs_drift_status=1 ;;
    *) _bs_drift_status="none"; line="(no syslog line from this run)" ;;
  esac
  echo "  trustform-drift.service: $_bs_drift_result; syslog (priority ${_bs_drift_prio:-?}): ${line:0:160}"
}
is() { [ "$1" = "$2" ] || { echo "  got \"$1\", wanted \"$2\"" >&2; return 1; }; }

# --- the system ------------------------------------------------------------------

bs_setup() {
  local P=$T/pki
  mkdir -p "$P"
  mk_ca "$P/root" "/O=Trustform Booted Test/CN=Booted Corp Root"
  mk_inter "$P/inter" "$P/root" "/O=Trustform Booted Test/CN=Booted Corp Issuing CA"
  mk_leaf "$P/leaf" "$P/inter"
  mk_ca "$P/node-root" "/O=Trustform Booted Test/CN=Booted Node Root"
  mk_leaf "$P/node-leaf" "$P/node-root"
  mkdir -p "$B/srv/upstream" "$B/etc/trustform/cas"
  cat "$P/leaf.pem" "$P/inter.pem" >"$B/srv/upstream/chain.pem"
  cp "$P/leaf.key" "$B/srv/upstream/leaf.key"
  cp "$P/node-leaf.pem" "$B/srv/upstream/node-chain.pem"
  cp "$P/node-leaf.key" "$B/srv/upstream/node-leaf.key"
  cp "$P/root.pem" "$B/etc/trustform/cas/corp-root.pem"
  cp "$P/node-root.pem" "$B/etc/trustform/cas/node-root.pem"

  cat >"$B/usr/local/bin/upstream.py" <<'PY'
import http.server, ssl, sys
port, chain, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from upstream\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain(chain, key)
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
  cat >"$B/etc/systemd/system/upstream.service" <<'UNIT'
[Unit]
Description=https upstream signed by the private intermediate
[Service]
ExecStart=/usr/bin/python3 /usr/local/bin/upstream.py 8443 /srv/upstream/chain.pem /srv/upstream/leaf.key
[Install]
WantedBy=multi-user.target
UNIT
  cat >"$B/etc/systemd/system/node-upstream.service" <<'UNIT'
[Unit]
Description=https upstream of node-app, signed by the second private root
[Service]
ExecStart=/usr/bin/python3 /usr/local/bin/upstream.py 8444 /srv/upstream/node-chain.pem /srv/upstream/node-leaf.key
[Install]
WantedBy=multi-user.target
UNIT

  cat >"$B/usr/local/lib/node-app.js" <<'JS'
// On each GET it makes its own https request to the upstream.
const http = require('http'), https = require('https');
http.createServer((req, res) => {
  https.get('https://127.0.0.1:8444/', { agent: false }, (r) => {
    r.resume(); r.on('end', () => res.end(`OK ${r.statusCode}\n`));
  }).on('error', (e) => res.end(`FAIL ${e.code || e.message}\n`));
}).listen(9080, '127.0.0.1');
JS
  cat >"$B/etc/systemd/system/node-app.service" <<'UNIT'
[Unit]
Description=Node app calling the upstream
After=node-upstream.service
[Service]
Environment=APP_MODE=prod
ExecStart=/usr/bin/node /usr/local/lib/node-app.js
[Install]
WantedBy=multi-user.target
UNIT

  cat >"$B/etc/caddy/Caddyfile" <<'CADDY'
{
	skip_install_trust
}

https://localhost {
	tls internal
	reverse_proxy https://127.0.0.1:8443
}
CADDY

  cat >"$B/etc/trustform/trust.yaml" <<'YAML'
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
    cas: [corp-root, caddy-local]
    stores: [system, app-venv]
    caddy: true
    connects_to:
      - https://127.0.0.1:8443
      - https://localhost
  node:
    cas: [node-root]
    stores: [node-app]
    connects_to:
      - https://127.0.0.1:8444
hosts:
  "*": [app, node]
YAML

  # The Node part alone (section 3), so that its verdicts do not hang on the
  # other stores'.
  cat >"$B/etc/trustform/node.yaml" <<'YAML'
version: 1
cas:
  node-root: { file: cas/node-root.pem }
stores:
  node-app: { type: systemd-env, unit: node-app.service, env: [NODE_EXTRA_CA_CERTS] }
roles:
  node:
    cas: [node-root]
    stores: [node-app]
    connects_to:
      - https://127.0.0.1:8444
hosts:
  "*": [node]
YAML

  # The system store and Caddy alone (section 2), for the same reason.
  cat >"$B/etc/trustform/edge.yaml" <<'YAML'
version: 1
cas:
  corp-root: { file: cas/corp-root.pem }
  caddy-local: { file: cas/caddy-local-root.pem, caddy: local }
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
roles:
  edge:
    cas: [corp-root, caddy-local]
    stores: [system]
    caddy: true
    connects_to:
      - https://127.0.0.1:8443
      - https://localhost
hosts:
  "*": [edge]
YAML

  in_booted systemctl daemon-reload
  in_booted systemctl enable --now upstream.service node-upstream.service node-app.service >/dev/null 2>&1 ||
    _booted_fail "upstream.service, node-upstream.service or node-app.service does not start"
  in_booted systemctl restart caddy.service || _booted_fail "caddy.service does not start"
  local i pki=/var/lib/caddy/.local/share/caddy/pki/authorities/local
  bs_wait_port 8443 && bs_wait_port 8444 && bs_wait_port 9080 && bs_wait_port 443 ||
    _booted_fail "the services do not listen"
  for i in $(seq 1 600); do
    in_booted test -s "$pki/root.crt" && in_booted curl -s -o /dev/null --cacert "$pki/root.crt" \
      https://localhost/ && break
    sleep 0.1
  done
  in_booted python3 -m venv --system-site-packages /opt/app/.venv ||
    _booted_fail "python3 -m venv --system-site-packages /opt/app/.venv failed"
}

# --- the test ----------------------------------------------------------------------

booted_stack() {
  local t0=$SECONDS code r rc2
  booted_up "$1"
  booted_install_trustform
  echo "booted: trustform installed ($((SECONDS - t0)) s since the start)"
  echo "peers: systemd $(booted_version systemd), caddy $(booted_version caddy), nodejs $(booted_version nodejs)," \
    "python3 $(booted_version python3), truststore $(booted_version python3-truststore)," \
    "requests $(booted_version python3-requests), httpx $(h=$(booted_version python3-httpx); echo "${h:-(not in this tree)}")," \
    "curl $(booted_version curl), openssl $(booted_version openssl), libgit2 $(in_booted dpkg-query -W -f='${Version}' libgit2-dev)"
  bs_setup
  echo "booted: the stack is up ($((SECONDS - t0)) s since the start)"

  echo "--- 1. before trustform: every client refuses, the plan is drift"
  r=0; bs_curl https://127.0.0.1:8443/ || r=$?
  verdict "curl refuses the upstream (exit $r, wanted 60)" is "$r" 60
  code=$(bs_caddy_code)
  verdict "Caddy's proxied request fails: 502 (Go does not trust the upstream's root)" is "$code" 502
  verdict "node-app's own request fails" eval '! bs_node_ok'
  verdict "the venv's requests refuses (CERTIFICATE_VERIFY_FAILED)" bs_venv_refused
  verdict "trustform caddy export-root writes Caddy's root to the declared file" \
    bs_tf trustform caddy export-root -c /etc/trustform/trust.yaml /etc/trustform/cas/caddy-local-root.pem
  sed 's/^/    export-root: /' "$T/.err" | tail -4
  bs_plan
  verdict "plan: drift (exit 2)" is "$_bs_rc" 2
  verdict "plan: the venv's truststore is not reported as an error" \
    eval '! grep -q "will not take effect" "$T/plan.out"'
  cp "$T/plan.out" "$T/plan1.out"
  verdict "the drift timer enables and is scheduled" eval \
    'in_booted systemctl enable --now trustform-drift.timer >/dev/null 2>&1 &&
     in_booted systemctl list-timers --no-legend trustform-drift.timer | grep -q trustform-drift.service'
  bs_drift
  verdict "drift unit: drift (2), the unit succeeds" is "$_bs_drift_status/$_bs_drift_result" 2/success
  verdict "drift unit: the drift is in the journal at warning or above (journalctl -p warning)" \
    eval '[ "${_bs_drift_prio:-9}" -le 4 ]'

  echo "--- 2. apply: every client trusts, the consumers restarted, the plan clean"
  r=0; in_booted trustform apply -c /etc/trustform/trust.yaml --auto-approve --no-color >"$T/apply.out" 2>&1 || r=$?
  grep -iE 'error|restart|reload' "$T/apply.out" | head -8 | sed 's/^/    /' || true
  verdict "apply: exit 0 (exit $r)" is "$r" 0
  r=0; bs_curl https://127.0.0.1:8443/ || r=$?
  verdict "curl trusts the upstream through the system store" is "$r" 0
  r=0; bs_curl https://localhost/ || r=$?
  verdict "curl trusts Caddy's site through the system store" is "$r" 0
  verdict "the venv's requests (and httpx where the tree has it) connect (truststore)" bs_venv_ok
  verdict "node-app's own request succeeds" bs_node_ok
  verdict "node-app's running MainPID has NODE_EXTRA_CA_CERTS" bs_node_env_has_var
  code=$(bs_caddy_code)
  verdict "apply restarted Caddy (its system roots changed): the proxied request answers 200 (got $code)" is "$code" 200
  bs_plan
  verdict "plan after apply: Caddy answers $code; had it kept 502, the plan must be drift (exit 2) naming its pending restart" \
    eval '[ "$code" = 200 ] || { [ "$_bs_rc" = 2 ] && grep -i caddy "$T/plan.out" | grep -qi restart; }'
  cp "$T/plan.out" "$T/plan2.out"; rc2=$_bs_rc
  echo "  the same with the system store and Caddy alone (/etc/trustform/edge.yaml):"
  bs_plan /etc/trustform/edge.yaml
  verdict "edge.yaml plan after apply: Caddy answers $code; had it kept 502, the plan must be drift (exit 2) naming its pending restart" \
    eval '[ "$code" = 200 ] || { [ "$_bs_rc" = 2 ] && grep -i caddy "$T/plan.out" | grep -qi restart; }'
  cp "$T/plan2.out" "$T/plan.out"; _bs_rc=$rc2
  verdict "plan after apply: the venv's truststore is not an error" \
    eval '! grep -q "will not take effect" "$T/plan.out"'
  verdict "plan after apply: clean (exit 0), every client working" is "$_bs_rc" 0
  bs_drift
  verdict "drift unit after apply: no drift (0), the unit succeeds" is "$_bs_drift_status/$_bs_drift_result" 0/success

  echo "--- 3. node-app restarted while its drop-in was away, the drop-in back: restart pending"
  local d=/etc/systemd/system/node-app.service.d
  in_booted mv "$d/90-trustform.conf" /root/90-trustform.conf
  in_booted systemctl daemon-reload
  in_booted systemctl restart node-app.service
  bs_wait_port 9080 || true
  in_booted mv /root/90-trustform.conf "$d/90-trustform.conf"
  in_booted systemctl daemon-reload
  verdict "systemctl show lists the variable" eval \
    'in_booted systemctl show -p Environment --value node-app.service | grep -q NODE_EXTRA_CA_CERTS'
  verdict "yet the running MainPID lacks it" eval '! bs_node_env_has_var'
  verdict "and node-app's own request fails" eval '! bs_node_ok'
  bs_plan
  verdict "plan: not clean while node-app's MainPID lacks the variable (exit 2)" is "$_bs_rc" 2
  verdict "plan: says a restart is pending" grep -qi 'restart pending' "$T/plan.out"
  bs_drift
  verdict "drift unit: drift (2), restart pending" is "$_bs_drift_status/$_bs_drift_result" 2/success
  echo "  the same with the Node part of the configuration alone (/etc/trustform/node.yaml):"
  bs_plan /etc/trustform/node.yaml
  verdict "node.yaml plan: not clean while node-app's MainPID lacks the variable (exit 2)" is "$_bs_rc" 2
  verdict "node.yaml plan: says a restart is pending" grep -qi 'restart pending' "$T/plan.out"
  r=0; in_booted trustform apply -c /etc/trustform/node.yaml --auto-approve --no-color >"$T/apply2.out" 2>&1 || r=$?
  verdict "node.yaml apply: exit 0 (exit $r)" is "$r" 0
  verdict "apply restarted node-app: its MainPID has the variable" bs_node_env_has_var
  verdict "node-app's own request succeeds" bs_node_ok

  echo "--- 4. every consumer restarted by hand, every client working: the plan is clean"
  in_booted systemctl restart caddy.service node-app.service
  bs_wait_port 443 && bs_wait_port 9080 || true
  code=$(bs_caddy_code)
  verdict "Caddy, restarted, proxies: 200" is "$code" 200
  verdict "node-app's own request succeeds" bs_node_ok
  verdict "the venv's requests (and httpx where the tree has it) connect" bs_venv_ok
  r=0; bs_curl https://127.0.0.1:8443/ || r=$?
  verdict "curl trusts the upstream" is "$r" 0
  bs_plan
  verdict "plan: clean (exit 0) while every client works" is "$_bs_rc" 0
  verdict "plan: \"No changes.\"" grep -q '^No changes\. ' "$T/plan.out"
  bs_drift
  verdict "drift unit: no drift (0), the unit succeeds" is "$_bs_drift_status/$_bs_drift_result" 0/success
  in_booted journalctl -u trustform-drift.service --no-pager -o cat -n 6 | sed 's/^/    journal: /'
  echo "booted: sections 1-4 took $((SECONDS - t0)) s since the start"

  booted_stack_faults

  echo "booted: $BOOTED_SUITE boot ${BOOTED_BOOT_SECONDS}s, whole test $((SECONDS - t0)) s"
  bs_summary
}

#!/usr/bin/env bash
# --timeout bounds the whole connection to an endpoint, name resolution
# included (issue 18 item 6), for `check` and for the plan's endpoint phase
# (what a cron drift run does):
#  - a server on 127.0.0.1 that trickles a TLS record one byte every 0.5 s
#    (it would take 120 s) is cut at the deadline: check reports the handshake
#    did not finish, and the server sees the client hang up before it is done;
#  - the plan of a role that connects to it finishes and says so;
#  - a name whose DNS server never answers (a network namespace with a silent
#    server on its own 127.0.0.1:53) is given up at the deadline with "timed
#    out", not after the resolver's own retries ("Temporary failure").
# No assertion is on elapsed time: each proves the cut by what was said and
# seen (a hang would fail the test by never ending).
. "$(dirname "$0")/../lib/common.sh"

# srv MODE ARGS...: a peer of check_servers.py, stopped with the test; $srv_pid
srv() { /usr/bin/python3 "$TESTS_DIR/lib/check_servers.py" "$@" >/dev/null 2>&1 & srv_pid=$!; server_started "$srv_pid"; }
wait_log() { # wait_log FILE TEXT: until the server wrote TEXT (it stops by itself)
  local i; for i in $(seq 1 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
port=$(free_port); srv trickle "$port" "$T/trickle.log"; wait_accepting "$port" "$srv_pid"
# wait_accepting's probe connection is one the server saw close too
wait_log "$T/trickle.log" "closed by the client"; : >"$T/trickle.log"

# a role that connects to the server (for the plan's endpoint phase)
R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"; mk_ca "$C/cas/corp" "/CN=Deadline Root"
cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  app: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  runner:
    cas: [corp]
    stores: [app]
    connects_to: [ "https://127.0.0.1:$port" ]
hosts:
  h: [runner]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)

expect_rc 1 "check: a trickling server is cut at the deadline" tf check "${args[@]}" --timeout 2 "https://127.0.0.1:$port"
check "says the handshake did not finish within the deadline" \
  out_has "127.0.0.1:$port answered, but the TLS handshake did not finish within 2 s (--timeout bounds the whole connection)"
check "the server saw the client hang up before it was done" wait_log "$T/trickle.log" "closed by the client after"
check "it never sent all its bytes" sh -c "! grep -q 'sent all' '$T/trickle.log'"

# the plan's endpoint phase (a cron drift run): finishes, and warns
: >"$T/trickle.log"
expect_rc 0 "plan with a trickling endpoint finishes" tf plan "${args[@]}" --timeout 1
check "the plan names the endpoint and the cut" \
  err_has "endpoint https://127.0.0.1:$port could not be checked: 127.0.0.1:$port answered, but the TLS handshake did not finish within 1 s"
check "the plan's connection was closed before the server was done" \
  wait_log "$T/trickle.log" "closed by the client after"

# name resolution: a silent DNS server in a network namespace of its own
cat >"$T/resolv.conf" <<'EOF2'
nameserver 127.0.0.1
options timeout:30 attempts:3
EOF2
printf 'hosts: files dns\n' >"$T/nsswitch.conf"
cat >"$T/ns.sh" <<EOF2
set -e
ip link set lo up
mount --bind "$T/resolv.conf" /etc/resolv.conf
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf
timeout 120 /usr/bin/python3 "$TESTS_DIR/lib/check_servers.py" dnssilent "$T/dns.log" &
for i in \$(seq 1 100); do grep -q listening "$T/dns.log" 2>/dev/null && break; sleep 0.05; done
rc=0; "$TRUSTFORM" check ${args[*]} --timeout 1 https://deadline.example.org:443 || rc=\$?
kill %1 2>/dev/null || true
exit \$rc
EOF2
expect_rc 1 "check: a name the DNS server never answers" unshare --net --mount sh "$T/ns.sh"
check "the resolver was asked" grep -q query "$T/dns.log"
check "given up at the deadline" \
  out_has "cannot resolve deadline.example.org within 1 s (timed out; --timeout bounds the whole connection)"
done_testing

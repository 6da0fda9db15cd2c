#!/usr/bin/env bash
# Caddy's own root rotated across three hosts (replaces:) with clients that
# never see a failure. The real Caddy 2.11 of the sid test tree serves a
# `tls internal` site (localhost, on 127.0.0.1) from h1's --root sandbox; h1, h2 and h3
# each trust Caddy's root through their system bundle and an app bundle.
# curl (both bundles) and openssl s_client -verify_return_error poll the site
# for each host through every phase (each request "ok", or a failure that
# says whether the client refused the chain or got no TLS session):
#   overlap  the operator adds a second CA to Caddy's pki (`pki { ca newroot
#            }`, a reload: Caddy makes its root but issues nothing from it),
#            `trustform caddy export-root --ca newroot` exports it, the config
#            says `caddy: newroot, replaces: caddy-local`, apply trusts it
#            everywhere;
#   switch   only once every host trusts it, Caddy's CA local (the site's
#            issuer, which does not change) takes CA newroot's root and
#            intermediate (a reload, not a restart); Caddy serves the new
#            chain from the site's next renewal, which replaces the
#            certificate in its cache in place (the site's leaves live 90s
#            here, renewed in their last third);
#   retire   the old root removed everywhere.
# No client ever refuses the chain Caddy serves, no handshake ever fails
# (Caddy always has the site's certificate, and its reloads reset no
# connection: it serves a socket from systemd-socket-activate), and not one
# request fails outside Caddy's two reloads; in those, only a request on a
# connection that the old configuration's HTTP/2 server closes as it stops
# (curl: "Error in the HTTP2 framing layer") is counted and shown, not failed
# (README: Caddy's own root).
# On the way: Caddy's CA newroot is read on its host from the overlap on (a
# file that is not its root is drift); `rotation status` names what blocks each phase (and tells the
# operator what to edit in Caddy's config), an early removal is refused (a
# host in overlap, then the endpoint that still chains to the old root), and
# after the switch Caddy serves a leaf and intermediate that verify with the
# new root alone and not with the old one.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"

testhost_up
mkdir -p "$T/bin"; ln -s "$H/usr/bin/caddy" "$T/bin/caddy"; export PATH=$T/bin:$PATH
caddy_version=$(caddy version | awk '{print $1}')
check "Caddy is the sid tree's 2.11 ($caddy_version)" grep -q '^v\?2\.1[1-9]\.' <<<"$caddy_version"

for h in h1 h2 h3; do mk_root "$T/$h"; done
caddy_sandbox "$T/h1"
trap 'caddy_kill; testhost_down; cleanup' EXIT
HTTP=$(free_port)
CADDY_RELOAD="caddy reload --config $CADDY_FILE --adapter caddyfile --address 127.0.0.1:$CADDY_ADMIN >>$T/caddy.log 2>&1"
# site PKI TLS: the Caddyfile with PKI (the pki option's body) and the site's TLS line
site() {
  cat >"$CADDY_FILE" <<CADDY
{
	admin 127.0.0.1:$CADDY_ADMIN
	https_port $CADDY_HTTPS
	http_port $HTTP
	skip_install_trust
	auto_https disable_redirects
	renew_interval 2s
	servers {
		protocols h1 h2
	}
	$1
}

https://localhost:$CADDY_HTTPS {
	bind fd/3
	$2
	respond "hello from caddy"
}
CADDY
}
# never_installs: every CA of the Caddyfile has install_trust false, so that
# Caddy never writes its roots into this machine's trust store. With a pki
# option, Caddy 2.11 provisions the `local` CA of `tls internal` with the
# default (install) unless the option lists it too: the Caddyfiles below do.
never_installs() {
  caddy adapt --config "$CADDY_FILE" --adapter caddyfile 2>/dev/null |
    jq -e '.apps.pki.certificate_authorities as $c | $c.local.install_trust == false and
      ([$c[] | .install_trust == false] | all)' >/dev/null
}
reload() {
  never_installs || { echo "FAIL: the Caddyfile would let Caddy install a root into this machine's trust store" >&2; exit 1; }
  sh -c "$CADDY_RELOAD"
}
TLS="tls {
		issuer internal {
			ca local
			lifetime 90s
		}
	}"
site "" "$TLS"
never_installs || { echo "FAIL: the Caddyfile would let Caddy install its root into this machine's trust store" >&2; exit 1; }
# Caddy gets its listening socket from systemd-socket-activate (as from a
# caddy.socket unit: the site says `bind fd/3`), so that every configuration
# serves the one socket: without it, each configuration binds a socket of its
# own (SO_REUSEPORT) and the kernel resets the connections still queued on the
# old one when a reload closes it (README: Caddy's own root).
unshare -m --propagation private sh -c "$CADDY_RO_STORES exec systemd-socket-activate -E XDG_DATA_HOME \
  -E XDG_CONFIG_HOME -E HOME -l 127.0.0.1:$CADDY_HTTPS $(command -v caddy) run --config $CADDY_FILE \
  --adapter caddyfile --pidfile $T/caddy.pid" >>"$T/caddy.log" 2>&1 &
caddy_pid=$!
server_started "$caddy_pid"
caddy_watchdog
# (systemd-socket-activate starts Caddy on the first connection)
until (exec 3<>"/dev/tcp/127.0.0.1/$CADDY_HTTPS") 2>/dev/null &&
      [ -s "$CADDY_DATA/certificates/local/localhost/localhost.crt" ]; do
  kill -0 "$caddy_pid" 2>/dev/null || { cat "$T/caddy.log" >&2; exit 1; }
  sleep 0.05
done
EP=https://localhost:$CADDY_HTTPS
RESOLVE=(--resolve "localhost:$CADDY_HTTPS:127.0.0.1")

C=$T/cfg; mkdir -p "$C/cas"
# conf STAGE: before (Caddy's local root), rotate (newroot replaces it),
# retire (the old root absent, the caddy: section on CA newroot)
conf() {
  local new="" cas="caddy-local" ensure=present ca=local
  case $1 in
    rotate) new="  caddy-new: { file: cas/caddy-newroot-root.pem, caddy: newroot, replaces: caddy-local }"; cas="caddy-local, caddy-new" ;;
    retire) new="  caddy-new: { file: cas/caddy-newroot-root.pem, caddy: newroot, replaces: caddy-local }"; cas="caddy-local, caddy-new"; ensure=absent; ca=newroot ;;
  esac
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  caddy-local: { file: cas/caddy-local-root.pem, caddy: local, ensure: $ensure }
$new
stores:
  system: { type: system }
  app: { type: pem-bundle, path: /etc/app/ca.pem }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  ca: $ca
roles:
  web:
    cas: [$cas]
    stores: [system, app]
    connects_to: [$EP]
  edge: { caddy: true }
hosts:
  h1: [web, edge]
  h2: [web]
  h3: [web]
YAML
}
# bundle_has BUNDLE CERT: BUNDLE holds CERT (the whole certificate)
bundle_has() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
blocks = lambda t: {"".join(b.split()) for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", t, re.S)}
sys.exit(0 if blocks(open(sys.argv[2]).read()) <= blocks(open(sys.argv[1]).read()) else 1)
PY
}
bundle_lacks() { ! bundle_has "$@"; }
run() { local h=$1; shift; tf "$@" -c "$C/trust.yaml" --root "$T/$h" --host "$h" --no-color; }
status() { run "$1" rotation status; }

# 1. before: Caddy's local root exported and trusted on every host
conf before
expect_rc 0 "export Caddy's local root" run h1 caddy export-root "$C/cas/caddy-local-root.pem"
for h in h1 h2 h3; do expect_rc 0 "$h: first apply" run "$h" apply --auto-approve; done
expect_rc 0 "the site verifies with h2's app bundle" curl -sS -o /dev/null "${RESOLVE[@]}" --cacert "$T/h2/etc/app/ca.pem" "$EP/"

# the clients of each host, in a loop until the test stops them
# Each request is a line: "ok …", "FAIL trust …" (the client refused the
# chain: curl exit 60, s_client's verify error) or "FAIL handshake …" (no
# TLS session at all: curl exit 35, s_client without a verify error).
poll() {
  local r=$T/$1 b rc out
  while [ ! -e "$T/stop" ]; do
    for b in "$r/etc/ssl/certs/ca-certificates.crt" "$r/etc/app/ca.pem"; do
      rc=0; out=$(curl -sS -o /dev/null --max-time 20 "${RESOLVE[@]}" --cacert "$b" "$EP/" 2>&1) || rc=$?
      [ -z "$out" ] || echo "$out" >>"$T/poll-$1.err"
      case $rc in
        0) echo "ok curl $b" ;;
        60) echo "FAIL trust curl exit $rc $b" ;;
        *) echo "FAIL handshake curl exit $rc $b: $(head -1 <<<"$out")" ;;
      esac
    done
    rc=0; out=$(openssl s_client -connect "127.0.0.1:$CADDY_HTTPS" -servername localhost -verify_return_error \
      -CAfile "$r/etc/app/ca.pem" </dev/null 2>&1) || rc=$?
    if [ $rc = 0 ]; then echo "ok s_client"
    elif grep -q 'verify error' <<<"$out"; then echo "FAIL trust s_client exit $rc"; grep -m1 'verify error' <<<"$out" >>"$T/poll-$1.err"
    else echo "FAIL handshake s_client exit $rc: $(grep -m1 -i 'alert\|error' <<<"$out")"; grep -m1 -i 'alert\|error' <<<"$out" >>"$T/poll-$1.err"
    fi
  done >>"$T/poll-$1.log"
}
pollers_start poll h1 h2 h3
# settle: every poller has made at least three more rounds since now
settle() { pollers_settle 9; }
settle
# mark TEXT: a line in each poller's log, so a failure is placed in a phase
mark() { local h; for h in h1 h2 h3; do echo "== $1" >>"$T/poll-$h.log"; done; }
# issuer_of_served: the issuer of the leaf Caddy serves now
issuer_of_served() {
  openssl s_client -connect "127.0.0.1:$CADDY_HTTPS" -servername localhost </dev/null 2>/dev/null |
    openssl x509 -noout -issuer 2>/dev/null
}

# 2. the operator gives Caddy a second CA (a reload): Caddy makes its root
# and keeps issuing from the old one
site "pki {
		ca local {
		}
		ca newroot {
			name \"Caddy Rotation New\"
		}
	}" "$TLS"
mark "caddy reload: pki with CA newroot"
expect_rc 0 "reload Caddy with CA newroot" reload
i=0
until [ -s "$CADDY_DATA/pki/authorities/newroot/root.crt" ] || [ $i -ge 1200 ]; do i=$((i + 1)); sleep 0.05; done
settle
mark "caddy settled"
check "Caddy made the new root" test -s "$CADDY_DATA/pki/authorities/newroot/root.crt"
served_by() { issuer_of_served | grep -q "$1"; }
check "Caddy still serves from its local CA" served_by 'Caddy Local Authority'

check "nothing issued from the new root" test ! -e "$CADDY_DATA/certificates/newroot"
expect_rc 0 "export the new root (--ca newroot)" run h1 caddy export-root --ca newroot "$C/cas/caddy-newroot-root.pem"
check "export: it names CA newroot" err_has "exported Caddy's root of CA \"newroot\" from /var/lib/caddy/.local/share/caddy/pki/authorities/newroot/root.crt"
check "the export is Caddy's file" cmp <(openssl x509 -in "$CADDY_DATA/pki/authorities/newroot/root.crt" -outform DER) \
  <(openssl x509 -in "$C/cas/caddy-newroot-root.pem" -outform DER)
expect_rc 1 "export --ca: not an id" run h1 caddy export-root --ca ../x "$T/x.pem"
check "export --ca: says what an id is" err_has "--ca \"../x\" is not a CA id"

# 3. overlap: the configuration says the new root replaces the old one
conf rotate
expect_rc 0 "validate: caddy: newroot, replaces:" tf validate -c "$C/trust.yaml"
# Caddy's CA newroot is read on h1 from now on: a file that is not its root
# (the wrong file, or a root Caddy made again) is drift, with the export
cp "$C/cas/caddy-newroot-root.pem" "$T/newroot.keep"
mk_ca "$T/stray" "/CN=Not Caddy's Root"; cp "$T/stray.pem" "$C/cas/caddy-newroot-root.pem"
expect_rc 2 "h1: plan: Caddy's newroot is not caddy-new" run h1 plan --detailed-exitcode
check "h1: the drift of Caddy's CA newroot" out_has "caddy (pki newroot): caddy-new is not the root Caddy uses"
check "h1: the fix exports with --ca newroot" out_has "--ca newroot $C/cas/caddy-newroot-root.pem"
cp "$T/newroot.keep" "$C/cas/caddy-newroot-root.pem"
expect_rc 0 "h1: plan with Caddy's newroot as exported" run h1 plan
check "h1: no drift of Caddy's CA newroot" bash -c "! grep -q 'caddy (pki newroot)' '$T/.out'"
check "the export now names the rotation" bash -c "'$TRUSTFORM' caddy export-root -c '$C/trust.yaml' --root '$T/h1' --host h1 --ca newroot '$C/cas/caddy-newroot-root.pem' 2>&1 | grep -qF 'Then apply on every host: the stores get the new root beside \"caddy-local\" (overlap)'"
expect_rc 2 "h1: status: overlap" status h1
check "h1: overlap, both stores" out_has "rotation \"caddy-local\" -> \"caddy-new\": overlap (2 stores still lack caddy-new)"
check "h1: Caddy must not issue from it yet" out_has "not before: Caddy must not issue from the new root until every host trusts it"
for h in h1 h2; do expect_rc 0 "$h: apply (overlap)" run "$h" apply --auto-approve; done
expect_rc 2 "h1: status: switch" status h1
check "h1: switch, the site chains only to the old root" out_has "OLD    $EP: chains only to \"caddy-local\""
check "h1: what to change in Caddy" out_has "give Caddy's CA \"local\" the root and intermediate of its CA \"newroot\", keeping the sites' issuer (Caddyfile pki option: \`ca local { root { cert D/root.crt key D/root.key } intermediate { cert D/intermediate.crt key D/intermediate.key } }\`, D being <data_dir>/pki/authorities/newroot"
check "h1: and not to move the sites" out_has "do not move the sites to CA \"newroot\": that reload fails handshakes"
settle

# an early removal: refused on h3 (its stores lack the new root) and on h1
# (the site still chains only to the old root); the bundles keep it
conf retire
expect_rc 1 "h3: apply refuses the early removal (overlap)" run h3 apply --auto-approve
check "h3: refused, naming its stores" out_has "refused: removing CA \"caddy-local\" is blocked by the rotation \"caddy-local\" -> \"caddy-new\", in its overlap phase: 2 stores still lack \"caddy-new\": app (pem-bundle), system (debian)"
expect_rc 1 "h1: apply refuses the early removal (switch)" run h1 apply --auto-approve
check "h1: refused, naming the site" out_has "refused: removing CA \"caddy-local\" is blocked by the rotation \"caddy-local\" -> \"caddy-new\", in its switch phase: 1 endpoint still chains only to \"caddy-local\": $EP"
check "h1: the app bundle still holds the old root" bundle_has "$T/h1/etc/app/ca.pem" "$C/cas/caddy-local-root.pem"
conf rotate
expect_rc 0 "h3: apply (overlap)" run h3 apply --auto-approve
settle

# 4. switch: Caddy's CA local, the site's issuer, takes CA newroot's root and
# intermediate (a reload); the site's issuer stays, so Caddy keeps the
# certificate it has until it renews it, from the new intermediate
NA=$CADDY_DATA/pki/authorities/newroot
site "pki {
		ca local {
			root {
				cert $NA/root.crt
				key $NA/root.key
			}
			intermediate {
				cert $NA/intermediate.crt
				key $NA/intermediate.key
			}
		}
		ca newroot {
			name \"Caddy Rotation New\"
		}
	}" "$TLS"
mark "caddy reload: CA local takes CA newroot's root and intermediate"
expect_rc 0 "reload Caddy with CA local on newroot's root" reload
i=0
until served_by 'Caddy Rotation New'; do
  i=$((i + 1)); [ $i -lt 1800 ] || { fail "Caddy never served a certificate of CA newroot's intermediate after the reload"; break; }
  sleep 0.1
done
settle
mark "caddy settled"
openssl s_client -connect "127.0.0.1:$CADDY_HTTPS" -servername localhost -showcerts </dev/null 2>/dev/null |
  awk '/BEGIN CERT/{n++} n{print >"'"$T"'/served-" n ".pem"} /END CERT/{n=n}' || true
check "Caddy sends a leaf and an intermediate" test -s "$T/served-2.pem"
check "the served intermediate is Caddy's newroot intermediate" cmp <(openssl x509 -in "$T/served-2.pem" -outform DER) \
  <(openssl x509 -in "$CADDY_DATA/pki/authorities/newroot/intermediate.crt" -outform DER)
expect_rc 0 "the served chain verifies with the new root alone" \
  openssl verify -CAfile "$C/cas/caddy-newroot-root.pem" -untrusted "$T/served-2.pem" "$T/served-1.pem"
expect_rc 2 "the served chain does not verify with the old root alone" \
  openssl verify -CAfile "$C/cas/caddy-local-root.pem" -untrusted "$T/served-2.pem" "$T/served-1.pem"
for h in h1 h2 h3; do
  expect_rc 0 "$h: status: retire" status "$h"
  check "$h: retire" out_has "rotation \"caddy-local\" -> \"caddy-new\": retire (caddy-local may be removed: 2 stores still hold it)"
  check "$h: the site chains to the new root" out_has "ok     $EP: chains to \"caddy-new\""
  check "$h: the next step names the caddy: section's ca" out_has "next: remove \"caddy-local\": set it \`ensure: absent\` (or distrusted), set the caddy: section's \`ca: newroot\` (Caddy's PKI is then read from its CA newroot), and apply"
done

# 5. retire: the old root removed everywhere; the caddy: section reads CA newroot
conf retire
for h in h1 h2 h3; do
  expect_rc 0 "$h: apply (retire)" run "$h" apply --auto-approve
  check "$h: old root removed" out_has "ca \"caddy-local\": removed"
  check "$h: the app bundle no longer holds the old root" bundle_lacks "$T/$h/etc/app/ca.pem" "$C/cas/caddy-local-root.pem"
  check "$h: the system bundle no longer holds the old root" bundle_lacks "$T/$h/etc/ssl/certs/ca-certificates.crt" "$C/cas/caddy-local-root.pem"
  expect_rc 0 "$h: status: done" status "$h"
  check "$h: done" out_has "rotation \"caddy-local\" -> \"caddy-new\": done (caddy-local is in no store of this host)"
done
expect_rc 0 "h1: the plan is clean, Caddy's pki on CA newroot" run h1 plan --detailed-exitcode
expect_rc 0 "h1: plan --json" run h1 plan --json
check "h1: Caddy's newroot PKI is read, and its root is caddy-new" bash -c "jq -e '[.stores[] | select(.address == \"caddy.pki.newroot\")] | length == 1' '$T/.out' >/dev/null"
settle

# the clients: not one failure, through every phase
touch "$T/stop"
pollers_wait
# outside: the poll log without Caddy's own reloads (from the marker before
# one to the rounds after Caddy serves what the new configuration says);
# inside: those windows
outside() { awk '/^== caddy reload/ {w = 1} /^== caddy settled/ {w = 0} !w' "$T/poll-$1.log"; }
inside() { awk '/^== caddy reload/ {w = 1} /^== caddy settled/ {w = 0} w' "$T/poll-$1.log"; }
no_fail_outside() { ! outside "$1" | grep -m5 '^FAIL' >&2; }
no_fail_inside_but_h2_close() { ! inside "$1" | grep '^FAIL' | grep -v -m5 '^FAIL handshake curl exit 16 .*: curl: (16) Error in the HTTP2 framing layer$' >&2; }
for h in h1 h2 h3; do
  n=$(grep -c '^ok ' "$T/poll-$h.log" || true)
  check "$h: the clients made requests ($n)" test "$n" -gt 60
  check "$h: no client ever refused the chain Caddy served" bash -c "! grep -m5 '^FAIL trust' '$T/poll-$h.log' >&2"
  check "$h: not one failed request outside Caddy's two reloads" no_fail_outside "$h"
  # inside them: Caddy always has the site's certificate (no TLS alert, no
  # handshake failure); only a request on a connection that the old
  # configuration's HTTP/2 server closes as it stops may fail (README)
  check "$h: Caddy's reloads fail no handshake" no_fail_inside_but_h2_close "$h"
  k=$(inside "$h" | grep -c '^FAIL' || true)
  [ "$k" = 0 ] || echo "  note: $h: $k request(s) on a connection the old configuration's HTTP/2 server closed at a reload (README)" >&2
  if grep -q '^FAIL' "$T/poll-$h.log"; then # where, among the phases, and why
    grep -E '^(== |FAIL)' "$T/poll-$h.log" | uniq -c | head -20 | sed 's/^/  /' >&2
    sort "$T/poll-$h.err" | uniq -c | head -10 | sed 's/^/  /' >&2
  fi
  check "$h: curl through both bundles, and s_client" test "$(awk '$1 == "ok" {print $2, $3}' "$T/poll-$h.log" | sort -u | wc -l)" = 3
done
done_testing

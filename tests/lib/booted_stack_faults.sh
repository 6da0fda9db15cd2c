# The rest of issue 17 on the booted system (tests/lib/booted_stack.sh runs
# these after its sections 1-4, on the same system and stack): each verdict a
# real client's result, trustform without --root.
#
#   5. the python store's note "the system store must hold these CAs" is not
#      said when the role lists a system store that holds them
#   6. Caddy's restart pending, observed: the system store changes, Caddy's
#      restart fails (its unit refuses a manual stop), Caddy keeps its old
#      roots (502); the plan and the drift unit say drift naming it, a second
#      apply that fails again leaves it drift, one that succeeds ends it
#   7. Caddy regenerates its CA while the clients hold the old root: the plan
#      says to export the new root (not to make the server issue again); done,
#      the clients trust it
#   8. intermediate_lifetime with Caddy running: apply makes Caddy SERVE an
#      intermediate of the new lifetime (what openssl s_client receives)
#   9. a `python3 -m venv --copies` venv of an app user, mode truststore
#
# Each section prints the seconds it took.

# _b17_section N TITLE: starts a section, closing the previous one's clock
_b17_t=
_b17_section() {
  [ -z "$_b17_t" ] || echo "  (section took $((SECONDS - _b17_t)) s)"
  _b17_t=$SECONDS
  [ -z "$1" ] || echo "--- $1"
}

# bs_apply CONFIG [OUT]: trustform apply, its exit status in _bs_apply_rc
bs_apply() {
  _bs_apply_rc=0
  in_booted trustform apply -c "$1" --auto-approve --no-color >"$T/${2:-apply17}.out" 2>&1 ||
    _bs_apply_rc=$?
  echo "  apply $1: exit $_bs_apply_rc"
  grep -iE 'error|failed|restart|reload|reissue' "$T/${2:-apply17}.out" | head -12 | sed 's/^/    /' || true
}
# This test restarts Caddy more often than systemd's start limit allows (by
# default 5 starts in 10 s: a fast run of sections 6-8 hit it on sid, and
# trustform's reissue found caddy.service "start-limit-hit"): each Caddy
# section begins with the limiter reset, as systemctl reset-failed does.
bs_caddy_limit_reset() { in_booted systemctl reset-failed caddy.service 2>/dev/null || true; }
# what caddy.service and its journal say (when a verdict about Caddy failed)
bs_caddy_status() {
  in_booted systemctl status caddy.service --no-pager -n 0 2>&1 | head -8 | sed 's/^/    status: /'
  in_booted journalctl -u caddy.service --no-pager -o cat -n 12 2>&1 | cut -c1-240 | sed 's/^/    journal: /'
}
bs_caddy_pid() { in_booted systemctl show -p MainPID --value caddy.service; }
# until Caddy's site answers with its current root (after a start that made a new one)
bs_caddy_serving() {
  local i pki=/var/lib/caddy/.local/share/caddy/pki/authorities/local
  bs_wait_port 443 || return 1
  for i in $(seq 1 600); do
    in_booted test -s "$pki/root.crt" && in_booted curl -s -o /dev/null --cacert "$pki/root.crt" \
      https://localhost/ && return 0
    sleep 0.1
  done
  echo "  Caddy does not serve https://localhost with its own root" >&2; return 1
}
# the certificates Caddy sends on localhost:443, one PEM file each: $T/served-N.pem
bs_served() {
  rm -f "$T"/served-*.pem
  in_booted openssl s_client -connect 127.0.0.1:443 -servername localhost -showcerts \
    </dev/null 2>/dev/null | awk -v d="$T" '
      /-----BEGIN CERTIFICATE-----/ { n++; f = d "/served-" n ".pem" }
      f { print > f }
      /-----END CERTIFICATE-----/ { close(f); f = "" }'
  [ -s "$T/served-2.pem" ]
}
# span FILE: seconds from notBefore to notAfter
bs_span() {
  echo $(( $(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s) -
           $(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s) ))
}

# the served intermediate's fingerprint ("none" when Caddy sends none)
bs_served_inter() { if bs_served; then fingerprint "$T/served-2.pem"; else echo none; fi; }
b17_set_lifetime() {
  sed -i 's|^  caddyfile: /etc/caddy/Caddyfile$|&\n  intermediate_lifetime: 720h|' "$B/etc/trustform/trust.yaml"
  verdict "trust.yaml sets intermediate_lifetime 720h" grep -q '^  intermediate_lifetime: 720h$' "$B/etc/trustform/trust.yaml"
}

# Section 8 where Caddy knows intermediate_lifetime (2.6.3 and later)
b17_lifetime() {
  local pki=/var/lib/caddy/.local/share/caddy/pki/authorities/local code r span0 span1 fp0
  fp0=$(bs_served_inter)
  span0=$(bs_span "$T/served-2.pem" 2>/dev/null || echo none)
  verdict "Caddy serves leaf + intermediate (issued for $span0 s)" test "$fp0" != none
  b17_set_lifetime
  bs_plan
  verdict "plan: drift (exit 2): the lifetime set, the intermediate reissued" \
    eval '[ "$_bs_rc" = 2 ] && grep -q "intermediate_lifetime" "$T/plan.out" && grep -q "issuance \"local\"" "$T/plan.out"'
  bs_apply /etc/trustform/trust.yaml
  verdict "apply: exit 0 (got $_bs_apply_rc)" is "$_bs_apply_rc" 0
  verdict "the Caddyfile sets it" grep -q 'intermediate_lifetime 720h' "$B/etc/caddy/Caddyfile"
  bs_caddy_serving || bs_caddy_status
  verdict "Caddy serves a new intermediate" eval '[ "$(bs_served_inter)" != "$fp0" ] && [ -s "$T/served-2.pem" ]'
  span1=$(bs_span "$T/served-2.pem" 2>/dev/null || echo none)
  verdict "the served intermediate is issued for 720h (notAfter - notBefore: $span1 s)" is "$span1" $((720 * 3600))
  verdict "the served intermediate is the one in Caddy's pki" \
    is "$(fingerprint "$T/served-2.pem")" "$(fingerprint "$B$pki/intermediate.crt")"
  verdict "the served chain verifies with the system store (openssl verify)" \
    openssl verify -CAfile "$B/etc/ssl/certs/ca-certificates.crt" -untrusted "$T/served-2.pem" "$T/served-1.pem"
  r=0; bs_curl https://localhost/ || r=$?
  verdict "curl trusts Caddy's site (exit $r)" is "$r" 0
  code=$(bs_caddy_code)
  verdict "Caddy proxies: 200 (got $code)" is "$code" 200
  bs_plan
  verdict "plan: clean (exit 0)" is "$_bs_rc" 0
}

# Section 8 where the distribution's Caddy is older than 2.6.3 (trixie has
# 2.6.2): it refuses the option, so trustform must refuse to write it, say so,
# and reissue nothing; the served intermediate stays as it is
b17_lifetime_refused() {
  local code fp0
  echo "  Caddy $(booted_version caddy) does not know intermediate_lifetime (2.6.3 is the first that does)"
  fp0=$(bs_served_inter)
  verdict "Caddy serves leaf + intermediate" test "$fp0" != none
  cp "$B/etc/caddy/Caddyfile" "$T/Caddyfile.before"
  b17_set_lifetime
  bs_plan
  verdict "plan: an error (exit 1) naming the installed Caddy's version and the fix" \
    eval '[ "$_bs_rc" = 1 ] && grep -q "does not know intermediate_lifetime" "$T/plan.out" &&
          grep -q "Upgrade Caddy to 2.6.3 or later, or remove caddy.intermediate_lifetime" "$T/plan.out"'
  bs_apply /etc/trustform/trust.yaml
  verdict "apply: exit 1 (got $_bs_apply_rc)" is "$_bs_apply_rc" 1
  verdict "the Caddyfile is untouched" cmp -s "$T/Caddyfile.before" "$B/etc/caddy/Caddyfile"
  verdict "nothing reissued: Caddy serves the same intermediate" is "$(bs_served_inter)" "$fp0"
  code=$(bs_caddy_code)
  verdict "Caddy proxies: 200 (got $code)" is "$code" 200
  sed -i '/^  intermediate_lifetime: 720h$/d' "$B/etc/trustform/trust.yaml"
  bs_plan
  verdict "the lifetime taken out of trust.yaml: plan clean (exit 0)" is "$_bs_rc" 0
}

b17_pending() {
  local code pid1 data=/var/lib/caddy/.local/share/caddy dropin=/etc/systemd/system/caddy.service.d
  sed -e 's/cas: \[corp-root, caddy-local\]/cas: [caddy-local]/' -e '/- https:\/\/127.0.0.1:8443/d' \
    "$B/etc/trustform/edge.yaml" >"$B/etc/trustform/edge-nocorp.yaml"
  bs_apply /etc/trustform/edge-nocorp.yaml
  verdict "edge without corp-root: apply exit 0" is "$_bs_apply_rc" 0
  code=$(bs_caddy_code)
  verdict "Caddy, restarted without corp-root in the system store, proxies: 502 (got $code)" is "$code" 502
  mkdir -p "$B$dropin"
  printf '[Unit]\nRefuseManualStop=yes\n' >"$B$dropin/50-refuse-stop.conf"
  in_booted systemctl daemon-reload
  pid1=$(bs_caddy_pid)
  bs_apply /etc/trustform/edge.yaml
  verdict "apply adds corp-root, Caddy's restart is refused: apply fails (exit 1, got $_bs_apply_rc)" \
    is "$_bs_apply_rc" 1
  verdict "apply says Caddy's restart failed" grep -qE 'systemctl try-restart caddy.service failed' "$T/apply17.out"
  verdict "curl trusts the upstream: the system store holds corp-root" eval 'bs_curl https://127.0.0.1:8443/'
  verdict "Caddy's process is the one from before (pid $pid1)" is "$(bs_caddy_pid)" "$pid1"
  code=$(bs_caddy_code)
  verdict "Caddy keeps its old roots: the proxied request answers 502 (got $code)" is "$code" 502
  bs_plan /etc/trustform/edge.yaml
  verdict "edge.yaml plan: drift (exit 2)" is "$_bs_rc" 2
  verdict "edge.yaml plan: not \"No changes.\" (the stores match, the clients would fail)" \
    eval '! grep -q "^No changes\. " "$T/plan.out"'
  verdict "edge.yaml plan: names caddy.service's pending restart" \
    eval 'grep -i "caddy.service" "$T/plan.out" | grep -qi "restart"'
  verdict "edge.yaml plan: says a restart is pending" grep -qi 'restart pending' "$T/plan.out"
  bs_plan
  verdict "trust.yaml plan: drift (exit 2), restart pending" \
    eval '[ "$_bs_rc" = 2 ] && grep -qi "restart pending" "$T/plan.out"'
  bs_drift
  verdict "drift unit: drift (2), the unit succeeds" is "$_bs_drift_status/$_bs_drift_result" 2/success
  verdict "drift unit: at warning or above (journalctl -p warning)" eval '[ "${_bs_drift_prio:-9}" -le 4 ]'
  bs_apply /etc/trustform/edge.yaml
  verdict "a second apply, the restart refused again: exit 1 (got $_bs_apply_rc)" is "$_bs_apply_rc" 1
  bs_plan /etc/trustform/edge.yaml
  verdict "a restart that fails stays drift: plan exit 2, restart pending" \
    eval '[ "$_bs_rc" = 2 ] && grep -qi "restart pending" "$T/plan.out"'
  rm -f "$B$dropin/50-refuse-stop.conf"
  in_booted systemctl daemon-reload
  bs_apply /etc/trustform/edge.yaml
  verdict "the restart allowed again: apply exit 0 (got $_bs_apply_rc)" is "$_bs_apply_rc" 0
  verdict "apply restarted caddy.service" grep -q 'caddy.service: restarted' "$T/apply17.out"
  verdict "Caddy's process is a new one" eval '[ "$(bs_caddy_pid)" != "$pid1" ]'
  bs_wait_port 443 || true
  code=$(bs_caddy_code)
  verdict "Caddy proxies: 200 (got $code)" is "$code" 200
  bs_plan /etc/trustform/edge.yaml
  verdict "edge.yaml plan: clean (exit 0)" is "$_bs_rc" 0
  bs_plan
  verdict "trust.yaml plan: clean (exit 0)" is "$_bs_rc" 0
  bs_drift
  verdict "drift unit: no drift (0)" is "$_bs_drift_status/$_bs_drift_result" 0/success
}

b17_regenerated() {
  local code r oldfp data=/var/lib/caddy/.local/share/caddy
  local pki=$data/pki/authorities/local
  oldfp=$(fingerprint "$B/etc/trustform/cas/caddy-local-root.pem")
  in_booted systemctl stop caddy.service
  in_booted mkdir -p /root/caddy-old
  in_booted mv "$pki" /root/caddy-old/authority
  in_booted mv "$data/certificates/local" /root/caddy-old/certificates
  in_booted systemctl start caddy.service
  verdict "Caddy starts with a new root of the same name" eval \
    'bs_caddy_serving && [ "$(fingerprint "$B$pki/root.crt")" != "$oldfp" ] &&
     [ "$(openssl x509 -in "$B$pki/root.crt" -noout -subject)" = "$(openssl x509 -in "$B/root/caddy-old/authority/root.crt" -noout -subject)" ]'
  r=0; bs_curl https://localhost/ || r=$?
  verdict "curl (the system store, the old root) refuses Caddy's site (exit $r, wanted 60)" is "$r" 60
  bs_plan
  grep -iE 'regenerated|export' "$T/plan.out" | head -4 | sed 's/^/    /' || true
  verdict "plan: drift (exit 2)" is "$_bs_rc" 2
  verdict "plan: says the server's CA was regenerated and the clients hold the old root" \
    grep -q 'the clients still hold the old root' "$T/plan.out"
  verdict "plan: the fix is to export the new root (trustform caddy export-root), commit, apply" \
    eval 'grep -q "export the new root" "$T/plan.out" && grep -q "trustform caddy export-root" "$T/plan.out"'
  verdict "plan: not \"make the server issue again\"" eval '! grep -qi "make the server issue again" "$T/plan.out"'
  verdict "trustform caddy export-root writes the new root" \
    bs_tf trustform caddy export-root -c /etc/trustform/trust.yaml /etc/trustform/cas/caddy-local-root.pem
  verdict "the exported root is Caddy's new one" \
    is "$(fingerprint "$B/etc/trustform/cas/caddy-local-root.pem")" "$(fingerprint "$B$pki/root.crt")"
  bs_apply /etc/trustform/trust.yaml
  verdict "apply: exit 0 (got $_bs_apply_rc)" is "$_bs_apply_rc" 0
  r=0; bs_curl https://localhost/ || r=$?
  verdict "curl trusts Caddy's site again (exit $r)" is "$r" 0
  bs_wait_port 443 || true
  code=$(bs_caddy_code)
  verdict "Caddy proxies: 200 (got $code)" is "$code" 200
  bs_plan
  verdict "plan: clean (exit 0)" is "$_bs_rc" 0
}

b17_venv_copies() {
  local v=/home/app2/venv
  in_booted useradd -m -s /bin/sh app2 || true
  verdict "app2 makes its venv: python3 -m venv --copies --system-site-packages" \
    in_booted runuser -u app2 -- python3 -m venv --copies --system-site-packages "$v"
  verdict "the venv's python is a copy, not a link" eval '[ -f "$B$v/bin/python3" ] && [ ! -L "$B$v/bin/python3" ]'
  verdict "the venv belongs to app2" is "$(in_booted stat -c %U "$v/bin/python3")" app2
  sed -i -e 's|^  app-venv: .*|&\n  app2-venv: { type: python, venv: /home/app2/venv, mode: truststore }|' \
    -e 's|stores: \[system, app-venv\]|stores: [system, app-venv, app2-venv]|' "$B/etc/trustform/trust.yaml"
  bs_plan
  verdict "plan: a change for app2-venv, not an error (exit 2)" is "$_bs_rc" 2
  verdict "plan: its truststore is not said not to take effect" eval '! grep -q "will not take effect" "$T/plan.out"'
  bs_apply /etc/trustform/trust.yaml
  verdict "apply: exit 0 (got $_bs_apply_rc)" is "$_bs_apply_rc" 0
  verdict "app2's python has truststore injected (ssl.SSLContext is truststore's)" \
    eval 'in_booted runuser -u app2 -- "$v/bin/python" -c "import ssl, sys; sys.exit(0 if ssl.SSLContext.__module__.startswith(\"truststore\") else 1)"'
  verdict "app2's requests connects to the upstream" \
    eval 'in_booted runuser -u app2 -- "$v/bin/python" -c "import requests; requests.get(\"https://127.0.0.1:8443/\", timeout=30).raise_for_status()"'
  bs_plan
  verdict "plan: clean (exit 0) while app2's venv works" is "$_bs_rc" 0
  verdict "plan: no note that the system store must hold its CAs" \
    eval '! grep -qiE "system store must hold|not \(yet\) in the system store|so Python never sees it" "$T/plan.out"'
  bs_drift
  verdict "drift unit: no drift (0)" is "$_bs_drift_status/$_bs_drift_result" 0/success
}

booted_stack_faults() {
  _b17_section "5. the python store's note on the system store, with a system store that holds the CAs"
  # $T/plan.out: section 4's plan of trust.yaml, every store as configured
  grep -i 'system store' "$T/plan.out" | head -3 | sed 's/^/    plan: /' || true
  verdict "plan: no note that the system store must hold the venv's CAs (the role's system store holds them)" \
    eval '! grep -qiE "system store must hold|not \(yet\) in the system store|so Python never sees it" "$T/plan.out"'
  verdict "and the system store holds them: curl trusts the upstream" eval 'bs_curl https://127.0.0.1:8443/'

  _b17_section "6. the system store changes, Caddy's restart fails: Caddy keeps its old roots, restart pending"
  bs_caddy_limit_reset; b17_pending
  _b17_section "7. Caddy regenerates its CA while the clients hold the old root"
  bs_caddy_limit_reset; b17_regenerated
  _b17_section "8. a new intermediate_lifetime, Caddy running: the intermediate it serves has it"
  bs_caddy_limit_reset
  if in_booted dpkg --compare-versions "$(booted_version caddy)" ge 2.6.3; then b17_lifetime
  else b17_lifetime_refused; fi

  _b17_section "9. a python3 -m venv --copies venv owned by an app user, mode truststore"
  b17_venv_copies
  _b17_section ""
}

# The sid test host's own Caddy, run through chroot as Debian's package lays it
# out (data in /var/lib/caddy/.local/share/caddy, /etc/caddy/Caddyfile). Source
# after testhost.sh and call hc_setup after testhost_up. Caddy listens on
# 127.0.0.1 only; it is stopped when the test ends, and a watchdog kills it
# when the test's shell is gone, even if it was killed.
hc_setup() {
  HC_ADMIN=$(free_port); HC_HTTPS=$(free_port); HC_HTTP=$(free_port)
  while [ "$HC_HTTPS" = "$HC_ADMIN" ]; do HC_HTTPS=$(free_port); done
  while [ "$HC_HTTP" = "$HC_ADMIN" ] || [ "$HC_HTTP" = "$HC_HTTPS" ]; do HC_HTTP=$(free_port); done
  HC_DATA=$H/var/lib/caddy/.local/share/caddy
  HC_FILE=$H/etc/caddy/Caddyfile
  mkdir -p "$H/var/lib/caddy/.local/share" "$H/var/lib/caddy/.config" "$H/run"
  local env="env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/caddy XDG_DATA_HOME=/var/lib/caddy/.local/share XDG_CONFIG_HOME=/var/lib/caddy/.config"
  HC_START="chroot $H $env caddy start --config /etc/caddy/Caddyfile --adapter caddyfile --pidfile /run/caddy.pid >>$T/caddy.log 2>&1"
  HC_STOP="chroot $H $env caddy stop --address 127.0.0.1:$HC_ADMIN >>$T/caddy.log 2>&1"
  HC_RELOAD="chroot $H $env caddy reload --config /etc/caddy/Caddyfile --adapter caddyfile --address 127.0.0.1:$HC_ADMIN >>$T/caddy.log 2>&1"
  pidfile_watchdog "$H/run/caddy.pid"
  trap 'hc_kill; testhost_down; cleanup' EXIT
}

hc_kill() {
  sh -c "$HC_STOP" 2>/dev/null || true
  if [ -s "$H/run/caddy.pid" ]; then kill "$(cat "$H/run/caddy.pid")" 2>/dev/null || true; fi
}

# hc_site_file: one `tls internal` site on 127.0.0.1, never installing its root,
# for localhost and a long name (HC_LONG)
HC_LONG=a-rather-long-site-name.internal
hc_site_file() {
  cat >"$HC_FILE" <<CADDY
{
	admin 127.0.0.1:$HC_ADMIN
	https_port $HC_HTTPS
	http_port $HC_HTTP
	skip_install_trust
	auto_https disable_redirects
}

https://localhost:$HC_HTTPS, https://$HC_LONG:$HC_HTTPS {
	bind 127.0.0.1
	tls internal
	respond "hello from caddy"
}
CADDY
}

# hc_up: start Caddy and wait until it serves its site, as long as Caddy runs
hc_up() {
  sh -c "$HC_START" || { cat "$T/caddy.log" >&2; return 1; }
  until [ -s "$HC_DATA/certificates/local/localhost/localhost.crt" ] &&
        [ -s "$HC_DATA/certificates/local/$HC_LONG/$HC_LONG.crt" ] &&
        (exec 3<>"/dev/tcp/127.0.0.1/$HC_HTTPS") 2>/dev/null; do
    caddy_started_alive "$H/run/caddy.pid" "$T/caddy.log" || {
      echo "caddy exited before it served its site" >&2; cat "$T/caddy.log" >&2; return 1; }
    sleep 0.05
  done
}
hc_down() { sh -c "$HC_STOP" || true; }

# hc_get [curl args]: the site through the tree's curl (its system store unless told)
hc_get() {
  in_host curl -sS --max-time 20 --resolve "localhost:$HC_HTTPS:127.0.0.1" "$@" "https://localhost:$HC_HTTPS/"
}
hc_refused() { ! hc_get -o /dev/null 2>/dev/null; }

# hc_chain OUT_BASE: the chain the site serves, OUT_BASE.leaf.pem and OUT_BASE.rest.pem
hc_chain() {
  in_host openssl s_client -connect "127.0.0.1:$HC_HTTPS" -servername localhost -showcerts \
    </dev/null 2>/dev/null | sed -n '/BEGIN CERT/,/END CERT/p' >"$1.all.pem"
  sed '/END CERT/q' "$1.all.pem" >"$1.leaf.pem"
  sed '1,/END CERT/d' "$1.all.pem" >"$1.rest.pem"
}

# hc_trust_yaml FILE PIN: edge1 trusts Caddy's root (pinned) in the system store;
# Caddy's section with the Caddyfile, intermediate_lifetime 43800h and its commands
hc_trust_yaml() {
  cat >"$1" <<YAML
version: 1
cas:
  caddy-local:
    file: cas/caddy-local-root.pem
    sha256: $2
    caddy: local
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
  intermediate_lifetime: 43800h
  stop: "$HC_STOP"
  start: "$HC_START"
  reload: "$HC_RELOAD"
roles:
  edge: { cas: [caddy-local], stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
}

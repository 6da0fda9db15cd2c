# Caddy (Debian's package), run as a child in the sandbox.
# Sourced by common.sh; the helpers of one store family.

# --- Caddy (Debian's package), run as a child in the sandbox -----------------

# caddy_sandbox ROOT: Caddy's data and config inside ROOT as Debian's package
# lays them out (/var/lib/caddy/.local/share/caddy, /etc/caddy/Caddyfile);
# picks the admin and HTTPS ports. Sets CADDY_ADMIN, CADDY_HTTPS, CADDY_FILE,
# CADDY_DATA, and CADDY_START/CADDY_STOP (the commands trustform is given).
CADDY_RO_STORES='for d in /usr/local/share/ca-certificates /usr/share/ca-certificates /etc/ssl/certs /etc/ca-certificates.conf /etc/pki /usr/lib/jvm /etc/ssl/certs/java; do [ -e $d ] && { mount --bind $d $d && mount -o remount,bind,ro $d $d || exit 1; }; done;'
caddy_sandbox() {
  local r=$1
  export XDG_DATA_HOME=$r/var/lib/caddy/.local/share XDG_CONFIG_HOME=$r/var/lib/caddy/.config
  export HOME=$T/home
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$HOME" "$r/etc/caddy"
  CADDY_DATA=$XDG_DATA_HOME/caddy
  CADDY_FILE=$r/etc/caddy/Caddyfile
  CADDY_ADMIN=$(free_port); CADDY_HTTPS=$(free_port)
  while [ "$CADDY_HTTPS" = "$CADDY_ADMIN" ]; do CADDY_HTTPS=$(free_port); done
  # Caddy runs in a mount namespace where this machine's trust stores are
  # read-only: whatever its configuration says (Caddy 2.11 installs the
  # `local` CA's root unless every CA says install_trust false), it can never
  # write a root into this machine's store.
  CADDY_START="unshare -m --propagation private sh -c '$CADDY_RO_STORES exec caddy start --config $CADDY_FILE --adapter caddyfile --pidfile $T/caddy.pid' >>$T/caddy.log 2>&1"
  CADDY_STOP="caddy stop --address 127.0.0.1:$CADDY_ADMIN >>$T/caddy.log 2>&1"
  trap 'caddy_kill; cleanup' EXIT
}

# caddy_site_file: a Caddyfile with one `tls internal` site on 127.0.0.1. It
# never installs its root anywhere (skip_install_trust) and opens no HTTP port.
caddy_site_file() {
  cat >"$CADDY_FILE" <<CADDY
{
	admin 127.0.0.1:$CADDY_ADMIN
	https_port $CADDY_HTTPS
	http_port $(free_port)
	skip_install_trust
	auto_https disable_redirects
}

https://localhost:$CADDY_HTTPS {
	bind 127.0.0.1
	tls internal
	respond "hello from caddy"
}
CADDY
}

# caddy_up: start Caddy (it stops with the test: caddy_kill, and a watchdog)
# and wait until it serves its site, as long as Caddy runs: no time limit.
caddy_up() {
  sh -c "$CADDY_START" || { cat "$T/caddy.log" >&2; return 1; }
  caddy_watchdog
  until [ -s "$CADDY_DATA/certificates/local/localhost/localhost.crt" ] &&
        (exec 3<>"/dev/tcp/127.0.0.1/$CADDY_HTTPS") 2>/dev/null; do
    caddy_started_alive "$T/caddy.pid" "$T/caddy.log" || {
      echo "caddy exited before it served its site" >&2; cat "$T/caddy.log" >&2; return 1; }
    sleep 0.05
  done
}

caddy_down() { sh -c "$CADDY_STOP" || true; }

# Safety net: whatever Caddy the pid file names is stopped when the test's
# shell is gone, even if it was killed.
caddy_watchdog() { pidfile_watchdog "$T/caddy.pid"; }

caddy_kill() {
  if [ -n "${CADDY_ADMIN:-}" ]; then caddy stop --address "127.0.0.1:$CADDY_ADMIN" >/dev/null 2>&1 || true; fi
  if [ -s "$T/caddy.pid" ]; then kill "$(cat "$T/caddy.pid")" 2>/dev/null || true; fi
}

# caddy_get CAFILE [curl args]: fetch the site, trusting only CAFILE
caddy_get() {
  local ca=$1; shift
  curl -sS --max-time 20 --cacert "$ca" --resolve "localhost:$CADDY_HTTPS:127.0.0.1" \
    "$@" "https://localhost:$CADDY_HTTPS/"
}
# caddy_refused CAFILE: the handshake fails when trusting only CAFILE
caddy_refused() { ! caddy_get "$1" -o /dev/null 2>/dev/null; }

# mk_intermediate OUT_BASE CA_BASE SUBJECT [DAYS]: an intermediate CA signed by CA
mk_intermediate() {
  local base=$1 ca=$2 subj=$3 days=${4:-7}
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$base.key" \
    -subj "$subj" -out "$base.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$base.ext"
  openssl x509 -req -in "$base.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -days "$days" \
    -extfile "$base.ext" -out "$base.pem" 2>/dev/null
}

# caddy_trust_yaml FILE HOST: a config whose edge role trusts Caddy's root
# (cas/caddy-local-root.pem, marked caddy: local) in the system store, with the
# sandbox Caddy's stop/start commands
caddy_trust_yaml() {
  cat >"$1" <<YAML
version: 1
cas:
  caddy-local: { file: cas/caddy-local-root.pem, caddy: local }
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  ca: local
  stop: "$CADDY_STOP"
  start: "$CADDY_START"
roles:
  edge: { cas: [caddy-local], stores: [system], caddy: true }
hosts:
  $2: [edge]
YAML
}

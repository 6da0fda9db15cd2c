# Shared helpers for trustform's end-to-end tests. Source it from a test:
#   . "$(dirname "$0")/../lib/common.sh"
# Every test works in its own temp directory ($T) and never touches the real /.
set -euo pipefail

: "${TRUSTFORM:?TRUSTFORM must point at the built trustform binary}"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC_DIR=$(cd "$TESTS_DIR/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/tf-test.XXXXXX")
_bg_pids=()
cleanup() {
  local p
  for p in "${_bg_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -z "${KEEP_TEST_DIR:-}" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
}
trap cleanup EXIT
export NO_COLOR=1
unset TRUSTFORM_TEST_CRASH_AFTER_WRITES TRUSTFORM_NOW

tf() { "$TRUSTFORM" "$@"; }

_failures=0
_passes=0
fail() { echo "FAIL: $*" >&2; _failures=$((_failures + 1)); }
pass() { _passes=$((_passes + 1)); }
check() { # check "description" command...
  local what=$1; shift
  if "$@"; then pass; else fail "$what"; fi
}
# expect_rc CODE "description" command...: run, compare the exit code
expect_rc() {
  local want=$1 what=$2; shift 2
  local rc=0
  "$@" >"$T/.out" 2>"$T/.err" || rc=$?
  if [ "$rc" = "$want" ]; then pass; else
    fail "$what: exit $rc, wanted $want"; sed 's/^/  out: /' "$T/.out" >&2; sed 's/^/  err: /' "$T/.err" >&2
  fi
}
out_has() { grep -qF -- "$1" "$T/.out" || { echo "  (stdout lacks: $1)" >&2; sed 's/^/  out: /' "$T/.out" >&2; return 1; }; }
err_has() { grep -qF -- "$1" "$T/.err" || { echo "  (stderr lacks: $1)" >&2; sed 's/^/  err: /' "$T/.err" >&2; return 1; }; }
done_testing() {
  echo "$_passes passed, $_failures failed"
  [ "$_failures" = 0 ]
}

# --- certificates -----------------------------------------------------------

# mk_ca OUT_BASE SUBJECT [DAYS]: self-signed CA; writes OUT_BASE.pem and .key
mk_ca() {
  local base=$1 subj=$2 days=${3:-3650}
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$base.key" -subj "$subj" -days "$days" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$base.pem" 2>/dev/null
}

# mk_leaf OUT_BASE CA_BASE [CN]: server leaf for 127.0.0.1/localhost signed by CA
mk_leaf() {
  local base=$1 ca=$2 cn=${3:-localhost}
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$base.key" \
    -subj "/CN=$cn" -out "$base.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$base.ext"
  openssl x509 -req -in "$base.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
    -days 30 -extfile "$base.ext" -out "$base.pem" 2>/dev/null
}

# mk_ca_dated OUT_BASE SUBJECT START END: CA with explicit validity (YYYYMMDDHHMMSSZ)
mk_ca_dated() {
  local base=$1 subj=$2 start=$3 end=$4 d
  d=$(mktemp -d "$T/ca.XXXXXX")
  mkdir -p "$d/new"; : >"$d/index"; echo 01 >"$d/serial"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$base.key" \
    -subj "$subj" -out "$d/req.csr" 2>/dev/null
  cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
dir = $d
database = $d/index
new_certs_dir = $d/new
serial = $d/serial
default_md = sha256
policy = p
unique_subject = no
x509_extensions = ext
[p]
commonName = supplied
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
CNF
  openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$base.key" -in "$d/req.csr" \
    -startdate "$start" -enddate "$end" -out "$base.pem" -notext 2>/dev/null
}

fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }

# --- sandbox roots ----------------------------------------------------------

# mk_root DIR [with-distro]: a Debian tree; with-distro copies the 142 Mozilla CAs
mk_root() {
  local r=$1
  mkdir -p "$r/etc/ssl/certs" "$r/usr/share/ca-certificates" \
    "$r/usr/local/share/ca-certificates" "$r/etc/ca-certificates/update.d"
  printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' \
    >"$r/etc/os-release"
  if [ "${2:-}" = with-distro ]; then
    cp -r /usr/share/ca-certificates/mozilla "$r/usr/share/ca-certificates/"
    (cd "$r/usr/share/ca-certificates" && find mozilla -name '*.crt' | LC_ALL=C sort) \
      >"$r/etc/ca-certificates.conf"
  else
    : >"$r/etc/ca-certificates.conf"
  fi
}

# A hook that records what it was told, for the hook tests.
mk_recording_hook() {
  local r=$1
  cat >"$r/etc/ca-certificates/update.d/record" <<HOOK
#!/bin/sh
cat >> "$r/hook.log"
echo "--" >> "$r/hook.log"
HOOK
  chmod +x "$r/etc/ca-certificates/update.d/record"
}

# Real update-ca-certificates pointed at a sandbox tree.
real_update_ca() {
  local r=$1; shift
  update-ca-certificates "$@" --certsconf "$r/etc/ca-certificates.conf" \
    --certsdir "$r/usr/share/ca-certificates" --localcertsdir "$r/usr/local/share/ca-certificates" \
    --etccertsdir "$r/etc/ssl/certs" --hooksdir "$r/etc/ca-certificates/update.d" >/dev/null 2>&1
}

# As real_update_ca, then with link targets made root-relative, which is what
# update-ca-certificates run inside a chroot of the tree leaves.
real_update_ca_chroot_like() {
  local r=$1 l t; shift
  r=$(cd "$r" && pwd)
  real_update_ca "$r" "$@"
  for l in "$r"/etc/ssl/certs/*; do
    [ -L "$l" ] || continue
    t=$(readlink "$l")
    case "$t" in "$r"/*) ln -sfn "${t#"$r"}" "$l" ;; esac
  done
}

# Names and resolved targets of /etc/ssl/certs, root prefix removed: comparable across trees.
certs_dir_listing() {
  local r=$1 d f t rp
  d=$(cd "$r/etc/ssl/certs" && pwd -P)
  (cd "$d" && for f in $(LC_ALL=C ls -A); do
    if [ -L "$f" ]; then
      if [[ "$f" =~ ^[0-9a-f]{8}\.r?[0-9]+$ ]]; then echo "$f -> $(readlink "$f")"
      else
        t=$(readlink "$f")
        rp=$(cd "$r" && pwd -P)
        case "$t" in
          "$rp"/* | [!/]*) echo "$f => $(readlink -f "$f" | sed "s|^$rp||")" ;;
          *) echo "$f => $t" ;;   # absolute inside the root, as a chroot sees it
        esac
      fi
    elif [ -f "$f" ]; then echo "$f [file $(sha256sum <"$f" | cut -c1-16)]"
    else echo "$f [other]"; fi
  done)
}

# A checksum of a whole tree: names, types, modes, link targets and contents.
# The run lock (which records its holder) is not part of any store.
tree_sum() {
  (cd "$1" && find . ! -path ./var/lib/trustform/lock -printf '%p %y %m %l\n' | LC_ALL=C sort &&
    find . -type f ! -path ./var/lib/trustform/lock -print0 | LC_ALL=C sort -z |
    xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}

# free_port: a TCP port on 127.0.0.1 that was free a moment ago
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_tls_server CERT_BASE PORT: openssl s_server on 127.0.0.1, stops by itself
start_tls_server() {
  local base=$1 port=$2 i
  timeout 120 openssl s_server -accept "127.0.0.1:$port" -cert "$base.pem" -key "$base.key" \
    -www -quiet >/dev/null 2>&1 &
  _bg_pids+=($!)
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "s_server did not start on $port" >&2; return 1
}


# --- runtimes (issue 4) -----------------------------------------------------

# mk_certifi_venv DIR: a venv carrying a real certifi (scripts/mk-certifi-venv.sh)
mk_certifi_venv() { "$SRC_DIR/scripts/mk-certifi-venv.sh" "$1"; }

# run_clean CMD...: run a client with a clean environment, so that variables of
# the machine (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, ...) do
# not decide what it trusts; extra "K=V" words may precede the command.
run_clean() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T" LANG=C.UTF-8 "$@"; }

# --- git repositories (configuration from git) --------------------------------

# git_sandbox: a private $HOME with a git identity, and no system git config
git_sandbox() {
  export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home
  mkdir -p "$HOME"
  git config --global user.name "Trust Admin"
  git config --global user.email admin@example.org
  git config --global init.defaultBranch main
}

# git_push WORK MESSAGE: commit everything in the clone WORK and push it
git_push() {
  (cd "$1" && git add -A && git commit -q -m "$2" && git push -q origin HEAD 2>/dev/null)
}

# mk_git_config BARE WORK: a bare repository and its clone holding trust.yaml
# (CA "corp" from cas/corp.pem, pinned; store system; host h), pushed to main
mk_git_config() {
  local bare=$1 work=$2
  git init -q --bare "$bare"
  git clone -q "$bare" "$work" 2>/dev/null
  mkdir -p "$work/cas"
  mk_ca "$work/cas/corp" "/CN=Git Corp Root"
  rm -f "$work/cas/corp.key"
  cat >"$work/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem, sha256: "$(fingerprint "$work/cas/corp.pem")" }
stores:
  system: { type: system }
roles:
  node: { cas: [corp], stores: [system] }
hosts:
  h: [node]
YAML
  git_push "$work" "trust.yaml"
}

# break_store ROOT: the Debian store of ROOT can no longer be read (a symlink
# loop at /etc/ssl/certs): for tests of how one failing store is reported
break_store() {
  rm -rf "$1/etc/ssl/certs"
  ln -s certs.loop "$1/etc/ssl/certs"
  ln -s certs "$1/etc/ssl/certs.loop"
}

# --- Caddy (Debian's package), run as a child in the sandbox -----------------

# caddy_sandbox ROOT: Caddy's data and config inside ROOT as Debian's package
# lays them out (/var/lib/caddy/.local/share/caddy, /etc/caddy/Caddyfile);
# picks the admin and HTTPS ports. Sets CADDY_ADMIN, CADDY_HTTPS, CADDY_FILE,
# CADDY_DATA, and CADDY_START/CADDY_STOP (the commands trustform is given).
caddy_sandbox() {
  local r=$1
  export XDG_DATA_HOME=$r/var/lib/caddy/.local/share XDG_CONFIG_HOME=$r/var/lib/caddy/.config
  export HOME=$T/home
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$HOME" "$r/etc/caddy"
  CADDY_DATA=$XDG_DATA_HOME/caddy
  CADDY_FILE=$r/etc/caddy/Caddyfile
  CADDY_ADMIN=$(free_port); CADDY_HTTPS=$(free_port)
  while [ "$CADDY_HTTPS" = "$CADDY_ADMIN" ]; do CADDY_HTTPS=$(free_port); done
  CADDY_START="caddy start --config $CADDY_FILE --adapter caddyfile --pidfile $T/caddy.pid >>$T/caddy.log 2>&1"
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
# and wait until it serves its site.
caddy_up() {
  local i
  sh -c "$CADDY_START" || { cat "$T/caddy.log" >&2; return 1; }
  caddy_watchdog
  for i in $(seq 1 200); do
    [ -s "$CADDY_DATA/certificates/local/localhost/localhost.crt" ] &&
      (exec 3<>"/dev/tcp/127.0.0.1/$CADDY_HTTPS") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "caddy did not come up" >&2; cat "$T/caddy.log" >&2; return 1
}

caddy_down() { sh -c "$CADDY_STOP" || true; }

# Safety net: whatever Caddy the pid file names is stopped after 15 minutes.
caddy_watchdog() {
  (trap 'kill $s 2>/dev/null; exit 0' TERM; sleep 900 & s=$!; wait $s
   [ -s "$T/caddy.pid" ] && kill "$(cat "$T/caddy.pid")" 2>/dev/null) &
  _bg_pids+=($!)
}

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

# --- NSS databases (nss store) ----------------------------------------------

# mk_user ROOT NAME UID: a user of the sandbox (etc/passwd, etc/group, a home
# owned by UID). The id need not exist on the host. $T is opened to others so
# that trustform's child, running as UID, can reach the sandbox.
mk_user() {
  local r=$1 name=$2 uid=$3
  chmod 755 "$T"
  mkdir -p "$r/etc" "$r/home/$name"
  [ -s "$r/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
  [ -s "$r/etc/group" ] || printf 'root:x:0:\n' >"$r/etc/group"
  printf '%s:x:%s:%s:%s:/home/%s:/bin/sh\n' "$name" "$uid" "$uid" "$name" "$name" >>"$r/etc/passwd"
  printf '%s:x:%s:\n' "$name" "$uid" >>"$r/etc/group"
  chown "$uid:$uid" "$r/home/$name"
}

# certutil that never waits for a password on a terminal
nss_certutil() { certutil "$@" </dev/null; }

# mk_nssdb DIR [UID]: an empty NSS database as certutil -N makes it, owned by UID
mk_nssdb() {
  mkdir -p "$1"
  nss_certutil -N -d "sql:$1" --empty-password
  [ -z "${2:-}" ] || chown -R "$2:$2" "$1"
}

# nss_add DIR NICK TRUST PEM: what a user or another tool would put there
nss_add() { nss_certutil -A -d "sql:$1" -n "$2" -t "$3" -i "$4"; }

# nss_trust DIR NICK: the trust flags certutil -L shows for NICK ("" if absent)
nss_trust() {
  nss_certutil -L -d "sql:$1" | awk -v n="$2" '
    NR > 4 { name = substr($0, 1, 60); sub(/ +$/, "", name); t = substr($0, 62)
             gsub(/ /, "", t); if (name == n) print t }'
}

# mk_firefox_profile HOME NAME DIRNAME [UID]: a profiles.ini entry and its database
mk_firefox_profile() {
  local home=$1 name=$2 dir=$3 uid=${4:-}
  mkdir -p "$home/.mozilla/firefox"
  local n; n=$(grep -c '^\[Profile' "$home/.mozilla/firefox/profiles.ini" 2>/dev/null || true)
  printf '[Profile%s]\nName=%s\nIsRelative=1\nPath=%s\n\n' "${n:-0}" "$name" "$dir" \
    >>"$home/.mozilla/firefox/profiles.ini"
  mk_nssdb "$home/.mozilla/firefox/$dir"
  [ -z "$uid" ] || chown -R "$uid:$uid" "$home/.mozilla"
}

# wait_port PORT: until something listens on 127.0.0.1:PORT
wait_port() {
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2; return 1
}

# start_www_server CERT_BASE PORT DIR [LOG]: openssl s_server on 127.0.0.1 serving
# the files of DIR (-WWW, e.g. https://127.0.0.1:PORT/index.html); stops by itself.
# With LOG, it logs there: "FILE:index.html" for each page served, the alert a
# client sent for a certificate it refused.
start_www_server() {
  local base=$1 port=$2 dir=$3 log=${4:-} quiet=-quiet
  [ -z "$log" ] || quiet=
  (cd "$dir" && exec timeout 300 openssl s_server -accept "127.0.0.1:$port" -cert "$base.pem" \
    -key "$base.key" -WWW $quiet >"${log:-/dev/null}" 2>&1) &
  _bg_pids+=($!)
  wait_port "$port"
}

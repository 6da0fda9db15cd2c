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

# Shared helpers for trustform's end-to-end tests. Source it from a test:
#   . "$(dirname "$0")/../lib/common.sh"
# Every test works in its own temp directory ($T) and never touches the real /.
set -euo pipefail

: "${TRUSTFORM:?TRUSTFORM must point at the built trustform binary}"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC_DIR=$(cd "$TESTS_DIR/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/tf-test.XXXXXX")
_bg_pids=()
declare -A _bg_start=()
# _proc_start PID: the process's start time (in clock ticks since boot, field
# 22 of /proc/PID/stat), which with the pid names one process: pids are reused
# (pid_max is 32768 here, and a busy test run goes round it in minutes), so a
# pid alone may by now be another test's process.
_proc_start() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${20}"
}
_proc_ppid() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "$2"; }
# _ours PID: PID is still the process this test started: the one whose start
# time server_started recorded, or else a child of the test's shell.
_ours() {
  local p=$1 st
  st=$(_proc_start "$p") || return 1
  # (return with its status given: a bare return in the EXIT trap would give
  # the status the test exits with)
  if [ -n "${_bg_start[$p]:-}" ]; then [ "$st" = "${_bg_start[$p]}" ]; return $?; fi
  [ "$(_proc_ppid "$p")" = "$$" ]
}
# The mount points below DIR (a test host's overlay and its /dev, /proc), deepest first.
mounts_under() { awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r; }
cleanup() {
  local p m
  for p in "${_bg_pids[@]}"; do
    if _ours "$p"; then kill "$p" 2>/dev/null || true; fi
    wait "$p" 2>/dev/null || true
  done
  # Whatever a test mounted under $T goes first; if anything stays mounted,
  # $T is left alone: removing it would reach into what is mounted there.
  for m in $(mounts_under "$T"); do umount -l "$m" 2>/dev/null || true; done
  if [ -n "$(mounts_under "$T")" ]; then
    echo "cleanup: still mounted under $T, so it is not removed:" >&2; mounts_under "$T" >&2
  elif [ -z "${KEEP_TEST_DIR:-}" ]; then rm -rf --one-file-system "$T"
  else echo "kept $T" >&2; fi
}
trap cleanup EXIT
export NO_COLOR=1
unset TRUSTFORM_TEST_CRASH_AFTER_WRITES TRUSTFORM_NOW

tf() { "$TRUSTFORM" "$@"; }
# trustform under valgrind's memcheck: any invalid access or definite/indirect
# leak makes it exit 99 (the memcheck_* tests)
vg() { valgrind -q --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --trace-children=no "$TRUSTFORM" "$@"; }

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
# no_host_paths: the last command's messages name files by their in-root paths
# (README, Development), never by their paths under --root "$1"
no_host_paths() { ! grep -qF -- "$1/" "$T/.out" "$T/.err" || { echo "  (a message names a path under $1)" >&2; grep -hF -- "$1/" "$T/.out" "$T/.err" | sed 's/^/  msg: /' >&2; return 1; }; }
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

# mk_ca_dated OUT_BASE SUBJECT START END [ISSUER_BASE]: CA with explicit
# validity (YYYYMMDDHHMMSSZ); self-signed, or an intermediate (pathlen 0)
# signed by ISSUER_BASE.pem/.key
mk_ca_dated() {
  local base=$1 subj=$2 start=$3 end=$4 issuer=${5:-} d sign
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
basicConstraints = critical,CA:TRUE${issuer:+,pathlen:0}
keyUsage = critical,keyCertSign,cRLSign
CNF
  if [ -n "$issuer" ]; then sign=(-cert "$issuer.pem" -keyfile "$issuer.key")
  else sign=(-selfsign -keyfile "$base.key"); fi
  openssl ca -batch -config "$d/ca.cnf" "${sign[@]}" -in "$d/req.csr" \
    -startdate "$start" -enddate "$end" -out "$base.pem" -notext 2>/dev/null
}

fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }


# --- TLS servers on 127.0.0.1 ----------------------------------------------

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A server of a test runs for the rest of the test, however slow the machine:
# no lifetime of its own (a server that stops on a timer fails a slow test for
# no reason: curl's exit 7 where the test wanted a certificate verdict). It
# stops with the test: cleanup kills it, and a watchdog kills it as soon as
# the test's shell is gone, even when that shell was killed.

# server_started PID: PID is a server of this test (cleanup and watchdog).
server_started() {
  local pid=$1 test_pid=$$ st tst
  st=$(_proc_start "$pid") || st=gone
  tst=$(_proc_start "$test_pid")
  _bg_pids+=("$pid"); _bg_start[$pid]=$st
  # the watchdog checks both processes by pid AND start time: a pid that was
  # reused is not the server (or the test) any more
  ( trap - EXIT
    while [ "$(_proc_start "$test_pid")" = "$tst" ] && [ "$(_proc_start "$pid")" = "$st" ]; do sleep 1; done
    [ "$(_proc_start "$pid")" = "$st" ] && kill "$pid" 2>/dev/null ) >/dev/null 2>&1 </dev/null &
  _bg_pids+=($!)
}

# pollers_start FN HOST...: run `FN HOST` in the background for each HOST
# (a client loop writing one line per request into $T/poll-HOST.log, which
# starts empty); cleanup stops them. pollers_settle N: each has written N
# more lines since now (fails the test if one stopped). pollers_wait: wait
# for them to end.
declare -A poller
pollers_start() {
  local fn=$1 h
  shift
  _pollers=("$@")
  for h in "$@"; do
    : >"$T/poll-$h.log"
    "$fn" "$h" & poller[$h]=$!
    _bg_pids+=("${poller[$h]}"); _bg_start[${poller[$h]}]=$(_proc_start "${poller[$h]}" || echo gone)
  done
}
pollers_settle() {
  local h n
  for h in "${_pollers[@]}"; do
    n=$(wc -l <"$T/poll-$h.log")
    while [ "$(wc -l <"$T/poll-$h.log")" -lt $((n + $1)) ]; do
      kill -0 "${poller[$h]}" 2>/dev/null || { fail "the poller of $h stopped"; return; }
      sleep 0.1
    done
  done
}
pollers_wait() { local h; for h in "${_pollers[@]}"; do wait "${poller[$h]}" 2>/dev/null || true; done; }

# pidfile_watchdog PIDFILE: a daemon of this test that writes its pid to
# PIDFILE (Caddy's `caddy start`, restarted under new pids) is killed when the
# test's shell is gone.
pidfile_watchdog() {
  local f=$1 test_pid=$$ tst
  tst=$(_proc_start "$test_pid")
  # the pid in PIDFILE and its start time, taken while the test runs: at the
  # end only that process is killed, never one that reused its pid
  ( trap - EXIT; pid= st=
    while [ "$(_proc_start "$test_pid")" = "$tst" ]; do
      if [ -s "$f" ]; then
        # a new pid only (Caddy restarted): a pid file left behind by a
        # Caddy that exited names nobody, or by now another process
        p=$(cat "$f" 2>/dev/null) && [ "$p" != "$pid" ] && s=$(_proc_start "$p") && { pid=$p; st=$s; }
      fi
      sleep 1
    done
    [ -n "$pid" ] && [ "$(_proc_start "$pid")" = "$st" ] && kill "$pid" 2>/dev/null ) >/dev/null 2>&1 </dev/null &
  _bg_pids+=($!)
}

# caddy_started_alive PIDFILE LOG: the Caddy that `caddy start --pidfile
# PIDFILE >>LOG` launched is running. `caddy start` returns once its child
# confirms the start, which may be before the child has written PIDFILE;
# until then the pid is the one the launcher printed in LOG.
caddy_started_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || true
  [ -n "$pid" ] ||
    pid=$(sed -n 's/.*Successfully started Caddy (pid=\([0-9]*\)).*/\1/p' "$2" 2>/dev/null | tail -1)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# wait_accepting PORT PID [ADDR]: wait until ADDR:PORT (default 127.0.0.1)
# accepts a connection, as long as it takes the server PID to get there; fails
# at once, saying so, when PID exits first (a port taken meanwhile, a bad
# certificate). There is no time limit: on a loaded machine a server may need
# long to start, and the test's verdicts are about what it serves, not when.
wait_accepting() {
  local port=$1 pid=$2 addr=${3:-127.0.0.1} delay=0.02
  while :; do
    (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server (pid $pid) for $addr:$port exited before it accepted a connection" >&2
      return 1
    fi
    sleep "$delay"
    case $delay in 0.02) delay=0.05 ;; 0.05) delay=0.1 ;; esac
  done
}

# start_tls_server CERT_BASE PORT [ARGS...]: openssl s_server (-www) on
# 127.0.0.1:PORT with CERT_BASE.pem and .key (and ARGS), accepting when this
# returns; it stops with the test. Sets SERVER_PID.
start_tls_server() {
  local base=$1 port=$2; shift 2
  openssl s_server -accept "127.0.0.1:$port" -cert "$base.pem" -key "$base.key" "$@" \
    -www -quiet >/dev/null 2>&1 </dev/null &
  SERVER_PID=$!
  server_started "$SERVER_PID"
  wait_accepting "$port" "$SERVER_PID"
}

# start_www_server CERT_BASE PORT DIR [LOG]: openssl s_server on 127.0.0.1 serving
# the files of DIR (-WWW, e.g. https://127.0.0.1:PORT/index.html); it stops with
# the test. With LOG, it logs there: "FILE:index.html" for each page served,
# the alert a client sent for a certificate it refused. Sets SERVER_PID.
start_www_server() {
  local base=$1 port=$2 dir=$3 log=${4:-} quiet=-quiet
  [ -z "$log" ] || quiet=
  (cd "$dir" && exec openssl s_server -accept "127.0.0.1:$port" -cert "$base.pem" \
    -key "$base.key" -WWW $quiet >"${log:-/dev/null}" 2>&1 </dev/null) &
  SERVER_PID=$!
  server_started "$SERVER_PID"
  wait_accepting "$port" "$SERVER_PID"
}

# --- the store families' helpers ---------------------------------------------
for _lib in system files git caddy nss; do
  . "$TESTS_DIR/lib/$_lib.sh"
done
unset _lib

# Helpers of the runtime client proofs (tests/e2e/runtime_clients_*.sh):
# source after common.sh. The clients run with exactly the environment a
# store gives them: a systemd-env unit's (tests/lib/unit_env.py) or a login
# shell's (/etc/profile.d/trustform.sh), nothing of the test's own.

# Peers built or fetched at test time are cached outside the source tree.
PEER_CACHE=${TRUSTFORM_PEER_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/trustform-tests}

# start_https_files CERT_BASE DIR: Python's http.server over TLS on 127.0.0.1
# serving the files of DIR (a directory URL serves its index.html); stops
# with the test. Sets HTTPS_PORT.
start_https_files() {
  local base=$1 dir=$2
  HTTPS_PORT=$(free_port)
  (cd "$dir" && exec /usr/bin/python3 -c '
import http.server, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2] + ".pem", sys.argv[2] + ".key")
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Quiet)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()' "$HTTPS_PORT" "$base" </dev/null >/dev/null 2>&1) &
  server_started $!
  wait_accepting "$HTTPS_PORT" $!
}

# in_root_paths ROOT: NAME=value lines on stdin with the root's trustform
# paths made host paths (the tree's copy of an environment is read).
in_root_paths() { sed "s|=/etc/trustform/|=$1/etc/trustform/|"; }

# unit_env_file ROOT UNIT OUT: the environment systemd gives UNIT's service.
unit_env_file() {
  /usr/bin/python3 "$TESTS_DIR/lib/unit_env.py" "$1" "$2" --print | in_root_paths "$1" >"$3"
}

# shell_env_file ROOT OUT VAR...: what a login shell gets of VARs from
# ROOT's /etc/profile.d/trustform.sh.
shell_env_file() {
  local r=$1 out=$2; shift 2
  local re; re=$(IFS='|'; echo "$*")
  env -i bash -c ". '$r/etc/profile.d/trustform.sh' 2>/dev/null; env" |
    { grep -E "^($re)=" || true; } | in_root_paths "$r" >"$out"
}

# run_env ENVFILE CMD...: CMD with PATH, HOME=$T/home and ENVFILE's variables only.
run_env() {
  local f=$1; shift
  mkdir -p "$T/home"
  env -i PATH=/usr/bin:/bin HOME="$T/home" $(cat "$f") "$@"
}

# with_system_certs DIR CMD...: CMD in a private mount namespace where DIR is
# mounted over /etc/ssl/certs: the client reads the test tree's system store
# at the path it reads in production. Nothing outside the namespace changes.
with_system_certs() {
  local d=$1; shift
  unshare --mount --propagation private -- sh -c 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' \
    sh "$d" "$@"
}

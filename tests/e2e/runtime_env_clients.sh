#!/usr/bin/env bash
# The variables of the env stores, proven by the clients that read them: curl
# (CURL_CA_BUNDLE) and git (GIT_SSL_CAINFO, `git ls-remote` over HTTPS) against
# an HTTPS server on 127.0.0.1 serving a bare repository. Each runs with
# exactly the environment trustform's store gives it: a systemd-env unit's
# (its unit file and drop-ins, tests/lib/unit_env.py) and a login shell's
# (`env -i bash -c '. /etc/profile.d/trustform.sh'`). Each refuses before
# apply and connects after; the plan says that both variables replace their
# client's roots with a bundle of the store's CAs only.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_leaf "$T/leaf" "$C/cas/corp"
U=$R/usr/lib/systemd/system; mkdir -p "$U"
printf '[Service]\nExecStart=/usr/local/bin/fetch-sources\n' >"$U/fetcher.service"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  fetcher: { type: systemd-env, unit: fetcher.service, env: [CURL_CA_BUNDLE, GIT_SSL_CAINFO] }
  shell: { type: shell-env, env: [CURL_CA_BUNDLE, GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS] }
roles:
  build: { cas: [corp, lab], stores: [fetcher, shell] }
hosts:
  h: [build]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)

# A bare repository served over HTTPS (git's dumb protocol: plain files).
W=$T/www; mkdir -p "$W"
git init -q "$T/src"
git -C "$T/src" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m one
git clone -q --bare "$T/src" "$W/repo.git"
git -C "$W/repo.git" update-server-info
echo hello >"$W/index.html"
port=$(free_port)
(cd "$W" && exec /usr/bin/python3 -c '
import http.server, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2] + ".pem", sys.argv[2] + ".key")
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Quiet)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()' "$port" "$T/leaf" </dev/null >/dev/null 2>&1) &
SERVER_PID=$!
server_started "$SERVER_PID"
wait_accepting "$port" "$SERVER_PID"

# The clients, with no other trust than the environment given: the bundle
# paths are in-root, so the tree's copy of an environment is read.
clients_env() { # clients_env FILE: NAME=value lines, in-root paths made host paths
  sed "s|=/etc/trustform/|=$R/etc/trustform/|" "$1"
}
curl_in() { env -i PATH=/usr/bin:/bin $(cat "$1") curl -sS --max-time 10 -o /dev/null "https://127.0.0.1:$port/index.html" 2>"$T/curl.err"; }
git_in() { env -i PATH=/usr/bin:/bin HOME="$T" $(cat "$1") git ls-remote "https://127.0.0.1:$port/repo.git" >"$T/git.out" 2>"$T/git.err"; }
# Refused for the certificate (curl's 60), not for anything else.
curl_refused() { local rc=0; curl_in "$1" || rc=$?; [ "$rc" = 60 ]; }
git_refused() { ! git_in "$1" && grep -qi "certificate" "$T/git.err"; }
unit_env() { /usr/bin/python3 "$TESTS_DIR/lib/unit_env.py" "$R" fetcher.service --print | clients_env /dev/stdin >"$T/unit.env"; }
# A login shell's environment: what /etc/profile.d/trustform.sh exports.
shell_env() {
  env -i bash -c ". '$R/etc/profile.d/trustform.sh' 2>/dev/null; env" |
    { grep -E '^(CURL_CA_BUNDLE|GIT_SSL_CAINFO)=' || true; } | clients_env /dev/stdin >"$T/shell.env"
}

unit_env; shell_env
check "unit: curl refused before apply" curl_refused "$T/unit.env"
check "unit: git refused before apply" git_refused "$T/unit.env"
check "shell: curl refused before apply" curl_refused "$T/shell.env"
check "shell: git refused before apply" git_refused "$T/shell.env"

expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: CURL_CA_BUNDLE replaces curl's roots" out_has \
  "CURL_CA_BUNDLE replaces the roots of curl: /etc/trustform/bundles/fetcher.pem holds the 2 CAs of this store and not the system set"
check "plan: GIT_SSL_CAINFO replaces git's roots" out_has \
  "GIT_SSL_CAINFO replaces the roots of git: /etc/trustform/bundles/shell.pem holds the 2 CAs"
check "plan: NODE_EXTRA_CA_CERTS adds" out_has \
  "NODE_EXTRA_CA_CERTS adds /etc/trustform/bundles/shell.pem to the roots of Node.js and Bun"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode
check "clean plan still says it" out_has \
  "CURL_CA_BUNDLE replaces the roots of curl: /etc/trustform/bundles/fetcher.pem holds the 2 CAs"

unit_env; shell_env
check "unit env: CURL_CA_BUNDLE" grep -qx "CURL_CA_BUNDLE=$R/etc/trustform/bundles/fetcher.pem" "$T/unit.env"
check "shell env: GIT_SSL_CAINFO" grep -qx "GIT_SSL_CAINFO=$R/etc/trustform/bundles/shell.pem" "$T/shell.env"
check "unit: curl connects after apply" curl_in "$T/unit.env"
check "unit: git ls-remote after apply" git_in "$T/unit.env"
check "  lists the repository's branch" grep -q "refs/heads/" "$T/git.out"
check "shell: curl connects after apply" curl_in "$T/shell.env"
check "shell: git ls-remote after apply" git_in "$T/shell.env"

# Certificates kept in the bundle beside trustform's blocks (the system set
# someone put there) are counted: the plan says the bundle holds them.
{ cat /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt; cat "$R/etc/trustform/bundles/fetcher.pem"; } >"$T/b"
cat "$T/b" >"$R/etc/trustform/bundles/fetcher.pem"
expect_rc 0 "a foreign certificate is kept" tf plan "${args[@]}" --detailed-exitcode
check "  and counted" out_has \
  "fetcher.pem holds the 2 CAs of this store and 1 other certificate kept in it (trustform does not refresh those)"

# A misspelt name of the table: "did you mean", at its line and column.
sed -i 's/NODE_EXTRA_CA_CERTS\]/DENO_TLS_CA_STOR]/' "$C/trust.yaml"
expect_rc 1 "misspelt variable" tf validate -c "$C/trust.yaml"
check "  did you mean" err_has 'trust.yaml:7:67: error: store "shell": unknown variable "DENO_TLS_CA_STOR" in env; did you mean "DENO_TLS_CA_STORE"?'
done_testing

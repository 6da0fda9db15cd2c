#!/usr/bin/env bash
# The variables of the env stores, proven by the clients that read them: curl
# (CURL_CA_BUNDLE) and git (GIT_SSL_CAINFO, `git ls-remote` over HTTPS) against
# an HTTPS server on 127.0.0.1 serving a bare repository. Each runs with
# exactly the environment trustform's store gives it: a systemd-env unit's
# (its unit file and drop-ins, tests/lib/unit_env.py) and a login shell's
# (`env -i bash -c '. /etc/profile.d/trustform.sh'`). Each refuses before
# apply and connects after; the plan says that both variables replace their
# client's bundle file (the hashed directory /etc/ssl/certs is still read), and with what: the store's CAs, and with system_set the
# system set copied in before them (a server of the system set's CA is
# reached; after the system set loses that CA, apply copies it again). The
# system store alone reaches both as well (no variable: the system bundle).
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS_DIR/lib/clients.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_leaf "$T/leaf" "$C/cas/corp"
# The tree's system set: one public root and a CA only it holds.
mk_ca "$T/pub" "/CN=Public Root"
mk_leaf "$T/pub-leaf" "$T/pub"
cat /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt "$T/pub.pem" >"$R/etc/ssl/certs/ca-certificates.crt"
U=$R/usr/lib/systemd/system; mkdir -p "$U"
printf '[Service]\nExecStart=/usr/local/bin/fetch-sources\n' >"$U/fetcher.service"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  fetcher: { type: systemd-env, unit: fetcher.service, env: [CURL_CA_BUNDLE, GIT_SSL_CAINFO],
             system_set: /etc/ssl/certs/ca-certificates.crt }
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
# A "public" server: its CA is in the system set only.
pport=$(free_port); start_tls_server "$T/pub-leaf" "$pport"

# The clients, with no other trust than the environment given: the bundle
# paths are in-root, so the tree's copy of an environment is read.
clients_env() { # clients_env FILE: NAME=value lines, in-root paths made host paths
  sed "s|=/etc/trustform/|=$R/etc/trustform/|" "$1"
}
curl_in() { # curl_in ENVFILE [PORT]
  env -i PATH=/usr/bin:/bin $(cat "$1") curl -sS --max-time 10 -o /dev/null "https://127.0.0.1:${2:-$port}/index.html" 2>"$T/curl.err"
}
git_in() { env -i PATH=/usr/bin:/bin HOME="$T" $(cat "$1") git ls-remote "https://127.0.0.1:$port/repo.git" >"$T/git.out" 2>"$T/git.err"; }
# Refused for the certificate (curl's 60), not for anything else.
curl_refused() { local rc=0; curl_in "$@" || rc=$?; [ "$rc" = 60 ]; }
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
check "plan: CURL_CA_BUNDLE replaces curl's roots, with the system set" out_has \
  "CURL_CA_BUNDLE replaces the bundle file of curl: /etc/trustform/bundles/fetcher.pem holds the system set of /etc/ssl/certs/ca-certificates.crt (2 certificates) and the 2 CAs of this store"
check "plan: the system set copied in" out_has \
  "/etc/trustform/bundles/fetcher.pem: the system set of /etc/ssl/certs/ca-certificates.crt (2 certificates) will be copied in before the store's CAs"
check "plan: GIT_SSL_CAINFO replaces git's roots" out_has \
  "GIT_SSL_CAINFO replaces the bundle file of git: /etc/trustform/bundles/shell.pem holds the 2 CAs of this store and not the system set (set \`system_set:\` to add it); they still read the hashed directory of the system store (/etc/ssl/certs)"
check "plan: NODE_EXTRA_CA_CERTS adds" out_has \
  "NODE_EXTRA_CA_CERTS adds /etc/trustform/bundles/shell.pem to the roots of Node.js and Bun"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode
check "clean plan still says it" out_has \
  "CURL_CA_BUNDLE replaces the bundle file of curl: /etc/trustform/bundles/fetcher.pem holds the system set"
check "the bundle starts with the system set" cmp -n "$(stat -c %s "$R/etc/ssl/certs/ca-certificates.crt")" \
  "$R/etc/ssl/certs/ca-certificates.crt" "$R/etc/trustform/bundles/fetcher.pem"

unit_env; shell_env
check "unit env: CURL_CA_BUNDLE" grep -qx "CURL_CA_BUNDLE=$R/etc/trustform/bundles/fetcher.pem" "$T/unit.env"
check "shell env: GIT_SSL_CAINFO" grep -qx "GIT_SSL_CAINFO=$R/etc/trustform/bundles/shell.pem" "$T/shell.env"
check "unit: curl connects after apply" curl_in "$T/unit.env"
check "unit: git ls-remote after apply" git_in "$T/unit.env"
check "  lists the repository's branch" grep -q "refs/heads/" "$T/git.out"
check "shell: curl connects after apply" curl_in "$T/shell.env"
check "shell: git ls-remote after apply" git_in "$T/shell.env"

# The system set reaches the client that the variable took it from: the
# unit's curl reaches the "public" server; the shell's (no system_set) does not.
check "unit: curl reaches the system set's server" curl_in "$T/unit.env" "$pport"
check "shell: curl refuses it (no system set)" curl_refused "$T/shell.env" "$pport"
# CURL_CA_BUNDLE takes the place of the system bundle file only: curl (and
# git, through libcurl) still read the hashed directory /etc/ssl/certs. With
# the public CA linked there (a private mount namespace), the shell's curl
# reaches its server.
D=$T/hashed; mkdir -p "$D"; cp "$T/pub.pem" "$D/pub.pem"
ln -s pub.pem "$D/$(openssl x509 -hash -noout -in "$T/pub.pem").0"
check "shell: curl reads the hashed directory beside CURL_CA_BUNDLE" with_system_certs "$D" \
  env -i PATH=/usr/bin:/bin $(cat "$T/shell.env") curl -sS --max-time 10 -o /dev/null "https://127.0.0.1:$pport/"
# The system set changes (its CA removed): the bundle is copied again.
cp /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt "$R/etc/ssl/certs/ca-certificates.crt"
expect_rc 2 "a changed system set is drift" tf plan "${args[@]}" --detailed-exitcode
check "  copied in again" out_has "the system set of /etc/ssl/certs/ca-certificates.crt (1 certificates) will be copied in"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "clean" tf plan "${args[@]}" --detailed-exitcode
check "unit: curl now refuses that server" curl_refused "$T/unit.env" "$pport"
check "unit: and still reaches trustform's CA" curl_in "$T/unit.env"
rm "$R/etc/ssl/certs/ca-certificates.crt"
expect_rc 1 "a missing system set is an error" tf plan "${args[@]}" --detailed-exitcode
check "  naming the option and the fix" err_has "the system set /etc/ssl/certs/ca-certificates.crt does not exist; install ca-certificates"
cp /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt "$R/etc/ssl/certs/ca-certificates.crt"

# Certificates kept in the bundle beside trustform's blocks (without
# system_set) are counted: the plan says the bundle holds them.
{ cat "$T/pub.pem"; cat "$R/etc/trustform/bundles/shell.pem"; } >"$T/b"
cat "$T/b" >"$R/etc/trustform/bundles/shell.pem"
expect_rc 0 "a foreign certificate is kept" tf plan "${args[@]}" --detailed-exitcode
check "  and counted" out_has \
  "shell.pem holds the 2 CAs of this store and 1 other certificate kept in it (trustform does not refresh those)"

# A system store in the same run: apply writes it first, so an env store
# that sorts before it copies the system set as the run leaves it (no second
# apply needed).
R2=$T/root2; mk_root "$R2"; mkdir -p "$R2/usr/lib/systemd/system"
cp "$U/fetcher.service" "$R2/usr/lib/systemd/system/"
cat >"$C/two.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
  app: { type: systemd-env, unit: fetcher.service, env: [CURL_CA_BUNDLE],
         system_set: /etc/ssl/certs/ca-certificates.crt }
roles:
  build: { cas: [corp], stores: [system, app] }
hosts:
  h: [build]
YAML
# The system store alone reaches curl and git (no variable): each reads the
# system bundle at its real path, here the tree's /etc/ssl/certs mounted
# there in a private namespace; refused before apply, connects after.
cp "$R/etc/ssl/certs/ca-certificates.crt" "$R2/etc/ssl/certs/"
sys_curl() {
  with_system_certs "$R2/etc/ssl/certs" env -i PATH=/usr/bin:/bin \
    curl -sS --max-time 10 -o /dev/null "https://127.0.0.1:$port/index.html" 2>"$T/curl.err"
}
sys_git() {
  with_system_certs "$R2/etc/ssl/certs" env -i PATH=/usr/bin:/bin HOME="$T" \
    git ls-remote "https://127.0.0.1:$port/repo.git" >"$T/git.out" 2>"$T/git.err"
}
check "system store: curl (no variable) refused before apply" eval 'rc=0; sys_curl || rc=$?; [ "$rc" = 60 ]'
check "system store: git (no variable) refused before apply" eval '! sys_git && grep -qi certificate "$T/git.err"'
expect_rc 0 "system store and system_set: apply" tf apply -c "$C/two.yaml" --root "$R2" --host h --auto-approve
expect_rc 0 "  the next plan is clean" tf plan -c "$C/two.yaml" --root "$R2" --host h --detailed-exitcode
check "  the bundle starts with the system bundle apply wrote" cmp -n \
  "$(stat -c %s "$R2/etc/ssl/certs/ca-certificates.crt")" "$R2/etc/ssl/certs/ca-certificates.crt" \
  "$R2/etc/trustform/bundles/app.pem"
check "  which holds corp" grep -qF "$(sed -n 2p "$C/cas/corp.pem")" "$R2/etc/ssl/certs/ca-certificates.crt"
check "system store: curl connects after apply" sys_curl
check "system store: git ls-remote after apply" eval 'sys_git && grep -q refs/heads/ "$T/git.out"'

# A misspelt name of the table: "did you mean", at its line and column.
sed -i 's/NODE_EXTRA_CA_CERTS\]/DENO_TLS_CA_STOR]/' "$C/trust.yaml"
expect_rc 1 "misspelt variable" tf validate -c "$C/trust.yaml"
check "  did you mean" err_has 'trust.yaml:8:67: error: store "shell": unknown variable "DENO_TLS_CA_STOR" in env; did you mean "DENO_TLS_CA_STORE"?'
done_testing

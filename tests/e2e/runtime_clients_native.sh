#!/usr/bin/env bash
# The env stores' variables proven by the clients Debian ships, each as it
# runs in production: a Go program (tests/clients/httpsget.go, built with
# Debian's golang-go; SSL_CERT_FILE), Ruby's net/http (SSL_CERT_FILE), pip
# (`python3 -m pip download` from an HTTPS simple index; PIP_CERT), requests
# (REQUESTS_CA_BUNDLE) and botocore (an S3 ListBuckets against a stub
# endpoint; AWS_CA_BUNDLE) and npm (`npm view` from an HTTPS registry stub;
# NODE_EXTRA_CA_CERTS), all against an HTTPS server on 127.0.0.1. Each
# runs with exactly the environment of a systemd-env unit and of a login
# shell (shell-env); each refuses before apply and connects after.
# The variables that "replace" the roots, as the clients really read them:
# requests, pip and botocore trust the bundle and nothing else; Go and Ruby
# (OpenSSL) take SSL_CERT_FILE instead of the system bundle FILE but still
# read the hashed directory /etc/ssl/certs (SSL_CERT_DIR when set), proven in
# a mount namespace where that directory holds a CA the bundle does not.
# Go reads its roots once per process: one started before apply keeps
# refusing a CA that apply added; one started after connects.
# npm honours NODE_EXTRA_CA_CERTS only while no npmrc sets `cafile` or `ca`
# (npm then hands Node its own roots, which replace Node's and the extra
# ones): proven with an npmrc that sets one.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS_DIR/lib/clients.sh"

for c in go:golang-go ruby:ruby "npm:npm (Debian's nodejs; NodeSource's ships it)"; do
  command -v "${c%%:*}" >/dev/null ||
    { fail "${c%%:*} is not installed: apt-get install ${c#*:} (scripts/deps.txt)"; done_testing; exit 1; }
done
/usr/bin/python3 -c 'import botocore, requests' 2>/dev/null ||
  { fail "python3-botocore or python3-requests is not installed (scripts/deps.txt)"; done_testing; exit 1; }

# The Go client, built once per source into the cache (outside the tree).
gosum=$(sha256sum "$TESTS_DIR/clients/httpsget.go" | cut -c1-16)
GOCLIENT=$PEER_CACHE/go/httpsget-$gosum
if [ ! -x "$GOCLIENT" ]; then
  mkdir -p "$PEER_CACHE/go" "$T/home"
  (cd "$TESTS_DIR/clients" && env HOME="$T/home" GOCACHE="$PEER_CACHE/go/build" GOPATH="$PEER_CACHE/go/path" \
    GO111MODULE=off CGO_ENABLED=0 go build -o "$GOCLIENT.$$" httpsget.go) &&
    mv "$GOCLIENT.$$" "$GOCLIENT" || { fail "go build of tests/clients/httpsget.go failed"; done_testing; exit 1; }
fi
echo "peers: $(go version); $(ruby --version); pip $(/usr/bin/python3 -m pip --version | cut -d' ' -f2);" \
  "requests $(/usr/bin/python3 -c 'import requests; print(requests.__version__)');" \
  "botocore $(/usr/bin/python3 -c 'import botocore; print(botocore.__version__)'); npm $(npm --version); node $(node --version)"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$C/cas/corp"
mk_ca "$T/pub" "/CN=Public Root"
mk_leaf "$T/pub-leaf" "$T/pub"
cat /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt "$T/pub.pem" >"$R/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$R/usr/lib/systemd/system"
printf '[Service]\nExecStart=/usr/local/bin/app\n' >"$R/usr/lib/systemd/system/app.service"
VARS="SSL_CERT_FILE, PIP_CERT, REQUESTS_CA_BUNDLE, AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS"
cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  app: { type: systemd-env, unit: app.service, env: [$VARS],
         system_set: /etc/ssl/certs/ca-certificates.crt }
  shell: { type: shell-env, env: [$VARS] }
roles:
  r: { cas: [corp], stores: [app, shell] }
hosts:
  h: [r]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)

# What the server holds: a page, a simple index with one wheel, an S3 answer.
W=$T/www; mkdir -p "$W/simple/tinypkg" "$W/files" "$W/s3"
echo hello >"$W/index.html"
/usr/bin/python3 - "$W/files/tinypkg-0.1-py3-none-any.whl" <<'PY'
import sys, zipfile
meta = "Metadata-Version: 2.1\nName: tinypkg\nVersion: 0.1\n"
wheel = "Wheel-Version: 1.0\nGenerator: trustform-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("tinypkg/__init__.py", "")
    z.writestr("tinypkg-0.1.dist-info/METADATA", meta)
    z.writestr("tinypkg-0.1.dist-info/WHEEL", wheel)
    z.writestr("tinypkg-0.1.dist-info/RECORD", "")
PY
echo '<a href="../../files/tinypkg-0.1-py3-none-any.whl">tinypkg-0.1-py3-none-any.whl</a>' >"$W/simple/tinypkg/index.html"
cat >"$W/s3/index.html" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID><DisplayName>o</DisplayName></Owner><Buckets><Bucket><Name>trustform-proof</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>
XML
start_https_files "$T/leaf" "$W"; port=$HTTPS_PORT
U=https://127.0.0.1:$port
# The registry stub: the packument of one package.
printf '{"name":"tinypkg","dist-tags":{"latest":"0.1.0"},"versions":{"0.1.0":{"name":"tinypkg","version":"0.1.0","dist":{"tarball":"%s/tinypkg-0.1.0.tgz"}}}}\n' "$U" >"$W/tinypkg"
pport=$(free_port); start_tls_server "$T/pub-leaf" "$pport"   # a server of the system set's CA

# The clients: each exits 0 when it got the answer, non-zero when refused.
go_get() { run_env "$1" "$GOCLIENT" "${2:-$U/index.html}" >"$T/c.out" 2>"$T/c.err"; }
ruby_get() {
  run_env "$1" ruby -rnet/http -e 'r = Net::HTTP.get_response(URI(ARGV[0])); exit(r.code == "200")' \
    "${2:-$U/index.html}" >"$T/c.out" 2>"$T/c.err"
}
pip_get() {
  rm -rf "$T/dl"
  run_env "$1" env PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 /usr/bin/python3 -m pip \
    download --no-deps --no-cache-dir --retries 0 --timeout 20 -d "$T/dl" --index-url "$U/simple/" tinypkg \
    >"$T/c.err" 2>&1 && [ -f "$T/dl/tinypkg-0.1-py3-none-any.whl" ]
}
requests_get() {
  run_env "$1" /usr/bin/python3 -c 'import requests, sys; requests.get(sys.argv[1], timeout=20).raise_for_status()' \
    "${2:-$U/index.html}" >"$T/c.out" 2>"$T/c.err"
}
s3_list() {
  run_env "$1" /usr/bin/python3 -c '
import sys, botocore.session, botocore.config
c = botocore.session.get_session().create_client("s3", region_name="us-east-1", endpoint_url=sys.argv[1],
    aws_access_key_id="k", aws_secret_access_key="s",
    config=botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
print(" ".join(b["Name"] for b in c.list_buckets()["Buckets"]))' "$U/s3/" >"$T/c.out" 2>"$T/c.err" &&
    grep -qx trustform-proof "$T/c.out"
}
# npm with no npmrc of the machine's (NPMRC: one of the test's).
: >"$T/npmrc-empty"; : >"$T/npmrc-global"
npm_view() { # a fresh cache each time: npm answers from its cache without asking
  rm -rf "$T/npm-cache"
  run_env "$1" env npm_config_userconfig="$T/npmrc-empty" npm_config_globalconfig="${NPMRC:-$T/npmrc-global}" \
    npm_config_cache="$T/npm-cache" npm_config_update_notifier=false npm_config_fetch_retries=0 \
    npm view tinypkg version --registry "$U/" >"$T/c.out" 2>"$T/c.err" && grep -qx 0.1.0 "$T/c.out"
}
# Refused for the certificate, each in its own words (pip prints it on stdout,
# so pip_get writes both to c.err).
refused() { # refused CLIENT ENVFILE [URL]
  local c=$1; shift
  ! "$c" "$@" && grep -qiE "x509: certificate signed by unknown authority|certificate verify failed|CERTIFICATE_VERIFY_FAILED|unable to verify the first certificate" "$T/c.err" ||
    { echo "  ($c with $(cat "$1"): not refused for the certificate)" >&2; sed 's/^/  err: /' "$T/c.err" >&2; return 1; }
}
connects() { "$@" || { echo "  ($1 with $(cat "$2") failed)" >&2; sed 's/^/  err: /' "$T/c.err" >&2; return 1; }; }
envs() {
  unit_env_file "$R" app.service "$T/unit.env"
  shell_env_file "$R" "$T/shell.env" SSL_CERT_FILE PIP_CERT REQUESTS_CA_BUNDLE AWS_CA_BUNDLE NODE_EXTRA_CA_CERTS
}
CLIENTS="go_get ruby_get pip_get requests_get s3_list npm_view"

envs
for c in $CLIENTS; do
  check "unit: $c refused before apply" refused $c "$T/unit.env"
  check "shell: $c refused before apply" refused $c "$T/shell.env"
done

expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: SSL_CERT_FILE, with the system set" out_has \
  "SSL_CERT_FILE replaces the bundle file of OpenSSL, Python ssl, Ruby, Go, .NET: /etc/trustform/bundles/app.pem holds the system set of /etc/ssl/certs/ca-certificates.crt (2 certificates) and the 1 CA of this store"
check "plan: PIP_CERT replaces pip's roots" out_has \
  "PIP_CERT replaces the roots of pip: /etc/trustform/bundles/shell.pem holds the 1 CA of this store and not the system set, so public servers are refused (set \`system_set:\` to add it)"
check "plan: the hashed directory is still read" out_has \
  "SSL_CERT_FILE replaces the bundle file of OpenSSL, Python ssl, Ruby, Go, .NET: /etc/trustform/bundles/shell.pem holds the 1 CA of this store and not the system set (set \`system_set:\` to add it); they still read the hashed directory of the system store (/etc/ssl/certs), so the CAs linked there stay trusted"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode

envs
check "unit env: SSL_CERT_FILE" grep -qx "SSL_CERT_FILE=$R/etc/trustform/bundles/app.pem" "$T/unit.env"
check "shell env: AWS_CA_BUNDLE" grep -qx "AWS_CA_BUNDLE=$R/etc/trustform/bundles/shell.pem" "$T/shell.env"
for c in $CLIENTS; do
  check "unit: $c connects after apply" connects $c "$T/unit.env"
  check "shell: $c connects after apply" connects $c "$T/shell.env"
done
check "pip fetched the wheel" test -s "$T/dl/tinypkg-0.1-py3-none-any.whl"
# An npmrc with `cafile` (here the system bundle, as a global npmrc may set):
# npm gives Node that file as its roots, and NODE_EXTRA_CA_CERTS is ignored.
printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$T/npmrc-cafile"
check "npm with an npmrc cafile: NODE_EXTRA_CA_CERTS ignored" env NPMRC="$T/npmrc-cafile" bash -c \
  "$(declare -f run_env npm_view refused); T='$T' U='$U'; refused npm_view '$T/unit.env'"

# system_set: the unit's bundle holds the system set; the shell's does not.
for c in go_get ruby_get requests_get; do
  check "unit: $c reaches the system set's server" connects $c "$T/unit.env" "https://127.0.0.1:$pport/"
  check "shell: $c refuses it (no system set)" refused $c "$T/shell.env" "https://127.0.0.1:$pport/"
done

# Go reads its roots once per process: a service started before a change
# keeps refusing a CA that apply added to its bundle; a restarted one connects.
# One Go process reads URLs from stdin and answers each with ok or refused.
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_leaf "$T/lab-leaf" "$C/cas/lab"
lport=$(free_port); start_tls_server "$T/lab-leaf" "$lport"
coproc GOP { run_env "$T/unit.env" "$GOCLIENT" 2>/dev/null; }
_bg_pids+=("$GOP_PID")
ask_go() { echo "https://127.0.0.1:$lport/" >&"${GOP[1]}"; read -r GO_ANSWER <&"${GOP[0]}" || GO_ANSWER="(the Go process ended)"; }
ask_go
check "a running Go process refuses lab's server" grep -q '^refused.*x509' <<<"$GO_ANSWER"
sed -i 's|^  corp: { file: cas/corp.pem }$|  corp: { file: cas/corp.pem }\n  lab: { file: cas/lab.pem }|; s|r: { cas: \[corp\]|r: { cas: [corp, lab]|' "$C/trust.yaml"
expect_rc 0 "lab added: apply" tf apply "${args[@]}" --auto-approve
check "  the unit's bundle holds lab" grep -qF "$(sed -n 2p "$C/cas/lab.pem")" "$R/etc/trustform/bundles/app.pem"
ask_go
check "  the Go process started before still refuses it (roots read once)" grep -q '^refused.*x509' <<<"$GO_ANSWER"
check "  a Go process started after connects (restart)" connects go_get "$T/unit.env" "https://127.0.0.1:$lport/"
eval "exec ${GOP[1]}>&-"

# SSL_CERT_FILE takes the place of the system bundle file only: with the
# system set's CA linked in the hashed directory /etc/ssl/certs (a private
# mount namespace; the tree's directory at the path the clients read), Go and
# Ruby reach its server under the shell's SSL_CERT_FILE; requests
# (REQUESTS_CA_BUNDLE) does not: its bundle is all it trusts.
D=$T/hashed; mkdir -p "$D"; cp "$T/pub.pem" "$D/pub.pem"
ln -s pub.pem "$D/$(openssl x509 -hash -noout -in "$T/pub.pem").0"
if with_system_certs "$D" true 2>"$T/ns.err"; then
  in_ns() { local c=$1; shift; with_system_certs "$D" bash -c "$(declare -f run_env go_get ruby_get requests_get); T='$T' U='$U' GOCLIENT='$GOCLIENT'; $c \"\$@\"" "$c" "$@"; }
  check "hashed dir: go reaches the system store's CA beside SSL_CERT_FILE" in_ns go_get "$T/shell.env" "https://127.0.0.1:$pport/"
  check "hashed dir: ruby too" in_ns ruby_get "$T/shell.env" "https://127.0.0.1:$pport/"
  check "hashed dir: requests does not (REQUESTS_CA_BUNDLE is all it trusts)" refused in_ns requests_get "$T/shell.env" "https://127.0.0.1:$pport/"
else
  fail "unshare --mount is not available here, so the hashed directory is not proven: $(cat "$T/ns.err")"
fi
done_testing

#!/usr/bin/env bash
# The main job, shown on a sandbox: plan → apply → plan for host a6 of
# examples/two-host-stack, on a throw-away tree laid out like that host (a
# Debian system store with the real distro CAs, the app's Python venv with its
# own certifi), never touching the real /. Then the clients are asked: openssl
# and Python requests through the venv against a local TLS server whose leaf
# the example's corp root signed. Exits non-zero if any step is not what it
# should be.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build >/dev/null
tf=$PWD/build/trustform
work=$(mktemp -d /tmp/trustform-demo.XXXXXX)
root=$work/root
server=
cleanup() { [ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$root/etc/ssl/certs" "$root/usr/share/ca-certificates" "$root/usr/local/share/ca-certificates"
cp /etc/os-release "$root/etc/os-release"
cp -r /usr/share/ca-certificates/mozilla "$root/usr/share/ca-certificates/"
cp /etc/ca-certificates.conf "$root/etc/ca-certificates.conf"
scripts/mk-certifi-venv.sh "$root/opt/app/.venv" 2>/dev/null
cfg=examples/two-host-stack/trust.yaml
args=(-c "$cfg" --root "$root" --host a6)
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
fail() { printf '\ndemo: FAILED: %s\n' "$*" >&2; exit 1; }

# A server only the example's corp root can vouch for. The example ships the
# root's certificate, not its key, so the demo signs with a stand-in root of
# its own and shows the same for it: a root made here, added to the config.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
  -subj "/CN=Demo Root CA/O=Demo" -days 3650 -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leaf.key" \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -out "$work/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$work/leaf.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 30 -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
mkdir -p "$work/cfg/cas"
cp examples/two-host-stack/cas/*.pem "$work/cfg/cas/"
cp "$work/ca.pem" "$work/cfg/cas/demo-root.pem"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The runner's role gets the demo root, and calls the local server instead of
# the edge's OIDC provider (connects_to:), so the plan can check it too.
sed -e 's/^  corp-root:$/  demo-root: { file: cas\/demo-root.pem }\n  corp-root:/' \
    -e '/^  runner:$/,/^  [a-z]/ s/^    cas: \[corp-root,/    cas: [demo-root, corp-root,/' \
    -e "s|https://idp.a9.internal|https://localhost:$port|" "$cfg" >"$work/cfg/trust.yaml"
grep -q 'cas: \[demo-root, corp-root' "$work/cfg/trust.yaml" || fail "the demo could not add its root to the example's runner role"
cfg=$work/cfg/trust.yaml
args=(-c "$cfg" --root "$root" --host a6)
timeout 300 openssl s_server -accept "127.0.0.1:$port" -cert "$work/leaf.pem" -key "$work/leaf.key" \
  -www -quiet >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
clients() {
  local ok=0
  if env -i PATH=/usr/bin:/bin "$root/opt/app/.venv/bin/python" -c \
      'import sys, requests; requests.get(sys.argv[1], timeout=10)' "https://localhost:$port/" 2>/dev/null; then
    echo "  python requests (app venv, certifi): trusted"; ok=$((ok + 1))
  else echo "  python requests (app venv, certifi): REFUSED (certificate verify failed)"; fi
  if curl -s -o /dev/null --capath "$root/etc/ssl/certs" --cacert "$root/etc/ssl/certs/ca-certificates.crt" \
      "https://localhost:$port/" 2>/dev/null; then
    echo "  curl (system bundle):                trusted"; ok=$((ok + 1))
  else echo "  curl (system bundle):                REFUSED"; fi
  return $((ok == 2 ? 0 : 1))
}

echo "Demo: host a6 of examples/two-host-stack, in the sandbox root $root"
echo "(the example's config, plus one demo root whose key signed a local server on 127.0.0.1:$port)"
say "clients before apply"
! clients || fail "a client trusted the server before apply"

say trustplan -c trust.yaml --root ROOT --host a6 --detailed-exitcode
rc=0; "$tf" plan "${args[@]}" --detailed-exitcode || rc=$?
case $rc in
  2) echo "(exit code 2: changes pending)" ;;
  0) fail "plan exit 0 (no changes) on a fresh tree" ;;
  *) fail "plan exit $rc: an error (see above)" ;;
esac

say trustapply -c trust.yaml --root ROOT --host a6 --auto-approve
rc=0; "$tf" apply "${args[@]}" --auto-approve >"$work/apply.out" 2>&1 || rc=$?
tail -14 "$work/apply.out"
[ "$rc" = 0 ] || fail "apply exit $rc"
echo "(exit code 0: applied)"

say trustplan -c trust.yaml --root ROOT --host a6 --detailed-exitcode
rc=0; "$tf" plan "${args[@]}" --detailed-exitcode || rc=$?
[ "$rc" = 0 ] || fail "plan after apply exit $rc, not 0"
echo "(exit code 0: the stores match the configuration)"

say "clients after apply"
clients || fail "a client still refuses the server after apply"
echo
echo "Demo complete: plan exit 2 (changes), apply exit 0, plan exit 0 (no changes), clients trust the CA."

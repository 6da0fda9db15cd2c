#!/usr/bin/env bash
# The main job, shown on a sandbox: plan → apply → plan for host a6 of
# examples/two-host-stack on a throw-away Debian tree (the real distro CAs,
# copied), never touching the real /.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build >/dev/null
tf=$PWD/build/trustform
root=$(mktemp -d /tmp/trustform-demo.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/ssl/certs" "$root/usr/share/ca-certificates" "$root/usr/local/share/ca-certificates"
cp /etc/os-release "$root/etc/os-release"
cp -r /usr/share/ca-certificates/mozilla "$root/usr/share/ca-certificates/"
cp /etc/ca-certificates.conf "$root/etc/ca-certificates.conf"
cfg=examples/two-host-stack/trust.yaml
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say trustplan -c "$cfg" --root "$root" --host a6 --detailed-exitcode
rc=0; "$tf" plan -c "$cfg" --root "$root" --host a6 --detailed-exitcode || rc=$?
echo "(exit code $rc: changes pending)"
say trustapply -c "$cfg" --root "$root" --host a6 --auto-approve
"$tf" apply -c "$cfg" --root "$root" --host a6 --auto-approve | tail -12
say trustplan -c "$cfg" --root "$root" --host a6 --detailed-exitcode
"$tf" plan -c "$cfg" --root "$root" --host a6 --detailed-exitcode
echo "(exit code $?: the stores match the configuration)"
say openssl verify -CApath "$root/etc/ssl/certs" examples/two-host-stack/cas/corp-root.pem
openssl verify -CApath "$root/etc/ssl/certs" examples/two-host-stack/cas/corp-root.pem

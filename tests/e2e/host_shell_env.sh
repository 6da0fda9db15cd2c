#!/usr/bin/env bash
# shell-env on the real sid host: login shells (`bash -l`, Debian's
# /etc/profile sourcing /etc/profile.d through run-parts) run the tree's Node 24
# (https.get) and Python 3.14 with requests against an openssl s_server on
# 127.0.0.1 serving a leaf of a private CA. The CA is in no system store of
# the tree, and node runs with --use-bundled-ca (Debian's node reads the
# system store by default; upstream builds use their bundled list): so the
# variable is what decides. Shown:
#  - both fail before apply, and verify in a login shell after it; a shell
#    that is not a login shell still fails (the profile.d file is what does it);
#  - an insecure NODE_TLS_REJECT_UNAUTHORIZED=0 in an earlier profile.d file
#    is undone (unset) in trustform.sh; a later file setting the variable
#    otherwise makes the trust ineffective (plan error), and node indeed fails;
#  - /etc/environment.d/90-trustform.conf: the real systemd
#    environment-d-generator of this machine (run in a mount namespace with
#    the tree's environment.d bound over /etc/environment.d, HOME empty)
#    yields the variables, and node verifies with exactly that environment.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"

testhost_up
echo "# host: $(host_versions)"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Shell Root"
mk_leaf "$T/leaf" "$C/cas/corp"
port=$(free_port); start_tls_server "$T/leaf" "$port"
url="https://localhost:$port/"

mkdir -p "$H/srv"
cat >"$H/srv/get.js" <<'JS'
require("https").get(process.argv[2], r => {
  r.resume();
  r.on("end", () => { console.log("ok " + r.statusCode); process.exit(0); });
}).on("error", e => { console.error(e.code || e.message); process.exit(1); });
JS
cat >"$H/srv/get.py" <<'PY'
import sys, requests
try:
    print("ok", requests.get(sys.argv[1], timeout=60).status_code)
except requests.exceptions.SSLError as e:
    print("SSLError", e, file=sys.stderr); sys.exit(1)
PY
echo "# node $(in_host node --version), $(in_host python3 -c 'import sys, requests; print("python", sys.version.split()[0], "requests", requests.__version__)')"
node_l() { in_host bash -l -c "node --use-bundled-ca /srv/get.js $url" >"$T/node.out" 2>"$T/node.err"; }
py_l() { in_host bash -l -c "python3 /srv/get.py $url" >"$T/py.out" 2>"$T/py.err"; }
fails() { ! "$@"; }

cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  shell: { type: shell-env, env: [NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE] }
roles:
  dev: { cas: [corp], stores: [shell] }
hosts:
  h: [dev]
YAML
args=(-c "$C/trust.yaml" --root "$H" --host h)

check "before apply: node fails in a login shell" fails node_l
check "  with a verification error" grep -qE 'UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT' "$T/node.err"
check "before apply: python requests fails" fails py_l
check "  with an SSLError" grep -q 'SSLError' "$T/py.err"

expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: the CA into the bundle" out_has '# shell (shell-env): corp will be added'
check "plan: the files" out_has '/etc/profile.d/trustform.sh will be written'
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "plan clean" tf plan "${args[@]}" --detailed-exitcode
check "profile.d: export lines" grep -qx "export NODE_EXTRA_CA_CERTS='/etc/trustform/bundles/shell.pem'" "$H/etc/profile.d/trustform.sh"
check "environment.d: KEY=value lines" grep -qx "REQUESTS_CA_BUNDLE=/etc/trustform/bundles/shell.pem" "$H/etc/environment.d/90-trustform.conf"
check "after apply: node verifies in a login shell" node_l
check "after apply: python requests verifies in a login shell" py_l
check "a shell that is not a login shell still fails" \
  fails in_host bash -c "node --use-bundled-ca /srv/get.js $url"

# An insecure setting in an earlier profile.d file: undone in trustform.sh.
printf 'export NODE_TLS_REJECT_UNAUTHORIZED=0\n' >"$H/etc/profile.d/00-dev.sh"
expect_rc 2 "insecure: plan" tf plan "${args[@]}" --detailed-exitcode
check "insecure: named" out_has 'insecure setting undone: NODE_TLS_REJECT_UNAUTHORIZED=0 from /etc/profile.d/00-dev.sh:1 (Node.js accepts any certificate)'
expect_rc 0 "insecure: apply" tf apply "${args[@]}" --auto-approve
check "insecure: unset in trustform.sh" grep -qx 'unset NODE_TLS_REJECT_UNAUTHORIZED' "$H/etc/profile.d/trustform.sh"
check "insecure: a login shell no longer has it" \
  test "$(in_host bash -l -c 'echo ${NODE_TLS_REJECT_UNAUTHORIZED-unset}')" = unset
check "insecure: node still verifies" node_l
expect_rc 0 "insecure: plan clean" tf plan "${args[@]}" --detailed-exitcode

# A later profile.d file setting the variable otherwise: ineffective.
printf 'export NODE_EXTRA_CA_CERTS=/srv/none.pem\n' >"$H/etc/profile.d/zz-app.sh"
expect_rc 1 "override: plan is an error" tf plan "${args[@]}" --detailed-exitcode
check "override: says why" out_has "trust will not take effect: /etc/profile.d/zz-app.sh:1: NODE_EXTRA_CA_CERTS is set again after /etc/profile.d/trustform.sh"
check "override: node indeed fails" fails node_l
rm "$H/etc/profile.d/zz-app.sh"
expect_rc 0 "override removed: plan clean" tf plan "${args[@]}" --detailed-exitcode

# environment.d through the real generator of this machine.
gen=/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator
if [ -x "$gen" ]; then
  mkdir -p "$T/home"
  unshare -m bash -c 'mount --make-rprivate / && mount --bind "$1" /etc/environment.d && exec env -i HOME="$2" PATH=/usr/bin:/bin "$3"' _ \
    "$H/etc/environment.d" "$T/home" "$gen" >"$T/envd.env"
  check "environment.d: the generator yields NODE_EXTRA_CA_CERTS" grep -qx 'NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/shell.pem' "$T/envd.env"
  mapfile -t envd < <(grep -E '^(NODE_EXTRA_CA_CERTS|REQUESTS_CA_BUNDLE)=' "$T/envd.env")
  check "environment.d: node verifies with that environment" \
    in_host env "${envd[@]}" node --use-bundled-ca /srv/get.js "$url"
  check "environment.d: python requests verifies with it" \
    in_host env "${envd[@]}" python3 /srv/get.py "$url"
  # Debian's systemd package links /usr/lib/environment.d/99-environment.conf
  # to /etc/environment: user sessions read it after 90-trustform.conf, so a
  # value there wins. The minimal sid tree has no systemd: the link is laid
  # as this machine's systemd package ships it.
  check "this machine's systemd ships the link" \
    test "$(readlink /usr/lib/environment.d/99-environment.conf)" = /etc/environment
  mkdir -p "$H/usr/lib/environment.d"
  [ -L "$H/usr/lib/environment.d/99-environment.conf" ] ||
    ln -s /etc/environment "$H/usr/lib/environment.d/99-environment.conf"
  cp "$H/etc/environment" "$T/environment.orig" 2>/dev/null || : >"$T/environment.orig"
  printf 'REQUESTS_CA_BUNDLE=/srv/none.pem\n' >>"$H/etc/environment"
  expect_rc 1 "/etc/environment: plan is an error" tf plan "${args[@]}" --detailed-exitcode
  check "/etc/environment: says why" out_has \
    "/usr/lib/environment.d/99-environment.conf:1: REQUESTS_CA_BUNDLE is set again after /etc/environment.d/90-trustform.conf"
  unshare -m bash -c 'mount --make-rprivate / && mount --bind "$1" /etc/environment.d && mount --bind "$4" /etc/environment && exec env -i HOME="$2" PATH=/usr/bin:/bin "$3"' _ \
    "$H/etc/environment.d" "$T/home" "$gen" "$H/etc/environment" >"$T/envd2.env"
  check "/etc/environment: the real generator indeed gives its value" \
    grep -qx 'REQUESTS_CA_BUNDLE=/srv/none.pem' "$T/envd2.env"
  cp "$T/environment.orig" "$H/etc/environment"
  expect_rc 0 "/etc/environment restored: plan clean" tf plan "${args[@]}" --detailed-exitcode
else
  fail "no $gen on this machine to read environment.d"
fi

# Removing the CA empties the bundle: login shells refuse the server again.
sed -i 's/corp: { file: cas\/corp.pem }/corp: { file: cas\/corp.pem, ensure: absent }/' "$C/trust.yaml"
expect_rc 0 "absent: apply" tf apply "${args[@]}" --auto-approve
check "absent: node fails again" fails node_l
check "absent: python fails again" fails py_l
done_testing

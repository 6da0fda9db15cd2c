#!/usr/bin/env bash
# python store, mode truststore, as its users run it: trustform inside the sid
# test host WITHOUT --root (the tree is its "/"), and from outside with --root,
# for the two layouts `python3 -m venv` makes (Python 3.14, Debian's
# python3-truststore from the system's dist-packages):
#   sym     --system-site-packages: bin/python is a link to /usr/bin/python3
#   copies  --system-site-packages --copies: bin/python is a copy
# Python finds pyvenv.cfg (so the venv's site-packages and the .pth) from the
# path it was started by: the check must run <venv>/bin/python, never the
# interpreter the link resolves to (which judged the system's Python and made
# a working venv an error at every apply). Each venv carries an upstream
# certifi, so requests without truststore trusts only certifi's bundle: a real
# HTTPS connection to an openssl s_server on 127.0.0.1 proves the effect. A
# broken venv (no truststore, or its interpreter gone) is an error naming the
# venv and the fix, with and without --root. A venv a user owns is checked as
# that user (its python and .pth files are the user's code), never as root.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
. "$(dirname "$0")/../lib/tfhost.sh"
testhost_up
echo "test host: $(host_versions)"
tf_into_host

in_host python3 -m venv --system-site-packages /opt/sym/.venv
in_host python3 -m venv --system-site-packages --copies /opt/copies/.venv
check "sym: bin/python is a link" test -L "$H/opt/sym/.venv/bin/python"
check "copies: bin/python is a file" test -f "$H/opt/copies/.venv/bin/python" -a ! -L "$H/opt/copies/.venv/bin/python"
mk_certifi_venv "$T/cv" 2>/dev/null
for v in sym copies; do
  site=$H/opt/$v/.venv/lib/python3.14/site-packages
  rm -rf "$site/certifi"; cp -a "$T"/cv/lib/python3*/site-packages/certifi "$site/"
  check "$v: no truststore of its own" test ! -e "$site/truststore"
done

mkdir -p "$H/etc/trustform/cas"
mk_ca "$H/etc/trustform/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$H/etc/trustform/cas/corp"
cat >"$H/etc/trustform/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
  sym: { type: python, venv: /opt/sym/.venv, mode: truststore }
  copies: { type: python, venv: /opt/copies/.venv, mode: truststore }
roles:
  node: { cas: [corp], stores: [system, sym, copies] }
hosts:
  h: [node]
YAML
in=(-c /etc/trustform/trust.yaml --host h)      # inside the tree, no --root
out=(-c "$H/etc/trustform/trust.yaml" --host h --root "$H")
port=$(free_port); start_tls_server "$T/leaf" "$port"
get() {
  in_host "/opt/$1/.venv/bin/python" -c 'import sys, requests; requests.get(sys.argv[1], timeout=10); print("GOT")' \
    "https://localhost:$port/" >"$T/get.out" 2>"$T/get.err"
}
get_fails() { ! get "$1" && grep -q CERTIFICATE_VERIFY_FAILED "$T/get.err"; }
no_note() { ! grep -q "NOT checked" "$T/.out" "$T/.err"; }

for v in sym copies; do check "$v: requests fails before apply (verification error)" get_fails "$v"; done
expect_rc 2 "no --root: plan" tf_host plan "${in[@]}" --detailed-exitcode
check "  sym .pth to add" out_has '# sym (python truststore): corp will be added'
check "  copies .pth to add" out_has '# copies (python truststore): corp will be added'
check "  the effect was checked" no_note
check "  no note that the system store must hold the CAs (the role lists it)" \
  bash -c '! grep -q "must hold these CAs" "$1"' _ "$T/.out"
expect_rc 0 "no --root: apply" tf_host apply "${in[@]}" --auto-approve
for v in sym copies; do
  check "$v: requests connects after apply" get "$v"
  check "$v:   nothing on stderr" test ! -s "$T/get.err"
done
expect_rc 0 "no --root: plan after apply is clean" tf_host plan "${in[@]}" --detailed-exitcode
check "  No changes" out_has 'No changes'
check "  no error, no note" test ! -s "$T/.err"
check "  the effect was checked" no_note
expect_rc 0 "--root: the same tree is clean from outside too" tf plan "${out[@]}" --detailed-exitcode
check "  No changes" out_has 'No changes'
check "  the effect was checked" no_note

# A venv a user owns: its python, and every .pth site.py runs, are that
# user's code; the check runs them as the owner, never as root.
chown -R 1000:1000 "$H/opt/sym/.venv"
echo "import os; open('/tmp/tf-check-uid', 'a').write('%d\\n' % os.getuid())" \
  >"$H/opt/sym/.venv/lib/python3.14/site-packages/zz-uid.pth"
for how in in out; do
  rm -f "$H/tmp/tf-check-uid"
  if [ $how = in ]; then run=(tf_host plan "${in[@]}"); else run=(tf plan "${out[@]}"); fi
  expect_rc 0 "a user's venv ($how): clean" "${run[@]}" --detailed-exitcode
  check "  its python ran as its owner, never as root ($(sort -u "$H/tmp/tf-check-uid" 2>/dev/null | tr '\n' ' '))" \
    test "$(sort -u "$H/tmp/tf-check-uid")" = 1000
done
rm "$H/opt/sym/.venv/lib/python3.14/site-packages/zz-uid.pth"
check "a user's venv: requests still connects" get sym
# root writes into the user's venv (its site-packages, behind its own
# bin/python link): the .pth again, a regular file, and the venv's python uses it
pth=$H/opt/sym/.venv/lib/python3.14/site-packages/trustform-truststore.pth
rm "$pth"
expect_rc 0 "a user's venv, its .pth removed: apply (--root)" tf apply "${out[@]}" --auto-approve
check "  the .pth is back, a regular file" test -f "$pth" -a ! -L "$pth"
check "  requests connects" get sym
expect_rc 0 "  the plan is clean" tf plan "${out[@]}" --detailed-exitcode

# Broken: truststore importable nowhere the venv sees (an isolated venv).
in_host python3 -m venv --without-pip /opt/bare/.venv
sed 's|venv: /opt/copies/.venv|venv: /opt/bare/.venv|' "$H/etc/trustform/trust.yaml" >"$H/etc/trustform/bare.yaml"
for how in in out; do
  if [ $how = in ]; then run=(tf_host plan -c /etc/trustform/bare.yaml --host h)
  else run=(tf plan -c "$H/etc/trustform/bare.yaml" --host h --root "$H"); fi
  expect_rc 1 "no truststore ($how): plan is an error" "${run[@]}"
  check "  names the venv and why" err_has "truststore is not importable in the venv /opt/bare/.venv (ModuleNotFoundError: No module named 'truststore')"
  check "  and the fix" err_has "/opt/bare/.venv/bin/pip install truststore"
done

# Broken: the venv's interpreter is gone (its Python removed under it).
rm "$H/opt/copies/.venv/bin/python" "$H/opt/copies/.venv/bin/python3" "$H/opt/copies/.venv/bin/python3.14"
before=$(tree_sum "$H/opt/copies")
for how in in out; do
  if [ $how = in ]; then run=(tf_host apply "${in[@]}" --auto-approve) root=
  else run=(tf apply "${out[@]}" --auto-approve) root=" inside $H"; fi
  expect_rc 1 "interpreter gone ($how): apply is an error" "${run[@]}"
  check "  names the venv and why" err_has "the venv /opt/copies/.venv has no working interpreter (/opt/copies/.venv/bin/python is missing or not executable$root)"
  check "  and the fix" err_has "recreate it (python3 -m venv --clear /opt/copies/.venv"
  check "  nothing written in that venv" test "$before" = "$(tree_sum "$H/opt/copies")"
  check "  the working venv still connects" get sym
done
done_testing

#!/usr/bin/env bash
# The system store on a real Debian sid tree, checked with the tree's own tools:
#  - after `trustform apply --root`, the tree's update-ca-certificates (plain)
#    reports "0 added, 0 removed", changes no byte and no link in
#    /etc/ssl/certs and tells its hooks nothing; `--fresh` leaves the directory
#    exactly as trustform left it;
#  - the tree's curl (system bundle) rejects a leaf of the private CA before
#    apply and accepts it after;
#  - a CA regenerated under the same name is shown as -/+ and, after apply,
#    the old leaf is rejected and the new one accepted.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"

testhost_up
echo "test host: $(host_versions)"

# A hook that records what the tree's tool tells it, one "--" per run.
cat >"$H/etc/ca-certificates/update.d/zz-record" <<'HOOK'
#!/bin/sh
cat >> /var/log/tf-hook.log
echo "--" >> /var/log/tf-hook.log
HOOK
chmod +x "$H/etc/ca-certificates/update.d/zz-record"

# etc_state: everything of /etc/ssl/certs (names, link text, content hashes,
# types and modes) and of the tool's configuration
etc_state() {
  certs_dir_listing "$H"
  (cd "$H/etc/ssl/certs" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort)
  sha256sum "$H/etc/ca-certificates.conf" | cut -c1-64
}

# tree_update [ARGS]: the tree's update-ca-certificates; checks that it adds and
# removes nothing, that no byte or link changed and that its hooks ran and
# were told nothing
tree_update() {
  local what="update-ca-certificates${1:+ $1}" before
  before=$(etc_state)
  : >"$H/var/log/tf-hook.log"
  expect_rc 0 "$what runs in the tree" in_host update-ca-certificates "$@"
  check "$what: 0 added, 0 removed" out_has "0 added, 0 removed; done."
  check "$what: no byte and no link changed" diff -u <(echo "$before") <(etc_state)
  check "$what: its hooks ran and were told nothing" \
    test "$(cat "$H/var/log/tf-hook.log")" = "--"
}

# fresh_update: the tree's update-ca-certificates --fresh, which re-adds
# everything by design; the directory must end exactly as trustform left it
fresh_update() {
  local before
  before=$(etc_state)
  expect_rc 0 "update-ca-certificates --fresh runs in the tree" in_host update-ca-certificates --fresh
  check "--fresh: no byte and no link changed" diff -u <(echo "$before") <(etc_state)
}

# tree_curl PORT: the tree's curl with its default trust; then the same with
# the bundle alone (no CApath), which must agree
tree_curl() {
  local rc=0 rc2=0
  in_host curl -sS -o /dev/null "https://127.0.0.1:$1/" || rc=$?
  in_host curl -sS -o /dev/null --capath /var/empty-capath \
    --cacert /etc/ssl/certs/ca-certificates.crt "https://127.0.0.1:$1/" || rc2=$?
  [ "$rc" = "$rc2" ] || echo "default trust: exit $rc, bundle alone: exit $rc2" >&2
  return "$rc"
}


mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/corp" "/O=Trustform Host Test/CN=Corp Root"
mk_ca "$T/cfg/cas/old" "/O=Trustform Host Test/CN=Old Root"
cp "$H/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt" "$T/cfg/cas/isrg.pem"
mk_leaf "$T/corp-leaf" "$T/cfg/cas/corp"

cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  old: { file: cas/old.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [old], stores: [system] }
hosts:
  h: [node]
YAML
expect_rc 0 "generation 1: apply adds old" \
  tf apply -c "$T/cfg/trust.yaml" --root "$H" --host h --auto-approve
check "old's link is absolute inside the tree" \
  bash -c "readlink '$H'/etc/ssl/certs/old-*.pem | grep -qx '/usr/local/share/ca-certificates/trustform/old-[0-9a-f]*\.crt'"
tree_update

P1=$(free_port); start_tls_server "$T/corp-leaf" "$P1"
expect_rc 60 "before apply the tree's curl rejects corp's leaf" tree_curl "$P1"
curl_anchors() { { in_host curl -v -sS -o /dev/null "https://127.0.0.1:$1/" 2>&1 || true; } | grep -F 'CAfile:'; }
check "the tree's curl trusts the system bundle by default" \
  bash -c "[ \"\$1\" = '*   CAfile: /etc/ssl/certs/ca-certificates.crt' ]" _ "$(curl_anchors "$P1")"

# Generation 2: corp comes, old goes, a distro CA is deselected.
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  old: { file: cas/old.pem, ensure: absent }
  isrg: { file: cas/isrg.pem, ensure: absent }
stores:
  system: { type: system }
roles:
  node: { cas: [corp, old, isrg], stores: [system] }
hosts:
  h: [node]
YAML
expect_rc 2 "generation 2: plan shows changes" \
  tf plan -c "$T/cfg/trust.yaml" --root "$H" --host h --detailed-exitcode
expect_rc 0 "generation 2: apply" \
  tf apply -c "$T/cfg/trust.yaml" --root "$H" --host h --auto-approve
check "ISRG is deselected in the tree's conf" \
  grep -qx '!mozilla/ISRG_Root_X1.crt' "$H/etc/ca-certificates.conf"
check "no link for ISRG or old" bash -c "! ls '$H/etc/ssl/certs' | grep -q -e '^ISRG_Root_X1.pem$' -e '^old-'"
check "corp's link is absolute inside the tree" \
  bash -c "readlink '$H'/etc/ssl/certs/corp-*.pem | grep -qx '/usr/local/share/ca-certificates/trustform/corp-[0-9a-f]*\.crt'"
check "a hash link leads to its name link" \
  bash -c "h=\$(openssl x509 -in '$T/cfg/cas/corp.pem' -noout -subject_hash); readlink '$H'/etc/ssl/certs/\$h.0 | grep -qx 'corp-[0-9a-f]*\.pem'"
expect_rc 0 "after apply the tree's curl accepts corp's leaf" tree_curl "$P1"
tree_update
fresh_update
tree_update
expect_rc 0 "plan is clean after the tree's own runs" \
  tf plan -c "$T/cfg/trust.yaml" --root "$H" --host h --detailed-exitcode

# A name link that leads to the right file with other text (relative, as
# trustform used to write under --root) is rewritten by the tree's tool, with
# a "+" to its hooks: trustform must show it as drift and rewrite it.
corp_link=$(ls "$H"/etc/ssl/certs/corp-*.pem)
relink() { ln -sfn "../../..$(readlink "$corp_link")" "$corp_link"; }
relink
check "the relative link still leads to corp" cmp -s "$corp_link" "$T/cfg/cas/corp.pem"
expect_rc 2 "a relative name link is drift" \
  tf plan -c "$T/cfg/trust.yaml" --root "$H" --host h --detailed-exitcode
: >"$H/var/log/tf-hook.log"
expect_rc 0 "the tree's tool on a relative link" in_host update-ca-certificates
check "the tree's tool rewrites it" out_has "1 added, 0 removed; done."
check "and tells its hooks" grep -qx "+/etc/ssl/certs/${corp_link##*/}" "$H/var/log/tf-hook.log"
expect_rc 0 "plan is clean after the tool's rewrite" \
  tf plan -c "$T/cfg/trust.yaml" --root "$H" --host h --detailed-exitcode
relink
expect_rc 0 "apply rewrites a relative name link" \
  tf apply -c "$T/cfg/trust.yaml" --root "$H" --host h --auto-approve
tree_update

# Generation 3: corp regenerated under the same name (same subject, new key).
cp "$T/cfg/cas/corp.pem" "$T/corp-gen2.pem"
mk_ca "$T/cfg/cas/corp" "/O=Trustform Host Test/CN=Corp Root"
check "corp really has a new key" bash -c "! cmp -s '$T/corp-gen2.pem' '$T/cfg/cas/corp.pem'"
mv "$T/corp-leaf.pem" "$T/old-leaf.pem"; mv "$T/corp-leaf.key" "$T/old-leaf.key"
mk_leaf "$T/new-leaf" "$T/cfg/cas/corp"
P2=$(free_port); start_tls_server "$T/new-leaf" "$P2"
expect_rc 60 "before apply the tree's curl rejects the new corp's leaf" tree_curl "$P2"
expect_rc 2 "generation 3: plan shows the replacement" \
  tf plan -c "$T/cfg/trust.yaml" --root "$H" --host h --detailed-exitcode
check "-/+ line for corp" out_has '-/+ ca "corp"'
expect_rc 0 "generation 3: apply" \
  tf apply -c "$T/cfg/trust.yaml" --root "$H" --host h --auto-approve
expect_rc 0 "the new leaf is accepted" tree_curl "$P2"
expect_rc 60 "the old leaf is rejected" tree_curl "$P1"
tree_update
fresh_update
expect_rc 0 "plan is clean at the end" \
  tf plan -c "$T/cfg/trust.yaml" --root "$H" --host h --detailed-exitcode
done_testing

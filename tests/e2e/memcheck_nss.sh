#!/usr/bin/env bash
# The nss store is clean under valgrind's memcheck (no invalid access, no
# leak), in the parent and in its NSS children (forked, so valgrind follows
# them): discovery, plan, apply with adds, a distrust and a removal, show, and
# a refused database.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
mk_user "$R" mallory 4250
mk_nssdb "$R/home/alice/.pki/nssdb"
mk_ca "$T/foreign" "/CN=Foreign"
nss_add "$R/home/alice/.pki/nssdb" "Foreign" "CT,C,C" "$T/foreign.pem"
mk_firefox_profile "$R/home/alice" default-release ab12.default-release
chown -R 4242:4242 "$R/home/alice"
mkdir -p "$R/home/mallory/.pki"; ln -s /etc "$R/home/mallory/.pki/nssdb"
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/a" "/CN=Memcheck A"; mk_ca "$T/cfg/cas/b" "/CN=Memcheck B"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
  b: { file: cas/b.pem, ensure: distrusted }
stores:
  browsers: { type: nss, discover: [chrome, firefox], users: [alice, nobody] }
roles:
  node: { cas: [a, b], stores: [browsers] }
hosts:
  h: [node]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)
expect_rc 2 "plan" vg plan "${args[@]}" --detailed-exitcode
expect_rc 0 "apply" vg apply "${args[@]}" --auto-approve
check "applied" test "$(nss_trust "$R/home/alice/.pki/nssdb" trustform-a)" = "C,,"
expect_rc 0 "show" vg show "${args[@]}"
sed -i 's/cas: \[a, b\]/cas: [b]/; s/users: \[alice, nobody\]/users: [alice, mallory]/' "$T/cfg/trust.yaml"
expect_rc 1 "apply a removal beside a refused database" vg apply "${args[@]}" --auto-approve
check "removed" test -z "$(nss_trust "$R/home/alice/.pki/nssdb" trustform-a)"
done_testing

#!/usr/bin/env bash
# The Debian package, installed for real: scripts/build-deb.sh builds
# trustform_<version>_<arch>.deb (cached per source hash in
# /var/cache/trustform-deb; lintian must report no error), apt-get installs it
# into a debootstrapped Debian 12 tree through chroot (apt resolving the
# libraries from the registry), and there:
#  - the binary and the trustplan/trustapply links, the schemas, the
#    completion, /etc/trustform, the drift units (installed, not enabled) are
#    where they belong;
#  - `man trustform`, `man trustplan` and `man 5 trust.yaml` render with the
#    tree's man-db;
#  - trustplan runs against the tree's own system store from
#    /etc/trustform/trust.yaml: plan 2, apply 0, plan 0, and the tree's openssl
#    then verifies a leaf of the CA; the tree's update-ca-certificates agrees;
#  - apt-get remove takes it away again, keeping the configuration.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"

deb=$(TRUSTFORM_DEB_CACHE=${TRUSTFORM_DEB_CACHE:-/var/cache/trustform-deb} \
      "$SRC_DIR/scripts/build-deb.sh" "$T/deb" 2>"$T/build-deb.err") || {
  cat "$T/build-deb.err" >&2; echo "FAIL: the package could not be built" >&2; exit 1; }
echo "package: $(basename "$deb")"
grep '^build-deb: lintian' "$T/build-deb.err" || true
check "lintian: no errors" bash -c "! grep -q '^E: ' '$T/deb/lintian.txt'"
version=$(sed -n 's/^project(trustform VERSION \([0-9.]*\).*/\1/p' "$SRC_DIR/CMakeLists.txt")
check "the .deb carries the CMake version $version" \
  test "$(dpkg-deb -f "$deb" Version)" = "$version"
check "Depends comes from shlibs (libssl3, libyaml, libnss3, libgit2, libjansson)" \
  bash -c "dpkg-deb -f '$deb' Depends | grep -q libssl3 && dpkg-deb -f '$deb' Depends | grep -q libgit2 && dpkg-deb -f '$deb' Depends | grep -q libjansson"

testhost_up bookworm
echo "test host: $(in_host sh -c '. /etc/os-release; echo $PRETTY_NAME') $(host_versions)"
check "the test host is Debian 12" grep -q '^VERSION_ID="12"' "$H/etc/os-release"
cp /etc/resolv.conf "$H/etc/resolv.conf" 2>/dev/null || true
cp "$deb" "$H/tmp/"
expect_rc 0 "apt-get update in the tree" in_host apt-get update
expect_rc 0 "apt-get install ./$(basename "$deb") in the tree" \
  in_host env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")"
check "dpkg says it is installed" bash -c "chroot '$H' dpkg-query -W -f='\${Status}' trustform | grep -q 'install ok installed'"

for f in /usr/bin/trustform /usr/share/trustform/trustform.schema.json \
         /usr/share/trustform/output.schema.json /usr/share/bash-completion/completions/trustform \
         /lib/systemd/system/trustform-drift.service /lib/systemd/system/trustform-drift.timer \
         /etc/default/trustform /usr/share/man/man5/trust.yaml.5.gz \
         /usr/share/trustform/prometheus/trustform.rules.yml; do
  check "installed: $f" test -f "$H$f"
done
check "the installed alert rules are the tested ones, and promtool accepts them" bash -c \
  "cmp '$H/usr/share/trustform/prometheus/trustform.rules.yml' '$SRC_DIR/examples/prometheus/trustform.rules.yml' &&
   promtool check rules '$H/usr/share/trustform/prometheus/trustform.rules.yml' >/dev/null"
check "/etc/trustform is a directory" test -d "$H/etc/trustform"
check "trustplan -> trustform" test "$(readlink "$H/usr/bin/trustplan")" = trustform
check "trustapply -> trustform" test "$(readlink "$H/usr/bin/trustapply")" = trustform
check "the drift timer is not enabled" \
  bash -c "! ls '$H'/etc/systemd/system/*.wants/trustform-drift* 2>/dev/null | grep -q ."
check "the drift service accepts exit 2" grep -qx 'SuccessExitStatus=2' "$H/lib/systemd/system/trustform-drift.service"
check "/etc/default/trustform is a conffile" \
  bash -c "chroot '$H' dpkg-query -W -f='\${Conffiles}' trustform | grep -q /etc/default/trustform"
expect_rc 0 "trustform version in the tree" in_host trustform version
check "version $version" out_has "trustform $version"

# The manual, rendered by the tree's man-db.
expect_rc 0 "man trustform" in_host env MANPAGER=cat MANWIDTH=80 man trustform
check "man trustform: NAME" out_has "plan and apply declarative local TLS"
check "man trustform: exit status" out_has "Usage error."
expect_rc 0 "man trustplan" in_host env MANPAGER=cat MANWIDTH=80 man trustplan
check "man trustplan is trustform(1)" out_has "--detailed-exitcode"
expect_rc 0 "man 5 trust.yaml" in_host env MANPAGER=cat MANWIDTH=80 man 5 trust.yaml
check "man 5 trust.yaml: the keys" out_has "intermediate_lifetime"
check "man 5 trust.yaml: the files" out_has "FILES EACH STORE WRITES"

# The tree's own system store, from /etc/trustform/trust.yaml.
mk_ca "$T/ca" "/CN=trustform pkg test CA"
mk_leaf "$T/leaf" "$T/ca"
mkdir -p "$H/etc/trustform/cas"
cp "$T/ca.pem" "$H/etc/trustform/cas/pkg-test.pem"
cp "$T/leaf.pem" "$H/tmp/leaf.pem"
cat >"$H/etc/trustform/trust.yaml" <<YAML
version: 1
cas:
  pkg-test:
    file: cas/pkg-test.pem
    sha256: "$(fingerprint "$T/ca.pem")"
stores:
  system: { type: system }
roles:
  base: { cas: [pkg-test], stores: [system] }
hosts:
  "*": [base]
YAML
expect_rc 0 "trustform validate (default config path)" in_host trustform validate
expect_rc 2 "openssl in the tree rejects the leaf before apply" \
  in_host openssl verify -CApath /etc/ssl/certs /tmp/leaf.pem
expect_rc 2 "trustplan --detailed-exitcode: changes pending" in_host trustplan --detailed-exitcode
check "the plan adds the CA" out_has 'pkg-test'
expect_rc 0 "trustapply --auto-approve" in_host trustapply --auto-approve
expect_rc 0 "trustplan --detailed-exitcode: no changes" in_host trustplan --detailed-exitcode
expect_rc 0 "openssl in the tree verifies the leaf after apply" \
  in_host openssl verify -CApath /etc/ssl/certs /tmp/leaf.pem
expect_rc 0 "the tree's update-ca-certificates" in_host update-ca-certificates
check "update-ca-certificates: nothing to add or remove" out_has "0 added, 0 removed"

expect_rc 0 "apt-get remove trustform" in_host env DEBIAN_FRONTEND=noninteractive apt-get remove -y trustform
check "the binary is gone" test ! -e "$H/usr/bin/trustform"
check "the configuration is kept" test -f "$H/etc/trustform/trust.yaml"
done_testing

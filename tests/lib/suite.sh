# One Debian release, end to end, for the e2e/suite/* tests. Source it after
# common.sh and testhost.sh, then: suite_test trixie
#  1. scripts/build-deb.sh --suite SUITE with DEB_BUILD_OPTIONS=werror builds
#     the package INSIDE a debootstrapped SUITE tree (scripts/build-tree.sh,
#     cached): the release's GCC compiles with -Werror, all the unit tests
#     (ctest -R '^unit/', about 15 s) run there, the release's lintian judges
#     the .deb, and Depends names the release's libraries (dpkg-shlibdeps);
#  2. a fresh test-host copy of SUITE (ca-certificates, openssl, curl and the
#     libraries the .deb depends on, cached) installs it with apt-get from the
#     file alone: every dependency is satisfied by that release's packages;
#  3. inside it, through chroot and WITHOUT --root (the tree is the system):
#     `ldd` and `dpkg` show the release's libgit2 and libssl, trustplan exits
#     2, trustapply 0, trustplan 0, and the tree's curl, refused before,
#     connects to an openssl s_server on 127.0.0.1 whose leaf a configured
#     root signed.
# The cold cost (the two trees) is paid once; the timings go to the log.

# suite_lib PATTERN: the one package of the test host that holds the library
# the installed binary loads for PATTERN (e.g. libgit2), as "path package"
suite_lib() {
  local path
  path=$(awk -v p="$1" 'index($1, p ".so") == 1 && $2 == "=>" { print $3 }' "$T/ldd.txt" | head -1)
  [ -n "$path" ] || { echo "ldd shows no $1" >&2; return 1; }
  # dpkg knows a library by the path its package ships (/lib or /usr/lib,
  # whichever the release uses), ldd may show the other one
  local p pkg=
  for p in "$path" "/usr$path" "${path#/usr}"; do
    pkg=$(in_host dpkg -S "$p" 2>/dev/null | cut -d: -f1 | head -1) && [ -n "$pkg" ] && break
  done
  [ -n "$pkg" ] || { echo "dpkg -S: no package holds $path" >&2; return 1; }
  echo "$path $pkg"
}

suite_test() {
  local suite=$1 start deb depends pkgs tree
  start=$(date +%s)
  deb=$(DEB_BUILD_OPTIONS=werror TRUSTFORM_DEB_CACHE=${TRUSTFORM_DEB_CACHE:-/var/cache/trustform-deb} \
        nice "$SRC_DIR/scripts/build-deb.sh" --suite "$suite" "$T/deb" 2>"$T/build-deb.err" | tail -1) &&
    [ -f "$deb" ] || {
    cat "$T/build-deb.err" >&2; echo "FAIL: the $suite package could not be built" >&2; exit 1; }
  echo "package for $suite: $deb ($(( $(date +%s) - start )) s)"
  grep -e '^build-deb: [a-z]*: gcc' -e 'from the cache' -e 'built in' -e 'lintian' "$T/build-deb.err" || true
  tree=$("$SRC_DIR/scripts/build-tree.sh" "$suite")
  local gcc
  gcc=$(awk '$1 == "gcc" { print $2 }' "$tree/.trustform-versions")
  check "the $suite tree's gcc ($gcc) compiled it" \
    grep -q "The C compiler identification is GNU $gcc" "$T/deb/build.log"
  check "with -Werror" grep -q -- ' -Werror ' "$T/deb/build.log"
  check "no compiler warning" bash -c "! grep -n ': warning: ' '$T/deb/build.log' >&2"
  check "the unit tests ran in the $suite tree and passed" \
    grep -qE '^100% tests passed, 0 tests failed out of [0-9]+' "$T/deb/build.log"
  grep -E '^100% tests passed|Total Test time' "$T/deb/build.log" || true
  check "lintian ($suite's): no errors" bash -c "! grep -q '^E: ' '$T/deb/lintian.txt'"
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "Depends: $depends"
  check "Depends names libgit2, libssl, libyaml, libjansson, libnss3" bash -c \
    "for l in libgit2 libssl3 libyaml libjansson libnss3; do grep -q \"\$l\" <<<'$depends' || exit 1; done"

  # The test host: the release's own packages, the libraries Depends names among them.
  pkgs=$(tr ',' '\n' <<<"$depends" | sed 's/|.*//; s/(.*//; s/ //g' | grep . | sort -u)
  start=$(date +%s)
  # shellcheck disable=SC2086
  testhost_up "$suite" "$T/host" ca-certificates openssl curl $pkgs
  echo "test host: $(in_host sh -c '. /etc/os-release; echo $PRETTY_NAME') ($(( $(date +%s) - start )) s)"
  echo "  $(host_versions)"
  case $suite in
    trixie) check "the test host is Debian 13" grep -q '^VERSION_ID="13"' "$H/etc/os-release" ;;
    sid) check "the test host is sid" grep -q '^PRETTY_NAME=.*sid' "$H/etc/os-release" ;;
  esac
  cp "$deb" "$H/tmp/"
  in_host dpkg-query -W -f='${Package}\n' | sort >"$T/pkgs.before"
  expect_rc 0 "apt-get install ./$(basename "$deb")" \
    in_host env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "/tmp/$(basename "$deb")"
  # apt lists the local file as "Get:1 /tmp/trustform_…deb"; anything else was fetched
  check "apt-get fetched nothing but the local .deb" \
    bash -c "! grep '^Get:' '$T/.out' | grep -v ' /tmp/trustform_[^ ]*\.deb ' >&2"
  in_host dpkg-query -W -f='${Package}\n' | sort >"$T/pkgs.after"
  check "apt-get installed trustform alone: the release had every dependency" \
    test "$(comm -13 "$T/pkgs.before" "$T/pkgs.after")" = trustform
  check "dpkg: trustform install ok installed" \
    bash -c "chroot '$H' dpkg-query -W -f='\${Status}' trustform | grep -qx 'install ok installed'"

  # The libraries it loads there are the release's.
  expect_rc 0 "ldd /usr/bin/trustform in the tree" in_host ldd /usr/bin/trustform
  cp "$T/.out" "$T/ldd.txt"
  check "ldd: no library missing" bash -c "! grep -q 'not found' '$T/ldd.txt'"
  local lib what path pkg
  for lib in libgit2 libssl; do
    what=$(suite_lib "$lib") || { fail "ldd shows no $lib"; continue; }
    read -r path pkg <<<"$what"
    echo "$lib: $path from $pkg $(in_host dpkg-query -W -f='${Version}' "$pkg")"
    check "$lib's package $pkg is what Depends names" grep -qw -- "$pkg" <<<"$depends"
    check "dpkg -s $pkg: installed" bash -c "chroot '$H' dpkg -s '$pkg' | grep -qx 'Status: install ok installed'"
  done
  # the build tree's -dev packages are the same releases' libraries
  local devgit devssl
  devgit=$(awk '$1 == "libgit2-dev" { print $2 }' "$tree/.trustform-versions")
  devssl=$(awk '$1 == "libssl-dev" { print $2 }' "$tree/.trustform-versions")
  echo "built against: libgit2-dev $devgit, libssl-dev $devssl"
  check "libgit2 loaded is the upstream version built against (${devgit%%+*})" \
    bash -c "grep -q 'libgit2.so.$(cut -d. -f1,2 <<<"$devgit") ' '$T/ldd.txt'"

  # The configuration, in the system's default place.
  mk_ca "$T/ca" "/O=Trustform Suite Test/CN=$suite Root"
  mk_leaf "$T/leaf" "$T/ca"
  mkdir -p "$H/etc/trustform/cas"
  cp "$T/ca.pem" "$H/etc/trustform/cas/suite-root.pem"
  cat >"$H/etc/trustform/trust.yaml" <<YAML
version: 1
cas:
  suite-root:
    file: cas/suite-root.pem
    sha256: "$(fingerprint "$T/ca.pem")"
stores:
  system: { type: system }
roles:
  base: { cas: [suite-root], stores: [system] }
hosts:
  "*": [base]
YAML
  local port
  port=$(free_port)
  start_tls_server "$T/leaf" "$port"
  expect_rc 60 "before apply the tree's curl refuses the leaf (unknown CA)" \
    in_host curl -sS -o /dev/null "https://127.0.0.1:$port/"
  expect_rc 2 "trustplan --detailed-exitcode (no --root): changes pending" \
    in_host trustplan --detailed-exitcode
  check "the plan adds suite-root" out_has 'suite-root'
  expect_rc 0 "trustapply --auto-approve (no --root)" in_host trustapply --auto-approve
  expect_rc 0 "trustplan --detailed-exitcode (no --root): no changes" \
    in_host trustplan --detailed-exitcode
  check "the plan says No changes" out_has 'No changes'
  expect_rc 0 "after apply the tree's curl connects" \
    in_host curl -sS -o /dev/null "https://127.0.0.1:$port/"
  expect_rc 0 "the tree's update-ca-certificates" in_host update-ca-certificates
  check "update-ca-certificates: nothing to add or remove" out_has "0 added, 0 removed"
}

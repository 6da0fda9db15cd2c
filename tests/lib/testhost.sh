# The real test host: a Debian sid system built once by tests/host/build-sid.sh
# and cached outside the source tree. Source it after common.sh:
#   . "$(dirname "$0")/../lib/common.sh"
#   . "$(dirname "$0")/../lib/testhost.sh"
#   testhost_up            # $H: this test's own writable copy of the sid tree
#   tf plan -c ... --root "$H"
#   in_host curl https://...   # the tree's OWN tools, through chroot
#
# Each test gets its own copy (an overlay over the cached tree, or a full copy
# where overlayfs cannot be mounted), with a private /dev and /proc for the
# tree's tools; everything is unmounted and removed when the test ends (and
# common.sh's cleanup never removes a directory something is still mounted in).
# When the tree cannot be built (no network to the registry, not root), the
# test FAILS with that reason: it never passes silently.

# The Debian 12 test host (testhost_up bookworm): what the package and the
# Ansible tests install into (python3 and python3-apt for the modules, systemd
# for systemctl enable). One list for all its users, so they share a tree.
TESTHOST_BOOKWORM_PKGS=(ca-certificates openssl python3 python3-apt man-db systemd)

# testhost_up [SUITE [DIR [PKG...]]]: SUITE sid (default) or bookworm; DIR
# (default $T/host) is where this copy is mounted, so a test can bring up
# several. With PKGs, the tree of SUITE holding exactly those packages (any
# suite; its own cache key).
_testhost_mounts=()
testhost_up() {
  local suite=${1:-sid} dir=${2:-$T/host} base err
  shift $(($# < 2 ? $# : 2))
  err=$T/.testhost.err
  local builder=("$SRC_DIR/tests/host/build-sid.sh")
  local smoke="python3 --version
man --version
update-ca-certificates --help"
  if [ $# -gt 0 ]; then
    builder=("$SRC_DIR/tests/host/build-host.sh" "$suite" "$@"); smoke="update-ca-certificates --help"
  elif [ "$suite" != sid ]; then
    builder=("$SRC_DIR/tests/host/build-host.sh" "$suite" "${TESTHOST_BOOKWORM_PKGS[@]}")
  fi
  if ! base=$(TRUSTFORM_HOST_SMOKE=$smoke "${builder[@]}" 2>"$err"); then
    echo "FAIL: the $suite test host could not be built:" >&2
    sed 's/^/  /' "$err" >&2
    exit 1
  fi
  TESTHOST_BASE=$base
  H=$dir
  local ovl=$T/.ovl/$(basename "$dir")
  mkdir -p "$H" "$ovl/upper" "$ovl/work"
  if mount -t overlay overlay -o "lowerdir=$base,upperdir=$ovl/upper,workdir=$ovl/work" "$H" 2>/dev/null; then
    _testhost_mounts=("$H" "${_testhost_mounts[@]}")
  else
    cp -a "$base/." "$H/"
  fi
  # The tree's tools get a /dev of their own (a tmpfs with the few nodes they
  # use, and a private devpts) and their own /proc; never the host's /dev,
  # which a removal of the test directory could otherwise reach.
  mount -t tmpfs -o mode=755,size=1m tf-dev "$H/dev" && _testhost_mounts=("$H/dev" "${_testhost_mounts[@]}")
  local n spec
  for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r n a b <<<"$spec"
    mknod -m 666 "$H/dev/$n" c "$a" "$b"
  done
  mkdir -p "$H/dev/pts" "$H/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$H/dev/pts" &&
    _testhost_mounts=("$H/dev/pts" "${_testhost_mounts[@]}") && ln -s pts/ptmx "$H/dev/ptmx"
  ln -s /proc/self/fd "$H/dev/fd"; ln -s /proc/self/fd/0 "$H/dev/stdin"
  ln -s /proc/self/fd/1 "$H/dev/stdout"; ln -s /proc/self/fd/2 "$H/dev/stderr"
  mount -t proc proc "$H/proc" && _testhost_mounts=("$H/proc" "${_testhost_mounts[@]}")
  trap 'testhost_down; cleanup' EXIT
  # The host's resolver and hostname must not leak into the tree's checks.
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$H/etc/hosts"
}

testhost_down() {
  local m
  for m in "${_testhost_mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
  _testhost_mounts=()
}

# in_host CMD...: run CMD inside the test host (chroot), clean environment
in_host() {
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    chroot "$H" "$@"
}

# in_host_sh 'shell text': the same, through the tree's /bin/sh
in_host_sh() { in_host /bin/sh -c "$1"; }

# host_version PKG: the version of PKG installed in the cached tree
host_version() { awk -v p="$1" '$1 == p { print $2 }' "$TESTHOST_BASE/.trustform-versions"; }

# host_versions: one line, for the test's log
host_versions() { tr '\n' ' ' <"$TESTHOST_BASE/.trustform-versions"; echo; }

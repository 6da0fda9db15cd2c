#!/usr/bin/env bash
# Build the Debian package: trustform_<version>_<arch>.deb in OUTDIR (default
# build-deb/, or build-deb/SUITE/), from a clean copy of the source (the
# tracked files plus local changes, never build outputs), with
# dpkg-buildpackage -us -uc -b, which also runs the unit tests. Prints the
# .deb's path as its last stdout line; lintian's verdict goes to stderr and to
# OUTDIR/lintian.txt, the build's log to OUTDIR/build.log.
#
#   scripts/build-deb.sh [OUTDIR]
#       on this machine, for its own release: the build dependencies in
#       debian/control are installed first with apt-get when missing (needs
#       root then)
#   scripts/build-deb.sh SUITE [OUTDIR]        SUITE: bookworm, trixie or sid
#   scripts/build-deb.sh --suite SUITE [OUTDIR]
#       for that Debian release, whatever this machine runs: built inside a
#       debootstrapped SUITE tree with its build dependencies
#       (scripts/build-tree.sh, cached), so the binary links that release's
#       libraries and Depends names them (dpkg-shlibdeps in the tree); that
#       release's lintian judges it. Needs root. (An OUTDIR named like a
#       suite is given as ./sid.)
#
#   DEB_BUILD_OPTIONS=werror  compile with -Werror (any warning fails)
#   TRUSTFORM_DEB_CACHE=/var/cache/trustform-deb
#       reuse a .deb built from the same source (keyed by its content hash,
#       and for a SUITE by the build tree and DEB_BUILD_OPTIONS)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "build-deb: $*" >&2; exit 1; }
suite=
case ${1:-} in
  --suite) suite=${2:?"build-deb: --suite needs bookworm, trixie or sid"}; shift 2 ;;
  bookworm|trixie|sid) suite=$1; shift ;;
esac
case $suite in ''|bookworm|trixie|sid) ;; *) die "unknown suite '$suite': use bookworm, trixie or sid" ;; esac
out=$(realpath -m "${1:-$src/build-deb${suite:+/$suite}}")

cd "$src"
version=$(sed -n 's/^project(trustform VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || die "no project VERSION in CMakeLists.txt"
changelog=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog)
[ "$changelog" = "$version" ] || \
  die "debian/changelog says $changelog, CMakeLists.txt says $version: add a changelog entry (dch -v $version)"

# The source: what git tracks, as it is in the work tree (uncommitted edits
# included, untracked files and build outputs not).
files=$(git ls-files -z --cached --others --exclude-standard | \
        while IFS= read -r -d '' f; do [ ! -e "$f" ] || printf '%s\n' "$f"; done | \
        grep -v -e '^build' -e '^debian/\.debhelper' -e '^debian/trustform/' \
                -e '^debian/files$' -e '\.deb$' -e '^debian/trustform\.substvars$' \
                -e '^debian/debhelper-build-stamp$' -e '^obj-' | sort)
hash=$(printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -c1-16)

if [ -n "$suite" ]; then
  tree=$("$src/scripts/build-tree.sh" "$suite") || die "no $suite build tree (scripts/build-tree.sh $suite, above)"
  arch=$(chroot "$tree" dpkg --print-architecture)
  opts=$(echo ${DEB_BUILD_OPTIONS:-} | tr ' ' '\n' | grep -v -e '^parallel=' -e '^$' | sort -u | \
         paste -sd+ | tr -c 'a-z0-9=+.\n' '_' || true)
  slot=$hash/$(basename "$tree")${opts:+-$opts}
else
  arch=$(dpkg-architecture -qDEB_HOST_ARCH)
  slot=$hash
fi
deb=trustform_${version}_${arch}.deb

cache=${TRUSTFORM_DEB_CACHE:-}
if [ -n "$cache" ] && [ -f "$cache/$slot/$deb" ]; then
  mkdir -p "$out"
  cp "$cache/$slot/$deb" "$cache/$slot/lintian.txt" "$out/"
  [ -f "$cache/$slot/build.log" ] && cp "$cache/$slot/build.log" "$out/"
  echo "build-deb: $deb from the cache ($slot)" >&2
  echo "$out/$deb"; exit 0
fi

work=$(mktemp -d /tmp/trustform-deb.XXXXXX)
mounts=()
cleanup() {
  local m
  for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$suite" ]; then
  # An overlay over the cached tree: the tree itself is never written.
  root=$work/root
  mkdir -p "$root" "$work/ovl/upper" "$work/ovl/work"
  mount -t overlay overlay -o "lowerdir=$tree,upperdir=$work/ovl/upper,workdir=$work/ovl/work" "$root" ||
    die "cannot mount an overlay over $tree in $root (overlayfs needed)"
  mounts=("$root")
  mount -t proc proc "$root/proc" && mounts=("$root/proc" "${mounts[@]}")
  bdir=$root/build
  echo "build-deb: $suite: $(tr '\n' ',' <"$tree/.trustform-versions" | sed 's/,$//; s/,/, /g')" >&2
else
  # Build dependencies.
  if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "build dependencies missing (dpkg-checkbuilddeps) and not root to install them"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' | \
        sed 's/([^)]*)//g; s/|[^ ]*//g') >&2
  fi
  bdir=$work
fi
mkdir -p "$bdir/trustform-$version"
printf '%s\n' "$files" | tar -C "$src" -cf - -T - | tar -C "$bdir/trustform-$version" -xf -
# run CMD... in the build directory (in the suite's tree: through chroot,
# with a clean environment)
run() {
  if [ -n "$suite" ]; then
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-}" chroot "$root" sh -c 'cd /build && "$@"' sh "$@"
  else
    (cd "$bdir" && "$@")
  fi
}
start=$(date +%s)
echo "build-deb: dpkg-buildpackage in $bdir" >&2
run env DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  sh -c "cd trustform-$version && dpkg-buildpackage -us -uc -b" >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2; mkdir -p "$out"; cp "$work/build.log" "$out/"
  die "dpkg-buildpackage failed${suite:+ in the $suite tree} (above; the whole log: $out/build.log)"; }
[ -f "$bdir/$deb" ] || die "dpkg-buildpackage made no $deb"
echo "build-deb: built in $(( $(date +%s) - start )) s" >&2
mkdir -p "$out"
cp "$bdir/$deb" "$work/build.log" "$out/"
# lintian (the suite's own in its tree): errors fail the build, warnings are reported.
run sh -c 'lintian --tag-display-limit 0 --info trustform_*.changes' >"$out/lintian.txt" 2>&1 || true
sed 's/^/build-deb: lintian: /' "$out/lintian.txt" >&2
if grep -q '^E: ' "$out/lintian.txt"; then die "lintian reports errors (above)"; fi
if [ -n "$cache" ]; then
  mkdir -p "$cache/$slot"
  cp "$out/$deb" "$out/lintian.txt" "$out/build.log" "$cache/$slot/"
fi
echo "$out/$deb"

#!/usr/bin/env bash
# Build the Debian package: trustform_<version>_<arch>.deb in OUTDIR (default
# build-deb/), from a clean copy of the source (the tracked files plus local
# changes, never build outputs), with dpkg-buildpackage -us -uc -b. The build
# dependencies in debian/control are installed first with apt-get when
# missing (needs root then). Prints the .deb's path on stdout; lintian's
# verdict goes to stderr and to OUTDIR/lintian.txt.
#
#   scripts/build-deb.sh [OUTDIR]
#   TRUSTFORM_DEB_CACHE=/var/cache/trustform-deb scripts/build-deb.sh
#       reuse a .deb built from the same source (keyed by its content hash)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$src/build-deb}")
die() { echo "build-deb: $*" >&2; exit 1; }

cd "$src"
version=$(sed -n 's/^project(trustform VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || die "no project VERSION in CMakeLists.txt"
changelog=$(dpkg-parsechangelog -S Version)
[ "$changelog" = "$version" ] || \
  die "debian/changelog says $changelog, CMakeLists.txt says $version: add a changelog entry (dch -v $version)"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=trustform_${version}_${arch}.deb

# The source: what git tracks, as it is in the work tree (uncommitted edits
# included, untracked files and build outputs not).
files=$(git ls-files -z --cached --others --exclude-standard | \
        xargs -0 -n1 sh -c '[ ! -e "$0" ] || printf "%s\n" "$0"' | \
        grep -v -e '^build' -e '^debian/\.debhelper' -e '^debian/trustform/' \
                -e '^debian/files$' -e '\.deb$' -e '^debian/trustform\.substvars$' \
                -e '^debian/debhelper-build-stamp$' -e '^obj-' | sort)
hash=$(printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -c1-16)

cache=${TRUSTFORM_DEB_CACHE:-}
if [ -n "$cache" ] && [ -f "$cache/$hash/$deb" ]; then
  mkdir -p "$out"
  cp "$cache/$hash/$deb" "$cache/$hash/lintian.txt" "$out/"
  echo "build-deb: $deb from the cache ($hash)" >&2
  echo "$out/$deb"; exit 0
fi

# Build dependencies.
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "build dependencies missing (dpkg-checkbuilddeps) and not root to install them"
  command -v mk-build-deps >/dev/null || die "mk-build-deps missing: apt-get install devscripts equivs"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    $(dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' | \
      sed 's/([^)]*)//g; s/|[^ ]*//g') >&2
fi

work=$(mktemp -d /tmp/trustform-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/trustform-$version"
printf '%s\n' "$files" | tar -C "$src" -cf - -T - | tar -C "$work/trustform-$version" -xf -
start=$(date +%s)
echo "build-deb: dpkg-buildpackage in $work" >&2
( cd "$work/trustform-$version" && \
  DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -us -uc -b ) >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2; die "dpkg-buildpackage failed (log above)"; }
[ -f "$work/$deb" ] || die "dpkg-buildpackage made no $deb"
echo "build-deb: built in $(( $(date +%s) - start )) s" >&2
mkdir -p "$out"
cp "$work/$deb" "$work/build.log" "$out/"
# lintian: errors fail the build, warnings are reported.
lintian --tag-display-limit 0 --info "$work"/trustform_*.changes >"$out/lintian.txt" 2>&1 || true
sed 's/^/build-deb: lintian: /' "$out/lintian.txt" >&2
if grep -q '^E: ' "$out/lintian.txt"; then die "lintian reports errors (above)"; fi
if [ -n "$cache" ]; then
  mkdir -p "$cache/$hash"
  cp "$out/$deb" "$out/lintian.txt" "$cache/$hash/"
fi
echo "$out/$deb"

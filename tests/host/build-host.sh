#!/usr/bin/env bash
# Build, once, a minimal Debian system of SUITE for the real-system tests and
# cache it outside the source tree. Prints the tree's path on stdout.
#
#   tests/host/build-host.sh SUITE [PKG...]            # build if missing, print path
#   tests/host/build-host.sh --rebuild SUITE [PKG...]  # throw the cached tree away first
#
# The mirror is taken from this machine's own apt sources (never written into
# the repository). The cache lives in $TRUSTFORM_HOST_CACHE (default
# /var/cache/trustform-testhost), keyed by the suite and the package list, so
# a change of the list builds a new tree. $TRUSTFORM_HOST_SMOKE may hold
# extra shell commands (one per line) that must run in the tree. Fails with the
# reason when the tree cannot be built (no route to the registry, no
# debootstrap, not root). $TRUSTFORM_HOST_PREFIX (e.g. "booted-") names a
# family of trees of its own: the old-tree cleanup at the end only removes
# trees of the same family and suite, never another family's tree in use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rebuild=
[ "${1:-}" = --rebuild ] && { rebuild=1; shift; }
suite=${1:?usage: build-host.sh [--rebuild] SUITE [PKG...]}; shift
pkgs=("$@")
cache=${TRUSTFORM_HOST_CACHE:-/var/cache/trustform-testhost}
key=$(printf '%s\n' "$suite" "${pkgs[@]}" "v1" | sha256sum | cut -c1-12)
prefix=${TRUSTFORM_HOST_PREFIX:-}
tree=$cache/$prefix$suite-$key

die() { echo "build-host: $*" >&2; exit 1; }

[ -n "$rebuild" ] && rm -rf "$tree"
if [ -f "$tree/.trustform-ready" ]; then
  echo "$tree"; exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot); run as root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

mirror=$("$here/mirror.sh" | grep -v -e -security -e /debian-security | head -1 || true)
[ -n "$mirror" ] || die "no Debian mirror found in this machine's apt sources (/etc/apt/sources.list*)"

mkdir -p "$cache"
# One builder at a time; a second caller waits and then reuses the tree.
exec 9>"$cache/.lock"
flock 9
if [ -f "$tree/.trustform-ready" ]; then echo "$tree"; exit 0; fi

work=$tree.tmp.$$
rm -rf "$work" "$tree".tmp.*
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "build-host: debootstrap $suite (minbase) into $work" >&2
incl=
[ ${#pkgs[@]} -gt 0 ] && incl="--include=$(IFS=,; echo "${pkgs[*]}")"
if ! debootstrap --variant=minbase $incl \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      "$suite" "$work" "$mirror" >"$work.log" 2>&1; then
  tail -20 "$work.log" >&2
  die "debootstrap of $suite from the machine's mirror failed (log above; no network to the package registry?)"
fi
mv "$work.log" "$work/debootstrap.log" 2>/dev/null || true
# apt inside the tree: the registry may serve a frozen suite whose Release has
# an expired Valid-Until.
printf 'Acquire::Check-Valid-Until "false";\n' >"$work/etc/apt/apt.conf.d/99trustform-test"
printf 'deb %s %s main\n' "$mirror" "$suite" >"$work/etc/apt/sources.list"
# Smoke test: the tree's own tools run through chroot.
while IFS= read -r cmd; do
  [ -n "$cmd" ] || continue
  chroot "$work" sh -c "$cmd" >/dev/null 2>&1 || die "the built tree cannot run: $cmd"
done <<<"true
${TRUSTFORM_HOST_SMOKE:-}"
if [ ${#pkgs[@]} -gt 0 ]; then
  chroot "$work" dpkg-query -W -f='${Package} ${Version}\n' "${pkgs[@]}" >"$work/.trustform-versions"
else
  : >"$work/.trustform-versions"
fi
touch "$work/.trustform-ready"
rm -rf "$tree"
mv "$work" "$tree"
trap - EXIT
echo "build-host: built in $(( $(date +%s) - start )) s" >&2
# The trees of other package lists stay: other tests (and other checkouts) use
# them, perhaps right now as an overlay's lower directory.
echo "$tree"

#!/usr/bin/env bash
# Build, once, a Debian SUITE tree (bookworm, trixie or sid) holding the build
# dependencies of debian/control (and build-essential, lintian), for building
# the package of that suite (scripts/build-deb.sh SUITE). Prints the tree's
# path on stdout.
#
#   scripts/build-tree.sh SUITE              # build if missing, print path
#   scripts/build-tree.sh --rebuild SUITE    # throw this key's tree away first
#
# The tree is cached in $TRUSTFORM_HOST_CACHE (default
# /var/cache/trustform-testhost) as build-SUITE-KEY, KEY a hash of the suite
# and debian/control: a change of the build dependencies builds a new tree,
# and nothing else does (rebuild to take a moving suite's newer libraries).
# Built under the cache's lock; a cached tree is never modified (the builds
# run in an overlay over it). The mirror is this machine's own (its apt
# sources). Needs root and debootstrap; fails with the reason otherwise.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "build-tree: $*" >&2; exit 1; }
rebuild=
[ "${1:-}" = --rebuild ] && { rebuild=1; shift; }
suite=${1:?usage: build-tree.sh [--rebuild] bookworm|trixie|sid}
case $suite in bookworm|trixie|sid) ;; *) die "unknown suite '$suite': use bookworm, trixie or sid" ;; esac
cache=${TRUSTFORM_HOST_CACHE:-/var/cache/trustform-testhost}
key=$(printf '%s\n' "$suite" "$(sha256sum <"$src/debian/control")" "build-v1" | sha256sum | cut -c1-12)
tree=$cache/build-$suite-$key

if [ -z "$rebuild" ] && [ -f "$tree/.trustform-ready" ]; then echo "$tree"; exit 0; fi
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot); run as root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
mirror=$("$src/tests/host/mirror.sh" | grep -v -e -security -e /debian-security | head -1 || true)
[ -n "$mirror" ] || die "no Debian mirror found in this machine's apt sources (/etc/apt/sources.list*)"

mkdir -p "$cache"
# One builder of this tree at a time (a lock of its own, so that it does not
# wait for the test hosts' builds); a second caller waits and then reuses it.
exec 9>"$cache/.lock-build-$suite-$key"
flock 9
[ -n "$rebuild" ] && rm -rf "$tree"
if [ -f "$tree/.trustform-ready" ]; then echo "$tree"; exit 0; fi

work=$tree.tmp.$$
rm -rf "$work" "$tree".tmp.*
cleanup() { umount -l "$work/proc" 2>/dev/null || true; rm -rf "$work" "$work.log"; }
trap cleanup EXIT
start=$(date +%s)
echo "build-tree: debootstrap $suite (minbase) into $work" >&2
if ! debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      "$suite" "$work" "$mirror" >"$work.log" 2>&1; then
  tail -20 "$work.log" >&2
  die "debootstrap of $suite from the machine's mirror failed (log above; no network to the package registry?)"
fi
mv "$work.log" "$work/debootstrap.log"
printf 'Acquire::Check-Valid-Until "false";\n' >"$work/etc/apt/apt.conf.d/99trustform-test"
printf 'deb %s %s main\n' "$mirror" "$suite" >"$work/etc/apt/sources.list"
# No service starts in the tree; the host's resolver while apt fetches.
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"; chmod 755 "$work/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$work/etc/resolv.conf"
mount -t proc proc "$work/proc"
mkdir -p "$work/tmp/trustform-src/debian"
cp "$src/debian/control" "$work/tmp/trustform-src/debian/control"
cp "$src/debian/changelog" "$work/tmp/trustform-src/debian/changelog"
inside() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    chroot "$work" "$@"
}
if ! { inside apt-get update &&
       inside apt-get install -y --no-install-recommends build-essential lintian &&
       inside apt-get build-dep -y --no-install-recommends /tmp/trustform-src; } >"$work/setup.log" 2>&1; then
  tail -30 "$work/setup.log" >&2
  die "installing the build dependencies of debian/control in the $suite tree failed (log above)"
fi
inside apt-get clean
rm -rf "$work/tmp/trustform-src"
umount "$work/proc"
: >"$work/etc/resolv.conf"
# What this tree builds with, for the logs and the README's table.
{
  inside sh -c 'gcc -dumpfullversion | sed "s/^/gcc /"'
  inside dpkg-query -W -f='${Package} ${Version}\n' libgit2-dev libssl-dev libyaml-dev \
    libnss3-dev libjansson-dev cmake debhelper lintian
} >"$work/.trustform-versions"
touch "$work/.trustform-ready"
rm -rf "$tree"
mv "$work" "$tree"
trap - EXIT
echo "build-tree: built in $(( $(date +%s) - start )) s" >&2
echo "$tree"

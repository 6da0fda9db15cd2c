#!/usr/bin/env bash
# Build, once, a Debian SUITE (trixie or sid) system that boots with systemd
# as PID 1 (tests/lib/booted.sh) and cache it outside the source tree. Prints
# the tree's path on stdout.
#
#   tests/host/build-booted.sh SUITE            # build if missing, print path
#   tests/host/build-booted.sh --rebuild SUITE  # throw the cached tree away first
#
# A thin wrapper over build-host.sh: its own family of trees ("booted-"), keyed
# by the suite and the list below, so a change of the list builds a new tree
# and never touches the other tests' trees. The list holds the system (systemd,
# dbus), the clients the booted tests check (curl, openssl, python3 with venv,
# requests, httpx and truststore, nodejs, caddy, certutil), and what
# booted_install_trustform needs to build trustform from source inside it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rebuild=()
[ "${1:-}" = --rebuild ] && { rebuild=(--rebuild); shift; }
suite=${1:?usage: build-booted.sh [--rebuild] SUITE}
# httpx: in trixie; in sid, debootstrap cannot configure its python3-anyio at
# the base-system stage (December 2026), so sid's tree has requests only.
httpx=(python3-httpx) smoke_httpx=", httpx"
[ "$suite" != sid ] || { httpx=(); smoke_httpx=; }
pkgs=(systemd systemd-sysv dbus procps iproute2 ca-certificates openssl curl
      python3 python3-venv python3-requests "${httpx[@]}" python3-truststore
      nodejs caddy libnss3-tools
      gcc make cmake pkg-config libssl-dev libyaml-dev libnss3-dev libgit2-dev
      libjansson-dev)
TRUSTFORM_HOST_PREFIX=booted- TRUSTFORM_HOST_SMOKE="systemctl --version
update-ca-certificates --help
openssl version
curl --version
python3 -c 'import truststore, requests$smoke_httpx'
node --version
caddy version
command -v certutil
cmake --version
pkg-config --exists openssl yaml-0.1 nss libgit2 jansson" \
  exec "$here/build-host.sh" "${rebuild[@]}" "$suite" "${pkgs[@]}"

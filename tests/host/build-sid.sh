#!/usr/bin/env bash
# Build, once, a minimal Debian sid system for the real-system tests and cache
# it outside the source tree. Prints the tree's path on stdout.
#
#   tests/host/build-sid.sh            # build if missing (or stale), print path
#   tests/host/build-sid.sh --rebuild  # throw the cached tree away first
#
# A thin wrapper over build-host.sh (same cache key as before: suite and
# package list).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkgs=(ca-certificates openssl curl python3 python3-venv python3-requests
      python3-truststore nodejs caddy libnss3-tools)
rebuild=()
[ "${1:-}" = --rebuild ] && rebuild=(--rebuild)
TRUSTFORM_HOST_SMOKE="update-ca-certificates --help
openssl version
curl --version
python3 -c 'import truststore, requests'
node --version
caddy version
command -v certutil" exec "$here/build-host.sh" "${rebuild[@]}" sid "${pkgs[@]}"

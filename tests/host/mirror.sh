#!/usr/bin/env bash
# Print the Debian archive mirror this machine's apt sources use (the main
# archive, not the security one). Deb822 (.sources) and one-line formats.
set -euo pipefail
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
  awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' "$f"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; break } }' "$f"
done

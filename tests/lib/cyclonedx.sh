# CycloneDX's official JSON schemas, for the tests that validate a CBOM.
# Sourced by a test after common.sh.
#
# cyclonedx_schema_dir: prints the directory holding bom-1.6.SNAPSHOT.schema.json
# and the spdx and jsf schemas it refers to, from the npm package
# @cyclonedx/cyclonedx-library (Apache-2.0; its res/schema), fetched with
# `npm pack` from the machine's npm registry into a cache outside the source
# tree: $TRUSTFORM_CDX_CACHE, default /var/cache/trustform-cyclonedx (or
# $XDG_CACHE_HOME/trustform-cyclonedx when that cannot be written). Fails,
# saying why, when the package cannot be fetched. Validation itself never
# needs the network (tests/lib/check_cyclonedx.py).
CDX_LIBRARY_VERSION=10.3.0

cyclonedx_schema_dir() {
  local cache=${TRUSTFORM_CDX_CACHE:-/var/cache/trustform-cyclonedx}
  if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/trustform-cyclonedx
    mkdir -p "$cache"
  fi
  local dir=$cache/cyclonedx-library-$CDX_LIBRARY_VERSION/schema
  if [ ! -s "$dir/bom-1.6.SNAPSHOT.schema.json" ]; then
    local tmp
    tmp=$(mktemp -d "$cache/fetch.XXXXXX")
    if ! (cd "$tmp" && npm pack --silent "@cyclonedx/cyclonedx-library@$CDX_LIBRARY_VERSION" >pack.out 2>pack.err); then
      echo "cannot fetch @cyclonedx/cyclonedx-library@$CDX_LIBRARY_VERSION with npm pack:" >&2
      sed 's/^/  /' "$tmp/pack.err" >&2
      rm -rf "$tmp"
      return 1
    fi
    mkdir -p "$tmp/x" && tar -xzf "$tmp"/*.tgz -C "$tmp/x" package/res/schema
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir" && mv "$tmp/x/package/res/schema" "$dir"
    rm -rf "$tmp"
  fi
  echo "$dir"
}

# check_cdx SCHEMA_DIR FILE: the document is valid CycloneDX 1.6
check_cdx() {
  /usr/bin/python3 "$TESTS_DIR/lib/check_cyclonedx.py" "$1" "$2" >"$T/.cdx" 2>&1
  grep -q ': valid$' "$T/.cdx" || { sed 's/^/  /' "$T/.cdx" >&2; return 1; }
}

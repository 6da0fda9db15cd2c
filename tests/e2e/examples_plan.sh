#!/usr/bin/env bash
# Every example is a real config: it validates, and plan → apply → plan works
# for each of its hosts on a sandbox Debian tree, with the venvs its python
# stores name. A host whose role manages Caddy gets Caddy's data directory in
# the sandbox, holding the example's exported root as Caddy's root (the PKI
# store reads certificates only), and a Caddyfile with a site.
#
# A host entry is a name or a glob ("*", "ci-*"); each is planned once, as a
# host name that matches it. (The entries were once word-split unquoted, so the
# shell expanded "*" to the files of the working directory, and the test ran
# the homelab example once per file of ctest's directory: 21 sandbox hosts
# instead of one, most of the test's 783 s on a loaded machine.)
. "$(dirname "$0")/../lib/common.sh"

# caddy_example_tree CONFIG ROOT: Caddy's files as the example expects them
caddy_example_tree() {
  local ex=$1 r=$2 data ca file cfile
  data=$(/usr/bin/python3 -c "import yaml; print(yaml.safe_load(open('$ex'))['caddy']['data_dir'])")
  ca=$(/usr/bin/python3 -c "import yaml; print(yaml.safe_load(open('$ex'))['caddy'].get('ca', 'local'))")
  file=$(/usr/bin/python3 -c "import yaml
for n, c in yaml.safe_load(open('$ex'))['cas'].items():
    if c.get('caddy') == '$ca': print(c['file'])")
  mkdir -p "$r$data/pki/authorities/$ca"
  cp "$(dirname "$ex")/$file" "$r$data/pki/authorities/$ca/root.crt"
  cfile=$(/usr/bin/python3 -c "import yaml; print(yaml.safe_load(open('$ex'))['caddy'].get('caddyfile', ''))")
  if [ -n "$cfile" ]; then
    mkdir -p "$(dirname "$r$cfile")"
    printf 'example.internal {\n\ttls internal\n\treverse_proxy 127.0.0.1:8080\n}\n' >"$r$cfile"
  fi
}

# One Debian tree as update-ca-certificates --fresh leaves it, copied for each
# host (the tool's output is the same for every copy: only the hosts' configs
# differ, and a copy keeps the links' exact text).
BASE=$T/base-root; mk_root "$BASE" with-distro
real_update_ca_chroot_like "$BASE" --fresh
check "the base tree has the distro bundle" test -s "$BASE/etc/ssl/certs/ca-certificates.crt"

for ex in "$SRC_DIR"/examples/*/trust.yaml; do
  name=${ex#"$SRC_DIR"/}
  expect_rc 0 "$name validates" tf validate -c "$ex"
  mapfile -t hosts < <(/usr/bin/python3 -c "import yaml; print('\n'.join(yaml.safe_load(open('$ex'))['hosts']))")
  check "$name has hosts" test "${#hosts[@]}" -ge 1
  for h in "${hosts[@]}"; do
    host=${h//\*/x}; host=${host//\?/x}
    R=$T/root-$(basename "$(dirname "$ex")")-$host
    cp -a "$BASE" "$R"
    # the venvs the example's python stores name (a real machine has them)
    for v in $(/usr/bin/python3 -c "import yaml; print(' '.join(s['venv'] for s in yaml.safe_load(open('$ex'))['stores'].values() if s.get('type') == 'python'))"); do
      mk_certifi_venv "$R$v" 2>/dev/null
    done
    tf validate -c "$ex" --host "$host" >"$T/v.out"
    targets=()
    # --offline: the examples' endpoints (connects_to:) are not reachable from here
    if tf plan -c "$ex" --root "$R" --host "$host" --offline >/dev/null 2>"$T/caddy.err"; then :; else
      if grep -q "caddy: data_dir .* does not exist" "$T/caddy.err"; then
        caddy_example_tree "$ex" "$R"
      fi
    fi
    expect_rc 2 "$name $host: plan shows changes" tf plan -c "$ex" --root "$R" --host "$host" "${targets[@]}" --detailed-exitcode --offline
    expect_rc 0 "$name $host: apply" tf apply -c "$ex" --root "$R" --host "$host" "${targets[@]}" --auto-approve
    expect_rc 0 "$name $host: plan is clean" tf plan -c "$ex" --root "$R" --host "$host" "${targets[@]}" --detailed-exitcode --offline
  done
done
done_testing

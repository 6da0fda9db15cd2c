#!/usr/bin/env bash
# Every example is a real config: it validates, and plan → apply → plan works
# for each of its hosts on a sandbox Debian tree, with the venvs its python
# stores name. A host whose role manages Caddy gets Caddy's data directory in
# the sandbox, holding the example's exported root as Caddy's root (the PKI
# store reads certificates only), and a Caddyfile with a site.
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

for ex in "$SRC_DIR"/examples/*/trust.yaml; do
  name=${ex#"$SRC_DIR"/}
  expect_rc 0 "$name validates" tf validate -c "$ex"
  hosts=$(/usr/bin/python3 -c "import yaml,sys; print(' '.join(yaml.safe_load(open('$ex'))['hosts']))")
  for h in $hosts; do
    host=${h//\*/x}; host=${host//\?/x}
    R=$T/root-$(basename "$(dirname "$ex")")-$host; mk_root "$R" with-distro
    real_update_ca_chroot_like "$R" --fresh
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

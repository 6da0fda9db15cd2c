#!/usr/bin/env bash
# Every example is a real config: it validates, and plan → apply → plan works
# for each of its hosts on a sandbox Debian tree with the venvs its python
# stores name (hosts whose role manages Caddy are planned for their other
# stores with --target).
. "$(dirname "$0")/../lib/common.sh"

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
    if tf plan -c "$ex" --root "$R" --host "$host" >/dev/null 2>"$T/caddy.err"; then :; else
      if grep -q "cannot check Caddy's PKI yet" "$T/caddy.err"; then
        for s in $(sed -n 's/.*stores //p' "$T/v.out"); do targets+=(--target "$s"); done
      fi
    fi
    expect_rc 2 "$name $host: plan shows changes" tf plan -c "$ex" --root "$R" --host "$host" "${targets[@]}" --detailed-exitcode
    expect_rc 0 "$name $host: apply" tf apply -c "$ex" --root "$R" --host "$host" "${targets[@]}" --auto-approve
    expect_rc 0 "$name $host: plan is clean" tf plan -c "$ex" --root "$R" --host "$host" "${targets[@]}" --detailed-exitcode
  done
done
done_testing

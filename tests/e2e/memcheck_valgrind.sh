#!/usr/bin/env bash
# The binary is clean under valgrind's memcheck (no invalid access, no leak)
# on the main paths: validate (good and bad), plan, apply with changes, show.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/a" "/CN=Memcheck A"; mk_ca "$T/cfg/cas/b" "/CN=Memcheck B"
mk_leaf "$T/cfg/cas/leaf" "$T/cfg/cas/a"
cp "$R/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt" "$T/cfg/cas/isrg.pem"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
  b: { file: cas/b.pem }
  isrg: { file: cas/isrg.pem, ensure: distrusted }
stores:
  system: { type: system }
roles:
  node: { cas: [a, b], stores: [system] }
hosts:
  "n*": [node]
YAML
cat >"$T/cfg/bad.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/leaf.pem, colour: red }
  a: { file: cas/missing.pem }
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host n1)
expect_rc 0 "validate" vg validate -c "$T/cfg/trust.yaml"
expect_rc 1 "validate a bad file" vg validate -c "$T/cfg/bad.yaml"
sed -i 's/  a: { file: cas\/missing.pem }//' "$T/cfg/bad.yaml"
expect_rc 1 "validate a bad file (all checks)" vg validate -c "$T/cfg/bad.yaml"
expect_rc 2 "plan" vg plan "${args[@]}" --detailed-exitcode
expect_rc 0 "apply" vg apply "${args[@]}" --auto-approve
expect_rc 0 "show" vg show "${args[@]}"
sed -i 's/cas: \[a, b\]/cas: [a]/' "$T/cfg/trust.yaml"
expect_rc 0 "apply a removal" vg apply "${args[@]}" --auto-approve
expect_rc 1 "unknown host" vg plan -c "$T/cfg/trust.yaml" --root "$R" --host zz
done_testing

#!/usr/bin/env bash
# The trap from the field: a CA regenerated under the same file name (Caddy's
# root after a reset, keeping its subject). The plan shows a replacement; after
# apply, `openssl verify -CApath` accepts a leaf of the new CA and rejects one
# of the old.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas"
subj="/O=Caddy Local Authority/CN=Caddy Local Authority - 2026 ECC Root"
mk_ca "$T/old" "$subj"; mk_leaf "$T/old-leaf" "$T/old"
cp "$T/old.pem" "$T/cfg/cas/caddy-local-root.pem"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  caddy-local: { file: cas/caddy-local-root.pem }
stores:
  system: { type: system }
roles:
  edge: { cas: [caddy-local], stores: [system] }
hosts:
  a9: [edge]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host a9)
expect_rc 0 "apply the first root" tf apply "${args[@]}" --auto-approve
check "old leaf verifies" openssl verify -CApath "$(capath_of "$R")" "$T/old-leaf.pem"

# The root is regenerated: same subject, same file name, new key.
mk_ca "$T/new" "$subj"; mk_leaf "$T/new-leaf" "$T/new"
cp "$T/new.pem" "$T/cfg/cas/caddy-local-root.pem"
check "new leaf fails before apply" bash -c "! openssl verify -CApath '$(capath_of "$R")' '$T/new-leaf.pem' >/dev/null 2>&1"

expect_rc 2 "plan shows the replacement" tf plan "${args[@]}" --detailed-exitcode
check "-/+ line" out_has '-/+ ca "caddy-local" {'
check "headline" out_has 'caddy-local changed content under the same name'
old=$(fingerprint "$T/old.pem"); new=$(fingerprint "$T/new.pem")
check "sha256 change shown" out_has "~ sha256  = \"${old:0:12}…\" -> \"${new:0:12}…\""
check "counted as add and destroy" out_has 'Plan: 1 to add, 0 to change, 1 to destroy.'

expect_rc 0 "apply the replacement" tf apply "${args[@]}" --auto-approve
check "new leaf verifies" openssl verify -CApath "$(capath_of "$R")" "$T/new-leaf.pem"
check "old leaf is rejected" bash -c "! openssl verify -CApath '$(capath_of "$R")' '$T/old-leaf.pem' >/dev/null 2>&1"
check "bundle verifies the new leaf" openssl verify -CAfile "$R/etc/ssl/certs/ca-certificates.crt" "$T/new-leaf.pem"
check "old file is gone" bash -c "! ls '$R'/usr/local/share/ca-certificates/trustform/caddy-local-${old:0:12}.crt 2>/dev/null"
expect_rc 0 "clean afterwards" tf plan "${args[@]}" --detailed-exitcode

# A hand-edited managed file is drift, put right by the next apply.
f=$(ls "$R"/usr/local/share/ca-certificates/trustform/caddy-local-*.crt)
cp "$T/old.pem" "$f"
expect_rc 2 "hand-edited managed file is drift" tf plan "${args[@]}" --detailed-exitcode
check "shown as replacement" out_has '-/+ ca "caddy-local"'
expect_rc 0 "repair" tf apply "${args[@]}" --auto-approve
check "new leaf verifies after repair" openssl verify -CApath "$(capath_of "$R")" "$T/new-leaf.pem"
done_testing

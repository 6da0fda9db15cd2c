#!/usr/bin/env bash
# Bad input around Caddy gets a clear error naming the file (and line), and
# changes nothing of Caddy's: a data_dir that does not exist, a root.crt that
# is not a certificate (or not a root), an unparseable Caddyfile (unbalanced
# brace, unterminated quote, an import of nothing), an invalid JSON config, a
# missing Caddyfile. The other stores of the host are still planned. A
# damaged intermediate.crt is not an error: it is reissued.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"; real_update_ca_chroot_like "$R" --fresh
D=$R/var/lib/caddy/.local/share/caddy
pki=$D/pki/authorities/local
mkdir -p "$pki" "$R/etc/caddy" "$T/cfg/cas"
mk_ca "$T/caddyroot" "/CN=Caddy Local Authority - 2026 ECC Root"
cp "$T/caddyroot.pem" "$pki/root.crt"; cp "$T/caddyroot.key" "$pki/root.key"
cp "$T/caddyroot.pem" "$T/cfg/cas/caddy-local.pem"
mk_ca "$T/cfg/cas/corp" "/CN=Corp Root"
printf 'site.internal {\n\ttls internal\n}\n' >"$R/etc/caddy/Caddyfile"
write_cfg() { # data_dir config-key config-path
  cat >"$T/cfg/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
  caddy-local: { file: cas/caddy-local.pem, caddy: local }
stores:
  system: { type: system }
caddy:
  data_dir: $1
  $2: $3
roles:
  edge: { cas: [corp, caddy-local], stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
}
args=(-c "$T/cfg/trust.yaml" --root "$R" --host edge1)
caddy_sum() { tree_sum "$R/var/lib/caddy"; sha256sum "$R/etc/caddy/"* 2>/dev/null || true; }

# case_ NAME "expected text": plan and apply fail with it; Caddy's files unchanged
case_() {
  local name=$1 want=$2 before
  before=$(caddy_sum)
  expect_rc 1 "$name: plan fails" tf plan "${args[@]}"
  check "$name: says '$want'" err_has "$want"
  check "$name: by in-root paths" no_host_paths "$R"
  check "$name: the system store is still planned" out_has '# system (debian): corp will be added'
  expect_rc 1 "$name: apply fails" tf apply "${args[@]}" --auto-approve
  check "$name: Caddy's files unchanged" test "$before" = "$(caddy_sum)"
}

write_cfg /var/lib/caddy/nowhere caddyfile /etc/caddy/Caddyfile
case_ "data_dir missing" "caddy: data_dir /var/lib/caddy/nowhere does not exist; give"
check "data_dir missing: says where Debian keeps it" err_has "/var/lib/caddy/.local/share/caddy"
expect_rc 1 "export-root: data_dir missing" tf caddy export-root "${args[@]}"
check "export-root: says so" err_has "does not exist"
# reset the system store for the next cases
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh

write_cfg /var/lib/caddy/.local/share/caddy caddyfile /etc/caddy/Caddyfile
# leaves that cannot be listed are an error, never "no stale leaves"
mkdir -p "$D/certificates"; echo "not a directory" >"$D/certificates/local"
case_ "leaves directory unreadable" "${D#"$R"}/certificates/local: cannot list the directory"
rm "$D/certificates/local"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh

echo "this is not a certificate" >"$pki/root.crt"
case_ "root.crt garbage" "${pki#"$R"}/root.crt is not a certificate"
check "root.crt garbage: says what to do" err_has "restore it from a backup"
expect_rc 1 "export-root refuses it too" tf caddy export-root "${args[@]}"
check "export-root: same message" err_has "is not a certificate"
mk_leaf "$T/leaf" "$T/caddyroot"; cp "$T/leaf.pem" "$pki/root.crt"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh
case_ "root.crt is a leaf" "is not one self-signed CA certificate"
cp "$T/caddyroot.pem" "$pki/root.crt"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh

printf '{\n\temail a@b.c\n\nsite.internal {\n\ttls internal\n}\n' >"$R/etc/caddy/Caddyfile"
case_ "unbalanced brace" "/etc/caddy/Caddyfile:1: this '{' is never closed"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh
printf 'site.internal {\n\trespond "unterminated\n}\n' >"$R/etc/caddy/Caddyfile"
case_ "unterminated quote" '/etc/caddy/Caddyfile:2: the quote (") opened here is never closed'
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh
printf 'import sites/nothing.caddy\n' >"$R/etc/caddy/Caddyfile"
case_ "import of nothing" "/etc/caddy/Caddyfile:1: import sites/nothing.caddy: no snippet of that name, and no file"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh
rm "$R/etc/caddy/Caddyfile"
case_ "Caddyfile missing" "caddy: caddyfile /etc/caddy/Caddyfile cannot be read"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh

write_cfg /var/lib/caddy/.local/share/caddy json /etc/caddy/caddy.json
printf '{"apps": {"http": {,}}}\n' >"$R/etc/caddy/caddy.json"
case_ "invalid JSON" "/etc/caddy/caddy.json:1:"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh
printf '{"apps": {"pki": 1, "pki": 2}}\n' >"$R/etc/caddy/caddy.json"
case_ "duplicate JSON keys" "duplicate object key"
rm -rf "$R"/usr/local/share/ca-certificates/trustform; real_update_ca_chroot_like "$R" --fresh

# a damaged intermediate is reissued, not an error
printf '{}\n' >"$R/etc/caddy/caddy.json"
echo "garbage" >"$pki/intermediate.crt"
expect_rc 0 "damaged intermediate: plan works" tf plan "${args[@]}"
check "it is reissued" out_has '-/+ issuance "local" {'
check "because it is damaged" out_has 'intermediate.crt is damaged'

# the config itself
sed -i 's|  json: /etc/caddy/caddy.json|  intermediate_lifetime: 720h|' "$T/cfg/trust.yaml"
expect_rc 1 "intermediate_lifetime without a Caddy config file" tf validate -c "$T/cfg/trust.yaml"
check "names the key and what to do" err_has "caddy: intermediate_lifetime is set in Caddy's config: give its file as caddyfile"

# caddy is a registered type, but of the top-level section: not a stores: entry
printf 'version: 1\ncas: {}\nstores:\n  c: { type: caddy, data_dir: /x }\nroles: {}\nhosts: {}\n' \
  >"$T/cfg/instores.yaml"
expect_rc 1 "type: caddy under stores:" tf validate -c "$T/cfg/instores.yaml"
check "names the place and the fix" err_has "instores.yaml:4:14: error: store \"c\": type caddy is configured by the top-level \`caddy:\` section, not under stores:"
done_testing

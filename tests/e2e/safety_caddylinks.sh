#!/usr/bin/env bash
# Caddy's data directory belongs to the caddy user (here a real uid 4242,
# acting through setpriv). Caddy keeps its root, intermediate and leaves as
# regular files in real directories; trustform reads and removes only those.
# The caddy user links certificates/local/<name> to a root-owned directory
# holding <name>.crt/.key/.json that do not chain to Caddy's root (so they
# would be planned as a stale leaf and removed), links a leaf file, the
# intermediate and the root: each is refused with a message naming the link,
# and every file the links point at is untouched. The same layout without the
# links plans the stale leaf and the reissue removes exactly its files.
. "$(dirname "$0")/../lib/common.sh"
command -v setpriv >/dev/null || { echo "setpriv (util-linux) is required" >&2; exit 1; }
U=4242
as_user() { setpriv --reuid=$U --regid=$U --clear-groups "$@"; }

R=$T/root; mk_root "$R"; mkdir -p "$R/var/lib/trustform"
D=$R/var/lib/caddy/.local/share/caddy
pki=$D/pki/authorities/local; leaves=$D/certificates/local
mkdir -p "$pki" "$leaves" "$T/cfg/cas" "$R/etc/nginx/ssl"
subj="/CN=Caddy Local Authority - 2026 ECC Root"
mk_ca "$T/root" "$subj"
mk_ca "$T/gone" "$subj"
mk_intermediate "$T/inter" "$T/root" "/CN=Caddy Local Authority - ECC Intermediate"
cp "$T/root.pem" "$pki/root.crt"; cp "$T/root.key" "$pki/root.key"
cp "$T/inter.pem" "$pki/intermediate.crt"; cp "$T/inter.key" "$pki/intermediate.key"
cp "$T/root.pem" "$T/cfg/cas/caddy-local.pem"
mk_leaf "$T/stale" "$T/gone" site.internal
mk_leaf "$T/good" "$T/inter" site.internal; cat "$T/good.pem" "$T/inter.pem" >"$T/good.chain"
# nginx's own certificate and key, owned by root, that do not chain to Caddy's root
cp "$T/stale.pem" "$R/etc/nginx/ssl/site.internal.crt"; cp "$T/stale.key" "$R/etc/nginx/ssl/site.internal.key"
echo '{"sans":["site.internal"]}' >"$R/etc/nginx/ssl/site.internal.json"
chown -R $U:$U "$R/var/lib/caddy"; chmod 0755 "$T" "$R"
cat >"$T/cfg/trust.yaml" <<YAML
version: 1
cas:
  caddy-local: { file: cas/caddy-local.pem, caddy: local }
stores:
  s: { type: pem-bundle, path: /etc/app.pem }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  stop: "true"
  start: "mkdir -p $leaves/site.internal && cp $T/good.chain $leaves/site.internal/site.internal.crt"   # what Caddy does when it starts
roles:
  edge: { cas: [caddy-local], stores: [s], caddy: true }
hosts:
  edge1: [edge]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host edge1)
nginx_sum() { sha256sum "$R/etc/nginx/ssl/"* "$pki/root.key"; }
before=$(nginx_sum)

# refused NAME LINK TARGET: plan and apply fail naming the link; nothing changes
refused() {
  local name=$1 link=$2 target=$3
  expect_rc 1 "$name: plan refuses" tf plan "${args[@]}"
  check "$name: names the link" err_has "${link#"$R"} is a symbolic link (to $target): Caddy keeps its certificates as real directories and regular files"
  check "$name: by its in-root path" no_host_paths "$R"
  check "$name: says the fix" err_has "replace the link with the real directory or file"
  expect_rc 1 "$name: apply refuses" tf apply "${args[@]}" --auto-approve
  check "$name: the link's targets are untouched" test "$before" = "$(nginx_sum)"
  check "$name: the link is still there" test -L "$link"
}

as_user ln -s ../../../../../../../../etc/nginx/ssl "$leaves/site.internal"
refused "leaf directory as a link" "$leaves/site.internal" ../../../../../../../../etc/nginx/ssl
as_user rm "$leaves/site.internal"

as_user mkdir "$leaves/site2"
as_user ln -s /etc/nginx/ssl/site.internal.crt "$leaves/site2/site2.crt"
refused "leaf file as a link" "$leaves/site2/site2.crt" /etc/nginx/ssl/site.internal.crt
as_user rm -r "$leaves/site2"

as_user mv "$pki/intermediate.crt" "$pki/i.real"
as_user ln -s /etc/nginx/ssl/site.internal.crt "$pki/intermediate.crt"
refused "intermediate as a link" "$pki/intermediate.crt" /etc/nginx/ssl/site.internal.crt
as_user mv -f "$pki/i.real" "$pki/intermediate.crt"

as_user mv "$pki/root.crt" "$pki/r.real"
as_user ln -s /etc/nginx/ssl/site.internal.crt "$pki/root.crt"
refused "root as a link" "$pki/root.crt" /etc/nginx/ssl/site.internal.crt
expect_rc 1 "root as a link: export-root refuses" tf caddy export-root "${args[@]}" "$T/exported.pem"
check "root as a link: export-root names it" err_has "${pki#"$R"}/root.crt is a symbolic link"
check "root as a link: nothing exported" test ! -e "$T/exported.pem"
as_user mv -f "$pki/r.real" "$pki/root.crt"

# The same stale leaf as Caddy's own files: planned and removed, nothing else.
as_user mkdir "$leaves/site.internal"
for f in crt key json; do cp "$R/etc/nginx/ssl/site.internal.$f" "$leaves/site.internal/"; done
chown -R $U:$U "$leaves/site.internal"
expect_rc 2 "a real stale leaf: plan" tf plan "${args[@]}" --detailed-exitcode
check "the reissue lists it" out_has '- leaf    = "site.internal ('
expect_rc 0 "export-root works" tf caddy export-root "${args[@]}" "$T/exported.pem"
check "exported Caddy's root" cmp "$T/exported.pem" "$T/root.pem"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "the stale leaf was removed (Caddy issued the new one)" test "$(fingerprint "$leaves/site.internal/site.internal.crt")" = "$(fingerprint "$T/good.pem")"
check "  with its key and .json" test ! -e "$leaves/site.internal/site.internal.json" -a ! -e "$leaves/site.internal/site.internal.key"
check "nginx's files and Caddy's root key untouched" test "$before" = "$(nginx_sum)"
check "the root and the intermediate kept" cmp "$pki/intermediate.crt" "$T/inter.pem"
done_testing

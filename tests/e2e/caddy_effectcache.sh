#!/usr/bin/env bash
# `caddy validate` is not run again while nothing that decides its answer
# changed (the effect cache, beside the read cache): the real Caddy (Debian's
# package) as the root's Caddy, its runs counted with strace (execve of the
# root's caddy binary with "validate"). A second plan with nothing changed
# runs it 0 times; each input changed once makes the next plan run it again:
# the binary touched, the binary replaced by a copy (another inode), the
# Caddyfile's bytes, an imported file's bytes, a new file matched by an import
# glob, a certificate file the Caddyfile names; for a JSON config (which
# validate provisions: it loads the certificate files load_files names), the
# certificate file changed in place or replaced. A config with a relative
# path that names a file (resolved from the working directory) is validated
# every time. A plan writes results only
# into the cache directory an apply made: before that, it creates nothing. A rejected file stays rejected
# from the cache with Caddy's own message; apply and TRUSTFORM_READ_CACHE=off
# never use the cache; a corrupt, foreign-writable or linked cache file is
# ignored; a plan from the cache prints what a full run prints.
. "$(dirname "$0")/../lib/common.sh"
command -v strace >/dev/null || { echo "strace is not installed (scripts/deps.txt)"; exit 1; }

export XDG_DATA_HOME=$T/xdg/data XDG_CONFIG_HOME=$T/xdg/config HOME=$T/home
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$HOME"
R=$T/root; mk_root "$R"
mkdir -p "$R/etc/caddy/sites" "$R/var/lib/caddy/.local/share/caddy" "$R/usr/bin" "$T/tls"
cp /usr/bin/caddy "$R/usr/bin/caddy"
mk_ca "$T/tls/ca" "/CN=Site CA"
mk_leaf "$T/tls/site" "$T/tls/ca"
cat >"$R/etc/caddy/Caddyfile" <<CADDY
{
	admin off
	skip_install_trust
}

https://localhost:9443 {
	tls internal
	respond "hello"
}

import sites/*.caddy
CADDY
cat >"$R/etc/caddy/sites/a.caddy" <<CADDY
https://a.internal:9443 {
	tls $T/tls/site.pem $T/tls/site.key
	respond "a"
}
CADDY
mkdir -p "$T/cfg"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas: {}
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
roles:
  web: { cas: [], stores: [system], caddy: true }
hosts:
  h: [web]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)

# runs CMD...: how many times CMD ran `caddy validate` (the root's binary)
runs() {
  strace -f -qq -e trace=execve -e signal=none -o "$T/strace" "$@" >"$T/.out" 2>"$T/.err" || true
  grep -c "execve(\"$R/usr/bin/caddy\", \[[^]]*\"validate\"" "$T/strace" || true
}
plan_runs() { runs "$TRUSTFORM" plan "${args[@]}"; }
is() { [ "$1" = "$2" ] || { echo "  got \"$1\", wanted \"$2\"" >&2; sed 's/^/  out: /' "$T/.out" >&2; return 1; }; }

check "a plan before any apply: caddy validate runs" is "$(plan_runs)" 1
check "  and the plan is clean" out_has 'No changes.'
cp "$T/.out" "$T/first.out"
check "  it creates nothing (no cache directory yet)" test ! -e "$R/var/cache"
check "so the next plan runs it too" is "$(plan_runs)" 1
check "apply runs it" test "$(runs "$TRUSTFORM" apply "${args[@]}" --auto-approve)" -ge 1
cache=$(echo "$R"/var/cache/trustform/read/effect-*.json)
check "  and keeps the result in the read cache's directory, 0600" test "$(stat -c %a "$cache")" = 600
check "  which is 0700" test "$(stat -c %a "$R/var/cache/trustform/read")" = 700
check "the plan after apply, nothing changed: not run" is "$(plan_runs)" 0
check "  and prints what the full run printed" cmp "$T/first.out" "$T/.out"
check "third plan: still not run" is "$(plan_runs)" 0

touch "$R/usr/bin/caddy"
check "binary touched (mtime): runs again" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0
cp "$R/usr/bin/caddy" "$T/caddy.copy"; mv "$T/caddy.copy" "$R/usr/bin/caddy"
check "binary replaced by a copy (another inode): runs again" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0
printf '# a comment\n' >>"$R/etc/caddy/Caddyfile"
check "Caddyfile's bytes changed: runs again" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0
printf '# a comment\n' >>"$R/etc/caddy/sites/a.caddy"
check "an imported file changed: runs again" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0
printf 'https://b.internal:9443 {\n\ttls internal\n\trespond "b"\n}\n' >"$R/etc/caddy/sites/b.caddy"
check "a new file matched by the import glob: runs again" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0
touch "$T/tls/site.pem"
check "a certificate file the Caddyfile names changed: runs again" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0

# Rejected: the message comes back from the cache as Caddy said it.
cp "$R/etc/caddy/sites/b.caddy" "$T/b.good"
printf 'https://b.internal:9443 {\n\tno_such_directive\n}\n' >"$R/etc/caddy/sites/b.caddy"
check "a broken import: runs again" is "$(plan_runs)" 1
check "  Caddy's rejection is an error" out_has "validate\` rejects /etc/caddy/Caddyfile"
check "  naming Caddy's own message" out_has "no_such_directive"
cp "$T/.out" "$T/rejected.out"
check "  the same plan again: not run" is "$(plan_runs)" 0
check "  and the same rejection, word for word" cmp "$T/rejected.out" "$T/.out"
cp "$T/b.good" "$R/etc/caddy/sites/b.caddy"
check "fixed: runs again" is "$(plan_runs)" 1
check "  and the plan is clean" out_has 'No changes.'

# Never from the cache: apply, TRUSTFORM_READ_CACHE=off.
check "apply runs it again (never from the cache)" test "$(runs "$TRUSTFORM" apply "${args[@]}" --auto-approve)" -ge 1
check "TRUSTFORM_READ_CACHE=off: runs" is "$(runs env TRUSTFORM_READ_CACHE=off "$TRUSTFORM" plan "${args[@]}")" 1
check "  and again" is "$(runs env TRUSTFORM_READ_CACHE=off "$TRUSTFORM" plan "${args[@]}")" 1
check "cache on again: not run" is "$(plan_runs)" 0

# A cache file that is not ours alone, or not ours at all, is never trusted.
cache=$(echo "$R"/var/cache/trustform/read/effect-*.json)
chmod 0666 "$cache"
check "a cache file others may write: ignored, runs" is "$(plan_runs)" 1
chmod 0600 "$cache"
check "  (rewritten private: not run)" is "$(plan_runs)" 0
printf '{"format":"trustform-effect-cache","version":1,' >"$cache"
check "a corrupt cache file: ignored, runs" is "$(plan_runs)" 1
check "  and the plan is clean" out_has 'No changes.'
mv "$cache" "$T/cache.json"; ln -s "$T/cache.json" "$cache"
check "a cache file that is a link: not followed, runs" is "$(plan_runs)" 1
check "  and the link is replaced by a file of its own" test ! -L "$cache"
# A JSON config: validate loads the files it names (apps.tls.certificates
# .load_files), so a changed certificate file makes it run again.
cat >"$T/json.caddy" <<CADDY
{
	admin off
	skip_install_trust
}
https://a.internal:9443 {
	tls $T/tls/site.pem $T/tls/site.key
	respond "a"
}
CADDY
caddy adapt --config "$T/json.caddy" --adapter caddyfile >"$R/etc/caddy/caddy.json" 2>/dev/null
check "the JSON config names the certificate file" grep -q "\"$T/tls/site.pem\"" "$R/etc/caddy/caddy.json"
sed 's|caddyfile: /etc/caddy/Caddyfile|json: /etc/caddy/caddy.json|' "$T/cfg/trust.yaml" >"$T/cfg/json.yaml"
jargs=(-c "$T/cfg/json.yaml" --root "$R" --host h)
jplan_runs() { runs "$TRUSTFORM" plan "${jargs[@]}"; }
check "JSON config: apply runs validate" test "$(runs "$TRUSTFORM" apply "${jargs[@]}" --auto-approve)" -ge 1
check "  the plan after: not run" is "$(jplan_runs)" 0
check "  and the plan is clean" out_has 'No changes.'
touch "$T/tls/site.pem"
check "the certificate file the JSON names touched: runs again" is "$(jplan_runs)" 1
check "  then not" is "$(jplan_runs)" 0
mk_ca "$T/tls/ca2" "/CN=Other CA"
mk_leaf "$T/tls/site2" "$T/tls/ca2"
cat "$T/tls/site2.pem" >"$T/tls/site.pem"; cat "$T/tls/site2.key" >"$T/tls/site.key"
check "its content replaced in place: runs again" is "$(jplan_runs)" 1
check "  and the plan is clean" out_has 'No changes.'
check "  then not" is "$(jplan_runs)" 0
printf 'not a certificate\n' >"$T/tls/site.pem"
check "replaced by something that is no certificate: runs again" is "$(jplan_runs)" 1
check "  and Caddy's rejection is an error" out_has "validate\` rejects /etc/caddy/caddy.json"
check "  the same again: not run" is "$(jplan_runs)" 0
check "  and still rejected" out_has "validate\` rejects /etc/caddy/caddy.json"
cat "$T/tls/site2.pem" >"$T/tls/site.pem"
check "fixed: runs again" is "$(jplan_runs)" 1
check "  and the plan is clean" out_has 'No changes.'

# Relative paths: Caddy resolves them from its working directory (trustform's).
sed "s|$T/tls/site|site|g" "$T/json.caddy" >"$T/rel.caddy"
(cd "$T/tls" && caddy adapt --config "$T/rel.caddy" --adapter caddyfile >"$R/etc/caddy/caddy.json" 2>/dev/null)
check "a JSON config naming site.pem (relative)" grep -q '"site.pem"' "$R/etc/caddy/caddy.json"
(cd "$T/tls" && "$TRUSTFORM" apply "${jargs[@]}" --auto-approve >/dev/null 2>&1)
check "  run where it names a file: validate runs every time" is "$(cd "$T/tls" && jplan_runs)" 1
check "  and again" is "$(cd "$T/tls" && jplan_runs)" 1
check "  (and the plan is clean)" out_has 'No changes.'
cp "$T/rel.caddy" "$R/etc/caddy/Caddyfile"
(cd "$T/tls" && "$TRUSTFORM" apply "${args[@]}" --auto-approve >/dev/null 2>&1)
check "a Caddyfile naming site.pem (relative), where it names a file: runs every time" \
  is "$(cd "$T/tls" && plan_runs)" 1
check "  and again" is "$(cd "$T/tls" && plan_runs)" 1
check "  (and the plan is clean)" out_has 'No changes.'
done_testing

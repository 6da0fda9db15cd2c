#!/usr/bin/env bash
# Caddy's JSON config (caddy.json:), made by the real Caddy 2.6.2 (`caddy adapt
# --pretty`): intermediate_lifetime goes in at apps.pki.certificate_authorities
# .<id>, every other byte kept (the old file is the new one minus one inserted
# span); the real 2.6.2 rejects exactly that field and accepts the file
# without it; values written as nanoseconds or another unit compare by
# duration; compact JSON stays compact; 2.6.2 as the root's Caddy is refused;
# insecure_skip_verify is reported.
. "$(dirname "$0")/../lib/common.sh"

export XDG_DATA_HOME=$T/xdg/data XDG_CONFIG_HOME=$T/xdg/config HOME=$T/home
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$HOME"
R=$T/root; mk_root "$R"; mkdir -p "$R/etc/caddy" "$R/var/lib/caddy/.local/share/caddy"
cat >"$T/Caddyfile" <<'CADDY'
{
	admin 127.0.0.1:2999
}
app.internal {
	tls internal
	reverse_proxy https://10.0.0.5:8443 {
		transport http {
			tls_insecure_skip_verify
		}
	}
}
CADDY
caddy adapt --config "$T/Caddyfile" --adapter caddyfile --pretty >"$R/etc/caddy/caddy.json" 2>/dev/null
cp "$R/etc/caddy/caddy.json" "$T/orig.json"
mkdir -p "$T/cfg"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas: {}
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  json: /etc/caddy/caddy.json
  intermediate_lifetime: 43800h
roles:
  edge: { stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host edge1)
expect_rc 2 "plan: the field will be set" tf plan "${args[@]}" --detailed-exitcode
check "headline" out_has '# caddy (JSON config /etc/caddy/caddy.json): intermediate_lifetime of CA "local" will be set'
check "where" out_has 'in /etc/caddy/caddy.json: apps.pki.certificate_authorities.local'
check "lint: insecure_skip_verify" out_has 'insecure: apps.http.servers.srv0.routes[0].handle[0].routes[0].handle[0].transport.tls.insecure_skip_verify (JSON) turns off certificate checks'
check "lint: the alternative (tls.ca file provider)" out_has '"tls": {"ca": {"provider": "file", "pem_files": ["<file>"]}}'
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
new=$R/etc/caddy/caddy.json
check "the old file is the new one minus one inserted span" /usr/bin/python3 -c "
import sys
a, b = open('$T/orig.json','rb').read(), open('$new','rb').read()
p = 0
while p < len(a) and a[p] == b[p]: p += 1
s = 0
while s < len(a) - p and a[-1 - s] == b[-1 - s]: s += 1
sys.exit(0 if p + s == len(a) and len(b) > len(a) else 1)"
check "the JSON says it" /usr/bin/python3 -c "
import json
d = json.load(open('$new'))
assert d['apps']['pki']['certificate_authorities']['local']['intermediate_lifetime'] == '43800h'
o = json.load(open('$T/orig.json'))
del d['apps']['pki']
assert d == o"
caddy validate --config "$new" >"$T/v.out" 2>&1 || true
check "Caddy 2.6.2 rejects exactly that field" grep -q 'unknown field "intermediate_lifetime"' "$T/v.out"
/usr/bin/python3 -c "
import json
d = json.load(open('$new')); del d['apps']['pki']['certificate_authorities']['local']['intermediate_lifetime']
json.dump(d, open('$T/without.json', 'w'))"
check "and accepts the file without it" caddy validate --config "$T/without.json"
expect_rc 0 "second plan is clean" tf plan "${args[@]}" --detailed-exitcode

# nanoseconds and other units compare by duration; a new value replaces in place
/usr/bin/python3 - "$new" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
open(p, 'w').write(s.replace('"43800h"', '157680000000000000'))
PY
expect_rc 0 "43800h written as nanoseconds is in place" tf plan "${args[@]}" --detailed-exitcode
sed -i 's/intermediate_lifetime: 43800h/intermediate_lifetime: 720h/' "$T/cfg/trust.yaml"
cp "$new" "$T/before.json"
expect_rc 0 "apply a new value" tf apply "${args[@]}" --auto-approve
check "only the value changed" bash -c "diff '$T/before.json' '$new' | grep -c '^[<>]' | grep -qx 2"
check "now 720h" grep -q '"intermediate_lifetime": "720h"' "$new"

# compact JSON stays compact
printf '{"apps":{"http":{"servers":{}}}}' >"$new"
expect_rc 0 "apply on compact JSON" tf apply "${args[@]}" --auto-approve
check "compact insertion" test "$(cat "$new")" = '{"apps":{"http":{"servers":{}},"pki":{"certificate_authorities":{"local":{"intermediate_lifetime":"720h"}}}}}'

# the real 2.6.2 as the root's Caddy: refused, nothing changed
mkdir -p "$R/usr/bin"; ln /usr/bin/caddy "$R/usr/bin/caddy" 2>/dev/null || cp /usr/bin/caddy "$R/usr/bin/caddy"
sed -i 's/intermediate_lifetime: 720h/intermediate_lifetime: 168h/' "$T/cfg/trust.yaml"
before=$(tree_sum "$R")
expect_rc 1 "refused on Caddy 2.6.2" tf apply "${args[@]}" --auto-approve
check "names versions" err_has "2.6.2) does not know intermediate_lifetime in pki ca blocks; Caddy 2.6.3 is the first"
check "nothing changed" test "$before" = "$(tree_sum "$R")"
done_testing

#!/usr/bin/env bash
# A Caddyfile the sid host's own Caddy (2.11.4) rejects, on the real tree:
#  - the lifetime already in place, but `caddy validate` rejects the file for
#    another reason: never "No changes" — an error naming the file and Caddy's
#    message, exit 1 also with --detailed-exitcode;
#  - a lifetime to change in that file: apply does not write it, and says the
#    ORIGINAL is already invalid, naming /etc/caddy/Caddyfile, never the
#    temporary file it built beside it;
#  - the file fixed: the change is written, validated by the tree's Caddy and
#    reloaded into the running Caddy, which keeps serving the site.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
. "$(dirname "$0")/../lib/hostcaddy.sh"
export PATH=$(dirname "$TRUSTFORM"):$PATH

testhost_up
hc_setup
echo "host: $(host_versions)"
hc_site_file
# the lifetime already in place, as trustform writes it
sed -i "s|^\tauto_https disable_redirects|&\n\tpki {\n\t\tca local {\n\t\t\tintermediate_lifetime 43800h\n\t\t}\n\t}|" "$HC_FILE"
check "the tree's Caddy accepts the file" in_host caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile
hc_up
pki=$HC_DATA/pki/authorities/local
mkdir -p "$T/cfg/cas"; cfg=$T/cfg/trust.yaml
cp "$pki/root.crt" "$T/cfg/cas/caddy-local-root.pem"
hc_trust_yaml "$cfg" "$(fingerprint "$pki/root.crt")"
args=(-c "$cfg" --root "$H" --host edge1)
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "clean" tf plan "${args[@]}" --detailed-exitcode
check "No changes" out_has 'No changes. Trust stores match the configuration.'
check "the site verifies through the system store" hc_get -o /dev/null

# --- a problem Caddy refuses, the lifetime unchanged ---------------------------------
printf '\nhttps://broken.internal:%s {\n\ttls internal\n\tno_such_directive on\n}\n' "$HC_HTTPS" >>"$HC_FILE"
check "the tree's Caddy rejects it" bash -c "! in_host caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile >/dev/null 2>&1" 
msg=$(in_host caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile 2>&1 | sed -n 's/^Error: //p' | tail -1 || true)
expect_rc 1 "plan: an error, also with --detailed-exitcode" tf plan "${args[@]}" --detailed-exitcode
check "never 'No changes'" bash -c "! grep -qF 'No changes. Trust' '$T/.out'"
check "names the file" out_has "Error: caddy (Caddyfile /etc/caddy/Caddyfile): trust will not take effect: \`$H/usr/bin/caddy validate\` rejects /etc/caddy/Caddyfile ("
check "with Caddy's own message ($msg)" out_has "$msg"
check "and the problem" out_has "no_such_directive"
check "says how to fix" out_has 'fix /etc/caddy/Caddyfile'

# --- the same file, and a lifetime to change -------------------------------------------
sed -i 's/intermediate_lifetime: 43800h/intermediate_lifetime: 26280h/' "$cfg"
before=$(sha256sum "$HC_FILE")
expect_rc 1 "apply refuses to write" tf apply "${args[@]}" --auto-approve
check "the original is named as already invalid" out_has '/etc/caddy/Caddyfile is already invalid: `'
check "... with Caddy's message about the original" out_has "rejects the original ("
grep -F "is already invalid" "$T/.out" | head -1
check "never the temporary file" bash -c "! grep -E 'Caddyfile\\.[A-Za-z0-9]+|\\.tmp|trustform-' '$T/.out' '$T/.err' | grep -v 'caddy.log'"
check "never blames the new file" bash -c "! grep -qE 'rejects the new|though it accepts the original' '$T/.out'"
check "the file is unchanged" test "$before" = "$(sha256sum "$HC_FILE")"

# --- fixed: the change goes through --------------------------------------------------------
sed -i '/no_such_directive/d' "$HC_FILE"
expect_rc 0 "apply writes the new lifetime" tf apply "${args[@]}" --auto-approve
check "set" out_has 'setting "intermediate_lifetime": set'
check "written" grep -q 'intermediate_lifetime 26280h' "$HC_FILE"
check "the tree's Caddy accepts the result" in_host caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile
check "the running Caddy took it (reloaded) and serves the site" hc_get -o /dev/null
expect_rc 0 "clean" tf plan "${args[@]}" --detailed-exitcode
done_testing

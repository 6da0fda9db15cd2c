#!/usr/bin/env bash
# Real Firefox (Debian's firefox-esr, headless, running as the sandbox user).
#  - Firefox makes the user's profile itself (profiles.ini in the XDG place,
#    a relative Path); trustform finds it, notes that it has no database until
#    Firefox first starts, then converges it, and Firefox with that profile
#    trusts an `openssl s_server` leaf of the CA (the server logs the request:
#    a handshake Firefox refused never gets that far).
#  - firefox_policy: true writes /etc/firefox/policies/policies.json, merged
#    with the policies already there (jansson), and a Firefox reading it (in a
#    private mount namespace whose /etc shows the sandbox's /etc, so the host's
#    is never touched) trusts the CA with a profile it has never seen.
#  - a policies.json that is not JSON is an error, and not overwritten, while
#    the databases of the same run converge; dropping the CA unlists it.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
A=$R/home/alice
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$C/cas/corp"
mkdir -p "$T/www"; echo '<html><body>hello</body></html>' >"$T/www/index.html"
port=$(free_port); start_www_server "$T/leaf" "$port" "$T/www" "$T/server.log"
url=https://127.0.0.1:$port/index.html

as_alice() { setpriv --reuid=4242 --regid=4242 --clear-groups env HOME="$A" "$@"; }
# visit NAME PROFILE [policy]: Firefox loads the page; true if the server served it.
# A page that loads lets Firefox finish its screenshot and quit; on a refused
# certificate it would wait forever, so it is stopped once the server has seen
# the refusal.
visit() {
  local name=$1 prof=$2 mount=":" pid
  [ "${3:-}" = policy ] && mount="mount -t overlay overlay -o lowerdir=$R/etc:/etc /etc"
  : >"$T/server.log"
  setsid unshare -m sh -c "$mount && exec setpriv --reuid=4242 --regid=4242 --clear-groups \
    env HOME='$A' timeout --foreground 300 firefox-esr --headless --no-remote \
    --profile '$prof' --screenshot '$T/$name.png' '$url'" >"$T/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 3000); do
    grep -q '^FILE:index.html\|alert' "$T/server.log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^FILE:index.html' "$T/server.log" || kill -- "-$pid" 2>/dev/null || true
  wait "$pid" || true
  grep -q '^FILE:index.html' "$T/server.log"
}
refused() { ! visit "$@"; }

as_alice timeout 120 firefox-esr --headless -CreateProfile default-release >/dev/null 2>&1
ini=$A/.config/mozilla/firefox/profiles.ini
check "Firefox made a profile (XDG profiles.ini)" test -f "$ini"
prof=$A/.config/mozilla/firefox/$(sed -n 's/^Path=//p' "$ini")

cfg=$C/trust.yaml
cat >"$cfg" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  browsers: { type: nss, discover: [firefox], users: [alice], firefox_policy: true }
roles:
  desk: { cas: [corp], stores: [browsers] }
hosts:
  h: [desk]
YAML
args=(-c "$cfg" --root "$R" --host h)

expect_rc 2 "plan before Firefox ever started" tf plan "${args[@]}" --detailed-exitcode
check "notes the profile without a database" \
  out_has "browsers[alice firefox default-release]: $prof has no NSS database yet"
check "the policy is planned" out_has '# browsers[firefox policy]: corp will be added'

check "Firefox refuses the leaf before apply" refused first "$prof"
check "(that was a certificate refusal)" grep -q "alert unknown ca\|alert bad certificate" "$T/server.log"

# A policy someone already wrote: trustform merges into it.
mkdir -p "$R/etc/firefox/policies"
cat >"$R/etc/firefox/policies/policies.json" <<'JSON'
{
  "policies": {
    "DisableAppUpdate": true,
    "Certificates": { "ImportEnterpriseRoots": true, "Install": ["vendor-root.crt"] }
  }
}
JSON
expect_rc 2 "plan with Firefox's database" tf plan "${args[@]}" --detailed-exitcode
check "profile found by user, browser and profile name" \
  out_has '# browsers[alice firefox default-release]: corp will be added'
check "a foreign Install entry Firefox cannot find is noted" \
  out_has 'lists "vendor-root.crt", which is in none of the places Firefox looks'
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "certutil: the profile holds trustform-corp C,," test "$(nss_trust "$prof" trustform-corp)" = "C,,"
check "Firefox with that profile trusts the leaf" visit profile "$prof"
check "the profile is still alice's" test -z "$(find "$A" ! -uid 4242 -print)"

pol=$R/etc/firefox/policies/policies.json
fp=$(fingerprint "$C/cas/corp.pem")
pem=/etc/firefox/policies/trustform/corp-${fp:0:12}.pem
check "policy lists trustform's file" /usr/bin/python3 -c "
import json,sys; p=json.load(open('$pol'))['policies']
assert p['DisableAppUpdate'] is True and p['Certificates']['ImportEnterpriseRoots'] is True
assert p['Certificates']['Install'] == ['vendor-root.crt', '$pem'], p"
check "the file is the CA" test "$(fingerprint "$R$pem")" = "$fp"
mkdir -p "$T/fresh"; chown 4242:4242 "$T/fresh"
check "without the policy a fresh profile refuses the leaf" refused nopolicy "$T/fresh"
rm -rf "$T/fresh"; mkdir -p "$T/fresh"; chown 4242:4242 "$T/fresh"
check "Firefox reading the policy trusts the leaf with a fresh profile" visit policy "$T/fresh" policy
expect_rc 0 "clean after apply" tf plan "${args[@]}" --detailed-exitcode

# A policies.json that is not JSON: an error, not overwritten; the profile still converges.
mk_ca "$C/cas/lab" "/CN=Lab Root"
sed -i 's/^  corp: /  lab: { file: cas\/lab.pem }\n  corp: /; s/cas: \[corp\]/cas: [corp, lab]/' "$cfg"
printf '{ "policies": { "DisableAppUpdate": true, }\n' >"$pol"
before=$(sha256sum <"$pol")
expect_rc 1 "malformed policy" tf apply "${args[@]}" --auto-approve
check "names the file, line and column" err_has "${pol#"$R"}:1:"
check "  by its in-root path" no_host_paths "$R"
check "says it is not JSON and what to do" err_has "not valid JSON"
check "not overwritten" test "$before" = "$(sha256sum <"$pol")"
check "the profile converged anyway" test "$(nss_trust "$prof" trustform-lab)" = "C,,"

# Dropped from the config: unlisted, and trustform's file goes; the rest stays.
printf '{ "policies": { "DisableAppUpdate": true, "Certificates": { "Install": ["%s"] } } }\n' \
  "$pem" >"$pol"
sed -i 's/cas: \[corp, lab\]/cas: [lab]/' "$cfg"
expect_rc 0 "apply the removal" tf apply "${args[@]}" --auto-approve
check "corp unlisted, lab listed" /usr/bin/python3 -c "
import json; p=json.load(open('$pol'))['policies']
assert p['DisableAppUpdate'] is True
assert [i for i in p['Certificates']['Install'] if 'corp' in i] == [], p
assert len([i for i in p['Certificates']['Install'] if '/lab-' in i]) == 1, p"
check "corp's file is gone" test ! -e "$R$pem"
check "corp gone from the profile" test -z "$(nss_trust "$prof" trustform-corp)"
expect_rc 0 "clean at the end" tf plan "${args[@]}" --detailed-exitcode
done_testing

#!/usr/bin/env bash
# Caddy's `tls internal` root into the system store and a Chromium NSS
# database: the real Caddy from Debian's package serves a site on 127.0.0.1;
# `trustform caddy export-root` writes its root for the config; trustapply
# puts it into the sandbox's system bundle, and curl trusting only that bundle
# gets through; and into the user's ~/.pki/nssdb, so that headless Chromium,
# which refused the site before, loads it. Caddy's consistent PKI gives a
# clean plan.
. "$(dirname "$0")/../lib/common.sh"
export PATH=$(dirname "$TRUSTFORM"):$PATH

R=$T/root; mk_root "$R"; real_update_ca_chroot_like "$R" --fresh
caddy_sandbox "$R"
caddy_site_file
caddy_up
root_crt=$CADDY_DATA/pki/authorities/local/root.crt
check "Caddy serves with its own root" caddy_get "$root_crt" -o /dev/null
bundle=$R/etc/ssl/certs/ca-certificates.crt
check "the sandbox bundle does not trust it yet" caddy_refused "$bundle"

mkdir -p "$T/cfg/cas"
cfg=$T/cfg/trust.yaml
caddy_trust_yaml "$cfg" edge1
# the operator's Chromium on the edge host: alice's NSS database
mk_user "$R" alice 4242
A=$R/home/alice; mk_nssdb "$A/.pki/nssdb"; chown -R 4242:4242 "$A"
sed -i 's/^  system: { type: system }$/  system: { type: system }\n  browsers: { type: nss, discover: [chrome], users: [alice] }/
        s/stores: \[system\], caddy: true/stores: [system, browsers], caddy: true/' "$cfg"
args=(-c "$cfg" --root "$R" --host edge1)
# browse NAME: a fresh headless Chromium, as alice with her sandbox home
browse() {
  local ud=$T/ud-$1; mkdir -p "$ud"; chown 4242:4242 "$ud"
  setpriv --reuid=4242 --regid=4242 --clear-groups env HOME="$A" timeout 120 chromium \
    --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$ud" \
    --dump-dom "https://localhost:$CADDY_HTTPS/" >"$T/$1.dom" 2>"$T/$1.log" || true
}
browse before
check "Chromium refuses Caddy's site before apply" grep -q "ERR_CERT_AUTHORITY_INVALID" "$T/before.log"
check "and shows no page" bash -c "! grep -q 'hello from caddy' '$T/before.dom'"

# export-root: stdout and FILE give the same PEM, which is Caddy's root
expect_rc 0 "export-root to stdout" tf caddy export-root "${args[@]}"
cp "$T/.out" "$T/stdout.pem"
check "stdout is Caddy's root" test "$(fingerprint "$T/stdout.pem")" = "$(fingerprint "$root_crt")"
check "export-root names the fingerprint" err_has "sha256  $(fingerprint "$root_crt")"
expect_rc 0 "export-root to the CA file" tf caddy export-root "${args[@]}" "$T/cfg/cas/caddy-local-root.pem"
check "the file is Caddy's root" cmp -s "$T/stdout.pem" "$T/cfg/cas/caddy-local-root.pem"
check "the file is one PEM certificate" test "$(grep -c BEGIN "$T/cfg/cas/caddy-local-root.pem")" = 1

expect_rc 2 "plan: the root goes into the system store" tf plan "${args[@]}" --detailed-exitcode
check "adds caddy-local" out_has '# system (debian): caddy-local will be added'
check "and to alice's Chromium database" out_has '# browsers[alice chrome]: caddy-local will be added'
check "no Caddy step: its PKI is consistent" bash -c "! grep -q 'caddy (pki local)' '$T/.out'"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "curl trusting only the system bundle gets through" caddy_get "$bundle" -o "$T/body"
check "and reads the site" grep -qx "hello from caddy" "$T/body"
check "certutil lists the root in alice's database with C,," bash -c \
  "certutil -L -d 'sql:$A/.pki/nssdb' </dev/null | grep -qE '^trustform-caddy-local +C,,'"
check "the database is still alice's" test "$(stat -c %u "$A/.pki/nssdb/cert9.db")" = 4242
browse after
check "Chromium loads Caddy's site after apply" grep -q "hello from caddy" "$T/after.dom"
check "openssl verifies the served chain against the bundle" bash -c \
  "openssl s_client -connect 127.0.0.1:$CADDY_HTTPS -servername localhost -CAfile '$bundle' -verify_return_error </dev/null >/dev/null 2>&1"
expect_rc 0 "second plan is clean" tf plan "${args[@]}" --detailed-exitcode
check "clean message" out_has 'No changes. Trust stores match the configuration.'

# show lists Caddy's PKI
expect_rc 0 "show" tf show "${args[@]}"
check "show lists Caddy's root" out_has "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt"
check "show lists the leaf" out_has "leaf localhost"
done_testing

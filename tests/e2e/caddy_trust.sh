#!/usr/bin/env bash
# Caddy's `tls internal` root into the system store: the real Caddy from
# Debian's package serves a site on 127.0.0.1; `trustform caddy export-root`
# writes its root for the config; trustapply puts it into the sandbox's
# system bundle, and curl trusting only that bundle gets through. Caddy's
# consistent PKI gives a clean plan. (The Chromium NSS half of the issue's
# test needs the nss store, which this branch does not have.)
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
args=(-c "$cfg" --root "$R" --host edge1)

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
check "no Caddy step: its PKI is consistent" bash -c "! grep -q 'caddy (pki local)' '$T/.out'"
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "curl trusting only the system bundle gets through" caddy_get "$bundle" -o "$T/body"
check "and reads the site" grep -qx "hello from caddy" "$T/body"
check "openssl verifies the served chain against the bundle" bash -c \
  "openssl s_client -connect 127.0.0.1:$CADDY_HTTPS -servername localhost -CAfile '$bundle' -verify_return_error </dev/null >/dev/null 2>&1"
expect_rc 0 "second plan is clean" tf plan "${args[@]}" --detailed-exitcode
check "clean message" out_has 'No changes. Trust stores match the configuration.'

# show lists Caddy's PKI
expect_rc 0 "show" tf show "${args[@]}"
check "show lists Caddy's root" out_has "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt"
check "show lists the leaf" out_has "leaf localhost"
done_testing

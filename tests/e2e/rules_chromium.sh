#!/usr/bin/env bash
# Chrome's rule (issue 20 item 3): name constraints on a root are enforced for
# every host (Chrome 126 and later), so a constrained root is trust that does
# not take effect for an endpoint outside them. Debian's headless Chromium,
# as a sandbox user whose ~/.pki/nssdb trustform manages:
#   - a root permitting DNS:inside.test only, a leaf for inside.test and one
#     for outside.test, and an unconstrained root with a leaf for outside.test;
#   - a role whose connects_to reaches outside.test (sni) through the nss
#     store: an error of that store naming Chrome, the constraints, the host
#     and the openssl option; none for the unconstrained root; the pem-bundle
#     store of the same role has no such error (its endpoint is not Chrome's);
#   - with connects_to only inside.test: no error, a warning naming the
#     constraints;
#   - after apply Chromium, resolving both names to 127.0.0.1, shows the page
#     of inside.test and refuses outside.test under the constrained root
#     (ERR_CERT_INVALID, with the root trusted), while outside.test under the unconstrained
#     root loads;
#   - the same for a chrome-policy store (the CA in Chromium's managed
#     CACertificates policy).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/system.sh"
. "$(dirname "$0")/../lib/nss.sh"
. "$(dirname "$0")/../lib/rules.sh"

echo "peer: $(chromium --version 2>/dev/null | head -1)"
R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
A=$R/home/alice
mk_nssdb "$A/.pki/nssdb"; chown -R 4242:4242 "$A"
C=$T/cfg; mkdir -p "$C/cas"
rule_root "$C/cas/ncroot" "/CN=Inside Only Root" ec -addext 'nameConstraints=critical,permitted;DNS:inside.test'
rule_root "$C/cas/open" "/CN=Open Root" ec
rule_leaf "$T/in" "$C/cas/ncroot" inside.test
rule_leaf "$T/out" "$C/cas/ncroot" outside.test
rule_leaf "$T/open" "$C/cas/open" outside.test
mkdir -p "$T/www"; text="served-by-s_server-$RANDOM-$RANDOM"
printf '<html><body>%s</body></html>\n' "$text" >"$T/www/index.html"
pin=$(free_port); start_www_server "$T/in" "$pin" "$T/www"
pout=$(free_port); start_www_server "$T/out" "$pout" "$T/www"
popen=$(free_port); start_www_server "$T/open" "$popen" "$T/www"

# write_cfg ENDPOINT...: the configuration with these connects_to entries
write_cfg() {
  {
    cat <<'YAML'
version: 1
cas:
  ncroot: { file: cas/ncroot.pem }
  open: { file: cas/open.pem }
stores:
  browsers: { type: nss, discover: [chrome], users: [alice] }
  bundle: { type: pem-bundle, path: /etc/app/ca.pem }
roles:
  desk:
    cas: [ncroot, open]
    stores: [browsers, bundle]
    connects_to:
YAML
    for e in "$@"; do printf '      - %s\n' "$e"; done
    printf 'hosts:\n  h: [desk]\n'
  } >"$C/trust.yaml"
}
args=(-c "$C/trust.yaml" --root "$R" --host h)
write_cfg "{ url: \"https://127.0.0.1:$pin/\", sni: inside.test }" \
  "{ url: \"https://127.0.0.1:$pout/\", sni: outside.test, stores: [browsers] }"

expect_rc 1 "plan: an error (an endpoint outside the constraints)" tf plan "${args[@]}" --offline
bname=$(grep -o '^Error: browsers[^:]*' "$T/.out" | head -1 | sed 's/^Error: //')
check "browsers: ncroot: Chrome, the constraints, the host, the fix" err_for "$bname" ncroot \
  "has name constraints (permitted DNS:inside.test) that leave out outside.test" \
  "Chrome and Chromium (name constraints enforced on every root since 126)" \
  "permitted subtree violation" "-addext 'nameConstraints=critical,permitted;DNS:<its domain>'"
check "browsers: nothing about the unconstrained root" no_err_for "$bname" 'CA "open"'
check "bundle: not Chrome's: no error" no_err_for "bundle"

write_cfg "{ url: \"https://127.0.0.1:$pin/\", sni: inside.test }"
expect_rc 0 "only inside.test: apply, no error" tf apply "${args[@]}" --auto-approve
check "  a warning naming the constraints" out_has 'warning: '
check "  for ncroot" bash -c 'grep -F "warning: " "$1" | grep -F "CA \"ncroot\"" | grep -qF "has name constraints (permitted DNS:inside.test)"' _ "$T/.out"

as_alice() { setpriv --reuid=4242 --regid=4242 --clear-groups env HOME="$A" "$@"; }
FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync
       "--host-resolver-rules=MAP inside.test 127.0.0.1, MAP outside.test 127.0.0.1")
fetch() { # fetch NAME URL: a fresh Chromium dumps the page's DOM
  local ud=$T/ud-$1; mkdir -p "$ud"; chown 4242:4242 "$ud"
  as_alice timeout 120 chromium "${FLAGS[@]}" --user-data-dir="$ud" --dump-dom "$2" \
    >"$T/$1.dom" 2>"$T/$1.log" || true
}
fetch in "https://inside.test:$pin/index.html"
check "Chromium: inside.test under the constrained root loads" grep -q "$text" "$T/in.dom"
fetch out "https://outside.test:$pout/index.html"
check "Chromium: outside.test under the constrained root refused" bash -c "! grep -q '$text' '$T/out.dom'"
# Chromium says net::ERR_CERT_INVALID (-207) for a chain its verifier refuses
# on the constraints: the root is trusted (not ERR_CERT_AUTHORITY_INVALID),
# and the same root's leaf for inside.test loads.
check "  an invalid chain, not an unknown authority" grep -q "net::ERR_CERT_INVALID" "$T/out.log"
fetch open "https://outside.test:$popen/index.html"
check "Chromium: outside.test under the unconstrained root loads" grep -q "$text" "$T/open.dom"

# The same rule for a chrome-policy store (CACertificates in the managed
# policy): Chromium runs in a mount namespace of its own where the sandbox's
# /etc/chromium is bound over /etc/chromium (as e2e/browser/chromium_policy),
# with a HOME whose NSS database is empty.
P=$T/proot; mkdir -p "$P/etc/chromium" "$T/phome"
cat >"$C/policy.yaml" <<YAML
version: 1
cas:
  ncroot: { file: cas/ncroot.pem }
stores:
  chromium: { type: chrome-policy, browsers: [chromium] }
roles:
  desk:
    cas: [ncroot]
    stores: [chromium]
    connects_to:
      - { url: "https://127.0.0.1:$pout/", sni: outside.test }
hosts:
  h: [desk]
YAML
pargs=(-c "$C/policy.yaml" --root "$P" --host h)
expect_rc 1 "chrome-policy: plan is an error (outside.test)" tf plan "${pargs[@]}" --offline
pname=$(grep -o '^Error: chromium ([^)]*)' "$T/.out" | head -1 | sed 's/^Error: //')
check "chrome-policy: ncroot: Chrome, the constraints, the host" err_for "$pname" ncroot \
  "has name constraints (permitted DNS:inside.test) that leave out outside.test" "Chrome and Chromium"
expect_rc 1 "chrome-policy: apply (written, still an error)" tf apply "${pargs[@]}" --auto-approve
check "  the policy holds the CA" grep -q CACertificates "$P/etc/chromium/policies/managed/trustform.json"
pfetch() { # pfetch NAME URL: a fresh Chromium with the sandbox's policies
  local ud=$T/pud-$1; mkdir -p "$ud"
  unshare -m bash -c 'mount --make-rprivate / && mount --bind "$1" /etc/chromium && shift && exec "$@"' _ \
    "$P/etc/chromium" env HOME="$T/phome" timeout 120 chromium "${FLAGS[@]}" \
    --user-data-dir="$ud" --dump-dom "$2" >"$T/$1.dom" 2>"$T/$1.log" || true
}
pfetch pin "https://inside.test:$pin/index.html"
check "Chromium (policy): inside.test under the constrained root loads" grep -q "$text" "$T/pin.dom"
pfetch pout "https://outside.test:$pout/index.html"
check "Chromium (policy): outside.test refused" bash -c "! grep -q '$text' '$T/pout.dom'"
check "  an invalid chain, not an unknown authority" grep -q "net::ERR_CERT_INVALID" "$T/pout.log"
done_testing

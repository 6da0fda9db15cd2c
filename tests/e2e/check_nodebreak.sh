#!/usr/bin/env bash
# What a removal would break, for Node: a systemd-env store read by Node
# (NODE_EXTRA_CA_CERTS) is judged now and after apply with Node's bundled
# roots. The server sends its leaf only; the store holds the intermediate, and
# Node's bundled roots hold the root (the sandbox's Mozilla set stands in for
# them, as it does for trustform). Removing the intermediate from the store
# breaks the endpoint for Node: the plan says so, apply refuses, and the real
# node client (the same bundle, the same root as its built-ins) verifies
# before and fails after the accepted removal.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$T/public" "/CN=Test Public Root"
mk_ca_dated "$C/cas/inter" "/CN=Test Issuing CA" 20250101000000Z 20350101000000Z "$T/public"
mk_leaf "$T/leaf" "$C/cas/inter"
mkdir -p "$R/usr/share/ca-certificates/mozilla"
cp "$T/public.pem" "$R/usr/share/ca-certificates/mozilla/Test_Public_Root.crt"
# the leaf alone (-no-CA*: s_server completes no chain from a store)
p=$(free_port); start_tls_server "$T/leaf" "$p" -no-CAfile -no-CApath -no-CAstore
mkdir -p "$R/usr/lib/systemd/system"
printf '[Service]\nExecStart=/usr/bin/node /srv/app.js\n' >"$R/usr/lib/systemd/system/app.service"
conf() {
  local accept=""
  [ -z "${2:-}" ] || accept=", accept_breaking: [\"$2\"]"
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  inter: { file: cas/inter.pem, ensure: $1$accept }
stores:
  node: { type: systemd-env, unit: app.service, env: [NODE_EXTRA_CA_CERTS] }
roles:
  web:
    cas: [inter]
    stores: [node]
    connects_to: [ "https://127.0.0.1:$p" ]
hosts:
  h: [web]
YAML
}
args=(-c "$C/trust.yaml" --root "$R" --host h --no-color)
BUNDLE=$R/etc/trustform/bundles/node.pem
# node as app.service runs it: NODE_EXTRA_CA_CERTS, and the sandbox's public
# root as its bundled roots (--use-openssl-ca with SSL_CERT_FILE)
node_get() {
  NODE_EXTRA_CA_CERTS=$BUNDLE SSL_CERT_FILE=$T/public.pem SSL_CERT_DIR=/nonexistent \
    node --use-openssl-ca -e '
require("https").get("https://127.0.0.1:'"$p"'/", r => { console.log("status", r.statusCode); process.exit(0) })
  .on("error", e => { console.log("error", e.code); process.exit(3) })' >"$T/node.out" 2>&1
}

conf present
expect_rc 0 "apply: the intermediate into Node's bundle" tf apply "${args[@]}" --auto-approve
check "node verifies the endpoint (leaf + bundle's intermediate + built-in root)" node_get
check "  (node says)" grep -q "status 200" "$T/node.out"
expect_rc 0 "check: trusted" tf check "${args[@]}"

conf absent
expect_rc 0 "plan: the intermediate removed" tf plan "${args[@]}"
check "plan: the removal would break the endpoint for Node" out_has "# would break: https://127.0.0.1:$p (apply refuses this step"
expect_rc 1 "apply refuses" tf apply "${args[@]}" --auto-approve
check "apply: the refusal" out_has "refused: removing CA \"inter\" would break https://127.0.0.1:$p"
check "node still verifies it" node_get

conf absent "https://127.0.0.1:$p"
expect_rc 0 "apply with the break accepted" tf apply "${args[@]}" --auto-approve
expect_rc 3 "node refuses the endpoint now: the break was real" node_get
check "  (node says)" grep -q "UNABLE_TO_GET_ISSUER_CERT_LOCALLY\|UNABLE_TO_VERIFY_LEAF_SIGNATURE" "$T/node.out"
done_testing

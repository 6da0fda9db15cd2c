#!/usr/bin/env bash
# Subjects print in the certificate's own order, as openssl shows them
# (`openssl x509 -subject`): a CA made as /CN=…/O=… prints "CN=…, O=…" and one
# made as /O=…/CN=… prints "O=…, CN=…" — never reversed (RFC 2253 order).
. "$(dirname "$0")/../lib/common.sh"
R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/cn-first" "/CN=Order Root CA/O=Order Org/C=DE"
mk_ca "$C/cas/o-first" "/C=DE/O=Other Org/CN=Other Root CA"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  cn-first: { file: cas/cn-first.pem }
  o-first: { file: cas/o-first.pem }
stores:
  system: { type: system }
roles:
  r: { cas: [cn-first, o-first], stores: [system] }
hosts:
  h: [r]
YAML
ossl() { openssl x509 -in "$1" -noout -subject -nameopt 'sep_comma_plus_space,sname,utf8,esc_2253,esc_ctrl' | sed 's/^subject=//'; }
check "openssl: CN first" test "$(ossl "$C/cas/cn-first.pem")" = "CN=Order Root CA, O=Order Org, C=DE"
check "openssl: C first" test "$(ossl "$C/cas/o-first.pem")" = "C=DE, O=Other Org, CN=Other Root CA"
expect_rc 2 "plan" tf plan -c "$C/trust.yaml" --root "$R" --host h --detailed-exitcode
check "plan: CN first as in the certificate" out_has 'subject = "CN=Order Root CA, O=Order Org, C=DE"'
check "plan: C first as in the certificate" out_has 'subject = "C=DE, O=Other Org, CN=Other Root CA"'
expect_rc 0 "apply" tf apply -c "$C/trust.yaml" --root "$R" --host h --auto-approve
expect_rc 0 "show" tf show -c "$C/trust.yaml" --root "$R" --host h
check "show: CN first" out_has "CN=Order Root CA, O=Order Org, C=DE"
done_testing

#!/usr/bin/env bash
# consumers: [{unit, on_change}] in trust.yaml: every mistake is an error with
# file:line:col and the fix (did you mean, for keys and for on_change), and a
# good list validates; restart is the default; one unit twice is refused.
. "$(dirname "$0")/../lib/common.sh"

mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/a" "/CN=Consumers Test Root"
write() {
  cat >"$T/cfg/trust.yaml" <<YAML
version: 1
cas:
  a: { file: cas/a.pem }
stores:
  app:
    type: pem-bundle
    path: /etc/app/ca.pem
    consumers:
$1
roles:
  r: { cas: [a], stores: [app] }
hosts:
  h: [r]
YAML
}
F=$T/cfg/trust.yaml

write "      - { unit: app.service, on_change: reload }
      - unit: worker.service"
expect_rc 0 "a good list validates" tf validate -c "$F"

write "      - { unit: app.service, on_chnage: reload }"
expect_rc 1 "misspelt key" tf validate -c "$F"
check "misspelt key: position and did you mean" err_has "$F:9:30: error: unknown key \"on_chnage\" in a consumer of store \"app\"; did you mean \"on_change\"?"

write "      - { unit: app.service, on_change: restrat }"
expect_rc 1 "misspelt on_change" tf validate -c "$F"
check "misspelt on_change: did you mean restart" err_has "$F:9:41: error: store \"app\": on_change must be restart or reload, not \"restrat\"; did you mean \"restart\"?"

write "      - { unit: caddy, on_change: reload }"
expect_rc 1 "unit without .service" tf validate -c "$F"
check "unit without .service: the fix" err_has "$F:9:17: error: store \"app\": consumer unit \"caddy\" is not a systemd service name; write the service's full name, such as caddy.service"

write "      - { on_change: reload }"
expect_rc 1 "no unit" tf validate -c "$F"
check "no unit: says what to add" err_has "store \"app\": a consumer has no unit; add \`unit: <name>.service\`"

write "      - app.service"
expect_rc 1 "a scalar item" tf validate -c "$F"
check "a scalar item: the shape" err_has "$F:9:9: error: store \"app\": each consumers: item must be a mapping such as {unit: caddy.service, on_change: restart}, not"

write "      - { unit: app.service }
      - { unit: app.service, on_change: reload }"
expect_rc 1 "a unit twice" tf validate -c "$F"
check "a unit twice: names the first" err_has "$F:10:17: error: store \"app\": consumer app.service is listed twice (first at line 9); keep one"

# not a list at all
sed -i 's/^    consumers:$/    consumers: caddy.service/; /^      - /d' "$F"
expect_rc 1 "not a list" tf validate -c "$F"
check "not a list: the shape" err_has "store \"app\": consumers must be a list such as [{unit: caddy.service, on_change: restart}], not"
done_testing

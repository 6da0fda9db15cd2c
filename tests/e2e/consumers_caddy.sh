#!/usr/bin/env bash
# Running clients: the consumers of each store, found without being told
# (Caddy with the caddy role reads the system roots once per process: restart;
# the bundle its Caddyfile names with tls_trust_pool file is re-read on reload)
# or declared (consumers: [{unit, on_change}]). Under --root systemd is not
# asked: the plan says so in a note, never "clean" or "pending" for them, and
# says what apply would restart; apply records each store's change in
# <root>/var/lib/trustform/changes before it would restart anything. The real
# Caddy's current root decides which side of a regenerated CA is new.
. "$(dirname "$0")/../lib/common.sh"
export PATH=$(dirname "$TRUSTFORM"):$PATH

R=$T/root; mk_root "$R"; real_update_ca_chroot_like "$R" --fresh
caddy_sandbox "$R"
caddy_site_file
caddy_up
root_crt=$CADDY_DATA/pki/authorities/local/root.crt
# the reverse proxy's trust pool names the bundle of store "upstream" (added
# after Caddy started: the file does not exist before apply)
cat >>"$CADDY_FILE" <<CADDY

https://proxy.localhost:$(free_port) {
	bind 127.0.0.1
	tls internal
	reverse_proxy https://127.0.0.1:9 {
		transport http {
			tls_trust_pool file /etc/caddy/upstream-ca.pem
		}
	}
}
CADDY

mkdir -p "$T/cfg/cas"
mk_ca "$T/up" "/CN=Upstream Private Root"
cp "$T/up.pem" "$T/cfg/cas/upstream.pem"
cp "$root_crt" "$T/cfg/cas/caddy-local-root.pem"
cfg=$T/cfg/trust.yaml
cat >"$cfg" <<YAML
version: 1
cas:
  caddy-local: { file: cas/caddy-local-root.pem, caddy: local }
  upstream-root: { file: cas/upstream.pem }
stores:
  system: { type: system }
  upstream: { type: pem-bundle, path: /etc/caddy/upstream-ca.pem }
  app:
    type: pem-bundle
    path: /etc/app/ca.pem
    consumers:
      - unit: app.service
        on_change: reload
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
  ca: local
  stop: "$CADDY_STOP"
  start: "$CADDY_START"
roles:
  edge:
    cas: [caddy-local, upstream-root]
    stores: [system, upstream, app]
    caddy: true
hosts:
  edge1: [edge]
YAML
args=(-c "$cfg" --root "$R" --host edge1)

expect_rc 2 "plan: changes" tf plan "${args[@]}" --no-color --detailed-exitcode
check "system store: Caddy restarts (Go reads the roots once)" out_has "# system (debian): then restart caddy.service (Caddy (the caddy role) reads the system roots once per process: a reload keeps the old ones); not under --root: do it where the image runs"
check "the trust pool's bundle: Caddy reloads" out_has "# upstream (pem-bundle): then reload caddy.service (Caddy reads it (named in /etc/caddy/Caddyfile); a reload re-reads it); not under --root"
check "declared consumer: reload" out_has "then reload app.service (declared at $cfg:12:15)"
check "under --root: a note, not a verdict" out_has "Note: system (debian): consumer caddy.service (Caddy (the caddy role) reads the system roots once per process: a reload keeps the old ones): whether caddy.service still runs with the old trust is not known: under --root trustform does not ask this machine's systemd about the image's services"
check "no restart pending claimed" bash -c "! grep -q 'restart pending' $T/.out"
tf plan "${args[@]}" --json >"$T/plan.json" 2>/dev/null || true
check "plan --json: valid" bash -c "/usr/bin/python3 '$TESTS_DIR/lib/check_json.py' '$SRC_DIR/schema/output.schema.json' '$T/plan.json' | grep -q ': valid$'"
check "plan --json: consumers, state unknown" /usr/bin/python3 -c "
import json; d=json.load(open('$T/plan.json'))
c={s['address']: [(x['unit'], x['on_change'], x['state']) for x in s['consumers']] for s in d['stores']}
assert c['system'] == [('caddy.service', 'restart', 'unknown')], c
assert c['upstream'] == [('caddy.service', 'reload', 'unknown')], c
assert c['app'] == [('app.service', 'reload', 'unknown')], c
assert d['drift'] is True and d['drift_summary']['restart_pending'] == 0, d['drift_summary']"

expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve --no-color
check "apply: nothing restarted under --root, and says so" out_has "caddy.service: not restarted: under --root trustform does not ask this machine's systemd about the image's services; restart it where it runs"
check "apply: restart wins over reload for one unit" bash -c "! grep -q 'caddy.service: not reloaded' $T/.out"
check "apply: the declared consumer" out_has "app.service: not reloaded"
J=$R/var/lib/trustform/changes
check "the change journal is written" test -s "$J"
check "the journal names each changed store" bash -c "cut -f1 '$J' | sort | tr '\n' ' ' | grep -qx 'app system upstream '"
check "the journal says what changed" bash -c "grep -P '^upstream\t' '$J' | grep -q 'add upstream-root'"
check "the bundle Caddy's pool names now holds the upstream root" grep -q "BEGIN CERTIFICATE" "$R/etc/caddy/upstream-ca.pem"

expect_rc 0 "plan after apply: clean" tf plan "${args[@]}" --no-color --detailed-exitcode
check "plan after apply: No changes" out_has "No changes. Trust stores match the configuration."
check "plan after apply: the note stays" out_has "whether caddy.service still runs with the old trust is not known"
expect_rc 0 "metrics" tf plan "${args[@]}" --prometheus "$T/m.prom"
check "metrics: no drift" grep -qx 'trustform_drift{host="edge1"} 0' "$T/m.prom"
check "metrics: no restart_pending sample when unknown" bash -c "! grep -q '^trustform_restart_pending{' '$T/m.prom'"

# The direction of a regenerated CA, told by Caddy's current root: the
# configuration holds an OLDER root of Caddy's name; Caddy serves a chain from
# its current (newer) one: export the new root, commit it, apply.
cn=$(openssl x509 -in "$root_crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=CN=//')
/usr/bin/python3 "$TESTS_DIR/lib/check_pki.py" "$T/old" "$cn" --ca --days-from -30 --days-to 3650
cp "$T/old.pem" "$T/cfg/cas/caddy-local-root.pem"
sed -i "s|^  edge:|  edge:\n    connects_to: [{ url: \"https://localhost:$CADDY_HTTPS\", stores: [system] }]|" "$cfg"
expect_rc 2 "check: Caddy regenerated" tf check "${args[@]}" --no-color
check "check: the server's root is the NEW one" out_has "is issued by a NEW root of the same name"
check "check: fix is export (the command for this host), commit, apply" out_has "fix: export the new root (trustform caddy export-root"
check "check: never 'issue again'" bash -c "! grep -q 'fix: make the server issue again' $T/.out"
caddy_down
done_testing

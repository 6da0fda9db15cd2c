#!/usr/bin/env bash
# registry as a file store (stores/store.h, struct store_file_kind), in a
# --root tree without the engines' daemons (registry_pull.sh proves the pulls):
# one file per CA in each engine's certs.d/<host:port>/, which openssl
# verifies a leaf with; containerd's hosts.toml, read back by Python's TOML
# parser, lists every *.crt there; a removal the plan saw is stale when the
# file changed before apply (the other engines' steps still done); a foreign
# hosts.toml makes the trust ineffective, named with the store's YAML position
# in text and JSON (validated against the schema), and is never edited; a
# certs.d directory that is a link is refused.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Registry Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_ca "$T/other" "/CN=Someone Else"
mk_leaf "$T/leaf" "$C/cas/corp"
corp12=$(fingerprint "$C/cas/corp.pem" | cut -c1-12)
lab12=$(fingerprint "$C/cas/lab.pem" | cut -c1-12)
H=reg.corp:5000
config() { # config CAS...: the registry store gets these CAs
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  regs: { type: registry, hosts: ["$H"], engines: [docker, podman, containerd] }
roles:
  node: { cas: [$(echo "$@" | sed 's/ /, /g')], stores: [regs] }
hosts:
  h: [node]
YAML
}
args=(-c "$C/trust.yaml" --root "$R" --host h)
dirs=(/etc/docker/certs.d/$H /etc/containers/certs.d/$H /etc/containerd/certs.d/$H)
toml=$R/etc/containerd/certs.d/$H/hosts.toml
# toml_ca: the ca = [...] of containerd's hosts.toml, as a TOML parser reads it
toml_ca() {
  /usr/bin/python3 -c 'import sys, tomllib; d = tomllib.load(open(sys.argv[1], "rb")); print(" ".join(d["host"]["https://'"$H"'"]["ca"]))' "$toml"
}

config corp lab
expect_rc 2 "plan" tf plan "${args[@]}" --detailed-exitcode
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
for d in "${dirs[@]}"; do
  check "$d: corp's file, which openssl verifies the leaf with" \
    openssl verify -CAfile "$R$d/trustform-corp-$corp12.crt" "$T/leaf.pem"
  check "$d: lab's file" test -f "$R$d/trustform-lab-$lab12.crt"
  check "$d: root's, 0644" test "$(stat -c '%U %a' "$R$d/trustform-lab-$lab12.crt")" = "root 644"
done
check "hosts.toml lists both" test "$(toml_ca)" = "trustform-corp-$corp12.crt trustform-lab-$lab12.crt"
expect_rc 0 "plan after apply: clean" tf plan "${args[@]}" --detailed-exitcode

# a foreign CA file is kept, and listed in hosts.toml (containerd trusts it)
cp "$T/other.pem" "$R/etc/containerd/certs.d/$H/mine.crt"
expect_rc 2 "a foreign .crt: hosts.toml out of date" tf plan "${args[@]}" --detailed-exitcode
expect_rc 0 "apply: hosts.toml again" tf apply "${args[@]}" --auto-approve
check "hosts.toml lists the foreign file" test "$(toml_ca)" = "mine.crt trustform-corp-$corp12.crt trustform-lab-$lab12.crt"
check "the foreign file is untouched" cmp "$T/other.pem" "$R/etc/containerd/certs.d/$H/mine.crt"

# Stale: lab leaves the role; while apply waits for "yes", someone puts
# another CA in Docker's lab file. Docker's step ends stale (what the plan saw
# is gone) and leaves that file alone; Podman's and containerd's are done.
config corp
dlab=$R/etc/docker/certs.d/$H/trustform-lab-$lab12.crt
edit="cp $T/other.pem $dlab"
expect_rc 1 "stale: apply fails" python3 "$SRC_DIR/tests/lib/apply_meanwhile.py" "$edit" "$TRUSTFORM" apply "${args[@]}"
check "stale: the docker step changed since the plan" out_has "changed since the plan was made"
check "stale: names where the store is configured" out_has "(store at $C/trust.yaml:6:3)"
check "stale: the summary says to plan again" out_has "run trustplan again"
check "stale: docker's file is what the other wrote" cmp "$T/other.pem" "$dlab"
check "stale: podman's lab is removed" test ! -e "$R/etc/containers/certs.d/$H/trustform-lab-$lab12.crt"
check "stale: containerd's lab is removed" test ! -e "$R/etc/containerd/certs.d/$H/trustform-lab-$lab12.crt"
check "stale: hosts.toml no longer lists lab" test "$(toml_ca)" = "mine.crt trustform-corp-$corp12.crt"
rm "$dlab"
expect_rc 0 "plan again: converged" tf plan "${args[@]}" --detailed-exitcode

# Ineffective: a hosts.toml trustform did not write; containerd then reads
# only what it lists. An error of the store with the store's position, in the
# text and in --json (the diagnostic's range, format 1.5); apply leaves it.
config corp lab
printf 'server = "https://%s"\n' "$H" >"$toml"
cp "$toml" "$T/foreign.toml"
expect_rc 1 "foreign hosts.toml: plan is an error" tf plan "${args[@]}" --detailed-exitcode
check "  names the store's position" out_has "was not written by trustform, and trustform does not edit another's hosts.toml"
check "  text: with the store's position" out_has "or move the file away so that trustform writes its own (store at $C/trust.yaml:6:3)"
expect_rc 1 "  --json" tf plan "${args[@]}" --json --detailed-exitcode
cp "$T/.out" "$T/plan.json"
jpos='[(x["range"]["filename"], x["range"]["start"]["line"], x["range"]["start"]["column"]) for x in d["diagnostics"] if x["summary"] == "trust will not take effect"]'
check "  json: the ineffective finding has the store's position" /usr/bin/python3 -c \
  "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if $jpos == [(sys.argv[2], 6, 3)] else 1)" "$T/plan.json" "$C/trust.yaml"
check "  json: format 1.5" /usr/bin/python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))['format_version'] != '1.5')" "$T/plan.json"
expect_rc 1 "  apply fails for containerd" tf apply "${args[@]}" --auto-approve --json
cp "$T/.out" "$T/apply.json"
check "  json: apply's ineffective finding has it too" /usr/bin/python3 -c \
  "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if $jpos == [(sys.argv[2], 6, 3)] else 1)" "$T/apply.json" "$C/trust.yaml"
check "  json: containerd's failed step names it" /usr/bin/python3 -c \
  "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [c['status'] for c in d['resource_changes'] if c['store'].startswith('regs[containerd')] == ['failed'] and all(c['error'].endswith('(store at ' + sys.argv[2] + ':6:3)') for c in d['resource_changes'] if c['status'] == 'failed') else 1)" "$T/apply.json" "$C/trust.yaml"
check "  the foreign hosts.toml is untouched" cmp "$T/foreign.toml" "$toml"
check "  docker's lab is back" test -f "$R/etc/docker/certs.d/$H/trustform-lab-$lab12.crt"
out=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$T/plan.json" "$T/apply.json") || true
check "  both documents valid against the schema ($out)" test "$(grep -c ': valid$' <<<"$out")" = 2
rm "$toml"

# a certs.d directory that is a link: nothing is written through it
rm -rf "$R/etc/docker/certs.d/$H"; mkdir -p "$R/srv/elsewhere"
ln -s /srv/elsewhere "$R/etc/docker/certs.d/$H"
expect_rc 1 "a linked directory: apply fails" tf apply "${args[@]}" --auto-approve
check "  says why" out_has "is a symlink, or lies under one"
check "  nothing written there" test -z "$(ls -A "$R/srv/elsewhere")"
no_host_paths "$R"
done_testing

#!/usr/bin/env bash
# registry: container engines trust a private registry through trustform's
# files in their certs.d/<host:port>/, proven with real pulls from Debian's
# docker-registry serving TLS with a leaf of a private CA on 127.0.0.1:
# Podman (its own certs.d lookup, in a mount namespace) fails with "x509:
# certificate signed by unknown authority" before apply and pulls after;
# containerd (its own daemon, ctr --hosts-dir) the same through the hosts.toml
# trustform writes, which a TOML parser reads back. Engines are detected under
# the root and the plan says which; several CAs and a rotation; foreign files
# are left alone (and kept trusted by containerd's hosts.toml); a foreign
# hosts.toml is refused, untouched; removal takes trustform's files only. A
# foreign *.crt that is not UTF-8 or holds no certificate is left out of
# hosts.toml with a note (containerd's ctr reads the result).
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS_DIR/lib/registry.sh"

R=$T/root; mk_root "$R"
mkdir -p "$R/etc/containers" "$R/etc/containerd"	# podman and containerd "installed"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Registry Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_ca "$C/cas/next" "/CN=Corp Registry Root 2"
mk_ca "$T/other" "/CN=Someone Else"
mk_leaf "$T/leaf" "$C/cas/corp"
corp12=$(fingerprint "$C/cas/corp.pem" | cut -c1-12)
lab12=$(fingerprint "$C/cas/lab.pem" | cut -c1-12)

port=$(free_port)
H=127.0.0.1:$port
start_registry "$T/leaf" "$port"
push_test_image "$port" tf/hello:1
IMG=$H/tf/hello:1
start_containerd

config() { # config CAS...: the registry store gets these CAs
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
  next: { file: cas/next.pem }
stores:
  regs: { type: registry, hosts: ["$H"] }
roles:
  node: { cas: [$(echo "$@" | sed 's/ /, /g')], stores: [regs] }
hosts:
  h: [node]
YAML
}
args=(-c "$C/trust.yaml" --root "$R" --host h)
PD=$R/etc/containers/certs.d/$H
CD=$R/etc/containerd/certs.d/$H

podman_pull() { podman_in_root "$R" pull -q "$IMG" >"$T/pull.out" 2>&1; }
podman_rmi() { "${PODMAN[@]}" rmi -a -f >/dev/null 2>&1 || true; }
ctr_pull() {
  "${CTR[@]}" image rm "$IMG" >/dev/null 2>&1 || true
  "${CTR[@]}" content prune references >/dev/null 2>&1 || true
  "${CTR[@]}" image pull --snapshotter native --hosts-dir "$R/etc/containerd/certs.d" "$IMG" \
    >"$T/pull.out" 2>&1
}
pull_says() { grep -qF -- "$1" "$T/pull.out" || { sed 's/^/  pull: /' "$T/pull.out" >&2; return 1; }; }
not() { ! "$@"; }
toml() { /usr/bin/python3 -c 'import sys, tomllib; d = tomllib.load(open(sys.argv[1], "rb")); print(eval(sys.argv[2]))' "$CD/hosts.toml" "$1"; }

# --- before apply: no engine trusts the registry ----------------------------
check "podman pull fails before apply" not podman_pull
check "  with x509: unknown authority" pull_says "x509: certificate signed by unknown authority"

config lab
expect_rc 2 "plan: additions" tf plan "${args[@]}" --detailed-exitcode
check "plan names the engines found" out_has "regs (registry): engines found under the root: podman (/etc/containers), containerd (/etc/containerd); not found: docker (none of /etc/docker, /usr/bin/docker or /usr/bin/dockerd exists)"
check "plan headline (podman)" out_has "# regs[podman $H]: lab will be added"
check "plan headline (containerd)" out_has "# regs[containerd $H]: lab will be added"
check "plan: no docker instance" not out_has "regs[docker"
check "plan: directory to be created" out_has "/etc/containers/certs.d/$H does not exist yet; apply creates it"
expect_rc 0 "apply lab" tf apply "${args[@]}" --auto-approve
check "lab's file" test -f "$PD/trustform-lab-$lab12.crt"
check "podman: another CA is not enough" not podman_pull
check "  still x509: unknown authority" pull_says "x509: certificate signed by unknown authority"
check "containerd: another CA is not enough" not ctr_pull
check "  x509: unknown authority" pull_says "x509: certificate signed by unknown authority"

# --- the registry's CA: the pulls succeed -----------------------------------
config corp lab
expect_rc 2 "plan: corp to add" tf plan "${args[@]}" --detailed-exitcode
check "plan headline" out_has "# regs[podman $H]: corp will be added"
expect_rc 0 "apply corp" tf apply "${args[@]}" --auto-approve
check "apply says added" out_has "regs[containerd $H]: ca \"corp\": added"
expect_rc 0 "plan clean after apply" tf plan "${args[@]}" --detailed-exitcode
check "  No changes" out_has "No changes."
check "one file per CA, named by fingerprint" test -f "$PD/trustform-corp-$corp12.crt"
check "file holds the CA" test "$(fingerprint "$PD/trustform-corp-$corp12.crt")" = "$(fingerprint "$C/cas/corp.pem")"
check "podman pull succeeds after apply" podman_pull
podman_rmi
check "containerd pull succeeds after apply" ctr_pull
check "hosts.toml: server" test "$(toml 'd["server"]')" = "https://$H"
check "hosts.toml: ca under the host entry, both CAs" \
  test "$(toml "d['host']['https://$H']['ca']")" = "['trustform-corp-$corp12.crt', 'trustform-lab-$lab12.crt']"
check "hosts.toml: its ca files exist (relative to the directory)" \
  /usr/bin/python3 -c 'import sys, os, tomllib; d = tomllib.load(open(sys.argv[1] + "/hosts.toml", "rb")); sys.exit(not all(os.path.isfile(os.path.join(sys.argv[1], f)) for h in d["host"].values() for f in h["ca"]))' "$CD"
expect_rc 0 "show" tf show "${args[@]}"
check "show lists the file" out_has "/etc/containers/certs.d/$H/trustform-corp-$corp12.crt"

# JSON plan and show are the documented shape.
tf plan "${args[@]}" --json >"$T/plan.json" || true
tf show "${args[@]}" --json >"$T/show.json" || true
got=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$T/plan.json" "$T/show.json") || true
check "JSON valid ($got)" test "$(grep -c ': valid$' <<<"$got")" = 2

# --- foreign files are left alone -------------------------------------------
cp "$T/other.pem" "$PD/ca.crt"
cp "$T/other.pem" "$CD/other-team.crt"
expect_rc 2 "containerd: a foreign .crt makes hosts.toml stale" tf plan "${args[@]}" --detailed-exitcode
check "  refresh says why" out_has "hosts.toml does not list the *.crt files here as they are now"
check "  podman unchanged" not out_has "# regs[podman"
expect_rc 0 "apply lists it" tf apply "${args[@]}" --auto-approve
check "hosts.toml lists the foreign file too" \
  test "$(toml "d['host']['https://$H']['ca']")" = "['other-team.crt', 'trustform-corp-$corp12.crt', 'trustform-lab-$lab12.crt']"
expect_rc 0 "clean" tf plan "${args[@]}" --detailed-exitcode
expect_rc 0 "show" tf show "${args[@]}"
check "show: foreign entry" out_has "ca.crt"
check "show: foreign subject" out_has "CN=Someone Else"

# a foreign *.crt whose name is not UTF-8, and one that holds no certificate:
# left out of hosts.toml (which stays valid TOML), each named in a note, and
# containerd's own parser (ctr --hosts-dir) reads what trustform wrote
cp "$T/other.pem" "$CD/$(printf 'caf\351')-latin1.crt"
echo "not a certificate" >"$CD/broken.crt"
expect_rc 0 "plan with a non-UTF-8 and an unparsable foreign .crt" tf plan "${args[@]}" --detailed-exitcode
check "  no change: they are left out as before" out_has "No changes."
check "  the non-UTF-8 name is named" out_has 'caf\xe9-latin1.crt: not listed in'
check "  says why" out_has "its name is not UTF-8, which a TOML string cannot hold"
check "  the unparsable one is named" out_has "broken.crt: not listed in"
check "  says why" out_has "it holds no certificate that parses"
check "hosts.toml is valid TOML and lists neither" \
  test "$(toml "d['host']['https://$H']['ca']")" = "['other-team.crt', 'trustform-corp-$corp12.crt', 'trustform-lab-$lab12.crt']"
check "containerd pulls with that hosts.toml" ctr_pull
rm -f "$CD/$(printf 'caf\351')-latin1.crt" "$CD/broken.crt"

# --- rotation: next replaces corp's place; lab goes --------------------------
config corp next
expect_rc 2 "rotation plan" tf plan "${args[@]}" --detailed-exitcode
check "lab removed" out_has "# regs[podman $H]: lab will be removed"
expect_rc 0 "rotation apply" tf apply "${args[@]}" --auto-approve
check "lab's file gone" test ! -e "$PD/trustform-lab-$lab12.crt"
check "both corp and next" test -f "$PD/trustform-next-$(fingerprint "$C/cas/next.pem" | cut -c1-12).crt"
check "foreign kept" cmp -s "$T/other.pem" "$PD/ca.crt"
check "podman pull still succeeds" podman_pull
podman_rmi
check "containerd pull still succeeds" ctr_pull

# containerd looks for "host_port_" first: such a directory hides trustform's
# (seen also when the plan before was clean and read from the read cache).
expect_rc 0 "clean after rotation" tf plan "${args[@]}" --detailed-exitcode
mkdir "$R/etc/containerd/certs.d/127.0.0.1_${port}_"
expect_rc 1 "containerd's other directory name: plan fails" tf plan "${args[@]}" --detailed-exitcode
check "  names it" out_has "/etc/containerd/certs.d/127.0.0.1_${port}_ exists, and containerd reads it instead of /etc/containerd/certs.d/$H"
rmdir "$R/etc/containerd/certs.d/127.0.0.1_${port}_"

# --- a hosts.toml trustform did not write is refused, untouched ---------------
cp "$CD/hosts.toml" "$T/ours.toml"
printf 'server = "https://%s"\n\n[host."https://%s"]\n  capabilities = ["pull", "resolve"]\n' "$H" "$H" >"$CD/hosts.toml"
cp "$CD/hosts.toml" "$T/theirs.toml"
expect_rc 1 "foreign hosts.toml: plan fails" tf plan "${args[@]}" --detailed-exitcode
check "  names the file and the fix" out_has "/etc/containerd/certs.d/$H/hosts.toml was not written by trustform"
config corp
expect_rc 1 "foreign hosts.toml: apply fails" tf apply "${args[@]}" --auto-approve
check "  refused" out_has "move the file away so that trustform writes its own"
check "  file untouched" cmp -s "$T/theirs.toml" "$CD/hosts.toml"
cp "$T/ours.toml" "$CD/hosts.toml"

# --- removal: trustform's files go, foreign ones stay ---------------------------
config
expect_rc 0 "apply removal" tf apply "${args[@]}" --auto-approve
check "no trustform file left" test -z "$(find "$R/etc" -name 'trustform-*')"
check "trustform's hosts.toml removed with its last CA" test ! -e "$CD/hosts.toml"
check "foreign files kept" test -f "$PD/ca.crt" -a -f "$CD/other-team.crt"
expect_rc 0 "clean after removal" tf plan "${args[@]}" --detailed-exitcode
check "podman pull fails again" not podman_pull
check "  x509: unknown authority" pull_says "x509: certificate signed by unknown authority"
done_testing

#!/usr/bin/env bash
# The Ansible collection (ansible/ansible_collections/trustform/trust) with the
# real ansible-playbook against three Debian 12 hosts, each its own
# debootstrapped tree (an overlay copy) reached through the
# community.general.chroot connection, so the module is shipped to and run by
# each host's own python3 and the role installs the .deb with apt there:
#  - ansible-lint passes on the collection; ansible-doc reads the module;
#  - the first `--check --diff` on new hosts (trustform not installed yet)
#    reports the package it would install, the configuration it would place
#    and the timer it would enable, fails nothing and changes nothing;
#  - with the package and configuration in place, `--check --diff` shows each
#    host's plan (its own CA and bundle) and changes nothing (checksums of
#    /etc, /usr and /var/lib of each tree unchanged);
#  - a run converges every host (trustplan --detailed-exitcode 0 there) and
#    enables the drift timer; a second run reports changed=0 everywhere;
#  - a host whose pem-bundle is damaged fails alone (with trustform's
#    diagnostic), while the others converge to a new configuration; the
#    `--check` before that run plans the new configuration (staged in a
#    temporary directory of the host, removed after), not the placed one.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"

for tool in ansible-playbook ansible-lint ansible-doc; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/deps.txt)" >&2; exit 1; }
done
echo "peers: $(ansible --version | head -1), community.general $(ansible-galaxy collection list community.general 2>/dev/null | awk '$1 == "community.general" { print $2; exit }'), $(ansible-lint --version 2>/dev/null | head -1 | sed 's/ using.*//')"
coll=$SRC_DIR/ansible/ansible_collections/trustform/trust
export HOME=$T/home ANSIBLE_COLLECTIONS_PATH=$SRC_DIR/ansible ANSIBLE_LOCAL_TEMP=$T/home/.ansible/tmp \
       ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_STDOUT_CALLBACK=default
mkdir -p "$HOME"

expect_rc 0 "ansible-lint on the collection" bash -c "cd '$coll' && ansible-lint --offline -p --nocolor"
grep -h 'Passed\|Failed' "$T/.out" "$T/.err" || true
expect_rc 0 "ansible-doc trustform.trust.trustform" ansible-doc trustform.trust.trustform
check "ansible-doc: the module's options" out_has "lock_timeout"

deb=$(TRUSTFORM_DEB_CACHE=${TRUSTFORM_DEB_CACHE:-/var/cache/trustform-deb} \
      "$SRC_DIR/scripts/build-deb.sh" "$T/deb" 2>"$T/build-deb.err") || {
  cat "$T/build-deb.err" >&2; echo "FAIL: the package could not be built" >&2; exit 1; }

hosts=(h1 h2 h3)
for h in "${hosts[@]}"; do
  testhost_up bookworm "$T/$h"
  cp /etc/resolv.conf "$T/$h/etc/resolv.conf" 2>/dev/null || true
  mkdir -p "$T/$h/etc/app"
  printf '# the application'"'"'s own bundle\n' >"$T/$h/etc/app/bundle.pem"
done
echo "test hosts: $(host_versions)"
# on HOST CMD...: run CMD in that host's tree
on() { local H=$T/$1; shift; in_host "$@"; }

# The controller's side: CAs, configuration, inventory, playbook.
ctl=$T/ctl
mkdir -p "$ctl/files/cas"
mk_ca "$ctl/files/cas/fleet" "/CN=trustform fleet CA"
mk_ca "$ctl/files/cas/h1-only" "/CN=trustform h1 CA"
mk_ca "$ctl/files/cas/extra" "/CN=trustform extra CA"
cp "$deb" "$ctl/files/"
write_config() { # EXTRA_CA_FOR_ALL (empty or a name)
  local extra=${1:-}
  cat >"$ctl/files/trust.yaml" <<YAML
version: 1
cas:
  fleet:   { file: cas/fleet.pem, sha256: "$(fingerprint "$ctl/files/cas/fleet.pem")" }
  h1-only: { file: cas/h1-only.pem }
  extra:   { file: cas/extra.pem }
stores:
  system: { type: system }
  app:    { type: pem-bundle, path: /etc/app/bundle.pem }
roles:
  base: { cas: [fleet${extra:+, $extra}], stores: [system, app] }
  one:  { cas: [h1-only], stores: [app] }
hosts:
  h1: [base, one]
  h2: [base]
  h3: [base]
YAML
}
write_config
{
  echo "[fleet]"
  for h in "${hosts[@]}"; do echo "$h ansible_host=$T/$h"; done
  echo "[fleet:vars]"
  echo "ansible_connection=community.general.chroot"
  echo "ansible_python_interpreter=/usr/bin/python3"
} >"$ctl/inventory.ini"
cat >"$ctl/site.yml" <<YAML
---
- name: Trust for the fleet
  hosts: fleet
  gather_facts: false
  roles:
    - role: trustform.trust.trustform
      vars:
        trustform_deb: $ctl/files/$(basename "$deb")
        trustform_config_src: $ctl/files/trust.yaml
        trustform_ca_files:
          - $ctl/files/cas/fleet.pem
          - $ctl/files/cas/h1-only.pem
          - $ctl/files/cas/extra.pem
        trustform_host: "{{ inventory_hostname }}"
YAML
# play ARGS: ansible-playbook; its output is also kept in $T/play.out
play() {
  local rc=0
  (cd "$ctl" && ansible-playbook -i inventory.ini site.yml "$@") >"$T/play.out" 2>&1 || rc=$?
  cat "$T/play.out"; return $rc
}
# recap HOST FIELD: from the PLAY RECAP of the last play
recap() { awk -v h="$1" -v f="$2" '$1 == h && $2 == ":" { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) v = kv[2] } } END { print v }' "$T/play.out"; }
# state HOST: checksums of everything that differs from the cached tree (the
# overlay's upper layer; the whole of etc, usr and var/lib without overlayfs),
# but Ansible's own temp files (and /root itself, which the overlay copies up
# when Ansible makes its temp directory there) and apt's package lists
state() {
  local d=$T/.ovl/$1/upper
  [ -d "$d" ] && [ -n "$(ls -A "$d")" ] || d=$T/$1
  (cd "$d" && find . \( -path ./root/.ansible -o -path ./tmp -o -path ./var/lib/apt/lists -o -path ./var/cache/apt \
       -o -path ./proc -o -path ./sys -o -path ./dev \) -prune -o ! -path ./root -printf '%p %y %m %l\n' | LC_ALL=C sort
   find . \( -path ./root/.ansible -o -path ./tmp -o -path ./var/lib/apt/lists -o -path ./var/cache/apt \
       -o -path ./proc -o -path ./sys -o -path ./dev \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}

# 0. New hosts: the first --check --diff, as every operator runs it.
for h in "${hosts[@]}"; do state "$h" >"$T/$h.fresh"; done
expect_rc 0 "ansible-playbook --check --diff on new hosts (trustform not installed)" play --check --diff
cp "$T/.out" "$T/check0.out"
for h in "${hosts[@]}"; do
  check "$h: new host, check mode: changed (what a run would do)" test "$(recap "$h" changed)" -ge 1
  check "$h: new host, check mode: nothing failed" test "$(recap "$h" failed)" = 0
  check "$h: new host, check mode: trustform still not installed" test ! -e "$T/$h/usr/bin/trustform"
  state "$h" >"$T/$h.after-check0"
  if diff -u "$T/$h.fresh" "$T/$h.after-check0" >"$T/$h.check0.diff"; then pass; else
    fail "$h: --check on the new host changed the tree:"; head -20 "$T/$h.check0.diff" >&2; fi
done
n=$(grep -c "would install $(basename "$deb") (trustform is not installed yet)" "$T/check0.out" || true)
check "new hosts: each says which package it would install" test "$n" = 3
n=$(grep -c 'trustform is not installed on this host yet' "$T/check0.out" || true)
check "new hosts: the converge task says trustform is not there yet (3 hosts, msg and diff)" test "$n" -ge 3
check "new hosts: the diff shows the configuration a run would place" \
  grep -q '^+  h1-only: { file: cas/h1-only.pem }' "$T/check0.out"
check "new hosts: the drift timer a run would enable" grep -q 'would enable trustform-drift.timer' "$T/check0.out"

# 1. The package and the configuration, nothing applied yet.
expect_rc 0 "install the package and place the configuration (tags install, config)" \
  play --tags trustform-install,trustform-config
for h in "${hosts[@]}"; do
  check "$h: trustform installed by the role" test -x "$T/$h/usr/bin/trustform"
  check "$h: configuration placed" cmp -s "$ctl/files/trust.yaml" "$T/$h/etc/trustform/trust.yaml"
  expect_rc 2 "$h: trustplan shows changes pending" on "$h" trustplan --host "$h" --detailed-exitcode
  state "$h" >"$T/$h.before"
done

# 2. --check --diff: each host's plan, no change.
expect_rc 0 "ansible-playbook --check --diff" play --check --diff
cp "$T/.out" "$T/check.out"
for h in "${hosts[@]}"; do
  check "$h: changed in check mode (the plan)" test "$(recap "$h" changed)" -ge 1
  check "$h: not failed in check mode" test "$(recap "$h" failed)" = 0
  state "$h" >"$T/$h.after-check"
  if diff -u "$T/$h.before" "$T/$h.after-check" >"$T/$h.check.diff"; then pass; else
    fail "$h: --check changed the tree:"; head -20 "$T/$h.check.diff" >&2; fi
done
check "the diff shows h1's own CA for its app store" grep -q 'ca "h1-only"' "$T/check.out"
check "the diff shows the system store's plan" grep -q 'system (planned)' "$T/check.out"
check "the diff shows the fleet CA" grep -q '+ ca "fleet"' "$T/check.out"
n=$(grep -c "h1-only will be added" "$T/check.out" || true)
check "only h1 plans h1-only (once, in its diff)" test "$n" = 1
check "--check removed its staged configuration" \
  bash -c "! ls -d '$T'/h*/tmp/*.trustform-check 2>/dev/null | grep -q ."
check "--check leaves the drift timer disabled" \
  bash -c "! ls '$T'/h*/etc/systemd/system/timers.target.wants/trustform-drift.timer 2>/dev/null | grep -q ."
grep -A12 'TASK \[trustform.trust.trustform : Converge' "$T/check.out" | head -30

# 3. A run converges every host.
expect_rc 0 "ansible-playbook converges the fleet" play --diff
for h in "${hosts[@]}"; do
  check "$h: changed in the first run" test "$(recap "$h" changed)" -ge 1
  expect_rc 0 "$h: trustplan --detailed-exitcode after the run" on "$h" trustplan --host "$h" --detailed-exitcode
  check "$h: the fleet CA is in the tree's system bundle" \
    grep -qF "$(sed -n 2p "$ctl/files/cas/fleet.pem")" "$T/$h/etc/ssl/certs/ca-certificates.crt"
  check "$h: the app bundle keeps its own line" grep -q "application's own bundle" "$T/$h/etc/app/bundle.pem"
  check "$h: the drift timer is enabled" test -L "$T/$h/etc/systemd/system/timers.target.wants/trustform-drift.timer"
done
check "h1-only only on h1" bash -c "grep -q 'trustform:begin h1-only' '$T/h1/etc/app/bundle.pem' && ! grep -q 'h1-only' '$T/h2/etc/app/bundle.pem'"

# 4. A second run changes nothing.
expect_rc 0 "second run" play
for h in "${hosts[@]}"; do
  check "$h: changed=0 in the second run" test "$(recap "$h" changed)" = 0
done

# 5. h3's bundle is damaged; a new CA for everyone: h3 fails alone.
printf -- '-----BEGIN CERTIFICATE-----\nMIIBroken\n' >>"$T/h3/etc/app/bundle.pem"
write_config extra
expect_rc 2 "--check with the new configuration (h3's damaged bundle fails its plan)" play --check --diff
cp "$T/.out" "$T/check5.out"
n=$(grep -c "extra will be added" "$T/check5.out" || true)
check "--check plans the configuration a run would place (h1 and h2 add 'extra' to two stores)" test "$n" -ge 4
check "--check did not place it" bash -c "! grep -q 'fleet, extra' '$T/h1/etc/trustform/trust.yaml'"
expect_rc 2 "the run with a broken host exits 2 (a host failed)" play
for h in h1 h2; do
  check "$h: converged to the new configuration" test "$(recap "$h" failed)" = 0
  check "$h: changed" test "$(recap "$h" changed)" -ge 1
  expect_rc 0 "$h: trustplan clean after" on "$h" trustplan --host "$h" --detailed-exitcode
done
check "h3 failed" test "$(recap h3 failed)" = 1
check "the failure names the damaged bundle" grep -q 'bundle.pem:[0-9]*: a PEM block has no -----END' "$T/play.out"
check "h3's system store still got the new CA (the other store converged)" \
  grep -qF "$(sed -n 2p "$ctl/files/cas/extra.pem")" "$T/h3/etc/ssl/certs/ca-certificates.crt"
done_testing

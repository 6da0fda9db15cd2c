#!/usr/bin/env bash
# Removal: a CA dropped from the config leaves every place trustform put it
# (file, link, hash link, bundle) and the hooks hear a "-" line; `ensure:
# absent` removes a foreign CA matched by fingerprint (a local file, and a
# distro CA through a `!` line); `distrusted` writes the `!` line. Hooks get
# "+" and "-" lines, removals included.
. "$(dirname "$0")/../lib/common.sh"

# Each scenario starts from its own fresh tree: a Debian root with the distro
# CAs, a recording hook, and keep + drop applied (setup).
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/keep" "/CN=Keep CA"
mk_ca "$T/cfg/cas/drop" "/CN=Drop CA"
mk_leaf "$T/drop-leaf" "$T/cfg/cas/drop"
dfp=$(fingerprint "$T/cfg/cas/drop.pem"); d12=${dfp:0:12}
hash=$(openssl x509 -in "$T/cfg/cas/drop.pem" -noout -hash)
P=$T/pristine; mk_root "$P" with-distro; real_update_ca_chroot_like "$P" --fresh
cfg=$T/cfg/trust.yaml
n=0
setup() {
  n=$((n + 1)); R=$T/root$n
  cp -a "$P" "$R"
  mk_recording_hook "$R"
  cat >"$cfg" <<'YAML'
version: 1
cas:
  keep: { file: cas/keep.pem }
  drop: { file: cas/drop.pem }
stores:
  system: { type: system, run_hooks: true }
roles:
  node: { cas: [keep, drop], stores: [system] }
hosts:
  h: [node]
YAML
  args=(-c "$cfg" --root "$R" --host h)
  tf apply "${args[@]}" --auto-approve >/dev/null
  : >"$R/hook.log"
}

setup
expect_rc 0 "the setup's apply is clean" tf plan "${args[@]}" --detailed-exitcode
check "drop verifies" openssl verify -CApath "$(capath_of "$R")" "$T/drop-leaf.pem"
R0=$T/root-hook; cp -a "$P" "$R0"; mk_recording_hook "$R0"
tf apply -c "$cfg" --root "$R0" --host h --auto-approve >/dev/null
check "hook heard the additions" grep -qx "+$R0/etc/ssl/certs/drop-$d12.pem" "$R0/hook.log"

# Dropped from the configuration.
setup
sed -i 's/cas: \[keep, drop\]/cas: [keep]/; /^  drop:/d' "$cfg"
expect_rc 2 "plan shows the removal" tf plan "${args[@]}" --detailed-exitcode
check "removal headline" out_has '# system (debian): drop will be removed'
check "removal reason" out_has '# (because it is not in the configuration)'
check "removal line" out_has '- ca "drop" {'
expect_rc 0 "apply the removal" tf apply "${args[@]}" --auto-approve
check "managed file gone" bash -c "! ls '$R'/usr/local/share/ca-certificates/trustform/drop-* 2>/dev/null"
check "pem link gone" test ! -e "$R/etc/ssl/certs/drop-$d12.pem" -a ! -L "$R/etc/ssl/certs/drop-$d12.pem"
check "hash link gone" bash -c "! ls '$R/etc/ssl/certs/$hash.'* 2>/dev/null"
check "not in the bundle" bash -c "! grep -qF '$(sed -n 2p "$T/cfg/cas/drop.pem")' '$R/etc/ssl/certs/ca-certificates.crt'"
check "hook heard the removal" grep -qx -- "-$R/etc/ssl/certs/drop-$d12.pem" "$R/hook.log"
check "leaf no longer verifies" bash -c "! openssl verify -CApath '$(capath_of "$R")' '$T/drop-leaf.pem' >/dev/null 2>&1"

# ensure: absent removes a foreign local CA, matched by fingerprint (the file
# name says nothing), and deselects a distro CA.
setup
mk_ca "$T/foreign" "/CN=Foreign Lab"
cp "$T/foreign.pem" "$R/usr/local/share/ca-certificates/innocent-name.crt"
real_update_ca_chroot_like "$R"
cp "$T/foreign.pem" "$T/cfg/cas/retired-lab.pem"
distro=ISRG_Root_X1
cp "$R/usr/share/ca-certificates/mozilla/$distro.crt" "$T/cfg/cas/isrg.pem"
/usr/bin/python3 - "$cfg" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("cas:\n", "cas:\n  retired-lab: { file: cas/retired-lab.pem, ensure: absent }\n"
              "  isrg: { file: cas/isrg.pem, ensure: absent }\n", 1)
open(p, "w").write(s)
PY
: >"$R/hook.log"
expect_rc 2 "plan shows the absent removals" tf plan "${args[@]}" --detailed-exitcode
check "foreign removal reason" out_has '(because retired-lab is ensure: absent (held as "innocent-name.crt"))'
check "distro CA deselected" out_has "# system (debian): isrg will be deselected"
expect_rc 0 "apply absent" tf apply "${args[@]}" --auto-approve
check "foreign file removed" test ! -e "$R/usr/local/share/ca-certificates/innocent-name.crt"
check "distro file kept (package-owned)" test -f "$R/usr/share/ca-certificates/mozilla/$distro.crt"
check "! line written" grep -qx "!mozilla/$distro.crt" "$R/etc/ca-certificates.conf"
check "distro pem link gone" test ! -L "$R/etc/ssl/certs/$distro.pem"
check "hook heard the distro removal" grep -qx -- "-$R/etc/ssl/certs/$distro.pem" "$R/hook.log"
check "hook heard the foreign removal" grep -qx -- "-$R/etc/ssl/certs/innocent-name.pem" "$R/hook.log"
expect_rc 0 "clean afterwards" tf plan "${args[@]}" --detailed-exitcode

# distrusted: a distro CA gets a `!` line too.
setup
distro2=GTS_Root_R1
cp "$R/usr/share/ca-certificates/mozilla/$distro2.crt" "$T/cfg/cas/gts.pem"
/usr/bin/python3 - "$cfg" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("cas:\n", "cas:\n  gts: { file: cas/gts.pem, ensure: distrusted }\n", 1)
open(p, "w").write(s)
PY
expect_rc 2 "plan shows distrust" tf plan "${args[@]}" --detailed-exitcode
check "distrust headline" out_has '# system (debian): gts will be marked distrusted'
expect_rc 0 "apply distrust" tf apply "${args[@]}" --auto-approve
check "! line for distrusted" grep -qx "!mozilla/$distro2.crt" "$R/etc/ca-certificates.conf"
check "selected line replaced, not duplicated" bash -c "! grep -qx 'mozilla/$distro2.crt' '$R/etc/ca-certificates.conf'"
expect_rc 0 "clean afterwards" tf plan "${args[@]}" --detailed-exitcode

# conf lines are matched as paths, not as text: "./mozilla/X.crt".
setup
distro3=Certigna
sed -i "s|^mozilla/$distro3.crt\$|./mozilla/$distro3.crt|" "$R/etc/ca-certificates.conf"
cp "$R/usr/share/ca-certificates/mozilla/$distro3.crt" "$T/cfg/cas/certigna.pem"
/usr/bin/python3 - "$cfg" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("cas:\n", "cas:\n  certigna: { file: cas/certigna.pem, ensure: absent }\n", 1)
open(p, "w").write(s)
PY
expect_rc 2 "a ./ spelled conf line is seen" tf plan "${args[@]}" --detailed-exitcode
check "no false 'not in' note" bash -c "! grep -q 'lists ./mozilla/$distro3.crt, which is not in' '$T/.out'"
expect_rc 0 "deselect it" tf apply "${args[@]}" --auto-approve
check "the operator's line got the !" grep -qx "!./mozilla/$distro3.crt" "$R/etc/ca-certificates.conf"
expect_rc 0 "clean after one apply" tf plan "${args[@]}" --detailed-exitcode

# hooks do not run under --root unless asked, and the plan says so.
setup
sed -i 's/run_hooks: true/run_hooks: false/' "$cfg"
mk_ca "$T/cfg/cas/drop2" "/CN=Drop CA 2"
sed -i 's/cas: \[keep, drop\]/cas: [keep, drop, drop2]/; s/^cas:$/cas:\n  drop2: { file: cas\/drop2.pem }/' "$cfg"
expect_rc 0 "apply without hooks" tf apply "${args[@]}" --auto-approve
check "plan notes the skipped hooks" out_has 'will not run under --root'
check "hook did not run" test ! -s "$R/hook.log"
done_testing

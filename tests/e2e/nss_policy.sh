#!/usr/bin/env bash
# Firefox's enterprise policy (firefox_policy: true) as a file store: the
# engine writes trustform's PEM files, then policies.json (merged, whatever
# else it says kept), then removes the files no longer listed; a rotation
# lists the new file and removes the old one; policies.json changed since the
# plan makes every step stale ("run trustplan again") and writes nothing; a
# link in place of trustform's directory is refused. The files are checked
# with openssl and python3's json; Firefox reading them is e2e/nss/firefox.
. "$(dirname "$0")/../lib/common.sh"
R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_ca "$C/cas/corp2" "/CN=Corp Root G2"
write_cfg() { # CORP-FILE CAS
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/$1.pem }
  lab: { file: cas/lab.pem }
stores:
  firefox: { type: nss, firefox_policy: true }
roles:
  r: { cas: [$2], stores: [firefox] }
hosts:
  h: [r]
YAML
}
write_cfg corp "corp, lab"
args=(-c "$C/trust.yaml" --root "$R" --host h)
pol=$R/etc/firefox/policies/policies.json
dir=/etc/firefox/policies/trustform
mkdir -p "${pol%/*}"
printf '{\n  "policies": {\n    "DisableAppUpdate": true,\n    "Certificates": { "Install": ["vendor.crt"] }\n  }\n}\n' >"$pol"
pem_of() { local fp; fp=$(fingerprint "$C/cas/$1.pem"); echo "$dir/$2-${fp:0:12}.pem"; }
corp=$(pem_of corp corp); lab=$(pem_of lab lab); corp2=$(pem_of corp2 corp)
install() { python3 -c "import json; print(' '.join(json.load(open('$pol'))['policies'].get('Certificates', {}).get('Install', [])))"; }

expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "  corp added" out_has 'firefox[firefox policy]: ca "corp": added'
check "  Install lists both after the vendor's" test "$(install)" = "vendor.crt $corp $lab"
check "  the rest of the policy is kept" python3 -c "import json; assert json.load(open('$pol'))['policies']['DisableAppUpdate'] is True"
check "  corp's file is the CA" test "$(fingerprint "$R$corp")" = "$(fingerprint "$C/cas/corp.pem")"
check "  lab's file is the CA" test "$(fingerprint "$R$lab")" = "$(fingerprint "$C/cas/lab.pem")"
expect_rc 0 "converged" tf plan "${args[@]}" --detailed-exitcode

# rotation (new content under the same name) and a removal
write_cfg corp2 "corp"
expect_rc 2 "plan: corp replaced, lab removed" tf plan "${args[@]}" --detailed-exitcode
# someone edits the policy at the prompt: every step stale, nothing written
edit="sed -i 's/\"DisableAppUpdate\": true/\"DisableAppUpdate\": false/' $pol"
expect_rc 1 "apply with the policy changed meanwhile" python3 "$SRC_DIR/tests/lib/apply_meanwhile.py" "$edit" "$TRUSTFORM" apply "${args[@]}"
check "  corp's step is stale" out_has 'ca "corp": failed: /etc/firefox/policies/policies.json changed since the plan was made'
check "  and says to plan again" out_has "run trustplan again"
check "  the summary too" out_has "Changed since the plan was made: firefox[firefox policy]"
check "  the old files are kept" test -f "$R$corp" -a -f "$R$lab"
check "  the new file was not written" test ! -e "$R$corp2"
check "  Install unchanged" test "$(install)" = "vendor.crt $corp $lab"
check "  the edit is kept" grep -q '"DisableAppUpdate": false' "$pol"
expect_rc 0 "apply again" tf apply "${args[@]}" --auto-approve
check "  corp replaced" out_has 'ca "corp": replaced'
check "  lab removed" out_has 'ca "lab": removed'
check "  Install lists the new file only" test "$(install)" = "vendor.crt $corp2"
check "  the new file is the new CA" test "$(fingerprint "$R$corp2")" = "$(fingerprint "$C/cas/corp2.pem")"
check "  the old files are gone" test ! -e "$R$corp" -a ! -e "$R$lab"
check "  no temp files left" test -z "$(find "$R/etc/firefox" -name '.*' -type f)"
expect_rc 0 "converged" tf plan "${args[@]}" --detailed-exitcode

# everything dropped: the keys trustform made go again, the vendor's stay
write_cfg corp2 ""
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
check "  Install keeps the vendor's" test "$(install)" = "vendor.crt"
check "  the file is gone" test ! -e "$R$corp2"

# a link in place of trustform's directory: refused, nothing followed
write_cfg corp "corp"
rm -rf "${R:?}$dir"; mkdir -p "$T/elsewhere"; ln -s "$T/elsewhere" "$R$dir"
expect_rc 1 "a link for the directory" tf apply "${args[@]}" --auto-approve
check "  nothing written through it" test -z "$(ls -A "$T/elsewhere")"
check "  Install unchanged" test "$(install)" = "vendor.crt"
done_testing

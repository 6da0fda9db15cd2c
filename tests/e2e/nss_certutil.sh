#!/usr/bin/env bash
# The nss store against the real certutil: after apply, `certutil -L` lists
# trustform-<name> with the declared trust in every database of every listed
# user (Chrome's ~/.pki/nssdb, a Firefox profile from profiles.ini, a `path:`
# database); a distrusted CA reads p,p,p; an absent CA is removed from a
# database it was put in by hand; foreign entries keep their nickname and
# trust; a CA dropped from the config is gone; files stay the user's; hand
# edits are seen and undone; `create: true` makes a database as its owner.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
mk_user "$R" bob 4243
mk_user "$R" ci 4244
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
mk_ca "$C/cas/bad" "/CN=Bad Root"
mk_ca "$C/cas/old" "/CN=Old Lab Root"
mk_ca "$T/foreign" "/CN=Foreign Root"

A=$R/home/alice
CHROME=$A/.pki/nssdb
FF=$A/.mozilla/firefox/k3x9a1b2.default-release
CI=$R/home/ci/.pki/nssdb
mk_nssdb "$CHROME"
nss_add "$CHROME" "Foreign Root" "CT,C,C" "$T/foreign.pem"
mk_firefox_profile "$A" default-release k3x9a1b2.default-release
nss_add "$FF" "Old Lab (by hand)" "C,," "$C/cas/old.pem"
chown -R 4242:4242 "$A"
mk_nssdb "$CI"; chown -R 4244:4244 "$R/home/ci"

cfg=$C/trust.yaml
cat >"$cfg" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
  bad: { file: cas/bad.pem, ensure: distrusted }
  old: { file: cas/old.pem, ensure: absent }
stores:
  browsers: { type: nss, discover: [chrome, firefox], users: [alice] }
  chrome-ci: { type: nss, path: /home/ci/.pki/nssdb, trust: "CT,C," }
roles:
  desk: { cas: [corp, lab, bad, old], stores: [browsers, chrome-ci] }
hosts:
  h: [desk]
YAML
args=(-c "$cfg" --root "$R" --host h)

expect_rc 2 "plan shows changes" tf plan "${args[@]}" --detailed-exitcode
check "chrome database named by user and browser" out_has '# browsers[alice chrome]: corp will be added'
check "firefox database named by user, browser and profile" \
  out_has '# browsers[alice firefox default-release]: corp will be added'
check "path database named by its store" out_has '# chrome-ci (nss): corp will be added'
check "declared trust shown" out_has '+ trust   = "C,,"'
check "configured trust shown" out_has '+ trust   = "CT,C,"'
check "distrusted CA added as such" out_has '# browsers[alice chrome]: bad will be added as distrusted'
check "absent CA removed from firefox, found by fingerprint" \
  out_has '(because old is ensure: absent (held as "Old Lab (by hand)"))'
check "plan changed nothing" test -z "$(nss_trust "$CHROME" trustform-corp)"

expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
for db in "$CHROME" "$FF"; do
  check "certutil: corp is C,, in ${db#"$R"}" test "$(nss_trust "$db" trustform-corp)" = "C,,"
  check "certutil: lab is C,, in ${db#"$R"}" test "$(nss_trust "$db" trustform-lab)" = "C,,"
  check "certutil: bad is p,p,p in ${db#"$R"}" test "$(nss_trust "$db" trustform-bad)" = "p,p,p"
done
check "certutil: configured trust CT,C, in the path store" \
  test "$(nss_trust "$CI" trustform-corp)" = "CT,C,"
check "foreign entry untouched (nickname and trust)" \
  test "$(nss_trust "$CHROME" "Foreign Root")" = "CT,C,C"
check "absent CA gone from firefox" test -z "$(nss_trust "$FF" "Old Lab (by hand)")"
check "certutil verifies the CA as a trusted TLS CA" \
  bash -c "certutil -V -d 'sql:$CHROME' -n trustform-corp -u L </dev/null | grep -q 'certificate is valid'"
check "alice's files are still alice's" \
  test -z "$(find "$A" ! -uid 4242 -print -o ! -gid 4242 -print)"
check "ci's files are still ci's" test -z "$(find "$R/home/ci" ! -uid 4244 -print)"
check "no stray files in the database" \
  test "$(ls "$CHROME" | sort | tr '\n' ' ')" = "cert9.db key4.db pkcs11.txt "
expect_rc 0 "clean after apply" tf plan "${args[@]}" --detailed-exitcode
check "idempotent" out_has "No changes."

expect_rc 0 "show" tf show "${args[@]}"
check "show: managed entry with its trust" out_has "corp "
check "show: foreign entry" out_has "Foreign Root"
check "show: distrusted entry" out_has "p,p,p"

# A hand edit of a managed entry's trust is drift, and apply puts it back.
nss_certutil -M -d "sql:$CHROME" -n trustform-lab -t ",,"
expect_rc 2 "hand-edited trust is drift" tf plan "${args[@]}" --detailed-exitcode
check "plan shows the trust change" out_has '~ trust   = ",," -> "C,,"'
expect_rc 0 "apply restores it" tf apply "${args[@]}" --auto-approve
check "certutil: lab is C,, again" test "$(nss_trust "$CHROME" trustform-lab)" = "C,,"

# A foreign entry of a configured CA with weaker trust is given the wanted trust.
mk_ca "$C/cas/vpn" "/CN=VPN Root"
nss_add "$CHROME" "VPN (imported)" ",," "$C/cas/vpn.pem"
chown -R 4242:4242 "$CHROME"
sed -i 's/^  corp: /  vpn: { file: cas\/vpn.pem }\n  corp: /; s/cas: \[corp, lab, bad, old\]/cas: [corp, lab, bad, old, vpn]/' "$cfg"
expect_rc 2 "foreign entry with no trust" tf plan "${args[@]}" --detailed-exitcode
check "retrust planned" out_has '(because it is held as "VPN (imported)" with trust ",,")'
expect_rc 0 "apply retrust" tf apply "${args[@]}" --auto-approve
check "certutil: foreign entry keeps its nickname, gets C,," \
  test "$(nss_trust "$CHROME" "VPN (imported)")" = "C,,"

# Dropped from the config: gone from every database trustform put it in.
sed -i '/^  lab: /d; s/cas: \[corp, lab, bad, old, vpn\]/cas: [corp, bad, old, vpn]/' "$cfg"
expect_rc 2 "plan shows the removal" tf plan "${args[@]}" --detailed-exitcode
check "removal reason" out_has '(because it is not in the configuration)'
check "removal entry" out_has '- entry   = "trustform-lab"'
expect_rc 0 "apply the removal" tf apply "${args[@]}" --auto-approve
for db in "$CHROME" "$FF" "$CI"; do
  check "certutil: lab gone from ${db#"$R"}" test -z "$(nss_trust "$db" trustform-lab)"
  check "certutil: corp still there in ${db#"$R"}" test -n "$(nss_trust "$db" trustform-corp)"
done
check "foreign entry still untouched" test "$(nss_trust "$CHROME" "Foreign Root")" = "CT,C,C"

# The CA that was distrusted comes back as present: its entry is trusted again.
sed -i 's/  bad: { file: cas\/bad.pem, ensure: distrusted }/  bad: { file: cas\/bad.pem }/' "$cfg"
expect_rc 0 "apply re-trust of a distrusted CA" tf apply "${args[@]}" --auto-approve
check "certutil: bad is C,, now" test "$(nss_trust "$CHROME" trustform-bad)" = "C,,"

# Renamed in the config: the same certificate keeps its entry, under the new name.
sed -i 's/^  corp: /  corporate: /; s/\[corp, bad/[corporate, bad/' "$cfg"
expect_rc 2 "rename is an update" tf plan "${args[@]}" --detailed-exitcode
check "rename shown" out_has '~ name    = "corp" -> "corporate"'
expect_rc 0 "apply the rename" tf apply "${args[@]}" --auto-approve
check "certutil: renamed" test "$(nss_trust "$CHROME" trustform-corporate)" = "C,,"
check "certutil: old nickname gone" test -z "$(nss_trust "$CHROME" trustform-corp)"
expect_rc 0 "clean after the rename" tf plan "${args[@]}" --detailed-exitcode

# Same name, new certificate: replaced (a new key under the same subject, and
# one with a different subject, which NSS cannot hold under one nickname).
mk_ca "$C/cas/vpn" "/CN=VPN Root"
expect_rc 0 "apply a regenerated CA (same subject)" tf apply "${args[@]}" --auto-approve
check "replacement shown" out_has 'vpn changed content under the same name'
check "certutil: new vpn is ours" test "$(nss_trust "$CHROME" trustform-vpn)" = "C,,"
mk_ca "$C/cas/vpn" "/CN=VPN Root G2"
expect_rc 0 "apply a CA with a new subject" tf apply "${args[@]}" --auto-approve
check "certutil: G2 under the same nickname" \
  bash -c "certutil -L -d 'sql:$CHROME' -n trustform-vpn -a </dev/null | openssl x509 -noout -subject | grep -q 'VPN Root G2'"
expect_rc 0 "clean after the replacements" tf plan "${args[@]}" --detailed-exitcode

# create: true makes bob's database, as bob; without it, nothing is created.
sed -i 's/users: \[alice\]/users: [alice, bob]/' "$cfg"
expect_rc 0 "bob has no database: plan says so" tf plan "${args[@]}" --detailed-exitcode
check "note for bob" out_has 'bob has no Chrome or Chromium NSS database'
check "nothing created" test ! -e "$R/home/bob/.pki"
sed -i 's/users: \[alice, bob\] }/users: [alice, bob], create: true }/' "$cfg"
expect_rc 2 "with create: true" tf plan "${args[@]}" --detailed-exitcode
check "plan says it will be made" out_has "a new NSS database will be made in /home/bob/.pki/nssdb, as bob"
expect_rc 0 "apply creates it" tf apply "${args[@]}" --auto-approve
check "certutil: corporate in bob's new database" \
  test "$(nss_trust "$R/home/bob/.pki/nssdb" trustform-corporate)" = "C,,"
check "bob's new database is bob's" test -z "$(find "$R/home/bob" ! -uid 4243 -print)"
check "private to bob" test "$(stat -c %a "$R/home/bob/.pki/nssdb")" = 700
expect_rc 0 "clean after create" tf plan "${args[@]}" --detailed-exitcode

# A path: database that does not exist is an error unless create: true.
sed -i 's|path: /home/ci/.pki/nssdb|path: /home/ci/.pki/other|' "$cfg"
expect_rc 1 "missing path database" tf plan "${args[@]}"
check "says how to create it" err_has "there is no NSS database in /home/ci/.pki/other; set \`create: true\`"
check "the other store is still planned" out_has "No changes in the stores that could be read"
check "nothing created" test ! -e "$R/home/ci/.pki/other"
done_testing

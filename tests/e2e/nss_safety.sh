#!/usr/bin/env bash
# The nss store refuses what it must not touch, and one refused or broken
# database never stops the others: a user's nssdb that is a symlink out of the
# home (to root's /etc/pki/nssdb), a database in a home owned by someone else,
# a legacy cert8.db profile, a truncated and a garbage cert9.db, one with a
# primary password. Each gets a
# clear error naming the database and what to do, the exit code is 1, the
# refused databases are byte for byte unchanged, and the system store and the
# healthy databases of the same run converge.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mk_user "$R" alice 4242
mk_user "$R" mallory 4250
mk_user "$R" carol 4251
mk_user "$R" dave 4252
mk_user "$R" erin 4253
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_leaf "$T/leaf" "$C/cas/corp"

# alice: a healthy Chrome database, a legacy Firefox profile (and later, one
# with a primary password)
mk_nssdb "$R/home/alice/.pki/nssdb"
mkdir -p "$R/home/alice/.mozilla/firefox/old.default"
printf '[Profile0]\nName=default\nIsRelative=1\nPath=old.default\n' \
  >"$R/home/alice/.mozilla/firefox/profiles.ini"
nss_certutil -N -d "dbm:$R/home/alice/.mozilla/firefox/old.default" --empty-password
chown -R 4242:4242 "$R/home/alice"
# root's system-wide database, and mallory's nssdb: a link to it
mk_nssdb "$R/etc/pki/nssdb"
mkdir -p "$R/home/mallory/.pki"
ln -s /etc/pki/nssdb "$R/home/mallory/.pki/nssdb"
chown -h -R 4250:4250 "$R/home/mallory"
# carol: a database in her home that root made (root ran certutil there once)
mk_nssdb "$R/home/carol/.pki/nssdb"
# dave: a truncated database
mk_nssdb "$R/home/dave/.pki/nssdb" 4252
chown -R 4252:4252 "$R/home/dave"
truncate -s 3000 "$R/home/dave/.pki/nssdb/cert9.db"
# erin: a cert9.db of the right size full of garbage
mk_nssdb "$R/home/erin/.pki/nssdb"
head -c "$(stat -c %s "$R/home/erin/.pki/nssdb/cert9.db")" /dev/urandom >"$R/home/erin/.pki/nssdb/cert9.db"
chown -R 4253:4253 "$R/home/erin"

cfg=$C/trust.yaml
cat >"$cfg" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
  browsers: { type: nss, discover: [chrome, firefox], users: [alice, mallory, carol, dave, erin] }
roles:
  desk: { cas: [corp], stores: [system, browsers] }
hosts:
  h: [desk]
YAML
args=(-c "$cfg" --root "$R" --host h)
sum_etc_pki=$(tree_sum "$R/etc/pki")
sum_carol=$(tree_sum "$R/home/carol")
sum_dave=$(tree_sum "$R/home/dave")
sum_erin=$(tree_sum "$R/home/erin")
sum_legacy=$(tree_sum "$R/home/alice/.mozilla")

expect_rc 1 "plan fails for the refused databases" tf plan "${args[@]}"
check "symlink out of the home refused" \
  err_has "browsers[mallory chrome]: /home/mallory/.pki/nssdb leads to /etc/pki/nssdb (through a symbolic link), outside /home/mallory"
check "says what to do about the link" err_has "replace the link by the directory"
check "database owned by someone else refused" \
  err_has "browsers[carol chrome]: /home/carol/.pki/nssdb is owned by root (uid 0), not by carol (uid 4251)"
check "says how to fix the owner" err_has "chown -R 4251:4251 $R/home/carol/.pki/nssdb"
check "legacy format named" \
  err_has "browsers[alice firefox default]: /home/alice/.mozilla/firefox/old.default holds a database in the legacy format (cert8.db"
check "truncated database: clear error" \
  err_has "browsers[dave chrome]: /home/dave/.pki/nssdb: NSS cannot open the database (SEC_ERROR_BAD_DATABASE"
check "says what to do about a damaged one" err_has "move the directory away"
check "garbage database: clear error" \
  err_has "browsers[erin chrome]: /home/erin/.pki/nssdb: NSS cannot open the database (SEC_ERROR_BAD_DATABASE"
check "healthy database still planned" out_has "# browsers[alice chrome]: corp will be added"
check "system store still planned" out_has "# system (debian): corp will be added"

expect_rc 1 "apply: exit 1" tf apply "${args[@]}" --auto-approve
check "summary names what failed" out_has "Apply failed in 5 store(s)"
check "system store converged" openssl verify -CApath "$(capath_of "$R")" "$T/leaf.pem"
check "alice's chrome database converged" \
  test "$(nss_trust "$R/home/alice/.pki/nssdb" trustform-corp)" = "C,,"
check "root's database not written through mallory's link" test "$sum_etc_pki" = "$(tree_sum "$R/etc/pki")"
check "carol's database unchanged" test "$sum_carol" = "$(tree_sum "$R/home/carol")"
check "dave's truncated database unchanged" test "$sum_dave" = "$(tree_sum "$R/home/dave")"
check "erin's garbage database unchanged" test "$sum_erin" = "$(tree_sum "$R/home/erin")"
check "legacy profile unchanged" test "$sum_legacy" = "$(tree_sum "$R/home/alice/.mozilla")"

# Only the broken ones are left: the next plan shows nothing else to do.
expect_rc 1 "still failing for the refused ones" tf plan "${args[@]}" --detailed-exitcode
check "nothing else left" out_has "No changes in the stores that could be read; 5 store(s) failed"

# --target the healthy stores: a clean run.
sed -i 's/users: \[alice, mallory, carol, dave, erin\]/users: [alice]/' "$cfg"
rm -rf "$R/home/alice/.mozilla"
expect_rc 0 "without the broken ones: clean" tf plan "${args[@]}" --detailed-exitcode

# A database with a primary password: the plan says apply cannot change it,
# and apply changes nothing (no certificate left without its trust).
mkdir -p "$R/home/alice/.pki/locked"; echo "s3cret-pw" >"$T/pw"
nss_certutil -N -d "sql:$R/home/alice/.pki/locked" -f "$T/pw"
chown -R 4242:4242 "$R/home/alice/.pki/locked"
sed -i 's|  browsers: |  locked: { type: nss, path: /home/alice/.pki/locked }\n  browsers: |; s/stores: \[system, browsers\]/stores: [system, browsers, locked]/' "$cfg"
sum_locked=$(tree_sum "$R/home/alice/.pki/locked")
expect_rc 1 "a database with a primary password" tf apply "${args[@]}" --auto-approve
check "the plan says why" out_has "locked (nss): the database is protected by a primary password"
check "apply fails for it" out_has 'locked (nss): ca "corp": failed: not done: the database is protected'
check "and changed nothing in it" test "$sum_locked" = "$(tree_sum "$R/home/alice/.pki/locked")"
sed -i '/^  locked: /d; s/stores: \[system, browsers, locked\]/stores: [system, browsers]/' "$cfg"

# A link inside the home is fine: it stays the user's.
mkdir -p "$R/home/alice/profiles"
mv "$R/home/alice/.pki/nssdb" "$R/home/alice/profiles/nssdb"
ln -s ../profiles/nssdb "$R/home/alice/.pki/nssdb"
chown -h -R 4242:4242 "$R/home/alice"
expect_rc 0 "a link inside the home is followed" tf plan "${args[@]}" --detailed-exitcode
# A link inside the database (cert9.db pointing elsewhere) is refused.
mv "$R/home/alice/profiles/nssdb/cert9.db" "$R/home/alice/profiles/cert9.db"
ln -s ../cert9.db "$R/home/alice/profiles/nssdb/cert9.db"
chown -h 4242:4242 "$R/home/alice/profiles/nssdb/cert9.db"
expect_rc 1 "cert9.db as a link" tf plan "${args[@]}"
check "link in the database refused" err_has "cert9.db is not a regular file (a link?)"
done_testing

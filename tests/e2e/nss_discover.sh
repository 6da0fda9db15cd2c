#!/usr/bin/env bash
# Discovery covers every place in use today, and names each database readably:
# ~/.pki/nssdb, ~/.local/share/pki/nssdb, the Chromium snap (through its
# `current` link), Firefox profiles from the profiles.ini of ~/.mozilla,
# ~/.config/mozilla, the Firefox snap and the flatpak (relative and absolute
# paths), and /etc/pki/nssdb with `system`. One profile reached two ways is one
# database. A profiles.ini that points at another user's or root's database is
# refused. Every database found converges (checked with certutil).
# discover: [electron]: Electron apps open ~/.pki/nssdb as Chromium does (not
# their ~/.config/<App>, which holds no NSS database), and a strict snap's app
# its ~/snap/<app>/current/.pki/nssdb; with chrome too, ~/.pki/nssdb is one.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mk_user "$R" alice 4242
mk_user "$R" bob 4243
A=$R/home/alice
C=$T/cfg; mkdir -p "$C/cas"; mk_ca "$C/cas/corp" "/CN=Corp Root"

mk_nssdb "$A/.pki/nssdb"
mk_nssdb "$A/.local/share/pki/nssdb"
mk_nssdb "$A/snap/chromium/2345/.pki/nssdb"; ln -s 2345 "$A/snap/chromium/current"
ff() {	# ff DIR-UNDER-HOME NAME RELPATH-OR-ABS: a profiles.ini entry and its database
  local d=$A/$1; mkdir -p "$d"
  local n; n=$(grep -c '^\[Profile' "$d/profiles.ini" 2>/dev/null || true)
  if [ "${3:0:1}" = / ]; then
    printf '[Profile%s]\nName=%s\nIsRelative=0\nPath=%s\n\n' "${n:-0}" "$2" "$3" >>"$d/profiles.ini"
    mk_nssdb "$R$3"
  else
    printf '[Profile%s]\nName=%s\nIsRelative=1\nPath=%s\n\n' "${n:-0}" "$2" "$3" >>"$d/profiles.ini"
    mk_nssdb "$d/$3"
  fi
}
ff .mozilla/firefox default-release a1.default-release
ff .mozilla/firefox work /data/alice/ff-work
ff .config/mozilla/firefox default-release b2.default-release
ff snap/firefox/common/.mozilla/firefox default c3.default
ff .var/app/org.mozilla.firefox/.mozilla/firefox default d4.default
# the XDG profile again, through a link from the old place: the same database
ln -s ../../.config/mozilla/firefox/b2.default-release "$A/.mozilla/firefox/b2-link"
printf '[Profile2]\nName=again\nIsRelative=1\nPath=b2-link\n\n' >>"$A/.mozilla/firefox/profiles.ini"
# alice's profiles.ini pointing at bob's database and at root's
mk_nssdb "$R/home/bob/.pki/nssdb"; chown -R 4243:4243 "$R/home/bob"
printf '[Profile3]\nName=bobs\nIsRelative=0\nPath=/home/bob/.pki/nssdb\n\n' >>"$A/.mozilla/firefox/profiles.ini"
printf '[Profile4]\nName=gone\nIsRelative=1\nPath=zz.gone\n\n' >>"$A/.mozilla/firefox/profiles.ini"
chown -R 4242:4242 "$A" "$R/data/alice"
mk_nssdb "$R/etc/pki/nssdb"

cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  browsers: { type: nss, discover: [chrome, firefox, system], users: [alice] }
roles:
  desk: { cas: [corp], stores: [browsers] }
hosts:
  h: [desk]
YAML
args=(-c "$C/trust.yaml" --root "$R" --host h)
expect_rc 1 "plan (one refused database)" tf plan "${args[@]}"
for a in "alice chrome" "alice chrome-xdg" "alice chromium-snap" "alice firefox default-release" \
  "alice firefox work" "alice firefox again" "alice firefox-snap default" "alice firefox-flatpak default" "system"; do
  check "found: browsers[$a]" out_has "# browsers[$a]: corp will be added"
done
check "one profile reached two ways is one database (9 in all)" \
  test "$(grep -c '^  # browsers\[.*\]: corp will be added' "$T/.out")" = 9
check "a profiles.ini pointing at bob's database is refused" \
  err_has "browsers[alice firefox bobs]: /home/bob/.pki/nssdb is owned by bob (uid 4243), not by alice"
check "a missing profile directory is noted" out_has 'lists profile "gone" in /home/alice/.mozilla/firefox/zz.gone, which does not exist'

expect_rc 1 "apply" tf apply "${args[@]}" --auto-approve
for db in "$A/.pki/nssdb" "$A/.local/share/pki/nssdb" "$A/snap/chromium/2345/.pki/nssdb" \
  "$A/.mozilla/firefox/a1.default-release" "$R/data/alice/ff-work" \
  "$A/.config/mozilla/firefox/b2.default-release" "$A/snap/firefox/common/.mozilla/firefox/c3.default" \
  "$A/.var/app/org.mozilla.firefox/.mozilla/firefox/d4.default" "$R/etc/pki/nssdb"; do
  check "certutil: corp in ${db#"$R"}" test "$(nss_trust "$db" trustform-corp)" = "C,,"
done
check "bob's database untouched" test -z "$(nss_trust "$R/home/bob/.pki/nssdb" trustform-corp)"
check "alice's files are alice's" test -z "$(find "$A" "$R/data/alice" ! -uid 4242 -print)"
check "the system database is root's" test -z "$(find "$R/etc/pki/nssdb" ! -uid 0 -print)"

# Electron apps: carol's ~/.pki/nssdb (shared with Chromium), a strict snap's
# own database, an app's ~/.config/Slack (no NSS database there) and a classic
# snap without one.
mk_user "$R" carol 4244
K=$R/home/carol
mk_nssdb "$K/.pki/nssdb"
mk_nssdb "$K/snap/signal-desktop/1234/.pki/nssdb"; ln -s 1234 "$K/snap/signal-desktop/current"
mkdir -p "$K/.config/Slack" "$K/snap/code/5"; ln -s 5 "$K/snap/code/current"
chown -R 4244:4244 "$K"
cat >"$C/electron.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  apps: { type: nss, discover: [electron], users: [carol] }
roles:
  desk: { cas: [corp], stores: [apps] }
hosts:
  h: [desk]
YAML
eargs=(-c "$C/electron.yaml" --root "$R" --host h)
expect_rc 2 "electron: plan" tf plan "${eargs[@]}" --detailed-exitcode
check "electron: ~/.pki/nssdb" out_has "# apps[carol electron]: corp will be added"
check "electron: the snap's own" out_has "# apps[carol electron-snap signal-desktop]: corp will be added"
check "electron: those two only" test "$(grep -c '^  # apps\[.*\]: corp will be added' "$T/.out")" = 2
expect_rc 0 "electron: apply" tf apply "${eargs[@]}" --auto-approve
for db in "$K/.pki/nssdb" "$K/snap/signal-desktop/1234/.pki/nssdb"; do
  check "certutil: corp in ${db#"$R"}" test "$(nss_trust "$db" trustform-corp)" = "C,,"
done
check "electron: no database made in ~/.config/Slack" test -z "$(ls -A "$K/.config/Slack")"
sed -i 's/discover: \[electron\]/discover: [chrome, electron]/' "$C/electron.yaml"
expect_rc 0 "chrome and electron: ~/.pki/nssdb is one database, clean" tf plan "${eargs[@]}" --detailed-exitcode
done_testing

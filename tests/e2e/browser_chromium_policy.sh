#!/usr/bin/env bash
# chrome-policy with a real browser: Debian's headless Chromium loads a page
# from an `openssl s_server` whose leaf is signed by a private CA. trustform
# runs with --root on a sandbox tree; Chromium reads its policies from the
# real /etc/chromium/policies/managed, so each Chromium runs in its own mount
# namespace (unshare -m) where the sandbox's /etc/chromium is bound over
# /etc/chromium: the real /etc is never written. HOME is a fresh directory, so
# no user NSS database can hold the CA. Shown with the page load:
#  - refused before apply, loaded after (CACertificates in trustform.json);
#  - a CA regenerated under its name (same subject) is one -/+ step, and the
#    page of a leaf of the new CA loads;
#  - refused again after `ensure: absent` (the file is removed) and after
#    `ensure: distrusted` (CADistrustedCertificates);
#  - Chrome does not merge a list policy across the files of the directory:
#    a later file setting CACertificates makes trustform's ineffective (the
#    plan says so, and the page is refused), an earlier one is overridden;
#  - distrust beats trust: trustform's CADistrustedCertificates wins over a
#    later file's CACertificates listing the same CA.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mkdir -p "$R/etc/chromium" "$T/home"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Chrome Root"
mk_ca "$C/cas/other" "/CN=Other Root"
mk_leaf "$T/leaf" "$C/cas/corp"
mkdir -p "$T/www"; text="served-by-s_server-$RANDOM-$RANDOM"
printf '<html><body>%s</body></html>\n' "$text" >"$T/www/index.html"
port=$(free_port); start_www_server "$T/leaf" "$port" "$T/www"
url="https://127.0.0.1:$port/index.html"
b64() { openssl x509 -in "$1" -outform DER | base64 -w0; }
MANAGED=$R/etc/chromium/policies/managed
echo "# $(chromium --version 2>/dev/null)"

FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync)
# fetch NAME: a fresh Chromium, with the sandbox's policies, dumps the page's DOM
fetch() {
  local ud=$T/ud-$1; mkdir -p "$ud"
  unshare -m bash -c 'mount --make-rprivate / && mount --bind "$1" /etc/chromium && shift && exec "$@"' _ \
    "$R/etc/chromium" env HOME="$T/home" timeout 120 chromium "${FLAGS[@]}" \
    --user-data-dir="$ud" --dump-dom "$url" >"$T/$1.dom" 2>"$T/$1.log" || true
}
loaded() { grep -q "$text" "$T/$1.dom"; }
refused() { ! grep -q "$text" "$T/$1.dom" && grep -q "ERR_CERT_" "$T/$1.log"; }

yaml() { # yaml ENSURE [BROWSERS]
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem, ensure: $1 }
stores:
  chromium: { type: chrome-policy, browsers: [${2:-chromium}] }
roles:
  desk: { cas: [corp], stores: [chromium] }
hosts:
  h: [desk]
YAML
}
args=(-c "$C/trust.yaml" --root "$R" --host h)

fetch before
check "before apply: certificate error" refused before

yaml present
expect_rc 2 "present: plan" tf plan "${args[@]}" --detailed-exitcode
check "plan: headline" out_has '# chromium (chrome-policy chromium): corp will be added'
expect_rc 0 "present: apply" tf apply "${args[@]}" --auto-approve
check "trustform.json holds the CA, base64 DER" \
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d != {"CACertificates": [sys.argv[2]]})' \
  "$MANAGED/trustform.json" "$(b64 "$C/cas/corp.pem")"
check "nothing written outside the policy directory" test "$(cd "$R" && find . -type f -not -path "./var/lib/trustform/*")" = "./etc/chromium/policies/managed/trustform.json"
expect_rc 0 "present: plan clean" tf plan "${args[@]}" --detailed-exitcode
check "present: says No changes" out_has "No changes"
expect_rc 0 "show" tf show "${args[@]}"
check "show: the CA, managed" out_has "corp"
expect_rc 0 "plan --json" tf plan "${args[@]}" --json
check "json: the store's address" out_has '"chromium[chromium]"'
fetch present
check "present: Chromium loads the page" loaded present

# An earlier file setting CACertificates: Chrome takes trustform.json's list.
printf '{ "CACertificates": ["%s"], "HomepageLocation": "https://example.invalid/" }\n' \
  "$(b64 "$C/cas/other.pem")" >"$MANAGED/00-site.json"
expect_rc 0 "earlier file: plan clean, with a note" tf plan "${args[@]}" --detailed-exitcode
check "earlier file: note" out_has "/etc/chromium/policies/managed/00-site.json sets CACertificates too; Chrome does not merge a policy across files and takes it from the last file by name that sets it, /etc/chromium/policies/managed/trustform.json"
fetch earlier
check "earlier file: Chromium still loads the page" loaded earlier
rm "$MANAGED/00-site.json"

# A later file setting CACertificates without the CA: ours does not count.
printf '{ "CACertificates": ["%s"] }\n' "$(b64 "$C/cas/other.pem")" >"$MANAGED/zz-site.json"
expect_rc 1 "later file: plan is an error" tf plan "${args[@]}" --detailed-exitcode
check "later file: says why" out_has 'trust will not take effect: /etc/chromium/policies/managed/zz-site.json sets CACertificates and comes after trustform.json by name; Chromium takes the policy from that file only'
fetch later
check "later file: Chromium refuses the page (lists are not merged)" refused later
# ... and when that later file lists the CA, it is a foreign entry: clean.
printf '{ "CACertificates": ["%s", "%s"] }\n' "$(b64 "$C/cas/other.pem")" "$(b64 "$C/cas/corp.pem")" >"$MANAGED/zz-site.json"
expect_rc 0 "later file with the CA: plan clean" tf plan "${args[@]}" --detailed-exitcode
fetch later2
check "later file with the CA: Chromium loads the page" loaded later2
rm "$MANAGED/zz-site.json"

yaml absent
expect_rc 2 "absent: plan" tf plan "${args[@]}" --detailed-exitcode
check "absent: headline" out_has '# chromium (chrome-policy chromium): corp will be removed'
expect_rc 0 "absent: apply" tf apply "${args[@]}" --auto-approve
check "absent: trustform.json removed (nothing left in it)" test ! -e "$MANAGED/trustform.json"
expect_rc 0 "absent: plan clean" tf plan "${args[@]}" --detailed-exitcode
fetch absent
check "absent: Chromium refuses the page again" refused absent

yaml present; expect_rc 0 "present again: apply" tf apply "${args[@]}" --auto-approve
# corp regenerated under its name (same subject, new key): one -/+ step, as
# in every store, not a removal of the old and an addition of the new.
cp "$C/cas/corp.pem" "$T/corp-old.pem"
mk_ca "$C/cas/corp" "/CN=Corp Chrome Root"
mk_leaf "$T/leaf2" "$C/cas/corp"
port2=$(free_port); start_www_server "$T/leaf2" "$port2" "$T/www"
expect_rc 2 "regenerated: plan" tf plan "${args[@]}" --detailed-exitcode --no-color
check "regenerated: headline" out_has '# chromium (chrome-policy chromium): corp changed content under the same name'
check "regenerated: one -/+ step" out_has '-/+ ca "corp" {'
check "regenerated: old -> new fingerprint" out_has "~ sha256  = \"$(fingerprint "$T/corp-old.pem" | cut -c1-12)…\" -> \"$(fingerprint "$C/cas/corp.pem" | cut -c1-12)…\""
check "regenerated: counted as a replacement" out_has 'Plan: 1 to add, 0 to change, 1 to destroy.'
check "regenerated: no separate removal" bash -c '! grep -q "will be removed" "$1"' _ "$T/.out"
expect_rc 0 "regenerated: apply" tf apply "${args[@]}" --auto-approve
check "regenerated: trustform.json holds only the new CA" \
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d != {"CACertificates": [sys.argv[2]]})' \
  "$MANAGED/trustform.json" "$(b64 "$C/cas/corp.pem")"
expect_rc 0 "regenerated: plan clean" tf plan "${args[@]}" --detailed-exitcode
url="https://127.0.0.1:$port2/index.html" # from here on, the new CA's leaf
fetch regenerated
check "regenerated: Chromium loads the page of a leaf of the new CA" loaded regenerated
yaml distrusted
expect_rc 2 "distrusted: plan" tf plan "${args[@]}" --detailed-exitcode
check "distrusted: headline" out_has '# chromium (chrome-policy chromium): corp will be marked distrusted'
expect_rc 0 "distrusted: apply" tf apply "${args[@]}" --auto-approve
check "distrusted: CADistrustedCertificates only" \
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d != {"CADistrustedCertificates": [sys.argv[2]]})' \
  "$MANAGED/trustform.json" "$(b64 "$C/cas/corp.pem")"
expect_rc 0 "distrusted: plan clean" tf plan "${args[@]}" --detailed-exitcode
fetch distrusted
check "distrusted: Chromium refuses the page" refused distrusted
# Distrust beats trust: a later file trusting the CA does not undo ours.
printf '{ "CACertificates": ["%s"] }\n' "$(b64 "$C/cas/corp.pem")" >"$MANAGED/zz-site.json"
expect_rc 0 "distrusted + later trust: plan clean (distrust wins)" tf plan "${args[@]}" --detailed-exitcode
fetch distrust_wins
check "distrusted + later trust: Chromium still refuses the page" refused distrust_wins
rm "$MANAGED/zz-site.json"

# Both browsers by default: Chrome's directory gets its own file.
sed -i 's/, browsers: \[chromium\]//' "$C/trust.yaml"
expect_rc 0 "both browsers: apply" tf apply "${args[@]}" --auto-approve
check "both browsers: Chrome's trustform.json" test -s "$R/etc/opt/chrome/policies/managed/trustform.json"
check "both browsers: Chrome not installed: a note" out_has "Google Chrome is not installed here"
check "real /etc untouched" test ! -e /etc/chromium/policies
done_testing

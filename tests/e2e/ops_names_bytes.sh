#!/usr/bin/env bash
# Names that are not UTF-8 or hold control characters: a foreign CA file named
# in Latin-1 (caf\xe9.crt) and one with ESC and a newline in its name. --json
# stays schema-valid and carries the exact bytes (name_bytes/entry_bytes in
# base64 where the name is not UTF-8); terminals see them escaped (\xNN), never
# raw; a plan saved with --out applies with trustapply FILE.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg" "$R/var/lib/trustform"
mk_ca "$T/cfg/a" "/CN=Mine"
mk_ca "$T/cfg/l" "/CN=Latin"
mk_ca "$T/cfg/e" "/CN=Escape"
L=$(printf 'caf\xe9')
E=$(printf 'e\x1b[31mvil\nname')
cp "$T/cfg/l.pem" "$R/usr/local/share/ca-certificates/$L.crt"
cp "$T/cfg/e.pem" "$R/usr/local/share/ca-certificates/$E.crt"
cat >"$T/cfg/keep.yaml" <<'YAML'
version: 1
cas:
  a: { file: a.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [a], stores: [system] }
hosts:
  h: [node]
YAML
sed 's/^  a: { file: a.pem }$/  a: { file: a.pem }\n  l: { file: l.pem, ensure: absent }\n  e: { file: e.pem, ensure: absent }/' \
  "$T/cfg/keep.yaml" >"$T/cfg/drop.yaml"
P=$T/plans; mkdir -p "$P"
# no control character but newline and tab, and valid UTF-8 throughout
no_raw() { ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/.out" "$T/.err" &&
  iconv -f UTF-8 -t UTF-8 "$T/.out" >/dev/null && iconv -f UTF-8 -t UTF-8 "$T/.err" >/dev/null; }
valid() {
  local got; got=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$T/.out") || true
  grep -q ': valid$' <<<"$got" || { echo "  $got" | cut -c1-400 >&2; return 1; }
}
# every foreign entry's exact name: from name_bytes (base64) when present, else name
names_have() {
  /usr/bin/python3 - "$T/.out" "$1" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
want = bytes.fromhex(sys.argv[2])
def walk(o):
    if isinstance(o, dict):
        if "entry" in o and "sha256" in o:
            n = base64.b64decode(o["name_bytes"]) if "name_bytes" in o else o["name"].encode()
            e = base64.b64decode(o["entry_bytes"]) if "entry_bytes" in o else (o["entry"] or "").encode()
            yield n, e
        for v in o.values(): yield from walk(v)
    elif isinstance(o, list):
        for v in o: yield from walk(v)
ok = any(n == want and e.endswith(b"/" + want) for n, e in walk(d))
sys.exit(0 if ok else 1)
PY
}
lhex=$(printf '%s.crt' "$L" | od -An -tx1 | tr -d ' \n')
ehex=$(printf '%s.crt' "$E" | od -An -tx1 | tr -d ' \n')

expect_rc 0 "show --json" tf show -c "$T/cfg/keep.yaml" --root "$R" --host h --json
check "show --json validates" valid
check "show --json: the Latin-1 name, exactly" names_have "$lhex"
check "show --json: the name with ESC and newline, exactly" names_have "$ehex"
check "name_bytes is there for the Latin-1 name" out_has '"name_bytes": "Y2Fm6S5jcnQ="'
check "addresses are escaped, one line" out_has '"address": "system.ca[\"caf\\xe9.crt\"]"'
check "... ESC and newline too" out_has '"address": "system.ca[\"e\\x1b[31mvil\\x0aname.crt\"]"'
expect_rc 0 "show" tf show -c "$T/cfg/keep.yaml" --root "$R" --host h
check "show escapes the Latin-1 byte" out_has '/usr/local/share/ca-certificates/caf\xe9.crt'
check "show escapes ESC and newline" out_has '/usr/local/share/ca-certificates/e\x1b[31mvil\x0aname.crt'
check "show prints no raw control character or stray byte" no_raw

# a plan that links the foreign CAs into /etc/ssl/certs, saved and applied
expect_rc 2 "plan --json" tf plan -c "$T/cfg/keep.yaml" --root "$R" --host h --json --detailed-exitcode
check "plan --json validates" valid
expect_rc 2 "plan --out (relative path)" bash -c "cd '$P' && '$TRUSTFORM' plan -c '$T/cfg/keep.yaml' --root '$R' --host h --out keep.plan --detailed-exitcode"
expect_rc 0 "trustapply FILE" tf apply "$P/keep.plan" </dev/null
check "applied" out_has "Apply complete!"
check "the Latin-1 CA is linked" test -L "$R/etc/ssl/certs/$L.pem"
check "the other one too" test -L "$R/etc/ssl/certs/$E.pem"
expect_rc 0 "converged" tf plan -c "$T/cfg/keep.yaml" --root "$R" --host h --detailed-exitcode

# a plan that removes them: steps and seen entries carry the names
expect_rc 2 "plan the removal" tf plan -c "$T/cfg/drop.yaml" --root "$R" --host h --detailed-exitcode
check "the text plan shows the Latin-1 name escaped" out_has '- entry   = "/usr/local/share/ca-certificates/caf\xe9.crt"'
check "the text plan shows ESC and newline escaped" out_has '(held as "e\x1b[31mvil\x0aname.crt")'
check "the text plan prints no raw control character" no_raw
expect_rc 2 "plan --json of the removal" tf plan -c "$T/cfg/drop.yaml" --root "$R" --host h --json --detailed-exitcode
check "validates" valid
check "round-trips the Latin-1 name" names_have "$lhex"
check "round-trips ESC and newline" names_have "$ehex"
expect_rc 2 "plan --out" tf plan -c "$T/cfg/drop.yaml" --root "$R" --host h --out "$P/drop.plan" --detailed-exitcode
check "the saved plan holds the exact bytes" grep -q '"label_bytes": "Y2Fm6S5jcnQ="' "$P/drop.plan"
expect_rc 0 "trustapply FILE removes both" tf apply "$P/drop.plan" --json </dev/null
check "apply --json validates" valid
check "the Latin-1 file is gone" test ! -e "$R/usr/local/share/ca-certificates/$L.crt"
check "the other one too" test ! -e "$R/usr/local/share/ca-certificates/$E.crt"
check "and their links" test ! -e "$R/etc/ssl/certs/$L.pem"
expect_rc 0 "converged" tf plan -c "$T/cfg/drop.yaml" --root "$R" --host h --detailed-exitcode
done_testing

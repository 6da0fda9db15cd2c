#!/usr/bin/env bash
# The trust inventory as a CycloneDX 1.6 CBOM: `trustform show --format
# cyclonedx` on one host and `trustform report --format cyclonedx` over the
# fleet's `trustplan --json` documents. Every BOM validates against
# CycloneDX's official JSON schema (the npm package @cyclonedx/cyclonedx-library,
# checked with Debian's python3-jsonschema, references resolved from the local
# files), and says what openssl and keytool say of the certificates: SHA-256,
# subject, issuer, validity, signature algorithm, key; one occurrence per store.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS_DIR/lib/cyclonedx.sh"

S=$(cyclonedx_schema_dir) || { fail "CycloneDX's schema could not be fetched"; done_testing; exit 1; }
J=$T/j; mkdir -p "$J"
# jq-like checks with python: jcheck FILE 'python expression over d' (c: the
# components by bom-ref)
jcheck() {
  /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["bom-ref"]: x for x in d.get("components", [])}
def cert(fp): return c["cert:sha256:" + fp]
def props(fp): return cert(fp)["cryptoProperties"]["certificateProperties"]
def occ(fp): return sorted(o["location"] + " | " + o.get("additionalContext", "") for o in cert(fp)["evidence"]["occurrences"])
ok = eval(sys.argv[2])
if not ok: print("  (false: " + sys.argv[2] + ")", file=sys.stderr)
sys.exit(0 if ok else 1)' "$1" "$2"
}
# what openssl says: odate FILE startdate|enddate -> 2026-12-07T19:03:20Z
odate() { date -u -d "$(openssl x509 -in "$1" -noout -"$2" | sed 's/^[^=]*=//')" +%Y-%m-%dT%H:%M:%SZ; }
oname() { openssl x509 -in "$1" -noout -"$2" -nameopt RFC2253 | sed 's/^[^=]*=//'; }

# --- the validator itself refuses what is not CycloneDX 1.6 ----------------------
echo '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"cryptographic-asset","name":"x","cryptoProperties":{"assetType":"cert"}}]}' >"$J/bad.json"
check "validator: rejects an unknown assetType" bash -c "! check_cdx() { :; }; /usr/bin/python3 '$TESTS_DIR/lib/check_cyclonedx.py' '$S' '$J/bad.json' | grep -q ': invalid: '"
echo '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"x","licenses":[{"license":{"id":"Not-A-License"}}]}]}' >"$J/bad2.json"
check "validator: resolves the spdx schema locally (an unknown licence id fails)" bash -c \
  "/usr/bin/python3 '$TESTS_DIR/lib/check_cyclonedx.py' '$S' '$J/bad2.json' | grep -q ': invalid: '"

# --- one host: system store (with the Mozilla set), a PEM bundle and a PKCS#12 ---
R=$T/root; mk_root "$R" with-distro; real_update_ca "$R" --fresh
mkdir -p "$T/cfg/cas"
openssl req -x509 -newkey rsa:3072 -sha384 -nodes -keyout "$T/cfg/cas/corp.key" \
  -subj "/O=Corp/CN=Corp Root CA" -days 3650 -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -out "$T/cfg/cas/corp.pem" 2>/dev/null
mk_ca_dated "$T/cfg/cas/issuing" "/CN=Corp Issuing CA" 20250101000000Z 20310101000000Z "$T/cfg/cas/corp"
mk_ca "$T/cfg/cas/lab" "/CN=Lab Root"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  issuing: { file: cas/issuing.pem }
  lab: { file: cas/lab.pem }
stores:
  system: { type: system }
  bundle: { type: pem-bundle, path: /opt/app/ca.pem }
  java: { type: java, path: /opt/app/trust.p12, password: changeit }
roles:
  node: { cas: [corp, issuing], stores: [system, bundle, java] }
  lab: { cas: [lab], stores: [system] }
hosts:
  h1: [node]
  h2: [node, lab]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h1)
expect_rc 0 "apply" tf apply "${args[@]}" --auto-approve
expect_rc 0 "show --format cyclonedx exits 0" tf show "${args[@]}" --format cyclonedx
cp "$T/.out" "$J/show.json"
check "show: valid CycloneDX 1.6" check_cdx "$S" "$J/show.json"
corp=$(fingerprint "$T/cfg/cas/corp.pem"); iss=$(fingerprint "$T/cfg/cas/issuing.pem")
check "show: bomFormat, specVersion, the host as metadata.component" jcheck "$J/show.json" \
  'd["bomFormat"] == "CycloneDX" and d["specVersion"] == "1.6" and d["metadata"]["component"]["name"] == "h1"'
check "show: corp is a cryptographic-asset certificate with its SHA-256" jcheck "$J/show.json" \
  "cert('$corp')['type'] == 'cryptographic-asset' and cert('$corp')['cryptoProperties']['assetType'] == 'certificate' and cert('$corp')['hashes'] == [{'alg': 'SHA-256', 'content': '$corp'}]"
check "show: subject and issuer as openssl prints them (RFC 2253)" jcheck "$J/show.json" \
  "props('$iss')['subjectName'] == '$(oname "$T/cfg/cas/issuing.pem" subject)' and props('$iss')['issuerName'] == '$(oname "$T/cfg/cas/issuing.pem" issuer)' == 'CN=Corp Root CA,O=Corp'"
check "show: validity as openssl says" jcheck "$J/show.json" \
  "props('$iss')['notValidBefore'] == '$(odate "$T/cfg/cas/issuing.pem" startdate)' and props('$iss')['notValidAfter'] == '$(odate "$T/cfg/cas/issuing.pem" enddate)' and props('$corp')['notValidAfter'] == '$(odate "$T/cfg/cas/corp.pem" enddate)'"
check "show: signature algorithm sha384WithRSAEncryption, by its OID" jcheck "$J/show.json" \
  "props('$corp')['signatureAlgorithmRef'] == 'alg:1.2.840.113549.1.1.12' and c['alg:1.2.840.113549.1.1.12']['cryptoProperties']['assetType'] == 'algorithm' and c['alg:1.2.840.113549.1.1.12']['name'] == 'sha384WithRSAEncryption'"

bits=$(openssl x509 -in "$T/cfg/cas/corp.pem" -noout -text | sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p')
check "show: corp's public key: rsaEncryption, $bits bits" jcheck "$J/show.json" \
  "c[props('$corp')['subjectPublicKeyRef']]['cryptoProperties']['relatedCryptoMaterialProperties'] == {'type': 'public-key', 'algorithmRef': 'alg:1.2.840.113549.1.1.1', 'size': $bits}"
check "show: the EC key: id-ecPublicKey prime256v1, 256 bits" jcheck "$J/show.json" \
  "c[props('$iss')['subjectPublicKeyRef']]['cryptoProperties']['relatedCryptoMaterialProperties']['size'] == 256 and 'prime256v1' in c[props('$iss')['subjectPublicKeyRef']]['name']"
check "show: corp in three stores, one occurrence each" jcheck "$J/show.json" \
  "[o.split(' | ')[1].split(',')[1] for o in occ('$corp')] == [' store bundle', ' store java', ' store system']"
check "show: each store also as a property" jcheck "$J/show.json" \
  "sorted(p['value'].split(',')[1] for p in cert('$corp')['properties'] if p['name'] == 'trustform:store') == [' store bundle', ' store java', ' store system']"
# every certificate the system bundle holds, by the SHA-256 openssl computes
mozilla=$(awk '/BEGIN CERT/{n++} {print > "'"$T"'/b." n ".pem"}' "$R/etc/ssl/certs/ca-certificates.crt"; \
  for f in "$T"/b.*.pem; do fingerprint "$f"; done | sort -u | tr '\n' ' ')
check "show: the Mozilla set's certificates too, each once (openssl's SHA-256s)" jcheck "$J/show.json" \
  "set('$mozilla'.split()) <= {x['hashes'][0]['content'] for x in d['components'] if x['cryptoProperties']['assetType'] == 'certificate'}"
check "show: bom-refs unique" jcheck "$J/show.json" 'len(c) == len(d["components"])'
# keytool, the real reader of the PKCS#12, sees the same certificates
keytool -list -keystore "$R/opt/app/trust.p12" -storepass changeit -storetype pkcs12 -v 2>/dev/null \
  | sed -n 's/^\s*SHA256: //p' | tr -d : | tr A-F a-f | sort >"$T/keytool.fps"
check "show: the java store's occurrences are what keytool lists" jcheck "$J/show.json" \
  "sorted(x['hashes'][0]['content'] for x in d['components'] if any(', store java,' in o.get('additionalContext', '') for o in x.get('evidence', {}).get('occurrences', []))) == '$(tr '\n' ' ' <"$T/keytool.fps")'.split()"

# the plan's certificates (format 1.4), full from the read cache too
expect_rc 0 "plan --json (java from the read cache)" tf plan "${args[@]}" --json
cp "$T/.out" "$J/h1.json"
check "read cache: an entry for the java store exists" bash -c "ls '$R/var/cache/trustform/read/'*.json >/dev/null"
TRUSTFORM_READ_CACHE=off expect_rc 0 "plan --json, full read" tf plan "${args[@]}" --json
check "read cache: the java store's certificates equal a full read's" /usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
j = lambda d: [s["certificates"] for s in d["stores"] if s["address"] == "java"][0]
sys.exit(0 if j(a) == j(b) and all(x["issuer"] for x in j(a)) else 1)' "$J/h1.json" "$T/.out"
check "plan: valid against trustform's output schema" /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
  "$SRC_DIR/schema/output.schema.json" "$J/h1.json"

# --- the fleet: two hosts' plans ----------------------------------------------
R2=$T/root2; mk_root "$R2" with-distro; real_update_ca "$R2" --fresh
expect_rc 2 "h2: plan --json" tf plan -c "$T/cfg/trust.yaml" --root "$R2" --host h2 --json --detailed-exitcode
cp "$T/.out" "$J/h2.json"
expect_rc 0 "report --format cyclonedx" tf report --format cyclonedx "$J/h1.json" "$J/h2.json"
cp "$T/.out" "$J/fleet.json"
check "report: valid CycloneDX 1.6" check_cdx "$S" "$J/fleet.json"
lab=$(fingerprint "$T/cfg/cas/lab.pem"); isrg=$(fingerprint "$R/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt")
check "report: no metadata.component (a fleet, not one machine)" jcheck "$J/fleet.json" '"component" not in d["metadata"]'
check "report: corp only where it is (h1's three stores; h2 has not applied)" jcheck "$J/fleet.json" \
  "[o.split(' | ')[1].split(',')[0] for o in occ('$corp')] == ['host h1'] * 3"
check "report: ISRG Root X1 on both hosts" jcheck "$J/fleet.json" \
  "sorted(o.split(' | ')[1].split(',')[0] for o in occ('$isrg')) == ['host h1', 'host h2']"
check "report: lab is not in the inventory (only planned on h2)" jcheck "$J/fleet.json" "'cert:sha256:$lab' not in c"
check "report: the same bom-ref and details as show" /usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ca = {x["bom-ref"]: x for x in a["components"]}; cb = {x["bom-ref"]: x for x in b["components"]}
k = "cert:sha256:" + sys.argv[3]
sys.exit(0 if ca[k]["cryptoProperties"] == cb[k]["cryptoProperties"] else 1)' "$J/show.json" "$J/fleet.json" "$corp"

# a plan of format 1.2 (no certificates) and a forged item: the host errors
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["stores"]: s.pop("certificates", None)
json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1]))
d["stores"][0]["certificates"][0]["not_before"] = "yesterday\u001b[2J"
json.dump(d, open(sys.argv[3], "w"))' "$J/h1.json" "$J/old.json" "$J/forged.json"
expect_rc 1 "report: a plan without certificates exits 1" tf report --format cyclonedx "$J/old.json" "$J/h2.json"
check "  names the file and the fix" err_has "$J/old.json: store \"bundle\" lists no certificates (a plan older than format_version 1.4); make the plan again with \`trustplan --json\` of this version"
check "  the BOM of the rest is still valid" bash -c "cp '$T/.out' '$J/partial.json'"
check "  (valid)" check_cdx "$S" "$J/partial.json"
expect_rc 1 "report: a malformed certificate item exits 1" tf report --format cyclonedx "$J/forged.json"
check "  names the file and the item" err_has "$J/forged.json: stores[0].certificates[0] is not a certificate of the inventory"
expect_rc 64 "report: --format bogus is a usage error" tf report --format bogus "$J/h1.json"
expect_rc 64 "show: --format markdown is a usage error" tf show "${args[@]}" --format markdown
done_testing

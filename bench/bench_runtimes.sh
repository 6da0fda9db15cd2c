#!/usr/bin/env bash
# The runtime stores on SPEC §6's reference host (142 distro CAs + 100 local
# CAs; one PKCS#12 truststore; two systemd drop-ins; the NSS databases are
# issue 3's), measured side by side with what users would otherwise run:
# a `keytool -importcert` per CA for the Java truststore, and
# update-ca-certificates for the system part. Not part of the test suite.
#
#   bench/bench_runtimes.sh        (builds first; needs scripts/deps.txt's packages)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${BENCH_CAS:-100}

keytool_loop() { # keytool_loop STORE: one keytool -importcert per CA, as by hand
  local f
  for f in "$W"/cfg/cas/*.pem; do
    keytool -importcert -noprompt -alias "$(basename "$f" .pem)" -file "$f" -keystore "$1" \
      -storetype PKCS12 -storepass changeit >/dev/null 2>&1
  done
}

"$GEN" "$W/cfg" "$N" \
  "jdk: { type: java, path: /opt/app/truststore.p12, password: changeit }" \
  "web: { type: systemd-env, unit: web.service, env: [NODE_EXTRA_CA_CERTS] }" \
  "api: { type: systemd-env, unit: api.service, env: [SSL_CERT_FILE, REQUESTS_CA_BUNDLE] }"
mk_tree() {
  local r=$1
  mkdir -p "$r/etc/ssl/certs" "$r/usr/share/ca-certificates" "$r/usr/local/share/ca-certificates" \
    "$r/etc/ca-certificates/update.d" "$r/usr/lib/systemd/system" "$r/opt/app"
  printf 'ID=debian\n' >"$r/etc/os-release"
  cp -r /usr/share/ca-certificates/mozilla "$r/usr/share/ca-certificates/"
  (cd "$r/usr/share/ca-certificates" && find mozilla -name '*.crt' | LC_ALL=C sort) >"$r/etc/ca-certificates.conf"
  printf '[Service]\nExecStart=/usr/bin/node /srv/web.js\n' >"$r/usr/lib/systemd/system/web.service"
  printf '[Service]\nExecStart=/usr/bin/python3 /srv/api.py\n' >"$r/usr/lib/systemd/system/api.service"
}
mk_tree "$W/pristine"
args=(-c "$W/cfg/trust.yaml" --host bench)

echo "trustform runtime stores benchmark · $(nproc) cores · $N local CAs · $(df --output=fstype "$W" | tail -1)"
echo
row "" trustform baseline ratio

# Java alone: a PKCS#12 truststore from nothing, and looking at it again.
tf_j=$(median_ms 5 'rm -rf "$W/t"; cp -a "$W/pristine" "$W/t"' "$TF" apply "${args[@]}" --root "$W/t" --target jdk --auto-approve)
kt_j=$(median_ms 1 'rm -f "$W/kt.p12"' keytool_loop "$W/kt.p12")
row "Java: $N CAs into a new PKCS#12 vs keytool -importcert loop" "${tf_j} ms" "${kt_j} ms" "$(ratio "$tf_j" "$kt_j")"
tf_jp=$(median_ms 7 : "$TF" plan "${args[@]}" --root "$W/t" --target jdk)
kt_jl=$(median_ms 3 : keytool -list -keystore "$W/kt.p12" -storepass changeit)
row "Java: re-plan vs one keytool -list" "${tf_jp} ms" "${kt_jl} ms" "$(ratio "$tf_jp" "$kt_jl")"

# The reference host (system + PKCS#12 + 2 drop-ins) from empty, and re-planned.
tf_all=$(median_ms 5 'rm -rf "$W/t"; cp -a "$W/pristine" "$W/t"' "$TF" apply "${args[@]}" --root "$W/t" --auto-approve)
rm -rf "$W/u"; cp -a "$W/pristine" "$W/u"
mkdir -p "$W/u/usr/local/share/ca-certificates/trustform"
cp "$W/t"/usr/local/share/ca-certificates/trustform/*.crt "$W/u/usr/local/share/ca-certificates/trustform/"
base_all=$(median_ms 1 'find "$W/u/etc/ssl/certs" -mindepth 1 -delete; rm -f "$W/kt.p12"' \
  eval 'uca "$W/u" --fresh; keytool_loop "$W/kt.p12"')
row "host: converge from empty vs uca --fresh + keytool loop" "${tf_all} ms" "${base_all} ms" "$(ratio "$tf_all" "$base_all")"
tf_plan=$(median_ms 7 : "$TF" plan "${args[@]}" --root "$W/t")
base_noop=$(median_ms 3 : eval 'uca "$W/u"; keytool -list -keystore "$W/kt.p12" -storepass changeit')
row "host: re-plan vs uca (no-op) + keytool -list" "${tf_plan} ms" "${base_noop} ms" "$(ratio "$tf_plan" "$base_noop")"
"$TF" plan "${args[@]}" --root "$W/t" --detailed-exitcode >/dev/null && echo "  (re-plan: no changes)"

#!/usr/bin/env bash
# SPEC §6's reference host, whole: a Debian tree with the 142 distro CAs plus
# 100 local CAs, 3 NSS databases, 1 PKCS#12 truststore and 2 systemd drop-ins,
# measured side by side with what users would run instead, in one run:
#   - nothing to do: trustplan vs update-ca-certificates with nothing to do;
#   - converge from empty: trustapply vs update-ca-certificates --fresh plus a
#     `certutil -A` per CA per database.
# Not part of the test suite; needs root (the NSS children become each user).
#
#   bench/bench_reference.sh     (BENCH_DIR picks the filesystem; default tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
USERS=(u0 u1 u2)

certutil_loop() {	# certutil_loop ROOT: a certutil -A per CA per database, as by hand
  local r=$1 u f
  for u in "${USERS[@]}"; do
    for f in "$W"/cfg/cas/*.pem; do
      certutil -A -d "sql:$r/home/$u/.pki/nssdb" -n "$(basename "$f" .pem)" -t C,, -i "$f"
    done
  done
}

"$GEN" "$W/cfg" 100 \
  "browsers: { type: nss, discover: [chrome], users: [${USERS[*]// /, }] }" \
  "jdk: { type: java, path: /opt/app/truststore.p12, password: changeit }" \
  "web: { type: systemd-env, unit: web.service, env: [NODE_EXTRA_CA_CERTS] }" \
  "api: { type: systemd-env, unit: api.service, env: [SSL_CERT_FILE, REQUESTS_CA_BUNDLE] }"
sed -i 's/users: \[u0 u1 u2\]/users: [u0, u1, u2]/' "$W/cfg/trust.yaml"

P=$W/pristine
mkdir -p "$P/etc/ssl/certs" "$P/usr/share/ca-certificates" "$P/usr/local/share/ca-certificates" \
  "$P/etc/ca-certificates/update.d" "$P/usr/lib/systemd/system" "$P/opt/app"
printf 'ID=debian\n' >"$P/etc/os-release"
cp -r /usr/share/ca-certificates/mozilla "$P/usr/share/ca-certificates/"
(cd "$P/usr/share/ca-certificates" && find mozilla -name '*.crt' | LC_ALL=C sort) >"$P/etc/ca-certificates.conf"
printf '[Service]\nExecStart=/usr/bin/node /srv/web.js\n' >"$P/usr/lib/systemd/system/web.service"
printf '[Service]\nExecStart=/usr/bin/python3 /srv/api.py\n' >"$P/usr/lib/systemd/system/api.service"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$P/etc/passwd"; printf 'root:x:0:\n' >"$P/etc/group"
for i in "${!USERS[@]}"; do
  u=${USERS[$i]} id=$((6000 + i))
  printf '%s:x:%d:%d::/home/%s:/bin/sh\n' "$u" "$id" "$id" "$u" >>"$P/etc/passwd"
  printf '%s:x:%d:\n' "$u" "$id" >>"$P/etc/group"
  mkdir -p "$P/home/$u/.pki/nssdb"
  certutil -N -d "sql:$P/home/$u/.pki/nssdb" --empty-password
  chown -R "$id:$id" "$P/home/$u"
done
args=(-c "$W/cfg/trust.yaml" --host bench)

echo "trustform reference host · $(nproc) cores · $(df --output=fstype "$W" | tail -1)"
echo "142 distro CAs + 100 local CAs, 3 NSS databases, 1 PKCS#12 truststore, 2 systemd drop-ins"
echo
row "" trustform baseline ratio target

# trustform's converged host, and the same sources converged by the real tools
cp -a "$P" "$W/tf"
"$TF" apply "${args[@]}" --root "$W/tf" --auto-approve >/dev/null
"$TF" plan "${args[@]}" --root "$W/tf" --detailed-exitcode >/dev/null
cp -a "$P" "$W/base"
mkdir -p "$W/base/usr/local/share/ca-certificates/trustform"
cp "$W/tf"/usr/local/share/ca-certificates/trustform/*.crt "$W/base/usr/local/share/ca-certificates/trustform/"
uca "$W/base" --fresh >/dev/null 2>&1

tf_plan=$(median_ms 9 : "$TF" plan "${args[@]}" --root "$W/tf")
uca_noop=$(median_ms 5 : uca "$W/base")
row "nothing to do: trustplan vs update-ca-certificates" "${tf_plan} ms" "${uca_noop} ms" \
  "$(ratio "$tf_plan" "$uca_noop")" ">= 20x"

tf_apply=$(median_ms 3 'rm -rf "$W/t2"; cp -a "$P" "$W/t2"' \
  "$TF" apply "${args[@]}" --root "$W/t2" --auto-approve)
base_conv=$(median_ms 1 'rm -rf "$W/b2"; cp -a "$W/base" "$W/b2"; find "$W/b2/etc/ssl/certs" -mindepth 1 -delete' \
  eval 'uca "$W/b2" --fresh; certutil_loop "$W/b2"')
row "converge: apply vs uca --fresh + certutil -A per CA per db" "${tf_apply} ms" "${base_conv} ms" \
  "$(ratio "$tf_apply" "$base_conv")" ">= 20x"

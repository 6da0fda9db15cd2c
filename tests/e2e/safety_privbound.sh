#!/usr/bin/env bash
# The privilege boundary (util/rootjail.h): trustform runs as root and writes
# into directories that other users own. A real unprivileged user (uid 4242,
# acting through setpriv) owns each kind of such directory in a --root tree
# and plants plain links there: to /etc/passwd, to the system bundle, to a
# 0600 key, dangling ones that would make root create /etc/nologin or a cron
# file. Every store refuses, names the link, its target and the fix, and the
# target is byte for byte what it was (or still absent). The same layout
# without the link works. Reads too: a CA file whose link leads out of the
# root is read inside it (never the host's file); Chrome's policy directory
# and Caddy's data directory with links in them are refused.
. "$(dirname "$0")/../lib/common.sh"
command -v setpriv >/dev/null || { echo "setpriv (util-linux) is required" >&2; exit 1; }
U=4242
as_user() { setpriv --reuid=$U --regid=$U --clear-groups "$@"; }

R=$T/root; mk_root "$R" with-distro
real_update_ca_chroot_like "$R" --fresh
mkdir -p "$R/etc/ssl/private" "$R/etc/cron.d" "$R/opt/app" "$R/opt/venv2/lib/python3.11/site-packages/certifi"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:$y$secret-hash-of-the-image:19000::::::\n' >"$R/etc/shadow"; chmod 0600 "$R/etc/shadow"
printf -- '-----BEGIN PRIVATE KEY-----\nnot-really\n-----END PRIVATE KEY-----\n' >"$R/etc/ssl/private/server.pem"
chmod 0600 "$R/etc/ssl/private/server.pem"
printf 'home = /usr/bin\nversion = 3.11.2\n' >"$R/opt/venv2/pyvenv.cfg"
cp /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt "$R/opt/venv2/lib/python3.11/site-packages/certifi/cacert.pem"
chown -R $U:$U "$R/opt/app" "$R/opt/venv2"
chmod 0755 "$T" "$R" # so that uid 4242 reaches its directories
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
victims=(etc/passwd etc/shadow etc/ssl/private/server.pem etc/ssl/certs/ca-certificates.crt)
sums() { (cd "$R" && sha256sum "${victims[@]}"; ls etc/nologin etc/cron.d/zz-ts 2>/dev/null || true); }
before=$(sums)

# one store at a time: cfg STORE-YAML
cfg() {
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  s: { $1 }
roles:
  r: { cas: [corp], stores: [s] }
hosts:
  h: [r]
YAML
}
args=(-c "$C/trust.yaml" --root "$R" --host h)

# attack NAME STORE-YAML LINK TARGET: uid 4242 makes LINK -> TARGET; plan and
# apply refuse, naming both and the fix; nothing outside its directory changes
attack() {
  local name=$1 store=$2 link=$3 target=$4
  cfg "$store"
  as_user ln -sfn "$target" "$R$link"
  expect_rc 1 "$name: plan refuses" tf plan "${args[@]}"
  check "$name: names the link and its target" err_has "$link is a symbolic link (to $target) in a directory that ${WHO:-uid $U} can write"
  check "$name: by its in-root path" no_host_paths "$R"
  check "$name: says the fix" err_has "replace the link with a regular file"
  expect_rc 1 "$name: apply refuses" tf apply "${args[@]}" --auto-approve
  check "$name: the link is still a link" test -L "$R$link"
  check "$name: /etc/passwd, the shadow, the key, the system bundle untouched; no file created" \
    test "$before" = "$(sums)"
  as_user rm -f "$R$link"
}
# legit NAME STORE-YAML FILE: the same layout without a link converges
legit() {
  local name=$1 store=$2 file=$3
  cfg "$store"
  expect_rc 0 "$name without a link: apply" tf apply "${args[@]}" --auto-approve
  check "$name without a link: $file is a regular file" test -f "$R$file" -a ! -L "$R$file"
  expect_rc 0 "$name without a link: plan clean" tf plan "${args[@]}" --detailed-exitcode
  check "$name without a link: nothing else changed" test "$before" = "$(sums)"
}

pem='type: pem-bundle, path: /opt/app/bundle.pem'
attack "pem-bundle -> /etc/passwd" "$pem" /opt/app/bundle.pem /etc/passwd
attack "pem-bundle -> system bundle" "$pem" /opt/app/bundle.pem /etc/ssl/certs/ca-certificates.crt
attack "pem-bundle -> a 0600 key" "$pem" /opt/app/bundle.pem /etc/ssl/private/server.pem
attack "pem-bundle dangling -> /etc/nologin" "$pem" /opt/app/bundle.pem /etc/nologin
attack "pem-bundle relative" "$pem" /opt/app/bundle.pem ../../etc/passwd
# a directory on the path as a link, in a directory uid 4242 owns
attack "pem-bundle through a linked directory" 'type: pem-bundle, path: /opt/app/sub/bundle.pem' \
  /opt/app/sub /etc/ssl/private
legit pem-bundle "$pem" /opt/app/bundle.pem
# a root-owned directory that group 4242 can write: its members' links too
mkdir -p "$R/opt/shared"; chgrp $U "$R/opt/shared"; chmod 0775 "$R/opt/shared"
WHO="group $U" attack "pem-bundle in a group-writable directory" \
  'type: pem-bundle, path: /opt/shared/bundle.pem' /opt/shared/bundle.pem /etc/passwd

java='type: java, path: /opt/app/ts.p12, password: changeit'
attack "java dangling -> /etc/cron.d/zz-ts" "$java" /opt/app/ts.p12 /etc/cron.d/zz-ts
attack "java -> /etc/passwd" "$java" /opt/app/ts.p12 /etc/passwd
legit java "$java" /opt/app/ts.p12

certifi='type: python, venv: /opt/venv2, mode: certifi'
site=/opt/venv2/lib/python3.11/site-packages
cp "$R$site/certifi/cacert.pem" "$T/cacert.pem"
as_user rm "$R$site/certifi/cacert.pem"
attack "python certifi -> system bundle" "$certifi" $site/certifi/cacert.pem /etc/ssl/certs/ca-certificates.crt
cp "$T/cacert.pem" "$R$site/certifi/cacert.pem"; chown $U:$U "$R$site/certifi/cacert.pem"
legit "python certifi" "$certifi" $site/certifi/cacert.pem
truststore='type: python, venv: /opt/venv2, mode: truststore'
attack "python truststore .pth -> /etc/passwd" "$truststore" $site/trustform-truststore.pth /etc/passwd
# (truststore needs the CA in a system store too)
cfg "$truststore"; sed -i 's/^  s: {.*/&\n  sys: { type: system }/; s/stores: \[s\]/stores: [s, sys]/' "$C/trust.yaml"
# This tree has no interpreter for the venv, so truststore mode is an error
# (runtime_python.sh; its write into a user's venv is proven on the sid tree
# by host_venv_layouts.sh): here, that it is THAT error and not a refusal of a
# link, and that nothing was written.
expect_rc 1 "python truststore without a link: apply" tf apply "${args[@]}" --auto-approve
check "python truststore without a link: the error is the missing interpreter" \
  grep -q "python is not installed\|no working interpreter" "$T/.err"
check "python truststore without a link: not a link refusal" bash -c '! grep -qi "link" "$1"' _ "$T/.err"
check "python truststore without a link: nothing written" test ! -e "$R$site/trustform-truststore.pth"
before=$(sums) # the system bundle now holds corp, as asked

shenv="type: shell-env, env: [SSL_CERT_FILE], bundle: /opt/app/shell.pem"
attack "shell-env bundle -> /etc/passwd" "$shenv" /opt/app/shell.pem /etc/passwd
legit shell-env "$shenv" /opt/app/shell.pem
senv="type: systemd-env, unit: app.service, env: [SSL_CERT_FILE], bundle: /opt/app/unit.pem"
attack "systemd-env bundle -> /etc/passwd" "$senv" /opt/app/unit.pem /etc/passwd
legit systemd-env "$senv" /opt/app/unit.pem

# --- reads -----------------------------------------------------------------------
# A CA file in the tree that is a link to a host path: read inside the root
# (the chroot's view), never the host's certificate.
mk_ca "$T/hostca" "/CN=Host Only Root"
ln -s "$T/hostca.pem" "$R/etc/ca.pem"
cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  img: { file: /etc/ca.pem }
stores:
  s: { type: pem-bundle, path: /opt/app/bundle.pem }
roles:
  r: { cas: [img], stores: [s] }
hosts:
  h: [r]
YAML
expect_rc 1 "CA file linked out of the root: plan fails" tf plan "${args[@]}"
check "  it is not found inside the root" err_has "No such file or directory"
check "  the host's certificate is never planned" bash -c "! grep -q 'Host Only Root' '$T/.out' '$T/.err'"
rm "$R/etc/ca.pem"
# A CA file behind a link in a directory uid 4242 owns: refused.
mkdir -p "$R/srv/ca"; chown $U:$U "$R/srv/ca"
as_user ln -s /etc/ssl/private/server.pem "$R/srv/ca/ca.pem"
sed -i 's|/etc/ca.pem|/srv/ca/ca.pem|' "$C/trust.yaml"
expect_rc 1 "CA file linked in a user's directory: plan fails" tf plan "${args[@]}"
check "  names the link" err_has "/srv/ca/ca.pem is a symbolic link (to /etc/ssl/private/server.pem) in a directory that uid $U can write"
as_user rm "$R/srv/ca/ca.pem"; cp "$C/cas/corp.pem" "$R/srv/ca/ca.pem"
expect_rc 0 "CA file, a regular file there: plan works" tf plan "${args[@]}"

# Chrome's policy directory: another file there that links to the shadow. In
# a root-owned directory the link is read inside the root; the host's shadow
# never is. In a directory uid 4242 owns, refused.
pdir=/etc/chromium/policies/managed
mkdir -p "$R$pdir"; echo 'root:$y$HOST-SHADOW-TOKEN:1::::::' >"$T/host-shadow"
ln -s "$T/host-shadow" "$R$pdir/zz.json"
cfg 'type: chrome-policy, browsers: [chromium]'
tf plan "${args[@]}" >"$T/.out" 2>"$T/.err" || true
check "chrome: the host's file never shows" bash -c "! grep -q HOST-SHADOW-TOKEN '$T/.out' '$T/.err'"
rm "$R$pdir/zz.json"; chown $U:$U "$R$pdir"
as_user ln -s /etc/shadow "$R$pdir/zz.json"
expect_rc 1 "chrome: a link in a policy directory uid $U owns: plan refuses" tf plan "${args[@]}"
check "chrome: names it" err_has "$pdir/zz.json is a symbolic link (to /etc/shadow)"
check "chrome: the image's shadow never shows" bash -c "! grep -q 'secret-hash' '$T/.out' '$T/.err'"
as_user rm "$R$pdir/zz.json"; chown root:root "$R$pdir"
expect_rc 0 "chrome without the link: apply" tf apply "${args[@]}" --auto-approve
check "chrome: nothing else changed" test "$before" = "$(sums)"
done_testing

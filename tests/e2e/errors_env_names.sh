#!/usr/bin/env bash
# Names and values from other files never become shell or systemd syntax in
# the files trustform writes (issue 18, item 4):
#  - an environment.d file named $'10-x\necho INJECTED $(id -un)\n#.conf'
#    (systemd reads it) is refused, named with '?' for its control characters,
#    and nothing is written;
#  - a file name full of shell syntax ($(), backquotes, ';', a backslash)
#    and a value ending in a backslash are only shown in comments: `sh -n`
#    accepts /etc/profile.d/trustform.sh, sourcing it runs nothing, and every
#    line of 90-trustform.conf and of a systemd-env drop-in is a comment or
#    one of the expected assignments;
#  - a unit drop-in named with a newline is refused the same way;
#  - a systemd-env bundle path with a quote or '%' is refused at validate.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mkdir -p "$R/etc/environment.d" "$R/etc/profile.d" "$R/usr/lib/systemd/system" \
  "$R/etc/systemd/system/app.service.d"
printf '[Service]\nExecStart=/bin/true\n' >"$R/usr/lib/systemd/system/app.service"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  shell: { type: shell-env, env: [NODE_EXTRA_CA_CERTS, SSL_CERT_FILE] }
YAML
cp "$C/trust.yaml" "$C/shell.yaml"
cat >>"$C/shell.yaml" <<'YAML'
roles:
  dev: { cas: [corp], stores: [shell] }
hosts:
  h: [dev]
YAML
args=(-c "$C/shell.yaml" --root "$R" --host h)

evil=$'10-x\necho INJECTED $(id -un)\n#.conf'
printf 'NODE_TLS_REJECT_UNAUTHORIZED=0\n' >"$R/etc/environment.d/$evil"
expect_rc 1 "plan refuses an environment.d file named with newlines" tf plan "${args[@]}"
check "the error names the file with '?' for its newlines" \
  err_has '/etc/environment.d/10-x?echo INJECTED $(id -un)?#.conf: the file name has a control character'
check "the error says what to do" err_has "rename or remove it"
expect_rc 1 "apply refuses too" tf apply "${args[@]}" --auto-approve
check "no profile.d file is written" test ! -e "$R/etc/profile.d/trustform.sh"
check "no environment.d file is written" test ! -e "$R/etc/environment.d/90-trustform.conf"
rm -f "$R/etc/environment.d/$evil"

# shell syntax in names and values: shown, never run
shname='10-$(echo INJECTED);`echo INJECTED`\x.conf'
printf 'NODE_TLS_REJECT_UNAUTHORIZED=0\n' >"$R/etc/environment.d/$shname"
printf 'export GOINSECURE="x\\"; echo INJECTED; #"\nGIT_SSL_NO_VERIFY=$(echo INJECTED)\\\n' \
  >"$R/etc/profile.d/10-go.sh"
expect_rc 0 "apply with shell syntax in names and values" tf apply "${args[@]}" --auto-approve
sh_file=$R/etc/profile.d/trustform.sh conf=$R/etc/environment.d/90-trustform.conf
check "sh -n accepts trustform.sh" sh -n "$sh_file"
check "bash -n accepts trustform.sh" bash -n "$sh_file"
sh -c ". '$sh_file'; env" >"$T/env.out" 2>&1
check "sourcing trustform.sh runs nothing" sh -c "! grep -q INJECTED '$T/env.out'"
check "the names are undone in the shell file" grep -qx 'unset NODE_TLS_REJECT_UNAUTHORIZED' "$sh_file"
check "GOINSECURE from profile.d is undone" grep -qx 'unset GOINSECURE' "$sh_file"
check "the file name is shown in a comment" \
  grep -qF '# insecure: NODE_TLS_REJECT_UNAUTHORIZED=0 (Node.js accepts any certificate, in /etc/environment.d/10-$(echo INJECTED);`echo INJECTED`?x.conf:1)' "$sh_file"
b=/etc/trustform/bundles/shell.pem
lines_ok() { # FILE REGEX...: every line is a comment without backslash, or matches one regex
  local f=$1; shift
  local re="^# [ -~]*\$" r
  for r in "$@"; do re="$re|$r"; done
  if grep -vE "$re" "$f" | grep -q . || grep -q '^#.*\\' "$f"; then
    sed 's/^/  /' "$f" >&2; return 1; fi
}
check "trustform.sh: only comments and the expected lines" lines_ok "$sh_file" \
  "^export (NODE_EXTRA_CA_CERTS|SSL_CERT_FILE)='$b'\$" \
  '^unset (NODE_TLS_REJECT_UNAUTHORIZED|GIT_SSL_NO_VERIFY|GOINSECURE)$'
check "90-trustform.conf: only comments and the expected lines" lines_ok "$conf" \
  "^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE)=$b\$" '^NODE_TLS_REJECT_UNAUTHORIZED=1$'
expect_rc 0 "the next plan has no changes" tf plan "${args[@]}"
check "no changes" out_has "No changes"
rm -f "$R/etc/environment.d/$shname" "$R/etc/profile.d/10-go.sh"

# systemd-env: a drop-in named with a newline, then one with shell syntax
cp "$C/trust.yaml" "$C/unit.yaml"
cat >>"$C/unit.yaml" <<'YAML'
  app: { type: systemd-env, unit: app.service, env: [NODE_EXTRA_CA_CERTS], restart: false }
roles:
  dev: { cas: [corp], stores: [app] }
hosts:
  h: [dev]
YAML
uargs=(-c "$C/unit.yaml" --root "$R" --host h)
D=$R/etc/systemd/system/app.service.d
printf '[Service]\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0\n' >"$D/$evil"
expect_rc 1 "plan refuses a drop-in named with newlines" tf plan "${uargs[@]}"
check "the error names the drop-in" \
  err_has 'app.service.d/10-x?echo INJECTED $(id -un)?#.conf:2: the file name has a control character'
rm -f "$D/$evil"
printf '[Service]\nEnvironment="NODE_TLS_REJECT_UNAUTHORIZED=0" "GIT_SSL_NO_VERIFY=a\\\\"\n' \
  >"$D/$shname"
expect_rc 0 "apply with shell syntax in a drop-in's name" tf apply "${uargs[@]}" --auto-approve
check "the drop-in: only comments and the expected lines" lines_ok "$D/90-trustform.conf" \
  '^\[Service\]$' "^Environment=\"NODE_EXTRA_CA_CERTS=/etc/trustform/bundles/app.pem\"\$" \
  '^UnsetEnvironment=(NODE_TLS_REJECT_UNAUTHORIZED|GIT_SSL_NO_VERIFY)$'
check "the drop-in undoes both" sh -c "[ \$(grep -c '^UnsetEnvironment=' '$D/90-trustform.conf') = 2 ]"
if command -v systemd-analyze >/dev/null; then
  # systemd's own parser: the drop-in's lines are the settings we wrote
  check "systemd-analyze cat-config reads it" \
    systemd-analyze --root="$R" cat-config systemd/system/app.service.d/90-trustform.conf
fi

# a bundle path that would need quoting in a unit is refused before anything runs
sed -i "s|restart: false }|restart: false, bundle: '/etc/a\"b%c.pem' }|" "$C/unit.yaml"
expect_rc 1 "validate refuses a bundle path with a quote and '%'" tf validate -c "$C/unit.yaml"
check "the error says which characters" err_has "use only letters, digits and /._-+@"
done_testing

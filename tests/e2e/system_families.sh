#!/usr/bin/env bash
# The system store on the other Linux families, chosen from <root>/etc/os-release
# ID and ID_LIKE: fixture trees with each family's real os-release get the
# anchors in the right place, in PEM, with trustform's names; extraction does
# not run under --root, and plan and apply say it is pending (never a silent
# success) until extract_command (the only way it runs under --root) has
# brought the extracted bundle up to date. Removal keeps extraction pending
# while the removed CA is still in the extracted bundle; distrust writes the
# blocklist on p11-kit families. Unsupported IDs get a clear error.
. "$(dirname "$0")/../lib/common.sh"

C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/lab" "/CN=Lab Root"
corp=$(fingerprint "$C/cas/corp.pem"); lab=$(fingerprint "$C/cas/lab.pem")
conf() { # conf [extract_command]
  cat >"$C/trust.yaml" <<YAML
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  system: { type: system${1:+, extract_command: '$1'} }
roles:
  node: { cas: [corp, lab], stores: [system] }
hosts:
  h: [node]
YAML
}

# family  os-release  anchors-dir  suffix  extract-command  extracted-bundle
families=(
  "rhel|NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"|/etc/pki/ca-trust/source/anchors|.pem|update-ca-trust extract|/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
  "rhel|NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=40|/etc/pki/ca-trust/source/anchors|.pem|update-ca-trust extract|/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
  "rhel|NAME=\"CentOS Stream\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"|/etc/pki/ca-trust/source/anchors|.pem|update-ca-trust extract|/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
  "rhel|NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"|/etc/pki/ca-trust/source/anchors|.pem|update-ca-trust extract|/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
  "arch|NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling|/etc/ca-certificates/trust-source/anchors|.pem|trust extract-compat|/etc/ca-certificates/extracted/tls-ca-bundle.pem"
  "arch|NAME=\"Manjaro Linux\"\nID=manjaro\nID_LIKE=arch|/etc/ca-certificates/trust-source/anchors|.pem|trust extract-compat|/etc/ca-certificates/extracted/tls-ca-bundle.pem"
  "suse|NAME=\"openSUSE Leap\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"|/etc/pki/trust/anchors|.pem|update-ca-certificates|/var/lib/ca-certificates/ca-bundle.pem"
  "suse|NAME=\"SLES\"\nID=\"sles\"\nID_LIKE=\"suse\"|/etc/pki/trust/anchors|.pem|update-ca-certificates|/var/lib/ca-certificates/ca-bundle.pem"
  "alpine|NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.0|/usr/local/share/ca-certificates|.crt|update-ca-certificates|/etc/ssl/certs/ca-certificates.crt"
)
n=0
for f in "${families[@]}"; do
  IFS='|' read -r fam osr dir suffix cmd extracted <<<"$f"
  n=$((n + 1)); R=$T/root$n; mkdir -p "$R/etc"; printf "$osr\n" >"$R/etc/os-release"
  id=$(sed -n 's/^ID=//p' "$R/etc/os-release" | tr -d '"')
  args=(-c "$C/trust.yaml" --root "$R" --host h)
  conf
  expect_rc 2 "$id: plan" tf plan "${args[@]}" --detailed-exitcode
  check "$id: the $fam backend" out_has "# system ($fam): corp will be added"
  check "$id: plan says extraction is pending" out_has "# system ($fam): then extraction pending: \`$cmd\` is not run under --root"
  expect_rc 0 "$id: apply" tf apply "${args[@]}" --auto-approve
  a=$R$dir/trustform-corp-${corp:0:12}$suffix
  check "$id: anchor in $dir" test -f "$a"
  check "$id: anchor is the CA" test "$(fingerprint "$a")" = "$corp"
  check "$id: second anchor" test -f "$R$dir/trustform-lab-${lab:0:12}$suffix"
  check "$id: apply says extraction is pending" out_has "system ($fam): extraction pending: \`$cmd\` is not run under --root"
  expect_rc 2 "$id: still pending afterwards" tf plan "${args[@]}" --detailed-exitcode
  check "$id: the plan names the extracted bundle" out_has "~ $extracted does not exist: extraction has not run"
  # An extract command configured for the image: here it concatenates the anchors.
  conf "mkdir -p \$(dirname \$TRUSTFORM_ROOT$extracted) && cat \$TRUSTFORM_ROOT$dir/*$suffix > \$TRUSTFORM_ROOT$extracted"
  expect_rc 0 "$id: apply runs extract_command" tf apply "${args[@]}" --auto-approve
  check "$id: extraction reported" out_has "system ($fam): extracted (extract_command ran)"
  expect_rc 0 "$id: clean once extracted" tf plan "${args[@]}" --detailed-exitcode
  check "$id: extracted bundle verifies a corp leaf" bash -c "openssl verify -CAfile '$R$extracted' '$C/cas/corp.pem' >/dev/null"
done

# An extract command that exits 0 but leaves the clients' bundle as it was:
# apply is not a success, and the plan stays pending.
R=$T/rhel-noop; mkdir -p "$R/etc"; printf 'ID="rhel"\nID_LIKE="fedora"\n' >"$R/etc/os-release"
args=(-c "$C/trust.yaml" --root "$R" --host h)
conf true
expect_rc 1 "no-op extraction: apply fails" tf apply "${args[@]}" --auto-approve
check "no-op extraction: says the clients do not see the anchors" \
  out_has "\`extract_command\` ran, but /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem does not exist"
check "no-op extraction: names the bundle to check" \
  out_has "the clients do not see them: run the extraction inside the system and check /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
check "no-op extraction: anchors written" \
  test -f "$R/etc/pki/ca-trust/source/anchors/trustform-corp-${corp:0:12}.pem"
expect_rc 2 "no-op extraction: plan still pending" tf plan "${args[@]}" --detailed-exitcode

# Removal without extraction: the removed CA is still in the extracted bundle.
R=$T/root1; args=(-c "$C/trust.yaml" --root "$R" --host h)
conf; sed -i 's/cas: \[corp, lab\]/cas: [corp]/' "$C/trust.yaml"
expect_rc 0 "rhel: apply removal" tf apply "${args[@]}" --auto-approve
check "rhel: anchor gone" test ! -e "$R/etc/pki/ca-trust/source/anchors/trustform-lab-${lab:0:12}.pem"
expect_rc 2 "rhel: removal pending extraction" tf plan "${args[@]}" --detailed-exitcode
check "rhel: says the removed CA is still trusted" out_has "1 removed anchor(s) still in /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem: extraction pending"

# Distrust on RHEL: the blocklist.
sed -i 's|^  lab: { file: cas/lab.pem }|  lab: { file: cas/lab.pem, ensure: distrusted }|' "$C/trust.yaml"
expect_rc 0 "rhel: distrust" tf apply "${args[@]}" --auto-approve
check "rhel: blocklist file" test "$(fingerprint "$R/etc/pki/ca-trust/source/blocklist/trustform-lab-${lab:0:12}.pem")" = "$lab"

# An anchors directory reached through a link is refused: a link could send
# root's writes out of the root (here, to a directory of the host).
R=$T/alpine-link; mkdir -p "$R/etc" "$R/usr/local/share" "$T/host-dir"
printf 'ID=alpine\n' >"$R/etc/os-release"
ln -s "$T/host-dir" "$R/usr/local/share/ca-certificates"
conf
expect_rc 1 "linked anchors dir: apply refused" tf apply -c "$C/trust.yaml" --root "$R" --host h --auto-approve
check "linked anchors dir: says why" out_has "is a symlink, or lies under one"
check "linked anchors dir: nothing written through the link" test -z "$(ls -A "$T/host-dir")"

# Unsupported IDs.
R=$T/gentoo; mkdir -p "$R/etc"; printf 'NAME=Gentoo\nID=gentoo\n' >"$R/etc/os-release"
conf
expect_rc 1 "gentoo: plan fails" tf plan -c "$C/trust.yaml" --root "$R" --host h
check "gentoo: clear error" err_has "distribution \"gentoo\" (from /etc/os-release) is not supported by the system store"
check "gentoo: says what to do" err_has "set \`distro:\` if os-release is wrong"
check "gentoo: lists the families' IDs" err_has "(supported: debian, ubuntu, rhel,"

# distro: takes every ID of the families' table (stores/system/families.c),
# Oracle Linux's and openSUSE Leap's too, whatever os-release says
for d in ol:rhel opensuse-leap:suse; do
  sed -i "s|type: system[^}]*}|type: system, distro: ${d%%:*} }|" "$C/trust.yaml"
  expect_rc 0 "distro: ${d%%:*}: plan" tf plan -c "$C/trust.yaml" --root "$R" --host h
  check "distro: ${d%%:*}: the ${d#*:} family" out_has "# system (${d#*:}): corp will be added"
done
done_testing

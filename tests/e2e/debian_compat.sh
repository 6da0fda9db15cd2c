#!/usr/bin/env bash
# /etc/ssl/certs as trustform writes it equals what the real
# `update-ca-certificates --fresh` writes for the same tree: the same bundle
# bytes and the same link set (names, and what each link leads to), over
# several generations of a tree with distro CAs, foreign local CAs, subject-hash
# collisions, odd file names, a deselected CA and managed CAs.
. "$(dirname "$0")/../lib/common.sh"

B=$T/b; mk_root "$B" with-distro     # trustform's tree
mkdir -p "$T/cfg/cas" "$T/ca"
L=$B/usr/local/share/ca-certificates

# Three CAs with one subject: they share a subject hash (.0 .1 .2 links).
for k in 1 2 3; do mk_ca "$T/ca/same$k" "/O=Collide/CN=Same Subject"; done
cp "$T/ca/same1.pem" "$L/collide one.crt"
cp "$T/ca/same2.pem" "$L/collide (two),x.crt"
mkdir -p "$L/sub/deeper"; cp "$T/ca/same3.pem" "$L/sub/deeper/collide3.crt"
mk_ca "$T/ca/nonl" "/CN=No Newline"; printf '%s' "$(cat "$T/ca/nonl.pem")" >"$L/nonl.crt"
mk_ca "$T/ca/crlf" "/CN=CRLF"; sed 's/$/\r/' "$T/ca/crlf.pem" >"$L/crlf.crt"
# a foreign PEM dropped straight into /etc/ssl/certs, and a link to elsewhere
mk_ca "$T/ca/direct" "/CN=Direct In Etc"; cp "$T/ca/direct.pem" "$B/etc/ssl/certs/direct.pem"
mkdir -p "$B/opt/pki"; mk_ca "$T/ca/opt" "/CN=Opt CA"; cp "$T/ca/opt.pem" "$B/opt/pki/opt.pem"
ln -s /opt/pki/opt.pem "$B/etc/ssl/certs/opt-link.pem"
# a managed CA that collides with the foreign ones, and a plain one
mk_ca "$T/cfg/cas/corp" "/O=Collide/CN=Same Subject"
mk_ca "$T/cfg/cas/lab" "/CN=Lab Root"
# deselect one distro CA, list one that does not exist
sed -i '5s/^/!/' "$B/etc/ca-certificates.conf"
echo "mozilla/Does_Not_Exist.crt" >>"$B/etc/ca-certificates.conf"

cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
  lab: { file: cas/lab.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [corp, lab], stores: [system] }
hosts:
  h: [node]
YAML

# compare GENERATION: copy trustform's sources to a fresh tree A, run the real
# tool there with --fresh, and compare /etc/ssl/certs.
compare() {
  local gen=$1 A=$T/a$1
  rm -rf "$A"; cp -a "$B" "$A"
  # A starts from the same /etc/ssl/certs minus everything trustform generated
  find "$A/etc/ssl/certs" -mindepth 1 -delete
  cp "$T/ca/direct.pem" "$A/etc/ssl/certs/direct.pem"
  ln -s "$A/opt/pki/opt.pem" "$A/etc/ssl/certs/opt-link.pem"
  real_update_ca "$A" --fresh
  check "gen $gen: bundle is byte-identical" \
    cmp "$A/etc/ssl/certs/ca-certificates.crt" "$B/etc/ssl/certs/ca-certificates.crt"
  certs_dir_listing "$A" >"$T/a.txt"
  certs_dir_listing "$B" >"$T/b.txt"
  check "gen $gen: same link set" diff -u "$T/a.txt" "$T/b.txt"
  check "gen $gen: collisions present" grep -q '\.2 -> ' "$T/b.txt"
  expect_rc 0 "gen $gen: plan is clean afterwards" \
    tf plan -c "$T/cfg/trust.yaml" --root "$B" --host h --detailed-exitcode
}

expect_rc 0 "generation 1 apply" tf apply -c "$T/cfg/trust.yaml" --root "$B" --host h --auto-approve
compare 1

# Generation 2: a foreign CA goes, another comes, a distro CA is deselected,
# a managed CA changes content under the same name.
rm "$L/collide one.crt"
mk_ca "$T/ca/new" "/CN=New Foreign"; cp "$T/ca/new.pem" "$L/new.crt"
sed -i '9s/^/!/' "$B/etc/ca-certificates.conf"
mk_ca "$T/cfg/cas/lab" "/CN=Lab Root"
expect_rc 0 "generation 2 apply" tf apply -c "$T/cfg/trust.yaml" --root "$B" --host h --auto-approve
compare 2

# Generation 3: a real update-ca-certificates ran on trustform's tree (as
# package upgrades do); trustform then sees nothing to do.
C=$T/c; cp -a "$B" "$C"
real_update_ca_chroot_like "$C"
# (run from the host, the tool cannot see the tree's /opt/pki and drops
# opt-link as an orphan; tests/e2e/host_system.sh runs it inside the tree)
check "a real non-fresh run changes no other link and no byte" \
  diff -u <(certs_dir_listing "$B" | grep -v opt-link) <(certs_dir_listing "$C" | grep -v opt-link)
expect_rc 0 "after a real non-fresh run the plan is clean" \
  tf plan -c "$T/cfg/trust.yaml" --root "$C" --host h --detailed-exitcode

# Generation 4: the real tool ran outside a chroot, so its links name host
# paths of another tree (which exists on this host, not inside the root).
# One apply repairs /etc/ssl/certs as the root itself sees it.
D=$T/d; cp -a "$B" "$D"; real_update_ca "$D" --fresh
E=$T/e; cp -a "$D" "$E"      # E's links lead into D
check "E's links name another tree" bash -c "readlink '$E/etc/ssl/certs/ca-certificates.crt' >/dev/null || ls -l '$E/etc/ssl/certs' | grep -q ' -> $D/'"
# and "lab" is rotated under the same subject, so its hash bucket still needs a
# link while the old one, read on the host, would still seem to lead somewhere
mk_ca "$T/cfg/cas/lab" "/CN=Lab Root"
expect_rc 2 "host-absolute links are drift" \
  tf plan -c "$T/cfg/trust.yaml" --root "$E" --host h --detailed-exitcode
expect_rc 0 "repair" tf apply -c "$T/cfg/trust.yaml" --root "$E" --host h --auto-approve
expect_rc 0 "clean after one apply" \
  tf plan -c "$T/cfg/trust.yaml" --root "$E" --host h --detailed-exitcode
check "no link leads out of the root" bash -c "! ls -l '$E/etc/ssl/certs' | grep -q ' -> $D/'"
done_testing

#!/usr/bin/env bash
# One store failing does not stop the others: a host with a good system store
# and two stores that fail (a second store for the same system trust, which
# trustform refuses rather than let two stores fight, and a bundle that is not
# a PEM file) gets the good store converged, a summary naming what failed, and
# exit code 1; the same when a store fails during apply (its managed directory
# is a symlink, which trustform refuses). Plan shows the good store's changes
# and the errors.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mkdir -p "$T/cfg/cas"; mk_ca "$T/cfg/cas/a" "/CN=Isolation A"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
stores:
  good: { type: system }
  twin: { type: system }
  bad: { type: pem-bundle, path: /etc/app/bundle.der }
roles:
  node: { cas: [a], stores: [good, twin, bad] }
hosts:
  h: [node]
YAML
mkdir -p "$R/etc/app"; cp "$T/cfg/cas/a.pem" "$T/a.pem"
openssl x509 -in "$T/a.pem" -outform DER -out "$R/etc/app/bundle.der"
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)
expect_rc 1 "plan with a failing store exits 1" tf plan "${args[@]}" --detailed-exitcode
check "plan still shows the good store" out_has '# good (debian): a will be added'
check "plan names the twin store" err_has 'store "twin" manages the system trust store, which store "good" already manages'
check "plan names the bad bundle" err_has 'bad (pem-bundle): /etc/app/bundle.der is not a PEM file'
expect_rc 1 "apply with failing stores exits 1" tf apply "${args[@]}" --auto-approve
check "the good store converged" out_has 'good (debian): ca "a": added'
check "summary names what failed" out_has 'Apply failed in 2 store(s): bad (pem-bundle), twin (debian).'
check "good store really holds it" bash -c "ls '$R'/usr/local/share/ca-certificates/trustform/a-*.crt"

# A store whose apply fails (not its read) is isolated the same way.
R2=$T/root2; mk_root "$R2"
mkdir -p "$T/elsewhere"; ln -s "$T/elsewhere" "$R2/usr/local/share/ca-certificates/trustform"
cat >"$T/cfg/two.yaml" <<YAML
version: 1
cas:
  a: { file: cas/a.pem }
stores:
  first: { type: system }
roles:
  node: { cas: [a], stores: [first] }
hosts:
  h: [node]
YAML
expect_rc 1 "apply into a symlinked managed directory fails" \
  tf apply -c "$T/cfg/two.yaml" --root "$R2" --host h --auto-approve
check "says it refuses the symlink" out_has "is a symlink"
check "nothing written through the link" test -z "$(ls -A "$T/elsewhere")"

# A failure while /etc/ssl/certs is regenerated is a failure: the bundle's
# path is a directory, so it cannot be replaced. apply says so, exits 1, and
# the next plan still shows the files out of date.
R3=$T/root3; mk_root "$R3"; mkdir -p "$R3/etc/ssl/certs/ca-certificates.crt/x"
expect_rc 1 "apply fails when the bundle cannot be written" \
  tf apply -c "$T/cfg/two.yaml" --root "$R3" --host h --auto-approve
check "says which file" out_has "ca-certificates.crt"
check "no 'Apply complete!'" bash -c "! grep -q 'Apply complete!' '$T/.out'"
expect_rc 2 "the next plan shows what is left" \
  tf plan -c "$T/cfg/two.yaml" --root "$R3" --host h --detailed-exitcode
check "the generated files are still out of date" out_has "generated files are out of date"
done_testing

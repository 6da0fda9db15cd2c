#!/usr/bin/env bash
# A saved plan is bound to everything that decided its content (issue 18
# item 5): the machine (host name, <root>/etc/machine-id), the git URL, ref
# and the commit the ref pointed to, the signer policy
# (--git-allowed-signers) with its file's SHA-256, and the trustform version.
# Apply re-resolves the ref, verifies the commit with the recorded policy, and
# refuses naming the field when any of them differs; a refused apply changes
# nothing. The real ssh-keygen checks the signatures.
. "$(dirname "$0")/../lib/common.sh"

git_sandbox
R=$T/root; mk_root "$R"
echo 0123456789abcdef0123456789abcdef >"$R/etc/machine-id"
BARE=$T/trust.git; W=$T/work
mk_git_config "$BARE" "$W"
ssh-keygen -q -t ed25519 -N '' -C alice -f "$T/alice"
ssh-keygen -q -t ed25519 -N '' -C mallory -f "$T/mallory"
echo "admin@example.org namespaces=\"git\" $(cut -d' ' -f1,2 "$T/alice.pub")" >"$T/allowed_signers"
sshcommit() { # sshcommit KEY MESSAGE: an SSH-signed commit, pushed
  (cd "$W" && echo "# $2" >>trust.yaml && git add -A &&
    git -c gpg.format=ssh -c user.signingkey="$1" commit -q -S -m "$2" && git push -q origin main 2>/dev/null)
}
g=(--git "file://$BARE" --ref main --root "$R" --host h)
py() { /usr/bin/python3 "$@"; }
sshcommit "$T/alice" "signed by alice"
C1=$(git -C "$W" rev-parse HEAD)

expect_rc 2 "plan --out from signed main" tf plan "${g[@]}" --git-allowed-signers "$T/allowed_signers" \
  --out "$T/p.plan" --detailed-exitcode
check "the plan records host, root, url, ref, commit, policy, version and machine" py - "$T/p.plan" \
  "$R" "file://$BARE" "$C1" "$T/allowed_signers" "$(sha256sum "$T/allowed_signers" | cut -c1-64)" \
  "$(uname -n)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); c = d['configuration']
want = [d['host'] == 'h', d['root'] == sys.argv[2], c['url'] == sys.argv[3], c['ref'] == 'main',
        c['commit'] == sys.argv[4], c['allowed_signers'] == {'path': sys.argv[5], 'sha256': sys.argv[6]},
        d['trustform_version'] != '', d['machine'] == {'hostname': sys.argv[7],
        'machine_id': '0123456789abcdef0123456789abcdef'}]
print(want); sys.exit(not all(want))
PY
before=$(tree_sum "$R/etc")  # the git cache under var/cache fetches, as it should

# the signer policy changes: mallory's key is added to it
cp "$T/allowed_signers" "$T/allowed_signers.orig"
echo "admin@example.org namespaces=\"git\" $(cut -d' ' -f1,2 "$T/mallory.pub")" >>"$T/allowed_signers"
expect_rc 1 "policy file changed: refused" tf apply "$T/p.plan"
check "names allowed_signers" err_has "refused: allowed_signers differs: the signer policy $T/allowed_signers has SHA-256"
rm "$T/allowed_signers"
expect_rc 1 "policy file gone: refused" tf apply "$T/p.plan"
check "names the policy file" err_has "$T/allowed_signers: cannot read the signer policy"
cp "$T/allowed_signers.orig" "$T/allowed_signers"

# another machine: the plan is applied on a host with another host name, or
# to a tree whose machine-id is another
expect_rc 1 "other host name: refused" unshare --uts sh -c "hostname tf-other-machine && exec \"\$0\" apply \"\$1\"" "$TRUSTFORM" "$T/p.plan"
check "names machine.hostname" err_has "refused: machine.hostname differs: the plan was made on \"$(uname -n)\", this is \"tf-other-machine\""
echo fedcba9876543210fedcba9876543210 >"$R/etc/machine-id"
expect_rc 1 "other machine-id: refused" tf apply "$T/p.plan"
check "names machine.machine_id" err_has "refused: machine.machine_id differs"
echo 0123456789abcdef0123456789abcdef >"$R/etc/machine-id"

# the ref moves after the plan (an unsigned push to main): refused; so is a
# signed one, as the plan was made from another commit
(cd "$W" && echo "# unsigned" >>trust.yaml && git commit -qam unsigned && git push -q origin main 2>/dev/null)
expect_rc 1 "ref moved to an unsigned commit: refused" tf apply "$T/p.plan"
check "the signature is checked with the recorded policy" err_has "is not signed, and --git-allowed-signers"
sshcommit "$T/alice" "signed again"
expect_rc 1 "ref moved to a signed commit: refused" tf apply "$T/p.plan"
check "names configuration.commit" err_has "Saved plan is stale: configuration.commit differs: ref \"main\""
check "names the planned commit" err_has "and the plan was made from $C1"

# the version that made it
py -c "import json,sys; d=json.load(open(sys.argv[1])); d['trustform_version']='0.0.1'; json.dump(d, open(sys.argv[2],'w'))" "$T/p.plan" "$T/v.plan"
expect_rc 1 "other trustform version: refused" tf apply "$T/v.plan"
check "names the version" err_has "was made by trustform 0.0.1"
check "nothing changed by any refusal" test "$before" = "$(tree_sum "$R/etc")"

# made for the commit now on main, with the same policy: applies
expect_rc 2 "a new plan" tf plan "${g[@]}" --git-allowed-signers "$T/allowed_signers" \
  --out "$T/p2.plan" --detailed-exitcode
expect_rc 0 "applies on the machine it was made on" tf apply "$T/p2.plan"
check "applied" out_has "Apply complete!"
done_testing

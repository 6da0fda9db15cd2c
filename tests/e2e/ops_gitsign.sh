#!/usr/bin/env bash
# --git-allowed-signers: the commit must carry a valid signature by a listed
# key, checked by the real ssh-keygen (SSH signatures, allowed_signers file)
# and gpgv (OpenPGP signatures, binary keyring). Unsigned commits, other keys,
# a forged commit reusing a good signature, a key outside its validity window
# and a missing tool are each refused with a clear message.
. "$(dirname "$0")/../lib/common.sh"

export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; cleanup' EXIT
git_sandbox

R=$T/root; mk_root "$R"
BARE=$T/trust.git; W=$T/work
mk_git_config "$BARE" "$W"

ssh-keygen -q -t ed25519 -N '' -C alice -f "$T/alice"
ssh-keygen -q -t ed25519 -N '' -C mallory -f "$T/mallory"
echo "admin@example.org namespaces=\"git\" $(cut -d' ' -f1,2 "$T/alice.pub")" >"$T/allowed_signers"
echo "admin@example.org valid-before=\"20000101\" $(cut -d' ' -f1,2 "$T/alice.pub")" \
  >"$T/allowed_expired"
sshcommit() { # sshcommit KEY MESSAGE: an SSH-signed commit, pushed
  (cd "$W" && echo "# $2" >>trust.yaml && git add -A &&
    git -c gpg.format=ssh -c user.signingkey="$1" commit -q -S -m "$2" && git push -q origin main 2>/dev/null)
}
g=(--git "file://$BARE" --ref main --root "$R" --host h)

sshcommit "$T/alice" "signed by alice"
expect_rc 0 "commit signed by an allowed SSH key" tf plan "${g[@]}" --git-allowed-signers "$T/allowed_signers"
expect_rc 0 "json names the signer" tf plan "${g[@]}" --git-allowed-signers "$T/allowed_signers" --json
check "signed_by" /usr/bin/python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))['configuration']['signed_by'] != 'ssh: admin@example.org')" "$T/.out"
expect_rc 1 "key outside its validity window at the commit's time" tf plan "${g[@]}" \
  --git-allowed-signers "$T/allowed_expired"
check "refused: the key had expired when the commit was made" err_has "key has expired"
expect_rc 1 "allowed signers file missing" tf plan "${g[@]}" --git-allowed-signers "$T/none"
check "names the file" err_has "--git-allowed-signers $T/none"
expect_rc 1 "ssh-keygen missing" env PATH=/nonexistent "$TRUSTFORM" plan "${g[@]}" \
  --git-allowed-signers "$T/allowed_signers"
check "clear error naming the tool and package" \
  err_has "checking it needs ssh-keygen (Debian package openssh-client), which is not installed"

# a forgery: alice's signature copied onto a commit with other content
git -C "$W" cat-file commit HEAD | sed 's/^signed by alice$/signed by alice (not really)/' \
  >"$T/forged.txt"
forged=$(git -C "$W" hash-object -t commit -w "$T/forged.txt")
git -C "$W" push -q origin "$forged:refs/heads/forged" 2>/dev/null
expect_rc 1 "forged commit refused" tf plan --git "file://$BARE" --ref forged --root "$R" --host h \
  --git-allowed-signers "$T/allowed_signers"
check "signature not valid" err_has "is not valid for admin@example.org"
check "says not to trust it" err_has "do not trust this commit"

sshcommit "$T/mallory" "signed by mallory"
expect_rc 1 "commit signed by a key that is not listed" tf plan "${g[@]}" \
  --git-allowed-signers "$T/allowed_signers"
check "says the key is not listed" \
  err_has "is signed by an SSH key that $T/allowed_signers does not list as valid for it"

(cd "$W" && echo "# unsigned" >>trust.yaml && git commit -qam unsigned && git push -q origin main 2>/dev/null)
expect_rc 1 "unsigned commit refused" tf plan "${g[@]}" --git-allowed-signers "$T/allowed_signers"
check "says it is not signed" err_has "is not signed, and --git-allowed-signers"
expect_rc 0 "without the option the same commit is read" tf plan "${g[@]}"

# OpenPGP: gpgv with a binary keyring
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --quick-gen-key 'Trust Admin <admin@example.org>' ed25519 sign never 2>/dev/null
fpr=$(gpg --with-colons --list-keys admin@example.org | awk -F: '/^fpr/ {print $10; exit}')
gpg --export admin@example.org >"$T/keyring.gpg"
gpg --export --armor admin@example.org >"$T/keyring.asc"
(cd "$W" && echo "# gpg" >>trust.yaml && git add -A &&
  git -c user.signingkey="$fpr" commit -q -S -m "gpg signed" 2>/dev/null && git push -q origin main 2>/dev/null)
expect_rc 0 "OpenPGP-signed commit with the key in the keyring" tf plan "${g[@]}" \
  --git-allowed-signers "$T/keyring.gpg" --json
check "gpg signer named with its fingerprint" /usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['configuration']['signed_by']; sys.exit(s != 'gpg: Trust Admin <admin@example.org> (%s)' % sys.argv[2])" "$T/.out" "$fpr"
expect_rc 1 "armored keyring: clear error" tf plan "${g[@]}" --git-allowed-signers "$T/keyring.asc"
check "explains how to make a binary keyring" err_has "gpgv needs a binary keyring"
expect_rc 1 "OpenPGP signature checked against an SSH allowed_signers file" tf plan "${g[@]}" \
  --git-allowed-signers "$T/allowed_signers"
check "not signed by a listed key" err_has "is not signed by a key of $T/allowed_signers"
expect_rc 1 "gpgv missing" env PATH=/nonexistent "$TRUSTFORM" plan "${g[@]}" \
  --git-allowed-signers "$T/keyring.gpg"
check "clear error naming gpgv" err_has "checking it needs gpgv (Debian package gpgv), which is not installed"
done_testing

#!/usr/bin/env bash
# Configuration from git (libgit2), against real local bare repositories made
# with git: a repository with two commits (the second adds a CA) planned at each
# kind of ref; the plan header names the URL and commit; an unreachable remote
# falls back to the cache with a warning giving its age, and --require-fresh
# makes that an error; CAs from git must be pinned; a tampered CA is refused
# with nothing changed; a deleted branch is not read from the cache; saved
# plans apply the commit they were made from; concurrent runs share the cache
# without corrupting it.
. "$(dirname "$0")/../lib/common.sh"

git_sandbox

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
BARE=$T/srv/trust.git
git init -q --bare "$BARE"
W=$T/work; git clone -q "$BARE" "$W" 2>/dev/null
mkdir -p "$W/hosts/cas"
mk_ca "$W/hosts/cas/corp" "/O=Corp/CN=Corp Root"
mk_ca "$T/lab" "/CN=Lab Root"
rm -f "$W"/hosts/cas/*.key
pin() { fingerprint "$1"; }
write_config() { # write_config CA...: the config listing these CAs, pinned
  {
    echo "version: 1"
    echo "cas:"
    for ca in "$@"; do echo "  $ca: { file: cas/$ca.pem, sha256: \"$(pin "$W/hosts/cas/$ca.pem")\" }"; done
    echo "stores:"
    echo "  system: { type: system }"
    echo "roles:"
    echo "  node: { cas: [$(echo "$*" | sed 's/ /, /g')], stores: [system] }"
    echo "hosts:"
    echo "  h: [node]"
  } >"$W/hosts/trust.yaml"
}
commit() { git_push "$W" "$1"; }
write_config corp
commit "corp only"
git -C "$W" tag -a v1 -m "release 1"	# annotated: peeled to its commit
git -C "$W" push -q origin v1 2>/dev/null
C1=$(git -C "$W" rev-parse HEAD)
cp "$T/lab.pem" "$W/hosts/cas/lab.pem"
write_config corp lab
commit "add the lab CA"
C2=$(git -C "$W" rev-parse HEAD)

g=(--git "file://$BARE" --path hosts/trust.yaml --root "$R" --host h)
expect_rc 2 "plan at main" tf plan "${g[@]}" --ref main --detailed-exitcode
check "header names the URL, file and commit" out_has "config file://$BARE//hosts/trust.yaml @ $C2"
check "main adds both CAs" out_has 'Plan: 2 to add, 0 to change, 0 to destroy.'
check "lab from the second commit" out_has '+ ca "lab" {'
expect_rc 2 "plan at tag v1" tf plan "${g[@]}" --ref v1 --detailed-exitcode
check "v1 is the first commit" out_has "@ $C1"
check "v1 adds only corp" out_has 'Plan: 1 to add, 0 to change, 0 to destroy.'
expect_rc 2 "plan at a full commit id" tf plan "${g[@]}" --ref "$C1" --detailed-exitcode
check "commit id is read as such" out_has "@ $C1"
expect_rc 2 "plan at refs/heads/main" tf plan "${g[@]}" --ref refs/heads/main --detailed-exitcode
check "refs/heads/main is the second commit" out_has "@ $C2"
expect_rc 1 "unknown ref" tf plan "${g[@]}" --ref nope
check "names the ref and the branches" err_has "--ref nope is not a branch, tag or full commit id"
check "lists branches" err_has "(branches: main)"
expect_rc 64 "--git needs --ref" tf plan --git "file://$BARE" --root "$R" --host h
expect_rc 64 "--git and --config together" tf plan "${g[@]}" --ref main -c x.yaml

cache=$(ls -d "$R"/var/cache/trustform/git/*.git)
check "the cache is under --root" test -d "$cache"
check "the cache is a bare repository (no work tree)" \
  test "$(git --git-dir="$cache" rev-parse --is-bare-repository)" = true
check "the cache is private" test "$(stat -c %a "$R/var/cache/trustform/git")" = 700

# a plain path and a relative path work as URLs too, each with its own cache
expect_rc 2 "local path URL" tf plan --git "$BARE" --ref main --path hosts/trust.yaml --root "$R" \
  --host h --detailed-exitcode
expect_rc 2 "relative path URL" bash -c "cd '$T' && '$TRUSTFORM' plan --git srv/trust.git --ref v1 \
  --path hosts/trust.yaml --root '$R' --host h --detailed-exitcode"

expect_rc 0 "apply main" tf apply "${g[@]}" --ref main --auto-approve
expect_rc 0 "converged at main" tf plan "${g[@]}" --ref main --detailed-exitcode
expect_rc 0 "validate from git" tf validate --git "file://$BARE" --ref main --path hosts/trust.yaml \
  --root "$R"
check "names the file at its commit" out_has "hosts/trust.yaml@${C2:0:12} is valid: 2 CA(s)"

# --json: the configuration block names the commit; the document validates
expect_rc 0 "plan --json from git" tf plan "${g[@]}" --ref main --json
cp "$T/.out" "$T/git-plan.json"
check "json: source git, commit, fetched" /usr/bin/python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['configuration']; sys.exit(not (c['source'] == 'git' and c['commit'] == sys.argv[2] and c['fetched'] is True and c['warning'] is None))" "$T/git-plan.json" "$C2"
got=$(/usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SRC_DIR/schema/output.schema.json" "$T/git-plan.json") || true
check "json validates ($got)" grep -q ': valid$' <<<"$got"

# the remote becomes unreachable: the cache is used, loudly, with its age
fetched=$(cat "$cache/trustform-fetched")
mv "$BARE" "$T/srv/moved.git"
later=$((fetched + 3 * 86400 + 2 * 3600))
expect_rc 0 "unreachable remote falls back to the cache" env TRUSTFORM_NOW=$later \
  "$TRUSTFORM" plan "${g[@]}" --ref main --detailed-exitcode
check "loud warning on stderr" err_has "trustform: WARNING: cannot fetch file://$BARE: there is no repository at $BARE"
check "gives the age" err_has "using the cached copy fetched 3 days 2 hours ago"
check "says how to make it an error" err_has "--require-fresh"
check "the plan says it too" out_has "Warning: cannot fetch"
check "still the cached commit" out_has "@ $C2"
expect_rc 1 "--require-fresh makes it an error" env TRUSTFORM_NOW=$later \
  "$TRUSTFORM" plan "${g[@]}" --ref main --require-fresh
check "explains" err_has "--require-fresh: not using the cached copy fetched 3 days 2 hours ago"
expect_rc 1 "no cache and no remote: error" tf plan --git "file://$T/srv/nothing.git" --ref main \
  --root "$R" --host h
check "says there is nothing to fall back to" err_has "there is no cached copy to fall back to"
check "a failed first clone leaves no cache" \
  bash -c "! ls -d '$R'/var/cache/trustform/git/nothing-*.git* 2>/dev/null | grep -v '\.lock$'"
# a first clone killed midway left its temp directory: the next one removes it
lockf=$(ls "$R"/var/cache/trustform/git/nothing-*.git.lock)
mkdir -p "${lockf%.lock}.tmp-dead01/objects"
tf plan --git "file://$T/srv/nothing.git" --ref main --root "$R" --host h >/dev/null 2>&1 || true
check "a killed first clone's temp directory is removed" test ! -e "${lockf%.lock}.tmp-dead01"
mv "$T/srv/moved.git" "$BARE"

# CAs from git must be pinned, unless --allow-unpinned
sed -i 's/, sha256: "[0-9a-f]*"//' "$W/hosts/trust.yaml"
commit "unpinned"
expect_rc 1 "unpinned CA refused" tf plan "${g[@]}" --ref main
check "names the file at the commit, line and column" err_has "hosts/trust.yaml@$(git -C "$W" rev-parse --short=12 HEAD):3:"
check "says why and what to do" err_has 'has no sha256 pin; a configuration from git must pin every CA'
check "gives the fingerprint to pin" err_has "sha256: \"$(pin "$W/hosts/cas/corp.pem")\""
expect_rc 0 "--allow-unpinned accepts it" tf plan "${g[@]}" --ref main --allow-unpinned --detailed-exitcode
write_config corp lab
commit "pinned again"

# a tampered CA (pin mismatch) is refused and nothing changes
mk_ca "$T/evil" "/CN=Lab Root"
cp "$T/evil.pem" "$W/hosts/cas/lab.pem"
commit "replace the lab CA"
stores_sum() { echo "$(tree_sum "$R/etc") $(tree_sum "$R/usr")"; }	# not the git cache
before=$(stores_sum)
expect_rc 1 "tampered CA refused" tf apply "${g[@]}" --ref main --auto-approve
check "pin mismatch named" err_has 'the sha256 pin does not match cas/lab.pem'
check "nothing changed" test "$before" = "$(stores_sum)"
git -C "$W" revert --no-edit HEAD >/dev/null && git -C "$W" push -q origin main 2>/dev/null

# CA paths may not leave the repository, nor be absolute
sed -i 's|file: cas/corp.pem|file: ../../../etc/passwd|' "$W/hosts/trust.yaml"
commit "escape"
expect_rc 1 "path outside the repository refused" tf plan "${g[@]}" --ref main
check "says so" err_has "the path leads outside the repository"
sed -i 's|file: ../../../etc/passwd|file: /etc/ssl/certs/ca-certificates.crt|' "$W/hosts/trust.yaml"
commit "absolute"
expect_rc 1 "absolute CA path refused" tf plan "${g[@]}" --ref main
check "explains" err_has "reads its CA files from the commit"
write_config corp lab
commit "fixed"

# a branch and a tag of one name, on different commits: ambiguous
git -C "$W" branch both "$C1" && git -C "$W" tag both "$C2"
git -C "$W" push -q origin refs/heads/both refs/tags/both 2>/dev/null
expect_rc 1 "ambiguous ref refused" tf plan "${g[@]}" --ref both
check "explains" err_has "names both a branch and a tag"
expect_rc 2 "refs/heads/both picks the branch" tf plan "${g[@]}" --ref refs/heads/both --detailed-exitcode
check "branch commit" out_has "@ $C1"
# a branch deleted on the remote is not read from the cache
git -C "$W" push -q origin :refs/heads/both 2>/dev/null
expect_rc 1 "deleted branch is gone from the cache too" tf plan "${g[@]}" --ref refs/heads/both
check "not found" err_has "is not a branch, tag or full commit id"

# saved plans from git apply the commit they were made from...
rm -f "$W/hosts/cas/lab.pem"; write_config corp; commit "drop lab"
expect_rc 2 "plan --out from git" tf plan "${g[@]}" --ref main --out "$T/git.plan" --detailed-exitcode
check "removes lab" out_has '# system (debian): lab will be removed'
C_DROP=$(git -C "$W" rev-parse HEAD)
cp "$T/lab.pem" "$W/hosts/cas/lab.pem"; write_config corp lab; commit "lab back"
# ... and refuse when the ref no longer points to it (issue 18 item 5)
expect_rc 1 "a saved plan whose ref moved since is refused" tf apply "$T/git.plan"
check "names the field" err_has 'Saved plan is stale: configuration.commit differs: ref "main"'
check "names the planned commit" err_has "and the plan was made from $C_DROP"
# a plan made for a commit id applies that commit after any push
expect_rc 2 "plan --out for the commit id" tf plan "${g[@]}" --ref "$C_DROP" --out "$T/git.plan" \
  --detailed-exitcode
expect_rc 0 "apply the saved plan of a commit id after a new push" tf apply "$T/git.plan"
check "it is the planned commit" out_has "@ $C_DROP"
check "lab removed as planned" out_has 'Resources: 0 added, 0 changed, 1 destroyed.'
expect_rc 2 "main has lab again" tf plan "${g[@]}" --ref main --detailed-exitcode

# concurrent runs against one cache: a fresh cache cloned by racing runs, and
# fetches racing with pushes; every run succeeds and the cache stays sound
R2=$T/root2; mk_root "$R2"
pids=()
for i in 1 2 3 4; do
  "$TRUSTFORM" plan --git "file://$BARE" --path hosts/trust.yaml --root "$R2" --host h \
    --ref main >"$T/race$i.out" 2>&1 &
  pids+=($!)
done
(for i in 1 2 3; do echo "# push $i" >>"$W/hosts/trust.yaml"; commit "push $i"; done) &
pusher=$!
for i in 5 6 7; do
  "$TRUSTFORM" plan --git "file://$BARE" --path hosts/trust.yaml --root "$R2" --host h \
    --ref main >"$T/race$i.out" 2>&1 &
  pids+=($!)
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)) || true; done
wait "$pusher"
check "all $ok of ${#pids[@]} racing runs succeeded" test "$ok" = "${#pids[@]}"
check "no run warned about the cache" bash -c "! grep -l 'WARNING\|error' '$T'/race*.out"
c2=$(ls -d "$R2"/var/cache/trustform/git/*.git)
check "one cache" test "$(ls -d "$R2"/var/cache/trustform/git/*.git | wc -l)" = 1
check "no temp clones left" bash -c "! ls -d '$R2'/var/cache/trustform/git/*.tmp-* 2>/dev/null"
check "git fsck: the cache is sound" git --git-dir="$c2" fsck --strict --no-progress
expect_rc 0 "a later run reads the newest commit" tf plan --git "file://$BARE" --path hosts/trust.yaml \
  --root "$R2" --host h --ref main
check "newest commit" out_has "@ $(git -C "$W" rev-parse HEAD)"
done_testing

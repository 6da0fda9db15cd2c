#!/usr/bin/env bash
# A blob read from git is capped like a file (issue 18 item 8): a commit whose
# trust.yaml (or a CA file it names) is over 16 MiB is refused from the
# object's header, naming the file, the commit and the cap, before the blob is
# inflated.
. "$(dirname "$0")/../lib/common.sh"

git_sandbox
R=$T/root; mk_root "$R"
BARE=$T/trust.git; W=$T/work
mk_git_config "$BARE" "$W"
g=(--git "file://$BARE" --root "$R" --host h)
expect_rc 0 "the small configuration is read" tf plan "${g[@]}" --ref main

# 17 MiB of comment lines after the configuration (compresses to almost nothing)
cp "$W/trust.yaml" "$T/small.yaml"
{ cat "$T/small.yaml"; head -c $((17 << 20)) /dev/zero | tr '\0' '#' | fold -w 1023; } >"$W/trust.yaml"
git_push "$W" "huge"
C=$(git -C "$W" rev-parse HEAD)
size=$(stat -c %s "$W/trust.yaml")
expect_rc 1 "a 17 MiB trust.yaml in git is refused" tf plan "${g[@]}" --ref main
check "names the file, the commit and the cap" \
  err_has "trust.yaml in commit ${C:0:12} of file://$BARE is $size bytes, more than the 16 MiB trustform reads from a file"

# a CA file over the cap
cp "$T/small.yaml" "$W/trust.yaml"
sed -i 's|file: cas/corp.pem|file: cas/big.pem|' "$W/trust.yaml"
{ cat "$W/cas/corp.pem"; head -c $((17 << 20)) /dev/zero | tr '\0' '#' | fold -w 1023; } >"$W/cas/big.pem"
git_push "$W" "huge CA file"
expect_rc 1 "a 17 MiB CA file in git is refused" tf plan "${g[@]}" --ref main
check "names the CA file" err_has "cas/big.pem in commit"
check "and the cap" err_has "more than the 16 MiB trustform reads from a file"
done_testing

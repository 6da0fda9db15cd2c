#!/usr/bin/env bash
# The operations paths are clean under valgrind's memcheck (no invalid access,
# no leak): --json plan/apply/show, plan --out and apply FILE (fresh and
# stale), config from git (fetch, fallback, a refused pin), --prometheus.
. "$(dirname "$0")/../lib/common.sh"

git_sandbox

R=$T/root; mk_root "$R"
mk_git_config "$T/trust.git" "$T/w"
args=(-c "$T/w/trust.yaml" --root "$R" --host h)
g=(--git "file://$T/trust.git" --ref main --root "$R" --host h)

expect_rc 2 "plan --json --prometheus" vg plan "${args[@]}" --json --detailed-exitcode --prometheus "$T/m.prom"
expect_rc 2 "plan --out from git" vg plan "${g[@]}" --out "$T/p.plan" --detailed-exitcode
expect_rc 0 "apply FILE" vg apply "$T/p.plan"
expect_rc 1 "apply FILE again (stale)" vg apply "$T/p.plan"
expect_rc 0 "show --json" vg show "${args[@]}" --json
rm "$R"/usr/local/share/ca-certificates/trustform/corp-*.crt
expect_rc 0 "apply --json" vg apply "${args[@]}" --json --auto-approve
mv "$T/trust.git" "$T/gone.git"
expect_rc 0 "git fallback with --syslog" vg plan "${g[@]}" --syslog --prometheus "$T/m.prom"
mv "$T/gone.git" "$T/trust.git"
sed -i 's/, sha256: "[0-9a-f]*"//' "$T/w/trust.yaml"
git_push "$T/w" unpinned
expect_rc 1 "unpinned from git, --json" vg plan "${g[@]}" --json
done_testing

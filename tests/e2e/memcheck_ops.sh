#!/usr/bin/env bash
# The operations paths are clean under valgrind's memcheck (no invalid access,
# no leak): --json plan/apply/show, plan --out and apply FILE (fresh and
# stale), config from git (fetch, fallback, a refused pin), --prometheus.
. "$(dirname "$0")/../lib/common.sh"

vg() { valgrind -q --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --trace-children=no "$TRUSTFORM" "$@"; }
export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home; mkdir -p "$HOME"

R=$T/root; mk_root "$R"
git init -q --bare -b main "$T/trust.git"
git clone -q "$T/trust.git" "$T/w" 2>/dev/null
mkdir -p "$T/w/cas"; mk_ca "$T/w/cas/a" "/CN=Memcheck Ops"; rm "$T/w/cas/a.key"
cat >"$T/w/trust.yaml" <<YAML
version: 1
cas:
  a: { file: cas/a.pem, sha256: "$(fingerprint "$T/w/cas/a.pem")" }
stores:
  system: { type: system }
roles:
  node: { cas: [a], stores: [system] }
hosts:
  h: [node]
YAML
(cd "$T/w" && git add -A && git -c user.name=t -c user.email=t@e commit -qm c && git push -q origin HEAD:main 2>/dev/null)
args=(-c "$T/w/trust.yaml" --root "$R" --host h)
g=(--git "file://$T/trust.git" --ref main --root "$R" --host h)

expect_rc 2 "plan --json --prometheus" vg plan "${args[@]}" --json --detailed-exitcode --prometheus "$T/m.prom"
expect_rc 2 "plan --out from git" vg plan "${g[@]}" --out "$T/p.plan" --detailed-exitcode
expect_rc 0 "apply FILE" vg apply "$T/p.plan"
expect_rc 1 "apply FILE again (stale)" vg apply "$T/p.plan"
expect_rc 0 "show --json" vg show "${args[@]}" --json
rm "$R"/usr/local/share/ca-certificates/trustform/a-*.crt
expect_rc 0 "apply --json" vg apply "${args[@]}" --json --auto-approve
mv "$T/trust.git" "$T/gone.git"
expect_rc 0 "git fallback with --syslog" vg plan "${g[@]}" --syslog --prometheus "$T/m.prom"
mv "$T/gone.git" "$T/trust.git"
sed -i 's/, sha256: "[0-9a-f]*"//' "$T/w/trust.yaml"
(cd "$T/w" && git -c user.name=t -c user.email=t@e commit -qam unpinned && git push -q origin HEAD:main 2>/dev/null)
expect_rc 1 "unpinned from git, --json" vg plan "${g[@]}" --json
done_testing

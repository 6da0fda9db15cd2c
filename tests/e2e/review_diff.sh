#!/usr/bin/env bash
# trustform diff and report, for code review with no access to the hosts.
# examples/two-host-stack is committed to a real git repository, then changed
# in a second commit (a CA added to the runner role, corp-root's file rotated,
# retired-lab's ensure removed, a host glob added); diff compares the two
# commits (--git --from --to) and the two checked-out files. Every line of the
# text output is checked against tests/fixtures/diff/two-host-stack.txt, the
# Markdown against two-host-stack.md, the JSON against the output schema.
# report summarises real `trustplan --json` outputs from sandbox roots.
# The CI pipelines in examples/ci cannot run here: they are parsed as YAML and
# checked for the commands they run.
. "$(dirname "$0")/../lib/common.sh"

SCHEMA=$SRC_DIR/schema/output.schema.json
FIX=$SRC_DIR/tests/fixtures/diff
git_sandbox
valid_json() { /usr/bin/python3 "$TESTS_DIR/lib/check_json.py" "$SCHEMA" "$1" | grep ': valid$' >/dev/null; }
jcheck() {
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}
# same_as GOLDEN FILE: byte for byte, with the diff on failure
same_as() { diff -u "$1" "$2" >&2; }

# --- two commits of the fleet's file ------------------------------------------
git init -q --bare "$T/fleet.git"
git clone -q "$T/fleet.git" "$T/work" 2>/dev/null
cp -r "$SRC_DIR/examples/two-host-stack/." "$T/work/"
git_push "$T/work" "two-host-stack as in examples/"
c1=$(git -C "$T/work" rev-parse HEAD)
cp "$FIX/ops-root.pem" "$T/work/cas/ops-root.pem"
cp "$FIX/corp-root-2026.pem" "$T/work/cas/corp-root.pem"
/usr/bin/python3 - "$T/work/trust.yaml" "$(fingerprint "$FIX/corp-root-2026.pem")" \
  "$(fingerprint "$FIX/ops-root.pem")" <<'PY'
import re, sys
path, corp, ops = sys.argv[1:]
s = open(path).read()
s = re.sub(r'(corp-root:\n    file: cas/corp-root.pem\n    sha256: )"[^"]*"', r'\1"%s"' % corp, s)
s = s.replace("  caddy-local:\n", '  ops-root:\n    file: cas/ops-root.pem\n    sha256: "%s"\n'
              "  caddy-local:\n" % ops, 1)
s = s.replace("    ensure: absent\n", "")
s = s.replace("  runner:\n    cas: [corp-root, caddy-local]", "  runner:\n    cas: [corp-root, caddy-local, ops-root]")
s = s.replace('  "ci-*": [runner]\n', '  "ci-*": [runner]\n  "gpu-*": [runner]\n')
open(path, "w").write(s)
PY
git_push "$T/work" "ops-root for the runners, corp-root rotated, retired-lab released, gpu-* hosts"
c2=$(git -C "$T/work" rev-parse HEAD)
check "the second commit changes what it says" grep -q 'gpu-\*' "$T/work/trust.yaml"

# --- diff of two commits (--git), every line ---------------------------------
mkdir -p "$T/r"
gitdiff() { tf diff --git "$T/fleet.git" --from "$c1" --to main --root "$T/r" "$@"; }
# the origin names the repository and the commit: make them stable for the golden
stable() { sed -e "s|$T/fleet.git|FLEET|g" -e "s|$c1|C1|g" -e "s|$c2|C2|g" "$T/.out" >"$1"; }
expect_rc 2 "diff --git: differences exit 2" gitdiff
stable "$T/diff.txt"
check "diff --git: every line as in two-host-stack.txt" same_as "$FIX/two-host-stack.txt" "$T/diff.txt"
check "diff --git: the new file's warning on stderr" err_has 'CA "retired-lab" is defined but no role uses it'

expect_rc 2 "diff --git --format markdown" gitdiff --format markdown
stable "$T/diff.md"
check "markdown: every line as in two-host-stack.md" same_as "$FIX/two-host-stack.md" "$T/diff.md"

expect_rc 2 "diff --git --json" gitdiff --json
cp "$T/.out" "$T/diff.json"
check "diff --json validates against the output schema" valid_json "$T/diff.json"
check "diff --json: the old commit is named" jcheck "$T/diff.json" "d['old']['origin'].endswith('$c1')"
check "diff --json: corp-root replaced by fingerprint" jcheck "$T/diff.json" \
  "[c['change']['actions'] for c in d['hosts'][0]['resource_changes'] if c['address'] == 'system.ca[\"corp-root\"]'] == [['delete', 'create']] and \
   [c['change']['after']['sha256'] for c in d['hosts'][0]['resource_changes'] if c['address'] == 'system.ca[\"corp-root\"]'] == ['$(fingerprint "$FIX/corp-root-2026.pem")']"
check "diff --json: gpu-* appears" jcheck "$T/diff.json" \
  "[h['status'] for h in d['hosts'] if h['host'] == 'gpu-*'] == ['appears']"
check "diff --json: summary" jcheck "$T/diff.json" \
  "d['change_summary'] == {'hosts': 4, 'changed': 3, 'appear': 1, 'disappear': 0, 'add': 25, 'replace': 12, 'remove': 0, 'distrust': 0, 'other': 12} and d['changes_pending'] is True"

# the same commit twice: no difference, exit 0
expect_rc 0 "diff of a commit with itself exits 0" \
  tf diff --git "$T/fleet.git" --from "$c2" --to main --root "$T/r"
check "no difference: said so" out_has "No changes. Every host's stores are configured the same."

# --- two checked-out files: the same diff ------------------------------------
git -C "$T/work" worktree add -q "$T/base" "$c1" 2>/dev/null
(cd "$T" && tf diff base/trust.yaml work/trust.yaml) >"$T/files.txt" 2>/dev/null && rc=0 || rc=$?
check "diff OLD NEW: exit 2" test "$rc" = 2
check "diff OLD NEW: the same lines as --git, but for the names of the files" same_as \
  <(sed -e '2s|.*|  old: base/trust.yaml|' -e '3s|.*|  new: work/trust.yaml|' "$FIX/two-host-stack.txt") \
  "$T/files.txt"

# --- --inventory: the fleet engine's host names ------------------------------
cat >"$T/hosts.ini" <<'INI'
# the fleet, as Ansible knows it
[edge]
a9 ansible_host=10.0.0.9

[runners]
a6
ci-7 ansible_user=ci
gpu-1

[runners:vars]
ansible_python_interpreter=/usr/bin/python3

[all:children]
edge
runners
INI
(cd "$T" && tf diff base/trust.yaml work/trust.yaml --inventory hosts.ini) >"$T/inv.txt" 2>/dev/null \
  && rc=0 || rc=$?
check "inventory (INI): exit 2" test "$rc" = 2
check "inventory (INI): its hosts, sorted, matched by the globs" test \
  "$(grep '^host ' "$T/inv.txt")" = "host a6 (runner)
host a9 (edge)
host ci-7 (runner)
host gpu-1 (runner): appears: no entry of the old file matched it"
cat >"$T/hosts.yml" <<'YML'
all:
  hosts:
    a9:
  children:
    runners:
      hosts:
        ci-7: { ansible_user: ci }
        lab-3:
      vars: { x: 1 }
YML
(cd "$T" && tf diff base/trust.yaml work/trust.yaml --inventory hosts.yml) >"$T/inv.txt" 2>/dev/null \
  && rc=0 || rc=$?
check "inventory (YAML): its hosts; one that no entry matches is listed as such" test \
  "$(grep '^host ' "$T/inv.txt")" = "host a9 (edge)
host ci-7 (runner)
host lab-3: no host entry of either file matches it"
printf 'a9\n' >"$T/list"
expect_rc 2 "inventory (one name a line)" tf diff "$T/base/trust.yaml" "$T/work/trust.yaml" --inventory "$T/list"
check "inventory (one name a line): only that host" test "$(grep -c '^host ' "$T/.out")" = 1
printf '[edge\na9\n' >"$T/bad.ini"
expect_rc 1 "a broken inventory is an error" tf diff "$T/base/trust.yaml" "$T/work/trust.yaml" --inventory "$T/bad.ini"
check "... naming file and line" err_has "bad.ini:1:"

# --- errors: a bad config names file:line:col; usage -------------------------
cp -r "$T/work" "$T/broken"
sed -i 's/    cas: \[corp-root, caddy-local, ops-root\]/    cas: [corp-root, nope]/' \
  "$T/broken/trust.yaml"
line=$(grep -n 'cas: \[corp-root, nope\]' "$T/broken/trust.yaml" | cut -d: -f1)
expect_rc 1 "diff with a bad NEW exits 1" tf diff "$T/base/trust.yaml" "$T/broken/trust.yaml"
check "... naming file:line:col" err_has "$T/broken/trust.yaml:$line:"
check "... and printing no diff" test ! -s "$T/.out"
expect_rc 1 "diff --json with a bad NEW exits 1" tf diff --json "$T/base/trust.yaml" "$T/broken/trust.yaml"
cp "$T/.out" "$T/diff-error.json"
check "... with an error document that validates" valid_json "$T/diff-error.json"
check "... naming the operation diff" jcheck "$T/diff-error.json" "d['operation'] == 'diff' and d['errored'] is True"
expect_rc 64 "diff needs OLD and NEW" tf diff "$T/base/trust.yaml"
expect_rc 64 "diff --git needs --from and --to" tf diff --git "$T/fleet.git" --from "$c1"
expect_rc 64 "--from is for diff" tf plan --from "$c1"
expect_rc 64 "--format is for diff and report" tf plan --format json

# --- report: real trustplan --json outputs from sandbox roots ----------------
mkdir -p "$T/fleet/cas"
cp "$FIX/ops-root.pem" "$FIX/corp-root-2026.pem" "$T/fleet/cas/"
cat >"$T/fleet/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp-root-2026.pem }
  ops: { file: cas/ops-root.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [corp, ops], stores: [system] }
hosts:
  "h*": [node]
YAML
for h in h1 h2 h3; do mk_root "$T/root-$h"; done
tf apply -c "$T/fleet/trust.yaml" --root "$T/root-h2" --host h2 --auto-approve >/dev/null
break_store "$T/root-h3"
for h in h1 h2 h3; do
  tf plan -c "$T/fleet/trust.yaml" --root "$T/root-$h" --host "$h" --json >"$T/$h.json" 2>/dev/null || true
done
check "the plans are real trustplan --json documents" jcheck "$T/h1.json" \
  "d['operation'] == 'plan' and d['change_summary']['add'] == 2"
echo '{ not json' >"$T/junk.json"
report() { (cd "$T" && tf report "$@"); }
expect_rc 1 "report: an errored host makes it exit 1" report h2.json h1.json h3.json junk.json
fp_c=$(fingerprint "$FIX/corp-root-2026.pem"); fp_o=$(fingerprint "$FIX/ops-root.pem")
h3err=$(/usr/bin/python3 -c "import json; print([s['error'] for s in json.load(open('$T/h3.json'))['stores']][0])")
cat >"$T/report.want" <<EOF_
trustform report

host h1 (h1.json): 2 to add, 0 to change, 0 to remove
    + system.ca["corp"] sha256 ${fp_c:0:16}…
    + system.ca["ops"] sha256 ${fp_o:0:16}…

host h2 (h2.json): no changes

host h3 (h3.json): ERROR
  ! system: $h3err

host junk.json (junk.json): ERROR
  ! junk.json: 1:5: string or '}' expected near 'not'; give the output of \`trustplan --json\`

Report: 4 hosts: 1 with changes, 1 without, 2 errored; 2 to add, 0 to change, 0 to remove.
EOF_
check "report: every line" same_as "$T/report.want" "$T/.out"
check "report: errors on stderr too" err_has "trustform report: h3: system:"
expect_rc 2 "report without errored hosts: 2 when changes are pending" report --json h1.json h2.json
cp "$T/.out" "$T/report.json"
check "report --json validates against the output schema" valid_json "$T/report.json"
check "report --json: counts per host" jcheck "$T/report.json" \
  "[(h['host'], h['status'], h['change_summary']['add']) for h in d['hosts']] == [('h1', 'changed', 2), ('h2', 'unchanged', 0)]"
expect_rc 0 "report of converged hosts exits 0" report h2.json
expect_rc 2 "report --format markdown" report --format markdown h1.json h2.json
check "markdown: a table of hosts" out_has '| `h1` | changes | 2 | 0 | 0 |'
check "markdown: the changes of h1" out_has "| + | \`system.ca[\"corp\"]\` | \`${fp_c:0:16}…\` |"
expect_rc 64 "report needs plan files" tf report

# --- the CI pipelines (can't run here: parsed and checked) -------------------
for f in github-actions.yml gitlab-ci.yml; do
  check "examples/ci/$f is YAML" /usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' \
    "$SRC_DIR/examples/ci/$f"
  check "examples/ci/$f validates" grep -q 'trustform validate' "$SRC_DIR/examples/ci/$f"
  check "examples/ci/$f diffs as markdown" grep -q 'trustform diff .*--format markdown' "$SRC_DIR/examples/ci/$f"
done
check "GitHub: posts with gh pr comment" /usr/bin/python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
steps = [s for j in d["jobs"].values() for s in j["steps"]]
assert any("gh pr comment" in s.get("run", "") for s in steps)
assert "pull_request" in d[True] or "pull_request" in d.get("on", {})' "$SRC_DIR/examples/ci/github-actions.yml"
check "GitLab: posts to the merge request's notes API" /usr/bin/python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
script = "\n".join(l for j in d.values() if isinstance(j, dict) for l in j.get("script", []))
assert "merge_requests/${CI_MERGE_REQUEST_IID}/notes" in script' "$SRC_DIR/examples/ci/gitlab-ci.yml"

done_testing

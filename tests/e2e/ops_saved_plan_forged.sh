#!/usr/bin/env bash
# A saved plan is data from outside: `trustapply FILE` applies only the plan
# trustform makes now from the same configuration and state. A file whose steps
# differ (a step without its CA, an extra removal of a distro CA with a "seen"
# copied from show --json) is refused as malformed, naming the step; a plan made
# before the state moved is refused as stale; nothing changes either way.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R" with-distro; real_update_ca_chroot_like "$R" --fresh
mkdir -p "$T/cfg/cas" "$R/var/lib/trustform"
mk_ca "$T/cfg/cas/a" "/CN=Forged A"
mk_ca "$T/foreign" "/CN=Someone Else"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
stores:
  system: { type: system }
roles:
  node: { cas: [a], stores: [system] }
hosts:
  h: [node]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host h)
P=$T/plans; mkdir -p "$P"
py() { /usr/bin/python3 "$@"; }

expect_rc 2 "plan --out" tf plan "${args[@]}" --out "$P/good.plan" --detailed-exitcode
before=$(tree_sum "$R")

# 1. the add step loses its CA
py - "$P/good.plan" "$P/noca.plan" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = [s for s in d["stores"][0]["steps"] if s["op"] == "add"][0]
del st["ca"]
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 1 "a step without its CA is refused" tf apply "$P/noca.plan" </dev/null
check "malformed, naming the step" err_has 'malformed saved plan: store system, step 1: create ca "a" differs from the step the configuration makes in "ca"'
check "nothing changed" test "$before" = "$(tree_sum "$R")"
# ... and with "ca": null, or another type
for v in null 42 '"b"'; do
  py - "$P/good.plan" "$P/ca.plan" "$v" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
[s for s in d["stores"][0]["steps"] if s["op"] == "add"][0]["ca"] = json.loads(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
  expect_rc 1 "ca: $v refused" tf apply "$P/ca.plan" </dev/null
  check "ca: $v named" err_has 'create ca "a" differs from the step the configuration makes in "ca"'
done
check "nothing changed" test "$before" = "$(tree_sum "$R")"

# 2. an extra removal of a distro CA, its "seen" copied from show --json
expect_rc 0 "show --json" tf show "${args[@]}" --json
cp "$T/.out" "$T/show.json"
py - "$P/good.plan" "$P/extra.plan" "$T/show.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
show = json.load(open(sys.argv[3]))
import calendar, time
res = show["values"]["root_module"]["resources"]
v = [r["values"] for r in res if r["store"] == "system" and not r["values"]["owned"]][0]
victim = {"label": v["name"]}
seen = {"sha256": v["sha256"], "label": v["name"], "owned": False, "state": v["trust"],
        "flags": None, "where": v["entry"], "subject": v["subject"],
        "not_after": calendar.timegm(time.strptime(v["not_after"], "%Y-%m-%dT%H:%M:%SZ")),
        "siblings": v["siblings"], "fixed": v["fixed"], "can_distrust": False}
d["stores"][0]["steps"].append({"action": "delete", "op": "remove", "name": victim["label"],
    "ca": None, "reason": "because it is not in the configuration",
    "reason_code": "delete_because_no_resource_config", "detail": None, "seen": seen})
json.dump(d, open(sys.argv[2], "w"))
print(victim["label"], file=open(sys.argv[2] + ".victim", "w"))
PY
victim=$(cat "$P/extra.plan.victim")
check "the forged plan names a distro CA ($victim)" test -n "$victim"
expect_rc 1 "an extra removal is refused" tf apply "$P/extra.plan" </dev/null
check "malformed, naming the step" err_has "malformed saved plan: store system, step 2: delete ca \"$victim\" is a step the configuration does not make"
check "nothing applied" err_has "nothing was applied"
check "the distro CA is still there, nothing changed" test "$before" = "$(tree_sum "$R")"

# ... the same removal in place of the real step, and steps reordered
py - "$P/extra.plan" "$P/swap.plan" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = d["stores"][0]["steps"]
st.reverse()
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 1 "a swapped plan is refused" tf apply "$P/swap.plan" </dev/null
check "names the step" err_has "store system, step 1: delete ca \"$victim\" is not the step the configuration makes there (create ca \"a\")"
# ... a step dropped
py - "$P/good.plan" "$P/less.plan" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["stores"][0]["steps"] = []
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 1 "a plan missing a step is refused" tf apply "$P/less.plan" </dev/null
check "names the missing step" err_has 'store system: the plan lacks step 1, create ca "a"'
# ... steps that are not objects at all
echo '{}' | py -c '
import json, sys
d = json.load(open(sys.argv[1])); d["stores"][0]["steps"] = [7, "x", None]
json.dump(d, open(sys.argv[2], "w"))' "$P/good.plan" "$P/junk.plan"
expect_rc 1 "junk steps are refused" tf apply "$P/junk.plan" </dev/null
check "malformed" err_has 'malformed saved plan: store system, step 1: action ?, op ?, name "?"'
check "nothing changed at all" test "$before" = "$(tree_sum "$R")"

# 3. genuinely stale: the store moved after the plan
cp "$T/foreign.pem" "$R/usr/local/share/ca-certificates/foreign.crt"
moved=$(tree_sum "$R")
expect_rc 1 "a stale plan is refused" tf apply "$P/good.plan" </dev/null
check "as stale" err_has "Saved plan is stale: these stores changed since the plan was made: system"
check "nothing changed" test "$moved" = "$(tree_sum "$R")"

# 4. a valid saved plan is applied exactly
expect_rc 2 "plan again" tf plan "${args[@]}" --out "$P/ok.plan" --detailed-exitcode
cp "$T/.out" "$T/ok.txt"
expect_rc 0 "apply the valid plan" tf apply "$P/ok.plan" </dev/null
check "the plan shown is the one saved" \
  diff <(sed -n '/^  #/,/^Plan:/p' "$T/ok.txt") <(sed -n '/^  #/,/^Plan:/p' "$T/.out")
check "applied" out_has "Apply complete! Resources: 1 added, 1 changed, 0 destroyed."
expect_rc 0 "converged" tf plan "${args[@]}" --detailed-exitcode
v=${victim##*/}
check "the distro CA is still trusted" test -e "$R/etc/ssl/certs/${v%.crt}.pem"
done_testing

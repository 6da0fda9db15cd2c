#!/usr/bin/env bash
# The store types are the registry's (stores/registry.c), and every list of
# them kept beside the code says exactly those: the loader's hint for a store
# without a type, all three places of schema/trustform.schema.json (the type
# enum, the if/then branches, the per-type definitions) and trust.yaml(5)'s
# `type` paragraph and FILES EACH STORE WRITES. Adding a type without them,
# or leaving a removed one behind, fails here. tools/gendocs writes them from
# the registry (unit/gendocs checks they are current); this checks what the
# generator makes of it.
. "$(dirname "$0")/../lib/common.sh"

SCHEMA=$SRC_DIR/schema/trustform.schema.json
sorted() { tr -d ' ' | tr ',' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }

# the registry, as the binary reports it for an unknown type
printf 'version: 1\ncas: {}\nstores:\n  s: { type: no-such-type }\nroles: {}\nhosts: {}\n' >"$T/unknown.yaml"
expect_rc 1 "an unknown type is refused" tf validate -c "$T/unknown.yaml"
registry=$(sed -n 's/.*known types: //p' "$T/.err" | sorted)
check "the registry has its types ($registry)" test "$(wc -w <<<"$registry")" -ge 9

# the loader's hint for a store without a type: the same list, and where
printf 'version: 1\ncas: {}\nstores:\n  s: { path: /x }\nroles: {}\nhosts: {}\n' >"$T/notype.yaml"
expect_rc 1 "a store without a type is refused" tf validate -c "$T/notype.yaml"
check "with its position and the fix" err_has "$T/notype.yaml:4:6: error: store \"s\" has no type; add \`type: system\` or another of the known types: "
hint=$(sed -n 's/.*another of the known types: //p' "$T/.err" | sorted)
check "the hint lists the registry's types ($hint)" test "$hint" = "$registry"

# schema/trustform.schema.json, all three places
/usr/bin/python3 - "$SCHEMA" >"$T/schema.lists" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["$defs"]
store = d["store"]
print("enum", ",".join(store["properties"]["type"]["enum"]))
print("ifthen", ",".join(b["if"]["properties"]["type"]["const"] for b in store["allOf"]))
print("defs", ",".join(v["properties"]["type"]["const"] for k, v in d.items()
                       if k.startswith("store_")))
PY
for where in enum ifthen defs; do
  got=$(sed -n "s/^$where //p" "$T/schema.lists" | sorted)
  check "schema $where lists exactly the registry's types ($got)" test "$got" = "$registry"
done
# each if/then branch refers to the definition of its own type
/usr/bin/python3 - "$SCHEMA" >"$T/schema.refs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["$defs"]
for b in d["store"]["allOf"]:
    t = b["if"]["properties"]["type"]["const"]
    ref = b["then"]["$ref"].split("/")[-1]
    if d[ref]["properties"]["type"]["const"] != t:
        print(t, "->", ref)
PY
check "every schema branch names its own type's definition" test ! -s "$T/schema.refs"

# trust.yaml(5): the `type` paragraph, and the FILES EACH STORE WRITES headings
man5=$SRC_DIR/man/trust.yaml.5
# (one `.BR <type> ,` line each, the last `.BR <type> .`; generated)
sed -n '/^\.B type$/,/^\.TP/p' "$man5" | grep '^\.BR ' | sed 's/\\-/-/g; s/^\.BR //' |
  tr '\n' ' ' | sed 's/\.//g' >"$T/man.type"
got=$(sorted <"$T/man.type")
check "trust.yaml(5) type lists exactly the registry's types ($got)" test "$got" = "$registry"
# headings: ".TP" then ".B <type> [(distro)]"; caddy is its own section, and
# "every run" is not a store
sed -n '/^\.SH "FILES EACH STORE WRITES"/,/^\.SH "EXIT STATUS"/p' "$man5" |
  sed -n '/^\.TP$/{n;s/^\.B //p}' | sed 's/\\-/-/g; s/ (.*//' |
  grep -vx 'caddy\|every run' | sort -u | tr '\n' ' ' >"$T/man.files"
got=$(cat "$T/man.files")
check "trust.yaml(5) FILES EACH STORE WRITES has exactly the registry's types ($got)" \
  test "$got" = "$registry"
done_testing

#!/usr/bin/env bash
# schema/trustform.schema.json (for editors) agrees with the C validator: it
# accepts every file in examples/, and rejects the bad fixtures that the C
# validator rejects wherever a schema can express the rule. The C validator
# rejects every bad fixture, for the reason the fixture names.
. "$(dirname "$0")/../lib/common.sh"

SCHEMA=$SRC_DIR/schema/trustform.schema.json
check_schema() { /usr/bin/python3 "$TESTS_DIR/lib/check_schema.py" "$SCHEMA" "$@"; }

for ex in "$SRC_DIR"/examples/*/trust.yaml; do
  name=${ex#"$SRC_DIR"/}
  expect_rc 0 "$name: trustform validate" tf validate -c "$ex"
  got=$(check_schema "$ex")
  check "$name: schema accepts it ($got)" grep -q ': valid$' <<<"$got"
done

mkdir -p "$T/bad/cas"; cp "$TESTS_DIR"/fixtures/bad/*.yaml "$T/bad/"
mk_ca "$T/bad/cas/good" "/CN=Good"
for f in "$T"/bad/*.yaml; do
  name=$(basename "$f")
  want=$(sed -n 's/^# expect: //p' "$f")
  expect_rc 1 "$name: C validator rejects it" tf validate -c "$f"
  check "$name: for the named reason" err_has "$want"
  got=$(check_schema "$f")
  if grep -q '^# schema: reject' "$f"; then
    check "$name: schema rejects it too ($got)" grep -q ': invalid' <<<"$got"
  else
    check "$name: beyond a schema, which accepts it ($got)" grep -q ': valid$' <<<"$got"
  fi
done

# The store types the schema knows are the ones the binary registers.
printf 'version: 1\ncas: {}\nstores:\n  s: { type: no-such-type }\nroles: {}\nhosts: {}\n' >"$T/types.yaml"
tf validate -c "$T/types.yaml" >/dev/null 2>"$T/types.err" || true
c_types=$(sed -n 's/.*known types: //p' "$T/types.err" | tr -d ' ' | tr ',' '\n' | sort | tr '\n' ' ')
schema_types=$(/usr/bin/python3 -c "import json,sys; print(' '.join(sorted(json.load(open('$SCHEMA'))['\$defs']['store']['properties']['type']['enum'])))")
check "schema store types ($schema_types) = registered types ($c_types)" \
  test "$(echo $schema_types)" = "$(echo $c_types)"
done_testing

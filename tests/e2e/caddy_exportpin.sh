#!/usr/bin/env bash
# `trustform caddy export-root` tells users what to write in the config in the
# one syntax the loader accepts (schema/pin.h): following its advice on a
# stale sha256: pin literally gives a configuration that validates; a pin
# written with spaces is recognised as the current root's; a "sha256:" prefix
# is refused by the loader with what to write instead. Its caddy: section is
# checked by the store registry, as for every other command: a relative or
# missing data_dir is named with file:line:col, never a silent exit 1; a
# configuration without a caddy: section is named with what to add.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
D=$R/var/lib/caddy/.local/share/caddy
pki=$D/pki/authorities/local
mkdir -p "$pki" "$T/cfg/cas"
mk_ca "$T/old" "/CN=Caddy Local Authority - 2025 ECC Root"
mk_ca "$T/new" "/CN=Caddy Local Authority - 2026 ECC Root"
cp "$T/new.pem" "$pki/root.crt"; cp "$T/new.key" "$pki/root.key"
cp "$T/old.pem" "$T/cfg/cas/caddy-local.pem"
old=$(fingerprint "$T/old.pem"); new=$(fingerprint "$T/new.pem")
cfg=$T/cfg/trust.yaml
write_cfg() { # pin data_dir-line
  cat >"$cfg" <<YAML
version: 1
cas:
  caddy-local: { file: cas/caddy-local.pem, caddy: local, sha256: "$1" }
stores:
  system: { type: system }
caddy:
$2
roles:
  edge: { cas: [caddy-local], stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
}
args=(-c "$cfg" --root "$R" --host edge1)
dd="  data_dir: /var/lib/caddy/.local/share/caddy"

# a stale pin: the advice, written into the config as given, loads
write_cfg "$old" "$dd"
expect_rc 0 "the config with the old root validates" tf validate -c "$cfg"
expect_rc 0 "export-root to the CA file" tf caddy export-root "${args[@]}" "$T/cfg/cas/caddy-local.pem"
check "it says the pin is the previous root's" err_has "Its sha256: pin ($cfg:3:"
check "and what to write, in the loader's syntax" err_has "update it to \`sha256: \"$new\"\`"
advice=$(sed -n 's/.*update it to `\(sha256: "[^"]*"\)`.*/\1/p' "$T/.err")
check "the advice is there to follow" test -n "$advice"
sed -i "s/sha256: \"$old\"/$advice/" "$cfg"
check "the advice is in the config" grep -qF "$advice" "$cfg"
expect_rc 0 "the config as advised validates" tf validate -c "$cfg"

# a pin with spaces (the loader accepts it) is the current root's: no advice
spaced=$(echo "$new" | sed 's/..../& /g; s/ $//' | tr a-f A-F)
write_cfg "$spaced" "$dd"
expect_rc 0 "a spaced, upper-case pin validates" tf validate -c "$cfg"
expect_rc 0 "export-root with the spaced pin" tf caddy export-root "${args[@]}" "$T/cfg/cas/caddy-local.pem"
check "nothing is said about the pin, it matches" bash -c "! grep -q 'pin' '$T/.err'"

# a sha256: prefix is not the syntax: the loader says what to write
write_cfg "sha256:$new" "$dd"
expect_rc 1 "a sha256: prefix is refused" tf validate -c "$cfg"
check "with where and what to write" err_has "$cfg:3:67: error: CA \"caddy-local\": sha256 has a \"sha256:\" prefix; write only the 64 hex digits"
expect_rc 0 "export-root still exports (only the caddy: section matters)" tf caddy export-root "${args[@]}"
check "and says what to write instead" err_has "update it to \`sha256: \"$new\"\`"

# the caddy: section is checked by the registry, with its position
write_cfg "$new" "  data_dir: var/lib/caddy/.local/share/caddy"
expect_rc 1 "a relative data_dir" tf caddy export-root "${args[@]}"
check "is named with file:line:col" err_has "$cfg:7:13: error: caddy: data_dir must be an absolute path"
write_cfg "$new" "  ca: local"
expect_rc 1 "no data_dir" tf caddy export-root "${args[@]}"
check "is named as required" err_has "$cfg:7:3: error: caddy: data_dir is required"

# the CA's file does not exist yet: written, and recognised as that CA's file
write_cfg "$new" "$dd"
sed 's|cas/caddy-local.pem|cas/fresh.pem|' "$cfg" >"$T/cfg/fresh.yaml"
expect_rc 0 "export-root to a CA file that does not exist yet" \
  tf caddy export-root -c "$T/cfg/fresh.yaml" --root "$R" "$T/cfg/cas/fresh.pem"
check "it is written" test "$(fingerprint "$T/cfg/cas/fresh.pem")" = "$new"
check "and named as the CA's file" err_has "This is the file of CA \"caddy-local\" (caddy: local)"

# no caddy: section at all: the file and what to add
sed '/^caddy:/,/^roles:/{/^roles:/!d}; s/, caddy: true//' "$cfg" >"$T/cfg/nocaddy.yaml"
before=$(tree_sum "$T/cfg")
expect_rc 1 "export-root without a caddy: section" tf caddy export-root -c "$T/cfg/nocaddy.yaml" --root "$R" "$T/cfg/out.pem"
check "names the file and the fix" err_has "trustform: error: $T/cfg/nocaddy.yaml has no caddy: section; add one with data_dir (Caddy's data directory) and ca"
check "writes nothing" test "$before" = "$(tree_sum "$T/cfg")"
done_testing

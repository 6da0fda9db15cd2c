#!/usr/bin/env bash
# intermediate_lifetime in the Caddyfile, checked with the real Caddy 2.6.2
# from Debian's package (which does not know the option; 2.6.3 is the first):
#  - every golden output (tests/fixtures/caddy) is what Caddy parses as
#    pki > ca <id> > intermediate_lifetime: 2.6.2 refuses exactly that option
#    on exactly that line; with the option replaced by intermediate_cn (which
#    2.6.2 knows, same shape), `caddy validate` accepts the output, and
#    `caddy adapt` of output and input differ only by that pki option;
#  - trustapply writes the golden output byte for byte (no Caddy binary in
#    the sandbox root: the plan says it is not validated), keeps mode, and a
#    second plan is clean;
#  - with the real 2.6.2 as the root's Caddy, plan and apply refuse, naming
#    2.6.2 and 2.6.3, and change nothing;
#  - the lifetime is checked against Caddy's root's remaining life.
. "$(dirname "$0")/../lib/common.sh"

export XDG_DATA_HOME=$T/xdg/data XDG_CONFIG_HOME=$T/xdg/config HOME=$T/home
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$HOME"
FIX=$TESTS_DIR/fixtures/caddy
# (a space after it: a comment glued to a quoted lifetime stays a comment)
subst() { sed 's/intermediate_lifetime [^ \r#]*/intermediate_cn trustform-check /' "$1" >"$2"; }

for dir in "$FIX"/*/; do
  name=$(basename "$dir")
  [ -f "$dir/expected" ] || continue
  # an empty input (unit/caddyfile covers it): Caddy adapts nothing ("EOF")
  [ -s "$dir/Caddyfile" ] || continue
  ca=local; [ -f "$dir/params" ] && ca=$(cut -d' ' -f1 "$dir/params")
  W=$T/golden/$name; mkdir -p "$W"; cp -r "$dir"/. "$W/"
  if ! cmp -s "$dir/Caddyfile" "$dir/expected"; then
    cp "$dir/expected" "$W/Caddyfile.new"
    line=$(grep -n 'intermediate_lifetime' "$W/Caddyfile.new" | tail -1 | cut -d: -f1)
    caddy validate --config "$W/Caddyfile.new" --adapter caddyfile >"$W/v.out" 2>&1 || true
    check "$name: Caddy 2.6.2 refuses only the new option, at line $line" \
      grep -q "Caddyfile.new:$line - Error during parsing: unrecognized pki ca option 'intermediate_lifetime'" "$W/v.out"
  fi
  # both adapted from the same path: the config names its own file (file_server hides it)
  subst "$dir/Caddyfile" "$W/Caddyfile.check"
  caddy adapt --config "$W/Caddyfile.check" --adapter caddyfile >"$W/in.json" 2>/dev/null
  subst "$dir/expected" "$W/Caddyfile.check"
  check "$name: the output with a 2.6.2 option in its place is valid" \
    caddy validate --config "$W/Caddyfile.check" --adapter caddyfile
  caddy adapt --config "$W/Caddyfile.check" --adapter caddyfile >"$W/out.json" 2>/dev/null
  check "$name: adapted, the output differs from the input only by the pki option" \
    /usr/bin/python3 "$TESTS_DIR/lib/caddy_adapt_cmp.py" "$W/in.json" "$W/out.json" "$ca"
done

# --- through trustapply -----------------------------------------------------------
R=$T/root; mk_root "$R"; mkdir -p "$R/etc/caddy" "$R/var/lib/caddy/.local/share/caddy"
cp "$FIX/global-comments/Caddyfile" "$R/etc/caddy/Caddyfile"; chmod 0640 "$R/etc/caddy/Caddyfile"
mkdir -p "$T/cfg"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas: {}
stores:
  system: { type: system }
caddy:
  data_dir: /var/lib/caddy/.local/share/caddy
  caddyfile: /etc/caddy/Caddyfile
  ca: local
  intermediate_lifetime: 43800h
roles:
  edge: { stores: [system], caddy: true }
hosts:
  edge1: [edge]
YAML
args=(-c "$T/cfg/trust.yaml" --root "$R" --host edge1)
expect_rc 2 "plan: the option will be set" tf plan "${args[@]}" --detailed-exitcode
check "headline" out_has '# caddy (Caddyfile /etc/caddy/Caddyfile): intermediate_lifetime of CA "local" will be set'
check "block" out_has '~ setting "intermediate_lifetime" {'
check "value" out_has '+ value   = "43800h"'
check "order shown" out_has '3. reload Caddy: not run under --root'
check "no binary: said so" out_has 'the version is not checked and the new Caddyfile is not validated'
check "counted as a change" out_has 'Plan: 0 to add, 1 to change, 0 to destroy.'
expect_rc 0 "apply writes it" tf apply "${args[@]}" --auto-approve
check "apply says so" out_has 'caddy (Caddyfile /etc/caddy/Caddyfile): setting "intermediate_lifetime": set'
check "the written file is the golden output, byte for byte" cmp "$R/etc/caddy/Caddyfile" "$FIX/global-comments/expected"
check "mode kept" test "$(stat -c %a "$R/etc/caddy/Caddyfile")" = 640
check "no temp file left" bash -c "! ls -A '$R/etc/caddy' | grep -q tf-tmp"
expect_rc 0 "second plan is clean" tf plan "${args[@]}" --detailed-exitcode
sed -i 's/intermediate_lifetime: 43800h/intermediate_lifetime: 2628000m/' "$T/cfg/trust.yaml"
expect_rc 0 "the same duration written another way is in place" tf plan "${args[@]}" --detailed-exitcode
sed -i 's/intermediate_lifetime: 2628000m/intermediate_lifetime: 720h/' "$T/cfg/trust.yaml"
expect_rc 2 "a new value is a change" tf plan "${args[@]}" --detailed-exitcode
check "shown as from -> to" out_has '~ value   = "43800h" -> "720h"'
line=$(grep -n intermediate_lifetime "$R/etc/caddy/Caddyfile" | cut -d: -f1)
check "with the line" out_has "in /etc/caddy/Caddyfile:$line: pki { ca local"
# compare-and-swap: the file changes between plan and apply
tf plan "${args[@]}" >/dev/null
echo "# edited by hand" >>"$R/etc/caddy/Caddyfile"
expect_rc 0 "apply re-plans from the file as it is now" tf apply "${args[@]}" --auto-approve
check "the hand edit is kept" grep -q '^# edited by hand$' "$R/etc/caddy/Caddyfile"
check "the new value is in" grep -q 'intermediate_lifetime 720h' "$R/etc/caddy/Caddyfile"

# --- reload: run after a write, not when nothing changed; a failure is reported
printf '  reload: "echo reloaded >>%s/reload.log"\n' "$T" >>"$T/cfg/trust.yaml"
/usr/bin/python3 - "$T/cfg/trust.yaml" <<'PY'
import sys
p = sys.argv[1]; lines = open(p).read().splitlines(True)
reload = lines.pop()          # move the reload line into the caddy: section
i = lines.index("  intermediate_lifetime: 720h\n")
lines.insert(i + 1, reload)
open(p, "w").write("".join(lines))
PY
sed -i 's/intermediate_lifetime: 720h/intermediate_lifetime: 360h/' "$T/cfg/trust.yaml"
expect_rc 2 "plan shows the configured reload" tf plan "${args[@]}" --detailed-exitcode
check "reload in the order" out_has "3. reload Caddy: echo reloaded >>$T/reload.log"
expect_rc 0 "apply with reload" tf apply "${args[@]}" --auto-approve
check "reloaded once" test "$(cat "$T/reload.log")" = reloaded
expect_rc 0 "apply with nothing to do" tf apply "${args[@]}" --auto-approve
check "not reloaded again" test "$(wc -l <"$T/reload.log")" = 1
sed -i "s|  reload: .*|  reload: \"caddy reload --config $R/etc/caddy/Caddyfile --adapter caddyfile --address 127.0.0.1:1\"|" "$T/cfg/trust.yaml"
sed -i 's/intermediate_lifetime: 360h/intermediate_lifetime: 720h/' "$T/cfg/trust.yaml"
expect_rc 1 "a reload that fails fails the step" tf apply "${args[@]}" --auto-approve
check "and says the file is written" out_has 'failed: /etc/caddy/Caddyfile is written, but Caddy did not reload it; reload it by hand: reload Caddy: `caddy reload'
check "written" grep -q 'intermediate_lifetime 720h' "$R/etc/caddy/Caddyfile"
sed -i '/  reload: /d' "$T/cfg/trust.yaml"

# --- lint: tls_insecure_skip_verify, in imported files too -------------------------
mkdir -p "$R/etc/caddy/sites"
printf 'import sites/*.caddy\n' >>"$R/etc/caddy/Caddyfile"
printf 'up.internal {\n\treverse_proxy https://10.0.0.7 {\n\t\ttransport http {\n\t\t\ttls_insecure_skip_verify\n\t\t}\n\t}\n}\n' \
  >"$R/etc/caddy/sites/up.caddy"
expect_rc 0 "lint does not change the exit code" tf plan "${args[@]}" --detailed-exitcode
check "reported as insecure, with file and line" out_has 'insecure: /etc/caddy/sites/up.caddy:4: tls_insecure_skip_verify turns off certificate checks'
check "with the alternative Caddy 2.11 recommends" out_has 'Trust the upstream'"'"'s CA instead with tls_trust_pool file <file> in the same transport block (Caddy 2.8 and later; tls_trusted_ca_certs <file> before, which Caddy 2.11 calls deprecated)'
check "and the store that keeps that file" out_has 'a pem-bundle store can keep that file'

# --- the real Caddy 2.6.2 as the root's Caddy: refused ----------------------------
mkdir -p "$R/usr/bin"; ln /usr/bin/caddy "$R/usr/bin/caddy" 2>/dev/null || cp /usr/bin/caddy "$R/usr/bin/caddy"
sed -i 's/intermediate_lifetime: 720h/intermediate_lifetime: 168h/' "$T/cfg/trust.yaml"
before=$(tree_sum "$R")
expect_rc 1 "plan refuses on Caddy 2.6.2" tf plan "${args[@]}"
check "names the installed version" err_has "/usr/bin/caddy: 2.6.2)"
check "names the first version that knows it" err_has "Caddy 2.6.3 is the first that does"
check "says what to do" err_has "Upgrade Caddy to 2.6.3 or later, or remove caddy.intermediate_lifetime"
expect_rc 1 "apply refuses too" tf apply "${args[@]}" --auto-approve
check "nothing changed" test "$before" = "$(tree_sum "$R")"
check "and Caddy itself agrees: it refuses the option" bash -c \
  "caddy validate --config '$R/etc/caddy/Caddyfile' --adapter caddyfile 2>&1 | grep -q \"unrecognized pki ca option 'intermediate_lifetime'\""
sed -i 's/intermediate_lifetime: 168h/intermediate_lifetime: 720h/' "$T/cfg/trust.yaml"
expect_rc 1 "in place already: not 'No changes', an error (also with --detailed-exitcode)" tf plan "${args[@]}" --detailed-exitcode
check "the error names the file and Caddy's message" out_has "Error: caddy (Caddyfile /etc/caddy/Caddyfile): trust will not take effect: \`$R/usr/bin/caddy validate\` rejects /etc/caddy/Caddyfile (adapting config using caddyfile: parsing caddyfile tokens for 'pki': /etc/caddy/Caddyfile:"
check "with the option Caddy refuses" out_has "unrecognized pki ca option 'intermediate_lifetime'"
check "never 'No changes'" bash -c "! grep -qF 'No changes. Trust' '$T/.out'"
rm "$R/usr/bin/caddy"

# --- the lifetime against the root's remaining life --------------------------------
pki=$R/var/lib/caddy/.local/share/caddy/pki/authorities/local; mkdir -p "$pki"
mk_ca "$T/root10" "/CN=Caddy Local Authority - 2026 ECC Root" 3650
cp "$T/root10.pem" "$pki/root.crt"
sed -i 's/intermediate_lifetime: 720h/intermediate_lifetime: 100000h/' "$T/cfg/trust.yaml"
expect_rc 1 "a lifetime beyond the root's is refused" tf plan "${args[@]}"
check "says why" err_has "is not below what is left of Caddy's root"
sed -i 's/intermediate_lifetime: 100000h/intermediate_lifetime: 50000h/' "$T/cfg/trust.yaml"
expect_rc 0 "more than half of it: a warning" tf plan "${args[@]}"
check "the warning" out_has "intermediate_lifetime 50000h is not well below what is left of Caddy's root"
sed -i 's/intermediate_lifetime: 50000h/intermediate_lifetime: 8760h/' "$T/cfg/trust.yaml"
expect_rc 0 "well below: no warning" tf plan "${args[@]}"
check "no warning" bash -c "! grep -q 'not well below' '$T/.out'"
done_testing

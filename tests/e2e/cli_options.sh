#!/usr/bin/env bash
# The command line of SPEC §1: commands, options, exit codes, argv[0]
# dispatch, --target, colour rules, host defaults, show and version.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
mkdir -p "$T/cfg/cas"
mk_ca "$T/cfg/cas/a" "/CN=Option A"
mk_ca "$T/cfg/cas/foreign" "/CN=Foreign One"
cp "$T/cfg/cas/foreign.pem" "$R/usr/local/share/ca-certificates/foreign.crt"
cat >"$T/cfg/trust.yaml" <<'YAML'
version: 1
cas:
  a: { file: cas/a.pem }
stores:
  system: { type: system }
  other: { type: system }
roles:
  node: { cas: [a], stores: [system] }
  spare: { cas: [a], stores: [other] }
hosts:
  web1: [node]
  "db-*": [spare]
YAML
cfg=$T/cfg/trust.yaml

# usage errors exit 64
expect_rc 64 "no command" tf
expect_rc 64 "unknown command" tf frobnicate
check "names the unknown command" err_has 'unknown command "frobnicate"'
expect_rc 64 "unknown option" tf plan --frob
check "names the unknown option" err_has '"--frob"'
# a typo gets "did you mean", as keys and enum values of the file do
expect_rc 64 "option typo" tf plan --detailed-exit-code
check "  did you mean --detailed-exitcode" err_has 'unknown option "--detailed-exit-code"; did you mean "--detailed-exitcode"?'
expect_rc 64 "option typo with a value" tf plan --lock-timout=3
check "  did you mean --lock-timeout" err_has 'did you mean "--lock-timeout"?'
expect_rc 64 "known option without its argument: no guess" tf plan --root
check "  no suggestion" bash -c '! grep -q "did you mean" "$1"' _ "$T/.err"
expect_rc 64 "command typo" tf plna
check "  did you mean plan" err_has 'unknown command "plna"; did you mean "plan"?'
check "  none for a word far from every command" bash -c 'tf() { "$TRUSTFORM" "$@"; }; ! tf frobnicate 2>&1 | grep -q "did you mean"'
expect_rc 64 "bad lock timeout" tf plan --lock-timeout soon
expect_rc 64 "stray argument" tf plan -c "$cfg" extra
expect_rc 0 "help" tf --help
check "help lists the commands" out_has "validate   check the configuration"

# each command has its own options (its table): --help shows them, and an
# option of another command is refused with the command's usage
expect_rc 0 "plan --help" tf plan --help
check "  plan's usage" out_has "usage: trustform plan [options]"
check "  plan's own option" out_has "--detailed-exitcode"
check "  not apply's" bash -c '! grep -q -- "--auto-approve" "$1"' _ "$T/.out"
ln -s "$TRUSTFORM" "$T/trustplan"
expect_rc 0 "trustplan --help" "$T/trustplan" --help
check "  is plan's" out_has "--prometheus FILE"
expect_rc 0 "caddy export-root --help" tf caddy export-root --help
check "  its usage" out_has "usage: trustform caddy export-root [options] [FILE]"
check "  no --target" bash -c '! grep -q -- "--target" "$1"' _ "$T/.out"
expect_rc 0 "help COMMAND" tf help report
check "  report's usage" out_has "usage: trustform report"
expect_rc 64 "an option of another command" tf show -c "$cfg" --out "$T/x.plan"
check "  says who takes it" err_has '"--out" is not an option of this command (plan takes it)'
check "  with the command's usage" err_has "usage: trustform show [options]"
expect_rc 64 "--detailed-exitcode is plan's" tf apply -c "$cfg" --detailed-exitcode
expect_rc 64 "--target is not validate's" tf validate -c "$cfg" --target system
expect_rc 64 "a typo of the command's own option" tf report --fromat json x.json
check "  did you mean --format" err_has 'did you mean "--format"?'

# version names every library
expect_rc 0 "version" tf version
for lib in trustform OpenSSL NSS libyaml libgit2; do check "version: $lib" out_has "$lib"; done

# the host: --host, else <root>/etc/hostname, else the FQDN's short name
echo "web1" >"$R/etc/hostname"
expect_rc 0 "host from <root>/etc/hostname" tf plan -c "$cfg" --root "$R"
check "uses web1" out_has "host web1 · roles node"
echo "web1.corp.example" >"$R/etc/hostname"
expect_rc 0 "FQDN falls back to the short name" tf plan -c "$cfg" --root "$R"
check "uses web1 for the FQDN" out_has "host web1 · roles node"
expect_rc 1 "explicit --host must match" tf plan -c "$cfg" --root "$R" --host web1.corp.example
expect_rc 0 "glob host" tf plan -c "$cfg" --root "$R" --host db-7
check "glob picks role spare" out_has "roles spare"

# --target limits the stores; an unknown or unused store is an error
expect_rc 0 "--target" tf plan -c "$cfg" --root "$R" --host web1 --target system
expect_rc 1 "--target unknown store" tf plan -c "$cfg" --root "$R" --host web1 --target nope
check "names the target" err_has "--target nope: no store of that name"
expect_rc 1 "--target store the host does not use" tf plan -c "$cfg" --root "$R" --host web1 --target other
check "explains" err_has 'host "web1" does not use that store'

# no colour in pipes; NO_COLOR and --no-color are honoured on a terminal too
expect_rc 0 "plan in a pipe" tf plan -c "$cfg" --root "$R" --host web1
check "no escape codes in a pipe" bash -c "! grep -q $'\e' '$T/.out'"
if command -v script >/dev/null; then
  script -qec "env -u NO_COLOR $TRUSTFORM plan -c $cfg --root $R --host web1" /dev/null >"$T/tty.out" 2>&1 || true
  check "colour on a terminal" grep -q $'\e\[' "$T/tty.out"
  script -qec "NO_COLOR=1 $TRUSTFORM plan -c $cfg --root $R --host web1" /dev/null >"$T/tty2.out" 2>&1 || true
  check "NO_COLOR on a terminal" bash -c "! grep -q $'\e\[3' '$T/tty2.out'"
  script -qec "env -u NO_COLOR $TRUSTFORM plan --no-color -c $cfg --root $R --host web1" /dev/null >"$T/tty3.out" 2>&1 || true
  check "--no-color on a terminal" bash -c "! grep -q $'\e\[3' '$T/tty3.out'"
  # on a terminal apply asks; anything but yes cancels
  (sleep 1; echo no) | script -qec "$TRUSTFORM apply -c $cfg --root $R --host web1" /dev/null \
    >"$T/tty4.out" 2>&1 || true
  check "apply asks on a terminal" grep -q "Only 'yes' will be accepted" "$T/tty4.out"
  check "anything but yes cancels" grep -q "Apply cancelled." "$T/tty4.out"
  check "cancel changed nothing" test ! -d "$R/usr/local/share/ca-certificates/trustform"
fi

# show: managed and foreign
expect_rc 0 "apply" tf apply -c "$cfg" --root "$R" --host web1 --auto-approve
expect_rc 0 "show" tf show -c "$cfg" --root "$R" --host web1
check "show lists the managed CA" out_has "managed by trustform (1):"
check "show lists the foreign CA" out_has "foreign (1):"
check "show names the foreign file" out_has "/usr/local/share/ca-certificates/foreign.crt"
check "show gives subjects" out_has "CN=Foreign One"

# plan shares the run lock read-only: a user who cannot write the lock file
# (here nobody, after root's apply made it) can still plan
chmod 755 "$T"
expect_rc 0 "plan as an unprivileged user" setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$TRUSTFORM" plan -c "$cfg" --root "$R" --host web1 --detailed-exitcode

# validate reads no store; with --host it says what the host gets
expect_rc 0 "validate" tf validate -c "$cfg"
check "validate summary" out_has "is valid: 1 CA(s), 2 store(s), 2 role(s), 2 host entries"
expect_rc 0 "validate --host" tf validate -c "$cfg" --host db-1
check "validate --host lists stores" out_has "host db-1: roles spare; stores other"

# the default config: ./trust.yaml, then <root>/etc/trustform/trust.yaml
(cd "$T/cfg" && "$TRUSTFORM" validate) >"$T/.out" 2>&1
check "finds ./trust.yaml" out_has "trust.yaml is valid"
mkdir -p "$R/etc/trustform/cas"; cp "$cfg" "$R/etc/trustform/trust.yaml"
cp "$T/cfg/cas/a.pem" "$R/etc/trustform/cas/"
(cd "$T" && "$TRUSTFORM" validate --root "$R") >"$T/.out" 2>&1
check "finds <root>/etc/trustform/trust.yaml" out_has "$R/etc/trustform/trust.yaml is valid"

# an unsupported distro is a clear per-store error, not a guess
printf 'ID=gentoo\n' >"$R/etc/os-release"
expect_rc 1 "unsupported distro" tf plan -c "$cfg" --root "$R" --host web1
check "says not supported" err_has 'distribution "gentoo"'
rm "$R/etc/os-release"
expect_rc 1 "no os-release" tf plan -c "$cfg" --root "$R" --host web1
check "asks for distro:" err_has "set \`distro:\` on the system store"
# --root relative to the working directory, with a trailing slash: the same tree
R2=$T/rel/root; mk_root "$R2"
expect_rc 0 "apply with a relative --root" bash -c "cd '$T/rel' && '$TRUSTFORM' apply -c '$cfg' --root ./root/ --host web1 --auto-approve"
expect_rc 0 "then the absolute --root is clean" tf plan -c "$cfg" --root "$R2" --host web1 --detailed-exitcode
done_testing

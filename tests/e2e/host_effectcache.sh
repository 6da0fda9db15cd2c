#!/usr/bin/env bash
# The truststore check (the venv's own python, run in the sid test host by
# chroot) is not run again while nothing that decides its answer changed
# (the effect cache): its runs are counted with strace (execve of the venv's
# bin/python). A second plan with nothing changed runs it 0 times, and prints
# what the full run printed; each input changed once makes the next plan run
# it again: the interpreter (touched; replaced by a copy), a libpython beside
# it (new, then touched), pyvenv.cfg, the trustform .pth, another .pth, a
# sitecustomize.py in the venv, truststore's package files (the system's, the
# venv being --system-site-packages), certifi's in the venv, and the system
# CA bundle truststore loads (an apply of the system store). apply always
# runs it; TRUSTFORM_READ_CACHE=off too.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
command -v strace >/dev/null || { echo "strace is not installed (scripts/deps.txt)"; exit 1; }
testhost_up
echo "test host: $(host_versions)"

in_host python3 -m venv --system-site-packages /opt/app/.venv
site=$(echo "$H"/opt/app/.venv/lib/python3*/site-packages)
C=$T/cfg; mkdir -p "$C/cas"
mk_ca "$C/cas/corp" "/CN=Corp Root"
mk_ca "$C/cas/other" "/CN=Other Root"
cat >"$C/trust.yaml" <<'YAML'
version: 1
cas:
  corp: { file: cas/corp.pem }
stores:
  system: { type: system }
  app: { type: python, venv: /opt/app/.venv, mode: truststore }
roles:
  node: { cas: [corp], stores: [system, app] }
hosts:
  h: [node]
YAML
args=(-c "$C/trust.yaml" --root "$H" --host h)

# runs CMD...: how many times CMD started the venv's python (the check)
runs() {
  strace -f -qq -e trace=execve -e signal=none -o "$T/strace" "$@" >"$T/.out" 2>"$T/.err" || true
  grep -c 'execve("/opt/app/.venv/bin/python", ' "$T/strace" || true
}
plan_runs() { runs "$TRUSTFORM" plan "${args[@]}"; }
is() { [ "$1" = "$2" ] || { echo "  got \"$1\", wanted \"$2\"" >&2; sed 's/^/  out: /' "$T/.out" >&2; sed 's/^/  err: /' "$T/.err" >&2; return 1; }; }

check "apply runs the check" test "$(runs "$TRUSTFORM" apply "${args[@]}" --auto-approve)" -ge 1
check "first plan after apply: runs it" is "$(plan_runs)" 1
check "  the plan is clean, the effect checked" bash -c 'grep -q "^No changes\." "$1" && ! grep -q "NOT checked" "$1"' _ "$T/.out"
cp "$T/.out" "$T/first.out"
check "second plan, nothing changed: not run" is "$(plan_runs)" 0
check "  and prints what the full run printed" cmp "$T/first.out" "$T/.out"
check "apply with nothing to do: runs it (apply never uses the cache)" \
  test "$(runs "$TRUSTFORM" apply "${args[@]}" --auto-approve)" -ge 1
check "TRUSTFORM_READ_CACHE=off: runs it" is "$(runs env TRUSTFORM_READ_CACHE=off "$TRUSTFORM" plan "${args[@]}")" 1
check "cache on again: not run" is "$(plan_runs)" 0

# changed INPUT-DESCRIPTION: the next plan runs the check once, the one after not
changed() {
  check "$1: runs again" is "$(plan_runs)" 1
  check "$1: then not" is "$(plan_runs)" 0
}
py=$(readlink -f "$H/usr/bin/python3")
py=$H/usr/bin/$(basename "$py")
touch "$py"; changed "the interpreter touched"
cp -p "$py" "$T/py.copy"; mv "$T/py.copy" "$py"; changed "the interpreter replaced by a copy"
lib=$H/usr/lib/x86_64-linux-gnu/libpython3.14.so.1.0
[ -e "$lib" ] || { : >"$lib"; changed "a libpython appears"; }
touch "$lib"; changed "libpython touched"
printf '# trustform test\n' >>"$H/opt/app/.venv/pyvenv.cfg"; changed "pyvenv.cfg"
printf 'import sys\n' >"$site/zz-other.pth"; changed "another .pth in the venv"
printf '# site customization\n' >"$site/sitecustomize.py"; changed "a sitecustomize.py in the venv"
touch "$H/usr/lib/python3/dist-packages/truststore/__init__.py"; changed "truststore's files (the system's)"
mkdir -p "$site/certifi"; printf '' >"$site/certifi/__init__.py"; changed "certifi in the venv"
printf '# x\n' >>"$site/trustform-truststore.pth"
check "the trustform .pth changed: runs again" is "$(plan_runs)" 1
expect_rc 0 "apply puts the .pth back" tf apply "${args[@]}" --auto-approve
check "  then the next plan runs it (the .pth changed back)" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0

# the system CA bundle truststore loads, changed by another tool
b=$H/etc/ssl/certs/ca-certificates.crt
cp -p "$b" "$T/bundle"; cat "$C/cas/other.pem" >>"$b"
check "the system bundle changed: runs again" is "$(plan_runs)" 1
check "  then not" is "$(plan_runs)" 0
cp -p "$T/bundle" "$b"
check "the bundle back as it was: runs again" is "$(plan_runs)" 1
check "  the plan is clean" grep -q '^No changes\.' "$T/.out"
check "  then not" is "$(plan_runs)" 0
done_testing

#!/usr/bin/env bash
# SPEC §4: long work (many databases) shows progress on a terminal, and never
# in pipes. Three users' databases, applied once under a pseudo-terminal
# (script(1)) and once with stderr a pipe.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
nss_three_users "$R" 4300
cp -a "$R" "$T/root2"
cmd="$TRUSTFORM apply -c $T/cfg/trust.yaml --root $R --host h --auto-approve"
script -qec "$cmd" /dev/null >"$T/tty.out" 2>&1
check "on a terminal: reading progress" grep -q 'reading browsers\[u2 chrome\] (2/3)' "$T/tty.out"
check "on a terminal: applying progress" grep -q 'applying browsers\[u3 chrome\] (3/3)' "$T/tty.out"
check "the line is erased after" grep -q $'\r\033\\[K' "$T/tty.out"
check "applied" test "$(nss_trust "$R/home/u3/.pki/nssdb" trustform-corp)" = "C,,"
expect_rc 0 "in a pipe" tf apply -c "$T/cfg/trust.yaml" --root "$T/root2" --host h --auto-approve
check "no progress on stderr" bash -c "! grep -q 'reading\|applying' '$T/.err'"
check "no terminal codes at all" bash -c "! grep -q $'\r\|\033' '$T/.out' '$T/.err'"
done_testing

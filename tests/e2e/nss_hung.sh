#!/usr/bin/env bash
# A database's NSS process that never answers cannot hang root's run (which
# holds the lock): the process runs as the database's owner, who can stop it
# (kill -STOP), as a hung network home would. Three users' databases; the test
# stops the process reading u2's with a real SIGSTOP (found in /proc: the
# run's child running as u2). With TRUSTFORM_NSS_TIMEOUT=5 the plan ends: u2's
# database failed, with a message naming it and what to check, the stopped
# process killed and reaped, u1's and u3's planned as usual.
. "$(dirname "$0")/../lib/common.sh"

R=$T/root; mk_root "$R"
nss_three_users "$R" 4310

# Run trustform (the arguments), and stop its first child running as UID as
# soon as it shows in /proc/PID/task/PID/children (a plan takes tens of
# milliseconds: the loop reads one file). Prints the stopped pid once it is
# stopped (state T), or "missed" when the child had already exited (then the
# run is repeated), and trustform's exit status.
cat >"$T/stopper.py" <<'PY'
import os, signal, subprocess, sys
uid = int(sys.argv[1])
out, err = open(sys.argv[2], "w"), open(sys.argv[3], "w")
run = subprocess.Popen(sys.argv[4:], stdout=out, stderr=err)
kids, stopped, seen = "/proc/%d/task/%d/children" % (run.pid, run.pid), "missed", set()
while stopped == "missed" and run.poll() is None:
    try:
        pids = open(kids).read().split()
    except OSError:
        break
    for p in pids:
        if p in seen:
            continue
        try:
            status = open("/proc/%s/status" % p).read()
        except OSError:
            continue
        line = [l for l in status.splitlines() if l.startswith("Uid:")]
        if not line or int(line[0].split()[1]) != uid:
            continue  # not yet (it runs as the owner after setuid), or another's
        seen.add(p)
        state = "gone"
        try:
            os.kill(int(p), signal.SIGSTOP)
            # the stop takes effect when it is next scheduled: wait for it
            while True:
                state = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[0]
                if state in "TtZX":
                    break
                os.sched_yield()
        except OSError:
            pass  # it ended first
        if state == "T":
            stopped = p
        break
print(stopped, run.wait())
PY

stopped=missed
for attempt in 1 2 3 4 5 6 7 8; do
  read -r stopped rc < <(TRUSTFORM_NSS_TIMEOUT=5 python3 "$T/stopper.py" 4312 "$T/.out" "$T/.err" \
    "$TRUSTFORM" plan -c "$T/cfg/trust.yaml" --root "$R" --host h)
  [ "$stopped" != missed ] && break
done
check "the test stopped u2's NSS process (attempts: $attempt)" test "$stopped" != missed
check "the plan ended, with exit status 1" test "$rc" = 1
check "u2's database failed, named, with what to check" \
  err_has "browsers[u2 chrome]: the NSS process for /home/u2/.pki/nssdb did not answer within 5 s (TRUSTFORM_NSS_TIMEOUT); it was killed: check who stops it"
check "the stopped process was killed and reaped" test ! -e "/proc/$stopped"
check "u1's database planned" out_has "# browsers[u1 chrome]: corp will be added"
check "u3's database planned" out_has "# browsers[u3 chrome]: corp will be added"
check "the others did not fail" bash -c "! grep -q 'u1 chrome\|u3 chrome' '$T/.err'"
done_testing

"""apply_meanwhile.py EDIT ARGV...: run ARGV (a trustapply) on a terminal;
while it waits for "yes", run the shell command EDIT (someone changes the
store behind the plan), then answer yes. Prints what ARGV printed and exits
with its status."""
import os
import pty
import subprocess
import sys
import time

edit, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b""
deadline = time.time() + 60  # a hang guard: apply asks at once
while b"Enter a value:" not in out and time.time() < deadline:
    try:
        out += os.read(fd, 4096)
    except OSError:
        break
subprocess.run(["sh", "-c", edit], check=True)
os.write(fd, b"yes\n")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))

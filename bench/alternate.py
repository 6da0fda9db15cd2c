#!/usr/bin/env python3
"""Time several commands side by side: RUNS rounds, each running every command
once in turn (so a load that comes and goes hits them alike), with their output
discarded. Prints one line per command: its median wall time and the median
CPU time (user + system) of it and its children, in microseconds, from wait4.

    alternate.py RUNS -- CMD1 ARGS... -- CMD2 ARGS... [-- ...]
"""
import os
import statistics
import subprocess
import sys
import time


def run(cmd):
    t0 = time.monotonic_ns()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    wall = (time.monotonic_ns() - t0) // 1000
    p.returncode = 0  # reaped here: keep Popen from waiting again
    return wall, int((ru.ru_utime + ru.ru_stime) * 1e6)


def main():
    runs = int(sys.argv[1])
    cmds, cur = [], None
    for a in sys.argv[2:]:
        if a == "--":
            cur = []
            cmds.append(cur)
        else:
            cur.append(a)
    walls = [[] for _ in cmds]
    cpus = [[] for _ in cmds]
    for _ in range(runs):
        for i, c in enumerate(cmds):
            w, u = run(c)
            walls[i].append(w)
            cpus[i].append(u)
    for i in range(len(cmds)):
        print(int(statistics.median(walls[i])), int(statistics.median(cpus[i])))


if __name__ == "__main__":
    main()

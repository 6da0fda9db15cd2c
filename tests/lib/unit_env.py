#!/usr/bin/python3
"""Run a command with exactly the environment a systemd unit gives its service.

    unit_env.py ROOT UNIT [--print] [-- CMD ARGS...]

The unit file and its drop-ins, in systemd's order, come from the real peer
`systemd-analyze --root=ROOT cat-config systemd/system/UNIT` (systemd 252's
`systemctl cat` refuses --root). Their [Service] Environment=, EnvironmentFile=
and UnsetEnvironment= lines are applied as systemd does (environment files
after Environment=, UnsetEnvironment= last). The command gets that environment
plus PATH and HOME only: nothing of the caller's environment leaks in.
"""
import os, shlex, subprocess, sys

def files_of(root, unit):
    out = subprocess.run(["systemd-analyze", "--root=" + root, "cat-config",
                          "systemd/system/" + unit], check=True, capture_output=True,
                         text=True).stdout
    files, cur = [], None
    for line in out.splitlines():
        if line.startswith("# " + root + "/"):
            cur = [line[2:], []]
            files.append(cur)
        elif cur is not None:
            cur[1].append(line)
    return files

def logical_lines(lines):
    buf = ""
    for line in lines:
        s = line.strip()
        if s.startswith("#") or s.startswith(";"):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        yield buf + s
        buf = ""
    if buf:
        yield buf

def unit_environment(root, unit):
    env, fileenv, unset = {}, {}, []
    for path, lines in files_of(root, unit):
        section = None
        for l in logical_lines(lines):
            if l.startswith("["):
                section = l
                continue
            if section != "[Service]" or "=" not in l:
                continue
            key, val = (x.strip() for x in l.split("=", 1))
            if key == "Environment":
                if not val:
                    env.clear()
                for w in shlex.split(val):
                    k, _, v = w.partition("=")
                    env[k] = v
            elif key == "UnsetEnvironment":
                unset += shlex.split(val)
            elif key == "EnvironmentFile":
                if not val:
                    fileenv.clear()
                    continue
                p = val.lstrip("-")
                try:
                    text = open(root + p).read()
                except OSError:
                    continue
                for fl in text.splitlines():
                    fl = fl.strip()
                    if fl and fl[0] not in "#;" and "=" in fl:
                        k, v = fl.split("=", 1)
                        fileenv[k.strip()] = " ".join(shlex.split(v))
    env.update(fileenv)
    for u in unset:
        k, eq, v = u.partition("=")
        if k in env and (not eq or env[k] == v):
            del env[k]
    return env

def main():
    root, unit, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    env = unit_environment(root, unit)
    if rest and rest[0] == "--print":
        for k in sorted(env):
            print("%s=%s" % (k, env[k]))
        rest = rest[1:]
    if rest and rest[0] == "--":
        full = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/nonexistent"}
        full.update(env)
        os.execvpe(rest[1], rest[1:], full)

main()

#!/usr/bin/env python3
"""Layers that only point down, and no files calling each other (issue 19).

The floors, bottom up: util, model (certificates, trust sets, the step types
that engine and stores share), schema (the file), stores, engine (plan, diff,
apply, check), app (run, render, saved plans, report, fleet diff, metrics,
drift), cli. A file may include and call only what stands on its own floor or
below.

Two graphs are checked:
  - includes: every `#include "x/y.h"` of a source file;
  - calls: every symbol an object file uses (nm's undefined symbols) mapped to
    the object that defines it, so a call through a private _int.h, or through
    a prototype written by hand, counts the same as one through a header (a
    private header does not excuse a circle: its files are counted one by one).
An edge pointing up a floor fails; so does a circle of calls between two or
more object files (a split that left halves calling each other). And below
cli/ nothing prints to a terminal or ends the program: an object under cli/'s
floor that uses stdout, stderr, exit() or printf() and the like fails (a
stream the CLI passes in is fine; _exit() in a forked child is not an exit
code of the program).
And outside stores/ nothing decides by a store type's name: a string
comparison of a variable or field named `type` (cs->type, conf->type, ...)
with the name of a registered type ("system", "nss", ...) fails; the engine
asks the type's registration instead (struct store_type's readers,
store_reads), so that a new type is one file plus one registry line.

Usage: layers.py SOURCE_DIR BUILD_DIR. Prints each offending edge (file ->
file, and the symbols for calls) and exits 1; exits 0 when clean. ALLOWED
below lists edges still pointing up, each with why; an entry no longer needed
fails too, so that the list only shrinks.
"""
import os
import re
import subprocess
import sys

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
FLOORS = ["util", "model", "schema", "stores", "engine", "app", "cli"]
# reconcile/ holds two floors: the engine, and the application around it.
APP = re.compile(
    r"^reconcile/(run|render|render_json|render_json_values|render_json_int|planfile"
    r"|planfile_bind|planfile_check|planfile_int|report|fleetdiff|fleetdiff_render"
    r"|report_rotation|rotation_render|metrics|drift|check_render)\.[ch]$"
)

# Edges still pointing up, each with why; (kind, from, to) -> reason. kind is
# "include" or "call"; from and to are source paths.
ALLOWED = {}

# Circles of calls still there, as the sorted tuple of their files -> reason.
ALLOWED_CIRCLES = {}


# Below cli/: who still writes to the terminal itself, source path -> reason.
ALLOWED_TERMINAL = {
    # Out of memory: the message before abort() has no one else to say it.
    "util/xalloc.c": "the out-of-memory message before abort()",
}
TERMINAL = {"stdout", "stderr", "exit", "printf", "vprintf", "puts", "putchar", "perror"}


# A store type's registration: `const struct store_type store_type_x = {`,
# then its `.name = "x"`.
TYPE_DEF = re.compile(r'const\s+struct\s+store_type\s+\w+\s*=\s*\{[^}]*?\.name\s*=\s*"([^"]+)"', re.S)
# strcmp/strncmp/strcasecmp of something named ...type with a string literal,
# either way round.
TYPE_CMP = re.compile(
    r'\bstr(?:n?case)?n?cmp\s*\(\s*(?:[\w.>\[\]-]*\btype\s*,\s*"([^"]*)"'
    r'|"([^"]*)"\s*,\s*[\w.>\[\]-]*\btype\b)'
)


def type_names(root):
    names = set()
    for d, _, files in os.walk(os.path.join(root, "stores")):
        for f in files:
            if f.endswith(".c"):
                with open(os.path.join(d, f), encoding="utf-8", errors="replace") as fh:
                    names.update(TYPE_DEF.findall(fh.read()))
    return names


def type_name_tests(root):
    """Each comparison of a `type` with a registered type's name outside stores/."""
    names, found = type_names(root), []
    if not names:
        return ["layers: no store type registrations found under stores/"]
    for path in sources(root):
        if path.startswith("stores/"):
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
            for no, line in enumerate(fh, 1):
                for m in TYPE_CMP.finditer(line):
                    lit = m.group(1) if m.group(1) is not None else m.group(2)
                    if lit in names:
                        found.append(
                            f"type name compared outside stores/: {path}:{no}: "
                            f'"{lit}" ({m.group(0).strip()}...); ask the type instead '
                            "(its readers in stores/store.h, store_reads)"
                        )
    return found


def floor(path):
    top = path.split("/", 1)[0]
    if top == "reconcile":
        return FLOORS.index("app") if APP.match(path) else FLOORS.index("engine")
    return FLOORS.index(top) if top in FLOORS else None


def sources(root):
    for top in ("util", "model", "schema", "stores", "reconcile", "cli"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def include_edges(root):
    edges = {}
    for path in sources(root):
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
            for inc in INC.findall(fh.read()):
                if floor(inc) is not None:
                    edges.setdefault((path, inc), set())
    return edges


def objects(root, build):
    """Object file -> its source path, for the library and the program (objects
    left behind by a source file since removed are not looked at)."""
    out = {}
    for target in ("trustform_core.dir", "trustform.dir"):
        base = os.path.join(build, "CMakeFiles", target)
        for d, _, files in os.walk(base):
            for f in files:
                obj = os.path.join(d, f)
                src = os.path.relpath(obj, base)[: -len(".o")]
                if f.endswith(".c.o") and os.path.exists(os.path.join(root, src)):
                    out[obj] = src
    return out


def nm(obj, *flags):
    res = subprocess.run(["nm", "-P", *flags, obj], capture_output=True, text=True, check=True)
    return [line.split()[:2] for line in res.stdout.splitlines() if line.strip()]


def call_edges(root, build):
    objs = objects(root, build)
    if not objs:
        sys.exit(f"layers: no object files under {build}/CMakeFiles: build first")
    defined, used = {}, {}
    for obj, src in objs.items():
        for name, kind in nm(obj, "--defined-only", "--extern-only"):
            if kind not in "VvWw":  # weak symbols are the toolchain's
                defined[name] = src
        used[src] = [name for name, _ in nm(obj, "--undefined-only")]
    edges = {}
    for src, names in used.items():
        for name in names:
            to = defined.get(name)
            if to and to != src:
                edges.setdefault((src, to), set()).add(name)
    return edges, used


def circles(edges):
    """Strongly connected components of more than one file (Tarjan)."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(v):
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        while work:
            u, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[u])
                if low[u] == index[u]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == u:
                            break
                    if len(comp) > 1:
                        out.append(tuple(sorted(comp)))
            elif w not in index:
                index[w] = low[w] = len(index)
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(graph[w]))))
            elif w in on:
                low[u] = min(low[u], index[w])

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def symbols(names):
    names = sorted(names)
    return ": " + ", ".join(names[:4]) + (f", … ({len(names)})" if len(names) > 4 else "")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: layers.py SOURCE_DIR BUILD_DIR")
    root, build = sys.argv[1], sys.argv[2]
    bad, seen = [], set()
    calls, used = call_edges(root, build)
    for kind, edges in (("include", include_edges(root)), ("call", calls)):
        for (a, b), names in sorted(edges.items()):
            fa, fb = floor(a), floor(b)
            if fa is None or fb is None or fb <= fa:
                continue
            seen.add((kind, a, b))
            if (kind, a, b) in ALLOWED:
                continue
            bad.append(
                f"{kind} up a floor: {a} ({FLOORS[fa]}) -> {b} ({FLOORS[fb]})"
                + (symbols(names) if names else "")
            )
    found = set()
    for comp in circles(calls):
        found.add(comp)
        if comp in ALLOWED_CIRCLES:
            continue
        inside = [(a, b) for (a, b) in sorted(calls) if a in comp and b in comp]
        bad.append(
            "circle of calls between "
            + ", ".join(comp)
            + "".join(f"\n    {a} -> {b}{symbols(calls[(a, b)])}" for a, b in inside)
        )
    talkers = set()
    for src, names in sorted(used.items()):
        said = sorted(set(names) & TERMINAL)
        if not said or floor(src) is None or floor(src) >= FLOORS.index("cli"):
            continue
        talkers.add(src)
        if src not in ALLOWED_TERMINAL:
            bad.append(f"terminal below cli/: {src} ({FLOORS[floor(src)]}) uses " + ", ".join(said))
    for src in sorted(set(ALLOWED_TERMINAL) - talkers):
        bad.append("allowed terminal user no longer one (remove it): " + src)
    for key in sorted(set(ALLOWED) - seen):
        bad.append("allowed edge no longer there (remove it from ALLOWED): " + " -> ".join(key))
    for comp in sorted(set(ALLOWED_CIRCLES) - found):
        bad.append("allowed circle no longer there (remove it): " + ", ".join(comp))
    bad.extend(type_name_tests(root))
    for line in bad:
        print(line)
    if bad:
        print(f"layers: {len(bad)} problem(s); the floors are " + " -> ".join(FLOORS))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Find include cycles between modules (issue 10).

A module is a source path without its extension (util/buf.c and util/buf.h
are util/buf; a private header X_int.h belongs to module X, as curl's
vtls_int.h does to vtls); an edge A -> B is an `#include "B.h"` in A.c or A.h. A cycle
(config.c includes store.h, registry's store.h includes config.h) means two
modules cannot be read, tested or linked one without the other. Prints each
cycle and exits 1, or exits 0. Tests and build directories are not looked at.

Folding X_int.h into X hides files of one module that call each other:
scripts/layers.py (unit/layers) checks the calls themselves, file by file.
"""
import os
import re
import sys

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
TOP = ("util", "model", "schema", "stores", "reconcile", "cli")
# Known pairs, each with why; anything else is a new cycle.
ALLOWED = {
    # ca_check.c is the CA-file half of config.c (split for size): it fills
    # struct config, and config.c calls it.
    ("schema/ca_check", "schema/config"),
}


def own(mod):
    """The module a file belongs to: X_int is X's private half."""
    return mod[:-4] if mod.endswith("_int") else mod


def modules(root):
    edges = {}
    for top in TOP:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(d, f)
                mod = own(os.path.relpath(path, root)[:-2])
                with open(path, encoding="utf-8", errors="replace") as fh:
                    for inc in INC.findall(fh.read()):
                        target = own(inc[:-2] if inc.endswith(".h") else inc)
                        if target != mod:
                            edges.setdefault(mod, set()).add(target)
                edges.setdefault(mod, set())
    return edges


def sccs(edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = n[0]
        n[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
                continue
            if w not in edges:
                continue
            if w not in index:
                index[w] = low[w] = n[0]
                n[0] += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(edges.get(w, ())))))
            elif w in on:
                low[v] = min(low[v], index[w])
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    found = [c for c in sccs(modules(root)) if tuple(c) not in ALLOWED]
    for comp in found:
        print("include cycle: " + " <-> ".join(comp))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

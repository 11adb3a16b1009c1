#!/usr/bin/env python3
"""Holds the source tree to the module map in tests/layers.txt.

Findings, one line each:
  upward    a module's file includes the header of a module of a higher layer
            (same layer is fine: the layers order dependencies, not modules);
  io        a layer-0 file includes a header whose only use is I/O, so a pure
            parser or writer cannot quietly start doing I/O;
  missing   src/<m>.c or include/<m>.h whose module has no row in the table;
  stale     a row naming a module with neither file (the map would lie).
Last line: "N passed, N failed" (one check per file and rule, one per row).

Usage: layers.py TOP
"""

import os
import re
import sys

# Headers that exist only to talk to the system.  <errno.h> is absent on
# purpose: strtol-style parsing reads errno without doing any I/O; <string.h>,
# <stdlib.h>, <math.h>, <stdint.h> ... are pure.
IO_HEADERS = {
    "stdio.h", "unistd.h", "fcntl.h", "netdb.h", "poll.h", "time.h",
    "signal.h", "dirent.h", "termios.h", "pthread.h", "spawn.h", "sched.h",
}
IO_PREFIXES = ("sys/", "arpa/", "netinet/", "linux/", "net/")

# Layer-0 files allowed one I/O header, each with the reason.  Keep it short:
# every entry is a pure module that could start doing I/O unnoticed.
IO_ALLOWED = {
    ("src/toml.c", "stdio.h"):
        "snprintf's %g in toml_float_init (only tests build floats); no stream",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def read_table(path):
    table = {}
    problems = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3 or parts[1] not in "01234" or len(parts[1]) != 1:
                problems.append(f"table {path}:{n}: want 'module layer role'")
                continue
            if parts[0] in table:
                problems.append(f"table {path}:{n}: {parts[0]} listed twice")
                continue
            table[parts[0]] = int(parts[1])
    return table, problems


def includes(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                out.append((n, m.group(1), m.group(2)))
    return out


def is_io(name):
    return name in IO_HEADERS or name.startswith(IO_PREFIXES)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    table, findings = read_table(os.path.join(top, "tests", "layers.txt"))
    passed = 0
    failed = len(findings)

    files = []
    for d, ext in (("src", ".c"), ("include", ".h")):
        for name in sorted(os.listdir(os.path.join(top, d))):
            if name.endswith(ext):
                files.append((f"{d}/{name}", name[: -len(ext)]))
    modules = {m for _, m in files}

    for mod in sorted(modules):
        if mod in table:
            passed += 1
        else:
            failed += 1
            findings.append(f"missing {mod}: no row in tests/layers.txt")
    for mod in sorted(table):
        if mod in modules:
            passed += 1
        else:
            failed += 1
            findings.append(f"stale {mod}: in tests/layers.txt, but no src/{mod}.c "
                            f"or include/{mod}.h")

    for rel, mod in files:
        if mod not in table:
            continue  # already reported as missing
        layer = table[mod]
        up, io = [], []
        for n, kind, name in includes(os.path.join(top, rel)):
            if kind == '"':
                # Only headers of modules count; generated files (build/gen)
                # and .inc tables belong to the file that includes them.
                target = name[:-2] if name.endswith(".h") else None
                if target in table and table[target] > layer:
                    up.append(f"upward {rel}:{n}: layer {layer} {mod} includes "
                              f"\"{name}\" (layer {table[target]} {target})")
            elif layer == 0 and is_io(name) and (rel, name) not in IO_ALLOWED:
                io.append(f"io {rel}:{n}: layer-0 {mod} includes <{name}>")
        for found in (up, io):
            if found:
                failed += 1
                findings.extend(found)
            else:
                passed += 1

    for line in findings:
        print(line)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

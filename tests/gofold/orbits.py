#!/usr/bin/env python3
"""Go's simple-fold orbits, from Python's Unicode database, for src/gofold.c.

  orbits.py table          print the C table of src/gofold.c (the non-ASCII
                           runes in SCOPE whose orbit's smallest rune is
                           not themselves), compressed into strided runs
  orbits.py check DUMP     compare DUMP ("<hex rune> <hex canon>" per line,
                           from tests/drivers/gofold-dump) with the orbits,
                           for every rune up to U+10FFFF; exit 1 on a mismatch

The orbit of a rune (Go's unicode.SimpleFold cycle) joins it with its simple
lower- and uppercase and its simple case folding.  Python's str methods
apply full mappings, so a mapping to more than one character is left out
(Go's tables are the simple ones).  Go's caseOrbit makes U+0130 and U+0131
orbits of their own (no Turkish dotted/dotless i in folding): so here too.
"""
import sys

SCOPE = [(0x0000, 0x058F), (0x1C80, 0x1C88), (0x1E9E, 0x1E9E), (0x1FBE, 0x1FBE),
         (0x2126, 0x2126), (0x212A, 0x212B)]
SELF = {0x0130, 0x0131}


def in_scope(r):
    return any(lo <= r <= hi for lo, hi in SCOPE)


def orbits():
    parent = list(range(0x110000))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in range(0x110000):
        if 0xD800 <= r <= 0xDFFF or r in SELF:
            continue
        c = chr(r)
        for m in (c.lower(), c.upper(), c.casefold()):
            if len(m) == 1 and ord(m) != r and ord(m) not in SELF:
                a, b = find(r), find(ord(m))
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return [find(r) for r in range(0x110000)]


def canon_in_scope(root):
    """The canonical rune the C code must give: the orbit's minimum (the
    union-find root is the minimum) inside the scope, the rune outside."""
    return [root[r] if in_scope(r) else r for r in range(0x110000)]


def runs(canon):
    pairs = [(r, canon[r] - r) for r in range(0x110000) if canon[r] != r]
    out = []
    i = 0
    while i < len(pairs):
        lo, d = pairs[i]
        best = (lo, lo, 1)
        for stride in (1, 2):
            j = i
            while (j + 1 < len(pairs) and pairs[j + 1][0] == pairs[j][0] + stride
                   and pairs[j + 1][1] == d):
                j += 1
            if pairs[j][0] > best[1]:
                best = (lo, pairs[j][0], stride)
        out.append((best[0], best[1], best[2], d))
        while i < len(pairs) and pairs[i][0] <= best[1]:
            i += 1
    return out


def main():
    canon = canon_in_scope(orbits())
    if sys.argv[1:2] == ["table"]:
        for lo, hi, stride, d in runs(canon):
            if lo < 0x80:  # ASCII is folded in code
                continue
            count = (hi - lo) // stride
            # The packing of src/gofold.c: 14 + 6 + 1 + 11 bits.
            assert lo < 1 << 14 and count < 1 << 6 and lo + d < 1 << 11
            print("\tRUN(0x%04X, %d, %d, 0x%03X)," % (lo, count, stride, lo + d))
        return 0
    if sys.argv[1:2] == ["check"]:
        bad = 0
        seen = 0
        with open(sys.argv[2]) as f:
            for line in f:
                r, c = (int(x, 16) for x in line.split())
                seen += 1
                if canon[r] != c:
                    bad += 1
                    if bad <= 10:
                        print("U+%04X: C gives U+%04X, orbit minimum U+%04X" % (r, c, canon[r]))
        ok = bad == 0 and seen == 0x110000 - 0x800
        print("gofold table vs orbits: %d runes compared, %d mismatches" % (seen, bad))
        return 0 if ok else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

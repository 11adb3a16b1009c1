"""toml-test runner for tests/check.d/30-toml-test.sh (Python stdlib only).

usage: toml_test.py SUITE_DIR DECODER ROUNDTRIP

Four checks, one test line per file per check:
  valid      DECODER turns valid/X.toml into JSON equal to valid/X.json,
             compared like toml-test does (integers and floats by value,
             nan/inf by name, datetimes normalized, key order ignored)
  invalid    DECODER rejects invalid/X.toml with exit status 1 and a message
  rt-tomllib ROUNDTRIP's output of valid/X.toml reads, with Python's
             tomllib, as the same data as the original
  rt-decode  DECODER prints exactly the same JSON (key order included) for
             ROUNDTRIP's output as for the original
Prints one line per test, the counts per check, and "N passed, N failed".
"""
import json
import math
import os
import re
import subprocess
import sys
import tomllib

# Sanitizer findings must not look like a clean rejection (exit 1).
ENV = dict(os.environ, ASAN_OPTIONS="exitcode=86:detect_leaks=1",
           UBSAN_OPTIONS="exitcode=86:print_stacktrace=1")


def run(prog, data):
    p = subprocess.run([prog], input=data, capture_output=True, env=ENV,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def norm_datetime(s):
    s = s.upper()
    if len(s) > 10 and s[10] == " ":
        s = s[:10] + "T" + s[11:]
    m = re.match(r"^(.*?:\d\d)\.(\d+)(.*)$", s)
    if m:
        frac = m.group(2).rstrip("0")
        s = m.group(1) + ("." + frac if frac else "") + m.group(3)
    return s.replace("+00:00", "Z").replace("-00:00", "Z")


def scalar_equal(got, want):
    if set(got) != {"type", "value"} or got["type"] != want["type"]:
        return False
    t, g, w = want["type"], got["value"], want["value"]
    if t == "integer":
        return int(g) == int(w)
    if t == "float":
        g, w = float(g), float(w)
        if math.isnan(g) or math.isnan(w):
            return math.isnan(g) and math.isnan(w)
        return g == w
    if t in ("datetime", "datetime-local", "date-local", "time-local"):
        return norm_datetime(g) == norm_datetime(w)
    return g == w


def is_scalar(v):
    return (isinstance(v, dict) and set(v) == {"type", "value"}
            and isinstance(v["type"], str) and not isinstance(v["value"], dict))


def tagged_equal(got, want):
    if isinstance(want, list):
        return (isinstance(got, list) and len(got) == len(want)
                and all(tagged_equal(g, w) for g, w in zip(got, want)))
    if is_scalar(want):
        return isinstance(got, dict) and scalar_equal(got, want)
    return (isinstance(got, dict) and not is_scalar(got)
            and set(got) == set(want)
            and all(tagged_equal(got[k], want[k]) for k in want))


def plain(v):
    """tomllib data with NaN made comparable (nan != nan in Python)."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return ("nan",)
    return (type(v).__name__, v)


class Tally:
    def __init__(self):
        self.counts = {}

    def record(self, check, name, ok, why=""):
        c = self.counts.setdefault(check, [0, 0])
        c[0 if ok else 1] += 1
        print(("ok   " if ok else "FAIL ") + check + " " + name +
              ("" if ok else ": " + why))


def check_valid(t, suite, dec, name):
    data = open(os.path.join(suite, name), "rb").read()
    want = json.load(open(os.path.join(suite, name[:-5] + ".json")))
    rc, out, err = run(dec, data)
    if rc != 0:
        return t.record("valid", name, False, "rejected: " +
                        err.decode(errors="replace").strip()[:300])
    try:
        got = json.loads(out)
    except ValueError as e:
        return t.record("valid", name, False, "bad JSON: %s" % e)
    t.record("valid", name, tagged_equal(got, want), "decoded data differs")
    return out


def check_roundtrip(t, suite, dec, rt, name, decoded):
    data = open(os.path.join(suite, name), "rb").read()
    rc, out, err = run(rt, data)
    why = err.decode(errors="replace").strip()[:300]
    if rc != 0:
        t.record("rt-tomllib", name, False, "roundtrip exit %d: %s" % (rc, why))
        t.record("rt-decode", name, False, "roundtrip exit %d" % rc)
        return
    try:
        same = plain(tomllib.loads(out.decode())) == \
            plain(tomllib.loads(data.decode("utf-8-sig")))
        t.record("rt-tomllib", name, same, "tomllib reads different data")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        t.record("rt-tomllib", name, False, "tomllib: %s" % e)
    rc, out2, err = run(dec, out)
    t.record("rt-decode", name, rc == 0 and decoded is not None and
             out2 == decoded, "decoder output differs (exit %d)" % rc)


def main():
    suite, dec, rt = sys.argv[1:4]
    names = [l.strip() for l in open(os.path.join(suite, "files-toml-1.0.0"))]
    valid = sorted(n for n in names if n.startswith("valid/") and n.endswith(".toml"))
    invalid = sorted(n for n in names if n.startswith("invalid/"))
    t = Tally()
    for n in valid:
        decoded = check_valid(t, suite, dec, n)
        check_roundtrip(t, suite, dec, rt, n, decoded)
    for n in invalid:
        rc, out, err = run(dec, open(os.path.join(suite, n), "rb").read())
        ok = rc == 1 and err.startswith(b"toml-decode: line ")
        t.record("invalid", n, ok, "exit %d, accepted or crashed" % rc)
    for check, (p, f) in t.counts.items():
        print("%s: %d passed, %d failed" % (check, p, f))
    p = sum(c[0] for c in t.counts.values())
    f = sum(c[1] for c in t.counts.values())
    print("%d passed, %d failed" % (p, f))
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main())

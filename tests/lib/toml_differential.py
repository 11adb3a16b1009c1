"""Differential test of our TOML parser and serializer against Python's
tomllib (an independent TOML 1.0 reader), for tests/check.d/31-*.sh.

usage: toml_differential.py DECODER [COUNT] [SEED]

Generates COUNT documents (deterministic for a SEED) from a grammar that
mixes every TOML 1.0 form with a small key alphabet, so that redefinitions,
dotted keys into existing tables, [[arrays]] and inline tables collide often;
a third of them get one random byte-level mutation.  Every document must
pass (a test is a batch of 1000 documents; failures print the document):
  - we accept it exactly when tomllib does (two known, documented
    differences are excused: tomllib reads integers beyond int64, which TOML
    requires to be an error, and rejects the leap second :60 that RFC 3339
    and the node's toml crate accept);
  - if accepted: our data equals tomllib's, with key order;
  - if accepted: our serializer's output parses back to an equal DOM (our
    own toml_equal) and tomllib reads it as the same data, key order too.
Runs everything through one `DECODER --batch` process.  Prints failures,
counts, and "N passed, N failed" last.
"""
import datetime
import json
import math
import random
import re
import subprocess
import sys
import tomllib

BATCH = 1000  # documents per reported test
KEYS = ["a", "b", "c", '"a"', "'b'", '"c d"', '"é"', '""', '"a.b"', "k-1",
        "_", "1"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, xs):
        return self.r.choice(xs)

    def key(self):
        n = self.pick([1, 1, 1, 2, 2, 3])
        sep = self.pick([".", ".", " . ", "\t.", ". "])
        return sep.join(self.pick(self.keys) for _ in range(n))

    def integer(self):
        r = self.r
        return self.pick([
            str(r.randint(-1000, 1000)), "+" + str(r.randint(0, 99)),
            "1_000", "-0", "+0", "0", "9223372036854775807",
            "-9223372036854775808", hex(r.randint(0, 2**63 - 1)),
            "0xdead_BEEF", "0o" + format(r.randint(0, 4095), "o"),
            "0b" + format(r.randint(0, 255), "b"), "0b1_0"])

    def floating(self):
        r = self.r
        return self.pick([
            repr(r.uniform(-1e6, 1e6)), "1e10", "-1E-3", "6.02e+23",
            "1_000.000_1", "0.0", "-0.0", "+1.5", "inf", "-inf", "+nan",
            "nan", "5e-324", "1.7976931348623157e308", "3.14159", "1e400",
            "0e0", "-0e-0"])

    def date(self):
        y = self.r.randint(1, 9999)
        m = self.r.randint(1, 12)
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        dim = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31,
               30, 31][m - 1]
        x = self.r.random()
        if x < 0.1:  # February 29th, in leap years or not
            return "%04d-02-29" % self.pick([1900, 2000, 2023, 2024, 2100,
                                             2400, y])
        if x < 0.15:  # one past the end of the month, month 0 or 13
            return self.pick(["%04d-%02d-%02d" % (y, m, dim + 1),
                              "%04d-00-01" % y, "%04d-13-01" % y,
                              "%04d-%02d-00" % (y, m)])
        return "%04d-%02d-%02d" % (y, m, self.r.randint(1, dim))

    def time(self):
        if self.r.random() < 0.1:  # out of range or short forms
            return self.pick(["24:00:00", "23:60:00", "23:59:61", "7:00:00",
                              "07:00", "07:00:00.", "23:59:60"])
        t = "%02d:%02d:%02d" % (self.r.randint(0, 23), self.r.randint(0, 59),
                                self.r.randint(0, 59))
        if self.r.random() < 0.3:
            t += "." + "".join(self.pick("0123456789")
                               for _ in range(self.r.randint(1, 9)))
        return t

    def datetime(self):
        k = self.r.randint(0, 3)
        if k == 0:
            return self.date()
        if k == 1:
            return self.time()
        s = self.date() + self.pick(["T", "t", " "]) + self.time()
        if k == 3:
            s += self.pick(["Z", "z", "+05:30", "-08:00", "+00:00",
                            "+24:00", "+05:60", "+5:00", "+0500", "-"])
        return s

    def string(self):
        q3 = "'" * 3
        return self.pick([
            '"plain"', '""', "''", "'lit \\ eral'", '"tab\\there"',
            '"esc \\" \\\\ \\b\\f\\r\\n \\u00e9 \\U0001F600"',
            '"\\u0000nul"', "\"it's\"",
            '"""\nml\n  basic \\\n   joined"""', '"""""q"" """',
            q3 + "\nml 'lit' ''\n" + q3, q3 + "'one" + q3, '"café €"',
            '"""a\\tb"""', q3 + "x\r\ny" + q3, '"""\\\n\n  """',
            # contents that force particular output forms
            '"x' + q3 + '\\ny"', '"' + q3 + '"', '"line\\n\'"',
            '"\\u0001\\u007f\\r"', '"\\nlead"', q3 + "\n\nlead" + q3,
            "'a\tb'", '"""a""\\""""', q3 + "a''" + q3, q3 + "a" + q3 + "''"])

    def near_miss(self):
        """Values that are each invalid TOML 1.0 (some valid elsewhere)."""
        return self.pick([
            "012", "0x_1", "1__0", "1_", "+0x1", "0X1", "0b2", "00",
            "9223372036854775808", "-9223372036854775809",
            "0x1_0000_0000_0000_0000", "1.", ".5", "1e", "01.5", "1.e5",
            "1._5", "1e_5", "infinity", "NaN", "+-1.0", '"\\e"', '"\\x41"',
            '"\\ud800"', '"\\U00110000"', "'a\nb'", '"a\x7fb"',
            '"""a"""""""', "1979-05-27T", "07:32", "tru", "{a=1,}", "[,]"])

    def scalar(self):
        if self.r.random() < 0.03:
            return self.near_miss()
        return self.pick([self.integer, self.floating, self.string,
                          self.datetime, lambda: self.pick(["true", "false"])])()

    def value(self, d=0):
        x = self.r.random()
        if d < 3 and x < 0.12:
            items = [self.value(d + 1) for _ in range(self.r.randint(0, 3))]
            sep = self.pick([", ", ",", ",\n  ", " ,# c\n"])
            tail = self.pick(["", ",", "\n"]) if items else ""
            return "[" + sep.join(items) + tail + "]"
        if d < 3 and x < 0.25:
            items = [self.key() + self.pick([" = ", "="]) + self.value(d + 1)
                     for _ in range(self.r.randint(0, 3))]
            tail = self.pick([""] * 8 + [",", "\n"]) if items else ""
            return "{" + self.pick([" ", ""]) + ", ".join(items) + tail + "}"
        return self.scalar()

    def document(self):
        # half the documents use two key names only: more collisions
        self.keys = KEYS if self.r.random() < 0.5 else ["a", "b", "'a'"]
        lines = []
        for _ in range(self.r.randint(1, 10)):
            x = self.r.random()
            if x < 0.2:
                lines.append("[" + self.key() + "]")
            elif x < 0.35:
                lines.append("[[" + self.key() + "]]")
            elif x < 0.42:
                lines.append(self.pick(["", "# comment", "  \t", "#é"]))
            else:
                lines.append(self.key() + self.pick([" = ", "=", "\t=  "]) +
                             self.value() + self.pick(["", " # c", "  "]))
        doc = self.pick(["\n", "\r\n"]).join(lines) + self.pick(["\n", ""])
        if self.r.random() < 0.33:
            doc = self.mutate(doc)
        return doc

    def mutate(self, doc):
        b = bytearray(doc.encode())
        if not b:
            return doc
        i = self.r.randrange(len(b))
        op = self.r.randint(0, 2)
        if op == 0:
            del b[i]
        elif op == 1:
            b.insert(i, ord(self.pick(list("[]{}=.,\"'#\n 0_+-:eTZ\\"))))
        else:
            b[i:i + 1] = b[i:i + 1] * 2
        return b.decode("utf-8", errors="replace")


def dt_value(kind, text):
    """Our datetime text as the Python object tomllib would build."""
    s = text.upper().replace(" ", "T")
    m = re.match(r"^(.*?:\d\d)(\.\d+)?(.*)$", s)
    if m and m.group(2):  # tomllib keeps microseconds, truncated
        s = m.group(1) + (m.group(2) + "000000")[:7] + m.group(3)
    s = s.replace("Z", "+00:00")
    if kind == "date-local":
        return datetime.date.fromisoformat(s)
    if kind == "time-local":
        return datetime.time.fromisoformat(s)
    return datetime.datetime.fromisoformat(s)


def ours(v):
    """Tagged JSON (order kept) as comparable Python data."""
    if isinstance(v, list):
        return ["L", [ours(x) for x in v]]
    if len(v) == 2 and "type" in v and "value" in v and \
            isinstance(v["type"], str) and isinstance(v["value"], str):
        t, x = v["type"], v["value"]
        if t == "integer":
            return ["int", int(x)]
        if t == "float":
            f = float(x)
            return ["nan"] if math.isnan(f) else ["float", f]
        if t == "bool":
            return ["bool", x == "true"]
        if t == "string":
            return ["str", x]
        return ["dt", dt_value(t, x)]
    return ["T", [(k, ours(x)) for k, x in v.items()]]


def theirs(v):
    if isinstance(v, dict):
        return ["T", [(k, theirs(x)) for k, x in v.items()]]
    if isinstance(v, list):
        return ["L", [theirs(x) for x in v]]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", v]
    if isinstance(v, float):
        return ["nan"] if math.isnan(v) else ["float", v]
    if isinstance(v, str):
        return ["str", v]
    return ["dt", v]


def excused(doc, err):
    """The two documented differences between TOML 1.0 and tomllib."""
    if "integer does not fit in 64 bits" in err:
        try:
            data = json.dumps(tomllib.loads(doc), default=str)
        except tomllib.TOMLDecodeError:
            return False
        return any(abs(int(n)) > 2**63 - 1 for n in re.findall(r"-?\d{19,}", data))
    return False


def leap_second(v):
    s = json.dumps(v)
    return re.search(r'"value": "[^"]*\d\d:\d\d:60', s) is not None


def check(doc, res):
    try:
        want = tomllib.loads(doc)
        terr = None
    except tomllib.TOMLDecodeError as e:
        want, terr = None, str(e)
    if not res["ok"]:
        if terr is None and not excused(doc, res["error"]):
            return "we reject what tomllib accepts: " + res["error"]
        return None
    if terr is not None:
        if leap_second(res["doc"]):
            return None
        return "we accept what tomllib rejects: " + terr
    if ours(res["doc"]) != theirs(want):
        return "data differs from tomllib"
    if "rt_error" in res:
        return "serializer: " + res["rt_error"]
    try:
        if theirs(tomllib.loads(res["rt"])) != theirs(want):
            return "tomllib reads the serializer output differently"
    except tomllib.TOMLDecodeError as e:
        return "tomllib rejects the serializer output: %s" % e
    return None


def main():
    dec = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    g = Gen(seed)
    docs = [g.document() for _ in range(count)]
    feed = b"".join(b"%d\n" % len(d.encode()) + d.encode() for d in docs)
    p = subprocess.run([dec, "--batch"], input=feed, capture_output=True,
                       timeout=600)
    lines = p.stdout.decode().splitlines()
    if p.returncode != 0 or len(lines) != len(docs):
        print("FAIL decoder --batch exit %d, %d of %d answers: %s" % (
            p.returncode, len(lines), len(docs), p.stderr.decode()[-500:]))
        print("0 passed, 1 failed")
        return 1
    bad_docs = accepted = 0
    passed = failed = 0
    for b in range(0, count, BATCH):
        bad = 0
        for i in range(b, min(b + BATCH, count)):
            res = json.loads(lines[i])
            accepted += bool(res["ok"])
            why = check(docs[i], res)
            if why is not None:
                bad += 1
                print("     document %d (seed %d): %s\n     %r" % (
                    i, seed, why, docs[i]))
        n = min(b + BATCH, count) - b
        print("%s documents %d-%d: %d of %d agree with tomllib and "
              "round-trip" % ("ok  " if bad == 0 else "FAIL", b,
                              b + n - 1, n - bad, n))
        passed += bad == 0
        failed += bad != 0
        bad_docs += bad
    print("%d documents (seed %d): %d accepted, %d rejected, %d disagree" % (
        count, seed, accepted, count - accepted, bad_docs))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

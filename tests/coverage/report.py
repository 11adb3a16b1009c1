#!/usr/bin/env python3
"""Line and branch coverage per src/*.c file from gcov's JSON output.

Usage: report.py --objdir DIR [--html DIR] [--guard "m1 m2 ..."]
                 [--lines PCT] [--branches PCT] [--details]

Reads every DIR/*.gcda through `gcov --json-format --stdout` (gcc 12),
prints one row per source file (lines %, branches %; a '*' marks a guarded
module) and the total.  Exits 1 when a guarded module is below either
threshold, or has no counters at all, and then names its uncovered lines and
the lines holding a branch never taken.  A branch counts as covered when it
was taken at least once (gcovr's definition).
"""
import argparse
import glob
import html
import json
import os
import subprocess
import sys


def gcov_json(gcda, objdir):
    out = subprocess.run(
        ["gcov", "--json-format", "--stdout", "--branch-probabilities",
         "--object-directory", objdir, gcda],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def collect(objdir):
    """{source path: {line number: (count, [branch counts])}}"""
    files = {}
    for gcda in sorted(glob.glob(os.path.join(objdir, "*.gcda"))):
        for f in gcov_json(gcda, objdir)["files"]:
            path = f["file"]
            if not (path.startswith("src/") and path.endswith(".c")):
                continue  # headers' inline functions, generated tables
            lines = files.setdefault(path, {})
            for ln in f["lines"]:
                n = ln["line_number"]
                br = [b["count"] for b in ln["branches"] if not b.get("throw")]
                old = lines.get(n)
                if old is None:
                    lines[n] = (ln["count"], br)
                else:  # a line in two functions (rare): merge
                    lines[n] = (old[0] + ln["count"], old[1] + br)
    return files


def figures(lines):
    lt = len(lines)
    lc = sum(1 for c, _ in lines.values() if c > 0)
    bt = sum(len(b) for _, b in lines.values())
    bc = sum(1 for _, b in lines.values() for x in b if x > 0)
    return lc, lt, bc, bt


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def ranges(nums):
    out, start, prev = [], None, None
    for n in sorted(nums):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ",".join(out)


def write_html(outdir, files, rows):
    os.makedirs(outdir, exist_ok=True)
    style = ("<style>body{font-family:monospace}td{padding:0 .6em}"
             ".z{background:#fcc}.p{background:#ffc}.g{font-weight:bold}</style>")
    idx = [f"<html><head><meta charset='utf-8'>{style}</head><body>",
           "<table><tr><th>file</th><th>lines</th><th>branches</th></tr>"]
    for path, guarded, (lc, lt, bc, bt) in rows:
        page = os.path.basename(path) + ".html"
        cls = " class='g'" if guarded else ""
        idx.append(f"<tr{cls}><td><a href='{page}'>{html.escape(path)}</a></td>"
                   f"<td>{pct(lc, lt):.1f}% ({lc}/{lt})</td>"
                   f"<td>{pct(bc, bt):.1f}% ({bc}/{bt})</td></tr>")
        lines = files[path]
        with open(path, encoding="utf-8", errors="replace") as src:
            text = src.read().split("\n")
        body = [f"<html><head><meta charset='utf-8'>{style}</head><body><pre>"]
        for i, t in enumerate(text, 1):
            c, br = lines.get(i, (None, []))
            cls, mark = "", "      "
            if c is not None:
                mark = f"{c:6d}"
                if c == 0:
                    cls = " class='z'"
                elif any(x == 0 for x in br):
                    cls = " class='p'"
            taken = f"[{sum(1 for x in br if x)}/{len(br)}]" if br else ""
            body.append(f"<span{cls}>{i:5d} {mark} {taken:8s} {html.escape(t)}</span>")
        body.append("</pre></body></html>")
        with open(os.path.join(outdir, page), "w", encoding="utf-8") as out:
            out.write("\n".join(body))
    idx.append("</table></body></html>")
    with open(os.path.join(outdir, "index.html"), "w", encoding="utf-8") as out:
        out.write("\n".join(idx))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objdir", required=True)
    ap.add_argument("--html")
    ap.add_argument("--guard", default="")
    ap.add_argument("--lines", type=float, default=95.0)
    ap.add_argument("--branches", type=float, default=90.0)
    ap.add_argument("--details", action="store_true",
                    help="name the uncovered lines of every guarded module")
    a = ap.parse_args()

    files = collect(a.objdir)
    guard = [f"src/{m}.c" for m in a.guard.split()]
    rows = []
    for path in sorted(files):
        rows.append((path, path in guard, figures(files[path])))

    print(f"{'file':26s} {'lines':>18s} {'branches':>18s}")
    tot = [0, 0, 0, 0]
    for path, g, (lc, lt, bc, bt) in rows:
        tot = [tot[0] + lc, tot[1] + lt, tot[2] + bc, tot[3] + bt]
        print(f"{path + (' *' if g else ''):26s} {pct(lc, lt):6.1f}% {lc:5d}/{lt:<5d}"
              f" {pct(bc, bt):6.1f}% {bc:5d}/{bt:<5d}")
    print(f"{'total':26s} {pct(tot[0], tot[1]):6.1f}% {tot[0]:5d}/{tot[1]:<5d}"
          f" {pct(tot[2], tot[3]):6.1f}% {tot[2]:5d}/{tot[3]:<5d}")
    print(f"* guarded: at least {a.lines:g}% of lines and {a.branches:g}% of branches")

    bad = 0
    for path in guard:
        if path not in files:
            print(f"coverage: {path}: no counters (not built or never linked)")
            bad += 1
            continue
        lc, lt, bc, bt = figures(files[path])
        ok = pct(lc, lt) >= a.lines and pct(bc, bt) >= a.branches
        if ok and not a.details:
            continue
        bad += 0 if ok else 1
        lines = files[path]
        print(f"coverage: {path}: {pct(lc, lt):.1f}% lines, {pct(bc, bt):.1f}% branches"
              + ("" if ok else " (below)"))
        print(f"  lines never run: {ranges(n for n, (c, _) in lines.items() if c == 0)}")
        print("  lines with a branch never taken: "
              + ranges(n for n, (c, b) in lines.items() if c > 0 and any(x == 0 for x in b)))
    if a.html:
        write_html(a.html, files, rows)
        print(f"coverage: HTML report in {a.html}/index.html")
    if bad:
        print(f"coverage: {bad} guarded module(s) below the threshold")
        return 1
    print("coverage: every guarded module meets the threshold")
    return 0


if __name__ == "__main__":
    sys.exit(main())

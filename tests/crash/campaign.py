#!/usr/bin/env python3
"""The full crash campaign (make crash-check: crash_test.py hands
CRASH_MODE=full over to this file) as independent jobs run
CRASH_JOBS at a time, each a crash_test.py with its own dockerd, registry
and agent, so that a machine's cores are used and a part can be re-run.

Per series (<path>/<engine>/<scenario>, 18 of them), three jobs that add
up to the full campaign:
  K  every kill point continued as a restart, every third as a reboot
  R  the other kill points continued as a reboot
  I  every occurrence of every injected call, with each of its errors
Longest first (cli before api, upgrade before first before restart).

Environment:
  CRASH_JOBS      jobs at once (default 2)
  CRASH_OUT       directory for each job's log and report (default
                  $B/crash); a job whose log there ends complete is not
                  run again (delete the log to re-run it)
  CRASH_ONLY      substring of the series names to run
  CRASH_KINDS     which of K, R, I (default "KRI")

Prints one line per finished job, then the table of every job in
CRASH_OUT and "N passed, N failed" (a job with a violation, or one that
did not finish, is a failure).
"""
import os
import re
import subprocess
import sys
import threading
import time

TOP = os.environ["TOP"]
B = os.environ.get("B", os.path.join(TOP, "build"))
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("CRASH_OUT", os.path.join(B, "crash"))
SERIES = ["%s/%s/%s" % (p, e, s) for e in ("cli", "api") for s in ("upgrade", "first", "restart")
          for p in ("v1", "v2", "agent")]
KIND_ENV = {
    "K": {"CRASH_STRIDE": "1", "CRASH_REBOOT_STRIDE": "3", "CRASH_INJECT": "0"},
    "R": {"CRASH_STRIDE": "1", "CRASH_REBOOT_STRIDE": "1", "CRASH_REBOOT_EXCEPT": "3",
          "CRASH_CONTINUATIONS": "reboot", "CRASH_INJECT": "0"},
    "I": {"CRASH_KILLS": "0", "CRASH_INJECT": "1", "CRASH_INJECT_STRIDE": "1"},
}
DONE = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)
ROW = re.compile(r"^(ok|FAIL) +(\S+) (kill\+restart|kill\+reboot|inject): (\d+) points \(of "
                 r"(\d+) calls, stride (\d+)\): (\d+) ok, (\d+) refused(?: \((\d+) followed by "
                 r"a recovery run\))?, (\d+) violations", re.M)


def log_path(kind, series):
    return os.path.join(OUT, "%s-%s.log" % (kind, series.replace("/", "-")))


def finished(path):
    try:
        return DONE.search(open(path).read()) is not None
    except FileNotFoundError:
        return False


def run_job(kind, series, lock):
    env = dict(os.environ)
    env.update(KIND_ENV[kind])
    env.update({"TOP": TOP, "B": B, "CRASH_ONLY": series, "CRASH_CASES": "0",
                "CRASH_VERBOSE": "1", "CRASH_MODE": "full", "CRASH_JOB": "1"})
    env.pop("CRASH_SHARD", None)
    t0 = time.monotonic()
    with open(log_path(kind, series) + ".tmp", "w") as f:
        rc = subprocess.run([sys.executable, os.path.join(HERE, "crash_test.py")], env=env,
                            stdout=f, stderr=subprocess.STDOUT).returncode
    os.rename(log_path(kind, series) + ".tmp", log_path(kind, series))
    with lock:
        print("%s %s: exit %d, %.0f s" % (kind, series, rc, time.monotonic() - t0), flush=True)


def table():
    """(markdown lines, jobs failed) over every log in OUT."""
    lines = ["| series | what | calls | stride | points | success | refused | "
             "recovery runs | violations |", "|---|---|---|---|---|---|---|---|---|"]
    failed = 0
    for name in sorted(os.listdir(OUT)):
        if not name.endswith(".log"):
            continue
        text = open(os.path.join(OUT, name)).read()
        done = DONE.search(text)
        if done is None or done.group(2) != "0":
            failed += 1
        for m in ROW.finditer(text):
            _, series, what, pts, calls, stride, ok, ref, rec, vio = m.groups()
            what = {"kill+restart": "kill, restart", "inject": "inject"}.get(
                what, "kill, reboot" + (" (rest)" if name.startswith("R-") else ""))
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                series, what, calls, stride, pts, ok, ref, rec or "", vio))
        if done is None:
            lines.append("| %s | did not finish | | | | | | | |" % name[:-4])
    return lines, failed


def main():
    os.makedirs(OUT, exist_ok=True)
    only = os.environ.get("CRASH_ONLY", "")
    kinds = os.environ.get("CRASH_KINDS", "KRI")
    jobs = [(k, s) for k in "KIR" if k in kinds for s in SERIES
            if only in s and not finished(log_path(k, s))]
    print("crash campaign: %d jobs, %s at once, logs in %s" %
          (len(jobs), os.environ.get("CRASH_JOBS", "2"), OUT), flush=True)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not jobs:
                    return
                kind, series = jobs.pop(0)
            run_job(kind, series, lock)

    threads = [threading.Thread(target=worker) for _ in range(int(os.environ.get("CRASH_JOBS", "2")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines, failed = table()
    print("\n".join(lines))
    jobs_total = sum(1 for n in os.listdir(OUT) if n.endswith(".log"))
    print("%d passed, %d failed" % (jobs_total - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

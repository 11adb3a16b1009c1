"""Pass/fail counting for Python check stages: "ok   <name>" / "FAIL <name>: <why>"
lines, and the "N passed, N failed" summary line tests/run-checks reads."""


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok   " + name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, (": " + str(detail)) if detail else ""), flush=True)
        return cond

    def run(self, name, fn, *args):
        """Runs fn; an exception is a failure of `name` (with the reason)."""
        try:
            return fn(*args)
        except Exception as e:  # report and continue with the next group
            self.check(name, False, "%s: %s" % (type(e).__name__, e))
            return None

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return self.failed == 0

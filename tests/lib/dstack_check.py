"""Checks of dstack.c's requests against the simulated agent, and of the
simulated agent itself (it must be as strict as the brief says, or the
launcher's tests prove nothing).  Run by tests/check.d/42-dstack-fake.sh.
Prints "ok"/"FAIL" lines and "N passed, N failed" last.
"""
import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_dstack.py")
CALL = os.path.join(os.environ["DRIVERS"], "dstack-call")
P1 = "f2472280c437efc00fa25a030a24990ae16c4fbec0d74914e178473ce4d57372"
P2 = "ab" * 32
passed = failed = 0


def result(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL %s%s" % (what, (": " + detail) if detail else ""))


class Fake:
    def __init__(self, *extra, log_lines=()):
        self.dir = tempfile.mkdtemp(prefix="fake-dstack-")
        self.sock = os.path.join(self.dir, "dstack.sock")
        self.log = os.path.join(self.dir, "runtime_events.log")
        self.rtmr3 = os.path.join(self.dir, "rtmr3")
        self.state = os.path.join(self.dir, "state.json")
        ready = os.path.join(self.dir, "ready")
        if log_lines:
            with open(self.log, "w") as f:
                f.write("".join(line + "\n" for line in log_lines))
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--socket", self.sock, "--log", self.log,
             "--rtmr3", self.rtmr3, "--state", self.state, "--ready", ready] + list(extra),
            stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.02)

    def call(self, what, payload, timeout_ms=5000):
        p = subprocess.run([CALL, self.sock, what, payload, str(timeout_ms)],
                           capture_output=True, text=True)
        return p.returncode, p.stdout.strip()

    def raw(self, data):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.sock)
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        s.close()
        return out

    def post(self, path, body, headers=None):
        if headers is None:
            headers = {"Host": "dstack", "Content-Type": "application/json"}
        head = "POST %s HTTP/1.1\r\n" % path
        for k, v in (headers.items() if isinstance(headers, dict) else headers):
            head += "%s: %s\r\n" % (k, v)
        head += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        resp = self.raw(head.encode() + body)
        return int(resp.split(b" ", 2)[1]) if resp else 0

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def counts(self):
        with open(self.state) as f:
            return json.load(f)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)


def v1(payload_hex):
    return hashlib.sha384(b"\x01\x00\x00\x08:mpc-image-digest:" + bytes.fromhex(payload_hex)).digest()


def main():
    f = Fake()
    rc, out = f.call("quote", P1)
    result(rc == 0 and out == "status 200\nseen none", "a fresh agent's GetQuote log has no mpc-image-digest", out)
    rc, out = f.call("emit", P1)
    result(rc == 0 and out == "status 200", "our EmitEvent request is accepted", out)
    want_line = json.dumps({"event": "mpc-image-digest",
                            "payload": base64.b64encode(bytes.fromhex(P1)).decode()},
                           separators=(",", ":"))
    result(f.log_text() == want_line + "\n", "the agent logs {event, payload:<base64>} like dstack", f.log_text())
    with open(f.rtmr3, "rb") as fh:
        mr = fh.read()
    result(mr == hashlib.sha384(bytes(48) + v1(P1)).digest(),
           "the simulated RTMR3 is extended with the V1 digest")
    rc, out = f.call("quote", P1)
    result(out == "status 200\nseen same", "GetQuote then reports the same digest", out)
    rc, out = f.call("info", P1)
    result(out == "status 200\nseen same", "Info (tcb_info.event_log) reports the same digest", out)
    rc, out = f.call("quote", P2)
    result(out == "status 200\nseen different", "another digest is reported as different", out)

    ok_body = json.dumps({"event": "mpc-image-digest", "payload": P2}).encode()
    bad = [
        ("no Host", ok_body, {"Content-Type": "application/json"}),
        ("Host: localhost", ok_body, {"Host": "localhost", "Content-Type": "application/json"}),
        ("two Host headers", ok_body, [("Host", "dstack"), ("Host", "dstack"),
                                       ("Content-Type", "application/json")]),
        ("Content-Type text/plain", ok_body, {"Host": "dstack", "Content-Type": "text/plain"}),
        ("Content-Type with charset", ok_body,
         {"Host": "dstack", "Content-Type": "application/json; charset=utf-8"}),
        ("uppercase hex", json.dumps({"event": "mpc-image-digest", "payload": P2.upper()}).encode(), None),
        ("63 hex digits", json.dumps({"event": "mpc-image-digest", "payload": P2[:63]}).encode(), None),
        ("sha256: prefix", json.dumps({"event": "mpc-image-digest", "payload": "sha256:" + P2}).encode(), None),
        ("extra key", json.dumps({"event": "x", "payload": P2, "version": 2}).encode(), None),
        ("missing event", json.dumps({"payload": P2}).encode(), None),
        ("empty event", json.dumps({"event": "", "payload": P2}).encode(), None),
        ("duplicate key", b'{"event":"a","event":"b","payload":"' + P2.encode() + b'"}', None),
        ("not an object", b"[]", None),
        ("not JSON", b"{", None),
    ]
    before = f.log_text()
    for name, body, headers in bad:
        status = f.post("/EmitEvent", body, headers)
        result(status == 400, "the fake refuses EmitEvent with %s (400)" % name, str(status))
    result(f.log_text() == before, "refused requests change nothing")
    result(f.post("/Nope", b"{}") == 404, "an unknown method is 404")
    result(f.raw(b"GET /Info HTTP/1.1\r\nHost: dstack\r\nConnection: close\r\n\r\n").split(b" ")[1] == b"405",
           "GET is 405")
    c = f.counts()
    result(c["emitted"] == 1 and c["rejected"] == len(bad) + 1 and c["by_path"].get("/EmitEvent") == len(bad) + 1,
           "the fake counts requests", json.dumps(c))
    f.stop()

    f = Fake(log_lines=[want_line])
    rc, out = f.call("quote", P1)
    result(out == "status 200\nseen same", "a restarted agent still reports the logged event", out)
    with open(f.rtmr3, "rb") as fh:
        result(fh.read() == hashlib.sha384(bytes(48) + v1(P1)).digest(),
               "a restarted agent's RTMR3 is the replay of its log")
    f.stop()

    for mode, expect in (("500", "status 500"), ("close", "error: connection closed before a response")):
        f = Fake("--fault", mode, "--fault-path", "/EmitEvent")
        rc, out = f.call("emit", P1)
        result(rc == 1 and out == expect and f.log_text() == "",
               "fault %s: the call fails and nothing is emitted" % mode, out)
        rc, out = f.call("quote", P1)
        result(out == "status 200\nseen none", "fault %s only hits the chosen path" % mode, out)
        f.stop()
    for mode, expect in (("500-after", "status 500"), ("close-after", "error: connection closed before a response")):
        f = Fake("--fault", mode, "--fault-path", "/EmitEvent", "--fault-count", "1")
        rc, out = f.call("emit", P1)
        result(rc == 1 and out == expect and f.log_text() == want_line + "\n",
               "fault %s: the call fails although the event was emitted" % mode, out)
        rc, out = f.call("quote", P1)
        result(out == "status 200\nseen same", "fault %s: GetQuote shows the emitted event" % mode, out)
        f.stop()
    f = Fake("--fault", "slow", "--slow-seconds", "3", "--fault-path", "/EmitEvent")
    t0 = time.monotonic()
    rc, out = f.call("emit", P1, timeout_ms=300)
    result(rc == 1 and out.startswith("error:") and time.monotonic() - t0 < 2.5,
           "fault slow: the caller's deadline ends the call", out)
    f.stop()
    f = Fake("--fault", "removed")
    rc, out = f.call("emit", P1)
    result(rc == 1 and out == "status 400", "fault removed: EmitEvent answers like dstack 0.6", out)
    f.stop()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

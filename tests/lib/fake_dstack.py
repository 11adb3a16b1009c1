#!/usr/bin/env python3
"""A simulated dstack guest agent (dstack OS 0.5.x) for tests and `make demo`.

HTTP/1.1 over an AF_UNIX socket, like the real agent on /var/run/dstack.sock:

  POST /EmitEvent  body exactly {"event": <non-empty string>, "payload": <64
                   lowercase hex>}, with exactly one `Host: dstack` and one
                   `Content-Type: application/json`.  Anything else is 400
                   and changes nothing.  On success, like the real agent:
                   one line {"event":…,"payload":<base64>} appended to the
                   runtime log and the simulated RTMR3 extended with the V1
                   digest SHA-384(01 00 00 08 ":" name ":" payload).
  POST /GetQuote   {"report_data": <hex, at most 128 chars>} → {"quote",
                   "event_log" (a JSON *string* of [{imr, event_type, digest,
                   event, event_payload}…]), "report_data", "vm_config"}.
  POST /Info       {} → {app_id, instance_id, app_cert, tcb_info (a JSON
                   string of {mrtd, rtmr0..3, event_log, app_compose}), …}.

State lives in files so a restarted fake (or a restarted launcher) sees what
happened before: --log (runtime events, one JSON line each) and --rtmr3 (the
48-byte register; created as the replay of --log when absent).  --state is
rewritten after every request with the request counts.

Faults (--fault MODE, optionally only for --fault-path PATH and only for the
first --fault-count requests that match):
  500          answer 500 without doing anything
  500-after    do the work, then answer 500 (a retry would extend twice)
  close        read the request, close without answering, do nothing
  close-after  do the work, close without answering (the lost answer)
  slow         do the work, wait --slow-seconds, then answer
  removed      answer like dstack >= 0.6 (EmitEvent is gone): 400 + error

--threaded serves connections concurrently (each method's work still runs
under one lock; a `slow` answer is delayed outside it), so two clients can
both be told "no event yet" before either emits.

Usage: fake_dstack.py --socket PATH --log FILE --rtmr3 FILE [--state FILE]
                      [--ready FILE] [--fault MODE] [--fault-path /EmitEvent]
                      [--fault-count N] [--slow-seconds S] [--threaded]
Standard library only.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import signal
import socketserver
import sys
import threading
import time

EVENT_TYPE = 0x08000001
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})*\Z")
# Two boot-time events, shaped like the real agent's (values are made up).
BOOT_EVENTS = [
    {"imr": 0, "event_type": 0x80000003, "digest": "11" * 48,
     "event": "", "event_payload": "00" * 8},
    {"imr": 1, "event_type": 0x80000007, "digest": "22" * 48,
     "event": "", "event_payload": ""},
]


class Rejected(Exception):
    def __init__(self, status, msg):
        super().__init__(msg)
        self.status = status


def v1_digest(name, payload):
    return hashlib.sha384(EVENT_TYPE.to_bytes(4, "little") + b":" +
                          name.encode() + b":" + payload).digest()


def v2_digest(name, payload):
    text = json.dumps({"name": name, "payload": payload.hex(), "type": EVENT_TYPE},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode()).digest()


def read_runtime_log(path):
    """[(name, payload bytes, version)] from the runtime log."""
    events = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                obj = json.loads(line)
                events.append((obj["event"], base64.b64decode(obj["payload"], validate=True),
                               obj.get("version", 1)))
    except FileNotFoundError:
        pass
    return events


def runtime_event_json(name, payload, version):
    digest = (v2_digest if version == 2 else v1_digest)(name, payload)
    ev = {"imr": 3, "event_type": EVENT_TYPE, "digest": digest.hex(),
          "event": name, "event_payload": payload.hex()}
    if version == 2:
        ev["version"] = 2
    return ev


def strict_object(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise Rejected(400, "duplicate key")
    return dict(pairs)


class Agent:
    def __init__(self, args):
        self.args = args
        self.counts = {"requests": 0, "by_path": {}, "emitted": 0, "rejected": 0,
                       "faulted": 0}
        self.faults_left = args.fault_count
        self.lock = threading.Lock()
        if not os.path.exists(args.rtmr3):
            mr = bytes(48)
            for name, payload, version in read_runtime_log(args.log):
                d = (v2_digest if version == 2 else v1_digest)(name, payload)
                mr = hashlib.sha384(mr + d).digest()
            with open(args.rtmr3, "wb") as f:
                f.write(mr)

    def save_state(self):
        if self.args.state:
            tmp = self.args.state + ".tmp"
            with open(tmp, "w") as f:
                json.dump(self.counts, f, sort_keys=True)
            os.replace(tmp, self.args.state)

    def fault_for(self, path):
        a = self.args
        if a.fault == "none" or (a.fault_path and a.fault_path != path):
            return None
        if self.faults_left is not None:
            if self.faults_left <= 0:
                return None
            self.faults_left -= 1
        self.counts["faulted"] += 1
        return a.fault

    def rtmr3(self):
        with open(self.args.rtmr3, "rb") as f:
            return f.read()

    def event_log(self):
        runtime = [runtime_event_json(*e) for e in read_runtime_log(self.args.log)]
        return BOOT_EVENTS + runtime

    # ---- methods

    def emit_event(self, headers, body):
        obj = json.loads(body, object_pairs_hook=strict_object)
        if not isinstance(obj, dict) or set(obj) != {"event", "payload"}:
            raise Rejected(400, "body must be exactly {event, payload}")
        name, payload = obj["event"], obj["payload"]
        if not isinstance(name, str) or not name:
            raise Rejected(400, "event must be a non-empty string")
        if not isinstance(payload, str) or not HEX64.match(payload):
            raise Rejected(400, "payload must be 64 lowercase hex digits")
        raw = bytes.fromhex(payload)
        line = json.dumps({"event": name, "payload": base64.b64encode(raw).decode()},
                          separators=(",", ":"), ensure_ascii=False)
        with open(self.args.log, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        mr = hashlib.sha384(self.rtmr3() + v1_digest(name, raw)).digest()
        with open(self.args.rtmr3, "wb") as f:
            f.write(mr)
        self.counts["emitted"] += 1
        return {}

    def get_quote(self, headers, body):
        obj = json.loads(body, object_pairs_hook=strict_object)
        rd = obj.get("report_data", "") if isinstance(obj, dict) else None
        if not isinstance(rd, str) or len(rd) > 128 or not HEX.match(rd):
            raise Rejected(400, "report_data must be hex, at most 64 bytes")
        return {"quote": "04000200" + "00" * 60 + rd.ljust(128, "0"),
                "event_log": json.dumps(self.event_log()),
                "report_data": rd.ljust(128, "0"), "vm_config": "{}"}

    def info(self, headers, body):
        json.loads(body or "{}", object_pairs_hook=strict_object)
        tcb = {"mrtd": "33" * 48, "rtmr0": "44" * 48, "rtmr1": "55" * 48,
               "rtmr2": "66" * 48, "rtmr3": self.rtmr3().hex(),
               "event_log": self.event_log(), "app_compose": "{}"}
        return {"app_id": "ab" * 20, "instance_id": "cd" * 20, "app_cert": "",
                "tcb_info": json.dumps(tcb), "app_name": "fake-dstack",
                "device_id": "ef" * 32, "key_provider_info": "{}",
                "compose_hash": "01" * 32}


def make_handler(agent):
    methods = {"/EmitEvent": agent.emit_event, "/GetQuote": agent.get_quote,
               "/Info": agent.info}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-dstack"
        sys_version = ""

        def address_string(self):
            return "unix"

        def log_message(self, fmt, *args):
            sys.stderr.write("fake_dstack: " + (fmt % args) + "\n")

        def reply(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def check_headers(self):
            hosts = self.headers.get_all("Host") or []
            types = self.headers.get_all("Content-Type") or []
            if hosts != ["dstack"]:
                raise Rejected(400, "need exactly one Host: dstack, got %r" % hosts)
            if types != ["application/json"]:
                raise Rejected(400, "need Content-Type: application/json, got %r" % types)
            if self.headers.get("Transfer-Encoding") is not None:
                raise Rejected(400, "Transfer-Encoding not expected")
            lengths = self.headers.get_all("Content-Length") or []
            if len(lengths) != 1 or not lengths[0].isdigit():
                raise Rejected(411, "need one Content-Length")
            return int(lengths[0])

        def count(self):
            with agent.lock:
                c = agent.counts
                c["requests"] += 1
                c["by_path"][self.path] = c["by_path"].get(self.path, 0) + 1

        def do_GET(self):
            self.count()
            self.reply(405, {"error": "use POST"})
            agent.save_state()

        def do_POST(self):
            self.count()
            try:
                n = self.check_headers()
                body = self.rfile.read(n).decode("utf-8")
                fn = methods.get(self.path)
                if fn is None:
                    raise Rejected(404, "no such method")
                with agent.lock:
                    fault = agent.fault_for(self.path)
                if fault in ("500", "close"):
                    if fault == "500":
                        self.reply(500, {"error": "injected fault"})
                    else:
                        self.close_connection = True
                    return
                if fault == "removed" and self.path == "/EmitEvent":
                    raise Rejected(400, "EmitEvent is no longer supported; "
                                   "use the native RTMR interface")
                with agent.lock:
                    result = fn(self.headers, body)
                if fault == "500-after":
                    self.reply(500, {"error": "injected fault after the work"})
                elif fault == "close-after":
                    self.close_connection = True
                else:
                    if fault == "slow":
                        time.sleep(agent.args.slow_seconds)
                    self.reply(200, result)
            except Rejected as e:
                agent.counts["rejected"] += 1
                self.reply(e.status, {"error": str(e)})
            except (ValueError, UnicodeDecodeError) as e:
                agent.counts["rejected"] += 1
                self.reply(400, {"error": "bad JSON: %s" % e})
            finally:
                with agent.lock:
                    agent.save_state()

    return Handler


class Server(socketserver.UnixStreamServer):
    pass


class ThreadedServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--socket", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--rtmr3", required=True)
    p.add_argument("--state")
    p.add_argument("--ready")
    p.add_argument("--fault", default="none",
                   choices=["none", "500", "500-after", "close", "close-after",
                            "slow", "removed"])
    p.add_argument("--fault-path")
    p.add_argument("--fault-count", type=int)
    p.add_argument("--slow-seconds", type=float, default=5.0)
    p.add_argument("--threaded", action="store_true")
    args = p.parse_args()
    agent = Agent(args)
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    server = (ThreadedServer if args.threaded else Server)(args.socket, make_handler(agent))
    agent.save_state()

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    try:
        server.serve_forever()
    finally:
        server.server_close()
        try:
            os.unlink(args.socket)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A fault-injecting HTTPS reverse proxy between the launcher and the real
docker-registry / token server (tests only; Python stdlib).

The launcher (and dockerd, when it pulls) talks HTTPS to the proxy, which
presents a certificate of our choosing (the test CA's DNS:localhost one, or
a wrong-name / expired / untrusted one for TLS faults).  Requests whose path
starts with /token go to the token server, everything else to the registry;
both upstreams are reached over TLS trusting only the test CA.  The Bearer
realm in the registry's WWW-Authenticate is rewritten to `realm_base` (the
proxy itself by default), so token requests also pass through a proxy.

Faults are scripted per request with Rule objects: a rule matches on the
path (regex), method, User-Agent substring and whether Authorization was
sent, lets the first `skip` matches through and then fires `times` times
(None: forever).  The first rule that fires decides the response; requests
no rule fires for are forwarded unchanged.  Every response is written as raw
bytes, so framing faults (stalls, resets, truncation, oversized heads,
Content-Length lies, CL+TE) are exact.

Records (for assertions): `log` (one dict per request: method, path, ua,
auth, route, action, status), `tokens` (every token / access_token the token
server handed out through us: the secrets that must not appear in logs),
`tls_failures` (handshakes the client aborted), `huge_sent`.

Any rule may carry hook=<callable>, called with the request before its
action (e.g. to change the token server's settings at an exact moment).

Actions (Rule(action, **args)):
  forward                      pass through (also: a rule that only counts)
  delay       seconds          sleep, then forward
  close_after                  forward, then close the kept-alive connection
  strip_auth                   forward without the Authorization header
  stall_head  seconds          read the request, send nothing, then close
  stall_body  seconds          send the head and half the body, sleep, close
  reset_body                   send the head and half the body, then RST
  truncated_chunked            chunked body without its last chunks, close
  big_head    bytes            forward, padded with headers to over `bytes`
  many_headers n               forward with n extra header fields
  cl_long     extra            Content-Length `extra` bytes too big, close
  cl_short    cut              Content-Length `cut` bytes too small, close
  cl_te                        Content-Length and Transfer-Encoding: chunked
  huge_body   size, chunked    a 200 whose body is `size` bytes (streamed;
                               Content-Length or chunked framing)
  lie_digest  digest           forward, Docker-Content-Digest replaced
  serve       body, content_type, digest (True: sha256 of body, str, None)
  status      code, headers, body
  redirect    location ("self": the same URL), code

CLI (manual use): fault_proxy.py --registry URL --token URL --ca FILE
  --cert FILE --key FILE [--rules FILE.json] — rules as a JSON list of
  {"action": …, "path": …, …}; prints "fault-proxy: https://localhost:<port>".
"""
import argparse
import hashlib
import http.client
import json
import re
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
              "proxy-connection", "te", "trailer", "upgrade"}
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect",
           401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable"}
UPSTREAM_TIMEOUT = 30   # s; loopback services answer in milliseconds
REQUEST_LINE_MAX = 65536
HUGE_CHUNK = 65536


def ua_matches(cond, ua):
    """cond: conditions joined by "&", each a substring the User-Agent must
    hold, or "!substring" it must not ("tee-launcher&!UpstreamClient": the
    launcher itself, not the engine pulling for it)."""
    for c in cond.split("&"):
        if (c[1:] in ua) if c.startswith("!") else (c not in ua):
            return False
    return True


class Rule:
    """One scripted fault; see the module doc."""

    def __init__(self, action, path=None, method=None, ua="tee-launcher", auth=None,
                 skip=0, times=1, **args):
        self.action = action
        self.path = re.compile(path) if path else None
        self.method = method
        self.ua = ua
        self.auth = auth
        self.skip = skip
        self.times = times
        self.args = args
        self.matched = 0
        self.fired = 0

    def matches(self, req):
        if self.path is not None and not self.path.search(req.path):
            return False
        if self.method is not None and req.method != self.method:
            return False
        if self.ua is not None and not ua_matches(self.ua, req.header("User-Agent") or ""):
            return False
        if self.auth is not None and (req.header("Authorization") is not None) != self.auth:
            return False
        return True

    def fire(self, req):
        """Called under the proxy lock: whether this rule handles req."""
        if not self.matches(req):
            return False
        self.matched += 1
        if self.matched <= self.skip:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        self.fired += 1
        return True


class Request:
    def __init__(self, method, target, headers):
        self.method, self.target, self.headers = method, target, headers
        self.path = urllib.parse.urlsplit(target).path

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def read_request(f):
    line = f.readline(REQUEST_LINE_MAX)
    if not line:
        return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        return None
    headers = []
    while True:
        h = f.readline(REQUEST_LINE_MAX)
        if not h or h in (b"\r\n", b"\n"):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers.append((k.strip(), v.strip()))
    req = Request(parts[0], parts[1], headers)
    n = int(req.header("Content-Length") or 0)
    if n:
        f.read(n)  # registries get no bodies from the launcher; drop it
    return req


def head_bytes(status, headers, reason=None):
    out = "HTTP/1.1 %d %s\r\n" % (status, reason or REASONS.get(status, "Status"))
    for k, v in headers:
        out += "%s: %s\r\n" % (k, v)
    return (out + "\r\n").encode("latin-1")


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


class Upstream:
    """A response from the real service (or a made-up one)."""

    def __init__(self, status, reason, headers, body, head_length=None):
        self.status, self.reason = status, reason
        self.headers = headers   # end-to-end headers only
        self.body = body
        self.head_length = head_length  # Content-Length to announce for HEAD


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        px = self.server.proxy
        sock = self.request
        sock.settimeout(UPSTREAM_TIMEOUT + 30)
        if px.tls is not None:
            try:
                sock = px.tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as e:
                px.note_tls_failure(str(e))
                return
        self.sock = sock
        f = sock.makefile("rb")
        try:
            while True:
                req = read_request(f)
                if req is None:
                    return
                end = self.serve(req)
                if end != "keep" or (req.header("Connection") or "").lower() == "close":
                    self.finish_connection(end)
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            try:
                f.close()
            except OSError:
                pass

    def finish_connection(self, end):
        try:
            if end == "reset":
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                self.sock.close()
                return
            if isinstance(self.sock, ssl.SSLSocket) and end == "close":
                self.sock.settimeout(2)
                self.sock = self.sock.unwrap()  # close_notify, then FIN
            self.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ssl.SSLError, ValueError):
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def serve(self, req):
        px = self.server.proxy
        rule = px.pick(req)
        action = rule.action if rule else "forward"
        entry = px.record(req, action)
        args = dict(rule.args) if rule else {}
        hook = args.pop("hook", None)
        if hook is not None:
            hook(req)
        try:
            end, status = getattr(self, "a_" + action)(req, **args)
        except (OSError, ssl.SSLError):
            entry["status"] = -1
            raise
        entry["status"] = status
        return end

    # ---- building blocks

    def fetch(self, req, strip_auth=False):
        return self.server.proxy.fetch(req, strip_auth)

    def send_response(self, req, up, extra=(), length=None, body=None):
        body = up.body if body is None else body
        headers = list(up.headers) + list(extra)
        if req.method == "HEAD":
            n = up.head_length if up.head_length is not None else len(body)
            self.send(head_bytes(up.status, headers + [("Content-Length", str(n))],
                                 up.reason))
            return
        n = len(body) if length is None else length
        self.send(head_bytes(up.status, headers + [("Content-Length", str(n))], up.reason)
                  + body)

    # ---- actions: return (end, status)

    def a_forward(self, req):
        up = self.fetch(req)
        self.send_response(req, up)
        return "keep", up.status

    def a_close_after(self, req):
        up = self.fetch(req)
        self.send_response(req, up)
        return "close", up.status

    def a_delay(self, req, seconds):
        time.sleep(seconds)
        return self.a_forward(req)

    def a_strip_auth(self, req):
        up = self.fetch(req, strip_auth=True)
        self.send_response(req, up)
        return "keep", up.status

    def a_stall_head(self, req, seconds):
        time.sleep(seconds)
        return "close", 0

    def a_stall_body(self, req, seconds):
        up = self.fetch(req)
        half = len(up.body) // 2
        self.send(head_bytes(up.status, up.headers + [("Content-Length", str(len(up.body)))],
                             up.reason) + up.body[:half])
        time.sleep(seconds)
        return "close", up.status

    def a_reset_body(self, req):
        up = self.fetch(req)
        half = len(up.body) // 2
        self.send(head_bytes(up.status, up.headers + [("Content-Length", str(len(up.body)))],
                             up.reason) + up.body[:half])
        time.sleep(0.05)  # let the bytes leave before the RST
        return "reset", up.status

    def a_truncated_chunked(self, req):
        up = self.fetch(req)
        half = len(up.body) // 2
        self.send(head_bytes(up.status, up.headers + [("Transfer-Encoding", "chunked")],
                             up.reason) + chunk(up.body[:half]))
        return "close", up.status

    def a_big_head(self, req, bytes=70000):
        up = self.fetch(req)
        per = 4000
        pad = [("X-Fault-Pad-%d" % i, "p" * per) for i in range(bytes // per + 1)]
        self.send_response(req, up, extra=pad)
        return "keep", up.status

    def a_many_headers(self, req, n=1000):
        up = self.fetch(req)
        self.send_response(req, up, extra=[("X-Fault-%d" % i, "v") for i in range(n)])
        return "keep", up.status

    def a_cl_long(self, req, extra=100):
        up = self.fetch(req)
        self.send_response(req, up, length=len(up.body) + extra)
        return "close", up.status

    def a_cl_short(self, req, cut=10):
        up = self.fetch(req)
        self.send_response(req, up, length=max(len(up.body) - cut, 0))
        return "close", up.status

    def a_cl_te(self, req):
        up = self.fetch(req)
        body = chunk(up.body) + b"0\r\n\r\n"
        self.send(head_bytes(up.status, up.headers + [
            ("Content-Length", str(len(up.body))), ("Transfer-Encoding", "chunked")],
            up.reason) + body)
        return "close", up.status

    def a_huge_body(self, req, size, chunked=False,
                    content_type="application/vnd.oci.image.manifest.v1+json"):
        px = self.server.proxy
        framing = ("Transfer-Encoding", "chunked") if chunked else \
            ("Content-Length", str(size))
        self.send(head_bytes(200, [("Content-Type", content_type), framing]))
        sent = 0
        block = b" " * HUGE_CHUNK
        try:
            while sent < size:
                n = min(HUGE_CHUNK, size - sent)
                self.send(chunk(block[:n]) if chunked else block[:n])
                sent += n
            if chunked:
                self.send(b"0\r\n\r\n")
        finally:
            px.huge_sent.append(sent)
        return "close", 200

    def a_lie_digest(self, req, digest):
        up = self.fetch(req)
        up.headers = [(k, v) for k, v in up.headers if k.lower() != "docker-content-digest"]
        self.send_response(req, up, extra=[("Docker-Content-Digest", digest)])
        return "keep", up.status

    def a_serve(self, req, body, content_type, digest=True, status=200):
        body = body.encode() if isinstance(body, str) else body
        headers = [("Content-Type", content_type)]
        if digest is True:
            headers.append(("Docker-Content-Digest",
                            "sha256:" + hashlib.sha256(body).hexdigest()))
        elif digest:
            headers.append(("Docker-Content-Digest", digest))
        self.send_response(req, Upstream(status, None, headers, body))
        return "keep", status

    def a_status(self, req, code, headers=(), body=b'{"errors":[{"code":"FAULT"}]}'):
        self.send_response(req, Upstream(code, None,
                                         [("Content-Type", "application/json")] +
                                         list(headers), body))
        return "keep", code

    def a_redirect(self, req, location="self", code=302):
        px = self.server.proxy
        loc = px.base + req.target if location == "self" else location
        self.send_response(req, Upstream(code, None, [("Location", loc)], b""))
        return "keep", code


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class FaultProxy:
    """See the module doc.  Context manager; start() binds 127.0.0.1:<free port>."""

    def __init__(self, registry_url, token_url, ca_file, cert=None, key=None,
                 realm_base=None):
        self.registry = urllib.parse.urlsplit(registry_url)
        self.token = urllib.parse.urlsplit(token_url) if token_url else None
        self.client_ctx = ssl.create_default_context(cafile=ca_file)
        self.tls = None
        if cert:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(cert, key)
        self.realm_base = realm_base
        self.lock = threading.Lock()
        self.rules = []
        self.log = []
        self.tokens = set()
        self.tls_failures = []
        self.huge_sent = []
        self.server = None
        self.port = 0

    # ---- lifecycle

    def start(self):
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.proxy = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def host(self):
        return "localhost:%d" % self.port

    @property
    def base(self):
        return "%s://localhost:%d" % ("https" if self.tls else "http", self.port)

    # ---- scripting and records

    def set_rules(self, *rules):
        """Replaces the rules and clears the records (not the tokens)."""
        with self.lock:
            self.rules = list(rules)
            self.log = []
            self.tls_failures = []
            self.huge_sent = []

    def pick(self, req):
        with self.lock:
            for r in self.rules:
                if r.fire(req):
                    return r
        return None

    def record(self, req, action):
        e = {"method": req.method, "path": req.path, "ua": req.header("User-Agent") or "",
             "auth": req.header("Authorization") is not None, "action": action,
             "route": self.route(req)[0], "status": None}
        with self.lock:
            self.log.append(e)
        return e

    def note_tls_failure(self, msg):
        with self.lock:
            self.tls_failures.append(msg)

    def count(self, path=None, method=None, ua="tee-launcher", auth=None, action=None):
        """Requests seen that match (same matching as Rule)."""
        probe = Rule("forward", path=path, method=method, ua=None, auth=None)
        n = 0
        with self.lock:
            log = list(self.log)
        for e in log:
            if probe.path is not None and not probe.path.search(e["path"]):
                continue
            if method is not None and e["method"] != method:
                continue
            if ua is not None and not ua_matches(ua, e["ua"]):
                continue
            if auth is not None and e["auth"] != auth:
                continue
            if action is not None and e["action"] != action:
                continue
            n += 1
        return n

    def statuses(self, path, ua="tee-launcher"):
        """Statuses answered to the requests whose path matches, in order."""
        rx = re.compile(path)
        with self.lock:
            return [e["status"] for e in self.log
                    if rx.search(e["path"]) and (ua is None or ua_matches(ua, e["ua"]))]

    # ---- upstream

    def route(self, req):
        if self.token is not None and req.path.startswith("/token"):
            return "token", self.token
        return "registry", self.registry

    def fetch(self, req, strip_auth=False):
        name, up = self.route(req)
        conn = http.client.HTTPSConnection(up.hostname, up.port, context=self.client_ctx,
                                           timeout=UPSTREAM_TIMEOUT)
        try:
            # Field by field: dockerd sends one Accept per media type.
            conn.putrequest(req.method, req.target, skip_host=True,
                            skip_accept_encoding=True)
            conn.putheader("Host", up.netloc)
            for k, v in req.headers:
                lk = k.lower()
                if lk in HOP_BY_HOP or lk == "host":
                    continue
                if strip_auth and lk == "authorization":
                    continue
                conn.putheader(k, v)
            conn.endheaders()
            r = conn.getresponse()
            body = r.read()
            out = []
            head_length = None
            for k, v in r.getheaders():
                lk = k.lower()
                if lk == "content-length":
                    head_length = int(v)
                if lk in HOP_BY_HOP:
                    continue
                if lk == "www-authenticate":
                    v = self.rewrite_realm(v)
                out.append((k, v))
        finally:
            conn.close()
        if name == "token" and r.status == 200:
            self.keep_tokens(body)
        return Upstream(r.status, r.reason, out, body, head_length)

    def rewrite_realm(self, value):
        if self.token is None:
            return value
        old = "%s://%s" % (self.token.scheme, self.token.netloc)
        return value.replace(old, self.realm_base or self.base)

    def keep_tokens(self, body):
        try:
            obj = json.loads(body)
        except ValueError:
            return
        with self.lock:
            for k in ("token", "access_token"):
                if isinstance(obj.get(k), str) and obj[k]:
                    self.tokens.add(obj[k])


def main():
    ap = argparse.ArgumentParser(description="fault-injecting HTTPS reverse proxy")
    ap.add_argument("--registry", required=True, help="https://localhost:<port>")
    ap.add_argument("--token", help="https://localhost:<port> of the token server")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--rules", help="JSON list of rule objects")
    args = ap.parse_args()
    px = FaultProxy(args.registry, args.token, args.ca, args.cert, args.key)
    if args.rules:
        with open(args.rules) as f:
            px.set_rules(*[Rule(**r) for r in json.load(f)])
    px.start()
    print("fault-proxy: %s" % px.base, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        px.stop()


if __name__ == "__main__":
    main()

"""Scripted HTTP/1.1 test servers on loopback (stdlib only).

One request handler serves plain TCP, TLS and AF_UNIX listeners.  The
request path picks a behaviour (see BEHAVIOURS); each server records every
request (connection id, index on the connection, method, target, headers,
body) and counts connections, so tests can assert what actually arrived.
Also here: a CONNECT proxy and a black hole (accepts, never answers).

Responses are written as raw bytes so faults (stalls, resets, truncation,
oversized heads, smuggling) are exact.
"""
import hashlib
import json
import os
import select
import socket
import socketserver
import ssl
import struct
import threading
import urllib.parse

STALL_SECONDS = 10


def pattern(n):
    """The deterministic body of n bytes that /cl, /chunked and /close send."""
    unit = b"0123456789abcdefghijklmnopqrstuvwxyz\n"
    return (unit * (n // len(unit) + 1))[:n]


def sha256(b):
    return hashlib.sha256(b).hexdigest()


class Request:
    def __init__(self, method, target, version, headers, body):
        self.method, self.target, self.version = method, target, version
        self.headers, self.body = headers, body
        u = urllib.parse.urlsplit(target)
        self.path = u.path
        self.query = dict(urllib.parse.parse_qsl(u.query))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def read_request(f):
    line = f.readline(65536)
    if not line:
        return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        return None
    headers = []
    while True:
        h = f.readline(65536)
        if not h or h in (b"\r\n", b"\n"):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers.append((k, v.strip()))
    req = Request(parts[0], parts[1], parts[2], headers, b"")
    n = int(req.header("Content-Length") or 0)
    req.body = f.read(n) if n else b""
    return req


REASONS = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           303: "See Other", 307: "Temporary Redirect", 308: "Permanent Redirect",
           404: "Not Found", 407: "Proxy Authentication Required",
           429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


def response(status, body=b"", headers=(), length=True):
    head = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status"))
    for k, v in headers:
        head += "%s: %s\r\n" % (k, v)
    if length:
        head += "Content-Length: %d\r\n" % len(body)
    return head.encode("latin-1") + b"\r\n" + body


def chunked(body, ext=True, trailer=True):
    out, i, sizes, k = [], 0, [1, 7, 100, 4096, 3, 12345], 0
    while i < len(body):
        n = sizes[k % len(sizes)]
        k += 1
        piece = body[i:i + n]
        i += n
        e = ";ext=1" if ext and k == 1 else ""
        out.append(b"%x%s\r\n%s\r\n" % (len(piece), e.encode(), piece))
    out.append(b"0\r\n" + (b"X-Trailer: yes\r\n" if trailer else b"") + b"\r\n")
    return b"".join(out)


# ---- behaviours: (handler, request) -> "keep" | "close" | "reset" | "unclean"

def b_cl(h, r):
    h.send(response(200, pattern(int(r.query.get("n", "100"))),
                    [("Content-Type", "application/octet-stream")]))
    return "keep"


def b_chunked(h, r):
    body = pattern(int(r.query.get("n", "100")))
    h.send(response(200, chunked(body), [("Transfer-Encoding", "chunked")],
                    length=False))
    return "keep"


def b_close(h, r):
    h.send(response(200, pattern(int(r.query.get("n", "100"))),
                    [("Connection", "close")], length=False))
    return "close"


def b_close_unclean(h, r):
    h.send(response(200, pattern(int(r.query.get("n", "100"))),
                    [("Connection", "close")], length=False))
    return "unclean"


def b_http10(h, r):
    body = pattern(int(r.query.get("n", "100")))
    h.send(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    return "close"


def b_1xx(h, r):
    h.send(b"HTTP/1.1 100 Continue\r\n\r\n"
           b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n")
    h.send(response(200, b"after interim"))
    return "keep"


def b_echo(h, r):
    body = json.dumps({"method": r.method, "target": r.target,
                       "headers": r.headers,
                       "body": r.body.decode("latin-1")}).encode()
    h.send(response(200, body, [("Content-Type", "application/json")]))
    return "keep"


def b_conn(h, r):
    h.send(response(200, b"conn=%d req=%d" % (h.conn_id, h.nreq)))
    return "keep"


def b_status(h, r):
    code = int(r.query.get("code", "200"))
    extra = [("Retry-After", "2")] if code == 429 else []
    h.send(response(code, b"status %d" % code, extra))
    return "keep"


def b_redirect(h, r):
    code = int(r.query.get("code", "302"))
    h.send(response(code, b"moved", [("Location", r.query["to"])]))
    return "keep"


def b_chain(h, r):
    n = int(r.query.get("n", "0"))
    if n == 0:
        h.send(response(200, b"end of chain"))
    else:
        h.send(response(302, b"", [("Location", "/chain?n=%d" % (n - 1))]))
    return "keep"


def b_big_redirect_body(h, r):
    h.send(response(302, pattern(200000), [("Location", "/cl?n=10")]))
    return "keep"


def b_stall_head(h, r):
    h.server.stop.wait(STALL_SECONDS)
    return "close"


def b_stall_body(h, r):
    h.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + pattern(10))
    h.server.stop.wait(STALL_SECONDS)
    return "close"


def b_reset_body(h, r):
    h.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + pattern(1000))
    return "reset"


def b_truncated_chunked(h, r):
    h.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    return "close"


def b_truncated_cl(h, r):
    h.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + pattern(40))
    return "close"


def b_bad_chunked(h, r):
    h.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n")
    return "close"


def b_big_head(h, r):
    hdrs = [("X-Filler-%02d" % i, "v" * 1200) for i in range(60)]
    h.send(response(200, b"never read", hdrs))
    return "close"


def b_many_headers(h, r):
    h.send(response(200, b"x", [("X-H%d" % i, "1") for i in range(150)]))
    return "close"


def b_garbage(h, r):
    h.send(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
    return "close"


def b_smuggle(h, r):
    h.send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    return "close"


def b_keepalive_then_close(h, r):
    h.send(response(200, b"bye"))
    return "close"


def b_drop_second(h, r):
    """Answers the first request of a connection, drops the connection on
    the second without a word: an idle timeout racing a reused request."""
    if h.nreq >= 2:
        return "close"
    h.send(response(200, b"first"))
    return "keep"


def b_head(h, r):
    body = pattern(1000)
    if r.method == "HEAD":
        h.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
    else:
        h.send(response(200, body))
    return "keep"


BEHAVIOURS = {
    "/cl": b_cl, "/chunked": b_chunked, "/close": b_close,
    "/close-unclean": b_close_unclean, "/http10": b_http10, "/1xx": b_1xx,
    "/echo": b_echo, "/Info": b_echo, "/conn": b_conn, "/status": b_status,
    "/redirect": b_redirect, "/chain": b_chain,
    "/big-redirect-body": b_big_redirect_body,
    "/stall-head": b_stall_head, "/stall-body": b_stall_body,
    "/reset-body": b_reset_body, "/truncated-chunked": b_truncated_chunked,
    "/truncated-cl": b_truncated_cl, "/bad-chunked": b_bad_chunked,
    "/big-head": b_big_head, "/many-headers": b_many_headers,
    "/garbage": b_garbage, "/smuggle": b_smuggle,
    "/keepalive-then-close": b_keepalive_then_close, "/head": b_head,
    "/drop-second": b_drop_second,
}


class Handler(socketserver.BaseRequestHandler):
    def send(self, data):
        self.request.sendall(data)

    def handle(self):
        srv = self.server
        sock = self.request
        if srv.tls is not None:
            try:
                sock.do_handshake()
            except (ssl.SSLError, OSError) as e:
                srv.note_tls_failure(str(e))
                return
            srv.note_tls(sock)
        self.conn_id = srv.new_connection()
        self.nreq = 0
        f = sock.makefile("rb")
        end = "close"
        while True:
            try:
                req = read_request(f)
            except (OSError, ValueError):
                req = None
            if req is None:
                break
            self.nreq += 1
            srv.record(self.conn_id, self.nreq, req)
            fn = BEHAVIOURS.get(req.path)
            if fn is None:
                self.send(response(404, b"no such behaviour"))
                continue
            try:
                end = fn(self, req)
            except OSError:
                end = "close"
            if end != "keep":
                break
        self.finish_connection(sock, end)

    def finish_connection(self, sock, end):
        try:
            if end == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            elif end in ("close", "keep") and self.server.tls is not None:
                sock.unwrap()  # close_notify: a clean TLS end of stream
        except (OSError, ValueError):
            pass
        try:
            sock.close()
        except OSError:
            pass


class _Base:
    daemon_threads = True
    allow_reuse_address = True

    def setup_state(self, tls):
        self.tls = tls
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = []
        self.tls_info = []
        self.tls_failures = []

    def new_connection(self):
        with self.lock:
            self.connections += 1
            return self.connections

    def record(self, conn_id, nreq, req):
        with self.lock:
            self.requests.append((conn_id, nreq, req))

    def note_tls(self, sock):
        with self.lock:
            self.tls_info.append({"version": sock.version(),
                                  "alpn": sock.selected_alpn_protocol(),
                                  "sni": getattr(sock, "sni_name", None)})

    def note_tls_failure(self, msg):
        with self.lock:
            self.tls_failures.append(msg)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False)
        return sock, addr

    def snapshot(self):
        with self.lock:
            return self.connections, list(self.requests)

    def close(self):
        self.stop.set()
        self.shutdown()
        self.server_close()


class TCPServer(_Base, socketserver.ThreadingTCPServer):
    def __init__(self, host="127.0.0.1", tls=None, family=socket.AF_INET):
        self.address_family = family
        self.setup_state(tls)
        socketserver.ThreadingTCPServer.__init__(self, (host, 0), Handler)
        self.port = self.server_address[1]


class UnixServer(_Base, socketserver.ThreadingUnixStreamServer):
    def __init__(self, path):
        self.setup_state(None)
        socketserver.ThreadingUnixStreamServer.__init__(self, path, Handler)
        self.port = None


def tls_context(cert, key, chain=None, curve=None, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if curve:
        ctx.set_ecdh_curve(curve)
    if ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(ciphers)
    ctx.set_alpn_protocols(["http/1.1"])

    def sni(sock, name, _ctx):
        sock.sni_name = name
    ctx.sni_callback = sni
    return ctx


# ---- CONNECT proxy -------------------------------------------------------

class ProxyHandler(socketserver.BaseRequestHandler):
    def handle(self):
        srv = self.server
        c = self.request
        f = c.makefile("rb")
        req = read_request(f)
        if req is None:
            return
        with srv.lock:
            srv.log.append(req)
        host, _, port = req.target.rpartition(":")
        host = host.strip("[]")
        if srv.refuse or req.method != "CONNECT" or \
                host not in ("localhost", "127.0.0.1", "::1"):
            c.sendall(response(srv.refuse or 403, b""))
            return
        try:
            up = socket.create_connection((host, int(port)), timeout=5)
        except OSError:
            c.sendall(response(502, b""))
            return
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        # The buffered reader may hold bytes already (client sent early).
        pending = f.peek(0) if hasattr(f, "peek") else b""
        if pending:
            up.sendall(f.read(len(pending)))
        self.pipe(c, up)

    def pipe(self, a, b):
        socks = [a, b]
        while not self.server.stop.is_set():
            r, _, _ = select.select(socks, [], [], 0.5)
            for s in r:
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    b.close()
                    return
                (b if s is a else a).sendall(data)


class ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse=0):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.log = []
        self.refuse = refuse
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", 0),
                                                 ProxyHandler)
        self.port = self.server_address[1]

    def close(self):
        self.stop.set()
        self.shutdown()
        self.server_close()


class BlackHole:
    """Accepts TCP connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
                self.held.append(c)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.t.join()
        for c in self.held:
            c.close()
        self.sock.close()


def serve(server):
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True)
    t.start()
    return server


class Fixture:
    """Every server the client tests need, on ephemeral loopback ports."""

    def __init__(self, pki, tmp):
        p = lambda n: os.path.join(pki, n)
        good = tls_context(p("server.pem"), p("server.key"))
        self.http = serve(TCPServer())
        self.http_b = serve(TCPServer())
        self.http6 = serve(TCPServer("::1", family=socket.AF_INET6))
        self.https = serve(TCPServer(tls=good))
        self.https_b = serve(TCPServer(tls=good))
        self.https_rsa = serve(TCPServer(tls=tls_context(p("rsa.pem"), p("rsa.key"))))
        self.https_p384 = serve(TCPServer(tls=tls_context(p("p384.pem"), p("p384.key"),
                                                          curve="secp384r1")))
        self.https_x25519 = serve(TCPServer(tls=tls_context(p("server.pem"), p("server.key"),
                                                            curve="X25519")))
        self.https_chacha = serve(TCPServer(tls=tls_context(
            p("server.pem"), p("server.key"), ciphers="ECDHE-ECDSA-CHACHA20-POLY1305")))
        self.https_expired = serve(TCPServer(tls=tls_context(p("expired.pem"), p("expired.key"))))
        self.https_wrongname = serve(TCPServer(tls=tls_context(p("wrongname.pem"), p("wrongname.key"))))
        self.https_untrusted = serve(TCPServer(tls=tls_context(p("untrusted.pem"), p("untrusted.key"))))
        self.unix_path = os.path.join(tmp, "agent.sock")
        self.unix = serve(UnixServer(self.unix_path))
        self.proxy = serve(ProxyServer())
        self.proxy_refusing = serve(ProxyServer(refuse=407))
        self.blackhole = BlackHole()
        self.all = [self.http, self.http_b, self.http6, self.https, self.https_b,
                    self.https_rsa, self.https_p384, self.https_x25519,
                    self.https_chacha, self.https_expired, self.https_wrongname,
                    self.https_untrusted, self.unix, self.proxy,
                    self.proxy_refusing, self.blackhole]

    def close(self):
        for s in self.all:
            s.close()

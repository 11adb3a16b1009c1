#!/usr/bin/env python3
"""A registry token server for tests (Docker Registry v2 token authentication).

It answers GET /token?service=..&scope=repository:<name>:<actions> with
{"token", "access_token", "expires_in", "issued_at"}: an RS256 JWT that
docker-registry 2.8 accepts when configured with
auth.token.{realm, service, issuer, rootcertbundle}.  The JWT header carries
the libtrust key id of the signing key (the registry looks the key up by it in
rootcertbundle); signing is done by `openssl dgst -sha256 -sign`.

Policy: anonymous clients get `pull` only (what the launcher asks for); a
client sending HTTP Basic credentials equal to the configured push user gets
every action it asks for (the image pusher needs `push`).  Wrong credentials
get 401.  Tokens never appear in the log.

Test hooks (same port, JSON):
  GET  /_stats    -> {"token_requests", "issued", "denied", "scopes", "anonymous"}
  POST /_control  {"lifetime": s, "exp_offset": s, "delay": s,
                   "fail_status": code, "fail_count": n, "reset": true}
    lifetime    expires_in and exp - iat of new tokens
    exp_offset  added to exp only (negative: tokens already expired when issued,
                which the registry rejects although expires_in looks valid)
    delay       seconds to sleep before answering /token
    fail_*      answer the next n /token requests with that status
Run standalone: token_server.py --signer-key K --issuer I --service S
  [--cert C --key K (TLS)] [--port-file F] [--lifetime N] [--delay S]
The push password comes from the environment variable TL_TOKEN_PUSH_PASSWORD.
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_SCOPES_KEPT = 200  # /_stats keeps the recent scopes; bounded for long runs


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_kid(public_der):
    """libtrust key id: base32 of the first 240 bits of sha256(SPKI DER),
    in 12 colon-separated groups of 4 characters."""
    b32 = base64.b32encode(hashlib.sha256(public_der).digest()[:30]).decode()
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def public_der_of(key_path):
    return subprocess.run(
        ["openssl", "pkey", "-in", key_path, "-pubout", "-outform", "DER"],
        check=True, capture_output=True).stdout


def rs256_sign(key_path, data):
    return subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", key_path],
        input=data, check=True, capture_output=True).stdout


def parse_scope(scope):
    """'repository:<name>:<a,b>' -> (type, name, [actions]) or None."""
    kind, sep, rest = scope.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not sep or not sep2 or not kind or not name:
        return None
    return kind, name, [a for a in actions.split(",") if a]


class State:
    """Configuration and counters shared by the handler threads."""

    def __init__(self, signer_key, issuer, service, lifetime, delay,
                 push_user, push_password):
        self.signer_key = signer_key
        self.kid = libtrust_kid(public_der_of(signer_key))
        self.issuer = issuer
        self.service = service
        self.push_user = push_user
        self.push_password = push_password
        self.lock = threading.Lock()
        self.settings = {"lifetime": lifetime, "exp_offset": 0, "delay": delay,
                         "fail_status": 0, "fail_count": 0}
        self.reset()

    def reset(self):
        self.stats = {"token_requests": 0, "issued": 0, "denied": 0,
                      "anonymous": 0, "scopes": []}

    def make_token(self, subject, access, lifetime, exp_offset):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service,
                  "exp": now + lifetime + exp_offset, "nbf": now - 1,
                  "iat": now, "jti": secrets.token_hex(16), "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        sig = rs256_sign(self.signer_key, signing_input)
        return signing_input.decode() + "." + b64url(sig), now


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tl-token-server"

    def log_message(self, fmt, *args):
        # Only the path (the query may carry nothing secret, but keep it short).
        sys.stderr.write("token-server: %s %s\n" % (self.command, self.path.split("?")[0]))

    def reply(self, status, obj, extra=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def authenticated_user(self):
        """Returns (user or "", ok)."""
        st = self.server.state
        auth = self.headers.get("Authorization", "")
        if not auth:
            return "", True
        if not auth.startswith("Basic "):
            return "", False
        try:
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return "", False
        ok = (st.push_user and user == st.push_user and
              secrets.compare_digest(pw, st.push_password))
        return (user, True) if ok else ("", False)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_stats":
            with self.server.state.lock:
                self.reply(200, self.server.state.stats)
            return
        if url.path != "/token":
            self.reply(404, {"error": "not found"})
            return
        self.token(urllib.parse.parse_qs(url.query))

    def token(self, query):
        st = self.server.state
        with st.lock:
            st.stats["token_requests"] += 1
            s = dict(st.settings)
            if s["fail_count"] > 0:
                st.settings["fail_count"] -= 1
        if s["delay"] > 0:
            time.sleep(s["delay"])
        if s["fail_count"] > 0 and s["fail_status"]:
            self.reply(s["fail_status"], {"error": "injected failure"})
            return
        user, ok = self.authenticated_user()
        service = query.get("service", [""])[0]
        if not ok or service != st.service:
            with st.lock:
                st.stats["denied"] += 1
            why = "bad credentials" if not ok else "unknown service"
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]},
                       [("WWW-Authenticate", 'Basic realm="tl-token-server"')])
            return
        access = []
        scopes = []
        for scope in query.get("scope", []):
            for one in scope.split(" "):
                parsed = parse_scope(one)
                if parsed is None:
                    continue
                kind, name, actions = parsed
                granted = actions if user else [a for a in actions if a == "pull"]
                access.append({"type": kind, "name": name, "actions": granted})
                scopes.append(one)
        token, now = st.make_token(user, access, s["lifetime"], s["exp_offset"])
        with st.lock:
            st.stats["issued"] += 1
            if not user:
                st.stats["anonymous"] += 1
            st.stats["scopes"] = (st.stats["scopes"] + scopes)[-MAX_SCOPES_KEPT:]
        issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        self.reply(200, {"token": token, "access_token": token,
                         "expires_in": s["lifetime"], "issued_at": issued})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        if urllib.parse.urlsplit(self.path).path != "/_control":
            self.reply(404, {"error": "not found"})
            return
        try:
            req = json.loads(raw)
        except ValueError:
            self.reply(400, {"error": "bad json"})
            return
        st = self.server.state
        with st.lock:
            if req.pop("reset", False):
                st.reset()
            for k, v in req.items():
                if k not in st.settings:
                    self.reply(400, {"error": "unknown setting " + k})
                    return
                st.settings[k] = v
            self.reply(200, st.settings)


def serve(args):
    state = State(args.signer_key, args.issuer, args.service, args.lifetime,
                  args.delay, args.push_user,
                  os.environ.get("TL_TOKEN_PUSH_PASSWORD", ""))
    httpd = ThreadingHTTPServer((args.addr, args.port), Handler)
    httpd.daemon_threads = True
    httpd.state = state
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        # Handshake in the handler thread, not in accept(): a client that
        # connects and stalls must not block the others.
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                       do_handshake_on_connect=False)
    port = httpd.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print("token-server: listening on %s:%d (%s)" %
          (args.addr, port, "https" if args.cert else "http"), flush=True)
    httpd.serve_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--signer-key", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--lifetime", type=int, default=300)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--push-user", default="")
    serve(ap.parse_args())


if __name__ == "__main__":
    main()

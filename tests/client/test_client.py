"""HTTP client behaviour against real loopback servers.

Runs build/drivers/http-get (the ASan build of src/http.c, tls.c, net.c)
against the scripted servers of tests/lib/http_fixture.py and asserts
statuses, error classes, counters and what the servers received.
Environment: TOP, DRIVERS, PKI (from tests/lib/testca.sh), TMPDIR.
Prints one line per test and "N passed, N failed" last.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "lib"))
import http_fixture as fx  # noqa: E402

DRIVER = os.path.join(os.environ["DRIVERS"], "http-get")
PKI = os.environ["PKI"]
CA = os.path.join(PKI, "ca.pem")
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy",
              "HTTP_PROXY", "http_proxy")


class Run:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed
        self.reqs, self.stats = [], {}
        for line in out.splitlines():
            if line.startswith("request "):
                kv = dict(p.split("=", 1) for p in line.split(": ", 1)[1].split())
                kv["headers"] = {}
                kv["error"] = ""
                self.reqs.append(kv)
            elif line.startswith("header ") and self.reqs:
                k, _, v = line[7:].partition(": ")
                self.reqs[-1]["headers"][k.lower()] = v
            elif line.startswith("error: "):
                if self.reqs:
                    self.reqs[-1]["error"] = line[7:]
                else:
                    self.reqs.append({"err": "setup", "error": line[7:]})
            elif line.startswith("stats "):
                self.stats = {k: int(v) for k, v in
                              (p.split("=") for p in line.split()[1:])}

    @property
    def last(self):
        return self.reqs[-1]

    def __repr__(self):
        return "rc=%d out=%r err=%r" % (self.rc, self.out[-1500:], self.err[-800:])


def run(*args, env=None, ca=True, timeout=30):
    e = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    e.pop("TEE_LAUNCHER_EXTRA_CA_FILE", None)
    if ca:
        e["TEE_LAUNCHER_EXTRA_CA_FILE"] = CA
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run([DRIVER] + [str(a) for a in args], env=e,
                       capture_output=True, text=True, timeout=timeout)
    return Run(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def check(cond, what, r=None):
    if not cond:
        raise AssertionError(what + ("" if r is None else "\n  %r" % (r,)))


def ok(r, status=200, n=None):
    check(r.reqs, "no request line", r)
    for q in r.reqs if n is None else r.reqs[:n]:
        check(q["err"] == "ok", "err=%s, want ok" % q.get("err"), r)
        check(int(q["status"]) == status, "status %s, want %d" % (q["status"], status), r)


def fails(r, cls, text=None):
    check(r.rc == 1, "exit %d, want 1" % r.rc, r)
    check(r.last["err"] == cls, "err=%s, want %s" % (r.last["err"], cls), r)
    if text is not None:
        check(text in r.last["error"], "error lacks %r" % text, r)


# ---- the tests ------------------------------------------------------------

F = None  # the fixture, set in main()


def url(srv, path, host="localhost", scheme=None):
    scheme = scheme or ("https" if srv.tls is not None else "http")
    return "%s://%s:%d%s" % (scheme, host, srv.port, path)


def echo_of(srv, path_prefix="/echo"):
    _, reqs = srv.snapshot()
    return [q for (_, _, q) in reqs if q.path == path_prefix]


def t_content_length_body():
    r = run(url(F.http, "/cl?n=100000"))
    ok(r)
    check(r.last["body_len"] == "100000", "body_len", r)
    check(r.last["body_sha256"] == fx.sha256(fx.pattern(100000)), "body hash", r)


def t_chunked_body():
    r = run(url(F.http, "/chunked?n=50000"))
    ok(r)
    check(r.last["body_sha256"] == fx.sha256(fx.pattern(50000)), "body hash", r)


def t_chunked_body_through_sink():
    r = run("--sink", url(F.http, "/chunked?n=70000"))
    ok(r)
    check(r.last["body_sha256"] == fx.sha256(fx.pattern(70000)), "body hash", r)


def t_close_delimited_body():
    r = run(url(F.http, "/close?n=30000"))
    ok(r)
    check(r.last["body_sha256"] == fx.sha256(fx.pattern(30000)), "body hash", r)


def t_http10_response():
    r = run(url(F.http, "/http10?n=500"), url(F.http, "/http10?n=500"))
    ok(r)
    check(r.stats["tcp_connects"] == 2, "HTTP/1.0 is not kept alive", r)


def t_interim_1xx_skipped():
    r = run(url(F.http, "/1xx"), "--out", os.path.join(TMP, "1xx"))
    ok(r)
    check(open(os.path.join(TMP, "1xx"), "rb").read() == b"after interim", "body", r)


def t_keep_alive_reuses_one_connection():
    before, _ = F.http.snapshot()
    r = run("--count", 5, url(F.http, "/conn"), "--out", os.path.join(TMP, "conn"))
    after, _ = F.http.snapshot()
    ok(r)
    check(r.stats["tcp_connects"] == 1 and r.stats["requests"] == 5
          and r.stats["reused"] == 4, "counters", r)
    check(after - before == 1, "server saw %d connections" % (after - before), r)
    check(open(os.path.join(TMP, "conn"), "rb").read().endswith(b"req=5"),
          "fifth request on the same server connection", r)


def t_pool_keeps_two_origins():
    r = run("--count", 3, url(F.http, "/conn"), url(F.http_b, "/conn"))
    ok(r)
    check(r.stats["tcp_connects"] == 2 and r.stats["reused"] == 4, "counters", r)


def t_close_delimited_is_not_reused():
    r = run("--count", 3, url(F.http, "/close?n=10"))
    ok(r)
    check(r.stats["tcp_connects"] == 3, "counters", r)


def t_idle_connection_closed_by_server_is_replaced():
    # The pause lets the server's FIN arrive: the idle check must see it
    # (no request is wasted on the dead connection).
    r = run("--pause", 200, "--count", 2, url(F.http, "/keepalive-then-close"))
    ok(r)
    check(r.stats["tcp_connects"] == 2 and r.stats["requests"] == 2, "counters", r)


def t_reused_connection_dropped_unanswered_is_retried_once():
    r = run("--count", 2, url(F.http, "/drop-second"))
    ok(r)
    check(r.stats["requests"] == 3 and r.stats["tcp_connects"] == 2, "retried", r)
    r = run("-X", "POST", "-d", "x", "--count", 2, url(F.http, "/drop-second"))
    check(r.reqs[0]["err"] == "ok", "first POST", r)
    fails(r, "io", "no response")
    check(r.stats["requests"] == 2, "POST is not retried", r)


def t_request_writer_sends_method_host_headers_body():
    r = run("-X", "POST", "-d", '{"a":1}', "-H", "X-Test: yes",
            "-H", "Accept: application/json", url(F.http, "/echo"),
            "--out", os.path.join(TMP, "echo"))
    ok(r)
    e = json.load(open(os.path.join(TMP, "echo")))
    h = {k.lower(): v for k, v in e["headers"]}
    check(e["method"] == "POST" and e["body"] == '{"a":1}', "method/body", e)
    check(h["host"] == "localhost:%d" % F.http.port, "Host", e)
    check(h["content-length"] == "7", "Content-Length", e)
    check(h["x-test"] == "yes" and h["accept"] == "application/json", "extra headers", e)
    check(h["user-agent"] == "tee-launcher", "User-Agent", e)


def t_reserved_or_injected_headers_are_refused():
    r = run("-H", "Host: evil", url(F.http, "/echo"))
    fails(r, "request", "Host")
    r = run("-H", "X-A: a\r\nX-B: b", url(F.http, "/echo"))
    fails(r, "request", "control byte")


def t_head_request_has_no_body_and_keeps_connection():
    r = run("-X", "HEAD", "--count", 2, url(F.http, "/head"))
    ok(r)
    check(r.last["body_len"] == "0" and r.stats["tcp_connects"] == 1, "HEAD", r)


def t_http_error_status_is_returned_not_an_error():
    r = run(url(F.http, "/status?code=503"), "--header", "Retry-After")
    check(r.rc == 0 and r.last["err"] == "ok" and r.last["status"] == "503", "503", r)
    r = run(url(F.http, "/status?code=429"), "--header", "Retry-After")
    check(r.last["status"] == "429" and r.last["headers"].get("retry-after") == "2",
          "Retry-After readable", r)


def t_redirects_followed_up_to_five():
    r = run(url(F.http, "/chain?n=5"))
    ok(r)
    check(r.last["redirects"] == "5" and r.stats["tcp_connects"] == 1, "5 hops, one conn", r)
    r = run(url(F.http, "/chain?n=6"))
    fails(r, "redirect", "more than 5 redirects")


def t_no_redirects_returns_3xx():
    r = run("--no-redirects", "--header", "Location", url(F.http, "/chain?n=1"))
    ok(r, 302)
    check(r.last["headers"]["location"] == "/chain?n=0", "Location", r)


def t_relative_location_is_resolved():
    r = run(url(F.http, "/redirect?to=cl%3Fn%3D7"))
    ok(r)
    check(r.last["body_len"] == "7" and r.last["redirects"] == "1", "relative", r)


def t_303_after_post_becomes_get_and_307_keeps_post():
    r = run("-X", "POST", "-d", "payload", url(F.http, "/redirect?code=303&to=/echo"),
            "--out", os.path.join(TMP, "e303"))
    ok(r)
    e = json.load(open(os.path.join(TMP, "e303")))
    check(e["method"] == "GET" and e["body"] == "" and
          "content-length" not in [k.lower() for k, _ in e["headers"]], "303 → GET", e)
    r = run("-X", "POST", "-d", "payload", url(F.http, "/redirect?code=307&to=/echo"),
            "--out", os.path.join(TMP, "e307"))
    ok(r)
    e = json.load(open(os.path.join(TMP, "e307")))
    check(e["method"] == "POST" and e["body"] == "payload", "307 keeps POST", e)


def t_authorization_dropped_across_hosts_kept_on_same_origin():
    target = "http://127.0.0.1:%d/echo" % F.http_b.port
    r = run("-H", "Authorization: Bearer tok-cross", "--out", os.path.join(TMP, "x"),
            url(F.http, "/redirect?to=" + target.replace(":", "%3A")))
    ok(r)
    e = json.load(open(os.path.join(TMP, "x")))
    names = [k.lower() for k, _ in e["headers"]]
    check("authorization" not in names, "Authorization reached the second host", e)
    check(dict((k.lower(), v) for k, v in e["headers"])["host"] ==
          "127.0.0.1:%d" % F.http_b.port, "second host", e)
    r = run("-H", "Authorization: Bearer tok-same", "--out", os.path.join(TMP, "y"),
            url(F.http, "/redirect?to=/echo"))
    ok(r)
    e = json.load(open(os.path.join(TMP, "y")))
    check(["Authorization", "Bearer tok-same"] in e["headers"], "same origin keeps it", e)


def t_authorization_dropped_on_https_port_change():
    target = "https://localhost:%d/echo" % F.https_b.port
    r = run("-H", "Authorization: Bearer tok-port", "--out", os.path.join(TMP, "z"),
            url(F.https, "/redirect?code=308&to=" + target.replace(":", "%3A")))
    ok(r)
    e = json.load(open(os.path.join(TMP, "z")))
    check("authorization" not in [k.lower() for k, _ in e["headers"]], "dropped", e)


def t_https_to_http_redirect_refused():
    before, _ = F.http.snapshot()
    target = url(F.http, "/echo")
    r = run(url(F.https, "/redirect?to=" + target.replace(":", "%3A")))
    fails(r, "redirect", "from https to http")
    after, _ = F.http.snapshot()
    check(before == after, "the http server was contacted", r)


def t_connection_refused_is_connect_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = run("http://127.0.0.1:%d/" % port)
    fails(r, "connect", "refused")
    check("127.0.0.1:%d" % port in r.last["error"], "names host:port", r)


def t_unresolvable_name_is_resolve_error():
    # A 70-byte label fails in the resolver without any DNS query.
    r = run("http://%s.invalid/" % ("a" * 70))
    fails(r, "resolve", "resolve aaaa")


def t_stall_before_headers_times_out():
    r = run("--timeout", 400, url(F.http, "/stall-head"))
    fails(r, "timeout", "response head")
    check(r.elapsed < 3, "deadline honoured (%.2fs)" % r.elapsed, r)


def t_stall_mid_body_times_out():
    r = run("--timeout", 400, url(F.http, "/stall-body"))
    fails(r, "timeout", "body cut after 10 bytes")
    check(r.last["status"] == "200" and r.elapsed < 3, "status kept, deadline", r)


def t_tls_stall_in_handshake_times_out():
    r = run("--timeout", 400, "https://localhost:%d/" % F.blackhole.port)
    fails(r, "timeout", "TLS handshake")
    check(r.elapsed < 3, "deadline honoured", r)


def t_one_deadline_covers_redirects():
    r = run("--timeout", 500, url(F.http, "/redirect?to=/stall-head"))
    fails(r, "timeout")
    check(r.elapsed < 3, "deadline honoured", r)


def t_reset_mid_body_is_io_error():
    r = run(url(F.http, "/reset-body"))
    fails(r, "io", "reset")


def t_truncated_chunked_is_io_error():
    r = run(url(F.http, "/truncated-chunked"))
    fails(r, "io", "chunked body cut after 5 bytes")


def t_truncated_content_length_is_io_error():
    r = run(url(F.http, "/truncated-cl"))
    fails(r, "io", "cut after 40 bytes")


def t_malformed_chunked_is_protocol_error():
    r = run(url(F.http, "/bad-chunked"))
    fails(r, "protocol", "chunk size")


def t_non_http_reply_is_protocol_error():
    r = run(url(F.http, "/garbage"))
    fails(r, "protocol", "not an HTTP/1.x status line")


def t_smuggling_framing_is_protocol_error():
    r = run(url(F.http, "/smuggle"))
    fails(r, "protocol", "Transfer-Encoding and Content-Length")


def t_oversized_header_block_is_too_large():
    r = run(url(F.http, "/big-head"))
    fails(r, "too-large", "response head over 65536 bytes")


def t_too_many_headers_is_protocol_error():
    r = run(url(F.http, "/many-headers"))
    fails(r, "protocol", "more than 100 headers")


def t_body_over_cap_is_too_large():
    r = run("--cap", 1000, url(F.http, "/cl?n=5000"))
    fails(r, "too-large", "Content-Length 5000 over the cap of 1000")
    r = run("--cap", 1000, url(F.http, "/chunked?n=5000"))
    fails(r, "too-large", "over the cap of 1000")
    r = run("--cap", 1000, "--sink", url(F.http, "/close?n=5000"))
    fails(r, "too-large")
    r = run("--cap", 5000, url(F.http, "/cl?n=5000"))
    ok(r)


def t_long_redirect_body_is_dropped_with_the_connection():
    r = run(url(F.http, "/big-redirect-body"))
    ok(r)
    check(r.last["body_len"] == "10" and r.stats["tcp_connects"] == 2, "redirect", r)


def t_ipv6_literal():
    r = run("http://[::1]:%d/echo" % F.http6.port, "--out", os.path.join(TMP, "v6"))
    ok(r)
    e = json.load(open(os.path.join(TMP, "v6")))
    check(["Host", "[::1]:%d" % F.http6.port] in e["headers"], "Host [::1]:port", e)


def t_unix_socket_with_caller_host():
    r = run("--unix", F.unix_path, "-X", "POST", "-d", '{"report_data":"00"}',
            "--count", 3, "http://dstack/Info", "--out", os.path.join(TMP, "u"))
    ok(r)
    e = json.load(open(os.path.join(TMP, "u")))
    check(["Host", "dstack"] in e["headers"] and e["target"] == "/Info"
          and e["method"] == "POST" and e["body"] == '{"report_data":"00"}', "agent", e)
    check(r.stats["unix_connects"] == 1 and r.stats["tcp_connects"] == 0, "one unix conn", r)


def t_unix_socket_missing_is_connect_error():
    r = run("--unix", os.path.join(TMP, "nope.sock"), "http://dstack/Info")
    fails(r, "connect", "nope.sock")


# ---- TLS

def t_https_bodies_and_full_chain():
    r = run(url(F.https, "/cl?n=40000"), url(F.https, "/chunked?n=40000"),
            url(F.https, "/close?n=40000"))
    ok(r)
    for q in r.reqs:
        check(q["body_sha256"] == fx.sha256(fx.pattern(40000)), "hash", r)


def t_https_keep_alive_one_handshake():
    before, _ = F.https.snapshot()
    r = run("--count", 5, url(F.https, "/conn"))
    after, _ = F.https.snapshot()
    ok(r)
    check(r.stats["tls_handshakes"] == 1 and r.stats["tcp_connects"] == 1, "counters", r)
    check(after - before == 1, "server connections %d" % (after - before), r)


def t_tls12_sni_and_alpn_offered():
    F.https_rsa.tls_info.clear()
    r = run(url(F.https_rsa, "/cl?n=10"))
    ok(r)
    info = F.https_rsa.tls_info[-1]
    check(info == {"version": "TLSv1.2", "alpn": "http/1.1", "sni": "localhost"},
          "server saw %r" % info, r)


def t_p384_chain_and_p384_key_exchange():
    # A P-384 leaf signed with ECDSA-SHA384 by a P-384 intermediate, and
    # ECDHE over P-384: the generic i31 curve code beside the P-256 one.
    F.https_p384.tls_info.clear()
    r = run(url(F.https_p384, "/cl?n=1000"))
    ok(r)
    check(r.last["body_sha256"] == fx.sha256(fx.pattern(1000)), "body hash", r)
    check(F.https_p384.tls_info[-1]["version"] == "TLSv1.2", "TLS 1.2", r)


def t_x25519_and_chacha20_are_not_offered():
    # Left out to keep the binary small: every server has P-256 and AES-GCM.
    r = run(url(F.https_x25519, "/cl"))
    fails(r, "tls", "handshake_failure")
    r = run(url(F.https_chacha, "/cl"))
    fails(r, "tls", "handshake_failure")


def t_tls_close_without_close_notify_is_io_error():
    r = run(url(F.https, "/close-unclean?n=1000"))
    fails(r, "io", "close_notify")


def t_untrusted_ca_is_tls_error():
    r = run(url(F.https_untrusted, "/cl"))
    fails(r, "tls", "unknown CA")


def t_wrong_server_name_is_tls_error():
    r = run(url(F.https_wrongname, "/cl"))
    fails(r, "tls", "bad server name")
    r = run(url(F.https, "/cl", host="127.0.0.1"))
    fails(r, "tls", "bad server name")


def t_expired_certificate_is_tls_error():
    r = run(url(F.https_expired, "/cl"))
    fails(r, "tls", "expired")


def t_validation_time_override():
    now = int(time.time())
    r = run("--x509-time", now + 400 * 86400, url(F.https, "/cl"))
    fails(r, "tls", "expired")
    r = run("--x509-time", now - 400 * 86400, url(F.https, "/cl"))
    fails(r, "tls", "not yet valid")
    r = run("--x509-time", now, url(F.https, "/cl"))
    ok(r)
    r = run("--x509-time", 1577836800 + 86400 * 30, url(F.https_expired, "/cl"))
    ok(r)


def t_test_ca_needs_the_environment_variable():
    r = run(url(F.https, "/cl"), ca=False)
    fails(r, "tls", "unknown CA")


def t_bad_extra_ca_file_is_fatal():
    r = run(url(F.https, "/cl"), ca=False,
            env={"TEE_LAUNCHER_EXTRA_CA_FILE": os.path.join(TMP, "missing.pem")})
    check(r.rc == 1 and "TEE_LAUNCHER_EXTRA_CA_FILE" in r.out, "named", r)


def t_plain_server_on_https_url_is_tls_error():
    r = run("https://localhost:%d/cl" % F.http.port)
    check(r.last["err"] in ("tls", "io"), "tls or io", r)


# ---- proxy

def t_https_through_connect_proxy():
    F.proxy.log.clear()
    r = run("--count", 3, url(F.https, "/conn"),
            env={"HTTPS_PROXY": "http://127.0.0.1:%d" % F.proxy.port})
    ok(r)
    check(r.stats["proxy_tunnels"] == 1 and r.stats["tls_handshakes"] == 1, "one tunnel", r)
    check([q.target for q in F.proxy.log] == ["localhost:%d" % F.https.port],
          "proxy saw %r" % [q.target for q in F.proxy.log], r)


def t_lowercase_proxy_and_credentials():
    F.proxy.log.clear()
    r = run(url(F.https, "/cl"),
            env={"https_proxy": "http://user:s3cr3t-pw@127.0.0.1:%d/" % F.proxy.port})
    ok(r)
    want = "Basic " + base64.b64encode(b"user:s3cr3t-pw").decode()
    check(F.proxy.log[-1].header("Proxy-Authorization") == want, "credentials", r)
    check("s3cr3t" not in r.out + r.err, "credentials leaked", r)


def t_no_proxy_bypasses():
    F.proxy.log.clear()
    env = {"HTTPS_PROXY": "http://127.0.0.1:%d" % F.proxy.port}
    r = run(url(F.https, "/cl"), env=dict(env, NO_PROXY="example.com, localhost"))
    ok(r)
    check(r.stats["proxy_tunnels"] == 0 and not F.proxy.log, "bypassed", r)
    r = run(url(F.https, "/cl"), env=dict(env, no_proxy="*.example.com"))
    ok(r)
    check(r.stats["proxy_tunnels"] == 1, "not bypassed", r)


def t_plain_http_goes_direct_despite_proxy():
    F.proxy.log.clear()
    r = run(url(F.http, "/cl"), env={"HTTPS_PROXY": "http://127.0.0.1:%d" % F.proxy.port})
    ok(r)
    check(not F.proxy.log, "proxy used for http://", r)


def t_proxy_refusal_is_proxy_error():
    r = run(url(F.https, "/cl"),
            env={"HTTPS_PROXY": "http://127.0.0.1:%d" % F.proxy_refusing.port})
    fails(r, "proxy", "answered 407")


def t_unreachable_proxy_is_connect_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = run(url(F.https, "/cl"), env={"HTTPS_PROXY": "http://127.0.0.1:%d" % port})
    fails(r, "connect", "proxy")


# ---- secrets

def t_no_secrets_in_errors_or_logs():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = run("-H", "Authorization: Bearer HDRSECRET",
            "http://127.0.0.1:%d/v2/x?token=QSECRET" % port)
    fails(r, "connect")
    check("HDRSECRET" not in r.out + r.err and "QSECRET" not in r.out + r.err, "leak", r)
    check("/v2/x" in r.last["error"], "path is named", r)
    r = run("-H", "Authorization: Bearer HDRSECRET2",
            url(F.http, "/redirect?to=/cl%3Fn%3D3%26token%3DQSECRET2"))
    ok(r)
    check("following redirect" in r.err and "/cl" in r.err, "redirect logged", r)
    check("QSECRET2" not in r.out + r.err and "HDRSECRET2" not in r.out + r.err, "leak", r)
    # A server that echoes the credential it got into the path it redirects to.
    r = run("-H", "Authorization: Bearer HDRSECRET3-abcdefgh",
            url(F.http, "/redirect?to=/cl/HDRSECRET3-abcdefgh%3Fn%3D1"))
    check("following redirect" in r.err and "/cl/" in r.err, "redirect logged", r)
    check("HDRSECRET3" not in r.out + r.err and "abcdefgh" not in r.out + r.err, "leak", r)


# ---- the real registry

def t_real_docker_registry_over_tls():
    exe = shutil.which("docker-registry")
    if exe is None:
        print("SKIP docker-registry not installed")
        return "skip"
    d = tempfile.mkdtemp(dir=TMP)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    cfg = os.path.join(d, "config.yml")
    with open(cfg, "w") as f:
        f.write("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                "    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:%d\n"
                "  secret: test-only\n  tls:\n    certificate: %s\n    key: %s\n"
                % (d, port, os.path.join(PKI, "server.pem"),
                   os.path.join(PKI, "server.key")))
    p = subprocess.Popen([exe, "serve", cfg], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(d, "registry.log"), "w"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        r = run("--count", 3, "--header", "Docker-Distribution-Api-Version",
                "https://localhost:%d/v2/" % port)
        ok(r)
        check(r.last["headers"].get("docker-distribution-api-version") == "registry/2.0",
              "registry header", r)
        check(r.stats["tls_handshakes"] == 1 and r.stats["tcp_connects"] == 1, "reuse", r)
        r = run("https://localhost:%d/v2/nope/manifests/latest" % port)
        ok(r, 404)
    finally:
        p.terminate()
        p.wait(10)


TESTS = [(n[2:].replace("_", " "), f) for n, f in list(globals().items())
         if n.startswith("t_") and callable(f)]


def main():
    global F, TMP
    TMP = tempfile.mkdtemp(prefix="tl-http-")
    F = fx.Fixture(PKI, TMP)
    only = os.environ.get("TEST_ONLY", "")
    passed = failed = 0
    try:
        for name, fn in TESTS:
            if only not in name:
                continue
            try:
                res = fn()
                passed += 1
                print("ok   http client: %s%s" % (name, " (skipped)" if res == "skip" else ""))
            except Exception as e:  # noqa: BLE001 - report every failure
                failed += 1
                print("FAIL http client: %s: %s" % (name, e))
                if not isinstance(e, AssertionError):
                    traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
    finally:
        F.close()
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the HTTP response cases used by tests/check.d/25-http-parser.sh.

valid/<name>.http   raw response bytes
valid/<name>.dump   what http-response-dump must print, built here from the
                    expectations written next to each case (not from the C
                    parser's output)
invalid/<name>.http raw bytes that must be refused (exit 1)
invalid/<name>.err  the exact error line on stderr

A name starting with "head-" is run with --head.  Run from anywhere:
    python3 tests/data/http/make_cases.py [output dir, default: this dir]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def dump(status, headers, kind, keep_alive, body, trailing=0):
    out = b"status %d\n" % status
    for name, value in headers:
        out += b"header " + name.lower() + b": " + value + b"\n"
    out += b"body-kind %s\nkeep-alive %d\n" % (kind.encode(), keep_alive)
    out += b"trailing %d\nbody %d\n" % (trailing, len(body))
    return out + body


def head(status_line, headers):
    return status_line + b"\r\n" + b"".join(
        n + b": " + v + b"\r\n" for n, v in headers) + b"\r\n"


VALID = {}
INVALID = {}

# ---- valid responses
h = [(b"Content-Type", b"text/plain"), (b"Content-Length", b"5")]
VALID["length"] = (head(b"HTTP/1.1 200 OK", h) + b"hello",
                   dump(200, h, "length", 1, b"hello"))

h = [(b"Transfer-Encoding", b"chunked")]
VALID["chunked-ext-trailer"] = (
    head(b"HTTP/1.1 200 OK", h)
    + b"5;name=value;q=\"quoted \\\" ext\"\r\nhello\r\n"
    + b"7\r\n, world\r\nA \t;x\r\n!!!!!!!!!!\r\n0\r\nX-Checksum: abc\r\n\r\n",
    dump(200, h, "chunked", 1, b"hello, world!!!!!!!!!!"))

h = [(b"Server", b"close-delimited")]
VALID["close-delimited"] = (
    head(b"HTTP/1.1 200 OK", h) + b"everything\r\nuntil EOF\r\n\r\n",
    dump(200, h, "close", 0, b"everything\r\nuntil EOF\r\n\r\n"))

h = [(b"Connection", b"Keep-Alive"), (b"Content-Length", b"2")]
VALID["http10-keep-alive"] = (head(b"HTTP/1.0 200 OK", h) + b"ok",
                              dump(200, h, "length", 1, b"ok"))

h = [(b"Content-Length", b"2")]
VALID["http10-no-keep-alive"] = (head(b"HTTP/1.0 200 OK", h) + b"ok",
                                 dump(200, h, "length", 0, b"ok"))

h = [(b"Connection", b"close"), (b"Content-Length", b"0")]
VALID["connection-close"] = (head(b"HTTP/1.1 200 OK", h),
                             dump(200, h, "length", 0, b""))

h = [(b"Location", b"/v2/x/blobs/uploads/1"), (b"Content-Length", b"0")]
VALID["interim-1xx"] = (
    head(b"HTTP/1.1 100 Continue", [])
    + head(b"HTTP/1.1 103 Early Hints", [(b"Link", b"</a>; rel=preload")])
    + head(b"HTTP/1.1 202 Accepted", h),
    dump(202, h, "length", 1, b""))

h = [(b"Date", b"Tue, 01 Jan 2030 00:00:00 GMT")]
VALID["no-content-then-next"] = (
    head(b"HTTP/1.1 204 No Content", h) + b"HTTP/1.1 200 OK\r\n",
    dump(204, h, "none", 1, b"", trailing=17))

h = [(b"Content-Length", b"1234"), (b"Docker-Content-Digest", b"sha256:" + b"ab" * 32)]
VALID["head-manifest"] = (head(b"HTTP/1.1 200 OK", h),
                          dump(200, h, "none", 1, b""))

body = (b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required",'
        b'"detail":[{"Type":"repository","Name":"library/ubuntu","Action":"pull"}]}]}\n')
h = [(b"Content-Type", b"application/json"),
     (b"Docker-Distribution-Api-Version", b"registry/2.0"),
     (b"Www-Authenticate", b'Bearer realm="https://auth.docker.io/token",'
      b'service="registry.docker.io",scope="repository:library/ubuntu:pull"'),
     (b"Date", b"Wed, 01 Jan 2030 00:00:00 GMT"),
     (b"Content-Length", b"%d" % len(body)),
     (b"Strict-Transport-Security", b"max-age=31536000")]
VALID["registry-401"] = (head(b"HTTP/1.1 401 Unauthorized", h) + body,
                         dump(401, h, "length", 1, body))

h = [(b"Content-Length", b"3"), (b"content-length", b"3, 03")]
VALID["content-length-equal-duplicates"] = (
    head(b"HTTP/1.1 200 OK", h) + b"abcNEXT",
    dump(200, h, "length", 1, b"abc", trailing=4))

raw = (b"HTTP/1.1 200 \r\nX-Spaces:   \t padded value \t \r\nX-Empty:\r\n"
       b"X-Obs-Text: caf\xc3\xa9 \x80\xff\r\nContent-Length: 0\r\n\r\n")
h = [(b"X-Spaces", b"padded value"), (b"X-Empty", b""),
     (b"X-Obs-Text", b"caf\xc3\xa9 \x80\xff"), (b"Content-Length", b"0")]
VALID["values-trimmed-obs-text"] = (raw, dump(200, h, "length", 1, b""))

h = [(b"H%d" % i, b"v%d" % i) for i in range(99)] + [(b"Content-Length", b"0")]
VALID["headers-100"] = (head(b"HTTP/1.1 200 OK", h), dump(200, h, "length", 1, b""))

# ---- invalid responses: (raw, error line)
OK = b"HTTP/1.1 200 OK\r\n"
E = "error: HTTP response offset %d: %s"
INVALID["cl-then-te"] = (
    OK + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    E % (36, "both Transfer-Encoding and Content-Length (request smuggling)"))
INVALID["te-then-cl"] = (
    OK + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    E % (17, "both Transfer-Encoding and Content-Length (request smuggling)"))
INVALID["te-chunked-then-identity"] = (
    OK + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
    E % (17, "Transfer-Encoding does not end with chunked"))
INVALID["te-gzip-chunked"] = (
    OK + b"Transfer-Encoding: gzip, chunked\r\n\r\n",
    E % (17, "Transfer-Encoding has a coding other than chunked (unsupported)"))
INVALID["te-chunked-twice"] = (
    OK + b"Transfer-Encoding: chunked, chunked\r\n\r\n",
    E % (17, "Transfer-Encoding applies chunked twice"))
INVALID["te-xchunked"] = (
    OK + b"Transfer-Encoding: xchunked\r\n\r\n",
    E % (17, "Transfer-Encoding does not end with chunked"))
INVALID["te-in-http10"] = (
    b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    E % (17, "Transfer-Encoding in an HTTP/1.0 response"))
INVALID["te-space-before-colon"] = (
    OK + b"Transfer-Encoding : chunked\r\n\r\n",
    E % (34, "whitespace before the colon of a header"))
INVALID["te-vertical-tab"] = (
    OK + b"Transfer-Encoding:\x0bchunked\r\n\r\n",
    E % (35, "invalid byte 0x0b in header value"))
INVALID["te-obs-fold"] = (
    OK + b"Transfer-Encoding:\r\n chunked\r\n\r\n",
    E % (37, "obs-fold (header line continued with whitespace)"))
INVALID["cl-disagree"] = (
    OK + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    E % (36, "Content-Length values disagree"))
INVALID["cl-list-disagree"] = (
    OK + b"Content-Length: 5, 6\r\n\r\nhello!",
    E % (17, "Content-Length values disagree"))
INVALID["cl-plus-sign"] = (
    OK + b"Content-Length: +5\r\n\r\nhello",
    E % (17, "Content-Length is not a decimal number"))
INVALID["cl-negative"] = (
    OK + b"Content-Length: -1\r\n\r\n",
    E % (17, "Content-Length is not a decimal number"))
INVALID["cl-overflow"] = (
    OK + b"Content-Length: 18446744073709551616\r\n\r\n",
    E % (17, "Content-Length overflows 64 bits"))
INVALID["bare-cr-in-value"] = (
    OK + b"X-A: a\rb\r\nContent-Length: 0\r\n\r\n",
    E % (23, "bare CR in header value"))
INVALID["bare-cr-status"] = (
    b"HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
    E % (15, "bare CR in status line"))
INVALID["bare-lf-line-ends"] = (
    b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
    E % (15, "LF without CR in reason phrase"))
INVALID["nul-in-value"] = (
    OK + b"X-A: a\x00b\r\nContent-Length: 0\r\n\r\n",
    E % (23, "NUL byte in header value"))
INVALID["nul-in-name"] = (
    OK + b"X-\x00A: b\r\nContent-Length: 0\r\n\r\n",
    E % (19, "NUL byte in header name"))
INVALID["obs-fold"] = (
    OK + b"X-A: a\r\n\tcontinued\r\nContent-Length: 0\r\n\r\n",
    E % (25, "obs-fold (header line continued with whitespace)"))
INVALID["space-before-first-header"] = (
    OK + b" Content-Length: 0\r\n\r\n",
    E % (17, "whitespace before the first header"))
INVALID["invalid-name-char"] = (
    OK + b"X[A]: b\r\n\r\n",
    E % (18, "invalid byte 0x5b in header name"))
INVALID["no-colon"] = (
    OK + b"Content-Length 0\r\n\r\n",
    E % (31, "whitespace before the colon of a header"))
INVALID["status-101"] = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    E % (9, "unexpected 101 Switching Protocols"))
INVALID["http2-status"] = (
    b"HTTP/2 200\r\n\r\n", E % (5, "not an HTTP/1.x status line"))
INVALID["status-two-digits"] = (
    b"HTTP/1.1 20 OK\r\n\r\n", E % (11, "status code is not three digits"))
INVALID["headers-1000"] = (
    OK + b"".join(b"H%d: v\r\n" % i for i in range(1000)) + b"\r\n",
    E % (807, "more than 100 headers"))
INVALID["truncated-head"] = (
    OK + b"Content-Length: 5\r\n",
    "error: truncated: response head incomplete at end of input")
INVALID["truncated-length-body"] = (
    OK + b"Content-Length: 10\r\n\r\nhello",
    "error: truncated: body has 5 of 10 bytes")
TE = OK + b"Transfer-Encoding: chunked\r\n\r\n"
INVALID["truncated-chunked-body"] = (
    TE + b"5\r\nhello\r\n",
    "error: truncated: chunked body incomplete at end of input")
INVALID["chunk-size-overflow"] = (
    TE + b"10000000000000000\r\n",
    "error: chunked body offset 16: chunk size overflows 64 bits")
INVALID["chunk-size-not-hex"] = (
    TE + b"0x5\r\nhello\r\n0\r\n\r\n",
    "error: chunked body offset 1: invalid byte after chunk size")
INVALID["chunk-size-trailing-space"] = (
    TE + b"5 \r\nhello\r\n0\r\n\r\n",
    "error: chunked body offset 2: malformed chunk extension")
INVALID["chunk-data-too-long"] = (
    TE + b"5\r\nhello world\r\n0\r\n\r\n",
    "error: chunked body offset 8: missing CRLF after chunk data")
INVALID["chunk-bare-lf"] = (
    TE + b"5\nhello\n0\n\n",
    "error: chunked body offset 1: invalid byte after chunk size")
INVALID["chunk-trailer-obs-fold"] = (
    TE + b"0\r\nX: a\r\n b\r\n\r\n",
    "error: chunked body offset 9: obs-fold in trailer")
INVALID["chunk-ext-unterminated-quote"] = (
    TE + b"5;a=\"x\r\nhello\r\n0\r\n\r\n",
    "error: chunked body offset 6: malformed chunk extension")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    for sub in ("valid", "invalid"):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
    for name, (raw, want) in sorted(VALID.items()):
        write(os.path.join(out, "valid", name + ".http"), raw)
        write(os.path.join(out, "valid", name + ".dump"), want)
    for name, (raw, msg) in sorted(INVALID.items()):
        write(os.path.join(out, "invalid", name + ".http"), raw)
        write(os.path.join(out, "invalid", name + ".err"), msg.encode() + b"\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Self-test of the real-service test infrastructure (tests/check.d/50-infra.sh).

Starts the PKI, docker-registry (no auth and token auth), the token server and
a private dockerd; pushes every image shape; checks what the registry serves
over HTTPS with the test CA, that token auth is enforced, and that the engine
pulls, identifies and runs the images.  dockerd failing to start is a
failure, never a skip.  Last line: "N passed, N failed".
"""
import base64
import errno
import hashlib
import json
import os
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import registry_push as rp  # noqa: E402
import rtmr_fuse  # noqa: E402
from checks import Checks  # noqa: E402
import testenv  # noqa: E402
import token_server  # noqa: E402


T = Checks()
SHORT = {rp.DOCKER_V2: "docker-v2", rp.DOCKER_LIST: "docker-list",
         rp.OCI_MANIFEST: "oci-manifest", rp.OCI_INDEX: "oci-index"}
timings = {}


def timed(name, fn, *args):
    t0 = time.monotonic()
    r = fn(*args)
    timings[name] = time.monotonic() - t0
    return r


def get(url, ctx, headers=None, method="GET"):
    """-> (status, headers, body) without raising on HTTP errors."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def jwt_parts(token):
    def dec(s):
        return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    h, c, _ = token.split(".")
    return dec(h), dec(c)


# ---------------------------------------------------------------- groups

def check_rtmr_fuse(work):
    """rtmr_fuse.RtmrFuse: the kernel's RTMR3 file semantics on a real FUSE mount."""
    def pwrite(path, data, offset=0, flags=os.O_WRONLY):
        fd = os.open(path, flags)
        try:
            return os.pwrite(fd, data, offset)
        except OSError as e:
            return e.errno
        finally:
            os.close(fd)

    def pread(path, size, offset):
        fd = os.open(path, os.O_RDONLY)
        try:
            return os.pread(fd, size, offset)
        finally:
            os.close(fd)

    zero = bytes(48)
    a, b = b"\xaa" * 48, bytes(range(48))
    mnt = os.path.join(work, "rtmr-fuse")
    t0 = time.monotonic()
    with rtmr_fuse.RtmrFuse(mnt) as r:
        timings["rtmr fuse mount"] = time.monotonic() - t0
        T.check("rtmr fuse: statfs f_type is FUSE (0x65735546)",
                rtmr_fuse.fs_type(r.path) == 0x65735546, hex(rtmr_fuse.fs_type(r.path)))
        st = subprocess.run(["stat", "-f", "-c", "%t", r.path], capture_output=True,
                            text=True).stdout.strip()
        T.check("rtmr fuse: stat -f agrees (65735546)", st == "65735546", st)
        T.check("rtmr fuse: the register rtmr3:sha384 and the test's control file only",
                sorted(os.listdir(mnt)) == ["control", "rtmr3:sha384"], os.listdir(mnt))
        sb = os.stat(r.path)
        T.check("rtmr fuse: a regular 48-byte file", stat.S_ISREG(sb.st_mode)
                and sb.st_size == 48, sb)
        T.check("rtmr fuse: initial register is 48 zero bytes",
                r.register() == zero and r.writes == 0, r.register().hex())
        T.check("rtmr fuse: a read returns the register (cat)",
                open(r.path, "rb").read() == zero)
        T.check("rtmr fuse: a 48-byte write at offset 0 is accepted", pwrite(r.path, a) == 48)
        one = hashlib.sha384(zero + a).digest()
        T.check("rtmr fuse: ... and extends: read = SHA-384(zero || data)",
                r.register() == one and r.writes == 1, r.register().hex())
        T.check("rtmr fuse: O_TRUNC is accepted and changes nothing",
                pwrite(r.path, b, 0, os.O_WRONLY | os.O_TRUNC) == 48)
        two = hashlib.sha384(one + b).digest()
        T.check("rtmr fuse: a second write chains: SHA-384(previous || data)",
                r.register() == two and r.writes == 2)
        T.check("rtmr fuse: a partial read at an offset returns that slice",
                pread(r.path, 8, 16) == two[16:24] and pread(r.path, 100, 40) == two[40:]
                and pread(r.path, 10, 48) == b"")
        for what, data, off in (("47 bytes", a[:47], 0), ("49 bytes", a + b"x", 0),
                                ("96 bytes", a + b, 0), ("1 byte", b"x", 0),
                                ("48 bytes at offset 1", a, 1),
                                ("48 bytes at offset 48", a, 48)):
            T.check("rtmr fuse: a write of %s fails with EINVAL" % what,
                    pwrite(r.path, data, off) == errno.EINVAL)
        T.check("rtmr fuse: refused writes leave the register as it was",
                r.register() == two and r.writes == 2 and r.refused == 6, r.state())
        r.reset(a)
        T.check("rtmr fuse: the control file sets the register and zeroes the counts",
                r.register() == a and r.writes == 0 and r.refused == 0, r.state())
        r.reset(two)
        T.check("rtmr fuse: no other file can be created",
                subprocess.run(["touch", os.path.join(mnt, "x")],
                               capture_output=True).returncode != 0)
        server = r.proc
    T.check("rtmr fuse: unmounted on exit, server gone",
            not os.path.ismount(mnt) and server.poll() is not None)
    init = hashlib.sha384(b"boot").digest()
    try:
        with rtmr_fuse.RtmrFuse(mnt, initial=init.hex()) as r:
            T.check("rtmr fuse: a given initial register (hex) is read back",
                    r.register() == init)
            raise KeyError("failure inside the block")
    except KeyError:
        pass
    T.check("rtmr fuse: unmounted after a failure inside the block",
            not os.path.ismount(mnt) and r.proc.poll() is not None)
    bad = os.path.join(work, "rtmr-not-empty")  # libfuse2 refuses a non-empty mount point
    os.makedirs(bad)
    with open(os.path.join(bad, "f"), "w"):
        pass
    try:
        rtmr_fuse.RtmrFuse(bad, timeout=5).start()
        raised = "no exception"
    except rtmr_fuse.FuseUnavailable as e:
        raised = e
    T.check("rtmr fuse: a mount that cannot happen raises (loud, not a skip)",
            raised != "no exception", raised)


def check_pki(pki):
    v = subprocess.run(["openssl", "verify", "-CAfile", pki.ca_cert, pki.server_cert],
                       capture_output=True, text=True)
    T.check("pki: server certificate verifies against the test CA", v.returncode == 0,
            v.stderr)
    txt = subprocess.run(["openssl", "x509", "-in", pki.server_cert, "-noout", "-ext",
                          "subjectAltName"], capture_output=True, text=True).stdout
    T.check("pki: server certificate names DNS:localhost and IP 127.0.0.1",
            "DNS:localhost" in txt and "IP Address:127.0.0.1" in txt, txt)
    ca = subprocess.run(["openssl", "x509", "-in", pki.ca_cert, "-noout", "-ext",
                         "basicConstraints"], capture_output=True, text=True).stdout
    T.check("pki: the CA certificate is a CA", "CA:TRUE" in ca, ca)
    v = subprocess.run(["openssl", "verify", "-CAfile", pki.ca_cert, pki.signer_cert],
                       capture_output=True, text=True)
    T.check("pki: the token signer certificate verifies against the test CA",
            v.returncode == 0, v.stderr)


def check_tls(reg, pki):
    st, hdr, _ = get(reg.url + "/v2/", pki.ssl_context())
    T.check("registry: /v2/ answers 200 over TLS verified with the test CA", st == 200, st)
    T.check("registry: /v2/ names API registry/2.0",
            hdr.get("Docker-Distribution-Api-Version") == "registry/2.0")
    try:
        get(reg.url + "/v2/", ssl.create_default_context(cafile=testenv.SYSTEM_CA_FILE))
        trusted = True
    except urllib.error.URLError:
        trusted = False
    T.check("registry: the system roots alone do not trust its certificate", not trusted)
    ctx = pki.ssl_context()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    st, _, _ = get(reg.url + "/v2/", ctx)
    T.check("registry: accepts a TLS 1.2 client (what BearSSL speaks)", st == 200, st)


def check_token_server(reg, pki):
    ts = reg.token
    ctx = pki.ssl_context()
    q = "?service=%s&scope=repository:tl/mpc-node:pull,push" % ts.service
    st, _, body = get(ts.realm + q, ctx)
    doc = json.loads(body) if st == 200 else {}
    T.check("token server: anonymous request gets 200 with token, access_token, "
            "expires_in, issued_at",
            st == 200 and set(doc) >= {"token", "access_token", "expires_in", "issued_at"},
            (st, body[:200]))
    if st != 200:
        return
    h, c = jwt_parts(doc["token"])
    kid = token_server.libtrust_kid(token_server.public_der_of(pki.signer_key))
    T.check("token server: JWT header is RS256 with the signer's libtrust kid",
            h.get("alg") == "RS256" and h.get("kid") == kid and len(kid) == 59, h)
    T.check("token server: claims carry iss, aud = service, exp > iat",
            c.get("iss") == ts.issuer and c.get("aud") == ts.service and
            c["exp"] > c["iat"], c)
    T.check("token server: anonymous clients are granted pull only",
            c.get("access") == [{"type": "repository", "name": "tl/mpc-node",
                                 "actions": ["pull"]}], c.get("access"))
    cred = base64.b64encode(b"tl-pusher:wrong").decode()
    st, _, _ = get(ts.realm + q, ctx, {"Authorization": "Basic " + cred})
    T.check("token server: wrong Basic credentials get 401", st == 401, st)
    cred = base64.b64encode(("%s:%s" % (ts.push_user, ts.push_password)).encode()).decode()
    st, _, body = get(ts.realm + q, ctx, {"Authorization": "Basic " + cred})
    acc = jwt_parts(json.loads(body)["token"])[1]["access"] if st == 200 else None
    T.check("token server: the push user is granted pull and push",
            acc and acc[0]["actions"] == ["pull", "push"], acc)
    ts.control(reset=True, delay=0.4, lifetime=7)
    t0 = time.monotonic()
    st, _, body = get(ts.realm + q, ctx)
    took = time.monotonic() - t0
    T.check("token server: delay and lifetime options apply",
            st == 200 and took >= 0.4 and json.loads(body)["expires_in"] == 7, (st, took))
    T.check("token server: /_stats counts requests", ts.stats()["token_requests"] == 1,
            ts.stats())
    ts.control(delay=0, fail_status=503, fail_count=1)
    st1 = get(ts.realm + q, ctx)[0]
    st2 = get(ts.realm + q, ctx)[0]
    T.check("token server: fail_status/fail_count inject failures", (st1, st2) == (503, 200),
            (st1, st2))
    ts.control(lifetime=300)


def anon_token(reg, pki, scope):
    url = "%s?service=%s&scope=%s" % (reg.token.realm, reg.token.service, scope)
    return json.loads(get(url, pki.ssl_context())[2])["token"]


def check_auth_enforced(reg, pki):
    ctx = pki.ssl_context()
    st, hdr, _ = get(reg.url + "/v2/", ctx)
    ch = rp.parse_challenge(hdr.get("WWW-Authenticate"))
    T.check("auth registry: /v2/ without a token is 401 with a Bearer challenge",
            st == 401 and ch is not None, (st, hdr.get("WWW-Authenticate")))
    T.check("auth registry: the challenge names our realm and service",
            ch and ch.get("realm") == reg.token.realm and ch.get("service") == reg.token.service,
            ch)
    st, hdr, _ = get(reg.url + "/v2/tl/mpc-node/manifests/oci", ctx,
                     {"Accept": ", ".join(rp.ALL_MANIFEST_TYPES)})
    ch = rp.parse_challenge(hdr.get("WWW-Authenticate")) or {}
    T.check("auth registry: a manifest without a token is 401 with "
            "scope=repository:tl/mpc-node:pull",
            st == 401 and ch.get("scope") == "repository:tl/mpc-node:pull", (st, ch))
    tok = anon_token(reg, pki, "repository:tl/mpc-node:pull")
    st, _, _ = get(reg.url + "/v2/tl/mpc-node/manifests/oci", ctx,
                   {"Accept": ", ".join(rp.ALL_MANIFEST_TYPES), "Authorization": "Bearer " + tok})
    T.check("auth registry: an anonymous pull token fetches the manifest", st == 200, st)
    st, _, _ = get(reg.url + "/v2/tl/mpc-node/blobs/uploads/", ctx,
                   {"Authorization": "Bearer " + tok}, method="POST")
    T.check("auth registry: an anonymous pull token cannot push", st == 401, st)
    st, _, _ = get(reg.url + "/v2/tl/mpc-node/manifests/oci", ctx,
                   {"Accept": rp.OCI_MANIFEST, "Authorization": "Bearer " + tok[:-4] + "AAAA"})
    T.check("auth registry: a token with a bad signature is refused", st == 401, st)
    reg.token.expire_after(2)
    tok = anon_token(reg, pki, "repository:tl/mpc-node:pull")
    st1 = get(reg.url + "/v2/tl/mpc-node/manifests/oci", ctx,
              {"Accept": rp.OCI_MANIFEST, "Authorization": "Bearer " + tok})[0]
    time.sleep(3)
    st2 = get(reg.url + "/v2/tl/mpc-node/manifests/oci", ctx,
              {"Accept": rp.OCI_MANIFEST, "Authorization": "Bearer " + tok})[0]
    T.check("auth registry: expire_after(2) makes a token expire mid-run",
            (st1, st2) == (200, 401), (st1, st2))
    reg.token.control(lifetime=300, exp_offset=0)


def check_served(reg, pki, images, label):
    """Every tag and digest is served with its media type and its own hash."""
    ctx = pki.ssl_context()
    hdrs = {"Accept": ", ".join(rp.ALL_MANIFEST_TYPES)}
    if reg.auth:
        hdrs["Authorization"] = "Bearer " + anon_token(reg, pki, "repository:tl/mpc-node:pull")
    for tag, info in sorted(images.items()):
        for ref in (tag, info["digest"]):
            st, h, body = get("%s/v2/%s/manifests/%s" % (reg.url, info["repo"], ref), ctx, hdrs)
            what = "%s: %s by %s" % (label, tag, "tag" if ref == tag else "digest")
            T.check(what + " is served with Content-Type " + SHORT[info["media_type"]],
                    st == 200 and h.get("Content-Type") == info["media_type"],
                    (st, h.get("Content-Type")))
            dig = rp.sha256_digest(body)
            T.check(what + " hashes to its digest and Docker-Content-Digest",
                    dig == info["digest"] == h.get("Docker-Content-Digest"),
                    (dig, h.get("Docker-Content-Digest")))
        if tag == "oci-index" and st == 200:
            plats = [(m.get("platform") or {}).get("architecture")
                     for m in json.loads(body)["manifests"]]
            T.check(label + ": oci-index lists arm64, amd64, unknown (attestation)",
                    plats == ["arm64", "amd64", "unknown"], plats)
    # Registry quirks the launcher relies on (MACHINE-NOTES); pinned here.
    one = dict(hdrs, Accept=rp.DOCKER_V2)
    st, _, body = get("%s/v2/tl/mpc-node/manifests/oci-index" % reg.url, ctx, one)
    T.check(label + ": an OCI index asked with only the Docker v2 type is 404 MANIFEST_UNKNOWN",
            st == 404 and b"MANIFEST_UNKNOWN" in body, (st, body[:120]))
    st, h, body = get("%s/v2/tl/mpc-node/manifests/docker-list" % reg.url, ctx, one)
    T.check(label + ": a Docker list asked with only the Docker v2 type is rewritten to amd64",
            st == 200 and rp.sha256_digest(body) == images["docker-list"]["platform_digest"],
            (st, h.get("Content-Type")))


def check_push_refusals(client):
    body = rp.canonical({"schemaVersion": 2, "mediaType": rp.OCI_INDEX, "manifests": [
        {"mediaType": rp.OCI_MANIFEST, "digest": "sha256:" + "ab" * 32, "size": 10,
         "platform": {"architecture": "amd64", "os": "linux"}}]})
    try:
        client.push_manifest("tl/mpc-node", "dangling", body, rp.OCI_INDEX)
        refused = ""
    except rp.PushError as e:
        refused = str(e)
    T.check("registry: an index pointing to a missing manifest is refused at push",
            "MANIFEST_BLOB_UNKNOWN" in refused or "MANIFEST_UNKNOWN" in refused, refused)


def check_engine(dk, regs, pki):
    p = dk.docker("version", "--format", "{{.Server.APIVersion}}")
    T.check("dockerd: answers the CLI at API 1.41", p.stdout.strip() == "1.41", p.stdout)
    for reg, images in regs:
        label = "dockerd (%s registry)" % ("token" if reg.auth else "no-auth")
        for tag in ("docker-v2", "oci", "oci-index", "docker-list", "nested"):
            info = images[tag]
            t0 = time.monotonic()
            p = dk.docker("pull", info["ref"], check=False)
            timings.setdefault("docker pull (first)", time.monotonic() - t0)
            if not T.check("%s: pulls %s by its platform manifest digest" % (label, tag),
                           p.returncode == 0, p.stderr.strip()[-300:]):
                continue
            got = dk.docker("image", "inspect", "--format", "{{.ID}}", info["ref"]).stdout.strip()
            T.check("%s: inspect of %s gives its config digest" % (label, tag),
                    got == info["config_digest"], (got, info["config_digest"]))
        for tag in ("oci-index", "docker-list"):
            info = images[tag]
            ref = "%s/%s@%s" % (reg.host, info["repo"], info["digest"])
            p = dk.docker("pull", ref, check=False)
            got = dk.docker("image", "inspect", "--format", "{{.ID}}", ref,
                            check=False).stdout.strip()
            T.check("%s: pulls %s by its index digest to the amd64 image" % (label, tag),
                    p.returncode == 0 and got == info["config_digest"],
                    (p.stderr.strip()[-200:], got))


def wait_logs(dk, name, text, timeout=10):
    deadline = time.monotonic() + timeout
    logs = ""
    while time.monotonic() < deadline and text not in logs:
        logs = dk.docker("logs", name).stdout
        time.sleep(0.1)
    return logs


def check_run(dk, images, work):
    ref = images["docker-v2"]["ref"]
    dk.docker("run", "-d", "--name", "tl-stub-1", "--network", "none", ref)
    logs = wait_logs(dk, "tl-stub-1", "config missing")
    T.check("dockerd: the stub image runs with --network none and prints its config path",
            "config path /mnt/shared/mpc-config.toml\n" in logs and "config missing" in logs,
            logs)
    shared = os.path.join(work, "shared")
    os.makedirs(shared, exist_ok=True)
    with open(os.path.join(shared, "mpc-config.toml"), "w") as f:
        f.write("# test\n")
    dk.docker("run", "-d", "--name", "tl-stub-2", "--network", "none",
              "-v", shared + ":/mnt/shared:ro", ref)
    logs = wait_logs(dk, "tl-stub-2", "config exists")
    T.check("dockerd: the stub sees a bind-mounted config file", "config exists" in logs, logs)
    t0 = time.monotonic()
    dk.docker("stop", "tl-stub-2")
    took = time.monotonic() - t0
    code = dk.docker("inspect", "--format", "{{.State.ExitCode}}", "tl-stub-2").stdout.strip()
    T.check("dockerd: the stub exits 0 on SIGTERM (docker stop took %.1f s)" % took,
            code == "0" and took < 5, (code, took))
    # tl-stub-1 stays running: stopping the engine must still clean up.


def check_cleanup(dirs):
    for d in dirs:
        T.check("cleanup: %s removed, nothing mounted below it" % os.path.basename(d),
                not os.path.exists(d) and not testenv.mounts_under(d))
    leftover = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if any(d.encode() in cmd for d in dirs):
                leftover.append(cmd.replace(b"\0", b" ")[:100])
    T.check("cleanup: no process refers to a removed service dir", not leftover, leftover)


def check_cli(work):
    d = os.path.join(work, "cli-env")
    cli = [sys.executable, os.path.join(os.path.dirname(__file__), "testenv.py")]
    t0 = time.monotonic()
    p = subprocess.run(cli + ["up", "--dir", d, "--push"], capture_output=True, text=True,
                       timeout=300)
    timings["testenv up --push (CLI)"] = time.monotonic() - t0
    if not T.check("cli: testenv.py up --push succeeds", p.returncode == 0,
                   p.stderr[-500:]):
        return
    env = {}
    with open(os.path.join(d, "env")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = subprocess.run(["sh", "-c", "printf %s " + v], capture_output=True,
                                    text=True).stdout
    want = {"TL_CA", "TL_REGISTRY", "TL_REGISTRY_AUTH", "TL_TOKEN_REALM", "DOCKER_HOST",
            "TL_IMAGES", "TL_PUSH_USER", "TL_PUSH_PASSWORD"}
    T.check("cli: the env file names CA, registries, realm, DOCKER_HOST, images",
            want <= set(env), sorted(want - set(env)))
    ctx = ssl.create_default_context(cafile=env.get("TL_CA"))
    st = get("https://%s/v2/" % env.get("TL_REGISTRY"), ctx)[0]
    T.check("cli: the registry from the env file answers", st == 200, st)
    with open(env["TL_IMAGES"]) as f:
        images = json.load(f)
    T.check("cli: images.json lists every shape for both registries",
            all(len(images.get(env[k], {})) == 7 for k in ("TL_REGISTRY", "TL_REGISTRY_AUTH")))
    p = subprocess.run(["docker", "-H", env["DOCKER_HOST"], "info", "--format", "{{.ID}}"],
                       capture_output=True, text=True)
    T.check("cli: the dockerd from the env file answers", p.returncode == 0, p.stderr)
    p = subprocess.run(cli + ["down", "--dir", d], capture_output=True, text=True, timeout=120)
    T.check("cli: testenv.py down succeeds", p.returncode == 0, p.stderr[-500:])
    check_cleanup([d])


def run_registries(pki, work):
    reg = testenv.Registry(pki)
    areg = testenv.Registry(pki, auth=True)
    dk = testenv.Dockerd(pki)
    dirs = [reg.dir, areg.dir, dk.dir]
    with reg, areg:
        timings["registry start (no auth)"] = reg.start_seconds
        timings["registry start (token auth, incl. token server)"] = areg.start_seconds
        check_tls(reg, pki)
        check_token_server(areg, pki)
        pushed = []
        for r in (reg, areg):
            label = "token" if r.auth else "no auth"
            user, pw = r.push_credentials()
            client = rp.Client(r.host, pki.ca_cert, user, pw)
            imgs = T.run("push: all shapes (%s)" % label, timed,
                         "push all shapes (%s)" % label, rp.push_standard, client)
            if imgs is None:
                continue
            T.check("push: %d shapes with distinct config digests (%s)" % (len(imgs), label),
                    len({i["config_digest"] for i in imgs.values()}) == len(imgs) == 7)
            if r.auth:
                T.check("push: one token for the whole push (token auth)",
                        client.token_requests == 1, client.token_requests)
            pushed.append((r, imgs))
            check_served(r, pki, imgs, "auth registry" if r.auth else "no-auth registry")
            check_push_refusals(client)
        T.run("auth registry checks", check_auth_enforced, areg, pki)
        try:
            dk.start()
        except Exception as e:
            T.check("dockerd: starts", False, e)
            dk.stop()
        else:
            timings["dockerd start"] = dk.start_seconds
            T.check("dockerd: starts (storage %s)" % dk.driver, True)
            try:
                T.run("engine checks", check_engine, dk, pushed, pki)
                if pushed:
                    T.run("run checks", check_run, dk, pushed[0][1], work)
            finally:
                t0 = time.monotonic()
                dk.stop()
                timings["dockerd stop (one container running)"] = time.monotonic() - t0
    check_cleanup(dirs)


def main():
    testenv.install_signal_handlers()
    stub = T.run("stub: builds with musl-gcc -static", rp.build_stub)
    if stub:
        f = subprocess.run(["file", "-b", stub], capture_output=True, text=True).stdout
        T.check("stub: is a static executable", "statically linked" in f, f)
    with testenv.TempDir() as work:
        pki = T.run("pki: created", timed, "pki", testenv.Pki.create,
                    os.path.join(work.path, "pki"))
        if pki:
            check_pki(pki)
            T.run("services", run_registries, pki, work.path)
        T.run("cli", check_cli, work.path)
        T.run("rtmr fuse", check_rtmr_fuse, work.path)
    for k, v in timings.items():
        print("time %-50s %6.2f s" % (k, v))
    sys.exit(0 if T.summary() else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""tests/check.d/56-verify-compose.sh: the launcher compose template and
`make verify-compose`.

The template (reproducible/launcher-compose.yaml.tmpl) is rendered here by
plain placeholder substitution with the built image's digest and a default
node digest, hashed, and handed to reproducible/verify-compose as a plain
compose file and inside a dstack app-compose.json: both must be equal, with
the compose hash = sha256 of the YAML.  The template itself must hold only
what the launcher needs (its image by digest, the three variables, the four
mounts, read-only root, no new privileges) and docker-compose must accept
the rendering.  Tampered files must be told apart, each naming the line:
an extra mount, another launcher digest, an extra variable, a dropped
read_only, another repository, CRLF line ends; a file without a default
digest or that is not an app-compose fails too.  Finally `make
verify-compose` on the built image.  Last line: "N passed, N failed".
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.environ["TOP"]
B = os.environ.get("B") or os.path.join(TOP, "build")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from checks import Checks  # noqa: E402

T = Checks()
SCRIPT = os.path.join(TOP, "reproducible", "verify-compose")
TMPL = os.path.join(TOP, "reproducible", "launcher-compose.yaml.tmpl")
with open(os.path.join(B, "image", "manifest.sha256")) as f:
    IMAGE = f.read().strip()
NODE = hashlib.sha256(b"an approved mpc-node manifest").hexdigest()


def render(repo="nearone/mpc-launcher", image=IMAGE, node=NODE):
    with open(TMPL) as f:
        t = f.read()
    return (t.replace("{{LAUNCHER_IMAGE_REPOSITORY}}", repo)
             .replace("{{LAUNCHER_IMAGE_HASH}}", image)
             .replace("{{DEFAULT_IMAGE_DIGEST_HASH}}", node))


def app_compose(yaml_text):
    return json.dumps({"manifest_version": 2, "name": "mpc-launcher",
                       "runner": "docker-compose", "docker_compose_file": yaml_text,
                       "kms_enabled": True, "gateway_enabled": False,
                       "public_logs": True, "public_sysinfo": True,
                       "local_key_provider_enabled": False, "no_instance_id": False},
                      indent=2)


def run(path, *extra, image=IMAGE):
    return subprocess.run([sys.executable, SCRIPT, "--image-digest", "sha256:" + image,
                           *extra, path], capture_output=True, text=True)


def hash_line(out, label):
    for ln in out.splitlines():
        if ln.startswith(label):
            return ln.split()[2]
    return None


def main():
    good = render()
    good_hash = hashlib.sha256(good.encode()).hexdigest()

    # the template: only what the launcher needs
    lines = [ln.strip() for ln in good.splitlines()]
    T.check("template: the launcher image by digest",
            '"nearone/mpc-launcher@sha256:%s"' % IMAGE in good)
    T.check("template: PLATFORM=TEE, DOCKER_CONTENT_TRUST=1, DEFAULT_IMAGE_DIGEST, nothing else",
            [ln for ln in lines if ln.startswith('- "') and "=" in ln] ==
            ['- "PLATFORM=TEE"', '- "DOCKER_CONTENT_TRUST=1"',
             '- "DEFAULT_IMAGE_DIGEST=sha256:%s"' % NODE])
    T.check("template: exactly the four mounts (engine, dstack, /tapp ro, shared volume)",
            [ln for ln in lines if ln.startswith('- "/') or ln.startswith('- "shared')] ==
            ['- "/var/run/docker.sock:/var/run/docker.sock"',
             '- "/var/run/dstack.sock:/var/run/dstack.sock"',
             '- "/tapp:/tapp:ro"', '- "shared-volume:/mnt/shared"'])
    T.check("template: read-only root and no new privileges",
            "read_only: true" in lines and '- "no-new-privileges:true"' in lines)
    T.check("template: no ports, no privileges, no host network, no tmpfs, no command",
            not any(ln.startswith(k) for ln in lines for k in
                    ("ports:", "privileged:", "network_mode:", "tmpfs:", "command:",
                     "entrypoint:", "cap_add:", "devices:", "pid:")))
    T.check("template: every placeholder rendered", "{{" not in good)

    with tempfile.TemporaryDirectory() as tmp:
        def write(name, text, mode="w"):
            p = os.path.join(tmp, name)
            with open(p, mode, newline="") as f:
                f.write(text)
            return p

        dc = shutil.which("docker-compose")
        if dc:
            d = os.path.join(tmp, "dc")
            os.makedirs(d)
            write("dc/docker-compose.yaml", good)
            p = subprocess.run([dc, "config", "-q"], cwd=d, capture_output=True, text=True)
            T.check("docker-compose accepts the rendered compose", p.returncode == 0, p.stderr)
        else:
            T.check("docker-compose is installed (.ci/run installs it)", False)

        plain = write("compose.yaml", good)
        p = run(plain)
        T.check("plain compose: equal (exit 0)", p.returncode == 0 and
                "verify-compose: EQUAL" in p.stdout, p.stdout + p.stderr)
        T.check("plain compose: compose hash = sha256 of the YAML (%s…)" % good_hash[:12],
                hash_line(p.stdout, "compose hash:") == good_hash ==
                hash_line(p.stdout, "rendered hash:"), p.stdout)
        T.check("plain compose: names the default node digest it took",
                "sha256:%s (DEFAULT_IMAGE_DIGEST from the file)" % NODE in p.stdout)

        app_text = app_compose(good)
        app = write("app-compose.json", app_text)
        p = run(app)
        T.check("app-compose.json: equal (exit 0)", p.returncode == 0 and
                "verify-compose: EQUAL" in p.stdout, p.stdout + p.stderr)
        T.check("app-compose.json: the compose hash is of docker_compose_file, not the JSON",
                hash_line(p.stdout, "compose hash:") == good_hash !=
                hashlib.sha256(app_text.encode()).hexdigest(), p.stdout)
        T.check("app-compose.json: prints the JSON file's own sha256 too",
                hashlib.sha256(app_text.encode()).hexdigest() in p.stdout)

        other_node = hashlib.sha256(b"another node").hexdigest()
        p = run(write("other-node.yaml", render(node=other_node)))
        T.check("another default node digest: equal, with another compose hash",
                p.returncode == 0 and hash_line(p.stdout, "compose hash:") ==
                hashlib.sha256(render(node=other_node).encode()).hexdigest() != good_hash,
                p.stdout)

        def tampered(name, text, must_show, as_app=False, extra=()):
            path = write(name, app_compose(text) if as_app else text)
            p = run(path, *extra)
            T.check("tampered %s: not equal (exit 1)" % name,
                    p.returncode == 1 and "verify-compose: NOT EQUAL" in p.stdout,
                    p.stdout + p.stderr)
            if must_show:
                T.check("tampered %s: the report shows %r" % (name, must_show),
                        must_show in p.stdout, p.stdout)
            T.check("tampered %s: its compose hash differs" % name,
                    hash_line(p.stdout, "compose hash:") not in (None, good_hash), p.stdout)

        mount = '      - "/:/host"\n'
        extra_mount = good.replace('      - "/tapp:/tapp:ro"\n', '      - "/tapp:/tapp:ro"\n' + mount)
        tampered("extra-mount.yaml", extra_mount, '-      - "/:/host"')
        tampered("extra-mount.json", extra_mount, '-      - "/:/host"', as_app=True)
        other_img = hashlib.sha256(b"another launcher").hexdigest()
        tampered("other-launcher.yaml", render(image=other_img), other_img)
        tampered("other-launcher.json", render(image=other_img), other_img, as_app=True)
        tampered("extra-env.yaml", good.replace(
            '      - "PLATFORM=TEE"\n',
            '      - "PLATFORM=TEE"\n      - "TEE_LAUNCHER_EXTRA_CA_FILE=/tapp/ca.pem"\n'),
            "TEE_LAUNCHER_EXTRA_CA_FILE")
        tampered("no-read-only.yaml", good.replace("    read_only: true\n", ""),
                 "+    read_only: true")
        tampered("other-repository.yaml", render(repo="evil/mpc-launcher"), "evil/mpc-launcher")
        tampered("crlf.yaml", good.replace("\n", "\r\n"), "line endings")
        tampered("nontee.yaml", good.replace("PLATFORM=TEE", "PLATFORM=NONTEE"), "PLATFORM=NONTEE")
        # the repository the verifier names is used for rendering
        p = run(write("registry.yaml", render(repo="registry.example:5000/tl/tee-launcher")),
                "--repository", "registry.example:5000/tl/tee-launcher")
        T.check("--repository: a compose for another registry is equal when named",
                p.returncode == 0, p.stdout + p.stderr)

        p = run(write("no-default.yaml", good.replace("DEFAULT_IMAGE_DIGEST", "DEFAULT_DIGEST")))
        T.check("no DEFAULT_IMAGE_DIGEST: not equal, said so",
                p.returncode == 1 and "no DEFAULT_IMAGE_DIGEST" in p.stdout, p.stdout)
        p = run(write("not-app.json", json.dumps({"name": "x"})))
        T.check("JSON without docker_compose_file: unusable (exit 2)",
                p.returncode == 2 and "docker_compose_file" in p.stderr, p.stderr)
        p = subprocess.run([sys.executable, SCRIPT, "--image-digest", "sha256:xyz", plain],
                           capture_output=True, text=True)
        T.check("a malformed --image-digest: unusable (exit 2)", p.returncode == 2, p.stderr)

        # the make target, with the image it builds (already built by make check)
        p = subprocess.run(["make", "-s", "-C", TOP, "verify-compose", "COMPOSE=" + app],
                           capture_output=True, text=True)
        T.check("make verify-compose COMPOSE=app-compose.json: equal with the built image",
                    p.returncode == 0 and "verify-compose: EQUAL" in p.stdout, p.stdout + p.stderr)
        p = subprocess.run(["make", "-s", "-C", TOP, "verify-compose",
                            "COMPOSE=" + os.path.join(tmp, "extra-mount.json")],
                           capture_output=True, text=True)
        T.check("make verify-compose on a tampered file fails", p.returncode != 0, p.stdout)
    return T.summary()


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

#!/usr/bin/env python3
"""The Engine API backend against a real dockerd and TLS registry
(tests/check.d/71-engine-api.sh).

1. Same inputs, both backends: the container docker-compose makes from the
   rendered template (CLI backend) and the one the API backend makes are
   compared field by field in `docker inspect` — HostConfig (Binds as a set,
   PortBindings, RestartPolicy, SecurityOpt, NetworkMode, every other key),
   Mounts, Env, Cmd, Image, ExposedPorts, the compose labels and the network
   endpoint — and then everything else in the inspect output, where only
   the differences listed in ALLOWED may appear.  Each backend replaces the
   other's container, and compose accepts the network and volumes the API
   made (and `docker-compose ps` lists the API-made container).
2. Engine errors through the API backend: a digest the registry lacks, a
   layer that fails mid-stream (HTTP 200, errorDetail), an unreachable registry, an image the engine lacks, a missing socket, a
   DOCKER_HOST that is not unix://.
3. The launcher picks the API backend by itself when no docker is on PATH.
Last line: "N passed, N failed".
"""
import gzip
import json
import os
import subprocess
import sys
import time

TOP = os.environ["TOP"]
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import testenv  # noqa: E402
from checks import Checks  # noqa: E402

B = os.environ.get("B") or os.path.join(TOP, "build")
DRIVER = os.path.join(os.environ.get("DRIVERS") or os.path.join(B, "drivers"), "engine-call")
LAUNCHER = os.environ.get("LAUNCHER", os.path.join(B, "tee-launcher"))
T = Checks()

# Labels compose adds from its own file and version; the API backend has no
# file.  Everything else must match.
COMPOSE_ONLY_LABELS = {"com.docker.compose.config-hash",
                       "com.docker.compose.project.config_files",
                       "com.docker.compose.project.working_dir",
                       "com.docker.compose.version"}
# Paths in `docker inspect` that differ between any two containers (ids,
# times, paths holding ids), plus what compose v1 sends and the API backend
# does not, with no effect on the container:
#   Config.Volumes  compose also declares each mount target as a volume;
#                   the binds and named volumes mount there either way.
#   HostConfig.VolumesFrom  [] from compose, null from the API: none.
ALLOWED = {
    ".Id", ".Created", ".Config.Hostname", ".ResolvConfPath", ".HostnamePath",
    ".HostsPath", ".LogPath", ".State.Pid", ".State.StartedAt", ".State.FinishedAt",
    ".GraphDriver.Data.LowerDir", ".GraphDriver.Data.MergedDir",
    ".GraphDriver.Data.UpperDir", ".GraphDriver.Data.WorkDir",
    ".NetworkSettings.SandboxID", ".NetworkSettings.SandboxKey",
    ".NetworkSettings.Networks.mpc-node_default.EndpointID",
    ".NetworkSettings.Networks.mpc-node_default.IPAddress",
    ".NetworkSettings.Networks.mpc-node_default.MacAddress",
    ".NetworkSettings.IPAddress", ".NetworkSettings.MacAddress",
    ".NetworkSettings.EndpointID",
    ".Config.Volumes", ".HostConfig.VolumesFrom",
}


def driver(env, *args):
    p = subprocess.run([DRIVER] + list(args), env=env, capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout.strip(), p.stderr


def inspect(dk):
    r = dk.docker("inspect", "mpc-node", check=False)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def normalise(c):
    """Order-free views of lists whose order carries no meaning, and the
    endpoint aliases without the engine-added short ID."""
    c = json.loads(json.dumps(c))
    h = c["HostConfig"]
    h["Binds"] = sorted(h.get("Binds") or [])
    c["Mounts"] = sorted(c.get("Mounts") or [], key=lambda m: m["Destination"])
    c["Config"]["Env"] = sorted(c["Config"].get("Env") or [])
    labels = c["Config"].get("Labels") or {}
    c["Config"]["Labels"] = {k: v for k, v in labels.items() if k not in COMPOSE_ONLY_LABELS}
    for net in (c["NetworkSettings"].get("Networks") or {}).values():
        net["Aliases"] = sorted(a for a in (net.get("Aliases") or []) if a != c["Id"][:12])
    return c


def diff(a, b, path="", out=None):
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            diff(a.get(k, "<absent>"), b.get(k, "<absent>"), path + "." + k, out)
    elif a != b:
        out.append(path)
    return out


def field(c, dotted):
    for k in dotted.split("."):
        c = c.get(k) if isinstance(c, dict) else None
    return c


FIELDS = ["HostConfig.Binds", "Mounts", "HostConfig.PortBindings", "Config.ExposedPorts",
          "Config.Env", "Config.Cmd", "Config.Image", "HostConfig.SecurityOpt",
          "HostConfig.RestartPolicy", "HostConfig.NetworkMode", "Config.Labels",
          "NetworkSettings.Networks.mpc-node_default.Aliases",
          "NetworkSettings.Networks.mpc-node_default.NetworkID", "Name", "Image"]


def compare(label, cli, api):
    a, b = normalise(cli), normalise(api)
    for f in FIELDS:
        T.check("%s: %s is the same from compose and from the API" % (label, f),
                field(a, f) == field(b, f) and field(a, f) is not None,
                "compose %s\n   api %s" % (json.dumps(field(a, f)), json.dumps(field(b, f))))
    hc = [p for p in diff(a["HostConfig"], b["HostConfig"], ".HostConfig") if p not in ALLOWED]
    T.check("%s: no other HostConfig key differs" % label, not hc, hc)
    rest = [p for p in diff(a, b) if p not in ALLOWED]
    T.check("%s: nothing else in docker inspect differs" % label, not rest, rest)
    T.check("%s: compose labels project/service/oneoff/number are set" % label,
            all(b["Config"]["Labels"].get("com.docker.compose." + k) == v for k, v in
                (("project", "mpc-node"), ("service", "mpc-node"), ("oneoff", "False"),
                 ("container-number", "1"))), b["Config"]["Labels"])


def fresh(dk):
    dk.docker("rm", "-f", "mpc-node", check=False)
    dk.docker("network", "rm", "mpc-node_default", check=False)
    dk.docker("volume", "rm", "shared-volume", "mpc-data", check=False)


def launch_args(ctx, platform, compose_file, ports):
    img = ctx["img"]
    return ["launch", platform, ctx["name"], img["digest"][7:], ctx["sock"],
            "/mnt/shared/mpc-config.toml", compose_file] + ports


def case_compare(ctx, platform):
    dk, env = ctx["dk"], ctx["env"]
    label = "compare/" + platform
    compose_file = os.path.join(ctx["dir"], "%s.compose.yaml" % platform)
    ports = ["%d:11780" % ctx["ports"][0], "%d:11780" % ctx["ports"][1],
             "%d:2200" % ctx["ports"][2]]
    fresh(dk)
    order = ("cli", "api") if platform == "nontee" else ("api", "cli")
    seen = {}
    for engine in order:
        rc, out, err = driver(env, engine, *launch_args(ctx, platform, compose_file, ports))
        T.check("%s: %s launch succeeds%s" % (label, engine,
                " and replaces the other backend's container" if seen else ""),
                rc == 0, out + err[-800:])
        c = inspect(dk)
        T.check("%s: %s-made container runs" % (label, engine),
                c is not None and c["State"]["Running"], c and c["State"])
        if c is None:
            return
        seen[engine] = c
    T.check("%s: the second launch replaced the first container" % label,
            seen["cli"]["Id"] != seen["api"]["Id"]
            and dk.docker("inspect", seen[order[0]]["Id"], check=False).returncode != 0)
    compare(label, seen["cli"], seen["api"])
    if platform == "tee":
        # The API made the network and volumes; compose took them as its own.
        r = dk.docker("volume", "inspect", "shared-volume", "mpc-data")
        vols = json.loads(r.stdout)
        T.check("%s: API-made volumes carry compose's labels" % label,
                all(v["Labels"].get("com.docker.compose.project") == "mpc-node" and
                    v["Labels"].get("com.docker.compose.volume") == v["Name"] for v in vols),
                vols)
        # And compose lists the API-made container as the service's.
        rc, _, _ = driver(env, "api", *launch_args(ctx, platform, compose_file, ports))
        p = subprocess.run(["docker-compose", "-p", "mpc-node", "-f", compose_file, "ps", "-q"],
                           env=env, capture_output=True, text=True, timeout=120)
        cid = (inspect(dk) or {}).get("Id", "")
        T.check("%s: docker-compose -p mpc-node ps lists the API-made container" % label,
                rc == 0 and p.returncode == 0 and cid and p.stdout.strip() == cid,
                p.stdout + p.stderr)


def case_errors(ctx):
    env = ctx["env"]
    img = ctx["img"]
    missing = "%s@sha256:%s" % (ctx["name"], "0" * 64)
    rc, out, _ = driver(env, "api", "pull", missing)
    T.check("api pull: a digest the registry lacks fails with the engine's words",
            rc == 1 and out.startswith("error: engine API POST /images/create")
            and ("manifest unknown" in out or "not found" in out), out)
    rc, out, _ = driver(env, "api", "pull", "localhost:1/tl/x@sha256:" + "1" * 64)
    T.check("api pull: an unreachable registry fails naming the engine's reason",
            rc == 1 and "error: engine API" in out and "connection refused" in out, out)
    rc, out, _ = driver(env, "api", "inspect", missing)
    T.check("api inspect: an image the engine lacks is HTTP 404 'No such image'",
            rc == 1 and "HTTP 404" in out and "No such image" in out, out)
    rc, out, _ = driver(env, "api", "inspect", img["ref"])
    T.check("api inspect: the pulled image's ID is its config digest",
            rc == 0 and out == img["config_digest"], out)
    rc, out, _ = driver(env, "api", "remove", "no-such-container")
    T.check("api remove: a missing container is not an error", rc == 0, out)
    e = dict(env, DOCKER_HOST="unix://" + os.path.join(ctx["dir"], "nothing.sock"))
    rc, out, _ = driver(e, "api", "pull", img["ref"])
    T.check("api: a missing socket is a connect error naming it",
            rc == 1 and "nothing.sock" in out and "connect" in out, out)
    e = dict(env, DOCKER_HOST="tcp://127.0.0.1:2375")
    rc, out, _ = driver(e, "api", "pull", img["ref"])
    T.check("api: DOCKER_HOST tcp:// is refused", rc == 1 and "unix://" in out, out)


def push_broken(ctx):
    """An image whose layer blob is deleted after the push: the engine gets
    the manifest, then fails mid-stream (HTTP 200, an errorDetail line)."""
    c, repo = ctx["push"], "tl/broken"
    tar = registry_push.layer_tar([("junk", 0o644, os.urandom(4096))])
    gz = gzip.compress(tar, mtime=0)
    layer = c.push_blob(repo, gz)
    cfg = registry_push.canonical({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [registry_push.sha256_digest(tar)]}})
    manifest = registry_push.canonical({
        "schemaVersion": 2, "mediaType": registry_push.DOCKER_V2,
        "config": {"mediaType": registry_push.DOCKER_CONFIG,
                   "digest": c.push_blob(repo, cfg), "size": len(cfg)},
        "layers": [{"mediaType": registry_push.DOCKER_LAYER, "digest": layer,
                    "size": len(gz)}]})
    digest = c.push_manifest(repo, "broken", manifest, registry_push.DOCKER_V2)
    r = c.request("DELETE", "/v2/%s/blobs/%s" % (repo, layer),
                  scope="repository:%s:pull,push,delete" % repo)
    if r.status != 202:
        raise RuntimeError("blob delete: HTTP %d %s" % (r.status, r.body[:200]))
    return "%s/%s@%s" % (ctx["reg"].host, repo, digest)


def case_stream_error(ctx):
    ref = push_broken(ctx)
    rc, out, _ = driver(ctx["env"], "api", "pull", ref)
    T.check("api pull: a layer that fails mid-stream fails the pull with the engine's words",
            rc == 1 and out.startswith("error: engine API POST /images/create %s: "
                                       "engine reported: " % ref)
            and "unknown" in out.lower(), out)
    rc, out, _ = driver(ctx["env"], "api", "inspect", ref)
    T.check("api pull: and the engine has no such image", rc == 1 and "HTTP 404" in out, out)


def case_default_engine(ctx):
    """No TEE_LAUNCHER_ENGINE: the API whenever the engine's socket is there
    (docker on PATH or not); without a socket, docker on PATH means cli."""
    d = os.path.join(ctx["dir"], "default")
    os.makedirs(os.path.join(d, "shared"))
    img = ctx["img"]
    with open(os.path.join(d, "user_config"), "w") as f:
        f.write("[launcher_config]\nimage_tags = [\"%s\"]\nimage_name = \"tl/mpc-node\"\n"
                "registry = \"%s\"\nrpc_request_timeout_secs = 10\n"
                "rpc_request_interval_secs = 0\nrpc_max_attempts = 0\n"
                "port_mappings = [{ host = %d, container = 11780 }]\n\n"
                "[mpc_node_config]\nhome_dir = \"/data\"\n"
                % (img["tag"], ctx["reg"].host, ctx["ports"][0]))
    env = {"PATH": "/nonexistent", "DOCKER_HOST": ctx["env"]["DOCKER_HOST"],
           "PLATFORM": "NONTEE", "DOCKER_CONTENT_TRUST": "1",
           "DEFAULT_IMAGE_DIGEST": img["config_digest"],
           "TEE_LAUNCHER_USER_CONFIG": os.path.join(d, "user_config"),
           "TEE_LAUNCHER_APPROVED_HASHES_FILE": os.path.join(d, "shared", "approved.json"),
           "TEE_LAUNCHER_NODE_CONFIG": os.path.join(d, "shared", "mpc-config.toml"),
           "TEE_LAUNCHER_COMPOSE_FILE": os.path.join(d, "shared", "mpc-node.compose.yaml"),
           "TEE_LAUNCHER_EXTRA_CA_FILE": ctx["ca"]}
    t0 = time.monotonic()
    p = subprocess.run([LAUNCHER], env=env, capture_output=True, text=True, timeout=300)
    ctx["timings"]["launcher NONTEE run, api by default (s)"] = round(time.monotonic() - t0, 2)
    T.check("default engine: without docker on PATH the launcher uses the API and exits 0",
            p.returncode == 0 and 'msg="engine backend" engine=api' in p.stderr,
            p.stderr[-1500:])
    c = inspect(ctx["dk"])
    T.check("default engine: the node runs the pulled digest",
            c is not None and c["State"]["Running"] and img["digest"] in c["Config"]["Image"])
    env["PATH"] = ctx["env"]["PATH"]
    p = subprocess.run([LAUNCHER], env=env, capture_output=True, text=True, timeout=300)
    T.check("default engine: with docker on PATH too, the socket decides: api, exit 0",
            p.returncode == 0 and
            'msg="engine backend" engine=api reason="socket present"' in p.stderr and
            "docker compose" not in p.stderr, p.stderr[-1500:])
    env["DOCKER_HOST"] = "unix://" + os.path.join(d, "no-engine.sock")
    p = subprocess.run([LAUNCHER], env=env, capture_output=True, text=True, timeout=300)
    T.check("default engine: no socket and docker on PATH: cli, which then fails at the engine",
            p.returncode == 1 and
            'engine=cli reason="no socket, docker on PATH"' in p.stderr and
            "step=engine" in p.stderr, p.stderr[-1500:])
    env["PATH"] = "/nonexistent"
    env["DOCKER_HOST"] = "ssh://somewhere"
    p = subprocess.run([LAUNCHER], env=env, capture_output=True, text=True, timeout=60)
    T.check("default engine: a DOCKER_HOST the API cannot use fails before the registry",
            p.returncode == 1 and "unix://" in p.stderr and "registry token" not in p.stderr
            and "image digest resolved" not in p.stderr, p.stderr[-800:])


def main():
    testenv.install_signal_handlers()
    ctx = {"timings": {}}
    with testenv.TempDir() as d:
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        with testenv.Registry(pki, auth=True) as reg, testenv.Dockerd(pki) as dk:
            user, pw = reg.push_credentials()
            images = registry_push.push_standard(
                registry_push.Client(reg.host, pki.ca_cert, user, pw))
            img = images["docker-v2"]
            sock = os.path.join(d.path, "dstack.sock")
            with open(sock, "w"):
                pass  # a bind source; the stub node never talks to it
            env = dk.env()
            ctx.update(dk=dk, reg=reg, env=env, img=img, dir=d.path, sock=sock,
                       push=registry_push.Client(reg.host, pki.ca_cert, user, pw),
                       ca=pki.ca_cert, name=img["ref"].split("@")[0],
                       ports=[testenv.free_port() for _ in range(3)])
            t0 = time.monotonic()
            rc, out, _ = driver(env, "api", "pull", img["ref"])
            ctx["timings"]["api pull (s)"] = round(time.monotonic() - t0, 2)
            T.check("api pull: the image is pulled by digest through the API", rc == 0, out)
            for fn, args in ((case_compare, ("nontee",)), (case_compare, ("tee",)),
                             (case_errors, ()), (case_stream_error, ()),
                             (case_default_engine, ())):
                T.run(fn.__name__ + str(args), fn, ctx, *args)
            fresh(dk)
    for k, v in ctx["timings"].items():
        print("timing %s %s" % (k, v))
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())

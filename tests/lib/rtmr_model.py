"""The checkers' model of dstack's RTMR3 runtime events (SPEC §16.4), kept
apart from the launcher's C and from the agent double (fake_dstack.py):
event digests V1 and V2, the runtime log's lines, and the replay from 48
zero bytes.  Used by the adversary suite and the crash campaign to judge a
run from the outside."""
import base64
import hashlib
import json

EVENT_TYPE = 0x08000001


def v1_digest(name, payload):
    """SHA-384(le32(type) || ":" || name || ":" || payload)."""
    return hashlib.sha384(EVENT_TYPE.to_bytes(4, "little") + b":" + name.encode() +
                          b":" + payload).digest()


def v2_digest(name, payload):
    """SHA-384 of the RFC 8785 form of {name, payload (hex), type}."""
    text = json.dumps({"name": name, "payload": payload.hex(), "type": EVENT_TYPE},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode()).digest()


def read_events(path):
    """[(name, payload, version)] of a runtime log (missing file: [])."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    o = json.loads(line)
                    out.append((o["event"], base64.b64decode(o["payload"]),
                                o.get("version", 1)))
    except FileNotFoundError:
        pass
    return out


def replay(events):
    """The register the events extend to, from 48 zero bytes."""
    mr = bytes(48)
    for name, payload, version in events:
        mr = hashlib.sha384(mr + (v2_digest if version == 2 else v1_digest)(name, payload)).digest()
    return mr


def log_line(name, payload):
    """One V1 runtime-log line, as dstack writes it."""
    return json.dumps({"event": name, "payload": base64.b64encode(payload).decode()},
                      separators=(",", ":")) + "\n"

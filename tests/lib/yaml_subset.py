"""A strict reader for the YAML subset tee-launcher's compose files use.

Block mappings (2-space indents, plain keys), block sequences of scalars,
flow sequences of double-quoted scalars, double-quoted scalars with YAML
escapes, and a few plain scalars.  Anything else is an error, so a rendering
that smuggled in a comment, an anchor, a tag, a new key or a multi-line
scalar does not parse.  Standard library only; written for the checks in
tests/check.d, not as a general YAML parser.
"""
import re

MAX_DEPTH = 8
KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
PLAIN = re.compile(r"[A-Za-z0-9_.:/-]+\Z")
ESCAPES = {'"': '"', "\\": "\\", "/": "/", "0": "\0", "a": "\a", "b": "\b",
           "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
           "e": "\x1b", " ": " ", "N": "\x85", "_": "\xa0", "L": "\u2028",
           "P": "\u2029"}
HEXLEN = {"x": 2, "u": 4, "U": 8}


class YamlError(Exception):
    pass


def printable(ch):
    c = ord(ch)
    return (c in (0x09,) or 0x20 <= c <= 0x7e or 0xa0 <= c <= 0xd7ff or
            0xe000 <= c <= 0xfffd and c != 0xfeff or 0x10000 <= c <= 0x10ffff)


def quoted(s, i):
    """Decodes the double-quoted scalar starting at s[i] == '"'.
    Returns (value, index after the closing quote)."""
    if s[i] != '"':
        raise YamlError("expected a double-quoted scalar at %r" % s[i:])
    out, i = [], i + 1
    while True:
        if i >= len(s):
            raise YamlError("unterminated scalar")
        ch = s[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= len(s):
                raise YamlError("dangling backslash")
            e = s[i + 1]
            if e in ESCAPES:
                out.append(ESCAPES[e])
                i += 2
            elif e in HEXLEN:
                h = s[i + 2:i + 2 + HEXLEN[e]]
                if len(h) != HEXLEN[e] or not re.fullmatch("[0-9A-Fa-f]+", h):
                    raise YamlError("bad \\%s escape" % e)
                out.append(chr(int(h, 16)))
                i += 2 + HEXLEN[e]
            else:
                raise YamlError("unknown escape \\%s" % e)
        elif not printable(ch):
            raise YamlError("raw non-printable U+%04X in a scalar" % ord(ch))
        else:
            out.append(ch)
            i += 1


def scalar_value(text):
    """The value after 'key: ' or '- ' on one line."""
    if text.startswith('"'):
        v, end = quoted(text, 0)
        if end != len(text):
            raise YamlError("text after a quoted scalar: %r" % text[end:])
        return v
    if text.startswith("["):
        return flow_sequence(text)
    if PLAIN.match(text) and text not in ("true", "false", "null", "~"):
        return text
    raise YamlError("unsupported value %r" % text)


def flow_sequence(text):
    if text == "[]":
        return []
    items, i = [], 1
    while True:
        v, i = quoted(text, i)
        items.append(v)
        if text[i:i + 2] == ", ":
            i += 2
        elif text[i:] == "]":
            return items
        else:
            raise YamlError("bad flow sequence near %r" % text[i:])


def split_lines(doc):
    if not doc.endswith("\n"):
        raise YamlError("document does not end with a newline")
    out = []
    for n, line in enumerate(doc[:-1].split("\n"), 1):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if not stripped or indent % 2 or "\t" in line[:indent + 1]:
            raise YamlError("line %d: blank or badly indented" % n)
        out.append((indent, stripped, n))
    return out


def block(lines, pos, indent, depth):
    """Parses the block at this indent; returns (value, next position)."""
    if depth > MAX_DEPTH:
        raise YamlError("nested too deeply")
    if lines[pos][1].startswith("- "):
        items = []
        while pos < len(lines) and lines[pos][0] == indent:
            if not lines[pos][1].startswith("- "):
                raise YamlError("line %d: mixed sequence and mapping" % lines[pos][2])
            items.append(scalar_value(lines[pos][1][2:]))
            pos += 1
        return items, pos
    mapping = {}
    while pos < len(lines) and lines[pos][0] == indent:
        _, text, n = lines[pos]
        key, sep, rest = text.partition(":")
        if not sep or not KEY.match(key) or key in mapping:
            raise YamlError("line %d: bad or duplicate key %r" % (n, key))
        pos += 1
        if rest == "":
            if pos >= len(lines) or lines[pos][0] != indent + 2:
                raise YamlError("line %d: empty value" % n)
            mapping[key], pos = block(lines, pos, indent + 2, depth + 1)
        elif rest.startswith(" "):
            mapping[key] = scalar_value(rest[1:])
        else:
            raise YamlError("line %d: no space after ':'" % n)
    if pos < len(lines) and lines[pos][0] > indent:
        raise YamlError("line %d: unexpected indent" % lines[pos][2])
    return mapping, pos


def load(doc):
    lines = split_lines(doc)
    value, pos = block(lines, 0, 0, 0)
    if pos != len(lines):
        raise YamlError("line %d: trailing content" % lines[pos][2])
    return value


def compose_unescape(s):
    """Docker compose interpolation: $$ is a literal $, any other $ expands."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "$":
            if s[i + 1:i + 2] != "$":
                raise YamlError("unescaped $ would be interpolated: %r" % s)
            out.append("$")
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)

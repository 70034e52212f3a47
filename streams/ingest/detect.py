"""Format detection: a cheap look at the first bytes, no full parse.

Each format module exposes `FORMAT` (its name), `sniff(head) -> bool` and
`parse(data, ctx) -> list[Story]`. Detection asks the structured formats first
(their markers are unambiguous) and falls back to plain text.
"""

from __future__ import annotations

import functools
import importlib
import re
from types import ModuleType

from streams.ingest.text import strip_bom

# Order is the detection order. Plain-text formats come last: they accept
# almost anything that is text.
FORMATS: tuple[str, ...] = (
    "ninjs",
    "nitf",
    "newsml1",
    "newsmlg2",
    "anpa",
    "iptc7901",
    "webtext",
    "textwire",
)

# Names users may give in a content-type / format header, mapped to ours.
ALIASES: dict[str, str] = {
    "application/ninjs+json": "ninjs",
    "application/json": "ninjs",
    "application/nitf+xml": "nitf",
    "application/vnd.iptc.g2.newsitem+xml": "newsmlg2",
    "application/vnd.iptc.g2.newsmessage+xml": "newsmlg2",
    "application/vnd.iptc.g2.packageitem+xml": "newsmlg2",
    "newsml-g2": "newsmlg2",
    "g2": "newsmlg2",
    "newsml": "newsml1",
    "newsml-1.2": "newsml1",
    "anpa-1312": "anpa",
    "anpa1312": "anpa",
    "iptc-7901": "iptc7901",
    "7901": "iptc7901",
    "text/plain": "",  # plain text: let detection pick web layout vs text wire
    "text": "",
    "plaintext": "",
}

_XML_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


@functools.cache
def load(name: str) -> ModuleType:
    return importlib.import_module(f"streams.ingest.{name}")


def available_formats() -> list[str]:
    out = []
    for name in FORMATS:
        try:
            load(name)
        except ModuleNotFoundError:
            continue
        out.append(name)
    return out


def resolve_forced(value: str | None) -> str | None:
    """A header / CLI value → a format name, '' for "plain text, detect", None if unknown."""
    if not value:
        return None
    key = value.split(";")[0].strip().lower()
    if key in FORMATS:
        return key
    return ALIASES.get(key)


def head_of(data: bytes, size: int = 4096) -> bytes:
    """The first bytes without BOM and leading whitespace; UTF-16 input re-read as UTF-8
    so that the sniffers (which look for ASCII markers) see it too."""
    body, charset = strip_bom(data[: 2 * size + 4])
    if charset and charset.startswith("utf-16"):
        body = body.decode(charset, errors="replace").encode("utf-8")
    return body.lstrip()[:size]


def xml_root(head: bytes) -> str | None:
    """Local name of the first element, skipping the declaration, comments, doctype."""
    if not head.startswith(b"<"):
        return None
    pos = 0
    while True:
        start = head.find(b"<", pos)
        if start < 0:
            return None
        if head.startswith(b"<?", start):
            pos = head.find(b"?>", start) + 2
        elif head.startswith(b"<!--", start):
            end = head.find(b"-->", start)
            pos = end + 3 if end >= 0 else len(head)
        elif head.startswith(b"<!", start):
            pos = start + 2  # DOCTYPE: the parser rejects it; still name the root
        else:
            match = _XML_ROOT_RE.match(head, start)
            return match.group(2).decode("ascii") if match else None
        if pos <= 1:
            return None


def detect(data: bytes) -> str | None:
    head = head_of(data)
    for name in FORMATS:
        try:
            module = load(name)
        except ModuleNotFoundError:
            continue
        if module.sniff(head):
            return name
    return None

"""IPTC 7901 (the European agency text framing: dpa, AFP, APA, ANSA, EFE, …).

    SOH dpa0123 4 pl 345 dpa 0456             service+seq, priority, dept, words, agency, agency seq
    Deutschland/Regierung/Haushalt            slug line
    STX (Eil) Bundesregierung beschließt … =  headline block up to the first blank line
        Berlin (dpa) - Die Bundesregierung …  body
    dpa kre/su                                signature
    101423 Okt 24                             trailer DDHHMM Mon YY (agency local time)
    ETX DEL DEL EOT

Urgents and flashes are marked in the text (`(Eil)`, `URGENT:`, `FLASH:`,
`D'URGENCE:`, followed by BEL bytes) and often have no headline of their own;
corrections, updates, kills and embargoes are in-band text too.
"""

from __future__ import annotations

import re

from streams.ingest.base import ParseContext
from streams.ingest.text import clean, decode, normalize_newlines
from streams.ingest.textwire import build_story, canonical_agency, paragraph_blocks, parse_dateline
from streams.model import Story
from streams.rejects import Reason, RejectError

FORMAT = "iptc7901"

SOH, STX, ETX = "\x01", "\x02", "\x03"

_HEADER_RE = re.compile(
    r"^(?P<svc>[A-Za-z]{1,5})\s?(?P<seq>\d{3,5})\s+(?P<prio>\d)\s+(?P<dept>[A-Za-z]{1,5})\s+"
    r"(?P<words>\d{1,5})(?:\s+(?P<agency>[A-Za-z]{2,10})(?:\s+(?P<aseq>\S+))?)?"
)
_TRAILER_RE = re.compile(r"^\d{6}\s*(?:[A-Z]{1,4}\s+)?[^\W\d_]{3,9}\.?(?:\s+\d{2,4})?$")

# Department codes of the agencies that use 7901 → a readable section.
DEPARTMENTS: dict[str, str] = {
    "pl": "Politik",
    "wi": "Wirtschaft",
    "vm": "Vermischtes",
    "sp": "Sport",
    "ku": "Kultur",
    "wt": "Wissenschaft",
    "pol": "Politique",
    "eco": "Économie",
    "spo": "Sport",
    "soc": "Société",
    "clt": "Culture",
    "int": "International",
    "nac": "Nacional",
    "dep": "Deportes",
}


def sniff(head: bytes) -> bool:
    if not head.startswith(b"\x01"):
        return False
    return b"\x02" in head and re.match(rb"\x01\s*[A-Za-z]{1,5}\s?\d{3,5}\s+\d\s", head) is not None


def _split_items(text: str) -> list[str]:
    return [p for p in text.split(SOH) if p.strip(" \r\n\x04\x7f\x16")]


def _parse_item(item: str, ctx: ParseContext, charset: str) -> Story:
    head, stx, rest = item.partition(STX)
    if not stx:
        raise RejectError(Reason.MALFORMED, "7901 item without STX", FORMAT)
    body, _, after = rest.partition(ETX)
    head_lines = [clean(line) for line in normalize_newlines(head).split("\n")]
    head_lines = [line for line in head_lines if line]
    if not head_lines:
        raise RejectError(Reason.MALFORMED, "7901 item without header line", FORMAT)
    match = _HEADER_RE.match(head_lines[0])
    if not match:
        raise RejectError(Reason.MALFORMED, f"7901 header not recognised: {head_lines[0][:60]!r}", FORMAT)
    slugline = head_lines[1] if len(head_lines) > 1 else None

    lines = normalize_newlines(body).split("\n")
    trailer: str | None = None
    # The trailer closes the text, before or after ETX.
    filled = [i for i, line in enumerate(lines) if clean(line)]
    if filled and _TRAILER_RE.match(clean(lines[filled[-1]])):
        trailer = clean(lines.pop(filled[-1]))
    else:
        trailer = next(
            (clean(c) for c in normalize_newlines(after).split("\n") if _TRAILER_RE.match(clean(c))), None
        )

    # Headline block: lines up to the first blank line, unless the first line is
    # already the dateline paragraph (an urgent without headline).
    headline_lines: list[str] = []
    index = 0
    while index < len(lines) and not clean(lines[index]):
        index += 1
    while index < len(lines) and clean(lines[index]):
        line = clean(lines[index])
        if parse_dateline(line, ctx.received) is not None or lines[index][:1] in (" ", "\t"):
            break
        headline_lines.append(lines[index])
        index += 1
    body_paragraphs = paragraph_blocks([line.rstrip() for line in lines[index:]])
    # In-text embargo lines sit in the headline block on dpa wires.
    embargo_first = [h for h in headline_lines if re.match(r"^\W*(?:sperrfrist|embargo)", clean(h), re.I)]
    headline_lines = [h for h in headline_lines if h not in embargo_first]
    dept = match["dept"]
    agency = canonical_agency(match["agency"]) or canonical_agency(match["svc"])
    return build_story(
        fmt=FORMAT,
        headline_lines=headline_lines,
        body_paragraphs=[*embargo_first, *body_paragraphs],
        ctx=ctx,
        charset=charset,
        agency_default=agency,
        urgency_raw=match["prio"],
        urgency_scale="iptc7901",
        trailer=trailer,
        slugline=slugline,
        section=DEPARTMENTS.get(dept.lower(), dept),
        annotations={
            "iptc7901": {
                "service": match["svc"],
                "sequence": match["seq"],
                "priority": match["prio"],
                "department": dept,
                "words": int(match["words"]),
                "agency": match["agency"],
                "agency_sequence": match["aseq"],
            }
        },
    )


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    text, charset = decode(data, ctx.declared_charset)
    items = _split_items(text)
    if not items:
        raise RejectError(Reason.NO_CONTENT, "no 7901 item", FORMAT)
    return [_parse_item(item, ctx, charset) for item in items]

"""ANPA-1312 (the AP/US newspaper wire framing).

    SYN SYN SOH a0412 US                      service letter + sequence
    u a DC3 DC1 BC-Obama-Health 1stLd-Writethru 10-13 0456
    STX ^Obama pushes health plan<            `^` lines are headers
    ^Eds: Updates with comment<
    ^By JOHN SMITH=<
    TAB WASHINGTON (AP) _ President ...       TAB starts a paragraph
    ^AP Photo NY123<
    AP-WF-10-13-24 1137GMT                    trailer
    ETX FF EOT

Several stories may be concatenated in one file; each SYN SYN SOH (or SOH)
starts one. The file carries no stable id: the slug and the day are stable
across the write-thrus of one story, so they become the item id and the
take word (`1stLd-Writethru`) the version.
"""

from __future__ import annotations

import re

from streams.ingest.base import ParseContext
from streams.ingest.dates import infer_year
from streams.ingest.text import clean, decode, normalize_newlines
from streams.ingest.textwire import build_story, urgency_word_only
from streams.model import Signal, Story
from streams.rejects import Reason, RejectError

FORMAT = "anpa"

SOH, STX, ETX, EOT, SYN, US = "\x01", "\x02", "\x03", "\x04", "\x16", "\x1f"

_HEADER_RE = re.compile(
    r"(?P<svc>[a-z])\s?(?P<seq>\d{4})\s+(?P<prio>[a-z])\s+(?P<cat>[a-z])\s+(?P<slug>\S+)"
    r"(?:\s+(?P<take>.*?))?\s+(?P<mmdd>\d\d-\d\d)\s+(?P<words>\d{2,5})\b"
)
_TAKE_LEAD_RE = re.compile(r"(?P<n>\d+)(?:st|nd|rd|th)\s*-?\s*(?:Ld|Lead|Add)", re.I)
_TAKE_CORRECTION_RE = re.compile(r"\bCorrect(?:ion|ive|s|ed)?\b", re.I)
_TAKE_KILL_RE = re.compile(r"\b(?:Kill|Elimination|Eliminate|Withdrawal|Withdraw)\b", re.I)
_TAKE_URGENT_RE = re.compile(r"\b(?:Urgent|Bulletin|Flash)\b", re.I)
_SLUG_REPEAT_RE = re.compile(r"^(?:BC|AM|PM|[A-Z]{1,3})-\S+,")


def sniff(head: bytes) -> bool:
    if head.startswith((b"\x16\x16\x01", b"\x16\x01")):
        return True
    # Some archives drop the SYNs: SOH, a service letter + sequence, then the US separator.
    return re.match(rb"\x01[a-z]\s?\d{4}[^\x02]{0,20}\x1f", head) is not None


def _split_items(text: str) -> list[str]:
    parts = re.split(r"\x16*\x01", text)
    return [p for p in parts if p.strip(" \r\n\x16\x04\x0c\x7f")]


def _take_meta(take: str) -> tuple[Signal, int | None]:
    if _TAKE_KILL_RE.search(take):
        return Signal.KILL, None
    if _TAKE_CORRECTION_RE.search(take):
        # A correction keeps the lead number it corrects; dedup falls back to time.
        return Signal.CORRECTION, None
    lead = _TAKE_LEAD_RE.search(take)
    if lead:
        return Signal.UPDATE, int(lead["n"])
    if re.search(r"Writethru", take, re.I):
        return Signal.UPDATE, 1
    return Signal.NEW, 0


def _parse_item(item: str, ctx: ParseContext, charset: str) -> Story:
    head, stx, rest = item.partition(STX)
    if not stx:
        raise RejectError(Reason.MALFORMED, "ANPA item without STX", FORMAT)
    body, _, after = rest.partition(ETX)
    header = clean(re.sub(r"[\x00-\x1f\x7f]", " ", head))
    match = _HEADER_RE.search(header)
    if not match:
        raise RejectError(Reason.MALFORMED, f"ANPA header not recognised: {header[:60]!r}", FORMAT)
    take = (match["take"] or "").strip()
    signal, rank = _take_meta(take)
    urgency_raw = match["prio"]
    headline_lines: list[str] = []
    ednotes: list[str] = []
    byline_parts: list[str] = []
    paragraphs: list[str] = []
    photo_lines: list[str] = []
    trailer: str | None = None
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw_line in normalize_newlines(body).split("\n"):
        line = raw_line.rstrip().removesuffix("<")
        stripped = line.strip()
        if line.startswith("^"):
            flush()
            header_line = clean(line[1:].removesuffix("<"))
            if not header_line:
                continue
            if _SLUG_REPEAT_RE.match(header_line) and header_line.startswith(match["slug"].split("-")[0]):
                continue
            if re.match(r"Eds?\s*:", header_line, re.I):
                ednotes.append(header_line)
            elif header_line.startswith("AP Photo") or header_line.startswith("AP Photos"):
                photo_lines.append(header_line)
            elif header_line.endswith("="):
                byline_parts.append(
                    re.sub(r"^(?:By|Por|Par|Von)\s+", "", header_line.rstrip("= ").strip(), flags=re.I)
                )
            elif (word := urgency_word_only(header_line)) is not None:
                urgency_raw = word
            elif re.fullmatch(r"(?:(?:KILL|ELIMINATE|WITHDRAWN?)\W*)+", header_line, re.I):
                signal = Signal.KILL
            elif paragraphs or current:
                paragraphs.append(header_line)  # a late `^` line is a sub-head: keep it as text
            else:
                headline_lines.append(header_line)
            continue
        if not stripped:
            flush()
            continue
        if re.match(r"^(?:[A-Z]{2,5}-)+\d\d-\d\d-\d\d\s+\d{4}", stripped):
            flush()
            trailer = stripped
            continue
        if line.startswith("\t") or line.startswith("   "):
            flush()
        current.append(stripped)
    flush()
    if trailer is None:
        found = re.search(r"(?:[A-Z]{2,5}-)+\d\d-\d\d-\d\d\s+\d{4}\s*[A-Z]{0,4}", after)
        trailer = found.group(0) if found else None

    urgency_scale = "anpa"
    urgent_take = _TAKE_URGENT_RE.search(take)
    if urgent_take:
        urgency_raw, urgency_scale = urgent_take.group(0).upper(), "word"
    if urgency_raw and len(urgency_raw) > 1:
        urgency_scale = "word"
    story = build_story(
        fmt=FORMAT,
        headline_lines=headline_lines,
        body_paragraphs=paragraphs,
        ctx=ctx,
        charset=charset,
        agency_default="AP",
        urgency_raw=urgency_raw,
        urgency_scale=urgency_scale,
        byline=", ".join(byline_parts) or None,
        ednotes=ednotes,
        trailer=trailer,
        slugline=match["slug"],
        extra_signal=signal,
        version_rank=rank,
        version=take or None,
        section=None,
        annotations={
            "anpa": {
                "service": match["svc"],
                "sequence": match["seq"],
                "category": match["cat"],
                "take": take,
                "date": match["mmdd"],
                "words": int(match["words"]),
            }
        },
    )
    if photo_lines:
        story.annotations["photo_lines"] = [*photo_lines, *story.annotations.get("photo_lines", [])]
    # The header's MM-DD has no year: the one closest to the transmission time.
    month, day = (int(x) for x in match["mmdd"].split("-"))
    year = infer_year(month, day, story.versioncreated or ctx.received) if 1 <= month <= 12 else 0
    story.item_id = f"{year:04d}-{match['mmdd']}/{match['slug']}"
    return story


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    text, charset = decode(data, ctx.declared_charset)
    items = _split_items(text)
    if not items:
        raise RejectError(Reason.NO_CONTENT, "no ANPA item", FORMAT)
    return [_parse_item(item, ctx, charset) for item in items]

"""Classic plain-text agency wire: a headline line, then a dateline paragraph.

    URGENT
    Sweden: police arrest suspect
    STOCKHOLM, Aug 29, 2014 (AFP) - Swedish police said ...

    Second paragraph.

    hh/ph/ts

The helpers here (datelines, header markers, signatures, photo and editor
lines, urgency scales) are shared with the framed text formats, ANPA-1312 and
IPTC 7901, whose bodies are the same kind of text.

Choice: the dateline is taken out of the first paragraph (kept whole in
`Story.dateline.raw`). The paragraph still reads as a sentence, and the body
is then the same whether an agency sent the dateline inside the text or in a
separate field, which keeps content ids and dedup stable across formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from streams.ingest.base import ParseContext
from streams.ingest.dates import (
    agency_zone,
    find_embargo,
    parse_embargo,
    parse_loose_date,
    parse_trailer,
)
from streams.ingest.text import clean, clean_or_none, decode, normalize_newlines, unescape
from streams.model import Dateline, Provenance, PubStatus, Signal, Story
from streams.rejects import Reason, RejectError

FORMAT = "textwire"

# --------------------------------------------------------------------------- agencies

AGENCIES: dict[str, str] = {
    "afp": "AFP",
    "ap": "AP",
    "dpa": "dpa",
    "reuters": "Reuters",
    "reuter": "Reuters",
    "efe": "EFE",
    "ansa": "ANSA",
    "ats": "ATS",
    "sda": "SDA",
    "apa": "APA",
    "belga": "Belga",
    "anp": "ANP",
    "kyodo": "Kyodo",
    "xinhua": "Xinhua",
    "upi": "UPI",
    "epd": "epd",
    "kna": "KNA",
    "europa press": "Europa Press",
    "notimex": "Notimex",
}
_AGENCY_ALT = "|".join(sorted((re.escape(a) for a in AGENCIES), key=len, reverse=True))


_AGENCY_WORD_RE = re.compile(rf"\b({_AGENCY_ALT})\b", re.IGNORECASE)


def canonical_agency(raw: str | None) -> str | None:
    """`ats afp` → ATS (the first agency named is the one that sent it)."""
    if not raw:
        return None
    match = _AGENCY_WORD_RE.search(raw)
    return AGENCIES[match.group(1).lower()] if match else None


# --------------------------------------------------------------------------- urgency

# ninjs urgency: 1 most urgent .. 9 least.
ANPA_PRIORITY: dict[str, int] = {"f": 1, "b": 2, "u": 3, "s": 4, "r": 5, "a": 6, "d": 7, "w": 8}
IPTC7901_PRIORITY: dict[str, int] = {"1": 1, "2": 2, "3": 3, "4": 5, "5": 6, "6": 7}
AFP_PRIORITY: dict[str, int] = {"1": 1, "2": 2, "3": 3, "4": 5, "5": 6}
WORD_PRIORITY: dict[str, int] = {
    "flash": 1,
    "blitz": 1,
    "bulletin": 2,
    "alerte": 2,
    "alert": 2,
    "urgent": 3,
    "urgente": 3,
    "d'urgence": 3,
    "eil": 3,
    "eilmeldung": 3,
}


def map_urgency(raw: str | None, scale: str) -> int | None:
    """A raw priority in one of the agency scales (`anpa`, `iptc7901`, `afp`, `word`) → ninjs 1-9."""
    if not raw:
        return None
    table = {
        "anpa": ANPA_PRIORITY,
        "iptc7901": IPTC7901_PRIORITY,
        "afp": AFP_PRIORITY,
        "word": WORD_PRIORITY,
    }[scale]
    return table.get(raw.strip().lower())


# --------------------------------------------------------------------------- datelines

_PLACE = r"[A-ZÀ-ÝŁŚŻ][^\n(),:;=.!?]{0,38}?"
# EFE and AFP name the region or country of a foreign place in parentheses:
# "MÚNICH (Alemania), 8 abr (EFE).-", "SAN JAVIER (Espagne), 14 juil 2026 (AFP) -".
_QUALIFIED_PLACE = rf"{_PLACE}(?:\s*\([^()\n]{{2,40}}\))?"
_QUALIFIER_RE = re.compile(r"\s*\(([^()\n]{2,40})\)$")
_DASH = r"(?:\s*\.?[-–—_]+|\s*:)"
_PAREN_DATELINE_RE = re.compile(
    rf"^(?P<pre>{_QUALIFIED_PLACE}(?:,[^\n()]{{1,40}}?){{0,3}})\s*\((?P<agency>[^()\n]{{2,25}})\)(?P<dash>{_DASH})?\s*"
)
_BARE_AGENCY_DATELINE_RE = re.compile(
    rf"^(?P<pre>{_QUALIFIED_PLACE}(?:,[^\n()]{{1,40}}?){{1,3}})\s+(?P<agency>{_AGENCY_ALT})\s*[-–—_]+\s+",
    re.IGNORECASE,
)
_NO_AGENCY_DATELINE_RE = re.compile(rf"^(?P<pre>{_QUALIFIED_PLACE},[^\n()]{{3,30}}?)\s+[-–—_]+\s+")
_MONTHISH_RE = re.compile(r"[^\W\d_]{3,}\.?\s*\d|\d\s*[^\W\d_]{3,}")


_PLACE_CONNECTORS = frozenset(
    [
        "de",
        "del",
        "la",
        "le",
        "les",
        "l'",
        "am",
        "im",
        "an",
        "der",
        "den",
        "sur",
        "en",
        "y",
        "et",
        "und",
        "on",
        "upon",
        "di",
        "da",
        "do",
        "dos",
        "das",
        "el",
        "los",
        "aux",
        "au",
        "sous",
        "ob",
        "bei",
        "of",
        "the",
    ]
)


def _looks_like_place(place: str) -> bool:
    """`BUENOS AIRES`, `Frankfurt am Main`, `Saint-Denis`; not `The president said`."""
    words = place.split()
    if not 1 <= len(words) <= 5:
        return False
    return all(w[:1].isupper() or w.lower() in _PLACE_CONNECTORS for w in words)


@dataclass(frozen=True, slots=True)
class DatelineMatch:
    dateline: Dateline
    agency: str | None
    rest: str  # the paragraph without the dateline


def _split_pre(pre: str) -> tuple[str, str | None]:
    """`STOCKHOLM, Aug 29, 2014` → (STOCKHOLM, Aug 29, 2014); `BUENOS AIRES, Argentina` → (…, None)."""
    parts = [p.strip() for p in pre.split(",")]
    place = _QUALIFIER_RE.sub("", parts[0])  # "MÚNICH (Alemania)": the place is MÚNICH
    for index, part in enumerate(parts[1:], start=1):
        if _MONTHISH_RE.search(part):
            return place, ", ".join(parts[index:])
    return place, None


def parse_dateline(paragraph: str, received: datetime | None = None) -> DatelineMatch | None:
    """The dateline at the start of a first paragraph, in any style the notes list."""
    text = paragraph.lstrip()
    match = _PAREN_DATELINE_RE.match(text)
    agency: str | None = None
    if match:
        agency = canonical_agency(match["agency"])
        if agency is None:
            return None
    else:
        match = _BARE_AGENCY_DATELINE_RE.match(text)
        if match:
            agency = canonical_agency(match["agency"])
        else:
            match = _NO_AGENCY_DATELINE_RE.match(text)
            if not match or not _MONTHISH_RE.search(match["pre"].split(",", 1)[1]):
                return None
    place, date_text = _split_pre(match["pre"])
    if not _looks_like_place(place):
        return None
    if date_text is not None and parse_loose_date(date_text, received=received) is None:
        date_text = None
    raw = match.group(0).strip()
    rest = text[match.end() :].lstrip(" -–—_:")
    return DatelineMatch(Dateline(raw=raw, place=place, date=date_text), agency, rest)


# --------------------------------------------------------------------------- header markers


@dataclass(slots=True)
class Markers:
    """What the markers around a headline say."""

    headline: str
    signal: Signal = Signal.NEW
    version_rank: int | None = None
    urgency_raw: str | None = None
    notes: list[str] = field(default_factory=list)


_ORDINAL_RE = r"(?P<n>\d+)(?:st|nd|rd|th|e|er|ème|\.)?"
_HEADLINE_PREFIXES: tuple[tuple[re.Pattern[str], Signal, str | None], ...] = (
    (
        re.compile(
            r"^(?:CORRECTED|CORRECTION|CORRECTS?|RECTIFICATIF|CORRECTIF|KORREKTUR|BERICHTIGUNG|"
            r"CORRECCI[ÓO]N|RECTIFICACI[ÓO]N)\b\s*[-:–]\s*",
            re.I,
        ),
        Signal.CORRECTION,
        None,
    ),
    (re.compile(r"^REFILE\s*[-:–]\s*", re.I), Signal.UPDATE, None),
    (re.compile(rf"^UPDATE\s+{_ORDINAL_RE}\s*[-:–]\s*", re.I), Signal.UPDATE, "n"),
    (re.compile(rf"^{_ORDINAL_RE}\s*(?:LEAD|LD|NOUVELLE VERSION)\s*[-:–]?\s*", re.I), Signal.UPDATE, "n"),
    (
        re.compile(
            r"^(?:KILL|ELIMINATE|WITHDRAWN?|ANNULATION|ANNUL[ÉE]|ELIMINAR|ANULAD[OA]|ANULACI[ÓO]N)\b"
            r"\s*[-:–]*\s*",
            re.I,
        ),
        Signal.KILL,
        None,
    ),
)
_URGENCY_PREFIX_RE = re.compile(
    r"^\(?(?P<word>FLASH|BULLETIN|URGENT|URGENTE|D'URGENCE|ALERTE|EILMELDUNG|EIL|BLITZ)\b[^:)\n]{0,30}?\)?"
    r"\s*(?::|-|–|\)|$)\s*",
    re.I,
)
_URGENCY_SUFFIX_RE = re.compile(r"\s*\((?P<word>Eil|Blitz)\b[^)]*\)\s*$", re.I)
_CORRECTION_NOTE_RE = re.compile(
    r"\((?:Berichtigung|Korrektur|Correction|Corrects?|Corrige|Rectificatif|Corrección)\b[^)]*\)", re.I
)
_UPDATE_NOTE_RE = re.compile(
    r"\((?:neu|Neufassung|Zusammenfassung|new|nouveau|nouvelle version)\b[^)]*\)", re.I
)
_KILL_NOTE_RE = re.compile(
    r"(?:\bAchtung\b[^\n]{0,200}?\bzurückgezogen\b|\bKILL\b|\bELIMINATE\b|\bmandatory kill\b|"
    r"\bnotre (?:dépêche|depeche)[^\n]{0,120}?\b(?:annulée|est annulée)\b|\bANULAR\b)",
    re.I,
)
_BEL_RE = re.compile(r"\x07+")


_SIGNAL_STRENGTH = {Signal.NEW: 0, Signal.UPDATE: 1, Signal.CORRECTION: 2, Signal.KILL: 3}


def stronger(current: Signal, other: Signal) -> Signal:
    """A kill outranks a correction, which outranks an update: `CORRECTED-UPDATE 2-` is a correction."""
    return other if _SIGNAL_STRENGTH[other] > _SIGNAL_STRENGTH[current] else current


def read_markers(headline: str) -> Markers:
    """Take correction/update/kill/urgency markers off a headline into structured fields."""
    text = _BEL_RE.sub(" ", headline).strip().rstrip(" =").strip()
    out = Markers(headline=text)
    changed = True
    while changed and text:
        changed = False
        match = _URGENCY_PREFIX_RE.match(text)
        if match:
            out.urgency_raw = out.urgency_raw or match["word"].upper()
            text, changed = text[match.end() :].strip(), True
            continue
        match = _URGENCY_SUFFIX_RE.search(text)
        if match:
            out.urgency_raw = out.urgency_raw or match["word"].upper()
            text, changed = text[: match.start()].strip(), True
            continue
        for pattern, signal, group in _HEADLINE_PREFIXES:
            match = pattern.match(text)
            if match:
                out.signal = stronger(out.signal, signal)
                if group and match.group(group):
                    out.version_rank = int(match.group(group))
                text, changed = text[match.end() :].strip(), True
                break
    for note_re, signal in ((_CORRECTION_NOTE_RE, Signal.CORRECTION), (_UPDATE_NOTE_RE, Signal.UPDATE)):
        note = note_re.search(text)
        if note:
            out.notes.append(note.group(0))
            text = (text[: note.start()] + text[note.end() :]).strip()
            out.signal = stronger(out.signal, signal)
    out.headline = text.rstrip(" =").strip()
    return out


def urgency_word_only(line: str) -> str | None:
    """`URGENT`, `FLASH`, `(Eil)` alone on a line → the word."""
    stripped = _BEL_RE.sub("", line).strip(" ()*:-")
    return stripped.upper() if stripped.lower() in WORD_PRIORITY else None


# --------------------------------------------------------------------------- body lines

_BYLINE_RE = re.compile(
    r"^(?:By|BY|Von|VON|Por|POR|Par|PAR|Di|De)\s+(?P<name>[^\n=]{3,80}?)\s*(?:=|,\s*(?:dpa|AP|AFP|EFE)\s*=?)?\s*$"
)
_BYLINE_TITLE_RE = re.compile(r"^(?P<title>[^\n=]{3,60})=\s*$")
_PHOTO_RE = re.compile(
    r"^(?:\^?AP Photos?\b.*|\((?:Foto|Fotos|Photo|Photos|Bild|Video)\s*[:\-–]?[^)]*\)\.?|"
    r"(?:Foto|Fotos|Bild)\s*:\s*.*|\[?(?:PHOTO|FOTO)S?\]?\s*[:\-].*)$",
    re.I,
)
_EDNOTE_RE = re.compile(
    r"^(?:\^?Eds?\s*:|EDITOR'?S NOTE|EDITORS? NOTE|NOTE TO EDITORS|NOTE AUX R[ÉE]DACTIONS|"
    r"NOTA A LA REDACCI[ÓO]N|NOTA DE LA REDACCI[ÓO]N|Achtung,? Redaktion|"
    r"#\s*dpa[- ](?:NOTEBOOK|Notizblock))",
    re.I,
)
_NOTEBOOK_RE = re.compile(r"^#\s*dpa[- ](?:NOTEBOOK|Notizblock)\b", re.I)
_EMBARGO_LINE_RE = re.compile(r"^\W*(?:embargo(?:ed)?|sperrfrist|bloqueado)\b", re.I)
# Signatures: AFP `hh/ph/ts` or `afp/hh/ph`, dpa `dpa kre/su` or `dpa kre yydd n1 su`,
# EFE `EFE ja/pd`, Reuters ` Reuter`.
_SIGNATURE_RE = re.compile(
    r"^(?:(?P<agency>dpa|afp|efe|ats|ansa|apa|sda)[\s/]+)?"
    r"(?P<initials>[a-zà-ÿ]{1,4}(?:[/ ][a-z0-9à-ÿ]{1,5}){1,6})$"
    r"|^(?P<reuter>Reuters?|REUTERS?)$",
    re.I,
)
_INITIALS_ONLY_RE = re.compile(r"^[a-z]{1,4}(?:/[a-z]{1,4})+$")
_TRAILER_LINE_RE = re.compile(
    r"^(?:[A-Z]{2,5}-)+\d\d-\d\d-\d\d\s+\d{4}\s*[A-Z]{0,4}$|^\d{6}\s*(?:[A-Z]{1,4}\s+)?[^\W\d_]{3,9}\.?(?:\s+\d{2,4})?$"
)
_END_MARK_RE = re.compile(r"^(?:END|MORE|FIN|ENDE|\(MORE\)|\(END\)|-?\s*30\s*-?|#+)$", re.I)


@dataclass(slots=True)
class BodyParts:
    paragraphs: list[str]
    byline: str | None = None
    signature: str | None = None
    initials: str | None = None
    ednotes: list[str] = field(default_factory=list)
    photo_lines: list[str] = field(default_factory=list)
    embargo_phrase: str | None = None
    trailer: str | None = None
    kill: bool = False
    correction_notes: list[str] = field(default_factory=list)
    update_notes: list[str] = field(default_factory=list)
    dateline: DatelineMatch | None = None


def _signature(line: str) -> tuple[str, str | None] | None:
    text = line.strip()
    match = _SIGNATURE_RE.match(text)
    if not match:
        return None
    if match["reuter"]:
        return text, None
    initials = match["initials"]
    if not match["agency"] and not _INITIALS_ONLY_RE.match(initials):
        return None  # a lone short word is a sentence fragment, not initials
    if match["agency"] and " " in initials and "/" not in initials and not any(c.isdigit() for c in initials):
        return None
    return text, initials


def split_body(paragraphs: list[str], *, received: datetime | None = None) -> BodyParts:
    """Body paragraphs → the public paragraphs plus everything that is metadata."""
    out = BodyParts(paragraphs=[])
    in_notebook = False
    for raw in paragraphs:
        para = clean(raw)
        if not para:
            continue
        if _NOTEBOOK_RE.match(para):
            in_notebook = True
        elif in_notebook and not para.startswith(("#", "-", "*", "[")):
            in_notebook = False  # the signature after the notebook closes it
        if in_notebook:
            out.ednotes.append(para)
            continue
        if _TRAILER_LINE_RE.match(para):
            out.trailer = para
            continue
        if _END_MARK_RE.match(para):
            continue
        if _PHOTO_RE.match(para):
            out.photo_lines.append(para.lstrip("^"))
            continue
        if _EDNOTE_RE.match(para):
            out.ednotes.append(re.sub(r"^\^", "", para))
            if _KILL_NOTE_RE.search(para):
                out.kill = True
            continue
        if _EMBARGO_LINE_RE.match(para) and len(para) < 120:
            out.embargo_phrase = find_embargo(para) or out.embargo_phrase
            continue
        note = _CORRECTION_NOTE_RE.fullmatch(para)
        if note:
            out.correction_notes.append(para)
            continue
        if _UPDATE_NOTE_RE.fullmatch(para):
            out.update_notes.append(para)
            continue
        if not out.paragraphs and out.byline is None:
            byline = _BYLINE_RE.match(para)
            if byline:
                out.byline = byline["name"].strip()
                continue
        if out.byline is not None and not out.paragraphs and _BYLINE_TITLE_RE.match(para):
            out.byline = f"{out.byline}, {para.rstrip('= ').strip()}"
            continue
        if not out.paragraphs and out.dateline is None:
            found = parse_dateline(para, received)
            if found:
                out.dateline = found
                para = found.rest
                if not para:
                    continue
        if _KILL_NOTE_RE.search(para) and len(out.paragraphs) < 2:
            out.kill = True
        out.paragraphs.append(para)
    # Signatures close the text: look at the last paragraphs only.
    while out.paragraphs:
        sig = _signature(out.paragraphs[-1])
        if sig is None:
            break
        out.paragraphs.pop()
        out.signature = sig[0] if out.signature is None else f"{sig[0]} {out.signature}"
        out.initials = out.initials or sig[1]
    # dpa writes `Von Anna Müller, dpa` as the first line of the text proper.
    return out


# --------------------------------------------------------------------------- story building


def build_story(
    *,
    fmt: str,
    headline_lines: list[str],
    body_paragraphs: list[str],
    ctx: ParseContext,
    charset: str,
    agency_default: str | None = None,
    urgency_raw: str | None = None,
    urgency_scale: str = "word",
    byline: str | None = None,
    ednotes: list[str] | None = None,
    trailer: str | None = None,
    slugline: str | None = None,
    extra_signal: Signal = Signal.NEW,
    version_rank: int | None = None,
    version: str | None = None,
    annotations: dict[str, object] | None = None,
    section: str | None = None,
) -> Story:
    """Common assembly for the three text formats."""
    received = ctx.received
    body = split_body(body_paragraphs, received=received)
    headline_text = clean(" ".join(unescape(h) for h in headline_lines))
    markers = read_markers(headline_text)
    agency = (
        (body.dateline.agency if body.dateline else None)
        or canonical_agency(body.signature)
        or canonical_agency(ctx.agency_hint)
        or agency_default
    )
    zone: tzinfo = agency_zone(agency, ctx.headers.get("timezone"))

    signal = stronger(extra_signal, markers.signal)
    if body.correction_notes:
        signal = stronger(signal, Signal.CORRECTION)
    if body.update_notes:
        signal = stronger(signal, Signal.UPDATE)
    if body.kill:
        signal = Signal.KILL

    notes = [*(ednotes or []), *body.ednotes, *markers.notes, *body.correction_notes, *body.update_notes]
    urgency_scale_used = urgency_scale
    raw_urgency = urgency_raw
    if markers.urgency_raw:
        # A word in the text (URGENT, Eil) is more specific than a numeric priority.
        raw_urgency, urgency_scale_used = markers.urgency_raw, "word"

    prov = Provenance(format=fmt, charset=charset)
    trailer_text = trailer or body.trailer
    versioncreated = None
    if trailer_text:
        versioncreated = parse_trailer(trailer_text, received=received, zone=zone)
        # As written, but an output string: framing and TABs between its fields go.
        prov.original_times["trailer"] = clean(trailer_text)
    embargo_phrase = body.embargo_phrase or next(
        (phrase for note in (ednotes or []) if (phrase := find_embargo(note))), None
    )
    embargoed = None
    if embargo_phrase:
        embargoed = parse_embargo(embargo_phrase, received=received, zone=zone)
        prov.original_times["embargo"] = embargo_phrase
    if body.dateline and body.dateline.dateline.date:
        # A dateline gives a day, not an instant: kept as written, never turned into firstcreated.
        prov.original_times["dateline"] = body.dateline.dateline.date

    story = Story(
        headline=markers.headline,
        paragraphs=[clean(unescape(p)) for p in body.paragraphs if clean(unescape(p))],
        provenance=prov,
        agency=agency,
        version=version,
        version_rank=version_rank if version_rank is not None else markers.version_rank,
        signal=signal,
        pubstatus=PubStatus.CANCELED if signal is Signal.KILL else PubStatus.USABLE,
        urgency=map_urgency(raw_urgency, urgency_scale_used),
        urgency_raw=raw_urgency,
        embargoed=embargoed,
        versioncreated=versioncreated,
        slugline=clean_or_none(slugline),
        byline=clean_or_none(byline or body.byline),
        dateline=body.dateline.dateline if body.dateline else None,
        signature=body.signature,
        initials=body.initials,
        ednote=clean_or_none(" | ".join(notes)) if notes else None,
        section=section,
        annotations=dict(annotations or {}),
    )
    if body.photo_lines:
        story.annotations["photo_lines"] = body.photo_lines
    if not story.headline and not story.paragraphs:
        raise RejectError(Reason.NO_CONTENT, "no headline and no body", fmt)
    return story


# --------------------------------------------------------------------------- the format

_HEADER_SKIP_RE = re.compile(r"^(?:BC-|AM-|PM-)\S+|^[A-Z][\w-]*-[\w-]+(?:-[\w-]+)*$")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in normalize_newlines(text).split("\n")]


def paragraph_blocks(lines: list[str]) -> list[str]:
    """Blank lines and indented lines start paragraphs; other lines continue one."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        if line[:1] in (" ", "\t") and current:
            blocks.append(current)
            current = []
        current.append(line.strip())
    if current:
        blocks.append(current)
    return [" ".join(block) for block in blocks]


def sniff(head: bytes) -> bool:
    text = head.decode("utf-8", errors="replace")
    lines = [clean(line) for line in normalize_newlines(text).split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return False
    if " | " in lines[0] or re.match(r"^(?:Accueil|Home|Inicio|Startseite)\b", lines[0]):
        return False  # a web breadcrumb: the webtext layout
    if any(parse_dateline(line) is not None for line in lines[:4]):
        return True
    return _plain_body_start(normalize_newlines(text).split("\n")) is not None


_SENTENCE_END_RE = re.compile(r"[.!?»”\"]\s")


def _plain_body_start(lines: list[str]) -> int | None:
    """Index of the body of a dispatch without a dateline: a short headline block, a blank line,
    then prose (a feature, a brief, an agency that does not date-line its copy).

    Prose means a paragraph of at least 12 words with a sentence end, so a list, a log or a
    table still ends as unknown_format in the DLQ rather than as a story.
    """
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    head_start = index
    while index < len(lines) and lines[index].strip():
        index += 1
    head = [line.strip() for line in lines[head_start:index]]
    if not 1 <= len(head) <= 3 or any(len(line) > 200 for line in head):
        return None
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        return None
    block: list[str] = []
    for line in lines[index:]:
        if not line.strip():
            break
        block.append(line.strip())
    paragraph = " ".join(block)
    if len(paragraph.split()) < 12 or not _SENTENCE_END_RE.search(paragraph + " "):
        return None
    return index


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    text, charset = decode(data, ctx.declared_charset)
    lines = _lines(text)
    non_empty = [i for i, line in enumerate(lines) if line.strip()]
    if not non_empty:
        raise RejectError(Reason.EMPTY, "no text", FORMAT)
    dateline_at = next(
        (i for i in non_empty[:6] if parse_dateline(clean(lines[i]), ctx.received) is not None), None
    )
    if dateline_at is None:
        dateline_at = _plain_body_start(lines)
    if dateline_at is None:
        raise RejectError(
            Reason.MALFORMED, "no dateline in the first lines and no headline + prose layout", FORMAT
        )
    header = [clean(lines[i]) for i in non_empty if i < dateline_at]
    headline_lines: list[str] = []
    ednotes: list[str] = []
    urgency_raw: str | None = None
    byline: str | None = None
    slugline: str | None = None
    embargo_lines: list[str] = []
    kill = False
    for line in header:
        word = urgency_word_only(line)
        if word:
            urgency_raw = urgency_raw or word
        elif _EDNOTE_RE.match(line):
            ednotes.append(line)
            kill = kill or bool(_KILL_NOTE_RE.search(line))
        elif _EMBARGO_LINE_RE.match(line):
            embargo_lines.append(line)
        elif (match := _BYLINE_RE.match(line)) and headline_lines:
            byline = match["name"].strip()
        elif _PHOTO_RE.match(line):
            continue
        elif not headline_lines and _HEADER_SKIP_RE.match(line) and len(header) > 1:
            slugline = line
        elif re.fullmatch(r"(?:KILL|ELIMINATE|WITHDRAWN?|ANNULATION|ANULACI[ÓO]N)\W*", line, re.I):
            kill = True
        else:
            headline_lines.append(line)
    body_lines = lines[dateline_at:]
    paragraphs = [*embargo_lines, *paragraph_blocks(body_lines)]
    return [
        build_story(
            fmt=FORMAT,
            headline_lines=headline_lines,
            body_paragraphs=paragraphs,
            ctx=ctx,
            charset=charset,
            urgency_raw=urgency_raw,
            urgency_scale="word",
            byline=byline,
            ednotes=ednotes,
            slugline=slugline,
            extra_signal=Signal.KILL if kill else Signal.NEW,
        )
    ]

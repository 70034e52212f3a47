"""Plain-text dispatches as published on news sites (the seed's layout).

    Accueil | Monde | <headline>          breadcrumb (optional): section
    <headline>
    <caption> (Photo : AFP)               photo caption with credit (optional)
    <paragraphs…>
    AFP/M.R.                              signature: agency and initials

No item id: the story id is derived from agency + content (see normalize).
"""

from __future__ import annotations

import re

from streams.ingest.base import ParseContext
from streams.ingest.text import clean, decode, normalize_newlines, split_paragraphs
from streams.model import Caption, Provenance, Story
from streams.rejects import Reason, RejectError

FORMAT = "webtext"

# Agencies whose names appear as bare signatures; the map gives the canonical spelling.
_AGENCIES = {
    "afp": "AFP",
    "reuters": "Reuters",
    "reuter": "Reuters",
    "ap": "AP",
    "dpa": "dpa",
    "efe": "EFE",
    "ansa": "ANSA",
    "ats": "ATS",
    "belga": "Belga",
    "apa": "APA",
    "anp": "ANP",
    "kyodo": "Kyodo",
    "xinhua": "Xinhua",
}
_AGENCY_ALT = "|".join(sorted((re.escape(a) for a in _AGENCIES), key=len, reverse=True))

# "AFP/M.R.", "AFP", "(Reuters)", "dpa kre/su", "Reuters/AB", "© AFP 2024"
_SIGNATURE_RE = re.compile(
    rf"^[(©\s]*(?P<agency>{_AGENCY_ALT})(?:\s*\d{{4}})?\)?"
    # Initials: letters with single dots between/after them ("M.R.", "kre"). Written
    # without nested quantifiers over letters: `(?:L{1,4}\.?)*` backtracked
    # exponentially on a long word that fails at the end ("AFP/ABAB…AB!": 45 s).
    r"(?:\s*[/\s]\s*(?P<initials>[A-Za-zÀ-ÿ]+(?:\.[A-Za-zÀ-ÿ]+)*\.?(?:/[A-Za-z]{1,4})*))?\s*$",
    re.IGNORECASE,
)
# "... (Photo : AFP)", "(Foto: dpa)", "(Photo AFP / John Doe)", "(AFP Photo)"
_CAPTION_RE = re.compile(
    r"^(?P<text>.+?)\s*\((?:Photos?|Fotos?|Foto|Image|Crédit photo|Credit)\s*:?\s*(?P<credit>[^()]+)\)\s*$"
    r"|^(?P<text2>.+?)\s*\((?P<credit2>[A-Z][\w .&-]*?\s+(?:Photo|Foto))\)\s*$",
    re.IGNORECASE,
)
_BREADCRUMB_SEP_RE = re.compile(r"\s+[|>»›]\s+")
_HOME_WORDS = {"accueil", "home", "startseite", "inicio", "portada", "homepage", "une", "à la une"}


def _breadcrumb(line: str) -> list[str] | None:
    parts = [p.strip() for p in _BREADCRUMB_SEP_RE.split(line)]
    if len(parts) >= 2 and all(parts) and all(len(p) < 200 for p in parts):
        return parts
    return None


def sniff(head: bytes) -> bool:
    try:
        text = head.decode("utf-8", errors="replace")
    except Exception:  # pragma: no cover - decode with replace cannot fail
        return False
    if text.startswith(("<", "{", "[")) or "\x01" in text or "\x02" in text:
        return False
    lines = [ln.strip() for ln in normalize_newlines(text).split("\n") if ln.strip()]
    if not lines:
        return False
    crumbs = _breadcrumb(lines[0])
    if crumbs and crumbs[0].lower() in _HOME_WORDS:
        return True
    # A signature line closes the dispatch (only visible when the whole text fits the head).
    # Classic text wires end with signatures too; theirs open with a dateline, ours do not.
    if len(head) >= 4096 or len(lines) < 3 or not _SIGNATURE_RE.match(lines[-1]):
        return False
    from streams.ingest.textwire import parse_dateline

    return not any(parse_dateline(line) is not None for line in lines[:4])


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    text, charset = decode(data, ctx.declared_charset)
    lines = normalize_newlines(text).split("\n")
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonempty:
        raise RejectError(Reason.NO_CONTENT, "no text", FORMAT)

    section = None
    cursor = nonempty[0]
    crumbs = _breadcrumb(clean(lines[cursor]))
    if crumbs:
        # "Accueil | Monde | <headline>": the section is the level above the page itself.
        section = crumbs[-2] if len(crumbs) >= 3 else crumbs[-1]
        if section.lower() in _HOME_WORDS:
            section = None
        cursor += 1

    rest = "\n".join(lines[cursor:])
    blocks = split_paragraphs(rest)
    if not blocks:
        raise RejectError(Reason.NO_CONTENT, "breadcrumb without a story", FORMAT)
    headline = blocks.pop(0)

    agency = ctx.agency_hint
    initials = None
    signature = None
    if blocks and (sig := _SIGNATURE_RE.match(blocks[-1])):
        signature = blocks.pop()
        agency = _AGENCIES[sig.group("agency").lower()]
        initials = sig.group("initials")

    captions: list[Caption] = []
    body: list[str] = []
    for block in blocks:
        # A caption is short and sits before the body starts; a long paragraph that
        # happens to end in "(Photo: …)" is still body text.
        cap = _CAPTION_RE.match(block) if not body and len(block) < 400 else None
        if cap:
            caption_text = cap.group("text") or cap.group("text2")
            credit = (cap.group("credit") or cap.group("credit2") or "").strip()
            captions.append(Caption(clean(caption_text), clean(credit) or None))
            continue
        body.append(block)

    if not body and not headline:
        raise RejectError(Reason.NO_CONTENT, "no headline and no body", FORMAT)

    return [
        Story(
            headline=headline,
            paragraphs=body,
            provenance=Provenance(format=FORMAT, charset=charset),
            agency=agency,
            section=section,
            captions=captions,
            signature=signature,
            initials=initials,
            language_declared=ctx.headers.get("language") or None,
            copyrightholder=agency,
        )
    ]

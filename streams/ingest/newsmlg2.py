"""NewsML-G2: `newsMessage` (items in `itemSet`) or a bare `newsItem` / `packageItem`.

Identity is `@guid` (stable across versions), the version `@version` (may be
huge and non-contiguous, so only its order matters). A `packageItem` is a list
of references to other items, not a story: it becomes a Story with
`is_reference=True` so it is recorded, never published as a story.
"""

from __future__ import annotations

from streams.ingest import dates
from streams.ingest import xmlsafe as x
from streams.ingest.base import ParseContext
from streams.ingest.detect import xml_root
from streams.ingest.nitf import body_parts as nitf_body
from streams.ingest.text import split_paragraphs, unescape
from streams.ingest.xmlsafe import Element
from streams.model import Provenance, PubStatus, Signal, Story, Subject
from streams.rejects import Reason, RejectError

FORMAT = "newsmlg2"

_ROOTS = {"newsMessage", "newsItem", "packageItem"}
_ITEMS = {"newsItem", "packageItem"}
# edStat: editorial status codes some agencies send instead of sig: signals.
_SIGNALS = {
    "update": Signal.UPDATE,
    "correction": Signal.CORRECTION,
    "u": Signal.UPDATE,
    "c": Signal.CORRECTION,
    "d": Signal.KILL,
    "kill": Signal.KILL,
    "withdrawal": Signal.KILL,
}


def sniff(head: bytes) -> bool:
    return xml_root(head) in _ROOTS


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    doc = x.parse_xml(data, max_depth=ctx.max_xml_depth)
    root = doc.root
    name = x.lname(root)
    if name in _ITEMS:
        items = [root]
    elif name == "newsMessage":
        items = [i for s in x.kids(root, "itemSet") for i in x.kids(s) if x.lname(i) in _ITEMS]
    else:
        raise RejectError(Reason.MALFORMED, f"root element is <{name}>, not a NewsML-G2 item", FORMAT)
    if not items:
        raise RejectError(Reason.NO_CONTENT, "newsMessage with an empty itemSet", FORMAT)
    stories = []
    for item in items:
        story = _story(item, ctx)
        story.provenance.charset = doc.charset
        stories.append(story)
    return stories


def _qcode(el: Element | None) -> str | None:
    return x.attr(el, "qcode") or x.attr(el, "literal")


def _name(el: Element | None) -> str | None:
    if el is None:
        return None
    return x.text_of(x.find(el, "name")) or x.text_of(el)


def _body(item: Element) -> tuple[x.Body, Element | None]:
    content_set = x.find(item, "contentSet")
    for rendition in x.kids(content_set):
        kind = x.lname(rendition)
        ctype = (x.attr(rendition, "contenttype") or "").lower()
        if kind == "inlineXML":
            nitf = x.first_desc(rendition, "nitf")
            if nitf is not None:
                return nitf_body(nitf), nitf
            return x.render_body([rendition]), None
        if kind == "inlineData" and (not ctype or ctype.startswith("text/plain")):
            paragraphs, notes = x.split_notes(split_paragraphs(unescape(rendition.text or "")))
            return x.Body(paragraphs, x.paragraphs_html(paragraphs), notes, []), None
    return x.Body([], None, [], []), None


def _story(item: Element, ctx: ParseContext) -> Story:
    guid = x.attr(item, "guid")
    version = x.attr(item, "version")
    meta = x.find(item, "itemMeta")
    cmeta = x.find(item, "contentMeta")
    rights = x.find(item, "rightsInfo")
    holder = x.find(rights, "copyrightHolder")

    provider = x.find(meta, "provider")
    agency = (
        x.agency_name(_qcode(provider) or x.text_of(x.find(provider, "name")))
        or x.agency_from_uri(guid)
        or x.agency_name(x.text_of(x.find(holder, "name")))
        or x.agency_name(ctx.agency_hint)
    )
    zone = dates.agency_zone(agency, ctx.headers.get("timezone"))
    original: dict[str, str] = {}
    vc_raw = x.text_of(x.find(meta, "versionCreated"))
    fc_raw = x.text_of(x.find(meta, "firstCreated"))
    emb_raw = x.text_of(x.find(meta, "embargoed"))
    for key, raw in (("versionCreated", vc_raw), ("firstCreated", fc_raw), ("embargoed", emb_raw)):
        x.record_time(original, key, raw)
    versioncreated = x.to_time(vc_raw, zone)
    firstcreated = x.to_time(fc_raw, zone) or versioncreated

    pubstatus = x.pubstatus_from(_qcode(x.find(meta, "pubStatus"))) or PubStatus.USABLE
    signal = Signal.NEW if x.is_first_version(version) else Signal.UPDATE
    signals = [(_qcode(s) or "") for s in x.kids(meta, "signal")]
    for sig in signals:
        found = _SIGNALS.get(sig.lower().rpartition(":")[2])
        if (
            found is Signal.KILL
            or (found is Signal.CORRECTION and signal is not Signal.KILL)
            or (found is Signal.UPDATE and signal is Signal.NEW)
        ):
            signal = found
    if pubstatus is PubStatus.CANCELED:
        signal = Signal.KILL
    annotations: dict[str, object] = {}
    if signals:
        annotations["signals"] = signals

    notes = [t for t in (x.text_of(n) for n in x.kids(meta, "edNote")) if t]
    urgency, urgency_raw = x.urgency(x.text_of(x.find(cmeta, "urgency")))
    language = x.attr(x.find(cmeta, "language"), "tag") or x.attr(item, "lang")

    subjects: list[Subject] = []
    for subj in x.kids(cmeta, "subject"):
        if x.attr(subj, "type") == "cpnat:section":
            continue  # a desk, not a topic: it is the section
        code = _qcode(subj)
        if not code:
            continue
        subject = x.subject_from_code(code, x.text_of(x.find(subj, "name")), agency)
        if subject:
            subjects.append(subject)
    keywords = [t for t in (x.text_of(k) for k in x.kids(cmeta, "keyword")) if t]
    genre_or_section = next(
        (
            x.text_of(x.find(s, "name"))
            for s in x.kids(cmeta, "subject")
            if (x.attr(s, "type") or "") == "cpnat:section"
        ),
        None,
    )

    is_package = x.lname(item) == "packageItem"
    if is_package:
        body = x.Body([], None, [], [])
        nitf = None
        refs = [r for r in (x.attr(ref, "residref") for ref in x.descendants(item, "itemRef")) if r]
        annotations["references"] = refs
    else:
        body, nitf = _body(item)

    headline = x.text_of(x.find(cmeta, "headline")) or x.text_of(x.find(meta, "title")) or ""
    if not headline and nitf is not None:
        headline = x.text_of(x.first_desc(nitf, "hl1")) or ""
    dateline = x.parse_dateline(x.text_of(x.find(cmeta, "dateline")))
    located = x.find(cmeta, "located")
    places = []
    if located is not None and _name(located):
        places.append(Subject(name=_name(located) or "", literal=_qcode(located), rel="located"))
    if dateline and not dateline.place and places:
        dateline.place = places[0].name

    story = Story(
        headline=headline,
        paragraphs=body.paragraphs,
        provenance=Provenance(format=FORMAT, original_times=original),
        agency=agency,
        item_id=guid,
        version=version,
        version_rank=x.version_rank(version, versioncreated),
        language=language,
        language_declared=language,
        signal=signal,
        pubstatus=pubstatus,
        urgency=urgency,
        urgency_raw=urgency_raw,
        embargoed=x.to_time(emb_raw, zone),
        firstcreated=firstcreated,
        versioncreated=versioncreated,
        slugline=x.text_of(x.find(cmeta, "slugline")),
        byline=x.strip_byline(x.text_of(x.find(cmeta, "by"))),
        dateline=dateline,
        section=genre_or_section,
        body_html=body.html,
        captions=body.captions,
        keywords=keywords,
        subjects=subjects,
        places=places,
        copyrightholder=x.text_of(x.find(holder, "name")) or x.attr(holder, "literal"),
        annotations=annotations,
        is_reference=is_package,
    )
    if nitf is not None:
        story.signature, story.initials = x.signature_parts(x.text_of(x.first_desc(nitf, "tagline")))
    return x.finalize(story, body.ednotes + notes, zone)

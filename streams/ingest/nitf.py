"""NITF 3.x (`<nitf>`): one document, one story.

Identity is `docdata/doc-id@id-string`, the version `du-key@generation`
(incremented per version). Status comes from `docdata@management-status`; a
document whose `management-idref-status` is canceled kills the document named
by `management-doc-idref`, so its story carries that id and Signal.KILL.
"""

from __future__ import annotations

from streams.ingest import dates
from streams.ingest import xmlsafe as x
from streams.ingest.base import ParseContext
from streams.ingest.detect import xml_root
from streams.ingest.xmlsafe import Element
from streams.model import Provenance, PubStatus, Signal, Story, Subject
from streams.rejects import Reason, RejectError

FORMAT = "nitf"


def sniff(head: bytes) -> bool:
    return xml_root(head) == "nitf"


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    doc = x.parse_xml(data, max_depth=ctx.max_xml_depth)
    if x.lname(doc.root) != "nitf":
        raise RejectError(Reason.MALFORMED, f"root element is <{x.lname(doc.root)}>, not <nitf>", FORMAT)
    story = story_from_nitf(doc.root, ctx)
    story.provenance.charset = doc.charset
    if not story.headline and not story.paragraphs:
        raise RejectError(Reason.NO_CONTENT, "NITF document without headline or body", FORMAT)
    return [story]


def nitf_subjects(head: Element | None, agency: str | None) -> list[Subject]:
    out: list[Subject] = []
    for tobject in x.descendants(head, "tobject.subject"):
        ref = x.attr(tobject, "tobject.subject.refnum") or x.attr(tobject, "tobject.subject.code")
        if not ref:
            continue
        name = (
            x.attr(tobject, "tobject.subject.detail")
            or x.attr(tobject, "tobject.subject.matter")
            or x.attr(tobject, "tobject.subject.type")
        )
        subject = x.subject_from_code(ref, name, agency)
        if subject:
            out.append(subject)
    return out


def body_parts(nitf: Element) -> x.Body:
    """Public body of a NITF document (also used for NITF inside NewsML envelopes)."""
    body = x.find(nitf, "body")
    contents = x.find_all(body, "body.content") if body is not None else []
    body_parts = x.render_body(contents)
    head = x.find(body, "body.head")
    for note in x.kids(head, "note"):
        text = x.text_of(note)
        if text:
            body_parts.ednotes.append(text)
    return body_parts


def story_from_nitf(nitf: Element, ctx: ParseContext) -> Story:
    head = x.find(nitf, "head")
    docdata = x.find(head, "docdata")
    body_head = x.find(nitf, "body", "body.head")
    doc_id = x.find(docdata, "doc-id")
    copyright_el = x.find(docdata, "doc.copyright")
    agency = (
        x.agency_name(x.attr(doc_id, "regsrc"))
        or x.agency_name(x.attr(copyright_el, "holder"))
        or x.agency_name(ctx.agency_hint)
    )
    zone = dates.agency_zone(agency, ctx.headers.get("timezone"))
    original: dict[str, str] = {}

    issue_raw = x.attr(x.find(docdata, "date.issue"), "norm")
    release_raw = x.attr(x.find(docdata, "date.release"), "norm")
    expire_raw = x.attr(x.find(docdata, "date.expire"), "norm")
    storydate_el = x.first_desc(x.find(body_head, "dateline"), "story.date")
    storydate_raw = x.attr(storydate_el, "norm")
    for key, raw in (
        ("date.issue", issue_raw),
        ("date.release", release_raw),
        ("date.expire", expire_raw),
        ("story.date", storydate_raw),
    ):
        x.record_time(original, key, raw)
    versioncreated = x.to_time(issue_raw, zone)
    firstcreated = x.to_time(storydate_raw, zone) or versioncreated
    release = x.to_time(release_raw, zone)

    du_key = x.find(docdata, "du-key")
    version = x.attr(du_key, "generation") or x.attr(du_key, "version")
    item_id = x.attr(doc_id, "id-string")

    status = (x.attr(docdata, "management-status") or "").lower()
    pubstatus = x.pubstatus_from(status) or PubStatus.USABLE
    signal = Signal.NEW if x.is_first_version(version) else Signal.UPDATE
    annotations: dict[str, object] = {}
    if x.find(docdata, "correction") is not None:
        signal = Signal.CORRECTION
        info = x.attr(x.find(docdata, "correction"), "info")
        if info:
            annotations["correction_info"] = info
    idref = x.attr(docdata, "management-doc-idref")
    idref_status = x.pubstatus_from(x.attr(docdata, "management-idref-status"))
    if idref and idref_status is PubStatus.CANCELED:
        # This document exists to cancel an earlier one: the kill must reach that story.
        annotations["own_doc_id"] = item_id
        item_id = idref
        pubstatus = PubStatus.CANCELED
    if pubstatus is PubStatus.CANCELED:
        signal = Signal.KILL
    embargoed = None
    if release and (status == "embargoed" or (versioncreated and release > versioncreated)):
        embargoed = release
    if expire_raw:
        annotations["expires"] = dates.iso(x.to_time(expire_raw, zone))

    urgency, urgency_raw = x.urgency(x.attr(x.find(docdata, "urgency"), "ed-urg"), scale_max=8)

    hedline = x.find(body_head, "hedline")
    headline = x.text_of(x.find(hedline, "hl1")) or x.text_of(x.find(head, "title")) or ""
    subheadline = x.text_of(x.find(hedline, "hl2"))
    dateline_el = x.find(body_head, "dateline")
    dateline = x.parse_dateline(x.text_of(dateline_el))
    if dateline and dateline_el is not None:
        place = x.text_of(x.first_desc(dateline_el, "location"))
        dateline.place = place or dateline.place
        dateline.date = x.text_of(storydate_el) or dateline.date
    byline = x.strip_byline(
        " ".join(t for t in (x.text_of(b) for b in x.kids(body_head, "byline")) if t) or None
    )

    body = body_parts(nitf)
    notes = list(body.ednotes)
    for msg in x.kids(docdata, "ed-msg"):
        text = x.attr(msg, "info") or x.text_of(msg)
        if text:
            notes.append(text)
    tagline = x.text_of(x.first_desc(x.find(nitf, "body", "body.end"), "tagline"))
    signature, initials = x.signature_parts(tagline)

    meta = {(x.attr(m, "name") or "").lower(): x.attr(m, "content") or "" for m in x.kids(head, "meta")}
    language = x.attr(nitf, "lang") or x.attr(x.find(nitf, "body"), "lang") or meta.get("language") or None
    section = x.attr(x.find(head, "pubdata"), "position.section") or meta.get("section") or None
    keywords = [k for k in (x.attr(kw, "key") for kw in x.descendants(docdata, "keyword")) if k]
    slugline = x.attr(du_key, "key") or meta.get("slug") or None

    story = Story(
        headline=headline,
        paragraphs=body.paragraphs,
        provenance=Provenance(format=FORMAT, original_times=original),
        agency=agency,
        item_id=item_id,
        version=version,
        version_rank=x.version_rank(version, versioncreated),
        language_declared=language,
        language=language,
        signal=signal,
        pubstatus=pubstatus,
        urgency=urgency,
        urgency_raw=urgency_raw,
        embargoed=embargoed,
        firstcreated=firstcreated,
        versioncreated=versioncreated,
        slugline=slugline,
        byline=byline,
        dateline=dateline,
        section=section,
        subheadline=subheadline,
        body_html=body.html,
        captions=body.captions,
        signature=signature,
        initials=initials,
        keywords=keywords,
        subjects=nitf_subjects(head, agency),
        copyrightholder=x.attr(copyright_el, "holder"),
        annotations=annotations,
    )
    return x.finalize(story, notes, zone)

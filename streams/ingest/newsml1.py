"""NewsML 1.2 (`<NewsML>`): one story per NewsItem, several per file.

Identity is `NewsIdentifier` (ProviderId + NewsItemId; DateId is part of the
public identifier but not of the story: agencies re-send an item the next day
with a new DateId), the version `RevisionId`. The text usually is NITF inside
`ContentItem/DataContent`; photo components give captions.

AFP flags some corrections only with an AdvisoryLine `CORRECTS …` and a
`Version=Correction` property while RevisionId stays 1: both set
Signal.CORRECTION, and `version_rank` falls back to the revision time.
"""

from __future__ import annotations

import re

from streams.ingest import dates
from streams.ingest import xmlsafe as x
from streams.ingest.base import ParseContext
from streams.ingest.detect import xml_root
from streams.ingest.nitf import body_parts as nitf_body
from streams.ingest.text import split_paragraphs, unescape
from streams.ingest.xmlsafe import Element
from streams.model import Caption, Provenance, PubStatus, Signal, Story, Subject
from streams.rejects import Reason, RejectError

FORMAT = "newsml1"

_CORRECTS_RE = re.compile(
    r"^\s*(?:corrects?|correction|corrige|rectifi|berichtig|korrig|corrige|rectifica|corrección)", re.I
)


def sniff(head: bytes) -> bool:
    return xml_root(head) == "NewsML"


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    doc = x.parse_xml(data, max_depth=ctx.max_xml_depth)
    root = doc.root
    if x.lname(root) == "NewsItem":
        items = [root]
    elif x.lname(root) == "NewsML":
        items = x.kids(root, "NewsItem")
    else:
        raise RejectError(Reason.MALFORMED, f"root element is <{x.lname(root)}>, not <NewsML>", FORMAT)
    if not items:
        raise RejectError(Reason.NO_CONTENT, "NewsML document without NewsItem", FORMAT)
    envelope = x.find(root, "NewsEnvelope")
    stories = []
    for item in items:
        story = _story(item, envelope, ctx)
        story.provenance.charset = doc.charset
        if story.headline or story.paragraphs or story.signal is Signal.KILL:
            stories.append(story)
    return stories


def _formal(el: Element | None) -> str | None:
    return x.attr(el, "FormalName")


def _text_component(component: Element) -> Element | None:
    """The ContentItem holding the story text (not a photo, not a caption of a photo)."""
    for content in x.descendants(component, "ContentItem"):
        media = (_formal(x.find(content, "MediaType")) or "").lower()
        if media in ("", "text") and x.find(content, "DataContent") is not None:
            return content
    return None


def _is_photo(component: Element) -> bool:
    role = (_formal(x.find(component, "Role")) or "").lower()
    media = {(_formal(x.find(c, "MediaType")) or "").lower() for c in x.kids(component, "ContentItem")}
    return role in ("photo", "image", "picture", "caption") or bool(media & {"photo", "image", "graphic"})


def _captions(component: Element) -> list[Caption]:
    out = []
    for sub in x.descendants(component, "NewsComponent"):
        if not _is_photo(sub):
            continue
        lines = x.find(sub, "NewsLines")
        text = None
        for content in x.descendants(sub, "ContentItem"):
            media = (_formal(x.find(content, "MediaType")) or "").lower()
            if media == "text":
                text = x.text_of(x.find(content, "DataContent"))
        text = text or x.text_of(x.find(lines, "HeadLine"))
        if text:
            credit = x.text_of(x.find(lines, "CreditLine")) or x.text_of(x.find(lines, "CopyrightLine"))
            out.append(Caption(text, credit))
    return out


def _story(item: Element, envelope: Element | None, ctx: ParseContext) -> Story:
    ident = x.find(item, "Identification", "NewsIdentifier")
    management = x.find(item, "NewsManagement")
    component = x.find(item, "NewsComponent")
    if component is None:
        raise RejectError(Reason.MALFORMED, "NewsItem without NewsComponent", FORMAT)
    # Text and metadata of a photo sub-component must not become the story's.
    main_components = [component] + [c for c in x.descendants(component, "NewsComponent") if not _is_photo(c)]

    def first_in(*path: str) -> Element | None:
        for comp in main_components:
            found = x.find(comp, *path)
            if found is not None:
                return found
        return None

    provider_id = x.text_of(x.find(ident, "ProviderId"))
    agency = (
        x.agency_name(provider_id)
        or x.agency_name(_formal(x.first_desc(first_in("AdministrativeMetadata", "Provider"), "Party")))
        or x.agency_name(ctx.agency_hint)
    )
    zone = dates.agency_zone(agency, ctx.headers.get("timezone"))
    original: dict[str, str] = {}

    first_raw = x.text_of(x.find(management, "FirstCreated"))
    this_raw = x.text_of(x.find(management, "ThisRevisionCreated"))
    envelope_raw = x.text_of(x.find(envelope, "DateAndTime"))
    x.record_time(original, "FirstCreated", first_raw)
    x.record_time(original, "ThisRevisionCreated", this_raw)
    x.record_time(original, "NewsEnvelope/DateAndTime", envelope_raw)
    versioncreated = x.to_time(this_raw or envelope_raw, zone)
    firstcreated = x.to_time(first_raw, zone) or versioncreated

    revision = x.find(ident, "RevisionId")
    version = x.text_of(revision)
    item_id = x.text_of(x.find(ident, "NewsItemId"))
    if item_id and provider_id:
        item_id = f"{provider_id}:{item_id}"

    pubstatus = x.pubstatus_from(_formal(x.find(management, "Status"))) or PubStatus.USABLE
    embargoed = None
    will_change = x.find(management, "StatusWillChange")
    if will_change is not None:
        change_raw = x.text_of(x.find(will_change, "DateAndTime"))
        x.record_time(original, "StatusWillChange", change_raw)
        embargoed = x.to_time(change_raw, zone)
    if (_formal(x.find(management, "Status")) or "").lower() != "embargoed" and will_change is None:
        embargoed = None

    signal = Signal.NEW if x.is_first_version(version) else Signal.UPDATE
    lines = first_in("NewsLines")
    advisories = [
        text
        for nl in x.kids(lines, "NewsLine")
        if (_formal(x.find(nl, "NewsLineType")) or "").lower() in ("advisoryline", "advisory")
        for text in [x.text_of(x.find(nl, "NewsLineText"))]
        if text
    ]
    properties = {
        (x.attr(p, "FormalName") or "").lower(): x.attr(p, "Value") or ""
        for p in x.descendants(item, "Property")
    }
    annotations: dict[str, object] = {}
    if (
        any(_CORRECTS_RE.match(a) for a in advisories)
        or properties.get("version", "").lower() == "correction"
    ):
        signal = Signal.CORRECTION
    if pubstatus is PubStatus.CANCELED:
        signal = Signal.KILL
    if revision is not None and x.attr(revision, "PreviousRevision"):
        annotations["previous_revision"] = x.attr(revision, "PreviousRevision")

    urgency, urgency_raw = x.urgency(
        _formal(x.find(management, "Urgency")) or _formal(x.find(envelope, "Priority"))
    )

    content = _text_component(component)
    data_content = x.find(content, "DataContent") if content is not None else None
    nitf_el = x.first_desc(data_content, "nitf")
    if nitf_el is not None:
        body = nitf_body(nitf_el)
    elif data_content is not None and len(data_content) == 0:
        paragraphs, notes = x.split_notes(split_paragraphs(unescape(data_content.text or "")))
        body = x.Body(paragraphs, x.paragraphs_html(paragraphs), notes, [])
    else:
        body = x.render_body([data_content])
    captions = body.captions + _captions(component)

    desc = first_in("DescriptiveMetadata")
    language = _formal(x.find(desc, "Language"))
    subjects: list[Subject] = []
    for code_el in x.descendants(desc, "SubjectCode"):
        for subj in x.kids(code_el):
            code = _formal(subj)
            if code:
                scheme = (x.attr(subj, "Scheme") or "").lower()
                prefix = "medtop:" if "mediatopic" in scheme else ""
                subject = x.subject_from_code(prefix + code, None, agency)
                if subject:
                    subjects.append(subject)
    keywords = [v for k, v in properties.items() if k == "keyword" and v]
    keywords += [t for t in (x.text_of(k) for k in x.kids(lines, "KeywordLine")) if t]
    section = properties.get("section") or None

    headline = x.text_of(x.find(lines, "HeadLine")) or ""
    if not headline and nitf_el is not None:
        headline = x.text_of(x.first_desc(nitf_el, "hl1")) or ""
    dateline = x.parse_dateline(x.text_of(x.find(lines, "DateLine")))

    notes = list(body.ednotes) + advisories
    notes += [t for t in (x.text_of(e) for e in x.descendants(management, "Instruction")) if t]
    story = Story(
        headline=headline,
        paragraphs=body.paragraphs,
        provenance=Provenance(format=FORMAT, original_times=original),
        agency=agency,
        item_id=item_id,
        version=version,
        version_rank=x.version_rank(version, versioncreated),
        language=language,
        language_declared=language,
        signal=signal,
        pubstatus=pubstatus,
        urgency=urgency,
        urgency_raw=urgency_raw,
        embargoed=embargoed,
        firstcreated=firstcreated,
        versioncreated=versioncreated,
        slugline=x.text_of(x.find(lines, "SlugLine"))
        or x.text_of(x.find(item, "Identification", "NameLabel")),
        byline=x.strip_byline(x.text_of(x.find(lines, "ByLine"))),
        dateline=dateline,
        section=section,
        subheadline=x.text_of(x.find(lines, "SubHeadLine")),
        body_html=body.html,
        captions=captions,
        keywords=list(dict.fromkeys(keywords)),
        subjects=subjects,
        copyrightholder=x.text_of(x.find(lines, "CopyrightLine")),
        annotations=annotations,
    )
    if nitf_el is not None:
        tagline = x.text_of(x.first_desc(nitf_el, "tagline"))
        story.signature, story.initials = x.signature_parts(tagline)
    return x.finalize(story, notes, zone)

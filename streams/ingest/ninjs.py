"""ninjs JSON 1.x / 2.x / 3.x: one object per item, or a JSON list of them.

The three generations differ only in names: 1.x singular (`headline`,
`body_text`, `subject`, `byline`), 2.x plural lists (`headlines`, `bodies`,
`subjects`, `by`), 3.x camelCase (`pubStatus`, `versionCreated`,
`embargoedUntil`, `contentType`). Every lookup below tries the names of all
three, so a feed mixing them (common in practice) is read too.

Identity is `uri` (stable across versions in ninjs), the version `version`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from streams.ingest import dates
from streams.ingest import xmlsafe as x
from streams.ingest.base import ParseContext
from streams.ingest.text import clean, clean_or_none, decode, split_paragraphs, unescape
from streams.model import Caption, Dateline, Provenance, PubStatus, Signal, Story, Subject
from streams.rejects import Reason, RejectError

FORMAT = "ninjs"

_KEYS_RE = re.compile(
    rb'"(?:uri|headlines?|body_text|body_html|bodies|versioncreated|versionCreated|pubstatus|pubStatus)"\s*:'
)
# Raw control characters are illegal inside JSON strings; feeds still send them.
_RAW_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_DEPTH = 64


def sniff(head: bytes) -> bool:
    return head[:1] in (b"{", b"[") and bool(_KEYS_RE.search(head))


def parse(data: bytes, ctx: ParseContext) -> list[Story]:
    text, charset = decode(data, ctx.declared_charset)
    try:
        doc = orjson.loads(_RAW_CONTROL_RE.sub("", text))
    except orjson.JSONDecodeError as exc:
        raise RejectError(Reason.MALFORMED, f"invalid JSON: {exc}", FORMAT) from exc
    objects = doc if isinstance(doc, list) else [doc]
    if not objects or not all(isinstance(o, dict) for o in objects):
        raise RejectError(Reason.MALFORMED, "expected a ninjs object or a list of objects", FORMAT)
    if _depth(doc) > _MAX_DEPTH:
        raise RejectError(Reason.MALFORMED, f"JSON nested deeper than {_MAX_DEPTH}", FORMAT)
    stories = []
    for obj in objects:
        story = _story(obj, ctx)
        story.provenance.charset = charset
        if story.headline or story.paragraphs or story.signal is Signal.KILL:
            stories.append(story)
    return stories


def _depth(value: Any) -> int:
    # Iterative: a hostile 100k-deep array must not exhaust the Python stack here.
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > _MAX_DEPTH:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return deepest


def _get(obj: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = obj.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return clean_or_none(unescape(str(value)))


def _role_value(items: Any, roles: tuple[str, ...] = ("main", "")) -> str | None:
    """ninjs 2/3 lists of {value, role}: the main one, else the first."""
    if isinstance(items, str):
        return _str(items)
    if not isinstance(items, list):
        return None
    entries = [i for i in items if isinstance(i, dict) and _str(i.get("value"))]
    for role in roles:
        for entry in entries:
            if (entry.get("role") or "") == role:
                return _str(entry.get("value"))
    return _str(entries[0].get("value")) if entries else None


def _body(obj: dict[str, Any]) -> x.Body:
    html_src: str | None = _get(obj, "body_html")
    text_src: str | None = _get(obj, "body_text")
    bodies = _get(obj, "bodies")
    if isinstance(bodies, list):
        for entry in bodies:
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                continue
            ctype = str(entry.get("contenttype") or entry.get("contentType") or "text/plain").lower()
            if "html" in ctype and html_src is None:
                html_src = entry["value"]
            elif "html" not in ctype and text_src is None:
                text_src = entry["value"]
    if isinstance(html_src, str) and html_src.strip():
        body = x.body_from_html_string(html_src)
        if body.paragraphs:
            return body
    if isinstance(text_src, str):
        paragraphs, notes = x.split_notes(split_paragraphs(unescape(text_src)))
        return x.Body(paragraphs, x.paragraphs_html(paragraphs), notes, [])
    return x.Body([], None, [], [])


def _subjects(obj: dict[str, Any], agency: str | None) -> list[Subject]:
    raw = _get(obj, "subjects", "subject") or []
    out: list[Subject] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        name = _str(entry.get("name"))
        uri = _str(entry.get("uri"))
        code = _str(entry.get("literal")) or _str(entry.get("code")) or _str(entry.get("qcode"))
        if code and not uri:
            scheme = (_str(entry.get("scheme")) or "").lower()
            if ":" not in code and "mediatopic" in scheme:
                code = "medtop:" + code
            subject = x.subject_from_code(code, name, agency)
            if subject:
                out.append(subject)
            continue
        if uri and not code:
            match = re.search(r"/newscodes/(mediatopic|subjectcode)/(\w+)", uri)
            if match:
                code = ("medtop:" if match.group(1) == "mediatopic" else "subj:") + match.group(2)
        if name or uri or code:
            out.append(
                Subject(
                    name=name or code or uri or "",
                    uri=uri,
                    literal=code,
                    creator=_str(entry.get("creator")) or agency,
                    rel=_str(entry.get("rel")),
                    confidence=_score(entry.get("confidence")),
                    relevance=_score(entry.get("relevance")),
                )
            )
    return out


def _score(value: Any) -> int | None:
    # ninjs 2.2 scores are integers 0-100; older feeds send 0-1 floats.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    score = value * 100 if isinstance(value, float) and value <= 1 else value
    return max(0, min(100, round(score)))


def _captions(obj: dict[str, Any]) -> list[Caption]:
    assoc = _get(obj, "associations")
    values = assoc.values() if isinstance(assoc, dict) else assoc if isinstance(assoc, list) else []
    out = []
    for item in values:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type") or "").lower()
        if kind and kind not in ("picture", "image", "graphic", "photo"):
            continue
        text = (
            _str(item.get("description_text"))
            or _role_value(item.get("descriptions"), ("caption", "summary", ""))
            or _str(item.get("headline"))
            or _role_value(item.get("headlines"))
        )
        if text:
            credit = (
                _str(item.get("byline")) or _str(item.get("creditline")) or _str(item.get("copyrightholder"))
            )
            out.append(Caption(text, credit))
    return out


def _by(obj: dict[str, Any]) -> str | None:
    value = _get(obj, "byline", "by")
    if isinstance(value, list):  # ninjs 3 `by` may be a list of people
        names = [_str(v.get("name")) if isinstance(v, dict) else _str(v) for v in value]
        return ", ".join(n for n in names if n) or None
    return x.strip_byline(_str(value))


def _story(obj: dict[str, Any], ctx: ParseContext) -> Story:
    uri = _str(obj.get("uri"))
    version = _str(obj.get("version"))
    agency = (
        x.agency_name(_str(_get(obj, "provider", "agency")))
        or x.agency_name(_str(_get(obj, "copyrightholder", "copyrightHolder")))
        or x.agency_from_uri(uri)
        or x.agency_name(ctx.agency_hint)
    )
    zone = dates.agency_zone(agency, ctx.headers.get("timezone"))
    original: dict[str, str] = {}
    vc_raw = _str(_get(obj, "versioncreated", "versionCreated"))
    fc_raw = _str(_get(obj, "firstcreated", "firstCreated", "contentCreated", "contentcreated"))
    emb_raw = _str(_get(obj, "embargoed", "embargoedUntil", "embargoeduntil"))
    for key, raw in (("versioncreated", vc_raw), ("firstcreated", fc_raw), ("embargoed", emb_raw)):
        x.record_time(original, key, raw)
    versioncreated = x.to_time(vc_raw, zone)
    firstcreated = x.to_time(fc_raw, zone) or versioncreated

    pubstatus = x.pubstatus_from(_str(_get(obj, "pubstatus", "pubStatus"))) or PubStatus.USABLE
    signal = Signal.NEW if x.is_first_version(version) else Signal.UPDATE
    signals = _get(obj, "signals", "signal")
    codes = [
        _str(s.get("uri") or s.get("literal") or s.get("name")) if isinstance(s, dict) else _str(s)
        for s in (signals if isinstance(signals, list) else [signals] if signals else [])
    ]
    for code in filter(None, codes):
        key = code.lower().rstrip("/").rpartition(":")[2].rpartition("/")[2]
        if key == "correction":
            signal = Signal.CORRECTION
        elif key == "update" and signal is Signal.NEW:
            signal = Signal.UPDATE
    if pubstatus is PubStatus.CANCELED:
        signal = Signal.KILL

    urgency, urgency_raw = x.urgency(_get(obj, "urgency"))
    language = _str(obj.get("language"))
    headline = _str(obj.get("headline")) or _role_value(obj.get("headlines")) or ""
    subheadline = _role_value(obj.get("headlines"), ("subheadline", "sub")) if obj.get("headlines") else None
    body = _body(obj)

    located = _get(obj, "located")
    dateline = x.parse_dateline(_str(_get(obj, "dateline")))
    keywords = [k for k in (_str(v) for v in (_get(obj, "keywords") or [])) if k]
    ednote = _str(_get(obj, "ednote", "edNote"))
    notes = body.ednotes + ([ednote] if ednote else [])
    section = _str(_get(obj, "section"))

    story = Story(
        headline=headline,
        paragraphs=body.paragraphs,
        provenance=Provenance(format=FORMAT, original_times=original),
        agency=agency,
        item_id=uri,
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
        slugline=_str(_get(obj, "slugline")),
        byline=_by(obj),
        dateline=dateline,
        section=section,
        subheadline=subheadline if subheadline != headline else None,
        body_html=body.html,
        captions=body.captions + _captions(obj),
        keywords=keywords,
        subjects=_subjects(obj, agency),
        copyrightholder=_str(_get(obj, "copyrightholder", "copyrightHolder")),
        annotations={"ninjs_generation": _generation(obj)},
    )
    story = x.finalize(story, notes, zone)
    if story.dateline is None and isinstance(located, str) and clean(located):
        # `located` is only a place; used when neither a field nor the text gives a dateline.
        story.dateline = Dateline(clean(located), clean(located), None)
    return story


def _generation(obj: dict[str, Any]) -> int:
    if any(k in obj for k in ("pubStatus", "versionCreated", "embargoedUntil", "firstCreated", "altIds")):
        return 3
    if any(k in obj for k in ("headlines", "bodies", "subjects", "altids", "descriptions")):
        return 2
    return 1

"""Output events and their JSON encoding — the project's fixed contract.

Every object has a top-level `event`: new / update / correction / kill (story
events: ninjs 2.2 fields + extension properties), `duplicate` (notice) or
`rejected` (dead-letter record). Schemas live in `schemas/`; change an event's
shape only together with its schema version.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from streams.ingest.dates import iso
from streams.model import PubStatus, Signal, Story, Subject
from streams.rejects import Reject

SCHEMA_VERSION = "1.0"
STORY_EVENTS = frozenset({"new", "update", "correction", "kill"})
DUPLICATE_METHODS = frozenset({"redelivery", "content", "near"})


@dataclass(frozen=True, slots=True)
class KafkaOrigin:
    """Where an input was read from, when it came through Kafka."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime | None = None
    key: str | None = None


def encode(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)


def decode(data: bytes) -> dict[str, Any]:
    value = orjson.loads(data)
    if not isinstance(value, dict):
        raise ValueError("an event is a JSON object")
    return value


def _drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v != [] and v != {} and v != ""}


def _subject(s: Subject) -> dict[str, Any]:
    return _drop_empty(
        {
            "name": s.name,
            "uri": s.uri,
            "literal": s.literal,
            "rel": s.rel,
            "creator": s.creator,
            "confidence": s.confidence,
            "relevance": s.relevance,
        }
    )


def _subjects(items: Iterable[Subject]) -> list[dict[str, Any]]:
    return [_subject(s) for s in items]


def _entities(items: Iterable[Subject]) -> list[dict[str, Any]]:
    """ninjs 2.2 places/people/organisations: no creator/confidence/relevance there."""
    return [_drop_empty({"name": s.name, "uri": s.uri, "literal": s.literal, "rel": s.rel}) for s in items]


def provenance_dict(story_prov: Any) -> dict[str, Any]:
    return _drop_empty(
        {
            "format": story_prov.format,
            "filename": story_prov.filename,
            "item": story_prov.item,
            "topic": story_prov.topic,
            "partition": story_prov.partition,
            "offset": story_prov.offset,
            "key": story_prov.key,
            "received": iso(story_prov.received),
            "sha256": story_prov.sha256,
            "charset": story_prov.charset,
            "headers": story_prov.headers,
            "original_times": story_prov.original_times,
        }
    ) | {"item": story_prov.item}


def event_kind(story: Story) -> str:
    """The event a story produces when no dedup state says otherwise."""
    if story.signal is Signal.KILL or story.pubstatus is PubStatus.CANCELED:
        return "kill"
    return story.signal.value


def story_event(
    story: Story,
    kind: str | None = None,
    *,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    kind = kind or event_kind(story)
    if kind not in STORY_EVENTS:
        raise ValueError(f"not a story event kind: {kind}")
    bodies: list[dict[str, Any]] = [
        {
            "role": "main",
            "contenttype": "text/plain",
            "value": story.body_text,
            "charcount": len(story.body_text),
            "wordcount": len(story.body_text.split()),
        }
    ]
    if story.body_html:
        bodies.append({"role": "main", "contenttype": "text/html", "value": story.body_html})
    headlines = [{"role": "main", "value": story.headline}]
    if story.subheadline:
        headlines.append({"role": "sub", "value": story.subheadline})
    altids = [{"role": "agency-item-id", "value": story.item_id}] if story.item_id else []
    ninjs = _drop_empty(
        {
            "uri": story.uri,
            "type": "text",
            "representationtype": "full",
            "version": story.version or "1",
            "firstcreated": iso(story.firstcreated),
            "versioncreated": iso(story.versioncreated),
            "embargoed": iso(story.embargoed),
            "pubstatus": "canceled" if kind == "kill" else story.pubstatus.value,
            "urgency": story.urgency,
            "language": story.language or story.language_declared or "und",
            "headlines": headlines,
            "bodies": bodies,
            "by": story.byline,
            "located": story.dateline.place if story.dateline else None,
            "slugline": story.slugline,
            "ednote": story.ednote,
            "copyrightholder": story.copyrightholder,
            "subjects": _subjects(story.subjects),
            "places": _entities(story.places),
            "people": _entities(story.people),
            "organisations": _entities(story.organisations),
            "altids": altids,
        }
    )
    # ninjs requires these even when empty, and the contract requires them always.
    ninjs.setdefault("bodies", bodies)
    extensions = _drop_empty(
        {
            "event": kind,
            "schema_version": SCHEMA_VERSION,
            "storyid": story.storyid,
            "agency": story.agency,
            "section": story.section,
            "signal": story.signal.value,
            "urgency_raw": story.urgency_raw,
            "dateline": _drop_empty(
                {"raw": story.dateline.raw, "place": story.dateline.place, "date": story.dateline.date}
            )
            if story.dateline
            else None,
            "signature": _drop_empty({"raw": story.signature, "initials": story.initials})
            if story.signature
            else None,
            "captions": [_drop_empty({"text": c.text, "credit": c.credit}) for c in story.captions],
            "keywords": story.keywords,
            "dedup": _drop_empty(
                {"fingerprint": story.fingerprint, "cluster": story.cluster, "duplicate_of": duplicate_of}
            ),
            "annotations": story.annotations,
        }
    )
    extensions["provenance"] = provenance_dict(story.provenance)
    return {"event": kind, **ninjs, **extensions}


def duplicate_event(
    story: Story, duplicate_of: str, method: str, similarity: float, *, cluster: str | None = None
) -> dict[str, Any]:
    if method not in DUPLICATE_METHODS:
        raise ValueError(f"unknown duplicate method: {method}")
    return _drop_empty(
        {
            "event": "duplicate",
            "schema_version": SCHEMA_VERSION,
            "storyid": story.storyid,
            "duplicate_of": duplicate_of,
            "method": method,
            "similarity": round(float(similarity), 4),
            "uri": story.uri,
            "version": story.version,
            "headline": story.headline,
            "cluster": cluster,
            "fingerprint": story.fingerprint,
        }
    ) | {"provenance": provenance_dict(story.provenance)}


def rejected_event(
    reject: Reject,
    payload: bytes,
    *,
    filename: str | None = None,
    origin: KafkaOrigin | None = None,
    headers: dict[str, str] | None = None,
    received: datetime | None = None,
    sha256: str | None = None,
) -> dict[str, Any]:
    import hashlib

    provenance = _drop_empty(
        {
            "format": reject.format,
            "filename": filename,
            "topic": origin.topic if origin else None,
            "partition": origin.partition if origin else None,
            "offset": origin.offset if origin else None,
            "key": origin.key if origin else None,
            "received": iso(received or datetime.now(UTC)),
            "sha256": sha256 or hashlib.sha256(payload).hexdigest(),
            "headers": headers or {},
        }
    )
    return {
        "event": "rejected",
        "schema_version": SCHEMA_VERSION,
        "reason": reject.reason.value,
        "message": reject.message,
        "payload": base64.b64encode(payload).decode("ascii"),
        "size": len(payload),
        "provenance": provenance,
    }

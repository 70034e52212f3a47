"""The canonical Story every parser produces and every later stage enriches.

A Story is format-neutral: parsers fill what their format carries, `normalize`
derives ids and cleans text, tagging and dedup add their results. Events are
built from it in `streams.events`; nothing here knows about Kafka or JSON.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Signal(enum.StrEnum):
    """What the agency says this item is, relative to earlier items of the story."""

    NEW = "new"
    UPDATE = "update"
    CORRECTION = "correction"
    KILL = "kill"


class PubStatus(enum.StrEnum):
    USABLE = "usable"
    WITHHELD = "withheld"
    CANCELED = "canceled"


@dataclass(slots=True)
class Caption:
    text: str
    credit: str | None = None


@dataclass(slots=True)
class Dateline:
    raw: str
    place: str | None = None
    date: str | None = None  # as written; the parsed instant goes to firstcreated


@dataclass(slots=True)
class Subject:
    """A ninjs subject (also used for places, people and organisations)."""

    name: str
    uri: str | None = None
    literal: str | None = None
    creator: str | None = None
    confidence: int | None = None  # 0-100, ninjs 2.2
    relevance: int | None = None  # 0-100, ninjs 2.2
    rel: str | None = None


@dataclass(slots=True)
class Provenance:
    """Where an item came from: enough to find the original bytes again."""

    format: str | None = None
    filename: str | None = None
    item: int = 0
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    received: datetime | None = None
    sha256: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    original_times: dict[str, str] = field(default_factory=dict)
    charset: str | None = None


@dataclass(slots=True)
class Story:
    """One item of one dispatch, normalized."""

    headline: str
    paragraphs: list[str]
    provenance: Provenance
    agency: str | None = None
    item_id: str | None = None  # the agency's own id, stable across versions
    version: str | None = None  # the agency's version, as given
    version_rank: int | None = None  # comparable per provider (higher = newer)
    storyid: str = ""  # set by normalize: stable across versions of one story
    uri: str = ""
    language: str | None = None
    language_declared: str | None = None
    language_confidence: float | None = None
    signal: Signal = Signal.NEW
    pubstatus: PubStatus = PubStatus.USABLE
    urgency: int | None = None  # ninjs 1 (highest) .. 9
    urgency_raw: str | None = None
    embargoed: datetime | None = None
    firstcreated: datetime | None = None
    versioncreated: datetime | None = None
    slugline: str | None = None
    byline: str | None = None
    dateline: Dateline | None = None
    section: str | None = None
    subheadline: str | None = None
    body_html: str | None = None
    captions: list[Caption] = field(default_factory=list)
    signature: str | None = None
    initials: str | None = None
    ednote: str | None = None
    keywords: list[str] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    places: list[Subject] = field(default_factory=list)
    people: list[Subject] = field(default_factory=list)
    organisations: list[Subject] = field(default_factory=list)
    copyrightholder: str | None = None
    # Free-form notes from stages (e.g. which lexicon terms matched, language mismatch).
    annotations: dict[str, Any] = field(default_factory=dict)
    # Set by dedup.
    fingerprint: str | None = None
    cluster: str | None = None
    is_reference: bool = False  # G2 packageItem: recorded, not a story

    def replace(self, **changes: Any) -> Story:
        return dataclasses.replace(self, **changes)

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.paragraphs)


# --- internal wire form -----------------------------------------------------
# Stories travel between the worker's own agents (internal topics) as JSON.
# This is not the public event (see streams.events): it keeps every field so
# the next stage gets back exactly the Story the previous one had.

_DATETIME_FIELDS = ("embargoed", "firstcreated", "versioncreated")


def story_to_dict(story: Story) -> dict[str, Any]:
    return dataclasses.asdict(story)


def story_from_dict(data: dict[str, Any]) -> Story:
    data = dict(data)
    prov = dict(data.pop("provenance"))
    if prov.get("received"):
        prov["received"] = _as_datetime(prov["received"])
    for name in _DATETIME_FIELDS:
        if data.get(name):
            data[name] = _as_datetime(data[name])
    data["signal"] = Signal(data["signal"])
    data["pubstatus"] = PubStatus(data["pubstatus"])
    data["captions"] = [Caption(**c) for c in data.get("captions", [])]
    if data.get("dateline"):
        data["dateline"] = Dateline(**data["dateline"])
    for name in ("subjects", "places", "people", "organisations"):
        data[name] = [Subject(**s) for s in data.get(name, [])]
    return Story(provenance=Provenance(**prov), **data)


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))

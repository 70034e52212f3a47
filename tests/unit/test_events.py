"""Events against the project schemas and the official ninjs 2.2 schema."""

from __future__ import annotations

import base64
import json

import pytest
from jsonschema import ValidationError

from streams.events import duplicate_event, rejected_event, story_event
from streams.ingest import ParseContext
from streams.model import PubStatus, Signal
from streams.pipeline import Pipeline
from streams.rejects import DESCRIPTIONS, Reason, Reject
from tests.support.schemas import SCHEMAS, ninjs_available, ninjs_part, validate_event


@pytest.fixture(scope="module")
def seed_story(seed_bytes: bytes):  # type: ignore[no-untyped-def]
    stories = Pipeline(stages=[]).stories(seed_bytes, ParseContext(filename="seed.txt"))
    assert isinstance(stories, list)
    return stories[0]


def test_seed_event_is_valid(seed_story) -> None:  # type: ignore[no-untyped-def]
    event = story_event(seed_story)
    validate_event(event)
    assert event["event"] == "new"
    assert event["storyid"] == seed_story.storyid
    assert event["bodies"][0]["value"].count("\n\n") == 5
    assert event["captions"] == [{"text": "La ville d'Alep en Syrie après un bombardement.", "credit": "AFP"}]
    assert event["signature"] == {"raw": "AFP/M.R.", "initials": "M.R."}


@pytest.mark.skipif(not ninjs_available(), reason="official ninjs schema (../shared/ref) not present")
def test_ninjs_part_has_no_extension_keys(seed_story) -> None:  # type: ignore[no-untyped-def]
    part = ninjs_part(story_event(seed_story))
    assert "storyid" not in part and "provenance" not in part and "event" not in part
    assert part["uri"].startswith("urn:wirefeed:story:")


def test_schema_rejects_control_characters(seed_story) -> None:  # type: ignore[no-untyped-def]
    event = story_event(seed_story)
    event["headlines"][0]["value"] = "bad\x07bell"
    with pytest.raises(ValidationError):
        validate_event(event)


def test_schema_rejects_unknown_property(seed_story) -> None:  # type: ignore[no-untyped-def]
    event = story_event(seed_story) | {"surprise": 1}
    with pytest.raises(ValidationError):
        validate_event(event)


def test_kill_event(seed_story) -> None:  # type: ignore[no-untyped-def]
    killed = seed_story.replace(signal=Signal.KILL, pubstatus=PubStatus.CANCELED)
    event = story_event(killed)
    assert event["event"] == "kill"
    assert event["pubstatus"] == "canceled"
    validate_event(event)


def test_duplicate_event(seed_story) -> None:  # type: ignore[no-untyped-def]
    event = duplicate_event(seed_story, "afp-00000000000000000000", "near", 0.9312345)
    validate_event(event)
    assert event["similarity"] == 0.9312
    with pytest.raises(ValueError):
        duplicate_event(seed_story, "x", "guess", 1.0)


def test_rejected_event_round_trips_payload() -> None:
    payload = b"\x00\xffbinary"
    event = rejected_event(Reject(Reason.BINARY, "nope"), payload, filename="f.bin")
    validate_event(event)
    assert base64.b64decode(event["payload"]) == payload
    assert event["reason"] == "binary_content"
    assert event["provenance"]["filename"] == "f.bin"


def test_dlq_schema_lists_every_reason_code() -> None:
    schema = json.loads((SCHEMAS / "dlq.schema.json").read_text())
    assert set(schema["properties"]["reason"]["enum"]) == {r.value for r in Reason}
    assert set(DESCRIPTIONS) == set(Reason)

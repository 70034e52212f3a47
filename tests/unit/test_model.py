from __future__ import annotations

from datetime import UTC, datetime

import orjson

from streams.model import (
    Caption,
    Dateline,
    Provenance,
    PubStatus,
    Signal,
    Story,
    Subject,
    story_from_dict,
    story_to_dict,
)


def test_story_round_trips_through_json() -> None:
    story = Story(
        headline="Titre",
        paragraphs=["Un.", "Deux."],
        provenance=Provenance(
            format="nitf", filename="f.xml", item=2, received=datetime(2024, 7, 10, tzinfo=UTC)
        ),
        agency="AFP",
        item_id="urn:x",
        version="3",
        version_rank=3,
        storyid="afp-0123456789abcdef0123",
        signal=Signal.CORRECTION,
        pubstatus=PubStatus.WITHHELD,
        firstcreated=datetime(2024, 7, 10, 12, 30, tzinfo=UTC),
        dateline=Dateline("PARIS, 10 juil", "PARIS", "10 juil"),
        captions=[Caption("Une photo.", "AFP")],
        subjects=[
            Subject("politique", uri="http://cv.iptc.org/newscodes/mediatopic/11000000", confidence=80)
        ],
        annotations={"matched_terms": {"11000000": ["gouvernement"]}},
    )
    wire = orjson.dumps(story_to_dict(story))
    assert story_from_dict(orjson.loads(wire)) == story

"""Routing rules: syntax, errors and matching."""

from __future__ import annotations

import pytest

from streams.model import Provenance, Story, Subject
from streams.tagging import TaggingDataError
from streams.tagging.routing import parse_rules, routes_for

MEDTOP = "http://cv.iptc.org/newscodes/mediatopic/"

RULES = """
# sport desk
wires.sport: medtop:15000000
wires.fr: lang=fr
wires.syria: place=SY; wires.syria: place=caspian-sea
wires.putin: person=vladimir-putin
wires.nato: org=nato !medtop:15000000
wires.sure-war: medtop:16000000>=80
wires.flash: urgency<=2
wires.afp: agency=afp
wires.all: *
"""


def make(**kw: object) -> Story:
    return Story(headline="h", paragraphs=["p"], provenance=Provenance(), **kw)  # type: ignore[arg-type]


def test_parse() -> None:
    rules = parse_rules(RULES)
    assert [r.topic for r in rules][:4] == ["wires.sport", "wires.fr", "wires.syria", "wires.syria"]
    assert rules[0].line == 3


def test_routes() -> None:
    rules = parse_rules(RULES)
    story = make(
        language="fr",
        agency="AFP",
        urgency=1,
        subjects=[Subject("Guerre", uri=MEDTOP + "16000000", confidence=90)],
        places=[Subject("mer Caspienne", literal="region:caspian-sea")],
        people=[Subject("Vladimir Poutine", literal="vladimir-putin")],
        organisations=[Subject("Otan", literal="nato")],
    )
    assert routes_for(story, rules) == [
        "wires.fr",
        "wires.syria",
        "wires.putin",
        "wires.nato",
        "wires.sure-war",
        "wires.flash",
        "wires.afp",
        "wires.all",
    ]
    sport = make(
        language="en",
        subjects=[Subject("sport", literal="medtop:15000000")],
        organisations=[Subject("NATO", literal="nato")],
    )
    assert routes_for(sport, rules) == ["wires.sport", "wires.all"]
    weak = make(subjects=[Subject("war", uri=MEDTOP + "16000000", confidence=50)])
    assert "wires.sure-war" not in routes_for(weak, rules)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("wires.a: medtop:15000000\nno colon here", 2, "expected"),
        ("bad topic!: lang=fr", 1, "invalid Kafka topic"),
        ("wires.a:", 1, "no condition"),
        ("\n\nwires.a: colour=red", 3, "unknown condition"),
        ("wires.a: medtop:1500", 1, "unknown condition"),
        ("wires.a: medtop:15000000>=101", 1, "0-100"),
    ],
)
def test_errors(text: str, line: int, problem: str) -> None:
    with pytest.raises(TaggingDataError) as info:
        parse_rules(text)
    assert info.value.line == line and problem in info.value.problem

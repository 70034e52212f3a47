"""Routing rules: which downstream topics a tagged story goes to.

Syntax (one rule per line, or several separated by ``;``; ``#`` starts a comment)::

    TOPIC: CONDITION [CONDITION ...]

A story goes to TOPIC when **all** conditions of the rule hold; several rules for the
same topic are alternatives (any of them routes). Conditions:

==========================  ==========================================================
``medtop:15000000``         has the IPTC Media Topic (agency's or ours); ``>=N`` adds a
                            minimum confidence: ``medtop:15000000>=70``
``lang=fr``                 story language (primary subtag)
``place=SY``                a place with that ISO country code, GeoNames id
                            (``place=170063``) or region id (``place=caspian-sea``)
``person=vladimir-putin``   a person with that id
``org=nato``                an organisation with that id
``agency=AFP``              the agency (case-insensitive)
``urgency<=2``              ninjs urgency at most N (1 = flash)
``!COND``                   negation of any condition above
``*``                       always
==========================  ==========================================================

Example::

    wires.sport: medtop:15000000
    wires.fr: lang=fr
    wires.syria: place=SY; wires.syria: place=caspian-sea
    wires.flash: urgency<=2 !medtop:15000000
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from streams.model import Story, Subject
from streams.tagging.errors import TaggingDataError

_TOPIC_RE = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_COND_RE = re.compile(
    r"^(?P<neg>!)?(?:"
    r"medtop:(?P<code>\d{8})(?:>=(?P<min>\d{1,3}))?"
    r"|(?P<key>lang|place|person|org|agency)=(?P<value>[^\s=;]+)"
    r"|urgency<=(?P<urgency>[1-9])"
    r"|(?P<always>\*)"
    r")$"
)
_MEDTOP_RE = re.compile(r"(?:mediatopic/|medtop:)(\d{8})")
_GEONAMES_RE = re.compile(r"geonames\.org/(\d+)")


@dataclass(frozen=True, slots=True)
class Condition:
    kind: str  # medtop | lang | place | person | org | agency | urgency | always
    value: str = ""
    minimum: int = 0
    negated: bool = False


@dataclass(frozen=True, slots=True)
class RoutingRule:
    topic: str
    conditions: tuple[Condition, ...] = field(default_factory=tuple)
    line: int = 0
    source: str = ""

    def matches(self, story: Story) -> bool:
        return all(_holds(c, story) != c.negated for c in self.conditions)


def parse_rules(text: str, source: str = "<rules>") -> list[RoutingRule]:
    """Parse the rule syntax above; errors raise TaggingDataError with the line number."""
    rules: list[RoutingRule] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        for part in (p.strip() for p in line.split(";")):
            if not part:
                continue
            topic, sep, rest = part.partition(":")
            topic = topic.strip()
            if not sep:
                raise TaggingDataError(source, lineno, f"expected 'topic: conditions', got {part!r}")
            if not _TOPIC_RE.match(topic):
                raise TaggingDataError(source, lineno, f"invalid Kafka topic name {topic!r}")
            tokens = rest.split()
            if not tokens:
                raise TaggingDataError(source, lineno, f"rule for {topic!r} has no condition (use * for all)")
            conditions = tuple(_condition(tok, source, lineno) for tok in tokens)
            rules.append(RoutingRule(topic, conditions, lineno, part))
    return rules


def _condition(token: str, source: str, lineno: int) -> Condition:
    match = _COND_RE.match(token)
    if not match:
        raise TaggingDataError(source, lineno, f"unknown condition {token!r}")
    negated = bool(match.group("neg"))
    if match.group("code"):
        minimum = int(match.group("min") or 0)
        if minimum > 100:
            raise TaggingDataError(source, lineno, f"confidence must be 0-100 in {token!r}")
        return Condition("medtop", match.group("code"), minimum, negated)
    if match.group("key"):
        return Condition(match.group("key"), match.group("value"), 0, negated)
    if match.group("urgency"):
        return Condition("urgency", "", int(match.group("urgency")), negated)
    return Condition("always", "", 0, negated)


def _subject_codes(story: Story) -> dict[str, int]:
    codes: dict[str, int] = {}
    for s in story.subjects:
        for value in (s.uri, s.literal):
            match = _MEDTOP_RE.search(value or "")
            if match:
                # Agency codes carry no confidence: treat them as certain.
                conf = 100 if s.confidence is None else s.confidence
                codes[match.group(1)] = max(codes.get(match.group(1), 0), conf)
    return codes


def _place_keys(place: Subject) -> set[str]:
    keys = {k for k in (place.literal, place.uri) if k}
    if place.literal and place.literal.startswith("region:"):
        keys.add(place.literal.split(":", 1)[1])
    match = _GEONAMES_RE.search(place.uri or "")
    if match:
        keys.add(match.group(1))
    return {k.casefold() for k in keys}


def _holds(cond: Condition, story: Story) -> bool:
    if cond.kind == "always":
        return True
    if cond.kind == "medtop":
        codes = _subject_codes(story)
        return cond.value in codes and codes[cond.value] >= cond.minimum
    if cond.kind == "lang":
        lang = (story.language or "").split("-", 1)[0].casefold()
        return lang == cond.value.casefold()
    if cond.kind == "place":
        wanted = cond.value.casefold()
        return any(wanted in _place_keys(p) for p in story.places)
    if cond.kind == "person":
        return any(p.literal == cond.value for p in story.people)
    if cond.kind == "org":
        return any(o.literal == cond.value for o in story.organisations)
    if cond.kind == "agency":
        return (story.agency or "").casefold() == cond.value.casefold()
    if cond.kind == "urgency":
        return story.urgency is not None and story.urgency <= cond.minimum
    return False  # pragma: no cover - parse_rules only builds the kinds above


def routes_for(story: Story, rules: list[RoutingRule]) -> list[str]:
    """Topics the story goes to, each once, in the order of their first matching rule."""
    topics: list[str] = []
    for rule in rules:
        if rule.topic not in topics and rule.matches(story):
            topics.append(rule.topic)
    return topics

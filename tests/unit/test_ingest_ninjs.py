"""ninjs 1.x / 2.x / 3.x JSON, single objects and lists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.ingest import ParseContext, ninjs, parse_input
from streams.model import PubStatus, Signal, Story
from streams.rejects import Reason, Reject, RejectError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ninjs"


def load(name: str) -> list[Story]:
    result = parse_input((FIXTURES / name).read_bytes(), ParseContext(filename=name))
    assert isinstance(result, list), result
    assert all(s.provenance.format == "ninjs" for s in result)
    return result


def test_ninjs1_singular_names() -> None:
    [s] = load("ap-en-v1-singular.json")
    assert s.annotations["ninjs_generation"] == 1
    assert (s.agency, s.item_id, s.version) == ("AP", "http://ap.org/content/5f2b3c4d9e8a7b6c", "3")
    assert s.signal is Signal.UPDATE
    assert s.headline == "Hurricane Francine forms in Gulf, threatens Louisiana"
    assert s.annotations["headline_prefix"] == "UPDATE 2-"
    assert s.versioncreated == datetime(2024, 9, 5, 14, 2, tzinfo=UTC)
    assert s.firstcreated == datetime(2024, 9, 5, 11, 30, tzinfo=UTC)
    assert (s.urgency, s.language, s.pubstatus) == (4, "en", PubStatus.USABLE)
    assert s.byline == "REBECCA SANTANA"
    assert s.slugline == "Tropical Weather"
    assert s.paragraphs == [
        "NEW ORLEANS (AP) _ Tropical Storm Francine strengthened into a hurricane on Thursday as it churned "
        "toward the Louisiana coast.",
        "Forecasters expect landfall late Friday.",
    ]
    assert s.ednote == "Eds: Moving on general news and weather wires."
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("NEW ORLEANS", None)
    assert [(c.text, c.credit) for c in s.captions] == [
        ("Waves crash on the shore in Grand Isle, La., on Sept. 5, 2024.", "AP Photo/Gerald Herbert")
    ]
    assert [(x.literal, x.uri, x.name) for x in s.subjects] == [
        ("medtop:17000000", "http://cv.iptc.org/newscodes/mediatopic/17000000", "weather"),
        ("subj:03015000", "http://cv.iptc.org/newscodes/subjectcode/03015000", "natural disasters"),
    ]
    assert s.keywords == ["hurricane", "Louisiana"]


def test_ninjs2_plural_lists_and_html_body() -> None:
    [s] = load("afp-fr-v2-plural.json")
    assert s.annotations["ninjs_generation"] == 2
    assert (s.agency, s.version, s.signal) == ("AFP", "2", Signal.UPDATE)
    assert s.headline == "Barnier finalise la composition de son gouvernement"
    assert s.subheadline == "Les noms attendus d'ici dimanche"
    assert s.versioncreated == datetime(2024, 9, 12, 14, 45, tzinfo=UTC)
    assert s.paragraphs == [
        "Paris, 12 sept 2024 (AFP) - Michel Barnier a poursuivi jeudi ses consultations & rencontres.",
        "« Il faut aller vite », a-t-il dit.",
    ]
    assert s.body_html == (
        "<p>Paris, 12 sept 2024 (AFP) - Michel Barnier a poursuivi jeudi ses consultations &amp; rencontres.</p>"
        "<p>« Il faut <strong>aller vite</strong> », a-t-il dit.</p>"
    )
    assert s.ednote == "Eds: ne pas publier ce paragraphe\nPapier d'angle à suivre"
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("Paris", "12 sept 2024")
    assert [(x.literal, x.relevance) for x in s.subjects] == [
        ("medtop:11000000", None),
        ("medtop:20000621", 80),
    ]
    assert s.byline == "Paul Dupuis"


def test_ninjs3_camelcase_kill() -> None:
    [s] = load("dpa-de-v3-camel-kill.json")
    assert s.annotations["ninjs_generation"] == 3
    assert (s.signal, s.pubstatus) == (Signal.KILL, PubStatus.CANCELED)
    assert (s.agency, s.version, s.urgency, s.language) == ("dpa", "7", 2, "de")
    assert s.headline == "Zugunglück bei Augsburg"
    assert s.versioncreated == datetime(2024, 9, 30, 16, 20, tzinfo=UTC)
    assert s.firstcreated == datetime(2024, 9, 30, 7, 0, tzinfo=UTC)
    assert s.paragraphs == ["Augsburg (dpa) - Die Meldung wird zurückgezogen."]


def test_list_of_objects_is_several_items() -> None:
    first, second = load("efe-es-list-two.json")
    assert [first.provenance.item, second.provenance.item] == [0, 1]
    assert (first.item_id, first.signal, first.urgency) == (
        "urn:newsml:efe.com:20241015:EFE-77001",
        Signal.NEW,
        5,
    )
    assert first.headline == "La inflación en España baja al 1,5 % en septiembre"
    assert first.versioncreated == datetime(2024, 10, 15, 7, 30, tzinfo=UTC)  # naive, Madrid
    assert len(first.paragraphs) == 2 and first.paragraphs[0].startswith("Madrid, 15 oct (EFE).- El IPC")
    assert [(x.literal, x.uri) for x in first.subjects] == [
        ("medtop:04000000", "http://cv.iptc.org/newscodes/mediatopic/04000000")
    ]
    assert second.signal is Signal.CORRECTION
    assert second.headline == "El Real Madrid presenta su nuevo estadio"
    assert second.embargoed == datetime(2024, 10, 15, 10, 0, tzinfo=UTC)
    assert second.version_rank is not None and first.version_rank is not None
    assert second.version_rank > first.version_rank


def test_cp1252_bytes_control_chars_and_urgent_without_headline() -> None:
    [s] = load("afp-fr-v3-urgent-cp1252.json")
    assert s.provenance.charset == "cp1252"
    assert (s.urgency, s.embargoed) == (1, None)
    assert s.annotations["headline_source"] == "body"
    assert s.headline == (
        "Le Premier ministre a annoncé dimanche soir qu’il engagerait la responsabilité du gouvernement sur…"
    )
    assert s.paragraphs[0].endswith("sur le budget de la Sécurité sociale.")
    assert "\x07" not in s.paragraphs[0]
    assert s.versioncreated == datetime(2024, 12, 1, 17, 42, tzinfo=UTC)


def test_sniff_direct_call_and_rejects() -> None:
    assert ninjs.sniff(b'{"uri": "x", "headline": "y"}')
    assert ninjs.sniff(b'[{"versionCreated": "2024"}]')
    assert not ninjs.sniff(b'{"foo": 1}')
    assert not ninjs.sniff(b"<nitf/>")
    [story] = ninjs.parse(b'{"uri": "urn:x:1", "headline": "Hi", "body_text": "Body."}', ParseContext())
    assert (story.item_id, story.headline, story.paragraphs) == ("urn:x:1", "Hi", ["Body."])
    with pytest.raises(RejectError) as exc:
        ninjs.parse(b'{"uri": "x", ', ParseContext())
    assert exc.value.reject.reason is Reason.MALFORMED
    with pytest.raises(RejectError) as exc:
        ninjs.parse(b"[1, 2]", ParseContext())
    assert exc.value.reject.reason is Reason.MALFORMED
    empty = parse_input(b'{"uri": "urn:x:2", "headline": ""}')
    assert isinstance(empty, Reject) and empty.reason is Reason.NO_CONTENT


def test_embargo_notice_versus_story_about_an_embargo() -> None:
    body = (
        "Embargoed to 0001 Friday September 13\\n\\n"
        "Embargo on Russian oil tightened, EU ministers agreed on Thursday.\\n\\nMore follows."
    )
    data = (
        '{"uri": "urn:newsml:ap.org:1", "version": "1", "versioncreated": "2024-09-12T18:00:00Z",'
        ' "headline": "EU tightens oil embargo", "body_text": "' + body + '"}'
    ).encode()
    [s] = ninjs.parse(data, ParseContext())
    assert s.paragraphs == [
        "Embargo on Russian oil tightened, EU ministers agreed on Thursday.",
        "More follows.",
    ]
    assert s.ednote == "Embargoed to 0001 Friday September 13"
    # AP: naive, New York time (EDT) → 04:01 UTC
    assert s.embargoed == datetime(2024, 9, 13, 4, 1, tzinfo=UTC)
    assert s.annotations["embargo_source"] == "text"

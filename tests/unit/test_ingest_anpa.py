"""ANPA-1312: every fixture with its exact expected fields, through detection and directly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streams.ingest import ParseContext, anpa, parse_input
from streams.ingest.dates import iso
from streams.model import PubStatus, Signal, Story
from streams.rejects import Reason, Reject, RejectError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "anpa"
RECEIVED = datetime(2024, 10, 10, 9, 0, tzinfo=UTC)

EXPECTED: dict[str, list[dict[str, Any]]] = {
    "ap-en-writethru.anpa": [
        {
            "headline": "Obama pushes Congress on health care overhaul",
            "agency": "AP",
            "signal": Signal.UPDATE,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "r",
            "urgency": 5,
            "version": "1stLd-Writethru",
            "version_rank": 1,
            "item_id": "2024-10-13/BC-Obama-Health",
            "slugline": "BC-Obama-Health",
            "versioncreated": "2024-10-13T11:37:00Z",
            "embargoed": None,
            "place": "WASHINGTON",
            "dateline_raw": "WASHINGTON (AP) _",
            "byline": "JOHN SMITH, Associated Press Writer",
            "signature": None,
            "ednote": "Eds: Updates with comment from Senate Republican leader. AP Photos WX101, WX102.",
            "paragraphs": 3,
            "first": "President Barack Obama on Sunday urged Congress to finish work on a health care overhaul",
            "last": "Senate Republican leader Mitch McConnell said the bill was “too costly.”",
            "photo_lines": ["AP Photo WX101"],
            "charset": "utf-8",
        }
    ],
    "ap-en-bulletin-embargo.anpa": [
        {
            "headline": "Strong earthquake shakes northern Japan",
            "agency": "AP",
            "signal": Signal.NEW,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "BULLETIN",
            "urgency": 2,
            "version": "Bjt",
            "version_rank": 0,
            "item_id": "2024-09-08/BC-Japan-Quake",
            "slugline": "BC-Japan-Quake",
            "versioncreated": "2024-09-08T23:15:00Z",
            # 0001 New York time (EDT) on Friday September 9.
            "embargoed": "2024-09-09T04:01:00Z",
            "place": "TOKYO",
            "dateline_raw": "TOKYO (AP) _",
            "byline": None,
            "signature": None,
            "ednote": "Eds: Embargoed to 0001 Friday September 9",
            "paragraphs": 2,
            "first": "A strong earthquake with a preliminary magnitude of 6.8 shook northern Japan on Friday",
            "last": "There was no immediate tsunami warning.",
            "photo_lines": None,
            "charset": "utf-8",
        }
    ],
    "ap-es-correction-cp1252.anpa": [
        {
            "headline": "México elige a su primera presidenta",
            "agency": "AP",
            "signal": Signal.CORRECTION,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "u",
            "urgency": 3,
            "version": "Correction",
            "version_rank": None,
            "item_id": "2024-06-03/BC-AL-Mexico-Elecciones",
            "slugline": "BC-AL-Mexico-Elecciones",
            "versioncreated": "2024-06-03T06:12:00Z",
            "embargoed": None,
            "place": "CIUDAD DE MÉXICO",
            "dateline_raw": "CIUDAD DE MÉXICO (AP) _",
            "byline": "MARÍA VERZA",
            "signature": None,
            "ednote": "Eds: Corrige el nombre del instituto electoral en el segundo párrafo.",
            "paragraphs": 2,
            "first": "¿Quién ganó? Claudia Sheinbaum se convirtió el domingo en la primera mujer electa",
            "last": "“¡Lo logramos!”, dijo ante miles de seguidores en el Zócalo, según el Instituto Nacional "
            "Electoral (INE). Empieza la ‘nueva era’.",
            "photo_lines": None,
            "charset": "cp1252",
        }
    ],
    "ap-en-kill.anpa": [
        {
            "headline": "",
            "agency": "AP",
            "signal": Signal.KILL,
            "pubstatus": PubStatus.CANCELED,
            "urgency_raw": "f",
            "urgency": 1,
            "version": "Kill",
            "version_rank": None,
            "item_id": "2024-03-14/BC-Obit-Smith",
            "slugline": "BC-Obit-Smith",
            "versioncreated": "2024-03-14T15:02:00Z",
            "embargoed": None,
            "place": "NEW YORK",
            "dateline_raw": "NEW YORK (AP) _",
            "byline": None,
            "signature": None,
            "ednote": "Eds: ELIMINATE BC-Obit-Smith. Smith is not dead. A substitute will not move.",
            "paragraphs": 1,
            "first": "The Associated Press has withdrawn the obituary of John Smith.",
            "last": "The Associated Press has withdrawn the obituary of John Smith.",
            "photo_lines": None,
            "charset": "utf-8",
        }
    ],
    "ap-en-multi.anpa": [
        {
            "headline": "Yankees beat Red Sox 5-3",
            "agency": "AP",
            "signal": Signal.NEW,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "r",
            "urgency": 5,
            "version": None,
            "version_rank": 0,
            "item_id": "2024-07-04/BC-BBO-Yankees-Red-Sox",
            "slugline": "BC-BBO-Yankees-Red-Sox",
            "versioncreated": "2024-07-05T03:12:00Z",
            "embargoed": None,
            "place": "BOSTON",
            "dateline_raw": "BOSTON (AP) _",
            "byline": None,
            "signature": None,
            "ednote": None,
            "paragraphs": 3,
            "first": "Aaron Judge hit two home runs and the New York Yankees beat the Boston Red Sox 5-3",
            "last": "The teams meet again on Friday.",
            "photo_lines": None,
            "charset": "utf-8",
        },
        {
            "headline": "Oil prices jump after OPEC cut",
            "agency": "AP",
            "signal": Signal.UPDATE,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "u",
            "urgency": 3,
            "version": "2ndLd-Writethru",
            "version_rank": 2,
            "item_id": "2024-07-05/BC-Oil-Prices",
            "slugline": "BC-Oil-Prices",
            "versioncreated": "2024-07-05T14:05:00Z",
            "embargoed": None,
            "place": "NEW YORK",
            "dateline_raw": "NEW YORK (AP) _",
            "byline": "CATHY BUSSEWITZ, AP Business Writer",
            "signature": None,
            "ednote": None,
            "paragraphs": 2,
            "first": "Oil prices rose more than 4% on Friday after OPEC agreed to cut output.",
            "last": "Benchmark U.S. crude gained $3.12 to $81.40 a barrel.",
            "photo_lines": None,
            "charset": "utf-8",
        },
    ],
}


def check(story: Story, exp: dict[str, Any]) -> None:
    assert story.headline == exp["headline"]
    assert story.agency == exp["agency"]
    assert story.signal is exp["signal"]
    assert story.pubstatus is exp["pubstatus"]
    assert (story.urgency_raw, story.urgency) == (exp["urgency_raw"], exp["urgency"])
    assert (story.version, story.version_rank) == (exp["version"], exp["version_rank"])
    assert story.item_id == exp["item_id"]
    assert story.slugline == exp["slugline"]
    assert iso(story.versioncreated) == exp["versioncreated"]
    assert iso(story.embargoed) == exp["embargoed"]
    assert story.dateline is not None
    assert (story.dateline.place, story.dateline.raw) == (exp["place"], exp["dateline_raw"])
    assert story.byline == exp["byline"]
    assert story.signature == exp["signature"]
    assert story.ednote == exp["ednote"]
    assert len(story.paragraphs) == exp["paragraphs"]
    assert story.paragraphs[0].startswith(exp["first"])
    assert story.paragraphs[-1] == exp["last"]
    assert story.annotations.get("photo_lines") == exp["photo_lines"]
    assert story.provenance.charset == exp["charset"]
    assert story.provenance.format == "anpa"
    text = " ".join([story.headline, *story.paragraphs, story.byline or "", story.ednote or ""])
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)
    assert "^" not in text and "AP Photo WX101" not in " ".join(story.paragraphs)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_through_parse_input(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    # The Spanish one is cp1252 while the connector claims UTF-8.
    headers = {"content-type": "text/plain; charset=utf-8"} if "cp1252" in name else {}
    result = parse_input(data, ParseContext(filename=name, received=RECEIVED, headers=headers))
    assert isinstance(result, list), result
    assert len(result) == len(EXPECTED[name])
    for index, (story, exp) in enumerate(zip(result, EXPECTED[name], strict=True)):
        check(story, exp)
        assert story.provenance.item == index
        assert story.provenance.filename == name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_directly(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    assert anpa.sniff(data[:4096])
    stories = anpa.parse(data, ParseContext(received=RECEIVED))
    for story, exp in zip(stories, EXPECTED[name], strict=True):
        check(story, exp)


def test_annotations_keep_the_header() -> None:
    story = anpa.parse((FIXTURES / "ap-en-writethru.anpa").read_bytes(), ParseContext(received=RECEIVED))[0]
    assert story.annotations["anpa"] == {
        "service": "a",
        "sequence": "0412",
        "category": "w",
        "take": "1stLd-Writethru",
        "date": "10-13",
        "words": 456,
    }
    assert story.provenance.original_times == {"trailer": "AP-WF-10-13-24 1137GMT"}


def test_sniff_is_specific() -> None:
    assert anpa.sniff(b"\x16\x16\x01a0412\x1f")
    assert anpa.sniff(b"\x01a0412 \x1fr w BC-x")
    assert not anpa.sniff(b"\x01dpa0123 2 pl 112 dpa 0456\r\n\x02Text")
    assert not anpa.sniff(b"STOCKHOLM, Aug 29, 2014 (AFP) - x")
    assert not anpa.sniff(b"<nitf>")


def test_item_without_stx_is_malformed() -> None:
    with pytest.raises(RejectError) as err:
        anpa.parse(b"\x16\x16\x01a0412\x1f\r\nr w BC-Slug 10-13 0100\r\n", ParseContext(received=RECEIVED))
    assert err.value.reject.reason is Reason.MALFORMED


def test_bad_header_is_a_reject_through_parse_input() -> None:
    result = parse_input(
        b"\x16\x16\x01garbage\x1f\x02^Headline<\r\n\tText\x03", ParseContext(received=RECEIVED)
    )
    assert isinstance(result, Reject)
    assert (result.reason, result.format) == (Reason.MALFORMED, "anpa")


def test_redelivery_is_identical() -> None:
    data = (FIXTURES / "ap-en-writethru.anpa").read_bytes()
    first = anpa.parse(data, ParseContext(received=RECEIVED))[0]
    again = anpa.parse(data, ParseContext(received=datetime(2024, 10, 14, tzinfo=UTC)))[0]
    assert (first.item_id, first.version_rank, first.paragraphs) == (
        again.item_id,
        again.version_rank,
        again.paragraphs,
    )

"""IPTC 7901: every fixture with its exact expected fields, through detection and directly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streams.ingest import ParseContext, iptc7901, parse_input
from streams.ingest.dates import iso
from streams.model import PubStatus, Signal, Story
from streams.rejects import Reason, Reject

FIXTURES = Path(__file__).parent.parent / "fixtures" / "iptc7901"
RECEIVED = datetime(2024, 10, 10, 9, 0, tzinfo=UTC)

EXPECTED: dict[str, list[dict[str, Any]]] = {
    "dpa-de-eil-latin1.7901": [
        {
            "headline": "Bundesregierung beschließt Haushalt für 2025",
            "agency": "dpa",
            "signal": Signal.NEW,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "EIL",
            "urgency": 3,
            "slugline": "Deutschland/Regierung/Haushalt",
            "section": "Politik",
            "versioncreated": "2024-10-10T12:23:00Z",  # 14:23 Berlin summer time
            "embargoed": None,
            "place": "Berlin",
            "byline": None,
            "signature": "dpa kre/su",
            "initials": "kre/su",
            "ednote": None,
            "paragraphs": 2,
            "first": "Das Bundeskabinett hat am Donnerstag den Haushaltsentwurf für 2025 beschlossen. "
            "Finanzminister Christian Lindner (FDP) sprach von einem „Haushalt der Stärke“.",
            "charset": "cp1252",
        }
    ],
    "dpa-de-sperrfrist.7901": [
        {
            "headline": "Ifo-Institut senkt Wachstumsprognose",
            "agency": "dpa",
            "signal": Signal.NEW,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "4",
            "urgency": 5,
            "slugline": "Deutschland/Wirtschaft/Konjunktur",
            "section": "Wirtschaft",
            "versioncreated": "2024-10-09T08:32:00Z",
            "embargoed": "2024-10-10T10:00:00Z",  # 12.00 Uhr Berlin
            "place": "München",
            "byline": "Anna Müller",
            "signature": "dpa ann yyzz n1 sth",
            "initials": "ann yyzz n1 sth",
            "ednote": "# dpa-Notizblock ## Internet - [Ifo-Prognose](https://www.ifo.de)",
            "paragraphs": 2,
            "first": "Das Ifo-Institut erwartet für Deutschland in diesem Jahr ein Schrumpfen",
            "charset": "utf-8",
        }
    ],
    "dpa-de-korrektur-kill.7901": [
        {
            "headline": "Unwetter in Bayern: Zwei Verletzte",
            "agency": "dpa",
            "signal": Signal.CORRECTION,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "4",
            "urgency": 5,
            "slugline": "Unwetter/Bayern",
            "section": "Vermischtes",
            "versioncreated": "2024-06-15T16:45:00Z",
            "embargoed": None,
            "place": "Passau",
            "byline": None,
            "signature": "dpa sm/su",
            "initials": "sm/su",
            "ednote": "(Berichtigung: Ort im zweiten Absatz korrigiert)",
            "paragraphs": 2,
            "first": "Bei heftigen Gewittern in Niederbayern sind zwei Menschen verletzt worden.",
            "charset": "utf-8",
        },
        {
            "headline": "Achtung: Meldung zurückgezogen",
            "agency": "dpa",
            "signal": Signal.KILL,
            "pubstatus": PubStatus.CANCELED,
            "urgency_raw": "1",
            "urgency": 1,
            "slugline": "Unwetter/Bayern",
            "section": "Vermischtes",
            "versioncreated": "2024-06-15T17:02:00Z",
            "embargoed": None,
            "place": None,
            "byline": None,
            "signature": "dpa sm/su",
            "initials": "sm/su",
            "ednote": "Achtung Redaktionen: Die Meldung dpa0397 „Unwetter in Bayern: Ein Toter“ wird "
            "zurückgezogen. Es gibt keinen Toten. Eine berichtigte Fassung folgt.",
            "paragraphs": 0,
            "first": None,
            "charset": "utf-8",
        },
    ],
    "afp-fr-urgent-8859-15.7901": [
        {
            "headline": "Le Premier ministre présente la démission de son gouvernement",
            "agency": "AFP",
            "signal": Signal.NEW,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "URGENT",
            "urgency": 3,
            "slugline": "France-politique-gouvernement",
            "section": "Politique",
            "versioncreated": "2024-07-10T12:23:00Z",
            "embargoed": None,
            "place": "Paris",
            "byline": None,
            "signature": "jmg/ph/ts",
            "initials": "jmg/ph/ts",
            "ednote": None,
            "paragraphs": 1,
            "first": "Le Premier ministre a remis jeudi la démission de son gouvernement, mettant fin à une "
            "œuvre de 15 mois et à un budget de 450 millions €.",
            "charset": "iso-8859-15",
        }
    ],
    "efe-es-flash.7901": [
        {
            "headline": "",
            "agency": "EFE",
            "signal": Signal.NEW,
            "pubstatus": PubStatus.USABLE,
            "urgency_raw": "FLASH",
            "urgency": 1,
            "slugline": "España-Gobierno",
            "section": "Nacional",
            "versioncreated": "2018-12-09T11:23:00Z",  # 12:23 Madrid winter time, trailer after ETX
            "embargoed": None,
            "place": "Madrid",
            "byline": None,
            "signature": "EFE ja/pd",
            "initials": "ja/pd",
            "ednote": None,
            "paragraphs": 1,
            "first": "El presidente del Gobierno anunció este lunes elecciones anticipadas para el próximo "
            "mes de febrero. ¿Sorpresa? ¡Sí!",
            "charset": "utf-8",
        }
    ],
}


def check(story: Story, exp: dict[str, Any]) -> None:
    assert story.headline == exp["headline"]
    assert story.agency == exp["agency"]
    assert story.signal is exp["signal"]
    assert story.pubstatus is exp["pubstatus"]
    assert (story.urgency_raw, story.urgency) == (exp["urgency_raw"], exp["urgency"])
    assert story.slugline == exp["slugline"]
    assert story.section == exp["section"]
    assert iso(story.versioncreated) == exp["versioncreated"]
    assert iso(story.embargoed) == exp["embargoed"]
    assert (story.dateline.place if story.dateline else None) == exp["place"]
    assert story.byline == exp["byline"]
    assert (story.signature, story.initials) == (exp["signature"], exp["initials"])
    assert story.ednote == exp["ednote"]
    assert len(story.paragraphs) == exp["paragraphs"]
    if exp["first"] is not None:
        assert story.paragraphs[0].startswith(exp["first"])
    assert story.provenance.charset == exp["charset"]
    assert story.provenance.format == "iptc7901"
    everything = " ".join([story.headline, *story.paragraphs, story.ednote or "", story.slugline or ""])
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in everything)
    for leftover in ("Sperrfrist", "(Foto", "dpa-Notizblock", "(Eil)", "URGENT", "FLASH"):
        assert leftover not in " ".join([story.headline, *story.paragraphs])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_through_parse_input(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    # The dpa urgent is declared Latin-1 (it is cp1252-compatible bytes).
    headers = {"content-type": "text/plain; charset=iso-8859-1"} if "latin1" in name else {}
    result = parse_input(data, ParseContext(filename=name, received=RECEIVED, headers=headers))
    assert isinstance(result, list), result
    assert len(result) == len(EXPECTED[name])
    for index, (story, exp) in enumerate(zip(result, EXPECTED[name], strict=True)):
        check(story, exp)
        assert story.provenance.item == index


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_directly(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    assert iptc7901.sniff(data[:4096])
    stories = iptc7901.parse(data, ParseContext(received=RECEIVED))
    for story, exp in zip(stories, EXPECTED[name], strict=True):
        check(story, exp)


def test_header_is_kept_in_annotations() -> None:
    story = iptc7901.parse(
        (FIXTURES / "dpa-de-eil-latin1.7901").read_bytes(), ParseContext(received=RECEIVED)
    )[0]
    assert story.annotations["iptc7901"] == {
        "service": "dpa",
        "sequence": "0123",
        "priority": "2",
        "department": "pl",
        "words": 112,
        "agency": "dpa",
        "agency_sequence": "0456",
    }
    assert story.provenance.original_times == {"trailer": "101423 Okt 24"}


def test_photo_line_is_metadata() -> None:
    story = iptc7901.parse(
        (FIXTURES / "dpa-de-sperrfrist.7901").read_bytes(), ParseContext(received=RECEIVED)
    )[0]
    assert story.annotations["photo_lines"] == ["(Foto: Sven Hoppe/dpa)"]
    assert story.provenance.original_times["embargo"] == "10. Oktober, 12.00 Uhr"


@pytest.mark.parametrize(
    ("marker", "raw", "urgency"),
    [
        ("D'URGENCE:", "D'URGENCE", 3),
        ("(Blitz)", "BLITZ", 1),
        ("FLASH:", "FLASH", 1),
        ("URGENT:", "URGENT", 3),
    ],
)
def test_urgency_markers_with_bel(marker: str, raw: str, urgency: int) -> None:
    data = (
        f"\x01ATS0101 3 POL 0040 ATS 0101\r\nSuisse-politique\r\n\x02{marker} Le Conseil fédéral démissionne"
        + "\x07" * 10
        + "\r\n\r\n   Berne (ats) Le Conseil fédéral a démissionné.\r\n\x03\x7f\x7f\x04"
    ).encode()
    story = iptc7901.parse(data, ParseContext(received=RECEIVED))[0]
    assert (story.headline, story.urgency_raw, story.urgency) == (
        "Le Conseil fédéral démissionne",
        raw,
        urgency,
    )
    assert story.agency == "ATS"
    assert story.paragraphs == ["Le Conseil fédéral a démissionné."]


def test_sniff_is_specific() -> None:
    assert iptc7901.sniff(b"\x01dpa0123 2 pl 112 dpa 0456\r\nSlug\r\n\x02Text")
    assert not iptc7901.sniff(b"\x01dpa0123 2 pl 112 dpa 0456\r\nSlug without STX")
    assert not iptc7901.sniff(b"Berlin (dpa) - Text")
    assert not iptc7901.sniff(b"\x16\x16\x01a0412\x1f")


def test_bad_header_is_a_reject() -> None:
    data = b"\x01\x02Text without header\x03"
    result = parse_input(data, ParseContext(received=RECEIVED), forced_format="iptc7901")
    assert isinstance(result, Reject)
    assert (result.reason, result.format) == (Reason.MALFORMED, "iptc7901")

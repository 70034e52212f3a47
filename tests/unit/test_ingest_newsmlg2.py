"""NewsML-G2: newsMessage/itemSet, bare newsItem, packageItem as a reference."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.ingest import ParseContext, newsmlg2, parse_input
from streams.model import PubStatus, Signal, Story
from streams.rejects import Reason, Reject, RejectError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "newsmlg2"


def load(name: str) -> list[Story]:
    result = parse_input((FIXTURES / name).read_bytes(), ParseContext(filename=name))
    assert isinstance(result, list), result
    assert all(s.provenance.format == "newsmlg2" for s in result)
    return result


def test_news_message_with_item_and_package() -> None:
    item, package = load("afp-fr-newsmessage-itemset.xml")
    assert item.item_id == "urn:newsml:afp.com:20240710:TX-PAR-ABC12"
    assert (item.version, item.signal, item.pubstatus) == ("5", Signal.UPDATE, PubStatus.USABLE)
    assert item.agency == "AFP"
    assert item.is_reference is False
    assert item.headline == "Matignon : Gabriel Attal présente la démission de son gouvernement"
    assert item.versioncreated == datetime(2024, 7, 10, 12, 30, tzinfo=UTC)
    assert item.firstcreated == datetime(2024, 7, 10, 9, 2, tzinfo=UTC)
    assert item.urgency == 3
    assert item.language == "fr"
    assert item.slugline == "France-politique-gouvernement"
    assert item.byline == "Anne Martin"
    assert item.section == "France"
    assert item.dateline is not None
    assert (item.dateline.place, item.dateline.date) == ("Paris", "10 juil 2024")
    assert [(p.name, p.literal) for p in item.places] == [("Paris", "geoloc:2988507")]
    assert [(s.literal, s.uri, s.name, s.creator) for s in item.subjects] == [
        ("medtop:11000000", "http://cv.iptc.org/newscodes/mediatopic/11000000", "politique", "AFP"),
        ("subj:11003000", "http://cv.iptc.org/newscodes/subjectcode/11003000", "élections", "AFP"),
    ]
    assert item.keywords == ["gouvernement", "Assemblée"]
    assert item.paragraphs == [
        "Gabriel Attal a remis mercredi sa démission au président Emmanuel Macron, qui l'a acceptée.",
        "Le gouvernement reste chargé des affaires courantes.",
        "Premier point",
        "Second point",
    ]
    assert item.body_html == (
        "<p>Gabriel Attal a remis mercredi sa démission au président Emmanuel Macron, qui l'a acceptée.</p>"
        "<p>Le gouvernement reste chargé des <b>affaires courantes</b>.</p>"
        "<ul><li>Premier point</li><li>Second point</li></ul>"
    )
    assert [c.text for c in item.captions] == ["Gabriel Attal à Matignon, le 10 juillet 2024"]
    assert (
        item.ednote
        == "Ne pas publier : vérification en cours\nNouvelle version : ajoute réaction du ministre, § 3"
    )

    assert package.is_reference is True
    assert package.item_id == "urn:newsml:afp.com:20240710:PKG-FRA-001"
    assert package.headline == "Dossier : crise politique en France"
    assert package.paragraphs == []
    assert package.annotations["references"] == ["urn:newsml:afp.com:20240710:TX-PAR-ABC12"]


def test_reuters_correction_huge_version() -> None:
    [s] = load("reuters-en-correction.xml")
    assert s.item_id == "tag:reuters.com,2024:newsml_L1N3JK0AB"
    assert s.agency == "Reuters"
    assert (s.version, s.version_rank) == ("1729684511000", 1729684511000)
    assert s.signal is Signal.CORRECTION
    assert s.headline == "Tesla profit beats estimates as costs fall"
    assert s.annotations["headline_prefix"] == "CORRECTED-UPDATE 1-"
    assert s.versioncreated == datetime(2024, 10, 23, 11, 55, 11, tzinfo=UTC)
    assert s.provenance.original_times["versionCreated"] == "2024-10-23T11:55:11.000Z"
    assert s.byline == "Akash Sriram"
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("SAN FRANCISCO", "Oct 23")
    assert s.ednote == "Corrects company name in paragraph 2"
    assert len(s.paragraphs) == 2 and s.paragraphs[0].startswith("SAN FRANCISCO, Oct 23 (Reuters) - Tesla")
    assert s.signature == "Reporting by Akash Sriram; Editing by Peter Henderson"
    assert [x.uri for x in s.subjects] == ["http://cv.iptc.org/newscodes/mediatopic/04000000"]


def test_dpa_canceled_inline_text() -> None:
    [s] = load("dpa-de-canceled.xml")
    assert (s.signal, s.pubstatus) == (Signal.KILL, PubStatus.CANCELED)
    assert (s.agency, s.version) == ("dpa", "4")
    assert s.headline == "Großbrand in Hamburger Hafen"
    assert s.versioncreated == datetime(2024, 11, 5, 15, 20, tzinfo=UTC)
    assert s.paragraphs == [
        "Hamburg (dpa) - Im Hamburger Hafen ist am Dienstag ein Großbrand ausgebrochen.",
        "Die Feuerwehr ist mit 120 Einsatzkräften vor Ort.",
    ]
    assert s.ednote == "Die Meldung wird zurückgezogen. Bitte nicht mehr verwenden."
    assert s.language == "de"


def test_efe_urgent_embargoed_without_headline() -> None:
    [s] = load("efe-es-embargo-urgent.xml")
    assert s.embargoed == datetime(2024, 12, 3, 23, 0, tzinfo=UTC)
    assert (s.urgency, s.language) == (1, "es")
    assert s.annotations["headline_source"] == "body"
    assert s.headline == (
        "El Gobierno de Colombia y el ELN firmaron un acuerdo de alto el fuego bilateral de seis meses que…"
    )
    assert len(s.headline) <= 101
    assert s.paragraphs[0].startswith("Bogotá, 3 dic (EFE).- El Gobierno de Colombia")
    assert len(s.paragraphs) == 1
    assert s.ednote == "Nota a los editores: embargado hasta las 00.00 horas del 4 de diciembre."
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("Bogotá", "3 dic")


def test_withheld_bom_and_wrong_declared_charset() -> None:
    [s] = load("afp-fr-withheld-bom-utf8.xml")
    assert s.pubstatus is PubStatus.WITHHELD
    assert s.signal is Signal.NEW
    assert s.annotations["signals"] == ["edStat:N"]
    assert s.headline == "Les électeurs américains face à l’inflation"
    assert s.paragraphs == [
        "L’inflation reste la première préoccupation des électeurs, selon un sondage publié mardi."
    ]
    assert (s.version, s.version_rank) == ("0", 1731398400)
    assert s.versioncreated == datetime(2024, 11, 12, 8, 0, tzinfo=UTC)


def test_direct_call_sniff_and_rejects() -> None:
    data = (FIXTURES / "dpa-de-canceled.xml").read_bytes()
    assert newsmlg2.sniff(data[:4096])
    assert newsmlg2.sniff(b'<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>')
    assert not newsmlg2.sniff(b"<NewsML/>")
    assert newsmlg2.parse(data, ParseContext())[0].item_id == "urn:newsml:dpa.com:20090101:241105-99-774411"
    with pytest.raises(RejectError) as exc:
        newsmlg2.parse(b"<newsMessage><itemSet/></newsMessage>", ParseContext())
    assert exc.value.reject.reason is Reason.NO_CONTENT
    result = parse_input(b"<newsMessage><itemSet/></newsMessage>")
    assert isinstance(result, Reject) and (result.reason, result.format) == (Reason.NO_CONTENT, "newsmlg2")

"""NewsML 1.2: NewsItems with NITF inside DataContent, several per file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.ingest import ParseContext, newsml1, parse_input
from streams.model import PubStatus, Signal, Story
from streams.rejects import Reason, Reject, RejectError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "newsml1"


def load(name: str) -> list[Story]:
    result = parse_input((FIXTURES / name).read_bytes(), ParseContext(filename=name))
    assert isinstance(result, list), result
    assert all(s.provenance.format == "newsml1" for s in result)
    return result


def test_two_news_items_in_one_file() -> None:
    first, second = load("afp-fr-two-items.xml")
    assert [s.provenance.item for s in (first, second)] == [0, 1]
    assert first.item_id == "afp.com:TX-PAR-JKL01"
    assert (first.version, first.signal, first.pubstatus) == ("1", Signal.NEW, PubStatus.USABLE)
    assert first.headline == "Tour de France : Pogacar s'impose au Plateau de Beille"
    assert first.agency == "AFP"
    assert first.language == "fr"
    assert first.urgency == 4
    assert first.firstcreated == datetime(2024, 7, 15, 6, 25, tzinfo=UTC)
    assert first.versioncreated == datetime(2024, 7, 15, 6, 25, tzinfo=UTC)
    assert first.provenance.original_times["ThisRevisionCreated"] == "20240715T082500+0200"
    assert first.byline == "Jean Dupont"
    assert first.slugline == "Tour-cyclisme-FRA"
    assert first.dateline is not None
    assert (first.dateline.place, first.dateline.date) == ("Plateau de Beille (France)", "14 juil 2024")
    assert len(first.paragraphs) == 2
    assert first.paragraphs[0].startswith("Le Slovène Tadej Pogacar a remporté dimanche")
    assert [(c.text, c.credit) for c in first.captions] == [
        (
            "Tadej Pogacar franchit la ligne d'arrivée au Plateau de Beille, le 14 juillet 2024",
            "AFP / Marco Bertorello",
        )
    ]
    assert "franchit" not in first.body_text  # the photo component is not body
    assert (first.signature, first.initials) == ("jd/ol", "jd/ol")
    assert first.keywords == ["cyclisme"]
    assert [(s.literal, s.uri) for s in first.subjects] == [
        ("subj:15000000", "http://cv.iptc.org/newscodes/subjectcode/15000000"),
        ("subj:15076000", "http://cv.iptc.org/newscodes/subjectcode/15076000"),
    ]

    assert second.item_id == "afp.com:TX-PAR-JKL02"
    assert (second.version, second.signal) == ("2", Signal.UPDATE)
    assert second.urgency == 3
    assert second.headline == "Législatives : le Nouveau Front populaire peine à désigner un Premier ministre"
    assert second.versioncreated == datetime(2024, 7, 15, 6, 29, tzinfo=UTC)
    assert second.firstcreated == datetime(2024, 7, 15, 5, 0, tzinfo=UTC)
    assert [(s.literal, s.uri, s.creator) for s in second.subjects] == [
        ("medtop:11000000", "http://cv.iptc.org/newscodes/mediatopic/11000000", "AFP")
    ]
    assert second.paragraphs == [
        "Les partis de gauche n'étaient toujours pas parvenus lundi matin à s'entendre sur un nom."
    ]


def test_afp_correction_with_unchanged_revision() -> None:
    [s] = load("afp-en-correction-rev1.xml")
    assert (s.item_id, s.version) == ("afp.com:TX-SGE-XYZ77", "1")
    assert s.signal is Signal.CORRECTION  # AdvisoryLine CORRECTS + Version=Correction
    assert s.ednote == "CORRECTS age of suspect in para 2"
    assert s.headline == "Sweden to tighten gun laws after school shooting"
    assert s.language == "en"
    assert s.dateline is not None
    assert (s.dateline.place, s.dateline.date) == ("STOCKHOLM", "Aug 29, 2024")
    assert s.versioncreated == datetime(2024, 8, 29, 10, 15, tzinfo=UTC)
    assert s.firstcreated == datetime(2024, 8, 29, 9, 40, tzinfo=UTC)
    # same RevisionId as the original: the later revision time still ranks it higher
    original_rank = 1 * 10**10 + int(datetime(2024, 8, 29, 9, 40, tzinfo=UTC).timestamp())
    assert s.version_rank is not None and s.version_rank > original_rank
    assert len(s.paragraphs) == 2 and s.paragraphs[1].startswith("The suspect, aged 20")


def test_dpa_canceled_plain_text_data_content() -> None:
    [s] = load("dpa-de-canceled.xml")
    assert (s.signal, s.pubstatus) == (Signal.KILL, PubStatus.CANCELED)
    assert (s.agency, s.item_id, s.version) == ("dpa", "dpa.de:dpa-bdt-241003-99-512", "2")
    assert s.headline == "Bahnstreik in Bayern angekündigt"
    assert s.versioncreated == datetime(2024, 10, 3, 10, 10, tzinfo=UTC)  # naive, Berlin
    assert s.urgency == 2
    assert s.language == "de"
    assert s.paragraphs == ["Bitte nicht verwenden: Die Meldung wird zurückgezogen."]
    assert s.ednote == "Anm. d. Red.: Die Gewerkschaft hat den Streikaufruf dementiert."
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("München", None)


def test_efe_structured_embargo() -> None:
    [s] = load("efe-es-embargo.xml")
    assert (s.agency, s.item_id) == ("EFE", "efe.com:EFE-4510987")
    assert s.embargoed == datetime(2024, 9, 20, 22, 1, tzinfo=UTC)
    assert s.pubstatus is PubStatus.USABLE
    assert s.headline == "Un estudio vincula el calor extremo con más ingresos hospitalarios"
    assert s.byline == "Ana García"
    assert s.language == "es"
    assert s.urgency == 5
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("Madrid", "20 sep")
    assert len(s.paragraphs) == 2 and s.paragraphs[0].startswith("Madrid, 20 sep (EFE).- Las olas de calor")
    assert [x.literal for x in s.subjects] == ["subj:07000000"]


def test_urgent_without_headline_declared_latin1_holding_utf8() -> None:
    [s] = load("afp-fr-urgent-utf8-as-latin1.xml")
    assert s.provenance.charset == "utf-8"
    assert (s.urgency, s.urgency_raw) == (1, "1")
    assert s.headline == "Décès annoncé d'un ancien sénateur américain, selon la chaîne CNN."
    assert s.annotations["headline_source"] == "body"
    assert s.paragraphs == [
        "WASHINGTON, 5 nov 2024 (AFP) - Décès annoncé d'un ancien sénateur américain, selon la chaîne CNN."
    ]
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("WASHINGTON", "5 nov 2024")
    assert s.versioncreated == datetime(2024, 11, 5, 21, 45, tzinfo=UTC)  # Paris winter time


def test_direct_call_sniff_and_rejects() -> None:
    data = (FIXTURES / "efe-es-embargo.xml").read_bytes()
    assert newsml1.sniff(data[:4096])
    assert not newsml1.sniff(b"<nitf/>")
    assert len(newsml1.parse(data, ParseContext())) == 1
    with pytest.raises(RejectError) as exc:
        newsml1.parse(b'<NewsML Version="1.2"/>', ParseContext())
    assert exc.value.reject.reason is Reason.NO_CONTENT
    result = parse_input(b'<NewsML Version="1.2"><NewsItem><Identification/></NewsItem></NewsML>')
    assert isinstance(result, Reject) and result.reason is Reason.MALFORMED

"""NITF 3.x: every fixture's fields, through parse_input (detection) and directly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.ingest import ParseContext, nitf, parse_input
from streams.model import PubStatus, Signal, Story
from streams.rejects import Reason, Reject, RejectError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "nitf"
CONTROL = {chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), *range(0x7F, 0xA0)]}


def load(name: str) -> list[Story]:
    result = parse_input((FIXTURES / name).read_bytes(), ParseContext(filename=name))
    assert isinstance(result, list), result
    for story in result:
        assert story.provenance.format == "nitf"
        strings = [story.headline, *story.paragraphs, story.body_html or "", story.ednote or ""]
        assert not any(ch in CONTROL for s in strings for ch in s)
    return result


def test_afp_french_first_version() -> None:
    [s] = load("afp-fr-canicule.xml")
    assert s.agency == "AFP"
    assert s.item_id == "TX-PAR-HYQ42"
    assert (s.version, s.signal, s.pubstatus) == ("1", Signal.NEW, PubStatus.USABLE)
    assert s.headline == "Canicule : la France en vigilance rouge"
    assert s.subheadline == "Quatorze départements concernés"
    # naive time, read in Paris summer time
    assert s.versioncreated == datetime(2024, 7, 10, 12, 30, tzinfo=UTC)
    assert s.provenance.original_times["date.issue"] == "20240710T143000"
    assert (s.urgency, s.urgency_raw) == (3, "3")
    assert s.language == "fr"
    assert s.section == "France"
    assert s.slugline == "France-météo-canicule"
    assert s.byline == "Marie Durand"
    assert s.dateline is not None
    assert (s.dateline.place, s.dateline.date) == ("PARIS", "10 juil 2024")
    assert len(s.paragraphs) == 4  # empty lead <p/> dropped, <hl2> kept as a subhead
    assert s.paragraphs[0].startswith("PARIS, 10 juil 2024 (AFP) - Météo-France a placé")
    assert "depuis l'été 2019" in s.paragraphs[0]  # &eacute; without a DTD
    assert s.paragraphs[2] == "Écoles fermées"
    assert [(c.text, c.credit) for c in s.captions] == [
        ("Un thermomètre affiche 41 °C à Lyon, le 10 juillet 2024", "AFP / Jeff Pachoud")
    ]
    assert s.ednote == "Photo disponible sur ImageForum"
    assert (s.signature, s.initials) == ("hh/ph", "hh/ph")
    assert s.keywords == ["canicule", "météo"]
    assert [(x.literal, x.uri, x.name, x.creator) for x in s.subjects] == [
        ("subj:17000000", "http://cv.iptc.org/newscodes/subjectcode/17000000", "Météo", "AFP"),
        ("medtop:20000446", "http://cv.iptc.org/newscodes/mediatopic/20000446", "canicule", "AFP"),
    ]
    assert s.provenance.charset == "utf-8"  # declared iso-8859-1, bytes are UTF-8


def test_afp_body_html_is_sanitized() -> None:
    [s] = load("afp-fr-canicule.xml")
    html = s.body_html or ""
    assert "« Nous entrons dans une phase <em>critique</em> »" in html
    assert '<a href="https://www.meteofrance.com/">de l\'institut</a>' in html
    assert "<h2>Écoles fermées</h2>" in html
    for bad in ("script", "alert", "onclick", "evil", "media", "ImageForum", "hh/ph"):
        assert bad not in html


def test_ap_correction_embargo_and_eds_note() -> None:
    [s] = load("ap-en-correction.xml")
    assert (s.agency, s.item_id, s.version) == ("AP", "a1b2c3d4e5", "2")
    assert s.signal is Signal.CORRECTION
    assert s.headline == "Argentina-Economy story"
    assert s.annotations["headline_prefix"] == "Correction:"
    assert s.annotations["correction_info"] == "Corrects spelling of minister's name"
    assert s.versioncreated == datetime(2024, 7, 11, 13, 15, tzinfo=UTC)
    assert s.embargoed == datetime(2024, 7, 11, 16, 0, tzinfo=UTC)
    assert s.pubstatus is PubStatus.USABLE
    assert s.language == "en"
    assert s.urgency == 5
    assert s.byline == "DANIEL POLITI"
    assert s.dateline is not None
    assert (s.dateline.raw, s.dateline.place, s.dateline.date) == (
        "BUENOS AIRES, Argentina (AP) _",
        "BUENOS AIRES",
        None,
    )
    assert len(s.paragraphs) == 3
    assert s.paragraphs[0].startswith("BUENOS AIRES, Argentina (AP) _ Argentina's inflation slowed")
    assert s.paragraphs[2] == "Analysts at JPMorgan & Co. expect further declines."  # double escaping
    assert s.ednote is not None and s.ednote.startswith("Eds: Embargoed until noon EDT.")
    assert "Eds:" not in s.body_text


def test_dpa_urgent_cp1252_without_headline() -> None:
    [s] = load("dpa-de-urgent-cp1252.xml")
    assert s.provenance.charset == "cp1252"
    assert (s.agency, s.item_id, s.version) == ("dpa", "dpa-urn-2024-07-10-bln-1187", "0")
    assert s.signal is Signal.NEW  # version 0 is a first version
    assert (s.urgency, s.urgency_raw) == (1, "1")
    assert s.annotations["headline_source"] == "body"
    assert s.headline == (
        "Die Ampel-Koalition hat sich nach monatelangem Streit auf den Haushalt für 2025 geeinigt, wie die…"
    )
    assert (
        s.paragraphs[1]
        == "„Das ist ein guter Tag“, sagte ein Sprecher – die Opposition sprach von ’Trickserei’."
    )
    assert s.paragraphs[2:] == ["Ressort Mrd Euro", "Verteidigung 53,3"]  # <pre> table, line by line
    assert len(s.paragraphs) == 4
    # Sperrfrist only in the text: Berlin summer time → UTC, and out of the body
    assert s.embargoed == datetime(2024, 7, 11, 4, 0, tzinfo=UTC)
    assert s.annotations["embargo_source"] == "text"
    assert s.ednote == (
        "Sperrfrist: 11. Juli 2024, 06.00 Uhr\n# dpa-Notizblock: Redaktionelle Hinweise nicht zur Veröffentlichung"
    )
    assert "Sperrfrist" not in (s.body_html or "") and "Notizblock" not in s.body_text
    assert s.byline == "Hans Muster"
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("Berlin", None)
    assert (s.signature, s.initials) == ("dpa kre/su", "kre/su")
    assert s.versioncreated == datetime(2024, 7, 10, 15, 12, tzinfo=UTC)


def test_efe_spanish_kill() -> None:
    [s] = load("efe-es-kill.xml")
    assert (s.agency, s.item_id, s.version) == ("EFE", "EFE-20240712-MAD-0231", "3")
    assert (s.signal, s.pubstatus) == (Signal.KILL, PubStatus.CANCELED)
    assert s.headline == "El Gobierno aprueba la reforma de la ley de vivienda"
    assert s.language == "es"
    assert s.versioncreated == datetime(2024, 7, 12, 8, 15, tzinfo=UTC)
    assert s.dateline is not None and (s.dateline.place, s.dateline.date) == ("Madrid", "12 jul")
    assert s.ednote == "ANULADA. Esta noticia no debe publicarse."
    assert len(s.paragraphs) == 1 and s.paragraphs[0].startswith("Madrid, 12 jul (EFE).- El Consejo")


def test_cancel_of_an_earlier_document_targets_that_document() -> None:
    [s] = load("reuters-en-cancel-idref.xml")
    assert s.item_id == "RTR-LDN-88812"
    assert s.annotations["own_doc_id"] == "RTR-LDN-88850"
    assert (s.signal, s.pubstatus, s.agency) == (Signal.KILL, PubStatus.CANCELED, "Reuters")
    assert s.versioncreated == datetime(2024, 7, 12, 16, 40, tzinfo=UTC)


def test_version_rank_orders_versions_and_same_version_by_time() -> None:
    [v1] = load("afp-fr-canicule.xml")
    [v2] = load("ap-en-correction.xml")
    assert v1.version_rank == 1 * 10**10 + 1720614600
    assert v2.version_rank == 2 * 10**10 + 1720703700
    [zero] = load("dpa-de-urgent-cp1252.xml")
    assert zero.version_rank == 1720624320


def test_direct_call_and_sniff() -> None:
    data = (FIXTURES / "efe-es-kill.xml").read_bytes()
    assert nitf.sniff(data.lstrip()[:4096])
    assert not nitf.sniff(b'<?xml version="1.0"?><NewsML/>')
    [story] = nitf.parse(data, ParseContext())
    assert story.item_id == "EFE-20240712-MAD-0231"


def test_wrong_root_and_empty_document_are_rejected() -> None:
    with pytest.raises(RejectError) as exc:
        nitf.parse(b"<other/>", ParseContext())
    assert exc.value.reject.reason is Reason.MALFORMED
    result = parse_input(b"<nitf><head/><body/></nitf>")
    assert isinstance(result, Reject) and result.reason is Reason.NO_CONTENT
    broken = parse_input(b"<nitf><body><p>unclosed</body></nitf>")
    assert isinstance(broken, Reject) and broken.reason is Reason.XML_SYNTAX

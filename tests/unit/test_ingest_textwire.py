"""Plain-text agency wires: every fixture with its exact expected fields; datelines; markers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streams.ingest import ParseContext, parse_input, textwire
from streams.ingest.dates import iso
from streams.ingest.detect import detect
from streams.model import PubStatus, Signal, Story
from streams.rejects import Reason, Reject, RejectError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "textwire"
SEED = Path("/work/shared/seed/afp-fr-russie-syrie.txt")
RECEIVED = datetime(2024, 10, 10, 9, 0, tzinfo=UTC)

EXPECTED: dict[str, dict[str, Any]] = {
    "afp-en-stockholm.txt": {
        "headline": "Sweden: police arrest man over Malmo mosque fire",
        "agency": "AFP",
        "signal": Signal.NEW,
        "urgency": (None, None),
        "version_rank": None,
        "embargoed": None,
        "dateline": ("STOCKHOLM, Aug 29, 2014 (AFP) -", "STOCKHOLM", "Aug 29, 2014"),
        "byline": None,
        "signature": ("hh/ph/ts", "hh/ph/ts"),
        "ednote": None,
        "paragraphs": 3,
        "first": "Swedish police said Friday they had arrested a 34-year-old man suspected of setting fire",
        "charset": "utf-8",
    },
    "afp-fr-paris-cp1252.txt": {
        "headline": "Le gouvernement lance le « grand débat national »",
        "agency": "AFP",
        "signal": Signal.NEW,
        "urgency": (None, None),
        "version_rank": None,
        "embargoed": None,
        "dateline": ("Paris, 21 jan 2019 (AFP) -", "Paris", "21 jan 2019"),
        "byline": None,
        "signature": ("jmg/ph/cac", "jmg/ph/cac"),
        "ednote": None,
        "paragraphs": 3,
        "first": "Le gouvernement a lancé lundi le « grand débat national », qui doit durer deux mois, "
        "a annoncé l’Élysée.",
        "charset": "cp1252",
    },
    "afp-fr-strasbourg-kill.txt": {
        "headline": "Strasbourg: le Parlement européen adopte la loi sur l'IA",
        "agency": "AFP",
        "signal": Signal.KILL,
        "urgency": (None, None),
        "version_rank": None,
        "embargoed": None,
        "dateline": ("Strasbourg, 10 juil 2024 (AFP)", "Strasbourg", "10 juil 2024"),
        "byline": None,
        "signature": ("ab/ph", "ab/ph"),
        "ednote": None,
        "paragraphs": 1,
        "first": "Notre dépêche sur le vote de la loi sur l'IA est annulée. Le vote a été reporté.",
        "charset": "utf-8",
    },
    "ap-es-buenos-aires.txt": {
        "headline": "Milei anuncia recorte del gasto público",
        "agency": "AP",
        "signal": Signal.NEW,
        "urgency": (None, None),
        "version_rank": None,
        "embargoed": None,
        "dateline": ("BUENOS AIRES, Argentina (AP) _", "BUENOS AIRES", None),
        "byline": "DÉBORA REY",
        "signature": (None, None),
        "ednote": "EDITOR'S NOTE: Contains language some readers may find offensive.",
        "paragraphs": 2,
        "first": "El presidente argentino, Javier Milei, anunció el martes un recorte del gasto público del "
        "5%. ¿Alcanzará? «Sí», dijo el ministro de Economía.",
        "charset": "utf-8",
    },
    "ats-fr-2nd-lead.txt": {
        "headline": "Climat: la Suisse relève son objectif",
        "agency": "ATS",
        "signal": Signal.UPDATE,
        "urgency": (None, None),
        "version_rank": 2,
        "embargoed": None,
        "dateline": ("Paris (ats afp)", "Paris", None),
        "byline": None,
        "signature": (None, None),
        "ednote": None,
        "paragraphs": 2,
        "first": "La Suisse a relevé mardi son objectif de réduction des émissions de CO2, a annoncé",
        "charset": "utf-8",
    },
    "kyodo-en-embargo.txt": {
        "headline": "Japan's Saitama to host 2026 chess olympiad",
        "agency": "Kyodo",
        "signal": Signal.NEW,
        "urgency": ("FLASH", 1),
        "version_rank": None,
        # 00:01 Tokyo time on September 9: the year closest to the received time.
        "embargoed": "2024-09-08T15:01:00Z",
        "dateline": ("SAITAMA, Japan, Dec. 9 Kyodo -", "SAITAMA", "Dec. 9"),
        "byline": None,
        "signature": (None, None),
        "ednote": None,
        "paragraphs": 2,
        "first": "Saitama Prefecture will host the 2026 Chess Olympiad, organizers said Monday.",
        "charset": "utf-8",
    },
    "reuters-en-corrected.txt": {
        "headline": "Brazil's Petrobras raises fuel prices",
        "agency": "Reuters",
        "signal": Signal.CORRECTION,
        "urgency": (None, None),
        "version_rank": 2,
        "embargoed": None,
        "dateline": ("SALVADOR, Feb 26 -", "SALVADOR", "Feb 26"),
        "byline": "Anthony Boadle",
        "signature": ("Reuter", None),
        "ednote": "(Corrects percentage in first paragraph to 8% from 6%)",
        "paragraphs": 2,
        "first": "Brazilian state-run oil company Petrobras said on Monday it would raise diesel prices by 8%",
        "charset": "utf-8",
    },
    "dpa-de-berlin-mojibake.txt": {
        "headline": "Bundestag beschließt Heizungsgesetz",
        "agency": "dpa",
        "signal": Signal.NEW,
        "urgency": ("EILMELDUNG", 3),
        "version_rank": None,
        "embargoed": None,
        "dateline": ("Berlin (dpa) -", "Berlin", None),
        "byline": "Anna Müller",
        "signature": ("dpa kre/su", "kre/su"),
        "ednote": "# dpa NOTEBOOK # Internet: www.bundestag.de",
        "paragraphs": 2,
        "first": "Der Bundestag hat am Freitag das umstrittene Heizungsgesetz beschlossen.",
        "charset": "utf-8",
    },
}
# Classic wires end with agency signatures too (`dpa kre/su`, `Reuter`); the webtext sniff,
# earlier in detection order, leaves them alone because they open with a dateline.


def check(story: Story, exp: dict[str, Any]) -> None:
    assert story.headline == exp["headline"]
    assert story.agency == exp["agency"]
    assert story.signal is exp["signal"]
    assert story.pubstatus is (PubStatus.CANCELED if exp["signal"] is Signal.KILL else PubStatus.USABLE)
    assert (story.urgency_raw, story.urgency) == exp["urgency"]
    assert story.version_rank == exp["version_rank"]
    assert iso(story.embargoed) == exp["embargoed"]
    assert story.dateline is not None
    assert (story.dateline.raw, story.dateline.place, story.dateline.date) == exp["dateline"]
    assert story.byline == exp["byline"]
    assert (story.signature, story.initials) == exp["signature"]
    assert story.ednote == exp["ednote"]
    assert len(story.paragraphs) == exp["paragraphs"]
    assert story.paragraphs[0].startswith(exp["first"])
    assert story.provenance.charset == exp["charset"]
    assert story.provenance.format == "textwire"
    assert story.item_id is None  # plain text has no id: normalize derives one from content
    body = " ".join(story.paragraphs)
    for leftover in ("(AFP) -", "(Foto", "NOTEBOOK", "Reuter", "Ã", "hh/ph/ts", "Von Anna", "By Anthony"):
        assert leftover not in body


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_through_parse_input(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    # The cp1252 one is declared UTF-8 by the connector.
    headers = {"content-type": "text/plain; charset=utf-8"} if "cp1252" in name else {}
    forced = None
    result = parse_input(
        data, ParseContext(filename=name, received=RECEIVED, headers=headers), forced_format=forced
    )
    assert isinstance(result, list), result
    assert len(result) == 1
    check(result[0], EXPECTED[name])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detected_as_textwire(name: str) -> None:
    assert detect((FIXTURES / name).read_bytes()) == "textwire"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_directly(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    assert textwire.sniff(data[:4096])
    check(textwire.parse(data, ParseContext(received=RECEIVED))[0], EXPECTED[name])


def test_sniff_leaves_the_seed_to_webtext() -> None:
    assert not textwire.sniff(SEED.read_bytes()[:4096])
    assert detect(SEED.read_bytes()) == "webtext"


def test_sniff_ignores_breadcrumbs_and_plain_prose() -> None:
    assert not textwire.sniff(b"Accueil | Monde | Titre\n\nParis (AFP) - Texte")
    assert not textwire.sniff(b"Just some text.\nWith lines.\nNo dateline (really) - here.")
    assert not textwire.sniff(b"")


@pytest.mark.parametrize(
    ("line", "raw", "place", "date", "agency", "rest"),
    [
        (
            "STOCKHOLM, Aug 29, 2014 (AFP) - Swedish",
            "STOCKHOLM, Aug 29, 2014 (AFP) -",
            "STOCKHOLM",
            "Aug 29, 2014",
            "AFP",
            "Swedish",
        ),
        ("Paris, 21 jan 2019 (AFP) - Le", "Paris, 21 jan 2019 (AFP) -", "Paris", "21 jan 2019", "AFP", "Le"),
        (
            "Strasbourg, 10 juil 2024 (AFP) Les",
            "Strasbourg, 10 juil 2024 (AFP)",
            "Strasbourg",
            "10 juil 2024",
            "AFP",
            "Les",
        ),
        (
            "BUENOS AIRES, Argentina (AP) _ El",
            "BUENOS AIRES, Argentina (AP) _",
            "BUENOS AIRES",
            None,
            "AP",
            "El",
        ),
        ("Berlin (dpa) - Die", "Berlin (dpa) -", "Berlin", None, "dpa", "Die"),
        ("Paris (ats afp) La", "Paris (ats afp)", "Paris", None, "ATS", "La"),
        (
            "SAITAMA, Japan, Dec. 9 Kyodo - Japan's",
            "SAITAMA, Japan, Dec. 9 Kyodo -",
            "SAITAMA",
            "Dec. 9",
            "Kyodo",
            "Japan's",
        ),
        ("SALVADOR, Feb 26 - Brazil's", "SALVADOR, Feb 26 -", "SALVADOR", "Feb 26", None, "Brazil's"),
        ("Madrid, 10 oct (EFE).- El", "Madrid, 10 oct (EFE).-", "Madrid", "10 oct", "EFE", "El"),
        # EFE/AFP name the country or region of a foreign place in parentheses.
        (
            "MÚNICH (Alemania), 8 abr (EFE).- El",
            "MÚNICH (Alemania), 8 abr (EFE).-",
            "MÚNICH",
            "8 abr",
            "EFE",
            "El",
        ),
        (
            "SAN JAVIER (Espagne), 14 juil 2026 (AFP) - La",
            "SAN JAVIER (Espagne), 14 juil 2026 (AFP) -",
            "SAN JAVIER",
            "14 juil 2026",
            "AFP",
            "La",
        ),
        (
            "ATLANTA (EE.UU.), 15 jun (EFE).- La",
            "ATLANTA (EE.UU.), 15 jun (EFE).-",
            "ATLANTA",
            "15 jun",
            "EFE",
            "La",
        ),
        (
            "Frankfurt am Main (dpa) - Der",
            "Frankfurt am Main (dpa) -",
            "Frankfurt am Main",
            None,
            "dpa",
            "Der",
        ),
    ],
)
def test_dateline_styles(
    line: str, raw: str, place: str, date: str | None, agency: str | None, rest: str
) -> None:
    found = textwire.parse_dateline(line, RECEIVED)
    assert found is not None
    assert (found.dateline.raw, found.dateline.place, found.dateline.date) == (raw, place, date)
    assert (found.agency, found.rest) == (agency, rest)


@pytest.mark.parametrize(
    "line",
    [
        "The president said (AFP) - nothing",
        "Le président a déclaré, lundi 3 mars - rien",
        "Elections (2024) - a preview",
        "Paris, a city of light - and of strikes",
    ],
)
def test_not_datelines(line: str) -> None:
    assert textwire.parse_dateline(line, RECEIVED) is None


@pytest.mark.parametrize(
    ("headline", "clean", "signal", "rank", "urgency"),
    [
        ("CORRECTED-UPDATE 2-Brazil's Lula wins", "Brazil's Lula wins", Signal.CORRECTION, 2, None),
        ("REFILE-Oil prices fall", "Oil prices fall", Signal.UPDATE, None, None),
        ("UPDATE 3-Oil prices fall", "Oil prices fall", Signal.UPDATE, 3, None),
        ("2ND LEAD Quake hits Japan", "Quake hits Japan", Signal.UPDATE, 2, None),
        ("Correction: Obit-Smith", "Obit-Smith", Signal.CORRECTION, None, None),
        (
            "URGENT: Le président démissionne\x07\x07\x07",
            "Le président démissionne",
            Signal.NEW,
            None,
            "URGENT",
        ),
        ("FLASH: Quake in Tokyo", "Quake in Tokyo", Signal.NEW, None, "FLASH"),
        ("D'URGENCE: Le Conseil fédéral", "Le Conseil fédéral", Signal.NEW, None, "D'URGENCE"),
        ("(Eil) Bundestag beschließt Haushalt =", "Bundestag beschließt Haushalt", Signal.NEW, None, "EIL"),
        ("Bundestag beschließt Haushalt (Eil) =", "Bundestag beschließt Haushalt", Signal.NEW, None, "EIL"),
        ("(Blitz) Kanzler tritt zurück", "Kanzler tritt zurück", Signal.NEW, None, "BLITZ"),
        ("Haushalt (Berichtigung: 2. Absatz)", "Haushalt", Signal.CORRECTION, None, None),
        ("Haushalt (neu: Reaktionen)", "Haushalt", Signal.UPDATE, None, None),
        ("KILL - Obit-Smith", "Obit-Smith", Signal.KILL, None, None),
        ("Plain headline: no markers", "Plain headline: no markers", Signal.NEW, None, None),
    ],
)
def test_headline_markers(
    headline: str, clean: str, signal: Signal, rank: int | None, urgency: str | None
) -> None:
    markers = textwire.read_markers(headline)
    assert (markers.headline, markers.signal, markers.version_rank, markers.urgency_raw) == (
        clean,
        signal,
        rank,
        urgency,
    )


@pytest.mark.parametrize(
    ("raw", "scale", "expected"),
    [
        ("f", "anpa", 1),
        ("b", "anpa", 2),
        ("u", "anpa", 3),
        ("r", "anpa", 5),
        ("d", "anpa", 7),
        ("1", "iptc7901", 1),
        ("4", "iptc7901", 5),
        ("6", "iptc7901", 7),
        ("1", "afp", 1),
        ("2", "afp", 2),
        ("4", "afp", 5),
        ("URGENT", "word", 3),
        ("Eil", "word", 3),
        ("blitz", "word", 1),
        ("x", "anpa", None),
        (None, "anpa", None),
    ],
)
def test_urgency_scales(raw: str | None, scale: str, expected: int | None) -> None:
    assert textwire.map_urgency(raw, scale) == expected


def test_no_dateline_and_no_prose_is_malformed() -> None:
    with pytest.raises(RejectError) as err:
        textwire.parse(b"A headline\n\nA body without dateline.", ParseContext(received=RECEIVED))
    assert err.value.reject.reason is Reason.MALFORMED


PLAIN = (
    "La natalité continue de baisser en France\n\n"
    "La France a enregistré 636.000 naissances en 2025, un recul de 2 % sur un an, selon les "
    "chiffres publiés mardi.\n\nLe nombre de décès est resté stable.\n"
).encode()


def test_headline_and_prose_without_dateline_is_a_story() -> None:
    # Features, briefs and agencies that do not date-line their copy.
    assert detect(PLAIN) == "textwire"
    result = parse_input(PLAIN, ParseContext(received=RECEIVED))
    assert isinstance(result, list) and len(result) == 1
    story = result[0]
    assert story.headline == "La natalité continue de baisser en France"
    assert story.dateline is None
    assert story.paragraphs == [
        "La France a enregistré 636.000 naissances en 2025, un recul de 2 % sur un an, selon les chiffres publiés mardi.",
        "Le nombre de décès est resté stable.",
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"a,b,c\n1,2,3\n\n4,5,6\n",  # a table
        b"ERROR 12:00:01 disk full\n\nWARN 12:00:02 retry\n",  # a log
        b"Title\n\n- item one\n- item two\n- item three\n",  # a list
        b"Line one\nline two\nline three\nline four\n\nSome prose that goes on and on for more than twelve words here.",
    ],
)
def test_text_that_is_not_a_dispatch_stays_unknown(data: bytes) -> None:
    result = parse_input(data, ParseContext(received=RECEIVED))
    assert isinstance(result, Reject)
    assert result.reason is Reason.UNKNOWN_FORMAT


def test_forced_on_empty_text_is_rejected() -> None:
    result = parse_input(b"   \n\x07\n", ParseContext(received=RECEIVED), forced_format="textwire")
    assert isinstance(result, Reject)


def test_urgent_without_headline() -> None:
    data = "URGENT\nParis, 10 juil 2024 (AFP) - Le Premier ministre a démissionné.\n".encode()
    story = textwire.parse(data, ParseContext(received=RECEIVED))[0]
    assert (story.headline, story.urgency_raw, story.urgency) == ("", "URGENT", 3)
    assert story.paragraphs == ["Le Premier ministre a démissionné."]


def test_redelivery_gives_identical_stories() -> None:
    data = (FIXTURES / "afp-en-stockholm.txt").read_bytes()
    one = textwire.parse(data, ParseContext(received=RECEIVED))[0]
    two = textwire.parse(data.replace(b"\r\n", b"\n"), ParseContext(received=RECEIVED))[0]
    assert (one.headline, one.paragraphs) == (two.headline, two.paragraphs)

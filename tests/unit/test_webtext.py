"""The seed's layout: plain-text web dispatch with breadcrumb, caption, signature."""

from __future__ import annotations

import pytest

from streams.ingest import ParseContext, parse_input
from streams.model import Story
from streams.normalize import normalize
from streams.rejects import Reject

HEADLINE = "La Russie n’enverra pas de troupes au sol en Syrie"


def parse_one(data: bytes, **headers: str) -> Story:
    result = parse_input(data, ParseContext(filename="x.txt", headers=headers))
    assert not isinstance(result, Reject), result
    assert len(result) == 1
    return normalize(result[0])


def test_seed_exact_values(seed_bytes: bytes) -> None:
    story = parse_one(seed_bytes)
    assert story.provenance.format == "webtext"
    assert story.headline == HEADLINE
    assert story.section == "Monde"
    assert story.agency == "AFP"
    assert story.initials == "M.R."
    assert story.signature == "AFP/M.R."
    assert [(c.text, c.credit) for c in story.captions] == [
        ("La ville d'Alep en Syrie après un bombardement.", "AFP")
    ]
    assert len(story.paragraphs) == 6
    assert story.paragraphs[0].startswith("Le président russe Vladimir Poutine")
    assert story.paragraphs[-1].endswith("n’a pas engagé de troupes au sol.")
    assert story.paragraphs[1].startswith("«\u00a0Nous n’envisageons pas de le faire")  # NBSP kept
    # Caption and signature are metadata, never body text.
    assert not any("Photo" in p or "AFP/M.R." in p for p in story.paragraphs)
    assert story.provenance.charset == "utf-8"
    assert story.provenance.filename == "x.txt"
    assert story.provenance.item == 0
    assert len(story.provenance.sha256 or "") == 64


def test_seed_story_id_is_deterministic(seed_bytes: bytes) -> None:
    a = parse_one(seed_bytes)
    b = parse_one(seed_bytes)
    assert a.storyid == b.storyid
    assert a.storyid.startswith("afp-") and len(a.storyid) == 24
    assert a.uri == f"urn:wirefeed:story:{a.storyid}"


def test_same_text_other_line_endings_and_spacing_same_id(seed_bytes: bytes) -> None:
    crlf = seed_bytes.replace(b"\n", b"\r\n")
    spaced = seed_bytes.replace(b"\n\n", b"\n\n\n\n").replace(b". ", b".  ")
    ids = {parse_one(v).storyid for v in (seed_bytes, crlf, spaced)}
    assert len(ids) == 1


def test_different_text_different_id(seed_bytes: bytes) -> None:
    edited = seed_bytes.replace(b"63 cibles", b"64 cibles")
    assert parse_one(edited).storyid != parse_one(seed_bytes).storyid


def test_crlf_line_endings(seed_bytes: bytes) -> None:
    story = parse_one(seed_bytes.replace(b"\n", b"\r\n"))
    assert story.headline == HEADLINE
    assert len(story.paragraphs) == 6
    assert not any("\r" in p for p in story.paragraphs)
    assert story.initials == "M.R."


def test_extra_blank_lines_and_trailing_spaces(seed_bytes: bytes) -> None:
    messy = b"\n\n  " + seed_bytes.replace(b"\n\n", b"\n   \n\n \n") + b"\n\n\n"
    story = parse_one(messy)
    assert story.headline == HEADLINE
    assert story.section == "Monde"
    assert len(story.paragraphs) == 6
    assert story.captions[0].credit == "AFP"


def test_without_caption(seed_bytes: bytes) -> None:
    data = seed_bytes.replace("La ville d'Alep en Syrie après un bombardement. (Photo : AFP)\n".encode(), b"")
    story = parse_one(data)
    assert story.captions == []
    assert len(story.paragraphs) == 6
    assert story.paragraphs[0].startswith("Le président russe")


def test_without_breadcrumb(seed_bytes: bytes) -> None:
    data = seed_bytes.split(b"\n", 1)[1]
    story = parse_one(data)
    assert story.section is None
    assert story.headline == HEADLINE
    assert story.agency == "AFP"
    assert len(story.paragraphs) == 6


@pytest.mark.parametrize(
    ("signature", "agency", "initials"),
    [
        ("Reuters", "Reuters", None),
        ("(Reuters)", "Reuters", None),
        ("dpa", "dpa", None),
        ("dpa kre/su", "dpa", "kre/su"),
        ("AFP", "AFP", None),
        ("EFE/JL", "EFE", "JL"),
    ],
)
def test_other_agency_signatures(
    seed_bytes: bytes, signature: str, agency: str, initials: str | None
) -> None:
    data = seed_bytes.replace(b"AFP/M.R.", signature.encode())
    story = parse_one(data)
    assert story.agency == agency
    assert story.initials == initials
    assert story.signature == signature
    assert len(story.paragraphs) == 6
    assert story.storyid.startswith(agency.lower() + "-")


def test_german_layout_with_foto_credit() -> None:
    data = (
        "Startseite | Politik | Scholz reist nach Paris\n\n"
        "Scholz reist nach Paris\n\n"
        "Bundeskanzler Olaf Scholz in Berlin. (Foto: dpa)\n\n"
        "Bundeskanzler Olaf Scholz reist am Montag zu Gesprächen nach Paris.\n\n"
        "Im Mittelpunkt steht die Lage in der Ukraine.\n\n"
        "dpa\n"
    ).encode()
    story = parse_one(data)
    assert story.section == "Politik"
    assert story.headline == "Scholz reist nach Paris"
    assert [(c.text, c.credit) for c in story.captions] == [("Bundeskanzler Olaf Scholz in Berlin.", "dpa")]
    assert story.paragraphs == [
        "Bundeskanzler Olaf Scholz reist am Montag zu Gesprächen nach Paris.",
        "Im Mittelpunkt steht die Lage in der Ukraine.",
    ]
    assert story.agency == "dpa"


def test_cp1252_bytes_are_decoded() -> None:
    data = "Accueil | Monde | L’été\n\nL’été à Paris\n\nIl fait chaud « très chaud ».\n\nAFP/ab\n".encode(
        "cp1252"
    )
    story = parse_one(data)
    assert story.headline == "L’été à Paris"
    assert story.paragraphs == ["Il fait chaud « très chaud »."]
    assert story.provenance.charset == "cp1252"

"""Text hygiene: decoding, mojibake repair, entities, control characters, NFC."""

from __future__ import annotations

import unicodedata

import pytest

from streams.ingest.text import (
    clean,
    clean_or_none,
    decode,
    looks_binary,
    normalize_newlines,
    repair,
    split_paragraphs,
    strip_bom,
    unescape,
)

# Correct text in the languages the wires use; nothing here may change.
CORRECT = [
    "« Nous n’envisageons pas de le faire », a répondu M. Poutine.",
    "Le taux atteint 15\u202f% selon l’Insee\u00a0: c’est « inédit ».",
    "Die Straße in München ist für Fußgänger gesperrt, sagte Jürgen Öztürk.",
    "¿Quién ganó? ¡Sí! El niño jugó en la Península.",
    "Škoda, Łódź, Ærø, Ørsted, İstanbul, Ñuñoa.",
    "Œuvre, cœur, façade — « Âge d’or ».",
]


@pytest.mark.parametrize("text", CORRECT)
def test_correct_text_survives_decode_and_clean(text: str) -> None:
    decoded, charset = decode(text.encode("utf-8"))
    assert charset == "utf-8"
    assert clean(decoded) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("text", CORRECT)
def test_repair_leaves_correct_text_alone(text: str) -> None:
    assert repair(text) == text


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("DÃ©cÃ¨s du prÃ©sident", "Décès du président"),
        ("lâ€™Ã‰lysÃ©e a dit Â« non Â»", "l’Élysée a dit « non »"),
        ("StraÃŸe in MÃ¼nchen", "Straße in München"),
        ("EspaÃ±a Â¿quÃ©?", "España ¿qué?"),
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert repair(broken) == fixed
    # Declared iso-8859-1 but the bytes are UTF-8 of mojibake: still repaired.
    assert decode(broken.encode("utf-8"), "iso-8859-1") == (fixed, "utf-8")


def test_mixed_file_repairs_only_broken_lines() -> None:
    text = "Décès à Paris\nDÃ©cÃ¨s Ã  Lyon"
    assert repair(text) == "Décès à Paris\nDécès à Lyon"


def test_utf8_declared_latin1_is_read_as_utf8() -> None:
    data = "Für die Straße".encode()
    assert decode(data, "iso-8859-1") == ("Für die Straße", "utf-8")


def test_cp1252_bytes_of_a_latin1_wire() -> None:
    data = b"\x93Nous\x94 \x96 l\x92\xc9tat \x95 \xa315 \xa0fin"
    text, charset = decode(data, "iso-8859-1")
    assert charset == "cp1252"
    assert text == "\u201cNous\u201d \u2013 l\u2019\u00c9tat \u2022 \u00a315 \u00a0fin"


def test_cp1252_when_declared_utf8_is_wrong() -> None:
    text, charset = decode("« C’est inédit », dit l’Élysée".encode("cp1252"), "utf-8")
    assert (text, charset) == ("« C’est inédit », dit l’Élysée", "cp1252")


def test_iso_8859_15_euro_and_oe() -> None:
    data = "Un budget de 450 millions € pour l'œuvre".encode("iso-8859-15")
    assert decode(data) == ("Un budget de 450 millions € pour l'œuvre", "iso-8859-15")


def test_cp1252_fraction_is_not_taken_for_8859_15() -> None:
    data = "Il a couru 2½ kilomètres".encode("cp1252")
    assert decode(data) == ("Il a couru 2½ kilomètres", "cp1252")


def test_declared_non_western_charset_is_used() -> None:
    data = "Москва заявила".encode("cp1251")
    assert decode(data, "windows-1251") == ("Москва заявила", "windows-1251")


def test_undeclared_non_western_charset_is_guessed() -> None:
    data = ("Президент России Владимир Путин заявил в воскресенье, что Москва не пошлёт войска. " * 3).encode(
        "cp1251"
    )
    text, charset = decode(data)
    assert text.startswith("Президент России")
    assert charset.replace("_", "").replace("-", "") in {"cp1251", "windows1251"}


@pytest.mark.parametrize(
    ("data", "charset"),
    [
        (b"\xef\xbb\xbfD\xc3\xa9c\xc3\xa8s", "utf-8"),
        ("\ufeffDécès".encode("utf-16-le"), "utf-16-le"),
        ("\ufeffDécès".encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_boms(data: bytes, charset: str) -> None:
    assert decode(data) == ("Décès", charset)


def test_strip_bom() -> None:
    assert strip_bom(b"\xef\xbb\xbf<?xml") == (b"<?xml", "utf-8")
    assert strip_bom(b"<?xml") == (b"<?xml", None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("caf&eacute; &amp; cr&egrave;me", "café & crème"),
        ("&amp;eacute;t&amp;eacute;", "été"),
        ("&amp;amp;", "&"),
        ("&#233;t&#xE9; &#8217;", "été ’"),
        ("&#150; dash", "– dash"),
        ("AT&T and R&D &copy", "AT&T and R&D &copy"),
        ("no entities", "no entities"),
    ],
)
def test_unescape(raw: str, expected: str) -> None:
    assert unescape(raw) == expected


def test_clean_removes_every_control_character() -> None:
    raw = "\x01\x02Titre\x07\x07 avec\x11\x13 DC\x08 \x1b[0m ESC\x7f et C1\x85\x9f\ufeff fin\x03\x04"
    out = clean(raw)
    assert out == "Titre avec DC [0m ESC et C1 fin"
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in out)


def test_clean_keeps_typography_and_normalizes() -> None:
    decomposed = "Cafe\u0301 \u00ab\u202fbien\u202f\u00bb  \t espace\n\nligne"
    assert clean(decomposed) == "Café «\u202fbien\u202f» espace ligne"


def test_clean_or_none() -> None:
    assert clean_or_none(None) is None
    assert clean_or_none(" \x07 ") is None
    assert clean_or_none(" a ") == "a"


def test_split_paragraphs_and_newlines() -> None:
    assert normalize_newlines("a\r\nb\rc") == "a\nb\nc"
    assert split_paragraphs("Premier\r\nparagraphe.\r\n\r\n\r\n  \x07\r\n\r\nSecond.") == [
        "Premier paragraphe.",
        "Second.",
    ]


def test_looks_binary() -> None:
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert not looks_binary(b"\x16\x16\x01a0412\x1f\r\nr w \x13\x11BC-Slug\x02^Headline<\x03\x0c\x04")
    assert not looks_binary(b"\x01dpa0123 2 pl 112 dpa 0456\r\n\x02(Eil)\x07\x07\x07\x07\x07\x03\x7f\x7f\x04")
    assert not looks_binary("\ufeffDécès".encode("utf-16-le"))
    assert not looks_binary(b"")

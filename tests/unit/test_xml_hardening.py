"""Hostile XML (and JSON): each case is a Reject with a stable reason, nothing leaks, nothing connects.

The second half switches the pre-parse DTD refusal off to show that the lxml
configuration alone still neither expands, reads files nor opens connections.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.ingest import ParseContext, newsml1, newsmlg2, nitf, parse_input, xmlsafe
from streams.model import Story
from streams.rejects import Reason, Reject, RejectError

HOSTILE = Path(__file__).parent.parent / "fixtures" / "hostile"
PARSERS = [nitf, newsml1, newsmlg2]
SECRET = "wirefeed-secret-7f3c9a"


def dump(result: object) -> str:
    """Every string an output could carry, for leak checks."""
    if isinstance(result, list):
        return "\n".join(repr(s) for s in result)
    return repr(result)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/", server
    server.close()


def assert_nothing_connected(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        conn, _ = server.accept()
        conn.close()


def template(name: str, **values: str) -> bytes:
    text = (HOSTILE / name).read_text()
    for key, value in values.items():
        text = text.replace(f"__{key}__", value)
    return text.encode()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("billion-laughs.xml", "nitf"), ("quadratic-blowup.xml", "newsmlg2")],
)
def test_entity_expansion_is_forbidden(name: str, fmt: str) -> None:
    data = (HOSTILE / name).read_bytes()
    result = parse_input(data)
    assert isinstance(result, Reject)
    assert (result.reason, result.format) == (Reason.XML_FORBIDDEN, fmt)
    for module in PARSERS:
        with pytest.raises(RejectError) as exc:
            module.parse(data, ParseContext())
        assert exc.value.reject.reason is Reason.XML_FORBIDDEN


def test_xxe_local_file_is_forbidden_and_never_read(secret_file: Path) -> None:
    data = template("xxe-local-file.xml.tmpl", PATH=str(secret_file))
    result = parse_input(data)
    assert isinstance(result, Reject) and result.reason is Reason.XML_FORBIDDEN
    assert SECRET not in dump(result)
    hostname = template("xxe-local-file.xml.tmpl", PATH="/etc/hostname")
    result = parse_input(hostname)
    assert isinstance(result, Reject) and result.reason is Reason.XML_FORBIDDEN


def test_xxe_url_is_forbidden_and_nothing_connects(listener: tuple[str, socket.socket]) -> None:
    url, server = listener
    for name in ("xxe-url.xml.tmpl", "xxe-external-dtd.xml.tmpl"):
        result = parse_input(template(name, URL=url))
        assert isinstance(result, Reject) and result.reason is Reason.XML_FORBIDDEN
    assert_nothing_connected(server)


def test_deep_nesting_hits_the_depth_limit() -> None:
    result = parse_input((HOSTILE / "deep-nesting.xml").read_bytes())
    assert isinstance(result, Reject)
    assert (result.reason, result.format) == (Reason.XML_LIMITS, "nitf")


def test_depth_limit_comes_from_the_context() -> None:
    data = b"<nitf><body><body.content><p>ok</p></body.content></body></nitf>"
    assert isinstance(parse_input(data, ParseContext(max_xml_depth=4)), list)
    shallow = parse_input(data, ParseContext(max_xml_depth=3))
    assert isinstance(shallow, Reject) and shallow.reason is Reason.XML_LIMITS


def test_size_limit() -> None:
    with pytest.raises(RejectError) as exc:
        xmlsafe.parse_xml(b"<nitf>" + b" " * 200 + b"</nitf>", max_bytes=100)
    assert exc.value.reject.reason is Reason.XML_LIMITS


def test_doctype_hidden_in_utf16_is_found() -> None:
    data = (HOSTILE / "doctype-utf16.xml").read_bytes()
    with pytest.raises(RejectError) as exc:
        nitf.parse(data, ParseContext())
    assert exc.value.reject.reason is Reason.XML_FORBIDDEN


@pytest.mark.parametrize(
    "prolog", [b"<!doctype nitf>", b"<!DOCTYPE nitf SYSTEM 'nitf.dtd'>", b"<!ENTITY x 'y'>"]
)
def test_any_declaration_is_refused(prolog: bytes) -> None:
    result = parse_input(b'<?xml version="1.0"?>' + prolog + b"<nitf><body/></nitf>", forced_format="nitf")
    assert isinstance(result, Reject) and result.reason is Reason.XML_FORBIDDEN


def test_xinclude_is_not_processed(secret_file: Path) -> None:
    result = parse_input(template("xinclude-local-file.xml.tmpl", PATH=str(secret_file)))
    assert isinstance(result, list)
    [story] = result
    assert story.paragraphs == ["Before", "After"]
    assert SECRET not in dump(result)


def test_deeply_nested_json_is_malformed() -> None:
    data = (HOSTILE / "deep-nesting.json").read_bytes()
    result = parse_input(data, forced_format="ninjs")
    assert isinstance(result, Reject) and (result.reason, result.format) == (Reason.MALFORMED, "ninjs")


def test_control_characters_and_illegal_char_refs_are_dropped() -> None:
    data = (
        b"<nitf><body><body.content><p>Flash\x07\x07 news&#7; &#x1B;here\x1b</p></body.content></body></nitf>"
    )
    result = parse_input(data, forced_format="nitf")
    assert isinstance(result, list)
    assert result[0].paragraphs == ["Flash news here"]


def test_unknown_entity_is_a_syntax_error() -> None:
    result = parse_input(b"<nitf><body><body.content><p>&bogus;</p></body.content></body></nitf>")
    assert isinstance(result, Reject) and result.reason is Reason.XML_SYNTAX


# --- second line of defence: lxml's own configuration --------------------------------


@pytest.fixture
def no_precheck(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlsafe, "_FORBIDDEN_RE", re.compile(r"(?!x)x"))


def _parse_loose(data: bytes) -> list[Story] | Reject:
    try:
        return nitf.parse(data, ParseContext()) if b"<nitf" in data else newsmlg2.parse(data, ParseContext())
    except RejectError as exc:
        return exc.reject


@pytest.mark.usefixtures("no_precheck")
def test_lxml_alone_reads_no_file(secret_file: Path) -> None:
    result = _parse_loose(template("xxe-local-file.xml.tmpl", PATH=str(secret_file)))
    assert SECRET not in dump(result)


@pytest.mark.usefixtures("no_precheck")
def test_lxml_alone_opens_no_connection(listener: tuple[str, socket.socket]) -> None:
    url, server = listener
    result = _parse_loose(template("xxe-url.xml.tmpl", URL=url))
    assert "Remote" in dump(result) or isinstance(result, Reject)
    assert_nothing_connected(server)


@pytest.mark.usefixtures("no_precheck")
def test_lxml_alone_does_not_expand_entities() -> None:
    result = _parse_loose((HOSTILE / "billion-laughs.xml").read_bytes())
    assert "lollollol" not in dump(result)


# --- output hygiene over every fixture, and a fuzz pass -------------------------------

FIXTURE_DIRS = ["nitf", "newsml1", "newsmlg2", "ninjs"]
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _all_fixture_stories() -> list[Story]:
    stories: list[Story] = []
    for folder in FIXTURE_DIRS:
        for path in sorted((HOSTILE.parent / folder).iterdir()):
            result = parse_input(path.read_bytes(), ParseContext(filename=path.name))
            assert isinstance(result, list), (path, result)
            stories += result
    return stories


def test_every_fixture_output_is_clean() -> None:
    import unicodedata

    stories = _all_fixture_stories()
    assert len(stories) >= 23
    for story in stories:
        strings = [
            story.headline,
            *story.paragraphs,
            story.body_html or "",
            story.ednote or "",
            story.byline or "",
            story.slugline or "",
            *(c.text for c in story.captions),
            *(s.name for s in story.subjects),
        ]
        for text in strings:
            assert not _CONTROL_RE.search(text), (story.item_id, text)
            assert unicodedata.normalize("NFC", text) == text
            assert "Ã" not in text and "â€" not in text  # no mojibake left
        html = story.body_html or ""
        assert not re.search(r"<script|<style|\son\w+=|javascript:", html, re.IGNORECASE)
        if story.ednote:
            for line in story.ednote.split("\n"):
                assert line not in story.paragraphs


def test_fuzzed_markup_never_breaks_the_stage_boundary() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(
        [
            "<nitf>",
            "</nitf>",
            "<body>",
            "</body>",
            "<body.content>",
            "<p>",
            "</p>",
            "<hl1>",
            "&amp;",
            "&eacute;",
            "&#7;",
            "<![CDATA[x]]>",
            "<!-- c -->",
            "\x07",
            "é",
            "<a href='javascript:x'>",
            "</a>",
            "<newsItem guid='g' version='2'>",
            "</newsItem>",
            "<NewsML>",
            "<NewsItem>",
            "text ",
        ]
    )

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(pieces, max_size=40))
    def check(parts: list[str]) -> None:
        result = parse_input("".join(parts).encode("utf-8"))
        if isinstance(result, Reject):
            assert result.reason is not Reason.INTERNAL_ERROR, result
        else:
            for story in result:
                assert "javascript:" not in (story.body_html or "")

    check()

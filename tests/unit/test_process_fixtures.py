"""Acceptance: `wirefeed process` on every fixture folder, with and without dedup.

For each format folder (and the seed, the webtext reference): exit code 0, no
rejection, exactly one event per item the parsers produce (G2 packageItems are
references and produce none), every event valid against the project's schemas
(and the official ninjs 2.2 schema when ../shared/ref is present). With dedup,
an item may become a duplicate notice instead of a story event — still exactly
one event. The hostile folder gives the exact reject reason per file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from streams.cli import main
from streams.ingest import ParseContext, parse_input
from streams.rejects import Reject
from tests.support.schemas import validate_event

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SEED = ROOT / "streams" / "samples" / "afp-fr-russie-syrie.txt"
HOSTILE = FIXTURES / "hostile"

FORMAT_DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "hostile")
# name → what to pass to `wirefeed process`: each folder, and the seed for webtext.
CASES: dict[str, Path] = {p.name: p for p in FORMAT_DIRS} | {"webtext": SEED}
STORY_KINDS = {"new", "update", "correction", "kill"}


def _files(target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return sorted(p for p in target.rglob("*") if p.is_file() and not p.name.startswith("."))


def expected_items(target: Path) -> Counter[tuple[str, int]]:
    """(file name, item index) of every item that must give one event."""
    items: Counter[tuple[str, int]] = Counter()
    for path in _files(target):
        result = parse_input(path.read_bytes(), ParseContext(filename=str(path)))
        assert not isinstance(result, Reject), f"{path.name} rejected by parse_input: {result}"
        for index, story in enumerate(result):
            if not story.is_reference:
                items[(path.name, index)] += 1
    return items


def run_process(*args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["process", *args])
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    events = [orjson.loads(line) for line in result.stdout_bytes.splitlines() if line.strip()]
    for event in events:
        validate_event(event)
    return events


def items_of(events: list[dict[str, Any]]) -> Counter[tuple[str, int]]:
    return Counter((Path(e["provenance"]["filename"]).name, e["provenance"]["item"]) for e in events)


def test_every_format_has_a_case() -> None:
    from streams.ingest.detect import FORMATS

    assert set(FORMATS) <= set(CASES)


@pytest.mark.parametrize("dedup", [False, True], ids=["no-dedup", "dedup"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_process_fixture_folder(name: str, dedup: bool) -> None:
    target = CASES[name]
    expected = expected_items(target)
    assert expected, f"no items in {target}"
    events = run_process(str(target), *([] if dedup else ["--no-dedup"]))

    rejected = [e for e in events if e["event"] == "rejected"]
    assert not rejected, [(e["provenance"].get("filename"), e["reason"], e["message"]) for e in rejected]
    kinds = STORY_KINDS | ({"duplicate"} if dedup else set())
    assert {e["event"] for e in events} <= kinds
    assert items_of(events) == expected  # exactly one event per item, none extra
    for event in events:
        assert event["provenance"]["format"] == name


def test_process_all_folders_in_one_run_with_dedup() -> None:
    """Dedup state spans the whole run: across formats, still one event per item."""
    targets = [CASES[name] for name in sorted(CASES)]
    expected: Counter[tuple[str, int]] = Counter()
    for target in targets:
        expected += expected_items(target)
    events = run_process(*(str(t) for t in targets))
    assert {e["event"] for e in events} <= STORY_KINDS | {"duplicate"}
    assert items_of(events) == expected


# --- hostile input -----------------------------------------------------------------

# file → reject reason. The templates are run as they are, with their __PATH__
# placeholder: the declaration alone is enough to refuse them.
HOSTILE_REASONS: dict[str, str] = {
    "billion-laughs.xml": "xml_forbidden",
    "deep-nesting.json": "unknown_format",  # ten thousand "[": nothing ninjs-like to detect
    "deep-nesting.xml": "xml_limits",
    "doctype-utf16.xml": "xml_forbidden",
    "quadratic-blowup.xml": "xml_forbidden",
    "xxe-external-dtd.xml.tmpl": "xml_forbidden",
    "xxe-local-file.xml.tmpl": "xml_forbidden",
    "xxe-url.xml.tmpl": "xml_forbidden",
}
# XInclude needs no declaration: the file is a valid NITF story whose include
# element is simply not processed (see test_xml_hardening), so it is accepted.
HOSTILE_ACCEPTED = {"xinclude-local-file.xml.tmpl"}


def test_hostile_folder_is_rejected_with_exact_reasons() -> None:
    assert {p.name for p in _files(HOSTILE)} == set(HOSTILE_REASONS) | HOSTILE_ACCEPTED
    events = run_process(str(HOSTILE), "--no-dedup")
    by_file: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_file.setdefault(Path(event["provenance"]["filename"]).name, []).append(event)

    reasons = {
        name: [e["reason"] for e in found if e["event"] == "rejected"] for name, found in by_file.items()
    }
    assert {name: r[0] for name, r in reasons.items() if r} == HOSTILE_REASONS
    for name in HOSTILE_REASONS:
        assert [e["event"] for e in by_file[name]] == ["rejected"]
    for name in HOSTILE_ACCEPTED:
        [event] = by_file[name]
        assert event["event"] == "new"
        assert [b.get("value") for b in event["bodies"]] and "__PATH__" not in orjson.dumps(event).decode()


def test_hostile_json_forced_as_ninjs_is_malformed() -> None:
    [event] = run_process(str(HOSTILE / "deep-nesting.json"), "--format", "ninjs")
    assert (event["event"], event["reason"]) == ("rejected", "malformed")

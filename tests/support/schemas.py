"""Validate emitted events against the project's schemas, and the ninjs part
against the official IPTC ninjs 2.2 schema when ../shared/ref is present."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
NINJS_REF = ROOT.parent / "shared" / "ref" / "ninjs-schema_2.2.json"

_BY_EVENT = {
    "new": "story",
    "update": "story",
    "correction": "story",
    "kill": "story",
    "duplicate": "duplicate",
    "rejected": "dlq",
}


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def ninjs_available() -> bool:
    return NINJS_REF.exists()


@cache
def ninjs_validator() -> Draft202012Validator:
    schema = json.loads(NINJS_REF.read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def extension_names() -> frozenset[str]:
    story = json.loads((SCHEMAS / "story.schema.json").read_text())
    return frozenset(story["$defs"]["extensions"]["properties"])


def ninjs_part(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in extension_names()}


def validate_event(event: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless the event satisfies its schema(s)."""
    kind = event.get("event")
    assert kind in _BY_EVENT, f"unknown event kind {kind!r}"
    validator(_BY_EVENT[kind]).validate(event)
    if _BY_EVENT[kind] == "story" and ninjs_available():
        ninjs_validator().validate(ninjs_part(event))

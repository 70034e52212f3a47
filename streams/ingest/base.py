"""What every format parser receives and must return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from streams.model import Story


@dataclass(slots=True)
class ParseContext:
    """Facts about one input that parsers may use (never Kafka objects)."""

    filename: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    received: datetime = field(default_factory=lambda: datetime.now(UTC))
    max_xml_depth: int = 64

    @property
    def declared_charset(self) -> str | None:
        ctype = self.headers.get("content-type", "")
        for part in ctype.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip().strip('"')
        return None

    @property
    def agency_hint(self) -> str | None:
        return self.headers.get("agency") or None


# A parser takes the raw bytes of one input and returns one Story per item.
# It raises streams.rejects.RejectError for input it recognises but cannot use.
# Provenance fields filename/item/sha256/format/received are filled by the caller.
Parser = Callable[[bytes, ParseContext], list[Story]]

# A sniffer looks at the first bytes (already stripped of BOM/whitespace) and
# says whether the input is probably its format.
Sniffer = Callable[[bytes], bool]

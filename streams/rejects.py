"""Reject reasons: the stable codes that appear in dead-letter records.

Errors are data. A stage that cannot turn input into a Story raises
`RejectError` (or returns a `Reject`); the agent turns it into one DLQ record.
Codes are part of the output contract: add new ones, never rename.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Reason(enum.StrEnum):
    EMPTY = "empty_input"
    TOO_LARGE = "too_large"
    BINARY = "binary_content"
    UNKNOWN_FORMAT = "unknown_format"
    UNDECODABLE = "undecodable_text"
    MALFORMED = "malformed"  # the format was recognised but the content is broken
    NO_CONTENT = "no_content"  # parsed, but no headline and no body
    XML_FORBIDDEN = "xml_forbidden"  # DTD / entity declarations / external references
    XML_LIMITS = "xml_limits"  # depth or size limit before parsing
    XML_SYNTAX = "xml_syntax"
    INTERNAL_ERROR = "internal_error"  # a bug: the stage raised something unexpected


DESCRIPTIONS: dict[Reason, str] = {
    Reason.EMPTY: "the payload is empty or only whitespace",
    Reason.TOO_LARGE: "the payload exceeds the configured size limit",
    Reason.BINARY: "the payload looks like binary data, not text",
    Reason.UNKNOWN_FORMAT: "no supported wire format was recognised",
    Reason.UNDECODABLE: "the text could not be decoded in any plausible charset",
    Reason.MALFORMED: "the format was recognised but required parts are missing or broken",
    Reason.NO_CONTENT: "the item has neither a headline nor a body",
    Reason.XML_FORBIDDEN: "XML with a DTD, entity declaration or external reference",
    Reason.XML_LIMITS: "XML nesting depth or size over the limits",
    Reason.XML_SYNTAX: "XML that is not well-formed",
    Reason.INTERNAL_ERROR: "an unexpected error inside a processing stage",
}


@dataclass(frozen=True, slots=True)
class Reject:
    reason: Reason
    message: str
    format: str | None = None


class RejectError(Exception):
    """Raised inside pure stages; caught once, at the stage boundary."""

    def __init__(self, reason: Reason, message: str, format: str | None = None) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reject = Reject(reason, message, format)

"""Ingest: raw bytes of one input → Stories (one per item) or a Reject.

`parse_input` is the only entry point the rest of the project uses. It owns the
checks that hold for every format (size, emptiness, binary content), format
detection, the stage boundary that turns any exception into a Reject, and the
provenance fields common to every item.
"""

from __future__ import annotations

import hashlib
import logging

from streams.ingest import detect as detection
from streams.ingest.base import ParseContext
from streams.ingest.text import looks_binary
from streams.model import Story
from streams.rejects import Reason, Reject, RejectError

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024

__all__ = ["DEFAULT_MAX_BYTES", "ParseContext", "parse_input"]


def parse_input(
    data: bytes,
    ctx: ParseContext | None = None,
    *,
    forced_format: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Story] | Reject:
    ctx = ctx or ParseContext()
    if len(data) > max_bytes:
        return Reject(Reason.TOO_LARGE, f"{len(data)} bytes, limit is {max_bytes}")
    if not data.strip():
        return Reject(Reason.EMPTY, "no content")
    if looks_binary(data):
        return Reject(Reason.BINARY, "NUL or non-text control bytes in the payload")

    requested = forced_format or ctx.headers.get("format") or ctx.headers.get("content-type")
    fmt = detection.resolve_forced(requested) if requested else None
    if not fmt:
        fmt = detection.detect(data)
    if fmt is None:
        return Reject(Reason.UNKNOWN_FORMAT, "no supported wire format recognised")
    try:
        module = detection.load(fmt)
    except ModuleNotFoundError:
        return Reject(Reason.UNKNOWN_FORMAT, f"format {fmt!r} is not supported in this build", fmt)

    try:
        stories: list[Story] = module.parse(data, ctx)
    except RejectError as exc:
        reject = exc.reject
        return Reject(reject.reason, reject.message, reject.format or fmt)
    except RecursionError:
        return Reject(Reason.MALFORMED, "input nested too deeply", fmt)
    except Exception as exc:  # the stage boundary: a parser bug must not kill the agent
        log.exception("parser %s failed", fmt)
        return Reject(Reason.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", fmt)

    if not stories:
        return Reject(Reason.NO_CONTENT, "no story in the input", fmt)
    digest = hashlib.sha256(data).hexdigest()
    for index, story in enumerate(stories):
        prov = story.provenance
        prov.format = prov.format or fmt
        prov.filename = ctx.filename
        prov.item = index
        prov.sha256 = digest
        prov.received = ctx.received
        prov.headers = dict(ctx.headers)
    return stories

"""Multilingual tagging: language, IPTC Media Topics, places, people and organisations.

Public API::

    from streams.tagging import Tagger, TaggingDataError, default_tagger
    story = default_tagger().tag(story)

Data files live in ``streams/tagging/data/`` (formats in docs/tagging.md); a user
directory passed to ``Tagger(data_dir)`` extends or overrides them. Topic labels are
IPTC Media Topics, International Press Telecommunications Council, CC BY 4.0.
"""

from __future__ import annotations

import functools

from streams.tagging.errors import TaggingDataError
from streams.tagging.tagger import Tagger

__all__ = ["Tagger", "TaggingDataError", "default_tagger"]


@functools.cache
def default_tagger() -> Tagger:
    """The process-wide tagger on the bundled data (built on first use, then shared)."""
    return Tagger()
